// The picker built-in in a real Chromium (the picker example): the page
// shows each picker's children; a tap on them opens the host's sheet over
// the page (outside the page's shadow root), with the picker's header-text
// and one listbox per column. For each of WeChat's five modes the test
// chooses in the sheet, confirms, and the page shows what the app kept; a
// multiSelector's column move reaches the app as it happens, and its
// columns follow the range the app sets in answer (linked columns); a region's
// columns follow the province and city chosen, from the region table the
// simulator serves; Cancel sends the picker's cancel; a disabled picker
// opens nothing; a picker bound with
// model:value is set with no handler. Picture:
// dev/browser-tests/output/picker.png (the phone, its region sheet open).
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/picker.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLES, REPO, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('picker: each mode opens its sheet, the choice reaches the app, cancel fires cancel', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'picker'));
  const sheet = page.locator('#picker-sheet');
  const columns = sheet.locator('select.picker-column');
  const shown = (id, text) => screen.locator(`#${id}`, { hasText: text }).waitFor();
  const open = async (id) => {
    await screen.locator(`#${id} .row`).click();
    await sheet.waitFor();
  };
  const ok = async () => {
    await sheet.locator('#picker-ok').click();
    await sheet.waitFor({ state: 'detached' });
  };
  await shown('fruit-shown', 'Apple');

  // The sheet is the host's: outside the page's shadow root, and the
  // picker in the page is only its children.
  await open('fruit');
  assert.equal(await screen.locator('#picker-sheet').count(), 0);
  assert.equal(await sheet.locator('#picker-title').textContent(), 'Fruit');
  assert.deepEqual(await columns.locator('option').allTextContents(), ['Apple', 'Pear', 'Plum']);
  await columns.first().selectOption('2');
  await ok();
  await shown('fruit-shown', 'Plum');

  // Cancel: the sheet goes, the app hears cancel, the fruit stays.
  await open('fruit');
  await sheet.locator('#picker-cancel').click();
  await sheet.waitFor({ state: 'detached' });
  await shown('cancelled', 'Fruit not changed');
  await shown('fruit-shown', 'Plum');

  // multiSelector: a column move reaches the app at once, the change on OK.
  await open('size');
  assert.equal(await columns.count(), 2);
  await columns.nth(1).selectOption('1');
  await shown('column', 'Column 1 moved to 1');
  // Linked columns: a large box also comes in a crate; the open sheet's
  // second column follows the range the app sets.
  await columns.nth(0).selectOption('2');
  await columns.nth(1).locator('option', { hasText: 'Crate' }).waitFor({ state: 'attached' });
  await columns.nth(1).selectOption({ label: 'Crate' });
  await ok();
  await shown('size-shown', 'Large, Crate');

  // time: hours and minutes.
  await open('time');
  await columns.nth(0).selectOption('17');
  await columns.nth(1).selectOption('45');
  await ok();
  await shown('time-shown', '17:45');

  // date: years from its start (2026) to its end (2027), months, days.
  await open('date');
  assert.deepEqual(await columns.nth(0).locator('option').allTextContents(), ['2026', '2027']);
  await columns.nth(0).selectOption({ label: '2027' });
  await columns.nth(1).selectOption({ label: '02' });
  await columns.nth(2).selectOption({ label: '28' });
  await ok();
  await shown('date-shown', '2027-02-28');

  // region: the city and county columns follow the province and city.
  await open('region');
  await columns.nth(1).locator('option', { hasText: '广州市' }).waitFor({ state: 'attached' });
  assert.equal(await columns.nth(0).locator('option').count(), 31);
  await columns.nth(0).selectOption({ label: '广东省' });
  await columns.nth(1).selectOption({ label: '深圳市' });
  await columns.nth(2).locator('option', { hasText: '南山区' }).waitFor({ state: 'attached' });
  await columns.nth(2).selectOption({ label: '南山区' });
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await page.locator('#device').screenshot({ path: join(output, 'picker.png'), animations: 'disabled', caret: 'hide' });
  await ok();
  await shown('region-shown', '广东省 深圳市 南山区');
  await shown('code', 'Region code 440000 440300 440305');

  // A disabled picker opens nothing: the next tap (on the fruit) opens
  // the fruit's sheet, not a mask left over the page.
  await screen.locator('#wrap .row').click();
  await open('fruit');
  assert.equal(await sheet.locator('#picker-title').textContent(), 'Fruit');
  await sheet.locator('#picker-cancel').click();
  await sheet.waitFor({ state: 'detached' });

  // model:value: the host sets the bound index; the app has no handler.
  await open('speed');
  await columns.first().selectOption('1');
  await ok();
  await shown('speed-shown', 'Express');

  assert.deepEqual(page.problems, []);
});
