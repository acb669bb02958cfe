// The simulator's tab bar in a real Chromium (the feedback example):
// `wx.hideTabBar` slides it out and hides it, `wx.showTabBar` brings it
// back at once with the badge and red dot the app had set.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/tab-bar.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

test('feedback: the tab bar hides, sliding out, and shows again with its marks', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'feedback'));
  const tabbar = page.locator('#tabbar');
  assert.ok(await tabbar.isHidden(), 'no tab marked, none shown yet');

  await screen.locator('#frame').click();
  await tabbar.waitFor({ state: 'visible' });
  assert.equal(await page.locator('#tabbar .tab[data-index="1"] .tab-badge').textContent(), '3');

  // Hidden with an animation: it slides (moved down while still drawn),
  // then is hidden.
  await page.evaluate(() => {
    const bar = document.querySelector('#tabbar');
    const seen = (window.__tabbar = []);
    new MutationObserver(() => seen.push(bar.className)).observe(bar, { attributes: true, attributeFilter: ['class'] });
  });
  await screen.locator('#hide-tabs').click();
  await tabbar.waitFor({ state: 'hidden' });
  assert.equal(await tabbar.getAttribute('data-shown'), 'false');
  const classes = await page.evaluate(() => window.__tabbar);
  assert.ok(classes.some((c) => /\bsliding\b/.test(c) && /\bout\b/.test(c)), `it slid out: ${JSON.stringify(classes)}`);

  // Shown without one: at once, its badge and red dot kept.
  await page.evaluate(() => { window.__tabbar.length = 0; });
  await screen.locator('#show-tabs').click();
  await tabbar.waitFor({ state: 'visible' });
  assert.equal(await tabbar.getAttribute('data-shown'), 'true');
  assert.deepEqual(await page.evaluate(() => window.__tabbar.filter((c) => /\bsliding\b/.test(c))), [], 'no slide');
  assert.equal(await page.locator('#tabbar .tab[data-index="1"] .tab-badge').textContent(), '3');
  assert.equal(await page.locator('#tabbar .tab[data-index="2"] .tab-dot').count(), 1);
  await eventually(async () => assert.equal(await screen.locator('.refused').count(), 0));
  assert.deepEqual(page.problems, []);
});
