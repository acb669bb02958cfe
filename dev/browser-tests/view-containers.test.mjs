// match-media in a real Chromium (the view-containers example): on the
// iPhone 12 (390 px wide) the one-column layout shows and the two-column one
// does not; the app lowering a block's min-width shows it without a resize;
// a switch to the iPad Mini (768 px) swaps the layouts, and back to the
// iPhone SE swaps them again. The orientation condition is checked against
// a landscape window the presets do not offer through the module itself.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/view-containers.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** Which of the page's blocks are shown, by their child's id. */
async function shown(screen) {
  const ids = ['wide-layout', 'narrow-layout', 'landscape-note', 'portrait-note', 'sized-note'];
  const visible = {};
  for (const id of ids) visible[id] = await screen.locator(`#${id}`).isVisible();
  return visible;
}

test('view containers: match-media follows the window and the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'view-containers'));
  await screen.locator('#bound', { hasText: 'min-width 800' }).waitFor();
  const phone = { 'wide-layout': false, 'narrow-layout': true, 'landscape-note': false, 'portrait-note': true, 'sized-note': false };
  await eventually(async () => assert.deepEqual(await shown(screen), phone));

  // The app lowers #sized's min-width to 300: it shows at once.
  await screen.locator('#lower').click();
  await screen.locator('#bound', { hasText: 'min-width 300' }).waitFor();
  await eventually(async () => assert.deepEqual(await shown(screen), { ...phone, 'sized-note': true }));

  // The iPad Mini's window is 768 px wide: the two-column layout.
  const device = page.locator('#device-select');
  await device.selectOption('ipad-mini');
  const tablet = { ...phone, 'wide-layout': true, 'narrow-layout': false, 'sized-note': true };
  await eventually(async () => assert.deepEqual(await shown(screen), tablet));
  await device.selectOption('iphone-se');
  await eventually(async () => assert.deepEqual(await shown(screen), { ...phone, 'sized-note': true }));

  // Orientation: landscape only while the window is wider than tall.
  const landscape = await screen.locator('#landscape').evaluate(async (element) => {
    const { matches } = await import('/static/match-media.js');
    return [matches(element, 800, 400), matches(element, 400, 800), matches(element, 500, 500)];
  });
  assert.deepEqual(landscape, [true, false, false]);
  assert.deepEqual(page.problems, []);
});
