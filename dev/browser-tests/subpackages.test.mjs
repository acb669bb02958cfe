// app.json's subpackages in a real Chromium (the subpackages example): the
// simulator fetches a subpackage's images only once the host has sent it:
// `zoo` (root animals) right after home is shown, by home's preloadRule;
// `market` only when its fish page is first shown. The requests are
// counted as Chromium makes them.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/subpackages.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** The paths of the package files the page has requested since it loaded (the browser's own record). */
async function requested(page) {
  return page.evaluate(() => performance.getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname)
    .filter((path) => path.startsWith('/assets/')));
}

test('subpackages: a preloaded package is fetched after home, another only when navigated to', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'subpackages'));
  // Resource timing keeps every request since the page loaded, however early.
  await page.evaluate(() => performance.setResourceTimingBufferSize(10_000));
  const under = async (root) => (await requested(page)).filter((path) => path.startsWith(`/assets/${root}/`));
  const told = (text) => page.locator('#log-list .message', { hasText: text });

  // Home's preloadRule: the host sends zoo after home, the simulator fetches its image.
  await told('Subpackage animals (zoo) sent, preloaded by page index/index').waitFor({ state: 'attached' });
  await eventually(async () => assert.deepEqual(await under('animals'), ['/assets/animals/images/cat.png']));
  await screen.locator('#title').waitFor();
  assert.deepEqual(await under('market'), [], 'nothing of market before it is sent');
  assert.equal(await told('Subpackage market').count(), 0);

  // Into market: sent for its page, whose images are fetched as it draws.
  await screen.locator('#to-fish').click();
  await screen.locator('#price', { hasText: '12 yuan' }).waitFor();
  await told('Subpackage market sent, for page market/pages/fish/fish').waitFor({ state: 'attached' });
  await eventually(async () => assert.deepEqual(
    [...new Set(await under('market'))].sort(),
    ['/assets/market/images/basket.png', '/assets/market/images/fish.png'],
  ));

  // Back, then the preloaded cat: not sent again, its page drawn.
  await screen.locator('#back').click();
  await screen.locator('#to-cat').click();
  await screen.locator('#name', { hasText: 'Tom' }).waitFor();
  assert.equal(await told('Subpackage animals').count(), 1, 'sent once');
  assert.deepEqual(page.problems, []);
});
