// The page's window from WeChat's config files, in a real Chromium (the
// hello example): app.json's `window` draws the navigation bar of the home
// page (title, background, text colour) and the pull-down's background; the
// detail page's pages/detail.json overrides them there, and going back
// brings the app's again.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/window.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** The navigation bar as drawn: its title, background and text colour. */
async function navbar(page) {
  return page.evaluate(() => {
    const bar = getComputedStyle(document.querySelector('#navbar'));
    return [document.querySelector('#nav-title').textContent, bar.backgroundColor, bar.color];
  });
}

test('window: app.json draws the bar, a page json overrides it on its page', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'hello'));
  const home = ['Hello', 'rgb(7, 193, 96)', 'rgb(255, 255, 255)'];
  await eventually(async () => assert.deepEqual(await navbar(page), home));
  const pullDown = await page.locator('#pull-down').evaluate((p) => [getComputedStyle(p).backgroundColor, p.dataset.style]);
  assert.deepEqual(pullDown, ['rgb(242, 242, 242)', 'dark']);

  await screen.locator('#detail').click();
  await eventually(async () => assert.deepEqual(await navbar(page), ['Detail', 'rgb(237, 237, 237)', 'rgb(0, 0, 0)']));
  // What the detail page's json leaves out is still the app's.
  assert.equal(await page.locator('#pull-down').evaluate((p) => getComputedStyle(p).backgroundColor), 'rgb(242, 242, 242)');

  await screen.locator('#back').click();
  await eventually(async () => assert.deepEqual(await navbar(page), home));
});
