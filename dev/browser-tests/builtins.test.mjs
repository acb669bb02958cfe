// The built-in components' documented attributes in the simulator (the
// layout example's attributes page in a real Chromium): a scroll-view
// scrolls to the child its scroll-into-view names (smoothly, with
// scroll-with-animation) and to its scroll-top; a textarea with focus has
// it, one with auto-height fits its text; a label's for toggles the checkbox
// it names; a pressed element takes its
// hover-class (its ancestors too, unless hover-stop-propagation) and loses
// it after hover-stay-time; aria-label reaches the page; span, i and a are
// inline text with no link.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/builtins.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, eventually, openApp, useChromium } from './harness.mjs';

useChromium();

test('a scroll-view scrolls where its attributes say, and span, i and a stay inert', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page } = await openApp(t, join(EXAMPLES, 'layout'));
  await eventually(async () => assert.ok(await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('#to-attributes'))));
  await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('#to-attributes').click());

  // The plums are 120 px down the fruit list (two 60 px rows above them).
  const scrolled = await eventually(async () => {
    const now = await page.evaluate(() => {
      const root = document.querySelector('#screen').shadowRoot;
      const fruit = root.querySelector('#fruit');
      const numbers = root.querySelector('#numbers');
      return fruit && numbers && {
        fruit: fruit.scrollTop,
        plums: root.querySelector('#plums').offsetTop - root.querySelector('#apples').offsetTop,
        numbers: numbers.scrollTop,
        label: fruit.getAttribute('aria-label'),
      };
    });
    assert.ok(now, 'the attributes page is not drawn yet');
    assert.ok(Math.abs(now.fruit - now.plums) <= 1, `fruit scrolled to ${now.fruit}, plums at ${now.plums}`);
    assert.equal(now.numbers, 30);
    return now;
  });
  assert.equal(scrolled.plums, 120);
  // The textarea with focus has it, and with auto-height is a line or two
  // high, not the 150 px a textarea is by default.
  const field = await eventually(async () => {
    const now = await page.evaluate(() => {
      const root = document.querySelector('#screen').shadowRoot;
      return { focused: root.activeElement?.id ?? null, height: root.getElementById('long').offsetHeight };
    });
    assert.equal(now.focused, 'long');
    return now;
  });
  assert.ok(field.height > 0 && field.height < 150, `auto-height textarea ${field.height} px high`);
  // A label's for names the checkbox a tap on it toggles.
  await page.evaluate(() => document.querySelector('#screen').shadowRoot.getElementById('agree-label').click());
  await eventually(async () => assert.equal(
    await page.evaluate(() => document.querySelector('#screen').shadowRoot.getElementById('agree').checked), true));
  assert.equal(scrolled.label, 'Fruit');

  const inline = await page.evaluate(() => {
    const root = document.querySelector('#screen').shadowRoot;
    return ['span', 'i', 'a'].map((tag) => {
      const element = root.querySelector(`[data-mp="${tag}"]`);
      return { tag: element.localName, display: getComputedStyle(element).display, href: element.hasAttribute('href') };
    });
  });
  assert.deepEqual(inline, [
    { tag: 'span', display: 'inline', href: false },
    { tag: 'i', display: 'inline', href: false },
    { tag: 'a', display: 'inline', href: false },
  ]);
});

/** The class list of the page's element `id`. */
const classesOf = (page, id) => page.evaluate((id) => [...document.querySelector('#screen').shadowRoot.getElementById(id).classList], id);

/** Hold the mouse down on the page's element `id`. */
async function pressOn(page, id) {
  const box = await page.evaluate((id) => {
    const rect = document.querySelector('#screen').shadowRoot.getElementById(id).getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }, id);
  await page.mouse.move(box.x, box.y);
  await page.mouse.down();
}

test('a pressed element takes its hover-class until its stay time ends, its ancestor only without stop-propagation', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page } = await openApp(t, join(EXAMPLES, 'layout'));
  await eventually(async () => assert.ok(await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('#to-attributes'))));
  await page.evaluate(() => document.querySelector('#screen').shadowRoot.querySelector('#to-attributes').click());
  await eventually(async () => assert.ok(await page.evaluate(() => document.querySelector('#screen').shadowRoot.getElementById('press'))));
  // Whether #outer is ever lit, whatever the timing.
  await page.evaluate(() => {
    const outer = document.querySelector('#screen').shadowRoot.getElementById('outer');
    window.__outerLit = false;
    new MutationObserver(() => { window.__outerLit ||= outer.classList.contains('lit'); }).observe(outer, { attributes: true });
  });

  await pressOn(page, 'press');
  await eventually(async () => assert.deepEqual(await classesOf(page, 'press'), ['pressed', 'down']));
  await page.mouse.up();
  await eventually(async () => assert.deepEqual(await classesOf(page, 'press'), []));
  // Its start time is 0: had it been lit, it would have been before #press's 100 ms stay ended.
  assert.equal(await page.evaluate(() => window.__outerLit), false, 'hover-stop-propagation kept #outer unlit');

  await pressOn(page, 'through');
  await eventually(async () => assert.deepEqual(await classesOf(page, 'outer'), ['lit']));
  await page.mouse.up();
  await eventually(async () => assert.deepEqual(await classesOf(page, 'outer'), []));
});
