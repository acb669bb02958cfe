// video, audio, cover-view, page-meta and navigationStyle: custom in a real
// Chromium (the media example): the video plays from the package's assets
// with its poster, muted and with WeChat's controls, and its events reach
// the app (play, loadedmetadata, timeupdate, ended); the cover-view over it
// shows the player's state; the page-meta's bound title is the navigation
// bar's and follows the player; a package file answers a byte range with
// 206; the audio plays; a page with navigationStyle custom starts at the
// top of the screen, behind the status bar, and draws its own bar, the
// host's bar gone but for the capsule.
// Screenshots: dev/browser-tests/output/media.png, media-bar.png.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/media.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, REPO, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('media: a video plays from assets, page-meta sets the bar, a page draws its own bar', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'media'));
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  const clip = screen.locator('#clip');
  await clip.waitFor();
  const drawn = await clip.evaluate((v) => ({
    tag: v.localName, src: new URL(v.src).pathname, poster: new URL(v.poster).pathname,
    controls: v.controls, muted: v.muted, fit: getComputedStyle(v).objectFit,
  }));
  assert.deepEqual(drawn, {
    tag: 'video', src: '/assets/media/clip.webm', poster: '/assets/media/poster.png', controls: true, muted: true, fit: 'cover',
  });
  // The page-meta's bound title is the bar's from the first paint.
  const title = page.locator('#nav-title');
  await page.locator('#nav-title', { hasText: 'Stopped · 0 plays' }).waitFor();

  // A package file answers a player's byte range with 206 and its place.
  const ranged = await page.evaluate(async () => {
    const response = await fetch('/assets/media/clip.webm', { headers: { Range: 'bytes=0-99' } });
    return { status: response.status, range: response.headers.get('content-range'), bytes: (await response.arrayBuffer()).byteLength };
  });
  assert.deepEqual(ranged, { status: 206, range: 'bytes 0-99/11549', bytes: 100 });

  // Play: the app hears play (the bar follows), the metadata and the time, then the end.
  await clip.evaluate((v) => v.play());
  await screen.locator('#plays', { hasText: 'Plays: 1' }).waitFor();
  await page.locator('#nav-title', { hasText: 'Playing · 1 plays' }).waitFor();
  await screen.locator('#size', { hasText: '160x90' }).waitFor();
  await screen.locator('#badge', { hasText: 'playing' }).waitFor();
  await page.screenshot({ path: join(output, 'media.png'), animations: 'disabled', caret: 'hide' });
  await screen.locator('#badge', { hasText: 'ended' }).waitFor();
  const time = await screen.locator('#time').textContent();
  const [at, of] = time.split('/').map((part) => Number.parseFloat(part));
  assert.ok(at > 0 && at <= of && of > 2 && of < 4, time);
  assert.equal(await title.textContent(), 'Ended · 1 plays');
  // The cover-view is drawn over the video.
  const over = await page.evaluate(() => {
    const root = document.querySelector('#screen').shadowRoot;
    const badge = root.querySelector('#badge').getBoundingClientRect();
    const video = root.querySelector('#clip').getBoundingClientRect();
    return badge.top >= video.top && badge.bottom <= video.bottom && badge.left >= video.left;
  });
  assert.equal(over, true);

  // The page's buttons drive the video through the host (VideoContext):
  // to 2 s, play (a second play), pause.
  await screen.locator('#seek').click();
  await page.waitForFunction(() => {
    const video = document.querySelector('#screen').shadowRoot.querySelector('#clip');
    return Math.abs(video.currentTime - 2) < 0.01;
  });
  await screen.locator('#play').click();
  await screen.locator('#plays', { hasText: 'Plays: 2' }).waitFor();
  await screen.locator('#pause').click();
  await screen.locator('#badge', { hasText: /paused|ended/ }).waitFor();

  // The audio: drawn with its controls; it plays after a user's tap.
  const tone = screen.locator('#tone');
  assert.deepEqual(await tone.evaluate((a) => ({ tag: a.localName, controls: a.controls, src: new URL(a.src).pathname })),
    { tag: 'audio', controls: true, src: '/assets/media/tone.wav' });
  await screen.locator('#time').click();
  await tone.evaluate((a) => a.play());
  await screen.locator('#tone-state', { hasText: 'played' }).waitFor();

  // navigationStyle custom: the page's own bar from the top of the screen
  // (behind the status bar), the host's title gone, the capsule kept within
  // the page's bar.
  await screen.locator('#to-bar').click();
  const ownBar = screen.locator('#own-bar');
  await ownBar.waitFor();
  await screen.locator('#capsule', { hasText: 'Capsule: 87x32' }).waitFor();
  const layout = await page.evaluate(() => {
    const box = (e) => e.getBoundingClientRect();
    const own = box(document.querySelector('#screen').shadowRoot.querySelector('#own-bar'));
    const status = box(document.querySelector('#statusbar'));
    const capsule = box(document.querySelector('.capsule'));
    return {
      custom: document.querySelector('#device').classList.contains('custom-nav'),
      behindStatus: Math.abs(own.top - status.top) < 1.5,
      capsuleInBar: capsule.top >= own.top && capsule.bottom <= own.bottom + 0.5 && capsule.height > 0,
      titleShown: getComputedStyle(document.querySelector('#nav-title')).visibility !== 'hidden',
    };
  });
  assert.deepEqual(layout, { custom: true, behindStatus: true, capsuleInBar: true, titleShown: false });
  await page.screenshot({ path: join(output, 'media-bar.png'), animations: 'disabled', caret: 'hide' });

  // Back: the host's bar again, with the page-meta's title.
  await screen.locator('.back').click();
  await clip.waitFor();
  await page.locator('#nav-title', { hasText: /(Paused|Ended) · 2 plays/ }).waitFor();
  assert.equal(await page.evaluate(() => document.querySelector('#device').classList.contains('custom-nav')), false);
  assert.deepEqual(page.problems, []);
});
