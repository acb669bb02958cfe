// The slider built-in in a real Chromium (the slider example): drawn as a
// range input with its min, max, step and value, starting at its min when
// it has no value (WeChat's, not a browser's midway), its value beside it
// with show-value; the keyboard and a drag change it, `changing` reaching
// the app while dragged and `change` on release, and the page shows the
// value the app kept.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/slider.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('slider: drawn with its bounds; the keyboard and a drag reach the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'slider'));
  const volume = screen.locator('#volume');
  await volume.waitFor();
  const drawn = await volume.evaluate((e) => ({
    type: e.type, min: e.min, max: e.max, step: e.step, value: e.value, accent: getComputedStyle(e).accentColor,
  }));
  assert.deepEqual(drawn, { type: 'range', min: '0', max: '50', step: '5', value: '20', accent: 'rgb(26, 173, 25)' });
  const muted = await screen.locator('#muted').evaluate((e) => ({ disabled: e.disabled, value: e.value }));
  assert.deepEqual(muted, { disabled: true, value: '0' });
  // show-value: the number beside the thumb; none without it.
  const shownValue = screen.locator('#volume + .mp-slider-value');
  assert.equal(await shownValue.textContent(), '20');
  assert.equal(await shownValue.isVisible(), true);
  assert.equal(await screen.locator('#muted + .mp-slider-value').isVisible(), false);

  // One step right from the keyboard: an input (changing) then a change.
  await volume.focus();
  await page.keyboard.press('ArrowRight');
  await screen.locator('#shown', { hasText: 'Volume 25' }).waitFor();
  assert.equal(await shownValue.textContent(), '25');

  // A drag to the right end: the page shows where it is going while the
  // button is held, and keeps the value on release.
  const box = await volume.boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width + 20, y, { steps: 4 });
  await screen.locator('#dragging', { hasText: 'dragging to 50' }).waitFor();
  assert.equal(await shownValue.textContent(), '50');
  await page.mouse.up();
  await screen.locator('#shown', { hasText: 'Volume 50' }).waitFor();
  await screen.locator('#dragging').waitFor({ state: 'detached' });
  assert.equal(await volume.inputValue(), '50');
  assert.deepEqual(page.problems, []);
});
