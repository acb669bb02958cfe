// app.json's tabBar in a real Chromium (the tabs example): the simulator
// draws the configured bar at the bottom with each tab's text and icon
// (served from the package), the selected tab in its selectedColor with its
// selected icon; a tap on a tab switches pages through the host; the home
// tab's counter survives the switches (WeChat keeps tab pages alive); a
// detail page that is not a tab shows no bar, and switchTab from it comes
// back with the bar. Picture: dev/browser-tests/output/tabbar-config.png.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/tabbar-config.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, REPO, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('tabBar: drawn from app.json; taps switch tabs and the counter survives', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'tabs'));
  const tabbar = page.locator('#tabbar');
  const tab = (index) => tabbar.locator(`.tab[data-index="${index}"]`);
  await screen.locator('#count', { hasText: 'Taps: 0' }).waitFor();
  await tabbar.waitFor({ state: 'visible' });
  assert.equal(await tabbar.getAttribute('data-position'), 'bottom');
  assert.deepEqual(await tabbar.locator('.tab-text').allTextContents(), ['Home', 'List', 'Me']);
  const look = (index) => tab(index).evaluate((e) => ({
    selected: e.getAttribute('aria-selected'),
    color: getComputedStyle(e).color,
    icon: e.querySelector('.tab-icon')?.getAttribute('src') ?? null,
    loaded: e.querySelector('.tab-icon')?.naturalWidth ?? 0,
  }));
  await page.waitForFunction(() => [...document.querySelectorAll('#tabbar .tab-icon')].every((i) => i.complete && i.naturalWidth > 0));
  assert.deepEqual(await look(0), { selected: 'true', color: 'rgb(7, 193, 96)', icon: '/assets/icons/home-on.png', loaded: 48 });
  assert.deepEqual(await look(1), { selected: 'false', color: 'rgb(122, 126, 131)', icon: '/assets/icons/list.png', loaded: 48 });
  assert.equal(
    await tabbar.evaluate((e) => getComputedStyle(e).backgroundColor),
    'rgb(248, 248, 248)',
  );

  // Count to 2 on home, then go round the bar.
  await screen.locator('#add').click();
  await screen.locator('#add').click();
  await screen.locator('#count', { hasText: 'Taps: 2' }).waitFor();
  await tab(1).click();
  await screen.locator('#item-1').waitFor();
  await page.waitForFunction(() => document.querySelector('#tabbar .tab[data-index="1"]')?.getAttribute('aria-selected') === 'true');
  assert.equal((await look(1)).icon, '/assets/icons/list-on.png');
  await tab(2).click();
  await screen.locator('#stack', { hasText: 'me#' }).waitFor();
  await tab(0).click();
  // The same home page: the count kept, loaded once.
  await screen.locator('#count', { hasText: 'Taps: 2' }).waitFor();
  assert.equal(await screen.locator('#loads').textContent(), 'Loaded 1 times');

  // A page that is not a tab shows no bar; switchTab from it brings it back.
  await tab(1).click();
  await screen.locator('#item-2').click();
  await screen.locator('#item', { hasText: 'Item 2' }).waitFor();
  await tabbar.waitFor({ state: 'hidden' });
  await screen.locator('#to-me').click();
  await screen.locator('#stack', { hasText: 'me#' }).waitFor();
  await tabbar.waitFor({ state: 'visible' });
  assert.equal((await look(2)).selected, 'true');
  await tab(0).click();
  await screen.locator('#count', { hasText: 'Taps: 2' }).waitFor();

  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(output, 'tabbar-config.png'), animations: 'disabled', caret: 'hide' });
  assert.deepEqual(page.problems, []);
});
