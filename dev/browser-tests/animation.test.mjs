// The `animation` attribute in a real Chromium (the animation example):
// an export's steps play in order as CSS transitions, the last state stays
// (also when the app sets the element's style), and a new export plays from
// there.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/animation.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, WAIT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** The numbers of a computed `matrix(...)`, or of the identity for `none`. */
function matrix(transform) {
  if (transform === 'none') return [1, 0, 0, 1, 0, 0];
  const match = transform.match(/^matrix\((.*)\)$/);
  assert.ok(match, `a 2D matrix: ${transform}`);
  return match[1].split(',').map(Number);
}

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((n, i) => assert.ok(Math.abs(n - expected[i]) < 1e-3, `${what}: ${actual} is not ${expected}`));
}

/** Tap `selector`, then wait (on transitionend, never on time) until each of `ends` has ended (a property may repeat: once per step). */
async function tapAndWaitFor(page, screen, box, selector, ends) {
  await box.evaluate((element) => {
    window.__ended = [];
    if (window.__listening) return;
    element.addEventListener('transitionend', (e) => window.__ended.push(e.propertyName));
    window.__listening = true;
  });
  await screen.locator(selector).click();
  await page.waitForFunction((wanted) => {
    const left = [...window.__ended];
    return wanted.every((name) => {
      const at = left.indexOf(name);
      if (at < 0) return false;
      left.splice(at, 1);
      return true;
    });
  }, ends, { timeout: WAIT });
  return page.evaluate(() => window.__ended);
}

/** The box's computed style of interest. */
const computed = (box) => box.evaluate((element) => {
  const style = getComputedStyle(element);
  return { opacity: style.opacity, width: style.width, background: style.backgroundColor, transform: style.transform };
});

test('animation: the steps play in order as transitions, the last state stays, a new export replays', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'animation'));
  const box = screen.locator('#box');
  await box.waitFor();
  const start = await computed(box);
  assert.deepEqual([start.opacity, start.width, start.background], ['1', '60px', 'rgb(26, 173, 25)']);

  // Step 1 turns and fades it (300 ms); step 2 doubles, widens and reddens it (200 ms).
  const ended = await tapAndWaitFor(page, screen, box, '#play',
    ['opacity', 'transform', 'transform', 'width', 'background-color']);
  assert.ok(ended.indexOf('opacity') < ended.indexOf('width'), `step 1 ended before step 2: ${ended}`);
  const played = await computed(box);
  assert.deepEqual([played.opacity, played.width, played.background], ['0.5', '120px', 'rgb(255, 0, 0)']);
  // rotate(45deg) scale(2, 2)
  const r = 2 * Math.SQRT1_2;
  assertClose(matrix(played.transform), [r, r, -r, r, 0, 0], 'turned and doubled');
  // The last step's time runs out on a timer beside its transitionend: the
  // transition goes once both are past.
  await eventually(async () => assert.equal(
    await box.evaluate((element) => element.style.transition), '', 'done: no transition left'));

  // The app sets the box's own style: where the animation ended stays.
  await screen.locator('#frame').click();
  await page.waitForFunction((element) => getComputedStyle(element).borderTopWidth === '2px', await box.elementHandle());
  const framed = await computed(box);
  assert.deepEqual(framed, played);

  // A new export plays from where the box is, back to the start.
  await tapAndWaitFor(page, screen, box, '#back', ['opacity', 'transform', 'width', 'background-color']);
  const back = await computed(box);
  assert.deepEqual([back.opacity, back.width, back.background], ['1', '60px', 'rgb(26, 173, 25)']);
  assertClose(matrix(back.transform), [1, 0, 0, 1, 0, 0], 'upright');
  assert.deepEqual(page.problems, []);
});
