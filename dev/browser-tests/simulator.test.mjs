// The simulator (`miniapp dev`) in a real Chromium: what a user sees and
// does on the page, end to end, with the real server and real apps.
//
//   cargo build -p miniapp-cli
//   npm --prefix dev/browser-tests ci
//   node --test dev/browser-tests/
//
// Env: MINIAPP_BIN (default target/debug/miniapp), CHROMIUM (default
// /usr/bin/chromium), MINIAPP_SCREENSHOTS=1 to (re)write the README's
// screenshots under docs/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import http from 'node:http';
import {
  EXAMPLES, REPO, TEST_TIMEOUT, VIEWPORT, WAIT, browser, eventually, miniapp, openApp,
  openSimulator, startSimulator, tempDir, useChromium,
} from './harness.mjs';

const SCREENSHOTS = process.env.MINIAPP_SCREENSHOTS === '1';

useChromium();

// ------------------------------------------------------------------ helpers

/** The `type`s of the frames the page kept (the last 200). */
const frameTypes = (page) => page.evaluate(() => window.__sim.frames.map((f) => f.type));

/** Mark the frames received so far; `framesSince(page)` lists the later ones. */
async function markFrames(page) {
  await page.evaluate(() => { window.__mark = window.__sim.frames.at(-1); });
}
const framesSince = (page) => page.evaluate(() => {
  const at = window.__sim.frames.lastIndexOf(window.__mark);
  return window.__sim.frames.slice(at + 1);
});

/** The AppData panel's JSON, parsed. */
async function appData(page) {
  return JSON.parse(await page.locator('#appdata-json').textContent());
}

/** Apply `patch` through the AppData panel's editor, as a user does. */
async function editAppData(page, patch) {
  await page.locator('#tab-appdata').click();
  const editor = page.locator('#panel-appdata details.editor');
  if (!(await editor.evaluate((d) => d.open))) await editor.locator('summary').click();
  await page.locator('#appdata-patch').fill(JSON.stringify(patch));
  await page.evaluate(() => { document.querySelector('#appdata-result').dataset.ok = ''; });
  await page.locator('#appdata-apply').click();
  await page.locator('#appdata-result[data-ok="true"], #appdata-result[data-ok="false"]').waitFor();
  assert.equal(await page.locator('#appdata-result').getAttribute('data-ok'), 'true',
    `set-data: ${await page.locator('#appdata-result').textContent()}`);
}

/** Zoom the device to fit the window (the whole phone, and its sheets, in a 1280×800 picture). */
async function zoomToFit(page) {
  await page.locator('#zoom-select').selectOption('fit');
  await eventually(async () => assert.match(await page.locator('#device-size').textContent(), /· \d+%$/));
  assert.doesNotMatch(await page.locator('#device-size').textContent(), /· 100%$/);
}

async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  const dir = join(REPO, 'docs', 'screenshots');
  await mkdir(dir, { recursive: true });
  // No caret blinking or hover state in the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(dir, name), animations: 'disabled', caret: 'hide' });
}

/** A crate made by `miniapp new` under a temp dir, with `template` as its index page (if given). */
async function scaffold(t, name, template) {
  const dir = join(await tempDir(t, 'app'), name);
  await miniapp(['new', dir]);
  if (template !== undefined) await writeFile(join(dir, 'pages', 'index.wxml'), template);
  return dir;
}

/** Build a scaffolded crate with the examples' target dir: its dependencies are compiled there. */
const SCAFFOLD_ENV = { CARGO_TARGET_DIR: join(EXAMPLES, 'target') };

/** Save `file` with `from` replaced by `to`, as an editor would (`from` must be there): the text it had. */
async function edit(file, from, to) {
  const before = await readFile(file, 'utf8');
  assert.ok(before.includes(from), `${file} has ${from}`);
  await writeFile(file, before.replace(from, to));
  return before;
}

// -------------------------------------------------------------------- tests

test('todo: add an item, see it in the view and in AppData, tap it done', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'todo'));
  await zoomToFit(page); // taps and typing go through the zoom's transform
  await screen.locator('.empty').getByText('Nothing to do').waitFor();

  const input = screen.locator('#new');
  await input.fill('milk');
  await input.press('Enter');

  const item = screen.locator('.item', { hasText: 'milk' });
  await item.waitFor();
  assert.equal(await screen.locator('.item').count(), 1);
  await eventually(async () => assert.equal(await screen.locator('.header .left').textContent(), '1 left'));
  await eventually(async () => {
    const data = await appData(page);
    assert.deepEqual(data.todos, [{ id: 1, title: 'milk', done: false }]);
  });
  assert.match(await page.locator('#appdata-route').textContent(), /index/);

  await item.locator('.title').click();
  await eventually(async () => assert.match(await item.getAttribute('class'), /\bdone\b/));
  await eventually(async () => assert.match(await page.locator('#appdata-json').textContent(), /"done": true/));
  await eventually(async () => assert.equal(await screen.locator('.header .left').textContent(), '0 left'));
  assert.equal(await item.locator('input[type="checkbox"]').isChecked(), true);

  // Another one, below: the done one stays done.
  await input.fill('bread');
  await input.press('Enter');
  await screen.locator('.item', { hasText: 'bread' }).waitFor();
  await eventually(async () => assert.equal(await screen.locator('.header .left').textContent(), '1 left'));
  assert.deepEqual(await screen.locator('.item .title').allTextContents(), ['milk', 'bread']);
  assert.match(await item.getAttribute('class'), /\bdone\b/);
  assert.doesNotMatch(await screen.locator('.item', { hasText: 'bread' }).getAttribute('class'), /\bdone\b/);
  await eventually(async () => assert.equal((await appData(page)).todos.length, 2));
  assert.deepEqual(page.problems, []);

  await screenshot(page, 'simulator-todo.png');
});

test('shop: a denied consent is shown, and sticks without asking again', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'shop'));
  const manifest = await readFile(join(EXAMPLES, 'shop', 'miniapp.toml'), 'utf8');
  const reason = manifest.match(/^user-info = "(.*)"$/m)[1];

  const profile = screen.locator('#profile');
  assert.equal(await profile.textContent(), 'Show my name');
  await profile.click();
  const prompt = page.locator('#prompt[data-kind="consent"]');
  await prompt.waitFor();
  assert.ok(await prompt.isVisible());
  await eventually(async () => {
    const body = await page.locator('#prompt-body').textContent();
    assert.ok(body.includes(reason), `the prompt gives the manifest's reason: ${body}`);
    assert.ok(body.includes('user-info'), body);
  });
  assert.equal(await page.locator('#prompt-deny').textContent(), 'Deny');
  await page.locator('#prompt-deny').click();
  await page.locator('#prompt').waitFor({ state: 'hidden' });

  const refusal = screen.locator('.error', { hasText: 'No name' });
  await refusal.waitFor();
  assert.equal(await screen.locator('#nickname').count(), 0);
  assert.match(await refusal.textContent(), /^No name: permission denied: .*user-info/);
  assert.equal((await frameTypes(page)).filter((type) => type === 'prompt').length, 1);

  // Again: the answer stuck; no prompt, the same refusal.
  await markFrames(page);
  await profile.click();
  await eventually(async () => {
    const later = await framesSince(page);
    assert.ok(later.some((f) => f.type === 'result' && f.ok === true), JSON.stringify(later));
    assert.ok(later.some((f) => f.type === 'data' && f.data.profile_error), JSON.stringify(later));
  });
  assert.equal((await frameTypes(page)).filter((type) => type === 'prompt').length, 1, 'no second prompt');
  assert.ok(await page.locator('#prompt').isHidden());
  assert.match(await refusal.textContent(), /^No name: permission denied: .*user-info/);
  assert.ok(await refusal.isVisible());
  assert.equal(await screen.locator('#nickname').count(), 0);
  assert.deepEqual(page.problems, []);
});

test('shop: checkout, the payment sheet cancelled, then paid', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'shop'));
  await zoomToFit(page); // the payment sheet at the phone's bottom is in the picture
  const crumbs = page.locator('#breadcrumb .crumb');

  assert.ok(await page.locator('#nav-back').isHidden(), 'no back button on the first page');
  await eventually(async () => assert.equal(await crumbs.count(), 1));
  await screen.locator('#buy-cake').click();

  // The checkout page, two pages deep.
  await screen.locator('.checkout .header').getByText('Checkout').waitFor();
  await page.locator('#nav-back').waitFor({ state: 'visible' });
  await eventually(async () => assert.equal(await crumbs.count(), 2));
  assert.equal(await crumbs.nth(0).textContent(), 'index');
  assert.equal(await crumbs.nth(1).textContent(), 'checkout?product=cake');
  assert.equal(await crumbs.nth(1).getAttribute('aria-current'), 'page');
  assert.ok(await page.locator('#nav-title').isVisible());
  assert.equal(await page.locator('#nav-title').textContent(), 'Shop');
  assert.equal(await screen.locator('#name').textContent(), 'Moon cake');
  assert.equal(await screen.locator('#amount').textContent(), '¥35.00');

  // Pay: the sheet with the amount; cancel it.
  const pay = screen.locator('#pay');
  await pay.click();
  const sheet = page.locator('#prompt[data-kind="payment"]');
  await sheet.waitFor();
  await eventually(async () => {
    assert.match(await sheet.locator('.amount').textContent(), /35\.00/);
    assert.match(await page.locator('#prompt-body').textContent(), /Moon cake/);
  });
  assert.equal(await page.locator('#prompt-allow').textContent(), 'Pay');
  assert.equal(await page.locator('#prompt-deny').textContent(), 'Cancel');
  await screenshot(page, 'simulator-payment.png');
  await page.locator('#prompt-deny').click();
  await sheet.waitFor({ state: 'hidden' });
  await screen.locator('#cancelled').getByText('Payment cancelled').waitFor();
  assert.equal(await crumbs.count(), 2);
  assert.equal(await crumbs.nth(1).textContent(), 'checkout?product=cake');
  assert.equal((await appData(page)).status, 'cancelled');

  // Pay again, and pay on the sheet: the paid page replaces checkout.
  await pay.click();
  await sheet.waitFor();
  await page.locator('#prompt-allow').click();
  await sheet.waitFor({ state: 'hidden' });
  await screen.locator('.paid .header').getByText('Paid').waitFor();
  await eventually(async () => assert.equal(await crumbs.nth(1).textContent(), 'paid?product=cake'));
  assert.equal(await crumbs.count(), 2);
  assert.match(await screen.locator('#order').textContent(), /^Order order-1$/);
  assert.match(await screen.locator('#transaction').textContent(), /^Transaction \S+/);
  assert.equal(await screen.locator('#cancelled').count(), 0);
  assert.deepEqual(page.problems, []);
});

test('timers: Start ticks the count up on the page with no further input', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'timers'));
  const ticks = screen.locator('.ticks');
  assert.equal(await ticks.textContent(), 'Ticks: 0');
  // Every count the page shows, in order, however it is drawn (the app's
  // view is in the screen's shadow root).
  await page.evaluate(() => {
    const view = document.querySelector('#screen').shadowRoot;
    const shown = () => view.querySelector('.ticks')?.textContent;
    const seen = (window.__ticks = [shown()]);
    const note = () => {
      if (shown() !== seen.at(-1)) seen.push(shown());
    };
    new MutationObserver(note).observe(view, { subtree: true, childList: true, characterData: true });
  });
  await markFrames(page);
  await screen.locator('#start').click(); // once a second, five times
  await eventually(async () => assert.equal(await ticks.textContent(), 'Ticks: 5'));
  const seen = await page.evaluate(() => window.__ticks);
  assert.deepEqual(seen, ['Ticks: 0', 'Ticks: 1', 'Ticks: 2', 'Ticks: 3', 'Ticks: 4', 'Ticks: 5']);
  // One input, one answer: the five firings came with no event from the page.
  const later = await framesSince(page);
  assert.equal(later.filter((f) => f.type === 'result').length, 1, JSON.stringify(later.map((f) => f.type)));
  await eventually(async () => assert.equal((await appData(page)).ticks, 5));
  // The quota panel counted the interval while it ran, and counts none now.
  assert.ok(later.some((f) => f.type === 'quota' && f.budget.timers === 1), 'a quota frame with the timer');
  await eventually(async () => assert.match(await page.locator('[data-quota="timers"] .value').textContent(), /^0 \/ \d+$/));
  assert.deepEqual(page.problems, []);
});

test('hot reload: an edited template re-renders in place, data kept, no page reload', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = await scaffold(t, 'hot');
  const { page, screen } = await openApp(t, app, SCAFFOLD_ENV);

  const count = screen.locator('.count');
  await eventually(async () => assert.equal(await count.textContent(), '0'));
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await count.textContent(), '1'));
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await count.textContent(), '2'));
  await page.evaluate(() => { window.__beforeEdit = 'still here'; });

  await edit(join(app, 'pages', 'index.wxml'), '<text class="count">{{count}}</text>',
    '<text class="count">[HOT-MARK {{count}} taps]</text>');

  await eventually(async () => assert.equal(await count.textContent(), '[HOT-MARK 2 taps]'));
  assert.equal(await page.evaluate(() => window.__beforeEdit), 'still here', 'the page was not reloaded');
  assert.equal((await appData(page)).count, 2);
  assert.ok((await frameTypes(page)).includes('build'), 'the page was told of the rebuild');
  // And it still runs: one more tap.
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await count.textContent(), '[HOT-MARK 3 taps]'));
  assert.deepEqual(page.problems, []);
});

// Reading the app's files (as the build itself, an editor or `git status`
// does) is not a change: after one save, one rebuild, and the build banner
// stays away while the user goes on. The count of `build` frames is exact:
// with a correct watcher no read ever starts a rebuild, so this cannot fail
// spuriously; the taps only give a looping watcher time to show itself.
test('hot reload: one save is one rebuild (reads do not start another)', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = await scaffold(t, 'once');
  const { page, screen } = await openApp(t, app, SCAFFOLD_ENV);
  const count = screen.locator('.count');
  const template = join(app, 'pages', 'index.wxml');
  await edit(template, '{{count}}</text>', '{{count}} saved</text>');
  await eventually(async () => assert.equal(await count.textContent(), '0 saved'));
  await page.locator('#build-status').waitFor({ state: 'hidden' });
  // Read the sources, as a developer's tools do.
  await readFile(template, 'utf8');
  await readFile(join(app, 'src', 'lib.rs'), 'utf8');
  for (let n = 1; n <= 10; n += 1) {
    await screen.locator('#tap').click();
    await eventually(async () => assert.equal(await count.textContent(), `${n} saved`));
    assert.ok(await page.locator('#build-status').isHidden(), `no "Building…" banner after tap ${n}`);
  }
  const builds = (await page.evaluate(() => window.__sim.frames.filter((f) => f.type === 'build')))
    .map((f) => `${f.status}: ${f.message}`);
  assert.deepEqual(builds, ['building: ', 'ok: templates reloaded']);
});

test('a panic: its own message over the page, and a visible Relaunch starts the app again', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'crash'));
  const count = screen.locator('#count');
  const stopped = page.locator('#stopped');
  assert.ok(await stopped.isHidden(), 'nothing to say while the app runs');
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await count.textContent(), 'Tapped 1 times'));

  // The app's bug: the panic's own message is what the page shows.
  await screen.locator('#crash').click();
  await stopped.waitFor({ state: 'visible' });
  await eventually(async () => assert.match(await page.locator('#stopped-message').textContent(),
    /^app `demo\.crash` trapped in on-event index:crash: panicked at crash\/src\/lib\.rs:\d+:\d+: the order list is empty after 0 taps$/));
  assert.equal(await page.locator('#stopped-detail').textContent(), 'wasm trap: wasm `unreachable` instruction executed');
  assert.ok(await page.locator('#stopped-message').isVisible());

  // Relaunch is on the page itself, not in the collapsed Launch options.
  assert.equal(await page.locator('#launch-panel').evaluate((d) => d.open), false);
  const relaunch = page.locator('#stopped-relaunch');
  assert.ok(await relaunch.isVisible());
  await relaunch.click();
  await stopped.waitFor({ state: 'hidden' });
  await eventually(async () => assert.equal(await count.textContent(), 'Tapped 0 times'));
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await count.textContent(), 'Tapped 1 times'));
  assert.ok(await stopped.isHidden());
  assert.deepEqual(page.problems, []);
});

test('a template error at start: the page shows it, and the app launches once it is fixed', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = await scaffold(t, 'broken');
  const template = join(app, 'pages', 'index.wxml');
  const good = await readFile(template, 'utf8');
  await writeFile(template, '<view>\n  <view wx:iff="{{a}}"/>\n</view>');
  const { page } = await openApp(t, app, SCAFFOLD_ENV);
  const banner = page.locator('#build-status');
  await banner.waitFor({ state: 'visible' });
  assert.equal(await page.locator('#build-title').textContent(), 'Build failed: the app launches when a save builds');
  assert.match(await page.locator('#build-message').textContent(), /pages\/index\.wxml:2:9/);
  await page.locator('#stopped').waitFor({ state: 'visible' });
  assert.match(await page.locator('#stopped-message').textContent(), /no version of the app has built yet/);

  await writeFile(template, good);
  const count = page.locator('#screen .count');
  await eventually(async () => assert.equal(await count.textContent(), '0'));
  await banner.waitFor({ state: 'hidden' });
  assert.ok(await page.locator('#stopped').isHidden());
  await page.locator('#screen #tap').click();
  await eventually(async () => assert.equal(await count.textContent(), '1'));
  assert.deepEqual(page.problems, []);
});

/** Injection attempts, each bound into text, class, style, an image's src and a navigator's url. */
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '</style><script>window.__pwned=1</script>',
  'javascript:window.__pwned=1',
  'https://evil.example/x.png',
  'background:url(https://evil.example/y)',
  '" onmouseover="window.__pwned=1" x="',
  '</text><script src="https://evil.example/s.js"></script>',
  'red;background-image:url("//evil.example/z")',
  '//evil.example/w.png',
  '../../../etc/passwd',
];

const INJECTION_TEMPLATE = `<view class="inject">
  <text id="text">{{text}}</text>
  <view id="cls" class="box {{cls}}">class</view>
  <view id="sty" style="color: #333; {{sty}}">style</view>
  <image id="img" src="{{src}}" mode="aspectFit"/>
  <navigator id="nav" url="{{url}}">link</navigator>
  <text id="lit">&lt;script&gt;window.__pwned=1&lt;/script&gt; &lt;img src=x onerror="window.__pwned=1"&gt; a < b</text>
  <text id="lit2">{{'<img src=x onerror=window.__pwned=1>'}}</text>
  <view id="lit3" class="{{'x&quot; onclick=&quot;window.__pwned=1'}}" data-x="<script>window.__pwned=1</script>">attr</view>
  <text class="count">{{count}}</text>
  <button id="tap" bindtap="tap">Tap</button>
</view>
`;

/** What the page must never have, whatever the app's data: an executed payload, script, handlers, foreign URLs. */
async function assertInert(page, sim, requests) {
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no payload ran');
  const found = await page.evaluate(() => {
    const root = document.querySelector('#screen').shadowRoot;
    const all = [...root.querySelectorAll('*')];
    return {
      scripts: root.querySelectorAll('script').length + document.querySelectorAll('script:not([src="/static/sim.js"])').length,
      tags: [...new Set(all.map((e) => e.localName))].sort(),
      handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.localName}[${a.name}]`)),
      // What could load or navigate: src, data-url (a navigator's url) and style (url()).
      foreign: all.flatMap((e) => [...e.attributes]
        .filter((a) => (['src', 'data-url'].includes(a.name) && /evil\.example|javascript:|^\/\/|\.\./i.test(a.value))
          || (a.name === 'style' && /url\(|image-set|@import|expression\(/i.test(a.value)))
        .map((a) => `${e.localName}[${a.name}=${a.value}]`)),
    };
  });
  assert.equal(found.scripts, 0, 'no <script> element');
  assert.deepEqual(found.handlers, [], 'no on* attribute');
  assert.deepEqual(found.foreign, [], 'no foreign, javascript: or escaping URL in a src, a style or a url');
  for (const tag of found.tags) assert.ok(['div', 'span', 'img', 'button', 'input', 'textarea', 'i', 'a', 'label', 'progress'].includes(tag), tag);
  const elsewhere = requests.filter((url) => new URL(url).host !== `127.0.0.1:${sim.port}`);
  assert.deepEqual(elsewhere, [], 'no request leaves for another host');
}

test('injection: attacker data and markup-like templates stay inert text', { timeout: TEST_TIMEOUT }, async (t) => {
  const app = await scaffold(t, 'inject', INJECTION_TEMPLATE);
  const sim = await startSimulator(t, app, SCAFFOLD_ENV);
  const context = await browser.newContext({ viewport: VIEWPORT });
  t.after(() => context.close());
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // A payload shaped like a package path is asked of /assets/ and is not there: a 404 (checked below).
    if (message.type() === 'error' && !/^Failed to load resource: .* 404 \(Not Found\)$/.test(text)) problems.push(`console error: ${text}`);
  });
  const missing = [];
  page.on('response', (response) => response.status() === 404 && missing.push(response.url()));
  await page.goto(sim.url);
  await page.waitForFunction(() => window.__sim !== undefined);
  await page.evaluate(() => window.__sim.ready);
  const screen = page.locator('#screen');

  // The template's own markup-looking text is text.
  await screen.locator('#lit').waitFor();
  const literal = await screen.locator('#lit').textContent();
  assert.ok(literal.includes('<script>window.__pwned=1</script>'), literal);
  assert.ok(literal.includes('<img src=x onerror="window.__pwned=1">'), literal);
  assert.ok(literal.includes('a < b'), literal);
  assert.equal(await screen.locator('#lit2').textContent(), '<img src=x onerror=window.__pwned=1>');
  await assertInert(page, sim, requests);

  // Benign values go through each binding (so the checks below are not vacuous).
  await editAppData(page, { text: 'hello', cls: 'chosen', sty: 'color: rgb(1, 2, 3)', src: 'images/a.png', url: 'index?from=ok' });
  await eventually(async () => assert.equal(await screen.locator('#text').textContent(), 'hello'));
  assert.equal(await screen.locator('#cls.chosen').count(), 1);
  assert.match(await screen.locator('#sty').getAttribute('style'), /rgb\(1, ?2, ?3\)/);
  assert.equal(await screen.locator('#img').getAttribute('src'), '/assets/images/a.png');
  assert.equal(await screen.locator('#nav').getAttribute('data-url'), 'index?from=ok');

  for (const payload of PAYLOADS) {
    await editAppData(page, { text: payload, cls: payload, sty: payload, src: payload, url: payload });
    // Drawn: the text binding shows the payload as text, exactly.
    await eventually(async () => assert.equal(await screen.locator('#text').textContent(), payload));
    await eventually(async () => assert.match(await page.locator('#appdata-json').textContent(), /"text"/));
    await assertInert(page, sim, requests);
    // The payload is the class's text, not markup: the element is still one element.
    assert.equal(await screen.locator('#cls').count(), 1);
    assert.equal(await screen.locator('#cls').textContent(), 'class');
  }
  // Tapping the navigator whose url was `javascript:...` goes nowhere and runs nothing.
  await editAppData(page, { url: 'javascript:window.__pwned=1' });
  await screen.locator('#nav').click();
  await screen.locator('#tap').click();
  await eventually(async () => assert.equal(await screen.locator('.count').textContent(), '1'));
  assert.equal(await page.locator('#breadcrumb .crumb').count(), 1);
  await assertInert(page, sim, requests);
  assert.deepEqual(problems, [], 'no errors and no CSP violations (nothing tried to load or run)');
  for (const url of missing) assert.ok(url.startsWith(`${sim.base}/assets/`), `only package paths were asked for: ${url}`);
  assert.ok(requests.length > 0);
});

/** A page on another local origin that tries the simulator with the right token. */
function foreignPage(sim) {
  const script = `
    const results = (window.results = {});
    const simulator = ${JSON.stringify(sim.base)};
    const token = ${JSON.stringify(sim.token)};
    const ws = new WebSocket(simulator.replace('http:', 'ws:') + '/ws?token=' + token);
    ws.onopen = () => { results.wsOpened = true; };
    ws.onmessage = (event) => { results.wsMessage = String(event.data).slice(0, 200); };
    ws.onclose = (event) => { results.ws = 'closed ' + event.code; };
    fetch(simulator + '/api/state?token=' + token)
      .then((r) => r.text().then((text) => { results.state = 'read ' + r.status + ' ' + text.slice(0, 200); }))
      .catch((error) => { results.state = 'failed: ' + error.name; });
    // A "simple" request (no preflight): only the server's own check stops it.
    fetch(simulator + '/api/dispatch?token=' + token, { method: 'POST', mode: 'no-cors',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ selector: '#new', kind: 'confirm', detail: { value: 'pwned by a foreign page' } }) })
      .then(() => { results.dispatch = 'sent'; }, (error) => { results.dispatch = 'failed: ' + error.name; });
  `;
  const server = http.createServer((request, response) => {
    if (request.url === '/attack.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(script);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>elsewhere</title><p>another site</p><script src="/attack.js"></script>');
  });
  return server;
}

test('foreign origin: another local page cannot reach the socket or the API, even with the token', { timeout: TEST_TIMEOUT }, async (t) => {
  const sim = await startSimulator(t, join(EXAMPLES, 'todo'));
  const server = foreignPage(sim);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((done) => server.close(done)));
  const elsewhere = `http://127.0.0.1:${server.address().port}/`;

  const context = await browser.newContext({ viewport: VIEWPORT });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(elsewhere);
  await page.waitForFunction(() => window.results && 'ws' in window.results && 'state' in window.results
    && 'dispatch' in window.results, null, { timeout: WAIT });
  const results = await page.evaluate(() => window.results);
  assert.equal(results.wsOpened, undefined, `the socket did not open: ${JSON.stringify(results)}`);
  assert.equal(results.wsMessage, undefined, 'no frame reached the foreign page');
  assert.match(results.ws, /^closed \d+$/);
  assert.notEqual(results.ws, 'closed 1000');
  assert.match(results.state, /^failed: TypeError$/, 'the state was not readable');
  // Whether or not the POST left, the server refused it: no todo was added.
  const state = await (await fetch(`${sim.base}/api/state?token=${sim.token}`)).json();
  assert.deepEqual(state.data.todos, [], JSON.stringify(state.data));
  assert.ok(!state.html.includes('pwned'));

  // The simulator's own page: a socket without the token, or with a wrong one, is refused.
  const own = await openSimulator(t, sim);
  const attempts = await own.evaluate(async () => {
    const tryOpen = (url) => new Promise((done) => {
      const ws = new WebSocket(url);
      ws.onopen = () => { ws.close(); done('open'); };
      ws.onclose = (event) => done(`closed ${event.code}`);
    });
    const base = `ws://${location.host}/ws`;
    return {
      none: await tryOpen(base),
      empty: await tryOpen(`${base}?token=`),
      wrong: await tryOpen(`${base}?token=${'0'.repeat(32)}`),
      right: await tryOpen(`${base}?token=${sessionStorage.getItem('miniapp-token')}`),
      // The token left the address bar (and the history) once read.
      addressBar: location.search,
    };
  });
  assert.notEqual(attempts.none, 'open', JSON.stringify(attempts));
  assert.notEqual(attempts.empty, 'open', JSON.stringify(attempts));
  assert.notEqual(attempts.wrong, 'open', JSON.stringify(attempts));
  assert.equal(attempts.right, 'open', 'the same page with its token connects (the check is not vacuous)');
  assert.equal(attempts.addressBar, '', 'the token is not left in the address bar');
  // And the simulator's own view still shows an empty list.
  await own.locator('#screen .empty').getByText('Nothing to do').waitFor();
});

test('app files: the page loads them with the cookie its load set; a browser without it is refused', { timeout: TEST_TIMEOUT }, async (t) => {
  const sim = await startSimulator(t, join(EXAMPLES, 'todo'));
  const page = await openSimulator(t, sim);
  const load = () => page.evaluate(async () => {
    const response = await fetch('/assets/pages/index.wxml');
    return { status: response.status, text: await response.text() };
  });
  const first = await load();
  assert.equal(first.status, 200);
  assert.match(first.text, /</);
  // The token has left the address bar; a reload keeps the session's cookie.
  await page.reload();
  await page.locator('#conn[data-state="open"]').waitFor();
  assert.equal((await load()).status, 200);
  assert.equal(await page.evaluate(() => document.cookie), '', 'the page cannot read the cookie (HttpOnly)');
  assert.deepEqual(page.problems, []);
  // Another browser profile, without the page's cookie: refused.
  const other = await browser.newContext();
  t.after(() => other.close());
  const stranger = await other.newPage();
  const response = await stranger.goto(`${sim.base}/assets/pages/index.wxml`);
  assert.equal(response.status(), 401);
});

test('feedback: a toast, a modal and an action sheet drawn by the host, outside the page; their answers reach the app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'feedback'));
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  const picture = (name) => page.screenshot({ path: join(output, name), animations: 'disabled', caret: 'hide' });
  await zoomToFit(page); // the whole phone, with its sheets and bars, in each picture
  // The host's layer is the phone frame's, not the page's: the page's view
  // (its shadow root, inside #viewport) holds none of it.
  const outsideThePage = () => page.evaluate(() => {
    const viewport = document.querySelector('#viewport');
    const shadow = document.querySelector('#screen').shadowRoot;
    return ['#toast', '#prompt', '#tabbar', '#navbar'].every((id) => {
      const element = document.querySelector(id);
      return element !== null && !viewport.contains(element) && shadow.querySelector(id) === null;
    });
  });
  assert.ok(await outsideThePage());

  // A toast: every state the host's toast takes, however briefly shown.
  await page.evaluate(() => {
    const toast = document.querySelector('#toast');
    const seen = (window.__toasts = []);
    new MutationObserver(() => {
      if (!toast.hidden) seen.push(`${toast.dataset.icon}:${toast.textContent}`);
    }).observe(toast, { attributes: true, childList: true, subtree: true });
  });
  await screen.locator('#save').click();
  await eventually(async () => assert.ok((await page.evaluate(() => window.__toasts)).includes('success:✓Saved')));
  // A loading toast stays until the app hides it.
  await screen.locator('#load').click();
  const toast = page.locator('#toast[data-icon="loading"]');
  await toast.waitFor();
  assert.equal(await toast.textContent(), 'Loading');
  await picture('feedback-toast.png');
  await screen.locator('#loaded').click();
  await page.locator('#toast[data-icon="none"]').waitFor();
  assert.equal(await page.locator('#toast').textContent(), 'Loaded');

  // An "Are you sure?" modal: its buttons as the app asked; confirmed.
  await screen.locator('#delete').click();
  const modal = page.locator('#prompt[data-kind="modal"]');
  await modal.waitFor();
  assert.equal(await page.locator('#prompt-title').textContent(), 'Delete the order?');
  assert.equal(await page.locator('#prompt-body').textContent(), 'It cannot be undone.');
  assert.equal(await page.locator('#prompt-allow').textContent(), 'Delete');
  assert.equal(await page.locator('#prompt-allow').evaluate((b) => getComputedStyle(b).color), 'rgb(250, 81, 81)');
  assert.equal(await page.locator('#prompt-deny').textContent(), 'Cancel');
  assert.ok(await outsideThePage());
  await picture('feedback-modal.png');
  await page.locator('#prompt-allow').click();
  await modal.waitFor({ state: 'hidden' });
  await eventually(async () => assert.equal(await screen.locator('.deleted').textContent(), 'Deleted: yes (confirm)'));

  // An editable modal: what the user typed is the answer.
  await screen.locator('#rename').click();
  await modal.waitFor();
  await page.locator('#prompt .modal-input').fill('Ada');
  await page.locator('#prompt-allow').click();
  await eventually(async () => assert.equal(await screen.locator('.name').textContent(), 'Name: Ada'));

  // An action sheet: the item tapped reaches the app's success callback.
  await screen.locator('#pick').click();
  const sheet = page.locator('#prompt[data-kind="action-sheet"]');
  await sheet.waitFor();
  const items = page.locator('#prompt .sheet-item');
  assert.deepEqual(await items.allTextContents(), ['Take a photo', 'Choose from the album']);
  assert.ok(await page.locator('#prompt-allow').isHidden(), 'items, then Cancel');
  await picture('feedback-action-sheet.png');
  await items.nth(1).click();
  await eventually(async () => assert.equal(await screen.locator('.picked').textContent(), 'Picked: 1'));

  // The bars: title, colours, a badge and a red dot.
  await screen.locator('#frame').click();
  await eventually(async () => assert.equal(await page.locator('#nav-title').textContent(), 'Feedback'));
  const navbar = await page.locator('#navbar').evaluate((bar) => [getComputedStyle(bar).backgroundColor, getComputedStyle(bar).color]);
  assert.deepEqual(navbar, ['rgb(7, 193, 96)', 'rgb(255, 255, 255)']);
  assert.equal(await page.locator('#tabbar .tab[data-index="1"] .tab-badge').textContent(), '3');
  assert.equal(await page.locator('#tabbar .tab[data-index="2"] .tab-dot').count(), 1);
  await picture('feedback-bars.png');
  assert.deepEqual(page.problems, []);
});

test('shop: the cart\'s toast and remove modal and the sort action sheet, drawn by the host; the unpaid order counts down', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'shop'));
  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  const picture = (name) => page.screenshot({ path: join(output, name), animations: 'disabled', caret: 'hide' });
  await zoomToFit(page);
  // The page's clock stands still while the toast is pictured: the toast
  // (1.5 s) cannot end first, however slow the machine. The toast, the
  // modal and the action sheet get a picture each: the host draws the toast
  // and the dialogs at the phone's centre, a dialog over the toast (as
  // WeChat does), and the modal and the action sheet are the one prompt the
  // host shows at a time.
  await page.clock.install();
  await page.clock.pauseAt(new Date(Date.now() + 60_000));

  // Add to cart: the host's toast.
  await screen.locator('#add-tea').click();
  const toast = page.locator('#toast[data-icon="success"]');
  await toast.waitFor();
  assert.equal(await toast.textContent(), '✓Added to cart');
  await eventually(async () => assert.equal(await screen.locator('.cart-header').textContent(), 'Cart: 1 item, ¥12.00'));
  await picture('shop-toast.png');
  await page.clock.resume();
  await page.locator('#toast').waitFor({ state: 'hidden' });

  // Remove: the host's modal asks first.
  await screen.locator('#remove-tea').click();
  const modal = page.locator('#prompt[data-kind="modal"]');
  await modal.waitFor();
  assert.equal(await page.locator('#prompt-title').textContent(), 'Remove from the cart?');
  assert.equal(await page.locator('#prompt-body').textContent(), 'Green tea leaves your cart.');
  assert.equal(await page.locator('#prompt-allow').textContent(), 'Remove');
  await picture('shop-modal.png');
  await page.locator('#prompt-allow').click();
  await modal.waitFor({ state: 'hidden' });
  await eventually(async () => assert.equal(await screen.locator('.cart-header').textContent(), 'Cart: 0 items, ¥0.00'));
  assert.equal(await screen.locator('#remove-tea').count(), 0);
  assert.equal((await appData(page)).removed, 'Green tea');

  // Sort: the host's action sheet; high to low puts the cake first.
  await screen.locator('#sort').click();
  const sheet = page.locator('#prompt[data-kind="action-sheet"]');
  await sheet.waitFor();
  const items = page.locator('#prompt .sheet-item');
  assert.deepEqual(await items.allTextContents(), ['Price: low to high', 'Price: high to low']);
  await picture('shop-action-sheet.png');
  await items.nth(1).click();
  await sheet.waitFor({ state: 'hidden' });
  await screen.locator('#sorted').getByText('Price: high to low').waitFor();
  assert.deepEqual(await screen.locator('.product .name').allTextContents(), ['Moon cake', 'Green tea']);

  // Checkout: the unpaid order's countdown, a timer redrawing the page.
  await screen.locator('#buy-cake').click();
  const countdown = screen.locator('#countdown');
  await countdown.waitFor();
  const first = await countdown.textContent();
  assert.match(first, /^Unpaid: pay within 1[45]:\d\d$/);
  await eventually(async () => assert.notEqual(await countdown.textContent(), first));
  assert.match(await countdown.textContent(), /^Unpaid: pay within 14:\d\d$/);
  assert.deepEqual(page.problems, []);
});

test('fake-payment-modal: the page imitating the payment sheet stays under the host\'s layer; its fake modal is refused; a dialog names its app', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, screen } = await openApp(t, join(EXAMPLES, 'hostile', 'fake-payment-modal'));
  await zoomToFit(page);
  await screen.locator('#fake-pay').waitFor();
  // The page's full-screen fixed overlay (z-index 2147483647) is confined
  // to the page's viewport: under the navigation bar, inside the window.
  const boxes = await page.evaluate(() => {
    const box = (e) => {
      const r = e.getBoundingClientRect();
      return { top: r.top, left: r.left, bottom: r.bottom, right: r.right };
    };
    const overlay = document.querySelector('#screen').shadowRoot.querySelector('#fake-sheet');
    return { overlay: box(overlay), viewport: box(document.querySelector('#viewport')), navbar: box(document.querySelector('#navbar')) };
  });
  const { overlay, viewport, navbar } = boxes;
  const within = overlay.top >= viewport.top - 0.5 && overlay.left >= viewport.left - 0.5
    && overlay.bottom <= viewport.bottom + 0.5 && overlay.right <= viewport.right + 0.5;
  assert.ok(within, `the overlay ${JSON.stringify(boxes)} stays in the viewport`);
  assert.ok(overlay.top >= navbar.bottom - 0.5, 'the navigation bar is not covered');
  // What is on top at a point: the host's element there, or the page (its
  // shadow root's host, #screen).
  const topmost = (selector) => page.evaluate((selector) => {
    const r = document.querySelector(selector).getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit?.closest(selector) ? 'host' : (hit?.id || hit?.localName || 'nothing');
  }, selector);
  assert.equal(await topmost('#navbar'), 'host');

  // Its fake "WeChat Pay" modals are refused: the host draws none.
  await screen.locator('#fake-pay').click();
  await eventually(async () => assert.match(await screen.locator('.fake-outcome').textContent(), /refused/));
  assert.ok(await page.locator('#prompt').isHidden(), 'no dialog drawn');

  // An honest modal: drawn by the host over the page, naming the app.
  await screen.locator('#ask').click();
  const modal = page.locator('#prompt[data-kind="modal"]');
  await modal.waitFor();
  assert.equal(await page.locator('#prompt-app').textContent(), 'Hostile fake-payment-modal');
  assert.equal(await page.locator('#prompt-title').textContent(), 'Leave the page?');
  assert.equal(await topmost('#prompt-allow'), 'host');
  await page.locator('#prompt-allow').click();
  await modal.waitFor({ state: 'hidden' });
  await eventually(async () => assert.match(await screen.locator('.fake-outcome').textContent(), /true/));
  assert.deepEqual(page.problems, []);
});
