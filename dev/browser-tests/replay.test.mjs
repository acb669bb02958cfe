// `miniapp replay FILE PACKAGE --open` in a real Chromium: a real
// `miniapp serve` keeps the recording of a session whose third tap traps,
// the operator API hands its bytes over, and the simulator opens on the
// replayed moment: the trap in the Log panel and the "stopped" banner.
//
//   cargo build -p miniapp-cli
//   node --test dev/browser-tests/replay.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import {
  EXAMPLES, MINIAPP, REPO, TEST_TIMEOUT, WAIT, eventually, miniapp, openSimulator, tempDir,
  useChromium, withTimeout,
} from './harness.mjs';

useChromium();

const APP = 'hostile.trap-later';

/** `miniapp ARGS...` running until test `t` ends; the first stdout line that `wanted` matches. */
async function started(t, args, wanted) {
  const child = spawn(MINIAPP, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-20_000); });
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
    await exited;
  });
  const lines = createInterface({ input: child.stdout });
  const found = new Promise((resolveLine, reject) => {
    lines.on('line', (line) => {
      const match = line.match(wanted);
      if (match) resolveLine(match);
    });
    child.once('exit', (code) => reject(new Error(`miniapp ${args[0]} exited (${code}):\n${stderr}`)));
  });
  return withTimeout(found, WAIT, `miniapp ${args[0]} printed no ${wanted}`);
}

/** A JSON call to `url`; the parsed answer, which must be a success. */
async function call(url, init = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  assert.ok(response.ok, `${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

test('replay --open shows the trap in the Log panel and the stopped banner', { timeout: TEST_TIMEOUT }, async (t) => {
  const dir = await tempDir(t, 'replay');
  const built = (await miniapp(['build', join(EXAMPLES, 'hostile', 'trap-later')])).trim();
  const token = randomBytes(32).toString('hex');
  await writeFile(join(dir, 'tokens'), `alice ${token}\n`);
  await writeFile(join(dir, 'policy.toml'),
    `[apps."${APP}"]\npermissions = ["storage"]\nper_user_storage = true\n`);
  const [, publicUrl, operatorUrl] = await started(t, [
    'serve', '--listen', '127.0.0.1:0', '--operator-listen', '127.0.0.1:0',
    '--data-dir', join(dir, 'data'), '--operator-token-file', join(dir, 'tokens'),
    '--policy', join(dir, 'policy.toml'), '--drain-secs', '0', '--publish', built,
  ], /^miniapp serve: sessions at (\S+), operator at (\S+)$/);

  // A session whose third tap traps.
  const { session } = await call(`${publicUrl}/v1/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app: APP, user: 'ada' }),
  });
  const tap = (cid) => fetch(`${publicUrl}/v1/sessions/${session}/events`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cid, selector: 'view', kind: 'tap', detail: {} }),
  });
  for (const cid of ['t1', 't2']) assert.equal((await tap(cid)).status, 200);
  assert.ok((await tap('t3')).status >= 400, 'the third tap traps');

  // The operator fetches its recording.
  const auth = { authorization: `Bearer ${token}` };
  const listing = `${operatorUrl}/v1/operator/apps/${APP}/recordings`;
  const kept = await eventually(async () => {
    const { recordings } = await call(listing, { headers: auth });
    assert.equal(recordings.length, 1);
    return recordings[0];
  });
  const bytes = await fetch(`${listing}/${kept.id}`, { headers: auth });
  assert.equal(bytes.status, 200);
  const file = join(dir, 'trap.rec');
  await writeFile(file, Buffer.from(await bytes.arrayBuffer()));

  // Replayed, then shown in the simulator.
  const [, url] = await started(t, ['replay', file, built, '--open'],
    /^miniapp replay: the simulator is at (\S+) \(Ctrl-C stops\)$/);
  const page = await openSimulator(t, { url });
  const logged = page.locator('#log-list .message', { hasText: 'trap-later: tap 3 at ' });
  await logged.first().waitFor({ state: 'attached' });
  assert.ok((await logged.first().textContent()).includes(kept.message));
  // A trap discarded the replayed instance: the simulator says why, as
  // after any trap (its page is not drawn: the discarded instance holds
  // no view), and a relaunch starts it live.
  await page.locator('#stopped').waitFor();
  assert.match(await page.locator('#stopped-message').textContent(), /trap-later: tap 3 at /);
  assert.deepEqual(page.problems, []);
});
