// WeChat's event phases and model: two-way binding in a real Chromium (the
// events example): typing into a model:value input shows the text on the
// page with no handler of the app's, the shout input's handler runs after
// the host set the typed value (the page keeps its upper case), a switch
// bound with model:checked flips the page's word, a model:value slider
// moved from the keyboard shows its level, and a tap on the inner
// view calls the capture handlers root first, then the bubbling ones with
// only the first mut-bind.
//
//   cargo build -p miniapp-cli && node --test dev/browser-tests/events.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, TEST_TIMEOUT, openApp, useChromium } from './harness.mjs';

useChromium();

test('events: model: inputs and a switch keep the page data; taps run in WeChat\'s phase order', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'events'));
  const name = screen.locator('#name');
  await name.waitFor();
  await name.pressSequentially('Ada');
  await screen.locator('#hello', { hasText: 'Hello, Ada' }).waitFor();

  // One key at a time, each after the app's upper case came back: a key
  // typed while the app's own value for the field is on its way is written
  // over by that value (the app's value wins, as a setData on WeChat does),
  // so typing ahead of a loaded machine's round trip would test the race,
  // not the order of model: and the handler.
  const shout = screen.locator('#shout');
  for (const typed of ['h', 'he', 'hey']) {
    await shout.press(typed.at(-1));
    await screen.locator('#shouted', { hasText: new RegExp(`^${typed.toUpperCase()}$`) }).waitFor();
  }

  await screen.locator('#volume', { hasText: 'Quiet' }).waitFor();
  await screen.locator('#loud').click();
  await screen.locator('#volume', { hasText: 'Loud' }).waitFor();

  const level = screen.locator('#level');
  await level.focus();
  await page.keyboard.press('ArrowRight');
  await screen.locator('#levelShown', { hasText: 'Level 1' }).waitFor();

  await screen.locator('#inner').click();
  await screen.locator('#order', { hasText: 'outerDown,middleDown,innerMut,innerUp,outerUp' }).waitFor();
  assert.deepEqual(page.problems, []);
});
