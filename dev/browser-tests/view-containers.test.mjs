// match-media in a real Chromium (the view-containers example): on the
// iPhone 12 (390 px wide) the one-column layout shows and the two-column one
// does not; the app lowering a block's min-width shows it without a resize;
// a switch to the iPad Mini (768 px) swaps the layouts, and back to the
// iPhone SE swaps them again. The orientation condition is checked against
// a landscape window the presets do not offer through the module itself.
// The feed (a scroll-view): a drag up scrolls it and the app hears where
// the drag started and ended; a pull down past its 60px threshold opens
// the refresher and the app adds a fresh post, Done closes it (restore);
// a short pull aborts. The sheet (a page-container): opened by the app, its
// panel slides up with round corners and its custom-style over an overlay
// in its overlay-style, the app told each step; a tap on the overlay has
// the app close it, and it leaves telling the app.
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

/** Drag with the mouse from (x, y) of `locator`'s box (fractions) by (dx, dy), in steps. */
async function drag(page, locator, at, dx, dy) {
  const box = await locator.boundingBox();
  const x = box.x + box.width * at[0];
  const y = box.y + box.height * at[1];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 10 });
  await page.mouse.up();
}

test('view containers: a scroll-view drag and pull-to-refresh reach the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'view-containers'));
  const feed = screen.locator('#feed');
  await feed.scrollIntoViewIfNeeded();
  const feedState = screen.locator('#feed-state');
  const dragState = screen.locator('#drag-state');
  assert.equal(await feedState.textContent(), 'idle');

  // A drag up scrolls the feed as a finger would; the app hears both ends.
  await drag(page, feed, [0.5, 0.8], 0, -120);
  await dragState.filter({ hasText: /^dragged to [1-9]\d*$/ }).waitFor();
  assert.ok((await feed.evaluate((f) => f.scrollTop)) > 0);
  await feed.evaluate((f) => { f.scrollTop = 0; });

  // A pull past 60px: the refresher opens in its background colour and the app refreshes.
  await drag(page, feed, [0.5, 0.2], 0, 110);
  await feedState.filter({ hasText: 'refreshing' }).waitFor();
  await screen.locator('#feed .item', { hasText: 'Fresh 1' }).waitFor();
  const open = await feed.evaluate((f) => [f.hasAttribute('data-mp-pull'), getComputedStyle(f, '::before').backgroundColor,
    parseFloat(getComputedStyle(f, '::before').height)]);
  assert.deepEqual(open, [true, 'rgb(242, 242, 242)', 60]);
  // Done: the app's refresher-triggered goes false, the refresher closes and the app hears restore.
  await screen.locator('#done').click();
  await feedState.filter({ hasText: 'restored' }).waitFor();
  assert.equal(await feed.evaluate((f) => f.hasAttribute('data-mp-pull')), false);

  // A short pull aborts.
  await drag(page, feed, [0.5, 0.2], 0, 25);
  await feedState.filter({ hasText: /^aborted at \d+$/ }).waitFor();
  assert.equal(await feed.evaluate((f) => f.hasAttribute('data-mp-pull')), false);
  assert.deepEqual(page.problems, []);
});

test('view containers: a page-container opens over its overlay and a tap on the overlay closes it', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'view-containers'));
  const body = screen.locator('#sheet-body');
  const steps = screen.locator('#sheet-steps');
  assert.equal(await body.isVisible(), false);
  await screen.locator('#open-sheet').click();
  await steps.filter({ hasText: /^beforeenter enter afterenter$/ }).waitFor();
  assert.equal(await body.isVisible(), true);
  const panel = await screen.locator('#sheet').evaluate((p) => {
    const style = getComputedStyle(p);
    return [style.position, style.paddingTop, style.borderTopLeftRadius, style.borderBottomLeftRadius];
  });
  assert.deepEqual(panel, ['fixed', '16px', '20px', '0px']);
  const overlay = screen.locator('.mp-page-overlay');
  assert.equal(await overlay.evaluate((o) => getComputedStyle(o).backgroundColor), 'rgba(0, 0, 0, 0.5)');
  // A tap on the overlay, above the panel: the app drops `show`.
  const box = await page.locator('#screen').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + 80);
  await steps.filter({ hasText: /^beforeenter enter afterenter beforeleave leave afterleave$/ }).waitFor();
  await eventually(async () => assert.equal(await body.isVisible(), false));
  assert.equal(await overlay.isVisible(), false);
  assert.deepEqual(page.problems, []);
});

test('view containers: a root-portal draws its subtree at the page root while enabled', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'view-containers'));
  const toast = screen.locator('#toast');
  await toast.waitFor();
  /** Whether the toast is inside the page's root (in its clipping box) or in the layer beside it. */
  const where = () => toast.evaluate((el) => [el.closest('[data-mp-page]') !== null, el.closest('.mp-portal-layer') !== null]);
  // On: drawn at the page's root, outside #clip's zero height, and a tap reaches the app.
  assert.deepEqual(await where(), [false, true]);
  assert.equal(await toast.isVisible(), true);
  await toast.click();
  await toast.filter({ hasText: 'Saved (1 taps)' }).waitFor();
  // Off: back where it stands, clipped away by #clip.
  await screen.locator('#toggle-portal').click();
  await screen.locator('#toggle-portal', { hasText: 'Portal off' }).waitFor();
  await eventually(async () => assert.deepEqual(await where(), [true, false]));
  assert.equal(await toast.evaluate((el) => el.getBoundingClientRect().bottom > el.closest('#clip').getBoundingClientRect().bottom), true);
  // On again: at the root; the slot keeps its place among its parent's children.
  await screen.locator('#toggle-portal').click();
  await eventually(async () => assert.deepEqual(await where(), [false, true]));
  assert.equal(await screen.locator('#clip > .mp-portal-slot').count(), 1);
  assert.deepEqual(page.problems, []);
});
