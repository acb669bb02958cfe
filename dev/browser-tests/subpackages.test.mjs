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
import {
  EXAMPLES, TEST_TIMEOUT, VIEWPORT, WAIT, browser, eventually, startSimulator, useChromium, withTimeout,
} from './harness.mjs';

useChromium();

/**
 * The simulator on `source` in a fresh page whose requests for package
 * files are counted from its very first one (in `requested`).
 */
async function openCounting(t, source) {
  const sim = await startSimulator(t, source);
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  t.after(() => context.close());
  const requested = [];
  context.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/assets/')) requested.push(path);
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(sim.url);
  await page.waitForFunction(() => window.__sim !== undefined);
  await withTimeout(page.evaluate(() => window.__sim.ready.then(() => true)), WAIT, 'the first page was not drawn');
  return { page, screen: page.locator('#screen'), requested, problems };
}

test('subpackages: a preloaded package is fetched after home, another only when navigated to', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen, requested, problems } = await openCounting(t, join(EXAMPLES, 'subpackages'));
  const under = (root) => requested.filter((path) => path.startsWith(`/assets/${root}/`));
  const told = (text) => page.locator('#log-list .message', { hasText: text });

  // Home's preloadRule: the host sends zoo after home, the simulator fetches its image.
  await told('Subpackage animals (zoo) sent, preloaded by page index/index').waitFor({ state: 'attached' });
  await eventually(() => assert.deepEqual(under('animals'), ['/assets/animals/images/cat.png']));
  await screen.locator('#title').waitFor();
  assert.deepEqual(under('market'), [], 'nothing of market before it is sent');
  assert.equal(await told('Subpackage market').count(), 0);

  // Into market: sent for its page, whose images are fetched as it draws.
  await screen.locator('#to-fish').click();
  await screen.locator('#price', { hasText: '12 yuan' }).waitFor();
  await told('Subpackage market sent, for page market/pages/fish/fish').waitFor({ state: 'attached' });
  await eventually(() => assert.deepEqual(
    [...new Set(under('market'))].sort(),
    ['/assets/market/images/basket.png', '/assets/market/images/fish.png'],
  ));

  // Back, then the preloaded cat: not sent again, its page drawn.
  await screen.locator('#back').click();
  await screen.locator('#to-cat').click();
  await screen.locator('#name', { hasText: 'Tom' }).waitFor();
  assert.equal(await told('Subpackage animals').count(), 1, 'sent once');
  assert.deepEqual(problems, []);
});
