// What the simulator's Chromium tests share: `miniapp dev` on a free port,
// Chromium (`useChromium()` in each test file), a page on the simulator,
// and waiting for a condition. Env: MINIAPP_BIN (default
// target/debug/miniapp), CHROMIUM (default /usr/bin/chromium).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MINIAPP = resolve(REPO, process.env.MINIAPP_BIN ?? 'target/debug/miniapp');
export const EXAMPLES = join(REPO, 'guest-examples');
export const VIEWPORT = { width: 1280, height: 800 };
/** How long any one condition may take to come true (a cold cargo build is slow). */
export const WAIT = 120_000;
/** Per test: a build, a browser, a few round trips. */
export const TEST_TIMEOUT = 300_000;

/** The Chromium of the calling file's tests (a live binding: set by `useChromium`). */
export let browser;

/** Launch Chromium before the calling file's tests, close it after them. */
export function useChromium() {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
  });
}

/** A temporary directory, removed when test `t` ends. */
export async function tempDir(t, prefix) {
  const dir = await mkdtemp(join(tmpdir(), `miniapp-browser-${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Run `miniapp ARGS...` to completion; its stdout, or a thrown error. */
export async function miniapp(args, env = {}) {
  const child = spawn(MINIAPP, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { err += chunk; });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`miniapp ${args.join(' ')} exited with ${code}:\n${err}`);
  return out;
}

/**
 * Example `name` as a crate of its own (`miniapp new`, then the example's
 * code, pages and manifest) whose manifest declares `origin` where the
 * example's declares `declared`: the example against a server on a port
 * the test chose. Named `NAME-local`, so its build never writes the
 * example's own output in the examples' target directory.
 */
export async function exampleDeclaring(t, name, declared, origin) {
  const dir = join(await tempDir(t, name), `${name}-local`);
  await miniapp(['new', dir]);
  // The scaffold's tab app (its app.json and pages) is not the example.
  await rm(join(dir, 'app.json'));
  await rm(join(dir, 'pages'), { recursive: true });
  const example = join(EXAMPLES, name);
  // Its logic and pages, and its app.json, components and assets if it has them.
  const optional = ['app.json', 'components', 'assets'].filter((sub) => existsSync(join(example, sub)));
  for (const sub of ['src', 'pages', ...optional]) {
    await cp(join(example, sub), join(dir, sub), { recursive: true });
  }
  const manifest = await readFile(join(example, 'miniapp.toml'), 'utf8');
  assert.ok(manifest.includes(`"${declared}"`), `${name}'s manifest declares ${declared}`);
  await writeFile(join(dir, 'miniapp.toml'), manifest.replace(`"${declared}"`, `"${origin}"`));
  return dir;
}

/**
 * `miniapp dev SOURCE ARGS...` on a free port with a fresh data directory, once it
 * printed its URL; stopped (its whole process group) when test `t` ends.
 */
export async function startSimulator(t, source, env = {}, args = []) {
  const data = await tempDir(t, 'data');
  const child = spawn(MINIAPP, ['dev', source, '--port', '0', '--data-dir', data, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: a rebuild's cargo goes with it
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch { /* gone */ }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  t.after(stop);
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`miniapp dev exited (${code}) before printing its URL:\n${stderr}`)));
  });
  // Keep draining its stdout so it never blocks on a full pipe.
  lines.on('line', () => {});
  const line = await withTimeout(first, WAIT, 'miniapp dev printed no URL');
  const match = line.match(/^miniapp dev: the simulator is at (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([0-9a-f]+)$/);
  assert.ok(match, `the first line names the simulator's URL: ${JSON.stringify(line)}`);
  const [, base, port, token] = match;
  return { url: `${base}/?token=${token}`, base, port: Number(port), token, stop, stderr: () => stderr };
}

/**
 * `miniapp fixture ARGS...` (a server an example talks to), once it printed
 * its first line (where it listens), which this returns; stopped with
 * SIGTERM when test `t` ends.
 */
export async function startFixture(t, args) {
  const child = spawn(MINIAPP, ['fixture', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`miniapp fixture ${args.join(' ')} exited (${code}):\n${stderr}`)));
  });
  // Keep draining its stdout so it never blocks on a full pipe.
  lines.on('line', () => {});
  return withTimeout(first, WAIT, `miniapp fixture ${args[0]} printed no first line`);
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (within ${ms / 1000} s)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Retry `check` (which throws, e.g. an assert, while its condition is not
 * met) until it passes; past `timeout`, fail with its last error.
 */
export async function eventually(check, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let delay = 25;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(500, delay * 2);
  }
}

/** A fresh browser context and page on the simulator, once its first page is drawn. */
export async function openSimulator(t, sim) {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.problems = problems;
  await page.goto(sim.url);
  await page.waitForFunction(() => window.__sim !== undefined);
  await withTimeout(page.evaluate(() => window.__sim.ready.then(() => true)), WAIT, 'the first page was not drawn');
  await page.locator('#conn[data-state="open"]').waitFor();
  return page;
}


/** A drag down from the top of the simulator's screen, released past the
 * pull-down threshold; `held` runs while it is held there. */
export async function pullDown(page, held = async () => {}) {
  const box = await page.locator('#screen').boundingBox();
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(x, box.y + 160, { steps: 6 });
  await held();
  await page.mouse.up();
}

/** `miniapp dev SOURCE ARGS...` open in a browser: the simulator, its page, and the app's screen on it. */
export async function openApp(t, source, env = {}, args = []) {
  const sim = await startSimulator(t, source, env, args);
  const page = await openSimulator(t, sim);
  return { sim, page, screen: page.locator('#screen') };
}

