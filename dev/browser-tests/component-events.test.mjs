// Custom components' logic in a real Chromium (the components-raw example,
// the raw WIT): a tap inside a component reaches that component's handler,
// which sets its own data and triggers `change` for the page's handler; a
// page change of a property re-renders the component with its observer's
// note; a keyed list reversed keeps its items; wx:if false removes a
// component.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/component-events.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('components: a component handler, its event to the page, a property change, a keyed move', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'components-raw'));
  const shown = screen.locator('#shown');
  await shown.waitFor();
  assert.equal(await shown.textContent(), '1/0/');

  // The counter's own `increment`: its clicks, and its `change` reaching the page.
  await screen.locator('#inc').click();
  await screen.locator('#changed', { hasText: '1' }).waitFor();
  await screen.locator('#shown', { hasText: '1/1/' }).waitFor();

  // The page's count is the counter's `value`: its observer notes the change.
  await screen.locator('#bump').click();
  await screen.locator('#shown', { hasText: '2/1/1 -> 2' }).waitFor();
  assert.equal(await screen.locator('#count').textContent(), '2');

  // A keyed list reversed: the same items in the new order.
  const labels = () => screen.locator('.item').allTextContents();
  assert.deepEqual((await labels()).map((s) => s.trim()), ['A', 'B', 'C']);
  await screen.locator('#reverse').click();
  await screen.locator('.item >> nth=0', { hasText: 'C' }).waitFor();
  assert.deepEqual((await labels()).map((s) => s.trim()), ['C', 'B', 'A']);

  // wx:if false: the timer box leaves the page.
  assert.equal(await screen.locator('#start').count(), 1);
  await screen.locator('#drop').click();
  await screen.locator('#start').waitFor({ state: 'detached' });
  assert.deepEqual(page.problems, []);
});
