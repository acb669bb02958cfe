// The simulator fetches a preloaded subpackage's files ahead only when
// they are this host's own package files (/assets/...), read as the
// browser reads them: a file name with dot segments (`%2e%2e`, which a
// browser's URL parser takes as `..`) or another origin is not fetched.
// Runs in node: subpackages.js needs only fetch and location.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { subpackageSent } from '../static/subpackages.js';

test('a preload fetches only the host\'s own package files', async () => {
  globalThis.location = new URL('http://127.0.0.1:8300/');
  const fetched = [];
  globalThis.fetch = (url) => {
    fetched.push(String(url));
    return Promise.resolve({ blob: () => Promise.resolve(null) });
  };
  const frame = {
    type: 'subpackage', root: 'market', name: null, by: 'preload', page: 'index/index', bytes: 3,
    files: [
      '/assets/market/images/fish.png',
      '/assets/market/%2e%2e/%2e%2e/events',
      '/assets/market/../../remote',
      '/assets/market/%2E%2e/%2e%2E/app.json',
      'http://example.com/assets/market/a.png',
      '//example.com/assets/market/b.png',
      7,
    ],
  };
  subpackageSent(frame, () => {});
  assert.deepEqual(fetched, ['http://127.0.0.1:8300/assets/market/images/fish.png']);
  // Sent once: the same frame again fetches nothing more.
  subpackageSent(frame, () => {});
  assert.equal(fetched.length, 1);
});
