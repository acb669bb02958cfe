// The device prompts a user sees in the simulator (guest-examples/device-apis
// in a real Chromium): a photo picked through the file picker, its size
// read back, saved to the album (offered as a download), a phone call
// confirmed, the settings page, the fake camera and the map's pin, and a
// video picked through the media picker; one picture of each prompt under
// dev/browser-tests/output/device-*.png.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/device.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, REPO, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

/** A real PNG, 3 by 2 red pixels (IHDR, IDAT, IEND with their CRCs). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==', 'base64');

/** One ISO box: its size, `kind` and what it holds. */
function isoBox(kind, ...inside) {
  const body = Buffer.concat(inside);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(kind, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** An MP4 video's header, `seconds` long, its video track `width` by
 * `height` (ftyp; moov with mvhd and a trak of tkhd and mdia/hdlr `vide`). */
function mp4(seconds, width, height) {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12);
  mvhd.writeUInt32BE(seconds * 1000, 16);
  const tkhd = Buffer.alloc(84);
  tkhd.writeUInt32BE(width * 65536, 76);
  tkhd.writeUInt32BE(height * 65536, 80);
  const hdlr = Buffer.alloc(24);
  hdlr.write('vide', 8, 'latin1');
  const trak = isoBox('trak', isoBox('tkhd', tkhd), isoBox('mdia', isoBox('hdlr', hdlr)));
  return Buffer.concat([isoBox('ftyp', Buffer.from('isom\0\0\0\0', 'latin1')), isoBox('moov', isoBox('mvhd', mvhd), trak)]);
}

/** The text of the example's line `selector`, once it matches `pattern`. */
async function shows(screen, selector, pattern) {
  const line = screen.locator(selector);
  await eventually(async () => assert.match(await line.textContent(), pattern));
  return line.textContent();
}

test('device-apis: the prompts a user answers, and what the page shows after each', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'device-apis'));
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  const picture = (name) => page.screenshot({ path: join(output, `device-${name}.png`), animations: 'disabled', caret: 'hide' });
  const prompt = (kind) => page.locator(`#prompt[data-kind="${kind}"]`);
  /** Answer the prompt shown with its first button, once armed, and wait
   * until it is gone (another may follow at once: a consent's chooser). */
  const allow = async () => {
    const id = await page.locator('#prompt').getAttribute('data-id');
    await page.locator('#prompt-allow:not([disabled])').click();
    await page.locator(`#prompt[data-id="${id}"]`).waitFor({ state: 'hidden' });
  };

  // The image picker: a file over what one temp file may hold is refused
  // by name in the picker (closed, the app is told `cancel`). The upload's
  // 413 is the one console error the page causes.
  await screen.locator('#choose-image').click();
  await prompt('choose-image').waitFor();
  const big = Buffer.concat([PNG, Buffer.alloc(5_000_000)]);
  await page.locator('#prompt .image-input').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(),
    /Too big: big\.png, 5000073 bytes; file 0 of 5000073 bytes is over the 4194304 one file may hold \(quota `http_response_bytes`\)/));
  assert.equal(page.problems.length, 1, `${page.problems}`);
  assert.match(page.problems.pop(), /status of 413/);
  await picture('too-big');
  await page.locator('#prompt-deny:not([disabled])').click();
  assert.equal(await shows(screen, '.images', /cancel/), 'Photos: failed: cancel');

  // A real PNG through the file input.
  await screen.locator('#choose-image').click();
  await prompt('choose-image').waitFor();
  assert.equal(await page.locator('#prompt-title').textContent(), 'Choose images');
  assert.equal(await page.locator('#prompt .image-input').getAttribute('accept'), 'image/*');
  await page.locator('#prompt .image-input').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: PNG });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(), /1 picked/));
  await picture('image-picker');
  await allow();
  await shows(screen, '.photo', /^First photo: wxfile:\/\/tmp\/\S+/);
  await screen.locator('#image-info').click();
  assert.equal(await shows(screen, '.info', /png/), 'Photo: 3x2 png');

  // Saved to the album: the album scope asked first, then a download of the same bytes.
  await screen.locator('#save-image').click();
  await prompt('consent').waitFor();
  assert.match(await page.locator('#prompt-body').textContent(), /album/);
  await picture('album-consent');
  const download = page.waitForEvent('download');
  await allow();
  const saved = await download;
  assert.equal(saved.suggestedFilename(), 'album-image.png');
  assert.deepEqual(await readFile(await saved.path()), PNG);
  assert.equal(await shows(screen, '.saved', /true/), 'Saved: true');
  assert.match(await page.locator('#toast').textContent(), /Saved to the album/);

  // A phone call the user confirms.
  await screen.locator('#call').click();
  await prompt('phone-call').waitFor();
  assert.equal(await page.locator('#prompt .phone-number').textContent(), '+86 10 1234 5678');
  await picture('phone-call');
  await allow();
  await shows(screen, '.called', /Call: \S/);

  /** Tap `button`, allow the consent for `scope`, then type `text` into
   * the `kind` prompt that follows and confirm it (pictured). */
  const typeBehindScope = async (button, scope, kind, text) => {
    await screen.locator(button).click();
    await prompt('consent').waitFor();
    assert.match(await page.locator('#prompt-body').textContent(), scope);
    await allow();
    await prompt(kind).waitFor();
    await page.locator('#prompt .device-input').fill(text);
    await picture(kind);
    await allow();
  };

  // The fake camera, behind the camera scope: the user types what the code says.
  await typeBehindScope('#scan', /camera/, 'scan-code', 'SF1234567890');
  assert.equal(await shows(screen, '.scanned', /SF1234567890/), 'Scanned: QR_CODE SF1234567890');

  // The map's pin, behind the user-location scope, named by the user.
  await typeBehindScope('#choose-place', /user-location/, 'choose-location', 'The parcel locker');
  assert.equal(await shows(screen, '.place', /locker/), 'Place: The parcel locker');

  // The settings page lists the scopes answered; the user turns the camera off.
  await screen.locator('#settings').click();
  await prompt('setting').waitFor();
  const camera = page.locator('#prompt .setting-scope[data-scope="camera"]');
  assert.equal(await camera.isChecked(), true);
  await camera.uncheck();
  await picture('settings');
  await allow();
  await shows(screen, '.settings', /camera=denied/);

  // The media picker takes an MP4: its length and size come from its header.
  await screen.locator('#choose-video').click();
  await prompt('choose-media').waitFor();
  assert.equal(await page.locator('#prompt .image-input').getAttribute('accept'), 'video/mp4');
  assert.match(await page.locator('#prompt-body').textContent(), /video at most 60 s/);
  const clip = mp4(8, 480, 270);
  await page.locator('#prompt .image-input').setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: clip });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(), /1 picked/));
  await picture('media-picker');
  await allow();
  assert.match(await shows(screen, '.video', /480x270/), /^Video: 480x270 8s wxfile:\/\/tmp\//);

  await eventually(async () => assert.equal(await screen.locator('.refused').count(), 0));
  assert.deepEqual(page.problems, []);
});

test('device-apis: a 1 MB photo picked in the simulator is uploaded on its own and its size shown', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'device-apis'));
  await screen.locator('#choose-image').click();
  await page.locator('#prompt[data-kind="choose-image"]').waitFor();
  const photo = Buffer.concat([PNG, Buffer.alloc(1_000_000, 7)]);
  await page.locator('#prompt .image-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(), /1 picked/));
  await page.locator('#prompt-allow:not([disabled])').click();
  assert.equal(await shows(screen, '.sizes', /bytes/), 'Sizes: 1000073 bytes');
  await screen.locator('#image-info').click();
  assert.equal(await shows(screen, '.info', /png/), 'Photo: 3x2 png');
  assert.deepEqual(page.problems, []);
});
