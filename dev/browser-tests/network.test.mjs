// The simulator's network switch in a real Chromium: the device moves
// between Wi-Fi, 5G to 2G and none; an app watching the network is told
// with no tap (wx.onNetworkStatusChange), getNetworkType answers the new
// one, and with none the app's sockets and requests fail with a network
// error, as on a phone in airplane mode.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/network.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** Move the simulated device to `network` with the toolbar's switch, once
 * the simulator has (its log says so): a relaunch, which goes over HTTP
 * and not the page's socket, then launches on it. */
async function switchNetwork(page, network) {
  const told = page.locator('#log-list .message', { hasText: `The device is on ${network}` });
  const before = await told.count();
  await page.locator('#network-select').selectOption(network);
  await eventually(async () => assert.ok((await told.count()) > before, `the simulator switched to ${network}`));
}

test('device-apis: the app watching the network is told of each switch, and reads the new one', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'device-apis'));
  assert.equal(await page.locator('#network-select').inputValue(), 'wifi', 'the hello frame says Wi-Fi');
  await eventually(async () => assert.equal(await screen.locator('.network').textContent(), 'Network: wifi (online)'));

  await screen.locator('#watch').click();
  await switchNetwork(page, '4g');
  await eventually(async () => assert.equal(await screen.locator('.changes').textContent(), 'Changes seen: 1, last: 4g'));
  await switchNetwork(page, 'none');
  await eventually(async () => assert.equal(await screen.locator('.changes').textContent(), 'Changes seen: 2, last: none'));
  await screen.locator('#network').click();
  await eventually(async () => assert.equal(await screen.locator('.network').textContent(), 'Network: none (offline)'));

  // A page that loads again is told where the device is.
  await page.reload();
  await page.waitForFunction(() => window.__sim !== undefined);
  await page.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await page.locator('#network-select').inputValue(), 'none');
  assert.deepEqual(page.problems, []);
});

test('chat: with no network its socket fails at once, naming the network; back on Wi-Fi it is not refused for that', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'chat'));
  const relaunch = async () => {
    const panel = page.locator('#launch-panel');
    if (!(await panel.evaluate((d) => d.open))) await panel.locator('summary').click();
    await page.locator('#relaunch').click();
  };
  await switchNetwork(page, 'none');
  await relaunch();
  await eventually(async () => {
    assert.match(await screen.locator('#status').textContent(), /: offline$/);
    const error = await screen.locator('#error').textContent(); // the message, then a Retry
    assert.equal(error.split('\n')[0].trim(),
      'the device has no network (networkType `none`): nothing was sent to ws://127.0.0.1:8765');
  });

  // Back on Wi-Fi the socket is tried again (this simulator allows no
  // loopback backend, so the address rules may refuse it now: not the
  // network).
  await switchNetwork(page, 'wifi');
  await relaunch();
  await eventually(async () => {
    assert.doesNotMatch(await screen.locator('.chat').textContent(), /no network/);
    // The new launch's own outcome, not the moment between two pages.
    const error = await screen.locator('#error').textContent({ timeout: 1_000 });
    assert.match(error.split('\n')[0], /127\.0\.0\.1/);
  });
  assert.deepEqual(page.problems, []);
});
