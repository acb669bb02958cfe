// Style isolation of custom components in a real Chromium (the
// component-styles example): the page's `.tint` (red) stops at an isolated
// component and reaches an apply-shared one; an isolated component's own
// `.tint` and `.label` style its text and not the page's; its `:host` rule
// draws its host element.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/components.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** The computed colour, weight, style and decoration line of the element `selector` names. */
async function look(screen, selector) {
  return screen.locator(selector).evaluate((e) => {
    const s = getComputedStyle(e);
    return { color: s.color, weight: s.fontWeight, style: s.fontStyle, line: s.textDecorationLine };
  });
}

test('components: page classes stop at an isolated component and reach an apply-shared one', { timeout: TEST_TIMEOUT }, async (t) => {
  const { screen } = await openApp(t, join(EXAMPLES, 'component-styles'));
  await eventually(async () => assert.equal(await screen.locator('#open-text').count(), 1));
  const red = 'rgb(255, 0, 0)';
  // The page's own text: its red, none of the components' rules.
  assert.deepEqual(await look(screen, '#page-text'), { color: red, weight: '400', style: 'normal', line: 'none' });
  // Isolated: not the page's red; its own `.tint` (underline) and `.label` (bold).
  const boxed = await look(screen, '#boxed-text');
  assert.notEqual(boxed.color, red);
  assert.deepEqual([boxed.weight, boxed.style, boxed.line], ['700', 'normal', 'underline']);
  // Apply-shared: the page's red reaches it, with its own `.label` (italic).
  assert.deepEqual(await look(screen, '#open-text'), { color: red, weight: '400', style: 'italic', line: 'none' });
  // `:host` in the isolated component's stylesheet draws its host element.
  const host = await screen.locator('#boxed').evaluate((e) => [e.dataset.mp, getComputedStyle(e).borderTopColor, getComputedStyle(e).display]);
  assert.deepEqual(host, ['boxed', 'rgb(0, 0, 255)', 'block']);
});
