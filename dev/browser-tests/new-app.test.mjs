// The app `miniapp new` writes, in the simulator in a real Chromium: its
// app.json tab bar (two tabs, text and icons from the package) under the
// home page; a tap on the second tab shows its page with its own window
// title, the first tab's count kept when it shows again; and the simulator's
// own panels still switch while the phone shows a tab bar.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/new-app.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, miniapp, openApp, tempDir, useChromium } from './harness.mjs';

useChromium();

/** The phone's tab bar as drawn: each tab's text, icon and whether it is selected. */
async function tabs(page) {
  return page.locator('#tabbar .tab').evaluateAll((all) => all.map((tab) => [
    tab.querySelector('.tab-text').textContent,
    new URL(tab.querySelector('img.tab-icon').src).pathname,
    tab.getAttribute('aria-selected'),
  ]));
}

test('new app: two tabs with icons, each page its title, the home tab kept alive', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = join(await tempDir(t, 'app'), 'two-tabs');
  await miniapp(['new', app]);
  // Built with the examples' target dir: the SDK's dependencies are compiled there.
  const { page, screen } = await openApp(t, app, { CARGO_TARGET_DIR: join(EXAMPLES, 'target') });
  const title = () => page.locator('#nav-title').textContent();
  await eventually(async () => assert.equal(await title(), 'two-tabs'));
  await page.locator('#tabbar:not([hidden])').waitFor();
  assert.deepEqual(await tabs(page), [
    ['Home', '/assets/icons/home-on.png', 'true'],
    ['Mine', '/assets/icons/mine.png', 'false'],
  ]);
  // Every icon is a png the browser decoded.
  const sizes = await page.locator('#tabbar img.tab-icon').evaluateAll((all) => all.map((img) => img.naturalWidth));
  assert.deepEqual(sizes, [48, 48]);
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await screen.locator('.count').textContent(), '1'));

  await page.locator('#tabbar .tab[data-index="1"]').click();
  await eventually(async () => assert.equal(await title(), 'Mine'));
  await eventually(async () => assert.equal(await screen.locator('.shows').textContent(), 'Times shown: 1'));
  assert.deepEqual(await tabs(page), [
    ['Home', '/assets/icons/home.png', 'false'],
    ['Mine', '/assets/icons/mine-on.png', 'true'],
  ]);

  await page.locator('#tabbar .tab[data-index="0"]').click();
  await eventually(async () => assert.equal(await title(), 'two-tabs'));
  await eventually(async () => assert.equal(await screen.locator('.count').textContent(), '1'));

  // The simulator's panels switch; the phone's tabs are not theirs.
  await page.locator('#tab-storage').click();
  assert.equal(await page.locator('#panel-storage').isHidden(), false);
  assert.equal(await page.locator('#panel-appdata').isHidden(), true);
  assert.deepEqual(page.problems, []);
});
