// WeChat's page events in a real Chromium (the page-events example, a
// feed): pulling the feed down refreshes it (the refresh dots show, the app
// stops them), scrolling to its bottom loads the next posts and shows the
// back-to-top button, and the capsule menu's share (or the page's share
// button) draws the host's share sheet with the app's answer; the
// toolbar's theme switch and a device switch reach the app.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/page-events.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, pullDown, useChromium } from './harness.mjs';

useChromium();

test('page events: pull to refresh, scroll to the bottom loads more, share draws the sheet', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'page-events'));
  await screen.locator('#status', { hasText: 'Refreshed 0 times; 10 posts' }).waitFor();

  // A drag down from the top of the page, released past the threshold.
  await pullDown(page);
  await screen.locator('#status', { hasText: 'Refreshed 1 times; 10 posts' }).waitFor();
  // The app's stopPullDownRefresh hides the dots.
  await page.locator('#pull-down').waitFor({ state: 'hidden' });

  // Scrolled to the bottom: reach-bottom loads ten more, and page-scroll
  // past 400 px shows the back-to-top button.
  assert.equal(await screen.locator('#top').count(), 0);
  await page.locator('#screen').evaluate((e) => { e.scrollTop = e.scrollHeight; });
  await screen.locator('#status', { hasText: '20 posts' }).waitFor();
  await screen.locator('#top').waitFor();
  assert.equal(await screen.locator('.post').count(), 20);

  // The capsule's menu: share, and the host's sheet shows the app's card.
  await page.locator('.capsule').click();
  await page.locator('[data-share="share"]').click();
  const sheet = page.locator('#share-sheet');
  await sheet.waitFor();
  assert.equal(await sheet.locator('.share-title').textContent(), '20 posts worth reading');
  assert.equal(await sheet.locator('.share-path').textContent(), 'index?from=share');
  await sheet.locator('.share-close').click();
  await sheet.waitFor({ state: 'detached' });

  // A <button open-type="share"> on the page: the same sheet, from the button.
  await screen.locator('#share').click();
  await sheet.waitFor();
  assert.equal(await sheet.locator('.share-title').textContent(), '20 posts worth reading');
  assert.deepEqual(page.problems, []);
});

test('page events: a pull held down keeps the window its size (no resize)', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'page-events'));
  await screen.locator('#status', { hasText: 'Refreshed 0 times; 10 posts' }).waitFor();
  // Held while the dots show, until the page's resize debounce (200 ms)
  // has run: two frames after the dots, their layout was observed and the
  // debounce started; a page timer started then fires after it. (Before,
  // the dots shrank the screen and a host slower than the debounce to end
  // the refresh was told of a resize, and of another when they hid.)
  await pullDown(page, async () => {
    await page.locator('#pull-down').waitFor({ state: 'visible' });
    await page.evaluate(() => new Promise((done) => {
      requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 400)));
    }));
  });
  await screen.locator('#status', { hasText: 'Refreshed 1 times; 10 posts' }).waitFor();
  await page.locator('#pull-down').waitFor({ state: 'hidden' });
  // Reports are answered in order: a resize sent while held is logged by now.
  const lines = await page.locator('#log-list .message').allTextContents();
  assert.ok(lines.includes('pull index'), lines.join('\n'));
  assert.deepEqual(lines.filter((line) => line.startsWith('resize')), []);
  assert.deepEqual(page.problems, []);
});

test('page events: the theme switch and a device switch reach the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'page-events'));
  await screen.locator('#status', { hasText: '10 posts' }).waitFor();
  // The toolbar's theme switch: the app's onThemeChange logs it.
  await page.locator('#theme-select').selectOption('dark');
  await page.locator('[data-level]', { hasText: 'theme dark' }).first().waitFor({ state: 'attached' });
  // Another phone: the window's new size reaches the app's onResize.
  const device = page.locator('#device-select');
  const current = await device.inputValue();
  const other = (await device.locator('option').evaluateAll((os) => os.map((o) => o.value))).find((v) => v !== current);
  await device.selectOption(other);
  await page.locator('[data-level]', { hasText: /resize index \d+x\d+ (portrait|landscape)/ }).first().waitFor({ state: 'attached' });
  assert.deepEqual(page.problems, []);
});
