// The host's UI that simulator.test.mjs does not look at, in a real
// Chromium (the feedback example): a badge and a red dot taken off the tab
// bar, an action sheet's alert line, a modal's own cancel button, and a
// loading toast whose mask stops taps on the page until the app's timer
// hides it.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/feedback-more.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

test('feedback: marks taken off the tab bar, an alert line, a Stay button, and a mask over the page', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'feedback'));
  const tabbar = page.locator('#tabbar');

  // The badge and the red dot come off; with no tab marked the bar goes.
  await screen.locator('#frame').click();
  await tabbar.waitFor({ state: 'visible' });
  assert.equal(await page.locator('#tabbar .tab[data-index="1"] .tab-badge').textContent(), '3');
  await screen.locator('#unmark').click();
  await tabbar.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#tabbar .tab-badge, #tabbar .tab-dot').count(), 0);

  // An action sheet with an alert line above its items.
  await screen.locator('#discard').click();
  const sheet = page.locator('#prompt[data-kind="action-sheet"]');
  await sheet.waitFor();
  assert.equal(await page.locator('#prompt-title').textContent(), 'The draft is not saved');
  const items = page.locator('#prompt .sheet-item');
  assert.deepEqual(await items.allTextContents(), ['Discard the draft', 'Keep editing']);
  await items.nth(0).click();
  await eventually(async () => assert.equal(await screen.locator('.discard').textContent(), 'Discard: 0'));

  // A modal whose cancel button is the app's: its text and colour.
  await screen.locator('#leave').click();
  const modal = page.locator('#prompt[data-kind="modal"]');
  await modal.waitFor();
  const stay = page.locator('#prompt-deny');
  assert.equal(await stay.textContent(), 'Stay');
  assert.equal(await stay.evaluate((b) => getComputedStyle(b).color), 'rgb(136, 136, 136)');
  await stay.click();
  await eventually(async () => assert.equal(await screen.locator('.leave').textContent(), 'Leave: stayed'));

  // A loading toast with a mask: what is under a page button is the mask,
  // until the app's timer hides both. Its timer is a second: the page is
  // read as the toast is drawn (in the page, not round trip by round trip).
  await page.evaluate(() => {
    const toast = document.querySelector('#toast');
    window.__loading = null;
    new MutationObserver((_, observer) => {
      if (toast.hidden || toast.dataset.icon !== 'loading' || toast.textContent !== 'Sending') return;
      observer.disconnect();
      const mask = document.querySelector('#toast-mask');
      const shown = !mask.hidden && mask.getClientRects().length > 0;
      const button = document.querySelector('#screen').shadowRoot.querySelector('#save').getBoundingClientRect();
      const under = document.elementFromPoint(button.x + button.width / 2, button.y + button.height / 2);
      window.__loading = { text: toast.textContent, mask: shown, under: under?.id };
    }).observe(toast, { attributes: true, childList: true, subtree: true });
  });
  await screen.locator('#toasts').click();
  const loading = page.locator('#toast[data-icon="loading"]');
  const drawn = await page.waitForFunction(() => window.__loading).then((seen) => seen.jsonValue());
  assert.equal(drawn.text, 'Sending');
  const mask = page.locator('#toast-mask');
  assert.ok(drawn.mask, 'the mask is shown');
  assert.equal(drawn.under, 'toast-mask', 'the mask takes the tap');
  await loading.waitFor({ state: 'hidden' });
  assert.ok(await mask.isHidden());
  assert.deepEqual(page.problems, []);
});
