// What the shop's Chromium tests share: its server (`miniapp fixture
// shop`) on a loopback port, and the simulator on the shop declaring that
// origin, launched on `index?shop=ORIGIN`.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, exampleDeclaring, openApp, startFixture } from './harness.mjs';

/** The manifest's origin for the fixture; the tests' replaces it. */
const DECLARED = 'http://127.0.0.1:8766';

/**
 * `miniapp fixture shop` listening on `address` (`127.0.0.1:0`: a free
 * port), keeping the review photos it receives in `dir`: its origin
 * (`http://127.0.0.1:PORT`).
 */
export async function startShopFixture(t, dir, address = '127.0.0.1:0') {
  const line = await startFixture(t, ['shop', '--listen', address, '--save-to', dir]);
  const match = line.match(/^miniapp fixture shop: images and reviews at (http:\/\/127\.0\.0\.1:\d+)$/);
  assert.ok(match, `the first line names where it listens: ${JSON.stringify(line)}`);
  return match[1];
}

/** The simulator on the shop declaring `origin`, launched on `index?shop=ORIGIN`. */
export async function openShop(t, origin) {
  const app = await exampleDeclaring(t, 'shop', DECLARED, origin);
  const args = ['--path', `index?shop=${origin}`, '--allow-address', '127.0.0.1'];
  // Built where the examples build: their dependencies are compiled there.
  const env = { CARGO_TARGET_DIR: join(EXAMPLES, 'target') };
  return openApp(t, app, env, args);
}

/** The pixels wide `img` is once loaded (0 while it is not, or broken). */
export const loadedWidth = (img) => img.evaluate((el) => (el.complete ? el.naturalWidth : 0));
