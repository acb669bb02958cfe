// `model:` on a custom component in a real Chromium (the components-raw
// example, page `model`): a stepper's `+` sets its own `value`, which the
// host writes back to the page's `qty`, or to the box's `amount` and on up
// to the page's `boxQty`; a stepper bound without `model:` is not.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/component-model.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('components: model: writes a stepper back to its callers', { timeout: TEST_TIMEOUT }, async (t) => {
  const { screen } = await openApp(t, join(EXAMPLES, 'components-raw'), {}, ['--path', 'model']);
  await screen.locator('#qty', { hasText: '1' }).waitFor();

  // The page's stepper: its `+` reaches the page's `qty`.
  await screen.locator('#stepper [class$="--up"]').click();
  await screen.locator('#qty', { hasText: '2' }).waitFor();
  assert.equal((await screen.locator('#stepper [class$="--shown"]').textContent()).trim(), '2');

  // The box's stepper: the box's `amount`, then the page's `boxQty`.
  await screen.locator('#inner [class$="--up"]').click();
  await screen.locator('#box-qty', { hasText: '6' }).waitFor();
  assert.equal((await screen.locator('#amount').textContent()).trim(), '6');

  // Without model:, the page's value stays.
  await screen.locator('#plain-stepper [class$="--up"]').click();
  await screen.locator('#plain-stepper [class$="--shown"]', { hasText: '8' }).waitFor();
  assert.equal((await screen.locator('#plain-qty').textContent()).trim(), '7');
});
