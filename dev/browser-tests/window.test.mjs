// The page's window from WeChat's config files, in a real Chromium (the
// hello example): app.json's `window` draws the navigation bar of the home
// page (title, background, text colour) and the pull-down's background; the
// detail page's pages/detail.json overrides them there, and going back
// brings the app's again. A title and colour the app sets (the feedback
// example) win over its window until another page shows.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/window.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, miniapp, openApp, tempDir, useChromium } from './harness.mjs';

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
  // What the detail page's json leaves out is still the app's; its
  // disableScroll stops the page scrolling as a whole.
  assert.equal(await page.locator('#pull-down').evaluate((p) => getComputedStyle(p).backgroundColor), 'rgb(242, 242, 242)');
  assert.equal(await page.locator('#screen').evaluate((s) => getComputedStyle(s).overflowY), 'hidden');

  await screen.locator('#back').click();
  await eventually(async () => assert.deepEqual(await navbar(page), home));
  assert.equal(await page.locator('#screen').evaluate((s) => getComputedStyle(s).overflowY), 'auto');
});

test('window: a title and colour the app sets win over its window until the page changes', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'feedback'));
  const fromJson = ['Feedback example', 'rgb(51, 51, 51)', 'rgb(255, 255, 255)'];
  await eventually(async () => assert.deepEqual(await navbar(page), fromJson));
  // index:frame sets the title and a green bar.
  await screen.locator('#frame').click();
  await eventually(async () => assert.deepEqual(await navbar(page), ['Feedback', 'rgb(7, 193, 96)', 'rgb(255, 255, 255)']));
  // Another page shows its window (app.json's, as it has no json of its own).
  await screen.locator('#open-detail').click();
  await eventually(async () => assert.deepEqual(await navbar(page), fromJson));
});

test('window: a saved page json redraws the bar in place, the page\'s data kept; a bad one shows where', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = join(await tempDir(t, 'app'), 'win');
  await miniapp(['new', app]);
  const json = join(app, 'pages', 'index.json');
  // Each json keeps the scaffold's declaration of its badge component.
  const badge = '"usingComponents": { "badge": "/components/badge/badge" }';
  await writeFile(json, `{ "navigationBarTitleText": "Before", ${badge} }`);
  // Built with the examples' target dir: the SDK's dependencies are compiled there.
  const { page, screen } = await openApp(t, app, { CARGO_TARGET_DIR: join(EXAMPLES, 'target') });
  await eventually(async () => assert.equal((await navbar(page))[0], 'Before'));
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await screen.locator('.count').textContent(), '1'));

  await writeFile(json, `{ "navigationBarTitleText": "After", "navigationBarBackgroundColor": "#123456", ${badge} }`);
  await eventually(async () => assert.deepEqual((await navbar(page)).slice(0, 2), ['After', 'rgb(18, 52, 86)']));
  assert.equal(await screen.locator('.count').textContent(), '1', 'the page kept its data');

  await writeFile(json, `{ "navigationBarTitleText": "After", "navigationBarTextStyle": "grey", ${badge} }`);
  await eventually(async () => assert.match(await page.locator('#build-message').textContent(), /pages\/index\.json:1:64: `navigationBarTextStyle` must be `black` or `white`/));
});
