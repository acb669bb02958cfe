// Typed custom components in the simulator in a real Chromium (the
// components example, written with the SDK's #[component]): the counter's
// + re-renders its own text and its data observer's, and its `change`
// reaches the page's typed handler; the badge's `poke` bubbles through the
// card's handler (its count) to the page's (the label); the page's reset
// calls the counter through `component::with`; removing the box with
// wx:if leaves the rest drawn.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/typed-components.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('typed components: own data, observers, events to the page and through a parent', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'components'));
  const shown = screen.locator('#shown');
  await shown.waitFor();
  await screen.locator('#shown', { hasText: /^1\/0\/$/ }).waitFor();

  await screen.locator('#inc').click();
  await screen.locator('#shown', { hasText: /^1\/1\/$/ }).waitFor();
  await screen.locator('#inc').click();
  await screen.locator('#shown', { hasText: /^1\/2\/$/ }).waitFor();
  await screen.locator('#twice', { hasText: /^4$/ }).waitFor();
  await screen.locator('#changed', { hasText: /^2$/ }).waitFor();

  await screen.locator('#bump').click();
  await screen.locator('#shown', { hasText: /^2\/2\/1 -> 2$/ }).waitFor();

  await screen.locator('#poke').click();
  await screen.locator('#pokes', { hasText: /^1$/ }).waitFor();
  await screen.locator('#poked', { hasText: /^Hello$/ }).waitFor();

  await screen.locator('#reset').click();
  await screen.locator('#shown', { hasText: /^2\/0\// }).waitFor();

  await screen.locator('#drop').click();
  await screen.locator('#start').waitFor({ state: 'detached' });
  assert.equal(await screen.locator('#poke').textContent(), 'Hello');
  assert.deepEqual(page.problems, []);
});
