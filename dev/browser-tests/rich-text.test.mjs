// rich-text in a real Chromium (the article example): its nodes, given as
// HTML-like text and as WeChat's node tree, are drawn as the elements WeChat
// allows and nothing else (no script, no handler attribute, no link, no
// foreign image), spaces kept as nbsp where `space` says so, and a tap on
// one of its nodes reaches the rich-text's own handler.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/rich-text.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

/** Every element under `root` as [tag, sorted attribute names]. */
const shape = (root) => [...root.querySelectorAll('*')].map((e) => [e.localName, e.getAttributeNames().sort().join(' ')]);

test('rich-text: only allowed elements reach the page, and a tap reaches the rich-text', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'article'));
  const body = screen.locator('#body');
  await body.locator('h2').waitFor();
  const drawn = await body.evaluate(shape);
  const tags = drawn.map(([tag]) => tag).filter((tag) => tag !== 'span');
  assert.deepEqual(tags, ['h2', 'p', 'b', 'i', 'p', 'a', 'img']);
  for (const [tag, names] of drawn) {
    for (const name of names.split(' ')) {
      assert.ok(['data-nid', 'data-mp', 'class', 'style', 'alt'].includes(name), `${tag} has ${name}`);
    }
  }
  const text = await body.evaluate((e) => ({
    lead: e.querySelector('h2').className,
    style: e.querySelector('p').getAttribute('style'),
    link: e.querySelector('a').hasAttribute('href'),
    image: e.querySelector('img').hasAttribute('src'),
    scripts: e.getRootNode().querySelectorAll('script, iframe, [onclick], [onmouseover], [href]').length,
  }));
  assert.deepEqual(text, { lead: 'lead', style: 'color:#333', link: false, image: false, scripts: 0 });
  const notes = await screen.locator('#notes').evaluate((e) => ({
    shape: [...e.querySelectorAll('ul, li')].map((n) => n.localName),
    first: e.querySelector('li').textContent,
  }));
  assert.deepEqual(notes, { shape: ['ul', 'li', 'li'], first: 'Serves\u00a0\u00a02' });

  // A tap on a node inside the body: the rich-text's bindtap runs.
  await body.locator('b').click();
  await screen.locator('text=Read 1 times').waitFor();
  assert.deepEqual(page.problems, []);
});
