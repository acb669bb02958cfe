// <button open-type> flows in a real Chromium (the profile example, a "me"
// page): the phone-number button draws the host's prompt; allowed, the app
// gets a one-time code (it says it shared the number with its server),
// denied, WeChat's `getPhoneNumber:fail user deny`; the privacy button's
// prompt agreed, the app shows it; the avatar button opens the host's image
// picker and the picked photo, a temp file of the app, is drawn on the
// page. The prompts are the host's, drawn outside the page.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/open-type.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

/** A PNG of 3 by 2 pixels. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==', 'base64');

useChromium();

test('open-type buttons: the phone number allowed then denied, the privacy guide agreed', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'profile'));
  const modal = page.locator('#prompt[data-kind="modal"]');

  await screen.locator('#phone').click();
  await modal.waitFor();
  assert.match(await modal.textContent(), /Phone number/);
  assert.match(await modal.textContent(), /Profile asks for your phone number/);
  assert.equal(await page.locator('#prompt-allow').textContent(), 'Allow');
  await page.locator('#prompt-allow:not([disabled])').click();
  await screen.locator('#phone-state', { hasText: "Phone number shared with the app's server" }).waitFor();
  await modal.waitFor({ state: 'hidden' });

  await screen.locator('#phone').click();
  await modal.waitFor();
  await page.locator('#prompt-deny').click();
  await screen.locator('#phone-state', { hasText: 'Not shared (getPhoneNumber:fail user deny)' }).waitFor();

  assert.equal(await screen.locator('#privacy-state').textContent(), '');
  await screen.locator('#privacy').click();
  await modal.waitFor();
  assert.match(await modal.textContent(), /Privacy guide/);
  await page.locator('#prompt-allow:not([disabled])').click();
  await screen.locator('#privacy-state', { hasText: 'Agreed' }).waitFor();
  assert.deepEqual(page.problems, []);
});

test('open-type buttons: the avatar picked in the host picker is drawn on the page', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'profile'));
  assert.equal(await screen.locator('#avatar-shown').count(), 0);
  await screen.locator('#avatar').click();
  await page.locator('#prompt[data-kind="choose-image"]').waitFor();
  await page.locator('#prompt .image-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PNG });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(), /1 picked/));
  await page.locator('#prompt-allow:not([disabled])').click();
  const avatar = screen.locator('#avatar-shown');
  await avatar.waitFor();
  // The temp file is served to the page and decodes as the photo picked.
  await eventually(async () => assert.equal(await avatar.evaluate((img) => img.naturalWidth), 3));
  assert.deepEqual(page.problems, []);
});
