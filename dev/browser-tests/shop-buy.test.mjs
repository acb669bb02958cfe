// The shop example end to end in the simulator, in a real Chromium,
// against its server (`miniapp fixture shop`) on a free loopback port: the
// home tab's banners and product list (goods cards; more at the bottom, a
// pull down starts it again), the category tab's products of a category,
// two products bought (one in its second variant, two of it by the product
// page's stepper), the cart tab's lines and total (its steppers move the
// total), checkout with an address (the region picker) and payment, the
// paid page and the order in the history, and the tabs after. Without its
// server the list shows an error state whose Retry loads it once the
// server is up.
// Picture: dev/browser-tests/output/shop-cart.png.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/shop-buy.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO, TEST_TIMEOUT, eventually, pullDown, tempDir, useChromium } from './harness.mjs';
import { loadedWidth, openShop, startShopFixture } from './shop.mjs';

useChromium();

/** Text of `locator`, spaces squeezed. */
const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

/** A stepper's − and + buttons and its count, inside its host element `host`. */
const stepper = (host) => ({
  minus: host.locator('button').nth(0),
  plus: host.locator('button').nth(1),
  count: host.locator('button + span'),
});

/** The simulator's tab bar's tab `index` tapped. */
const tab = (page, index) => page.locator(`#tabbar .tab[data-index="${index}"]`).click();

test('shop: two products bought through the product pages, the cart and checkout, and the order in the history', { timeout: TEST_TIMEOUT }, async (t) => {
  const origin = await startShopFixture(t, await tempDir(t, 'reviews'));
  const { page, screen } = await openShop(t, origin);

  // Home: the banners from the server, and its first page of products.
  const cards = screen.locator('[data-mp="goods-card"]');
  await screen.locator('#goods-tea').waitFor();
  await eventually(async () => assert.equal(await loadedWidth(screen.locator('#banner-1')), 320));
  assert.equal(await cards.count(), 6);
  assert.equal(await text(screen.locator('#goods-cake')), 'Moon cake¥35.00');
  // At the bottom the next page comes; pulled down, the list starts again.
  await page.locator('#screen').evaluate((e) => { e.scrollTop = e.scrollHeight; });
  await eventually(async () => assert.equal(await cards.count(), 12));
  await page.locator('#screen').evaluate((e) => { e.scrollTop = 0; });
  await pullDown(page);
  await eventually(async () => assert.equal(await cards.count(), 6));
  // The app's stopPullDownRefresh, once the first page came, hides the dots.
  await page.locator('#pull-down').waitFor({ state: 'hidden' });

  // The category tab: the server's categories; one chosen, its products.
  await tab(page, 1);
  await screen.locator('#category-fruit').click();
  await screen.locator('#goods-lychee').waitFor();
  assert.deepEqual(
    await screen.locator('[data-mp="goods-card"]').evaluateAll((all) => all.map((c) => c.id)),
    ['goods-lychee', 'goods-mango', 'goods-pomelo', 'goods-kumquat', 'goods-longan', 'goods-persimmon'],
  );
  assert.match(await screen.locator('#category-fruit').getAttribute('class'), /\bchosen\b/);
  await tab(page, 0);

  // Green tea's page: the second variant, two of it.
  await screen.locator('#goods-tea').click();
  await screen.locator('#name', { hasText: 'Green tea' }).waitFor();
  await eventually(async () => assert.equal(await loadedWidth(screen.locator('#picture')), 64));
  assert.equal(await text(screen.locator('#price')), '¥12.00');
  const sheet = page.locator('#picker-sheet');
  await screen.locator('#variant .row').click();
  await sheet.waitFor();
  const column = sheet.locator('select.picker-column');
  assert.deepEqual(await column.locator('option').allTextContents(), ['250 g', '500 g']);
  await column.selectOption('1');
  await sheet.locator('#picker-ok').click();
  await sheet.waitFor({ state: 'detached' });
  await screen.locator('#variant-shown', { hasText: '500 g' }).waitFor();
  await eventually(async () => assert.equal(await text(screen.locator('#price')), '¥22.00'));
  const quantity = stepper(screen.locator('#quantity'));
  assert.equal(await text(quantity.count), '1');
  assert.ok(await quantity.minus.isDisabled(), 'at its least, − is disabled');
  await quantity.plus.click();
  await eventually(async () => assert.equal(await text(quantity.count), '2'));
  await screen.locator('#add').click();
  await page.locator('#toast', { hasText: 'Added to cart' }).waitFor();
  await screen.locator('#to-cart', { hasText: 'Cart (2)' }).waitFor();

  // Back home, then the moon cake's page: one, its first variant.
  await page.locator('#nav-back').click();
  await screen.locator('#goods-cake').click();
  await screen.locator('#name', { hasText: 'Moon cake' }).waitFor();
  await screen.locator('#variant-shown', { hasText: 'Lotus seed' }).waitFor();
  await screen.locator('#add').click();
  await screen.locator('#to-cart', { hasText: 'Cart (3)' }).waitFor();

  // The cart tab (the product page's Cart button switches to it): both
  // lines, and the total; a stepper moves it.
  await screen.locator('#to-cart').click();
  const total = screen.locator('#cart-total');
  await total.waitFor();
  assert.equal(await text(total), 'Total ¥79.00');
  assert.equal(await text(screen.locator('#cart-count')), '3 items');
  assert.match(await text(screen.locator('#line-tea-v1')), /^Green tea500 g¥22\.00.*2.*Remove$/);
  assert.equal(await text(stepper(screen.locator('#qty-tea-v1')).count), '2');
  const cake = stepper(screen.locator('#qty-cake'));
  await cake.plus.click();
  await eventually(async () => assert.equal(await text(total), 'Total ¥114.00'));
  await cake.minus.click();
  await eventually(async () => assert.equal(await text(total), 'Total ¥79.00'));
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await page.locator('#device').screenshot({ path: join(output, 'shop-cart.png'), animations: 'disabled', caret: 'hide' });

  // Checkout: the two lines, pickup until an address is given.
  await screen.locator('#checkout').click();
  await screen.locator('.checkout .header').getByText('Checkout').waitFor();
  assert.equal(await text(screen.locator('#name')), '3 items');
  assert.equal(await text(screen.locator('#amount')), '¥79.00');
  assert.equal(await text(screen.locator('#item-tea-v1')), 'Green tea (500 g)x2¥44.00');
  assert.equal(await text(screen.locator('#item-cake')), 'Moon cake (Lotus seed)x1¥35.00');
  const deliver = screen.locator('#deliver');
  assert.match(await text(deliver), /^Pickup at the shop/);

  // The address form: a name, a phone, the region picker, the street.
  await deliver.click();
  await screen.locator('#address-name').waitFor();
  await screen.locator('#save').click();
  await screen.locator('#problem', { hasText: 'Give a name of 1 to 20 characters' }).waitFor();
  await screen.locator('#address-name').fill('Ada Lovelace');
  await screen.locator('#address-phone').fill('13800138000');
  await screen.locator('#address-detail').fill('1 Long Road');
  await screen.locator('#address-region .row').click();
  await sheet.waitFor();
  const columns = sheet.locator('select.picker-column');
  await columns.nth(0).selectOption({ label: '广东省' });
  await columns.nth(1).locator('option', { hasText: '广州市' }).waitFor({ state: 'attached' });
  await columns.nth(1).selectOption({ label: '广州市' });
  await columns.nth(2).locator('option', { hasText: '海珠区' }).waitFor({ state: 'attached' });
  await columns.nth(2).selectOption({ label: '海珠区' });
  await sheet.locator('#picker-ok').click();
  await sheet.waitFor({ state: 'detached' });
  await screen.locator('#region-shown', { hasText: '广东省 广州市 海珠区' }).waitFor();
  await screen.locator('#save').click();
  await page.locator('#toast', { hasText: 'Address saved' }).waitFor();
  await screen.locator('.checkout .header').waitFor();
  await eventually(async () => assert.equal(await text(deliver), 'Ada Lovelace13800138000广东省 广州市 海珠区 1 Long Road'));

  // Pay: the host's sheet with the total, then the paid page.
  await screen.locator('#pay').click();
  const payment = page.locator('#prompt[data-kind="payment"]');
  await payment.waitFor();
  await eventually(async () => assert.match(await payment.locator('.amount').textContent(), /79\.00/));
  await page.locator('#prompt-allow').click();
  await payment.waitFor({ state: 'hidden' });
  await screen.locator('.paid .header').getByText('Paid').waitFor();
  assert.equal(await text(screen.locator('#order')), 'Order order-1');
  assert.equal(await text(screen.locator('#paid-what')), 'Green tea (500 g) x2, Moon cake (Lotus seed): ¥79.00');
  assert.equal(await text(screen.locator('#deliver-to')), 'Ada Lovelace, 13800138000, 广东省 广州市 海珠区 1 Long Road');

  // The order history has it.
  await screen.locator('#my-orders').click();
  const order = screen.locator('#order-1');
  await order.waitFor();
  assert.equal(
    await text(order),
    'order-1¥79.00Green tea (500 g) x2, Moon cake (Lotus seed)Ada Lovelace, 13800138000, 广东省 广州市 海珠区 1 Long Road',
  );

  // Back on the cart tab (the paid page took the checkout's place, the
  // history the paid page's): the cart is empty; me counts the order and
  // shows the address, home counts it too.
  await page.locator('#nav-back').click();
  await screen.locator('#empty', { hasText: 'Your cart is empty' }).waitFor();
  await tab(page, 3);
  await screen.locator('#order-count', { hasText: '1 paid' }).waitFor();
  await eventually(async () => assert.match(await text(screen.locator('#my-address')), /^Ada Lovelace/));
  await tab(page, 0);
  await screen.locator('#orders', { hasText: '1 order paid' }).waitFor();
  assert.equal(await text(screen.locator('.cart-header')), 'Cart: 0 items, ¥0.00');
  assert.deepEqual(page.problems, []);
});

/** `127.0.0.1:PORT` where nothing listens (a port just freed). */
async function freeAddress() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return `127.0.0.1:${port}`;
}

test('shop: without its server the list shows why with a Retry, which loads it once the server is up', { timeout: TEST_TIMEOUT }, async (t) => {
  const address = await freeAddress();
  const { page, screen } = await openShop(t, `http://${address}`);
  const error = screen.locator('#goods-error');
  await error.waitFor();
  assert.match(await text(error), new RegExp(`${address.replace(/\./g, '\\.')}.*Retry$`));
  assert.equal(await screen.locator('[data-mp="goods-card"]').count(), 0);
  // The picks and the cart work on without the server.
  await screen.locator('#add-tea').click();
  await screen.locator('.cart-header', { hasText: 'Cart: 1 item, ¥12.00' }).waitFor();

  await startShopFixture(t, await tempDir(t, 'reviews'), address);
  await error.locator('button', { hasText: 'Retry' }).click();
  await screen.locator('#goods-tea').waitFor();
  await error.waitFor({ state: 'detached' });
  assert.equal(await screen.locator('[data-mp="goods-card"]').count(), 6);
  // The same Retry brought the picks' images.
  await eventually(async () => assert.equal(await loadedWidth(screen.locator('#image-tea')), 64));
  await screen.locator('#images-error').waitFor({ state: 'detached' });
  assert.deepEqual(page.problems, []);
});
