// A built-in's events reach the host only where the template binds them
// (WeChat calls no handler for the others; before, each was sent and shown
// as a refused line in the Log panel): the widgets example's banner binds
// `change` and `animationfinish` but not `transition`, and its card
// `change` and `scale` but not `htouchmove`: a drag of each sends only
// what they bind, and the Log panel shows no refused line.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/unbound-events.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

/** The Log panel's refused lines (an event the host refused). */
const refusedLines = (page) => page.locator('#log-list li[data-level="refused"] .message').allTextContents();

test('unbound events: a swipe and a card drag send only the events bound', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'widgets'));
  const banner = screen.locator('#banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-bound'), 'animationfinish change');
  assert.equal(await screen.locator('#card').getAttribute('data-bound'), 'change scale');

  /** A mouse drag from the middle of `locator` by (dx, dy). */
  const dragBy = async (locator, dx, dy) => {
    await locator.scrollIntoViewIfNeeded();
    const box = await locator.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 8 });
    await page.mouse.up();
  };
  // The swipe: its transitions (unbound) are not sent; change and
  // animationfinish (bound) reach the app. Events are answered in order,
  // so once the app shows the settle every earlier event was answered.
  await dragBy(banner, -200, 0);
  await screen.locator('#banner-shown', { hasText: 'Banner 1 (b2, touch)' }).waitFor();
  await screen.locator('#settled', { hasText: 'settled on 1' }).waitFor();
  // The card: htouchmove (unbound) is not sent, its change is.
  await dragBy(screen.locator('#card'), 100, 0);
  await screen.locator('#card-at', { hasText: 'Card at 120, 20 (touch)' }).waitFor();
  assert.deepEqual(await refusedLines(page), []);
  assert.deepEqual(page.problems, []);
});
