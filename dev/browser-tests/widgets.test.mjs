// swiper, picker-view and movable-view in a real Chromium (the widgets
// example): the banner shows its first image with three dots; a drag
// swipes to the next and the page shows the index the app was told, the
// dots follow; the app's own current moves it (reported with an empty
// source), and a drag back from the first wraps to the last; autoplay (the switch) moves it on by a timer in the page;
// a wheel over a picker-view column scrolls it to another row and the app
// shows the pick; a drag moves the card in its area and the app shows
// where, and a pinch scales it. A screenshot of the page is kept in dev/browser-tests/output/.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/widgets.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, REPO, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** Drag with the mouse from the middle of `locator` by (dx, dy), in steps. */
async function drag(page, locator, dx, dy) {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
}

test('widgets: a swipe, autoplay, a picker-view scroll and a card drag reach the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'widgets'));
  const banner = screen.locator('#banner');
  await banner.waitFor();
  const shown = screen.locator('#banner-shown');
  assert.equal(await shown.textContent(), 'Banner 0 (b1, start)');

  // The first banner fills the swiper; three dots, the first active in the app's colour (white).
  const dots = screen.locator('.mp-swiper-dot');
  await eventually(async () => assert.equal(await dots.count(), 3));
  const active = async () => dots.evaluateAll((all) => all.map((d) => d.hasAttribute('data-active')));
  assert.deepEqual(await active(), [true, false, false]);
  assert.equal(await dots.first().evaluate((d) => getComputedStyle(d).backgroundColor), 'rgb(255, 255, 255)');
  // previous-margin and next-margin 24rpx: 12.48px of the 390px phone on
  // each side, where the neighbours show.
  const margins = await banner.evaluate((swiper) => [getComputedStyle(swiper).paddingLeft, getComputedStyle(swiper).paddingRight]);
  assert.deepEqual(margins.map((m) => Math.round(parseFloat(m) * 100) / 100), [12.48, 12.48]);
  /** Which items start where the swiper's content does (after its previous-margin). */
  const inView = () => banner.evaluate((swiper) => {
    const start = swiper.getBoundingClientRect().left + parseFloat(getComputedStyle(swiper).paddingLeft);
    return [...swiper.children].map((item) => Math.abs(item.getBoundingClientRect().left - start) < 2);
  });
  assert.deepEqual(await inView(), [true, false, false]);

  // A drag to the left: the next banner, its index in the app's text.
  await drag(page, banner, -200, 0);
  await shown.filter({ hasText: 'Banner 1 (b2, touch)' }).waitFor();
  await screen.locator('#settled', { hasText: 'settled on 1' }).waitFor();
  await eventually(async () => assert.deepEqual(await inView(), [false, true, false]));
  assert.deepEqual(await active(), [false, true, false]);
  // The app sets current 0 (the First button): the swiper goes there and
  // reports it with an empty source, as WeChat does.
  await screen.locator('#first').click();
  await shown.filter({ hasText: 'Banner 0 (b1, )' }).waitFor();
  await eventually(async () => assert.deepEqual(await inView(), [true, false, false]));
  // A drag to the right from the first: circular, it wraps to the last.
  await drag(page, banner, 200, 0);
  await shown.filter({ hasText: 'Banner 2 (b3, touch)' }).waitFor();
  await eventually(async () => assert.deepEqual(await inView(), [false, false, true]));

  // Autoplay on: the page's own timer moves it on, as `autoplay`.
  await screen.locator('#autoplay').click();
  await shown.filter({ hasText: 'autoplay)' }).waitFor();
  await screen.locator('#autoplay').click();
  await screen.locator('#autoplay:not(:checked)').waitFor();

  // The picker-view: a wheel over the time column scrolls it to another
  // row; once it settles the app shows what is under the indicator.
  const picked = screen.locator('#picked');
  assert.equal(await picked.textContent(), 'Today at 12:00');
  const column = screen.locator('#when [data-mp="picker-view-column"]').nth(1);
  await column.scrollIntoViewIfNeeded();
  const box = await column.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, 90);
  await picked.filter({ hasNotText: 'Today at 12:00' }).waitFor();
  const row = await column.evaluate((c) => Math.round(c.scrollTop / c.firstElementChild.offsetHeight));
  const times = ['09:00', '12:00', '15:00', '18:00', '21:00'];
  await picked.filter({ hasText: `Today at ${times[row]}` }).waitFor();
  assert.ok(row > 1, `the column moved down from 12:00 (row ${row})`);
  // pickend: the app's "(picking)" from pickstart is gone.
  await eventually(async () => assert.equal(await screen.locator('#picking').textContent(), ''));

  // The card: dragged 100 right and 40 down from (20, 20), in its area.
  const card = screen.locator('#card');
  await drag(page, card, 100, 40);
  await screen.locator('#card-at', { hasText: 'Card at 120, 60 (touch)' }).waitFor();
  // Past the area's right edge it stops at the edge (300 - 100).
  await drag(page, card, 300, 0);
  await screen.locator('#card-at', { hasText: 'Card at 200, 60 (touch)' }).waitFor();
  const at = await card.evaluate((c) => getComputedStyle(c).translate);
  assert.equal(at, '200px 60px');

  // A pinch (ctrl+wheel, as a trackpad sends it) scales the card within
  // its scale-min and scale-max; the app is told how much.
  const zoom = screen.locator('#zoom');
  assert.equal(await zoom.textContent(), ' ×1');
  const cardBox = await card.boundingBox();
  await page.mouse.move(cardBox.x + cardBox.width / 2, cardBox.y + cardBox.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  await zoom.filter({ hasNotText: /^ ×1$/ }).waitFor();
  const scale = Number((await zoom.textContent()).replace(' ×', ''));
  assert.ok(scale > 1 && scale <= 2, `scaled up within scale-max: ${scale}`);
  assert.equal(await card.evaluate((c) => Number(getComputedStyle(c).scale)), scale);

  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await banner.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(output, 'widgets.png'), animations: 'disabled', caret: 'hide' });
  assert.deepEqual(page.problems, []);
});
