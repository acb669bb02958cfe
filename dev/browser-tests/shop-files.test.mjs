// The shop example in the simulator, in a real Chromium, against its
// server (`miniapp fixture shop`) on a free loopback port, the shop
// declaring that origin and launched on `index?shop=ORIGIN`: the product
// images it downloads into its temp area are drawn on the page (the
// simulator reads them from the instance's temp area at /temp), and a
// review photo picked through the simulator's image picker is uploaded,
// reaching the fixture byte for byte, and drawn too.
// Picture: dev/browser-tests/output/shop-images.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, TEST_TIMEOUT, eventually, tempDir, useChromium } from './harness.mjs';
import { loadedWidth, openShop, startShopFixture } from './shop.mjs';

useChromium();

test('shop: downloaded product images are drawn, and a picked review photo is uploaded', { timeout: TEST_TIMEOUT }, async (t) => {
  const saved = await tempDir(t, 'reviews');
  const origin = await startShopFixture(t, saved);
  const { page, screen } = await openShop(t, origin);

  // Both images come from the instance's temp area, decoded by the browser.
  for (const product of ['tea', 'cake']) {
    const img = screen.locator(`#image-${product}`);
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /^\/temp\?path=wxfile%3A%2F%2Ftmp%2F[0-9a-f]{32}$/);
    await eventually(async () => assert.equal(await loadedWidth(img), 64, `${product}'s image is drawn`));
  }
  assert.equal(await screen.locator('#images-error').count(), 0);
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(output, 'shop-images.png'), animations: 'disabled', caret: 'hide' });

  // The checkout shows the same image; its review page takes a photo.
  await screen.locator('#buy-cake').click();
  await eventually(async () => assert.equal(await loadedWidth(screen.locator('.checkout #image')), 64));
  await screen.locator('#review').click();
  await screen.locator('.review .header').getByText('Review: Moon cake').waitFor();
  const photo = await (await fetch(`${origin}/products/tea.png`)).arrayBuffer();
  await screen.locator('#photo').click();
  await page.locator('#prompt[data-kind="choose-image"]').waitFor();
  const input = page.locator('#prompt .image-input');
  await input.setInputFiles({ name: 'review.png', mimeType: 'image/png', buffer: Buffer.from(photo) });
  await eventually(async () => assert.match(await page.locator('#prompt-body').textContent(), /1 picked/));
  await page.locator('#prompt-allow:not([disabled])').click();
  await page.locator('#prompt').waitFor({ state: 'hidden' });

  // Uploaded: the page says what the shop received, the fixture kept it
  // as picked, and the photo is drawn from its temp file.
  const sent = screen.locator('#sent');
  await sent.waitFor();
  assert.match(await sent.textContent(), new RegExp(`^Review 1 sent: the shop received ${photo.byteLength} bytes`));
  assert.deepEqual(await readFile(join(saved, 'review-1.photo')), Buffer.from(photo));
  await eventually(async () => assert.equal(await loadedWidth(screen.locator('#review-photo')), 64));
  assert.deepEqual(page.problems, []);
});
