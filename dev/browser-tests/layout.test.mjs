// createSelectorQuery measured by the simulator (guest-examples/layout in a
// real Chromium): the page answers the host's `query` with where the
// matched nodes are drawn, in the device's CSS pixels relative to the
// page's viewport, whatever the zoom and the scroll; the app shows what it
// was told, which must be what the browser itself measures of those nodes.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/layout.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** Tap Measure (a click in the page, which does not scroll it) and wait
 * for an answer other than `before`; the answer, parsed. */
async function measure(page, before) {
  await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('#measure').click());
  return eventually(async () => {
    const text = await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('.measured').textContent);
    assert.ok(text.startsWith('[[') && text !== before, `no new answer yet: ${text}`);
    return { text, answer: JSON.parse(text) };
  });
}

/** What the browser measures of the element `selector` of the page:
 * its box relative to #screen and its size, taken out of the zoom (the
 * device frame's drawn width over its CSS width), and its scroll. */
function browserSays(page, selector) {
  return page.evaluate((selector) => {
    const screen = document.querySelector('#screen');
    const device = document.querySelector('#device');
    const zoom = device.getBoundingClientRect().width / device.offsetWidth;
    const element = screen.shadowRoot.querySelector(selector);
    const box = element.getBoundingClientRect();
    const viewport = screen.getBoundingClientRect();
    return {
      zoom,
      left: (box.left - viewport.left) / zoom,
      top: (box.top - viewport.top) / zoom,
      width: box.width / zoom,
      height: box.height / zoom,
      marginLeft: parseFloat(getComputedStyle(element).marginLeft),
      scrollTop: screen.scrollTop,
    };
  }, selector);
}

/** `measured` (a rect the app was told) matches the browser's own `box`. */
function sameBox(measured, box, what) {
  const near = (a, b, name) => assert.ok(Math.abs(a - b) <= 0.01, `${what} ${name}: app ${a}, browser ${b}`);
  near(measured.left, box.left, 'left');
  near(measured.top, box.top, 'top');
  near(measured.width, box.width, 'width');
  near(measured.height, box.height, 'height');
  near(measured.right, box.left + box.width, 'right');
  near(measured.bottom, box.top + box.height, 'bottom');
}

test('the simulator measures the layout example where it draws it, zoomed and scrolled', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page } = await openApp(t, join(EXAMPLES, 'layout'));
  await page.locator('#zoom-select').selectOption('0.75');
  await eventually(async () => assert.match(await page.locator('#device-size').textContent(), /· 75%$/));

  const first = await measure(page, '');
  const [[title], items, [photo]] = first.answer;
  const titleBox = await browserSays(page, '#title');
  assert.equal(titleBox.zoom, 0.75);
  assert.equal(title.id, 'title');
  assert.deepEqual(title.dataset, { kind: 'heading' });
  sameBox(title, titleBox, 'the title');
  assert.equal(title.left, titleBox.marginLeft, "the page's own margin, which the estimate does not read");
  assert.equal(items.length, 3);
  const itemBoxes = await page.evaluate(() => [...document.querySelector('#screen').shadowRoot.querySelectorAll('.item')]
    .map((item) => ({ width: item.offsetWidth, height: item.offsetHeight })));
  for (const [i, item] of items.entries()) {
    assert.deepEqual(item.dataset, { n: i });
    assert.ok(Math.abs(item.width - itemBoxes[i].width) <= 1, `item ${i} width ${item.width} vs ${itemBoxes[i].width}`);
    assert.ok(Math.abs(item.height - itemBoxes[i].height) <= 1, `item ${i} height ${item.height} vs ${itemBoxes[i].height}`);
  }
  assert.deepEqual([photo.scrollLeft, photo.scrollTop], [0, 0]);

  // Scrolled: a rect is the viewport's, as WeChat's boundingClientRect.
  const scrolled = await page.evaluate(() => {
    const screen = document.querySelector('#screen');
    screen.scrollTop = 120;
    return screen.scrollTop;
  });
  assert.ok(scrolled > 0, 'the page scrolls');
  const second = await measure(page, first.text);
  const [[titleNow]] = second.answer;
  const titleBoxNow = await browserSays(page, '#title');
  assert.equal(titleBoxNow.scrollTop, scrolled, 'measured where it was scrolled to');
  sameBox(titleNow, titleBoxNow, 'the scrolled title');
  assert.ok(Math.abs(titleNow.top - (title.top - scrolled)) <= 0.01, `${titleNow.top} is ${title.top} less ${scrolled}`);
  assert.deepEqual(page.problems, []);
});
