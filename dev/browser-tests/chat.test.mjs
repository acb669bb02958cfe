// The chat example in the simulator, in a real Chromium, against its room
// server (`miniapp fixture chat`) on a free loopback port: a message typed
// and sent comes back from the room, a message from a second client (a
// plain WebSocket from node) shows with no click, its typing indicator
// shows and clears, the fixture dropping the room shows the reconnect;
// and without the fixture the page shows the error, and its Retry works
// once the fixture runs. Picture: dev/browser-tests/output/chat.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { ws as WebSocket } from 'playwright-core/lib/utilsBundle';
import {
  EXAMPLES, REPO, TEST_TIMEOUT, eventually, exampleDeclaring, openApp, startFixture, useChromium,
} from './harness.mjs';

useChromium();

/** The manifest's origin for the fixture; the test's port replaces it. */
const DECLARED = 'ws://127.0.0.1:8765';

/** A loopback port nothing listens on now. */
async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** `miniapp fixture chat --listen 127.0.0.1:PORT ARGS...`, once listening; stopped when `t` ends. */
async function startChatFixture(t, port, args = []) {
  const line = await startFixture(t, ['chat', '--listen', `127.0.0.1:${port}`, ...args]);
  assert.equal(line, `miniapp fixture chat: rooms at ws://127.0.0.1:${port}/room/NAME`);
}

/** The simulator on the chat, launched on `index?server=ORIGIN&retry_ms=MS`. */
async function openChat(t, origin, retryMs) {
  const app = await exampleDeclaring(t, 'chat', DECLARED, origin);
  const args = ['--path', `index?server=${origin}&retry_ms=${retryMs}`, '--allow-address', '127.0.0.1'];
  // Built where the examples build: their dependencies are compiled there.
  const env = { CARGO_TARGET_DIR: join(EXAMPLES, 'target') };
  return openApp(t, app, env, args);
}

/** A plain WebSocket client in `room` of the fixture at `origin`: what it heard, and it. */
async function client(t, origin, room) {
  const socket = new WebSocket(`${origin}/room/${room}`);
  const heard = [];
  socket.on('message', (data) => heard.push(data.toString()));
  t.after(() => socket.terminate());
  await once(socket, 'open');
  return { socket, heard };
}

/** The texts of the chat's messages on the screen. */
const messages = (screen) => screen.locator('.message').allTextContents();

test('chat: a message sent and one from another client show, typing shows and clears, a drop reconnects', { timeout: TEST_TIMEOUT }, async (t) => {
  const port = await freePort();
  const origin = `ws://127.0.0.1:${port}`;
  // The room is dropped at its third message: the page's, the other
  // client's, then the other client's second.
  await startChatFixture(t, port, ['--drop-after', '3']);
  const { page, screen } = await openChat(t, origin, 200);
  await eventually(async () => assert.equal(await screen.locator('#status').textContent(), 'lobby: open'));
  await eventually(async () => assert.deepEqual(await messages(screen), ['welcome to lobby, you are guest-1 (1 here)']));

  // Another client joins: the page hears of it with no click.
  const other = await client(t, origin, 'lobby');
  await screen.locator('.message', { hasText: 'guest-2 joined' }).waitFor();

  // Typed and sent: the draft's input tells the room it is typing, and
  // the message comes back from the room to the page and the other client.
  const draft = screen.locator('#draft');
  await draft.fill('hello from the page');
  await draft.press('Enter');
  await screen.locator('.message', { hasText: 'guest-1: hello from the page' }).waitFor();
  // Sent, the draft empties (the app clears its model:value data).
  await eventually(async () => assert.equal(await draft.inputValue(), ''));
  await eventually(async () => assert.ok(other.heard.includes('guest-1: hello from the page'), other.heard.join(' | ')));
  assert.ok(other.heard.includes('typing:guest-1'), `the other client saw the page typing: ${other.heard.join(' | ')}`);

  // The other client types, then says something: the indicator shows,
  // the message shows with no click, and the indicator clears on its timer.
  other.socket.send('typing:me');
  const typing = screen.locator('.typing');
  await typing.waitFor();
  assert.equal(await typing.textContent(), 'guest-2 is typing…');
  other.socket.send('hi from node');
  await screen.locator('.message', { hasText: 'guest-2: hi from node' }).waitFor();
  await typing.waitFor({ state: 'hidden' });

  const output = join(REPO, 'dev', 'browser-tests', 'output');
  await mkdir(output, { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(output, 'chat.png'), animations: 'disabled', caret: 'hide' });

  // The room's third message: the fixture drops everyone (1012); the page
  // says so and reconnects on its timer, welcomed again.
  other.socket.send('last words');
  await eventually(async () => assert.ok(
    other.heard.includes('guest-2: last words'), other.heard.join(' | ')));
  await eventually(async () => {
    const data = JSON.parse(await page.locator('#appdata-json').textContent());
    assert.equal(data.reconnects, 1, JSON.stringify(data));
    assert.equal(data.status, 'open', JSON.stringify(data));
    assert.equal(data.closed, '1012 dropped after 3 messages (--drop-after)');
  });
  await eventually(async () => {
    const shown = await messages(screen);
    assert.match(shown.at(-1), /^welcome to lobby, you are guest-\d+ \(\d+ here\)$/, shown.join(' | '));
  });
  assert.equal(await screen.locator('#status').textContent(), 'lobby: open');
  assert.deepEqual(page.problems, []);
});

test('chat: without its fixture the page shows the error, and Retry works once the fixture runs', { timeout: TEST_TIMEOUT }, async (t) => {
  const port = await freePort();
  const origin = `ws://127.0.0.1:${port}`;
  // A minute between the app's own retries: the Retry button reconnects.
  const { page, screen } = await openChat(t, origin, 60_000);
  const error = screen.locator('#error');
  await error.waitFor();
  assert.match(await error.textContent(), /\S/);
  assert.doesNotMatch(await screen.locator('#status').textContent(), /open/);
  const retry = screen.locator('#retry');
  assert.equal(await retry.textContent(), 'Retry');

  await startChatFixture(t, port);
  await retry.click();
  await eventually(async () => assert.equal(await screen.locator('#status').textContent(), 'lobby: open'));
  await error.waitFor({ state: 'hidden' });
  await screen.locator('.message', { hasText: 'welcome to lobby, you are guest-1 (1 here)' }).waitFor();
  assert.deepEqual(page.problems, []);
});
