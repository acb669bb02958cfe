// miniapp dev: the simulator page. It paints the app's view as the host
// sends it (docs/protocol.md) and reports what the user did; it never runs
// app code and never parses markup: every node is built with createElement,
// setAttribute and textContent, and no innerHTML is used anywhere.

import { DIALOGS, appTitle, dialog, dialogValue, drawHostUi, pageChanged, paintWindow } from './host-ui.js';
import { keepAnimation, playAnimation } from './animation.js';
import { hoverEnd, hoverStart } from './hover.js';
import { watchPickers } from './picker.js';
import { WIDGETS_CSS, mountWidget } from './widgets.js';
import { watchMedia } from './media.js';
import { paintTabBar } from './tab-bar.js';
import { pageEventsShown, shareSheet, watchPageEvents } from './page-events.js';
import { subpackageSent } from './subpackages.js';
import { watchMatchMedia } from './match-media.js';
import { watchScrollViews } from './scroll-refresher.js';
import { watchPageContainers } from './page-container.js';
import { mountRootPortal, watchRootPortals } from './root-portal.js';

const $ = (selector) => document.querySelector(selector);

/** `<tag attrs...>children</tag>`; strings become text nodes (never markup). */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') element.textContent = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

// ---------------------------------------------------------------- constants

/** The server's presets (`--device`), with a status bar height for each. */
const DEVICES = [
  { name: 'iphone-12', label: 'iPhone 12/13', width: 390, height: 844, status: 47 },
  { name: 'iphone-se', label: 'iPhone SE', width: 375, height: 667, status: 20 },
  { name: 'pixel-7', label: 'Pixel 7', width: 412, height: 915, status: 24 },
  { name: 'ipad-mini', label: 'iPad Mini', width: 768, height: 1024, status: 24 },
];
/** The host's navigation bar, CSS pixels (as on WeChat). */
const NAV_BAR = 44;
const BEZEL = 10;

/** What a node may be (protocol.md, "A node D"); anything else is dropped. */
const TAGS = new Set(['div', 'span', 'img', 'button', 'input', 'textarea', 'i', 'a', 'label', 'progress', 'video', 'audio',
  // The nodes of a rich-text (view/src/rich_text.rs): the tags WeChat allows there, inert.
  'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center',
  'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'dl', 'dt', 'em', 'fieldset', 'font', 'footer', 'h1', 'h2',
  'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'ins', 'legend', 'li', 'mark', 'nav', 'ol', 'p', 'pre', 'q', 'rt',
  'ruby', 's', 'section', 'small', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead',
  'tr', 'tt', 'u', 'ul']);
const ATTRIBUTES = new Set(['id', 'class', 'style', 'hidden', 'src', 'value', 'placeholder',
  'maxlength', 'disabled', 'checked', 'type', 'role', 'min', 'max', 'step', 'aria-label', 'aria-hidden', 'for',
  'width', 'height', 'alt', 'colspan', 'rowspan', 'span', 'start', 'dir', 'poster', 'loop', 'controls']);
const DATA_ATTRIBUTE = /^data-[a-z0-9][a-z0-9._-]*$/;
const INPUT_TYPES = new Set(['text', 'checkbox', 'radio', 'range', 'number', 'password', 'search', 'email', 'tel', 'url']);

const MAX_FRAME_BYTES = 64 * 1024;
const LONG_PRESS_MS = 350;
const LOG_CAP = 500;
const FRAMES_KEPT = 200;

// ------------------------------------------------------------ page state

// The run's token: from the URL the CLI printed, then kept for this tab only
// and taken out of the address bar (and so out of the history).
const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('miniapp-token');
if (token) {
  sessionStorage.setItem('miniapp-token', token);
  history.replaceState(null, '', location.pathname);
}
const state = {
  app: null, // the hello frame's app
  device: DEVICES[0],
  zoom: 1, // a number, or 'fit'
  deviceChosen: false, // the user picked one: a later hello does not override it
  stack: [],
  route: null,
};

/** For tests: the last frames received, and a promise of the first paint. */
const frames = [];
let markReady;
window.__sim = { frames, ready: new Promise((resolve) => { markReady = resolve; }) };

// ------------------------------------------------------------ the connection

const connection = { ws: null, attempt: 0, timer: 0, nextId: 1 };
/** Requests waiting for their `result`: id → callback(ok, error). */
const pending = new Map();

function setConnection(status, text) {
  const badge = $('#conn');
  badge.dataset.state = status;
  badge.textContent = text;
}

function connect() {
  clearTimeout(connection.timer);
  connection.timer = 0;
  if (!token) {
    setConnection('refused', 'No token in the URL');
    log('error', 'sim', 'This page needs its ?token=…: open the address `miniapp dev` printed.');
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // measure=true: this page answers the app's layout queries (`query`).
  const ws = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}&measure=true`);
  connection.ws = ws;
  setConnection('connecting', 'Connecting…');
  ws.addEventListener('open', () => {
    connection.attempt = 0;
    setConnection('open', 'Connected');
    flushQueue();
  });
  ws.addEventListener('message', (event) => receive(event.data));
  ws.addEventListener('close', (event) => closed(ws, event));
}

function closed(ws, event) {
  if (connection.ws !== ws) return;
  connection.ws = null;
  outbox.length = 0;
  for (const callback of pending.values()) callback(false, 'disconnected');
  pending.clear();
  if (event.code === 1008) {
    // A policy close (too many or too large frames): say why, do not retry.
    const reason = event.reason || 'policy violation';
    setConnection('refused', `Closed: ${reason}`);
    log('error', 'host', `The host closed the connection: ${reason}`);
    return;
  }
  const delay = Math.min(10_000, 500 * 2 ** connection.attempt++);
  setConnection('closed', `Disconnected, retrying in ${Math.ceil(delay / 1000)} s`);
  connection.timer = setTimeout(connect, delay);
}

// Click the badge to reconnect now (also after a 1008 close: the user's call).
$('#conn').addEventListener('click', () => {
  if (!connection.ws) connect();
});

// The host allows 50 frames a second (bursts of 100) and closes past that, so
// frames go out through a slightly stricter token bucket; the rest wait in
// `outbox`, where repeated `input` events of one node are merged.
const bucket = { tokens: 80, last: performance.now(), rate: 40, burst: 80 };
const outbox = [];

function takeToken() {
  const now = performance.now();
  bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.last) / 1000) * bucket.rate);
  bucket.last = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

function flushQueue() {
  while (outbox.length && connection.ws?.readyState === WebSocket.OPEN && takeToken()) {
    connection.ws.send(outbox.shift());
  }
  if (outbox.length) setTimeout(flushQueue, 30);
}

/** Send a frame; false (and a log line) if it cannot go. */
function send(frame) {
  if (connection.ws?.readyState !== WebSocket.OPEN) {
    log('warn', 'sim', `Not connected: ${frame.type} not sent`);
    return false;
  }
  const text = JSON.stringify(frame);
  if (new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
    log('error', 'sim', `${frame.type} not sent: it is over 64 KiB`);
    return false;
  }
  if (!outbox.length && takeToken()) {
    connection.ws.send(text);
    return true;
  }
  if (frame.type === 'event' && frame.kind === 'input') {
    // Merge with a queued input of the same node: only the latest value matters.
    const at = outbox.findIndex((queued) => queued.includes('"kind":"input"') && JSON.parse(queued).node === frame.node);
    if (at >= 0) {
      pending.delete(JSON.parse(outbox[at]).id);
      outbox[at] = text;
      return true;
    }
  }
  if (outbox.length >= 500) {
    log('error', 'sim', `Too many frames waiting: ${frame.type} dropped`);
    return false;
  }
  outbox.push(text);
  if (outbox.length === 1) setTimeout(flushQueue, 30);
  return true;
}

/** A tap on tab `index` of app.json's tab bar: the host switches. */
function tapTab(index) {
  request({ type: 'tab', index }, (ok, error) => {
    if (!ok) log('error', 'sim', `The tab tap was refused: ${error?.message ?? error}`);
  });
}

/** Send a request with an `id`; `done(ok, error)` gets its `result`. */
function request(frame, done = () => {}) {
  const id = connection.nextId++;
  if (!send({ ...frame, id })) {
    done(false, 'not sent');
    return;
  }
  pending.set(id, done);
}

/** Show a request's outcome in a `.result` element. */
function showResult(selector, what) {
  const target = $(selector);
  target.dataset.ok = '';
  target.textContent = `${what}…`;
  return (ok, error) => {
    target.dataset.ok = String(ok);
    target.textContent = ok ? `${what}: done` : `${what}: ${error ?? 'failed'}`;
  };
}

// ------------------------------------------------------------ frames in

function receive(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    log('error', 'sim', 'A frame that is not JSON was ignored');
    return;
  }
  if (!frame || typeof frame !== 'object') return;
  frames.push(frame);
  if (frames.length > FRAMES_KEPT) frames.shift();
  const handle = handlers[frame.type];
  if (!handle) {
    log('warn', 'sim', `Unknown frame type ${JSON.stringify(frame.type)}`);
    return;
  }
  try {
    handle(frame);
  } catch (error) {
    console.error(error);
    log('error', 'sim', `${frame.type} frame: ${error.message}`);
  }
}

const handlers = {
  hello(frame) {
    if (frame.protocol !== 1) log('warn', 'sim', `The host speaks protocol ${frame.protocol}; this page speaks 1`);
    state.app = frame.app ?? null;
    const name = state.app ? `${state.app.name} ${state.app.version} (${state.app.id})` : '';
    $('#app-name').textContent = name;
    document.title = state.app ? `${state.app.name} · miniapp dev` : 'miniapp dev';
    if (frame.device && !state.deviceChosen) chooseDevice(frame.device);
    if (frame.network) $('#network-select').value = frame.network;
  },
  page: paintPage,
  'share-sheet': shareSheet,
  subpackage: (frame) => subpackageSent(frame, log),
  ops(frame) {
    if (view.stale) return; // a full page was asked for: these would not apply
    for (const op of Array.isArray(frame.ops) ? frame.ops : []) {
      const problem = applyOp(op);
      if (problem) {
        log('warn', 'sim', `Could not apply ${op?.op}: ${problem}; asking for the whole page`);
        view.stale = true;
        send({ type: 'refresh' });
        return;
      }
    }
    showViewError(frame.view_error);
  },
  data(frame) {
    $('#appdata-route').textContent = frame.route ?? '—';
    $('#appdata-json').textContent = JSON.stringify(frame.data ?? null, null, 2);
  },
  log(frame) {
    for (const record of frame.records ?? []) log(record.level, record.source, record.message);
  },
  storage: paintStorage,
  network: addNetworkEntry,
  audit: addAuditEntry,
  quota: paintQuota,
  prompt(frame) {
    // A page that reconnects (or refreshes) is sent waiting prompts again.
    if (!prompts.some((p) => p.id === frame.id)) prompts.push(frame);
    showPrompt();
  },
  'prompt-closed'(frame) {
    closePrompt(frame.id);
  },
  'host-ui'(frame) {
    drawHostUi(frame, screenElement);
  },
  query: measure,
  result(frame) {
    const done = pending.get(frame.id);
    pending.delete(frame.id);
    done?.(frame.ok === true, frame.error ?? null);
  },
  build(frame) {
    const banner = $('#build-status');
    banner.dataset.status = frame.status;
    if (frame.status === 'ok') {
      banner.hidden = true;
      log('info', 'build', frame.message || 'rebuilt');
      return;
    }
    const failed = frame.last_good === false
      ? 'Build failed: the app launches when a save builds'
      : 'Build failed: the last good version runs on';
    $('#build-title').textContent = frame.status === 'building' ? 'Building…' : failed;
    $('#build-message').textContent = frame.status === 'failed' ? (frame.message ?? '') : '';
    banner.hidden = false;
  },
  error(frame) {
    log('error', 'host', frame.message);
  },
  stopped(frame) {
    const message = typeof frame.message === 'string' ? frame.message : 'The app is not running.';
    const detail = typeof frame.detail === 'string' ? frame.detail : '';
    // Said once in the log, however often the host repeats it.
    if (!stoppedShown || stoppedShown.message !== message || stoppedShown.detail !== detail) {
      log('error', 'host', detail ? `${message} (${detail})` : message);
    }
    showStopped({ message, detail });
  },
};

// ------------------------------------------------------------ the device

const deviceElement = $('#device');
const screenElement = $('#screen');

function fillDeviceSelect() {
  const select = $('#device-select');
  select.replaceChildren(...DEVICES.map((d) =>
    h('option', { value: d.name, text: `${d.label} (${d.width}×${d.height})` })));
  select.value = state.device.name;
  select.addEventListener('change', () => {
    state.deviceChosen = true;
    chooseDevice(DEVICES.find((d) => d.name === select.value));
  });
  $('#zoom-select').addEventListener('change', (event) => {
    state.zoom = event.target.value === 'fit' ? 'fit' : Number(event.target.value);
    layoutDevice();
  });
  window.addEventListener('resize', () => state.zoom === 'fit' && layoutDevice());
  // The network switch: the app is told (onNetworkStatusChange); offline,
  // its requests and sockets fail.
  $('#network-select').addEventListener('change', (event) => {
    const network = event.target.value;
    request({ type: 'set-network', network }, (ok, error) =>
      log(ok ? 'info' : 'error', 'sim', ok ? `The device is on ${network}` : `Network not switched: ${error}`));
  });
}

/** Use `device` (a preset, or the hello frame's {name, width, height}). */
function chooseDevice(device) {
  if (!device) return;
  let preset = DEVICES.find((d) => d.name === device.name);
  if (!preset && device.width > 0 && device.height > 0) {
    preset = { name: device.name, label: device.name, width: device.width, height: device.height, status: 24 };
    DEVICES.push(preset);
    $('#device-select').append(h('option', { value: preset.name, text: `${preset.label} (${preset.width}×${preset.height})` }));
  }
  if (!preset) return;
  state.device = preset;
  $('#device-select').value = preset.name;
  layoutDevice();
}

// rpx and viewport units. The host writes rpx as vw (750rpx = 100vw), but the
// app is drawn inside this page, where the browser's vw is the simulator
// window's width. So every viewport unit of the app's CSS (its stylesheet and
// its style attributes) is rewritten to `calc(N * var(--sim-vw))`, and the
// shadow host sets --sim-vw to 1% of the device's CSS width (and --sim-vh to
// 1% of the window under the navigation bar, as a mini-program's vh is):
// 750rpx is then exactly the device width, whatever the zoom (a transform of
// the whole device). Limit: viewport units inside @media conditions cannot
// take var() and stop matching.
function layoutDevice() {
  const { width, height, status } = state.device;
  const windowHeight = height - status - NAV_BAR;
  deviceElement.style.width = `${width}px`;
  deviceElement.style.height = `${height}px`;
  $('#statusbar').style.height = `${status}px`;
  screenElement.style.setProperty('--sim-vw', `${width / 100}px`);
  screenElement.style.setProperty('--sim-vh', `${windowHeight / 100}px`);
  screenElement.style.setProperty('--sim-vmin', `${Math.min(width, windowHeight) / 100}px`);
  screenElement.style.setProperty('--sim-vmax', `${Math.max(width, windowHeight) / 100}px`);
  let zoom = state.zoom;
  if (zoom === 'fit') {
    const stage = $('.stage'); // positioned: the wrap's offsetTop is within it
    const room = stage.clientHeight - $('#device-wrap').offsetTop - 40;
    zoom = Math.max(0.25, Math.min(1, room / (height + 2 * BEZEL), (stage.clientWidth - 40) / (width + 2 * BEZEL)));
  }
  deviceElement.style.transform = zoom === 1 ? '' : `scale(${zoom})`;
  const wrap = $('#device-wrap');
  wrap.style.width = `${(width + 2 * BEZEL) * zoom}px`;
  wrap.style.height = `${(height + 2 * BEZEL) * zoom}px`;
  view.zoom = zoom;
  $('#device-size').textContent = `${width} × ${height} CSS px · window ${width} × ${windowHeight} · ${Math.round(zoom * 100)}%`;
}

const VIEWPORT_UNIT = /(^|[^\w.\\#-])([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)[sld]?(vw|vh|vi|vb|vmin|vmax)(?![\w-])/gi;
const UNIT_VARIABLE = { vw: '--sim-vw', vi: '--sim-vw', vh: '--sim-vh', vb: '--sim-vh', vmin: '--sim-vmin', vmax: '--sim-vmax' };
/** Strings and url() tokens, kept apart so their contents are never rewritten. */
const CSS_OPAQUE = /("(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\burl\(\s*(?:"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|[^)"'\s]*)\s*\))/gi;

function rewriteUnits(css) {
  return css.replace(VIEWPORT_UNIT, (_, before, number, unit) =>
    `${before}calc(${number} * var(${UNIT_VARIABLE[unit.toLowerCase()]}))`);
}

/** The app's stylesheet as this page draws it: units rewritten, package urls under /assets/. */
function rewriteStylesheet(css) {
  return css.split(CSS_OPAQUE).map((part, i) => {
    if (i % 2 === 0) return rewriteUnits(part);
    return /^url\(/i.test(part) ? rewriteUrl(part) : part;
  }).join('');
}

function rewriteUrl(token) {
  const inner = token.slice(4, -1).trim();
  const quoted = /^["']/.test(inner);
  const raw = quoted
    ? inner.slice(1, -1).replace(/\\([0-9a-f]{1,6}\s?|[\s\S])/gi, (_, e) =>
      (/^[0-9a-f]/i.test(e) ? String.fromCodePoint(parseInt(e, 16) || 0xfffd) : e))
    : inner;
  const url = resourceUrl(raw);
  return url === null ? 'none' : `url("${url.replace(/["\\\n]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}")`;
}

/**
 * A URL the app may load (an `img` src, a stylesheet url()), or null. The
 * host sends package paths as the app wrote them (`images/a.png`,
 * `/images/a.png`); the package is served at /assets/PATH. A value already
 * under /assets/ is kept. Remote images never load from this page: the host
 * fetches them, with the app's egress checks, at /remote?url=URL (CSP
 * img-src is 'self'). A temp file (`wxfile://tmp/` and 32 hex digits) is
 * read from the instance's temp area at /temp?path=PATH.
 */
function resourceUrl(value) {
  const text = String(value).trim();
  if (text.startsWith('/remote?url=') && !/[\s"'\\]/.test(text)) return text;
  // A temp file of the app (a download's, a chooser's): the host reads it
  // from the instance's own temp area.
  if (/^wxfile:\/\/tmp\/[0-9a-f]{32}$/.test(text)) return `/temp?path=${encodeURIComponent(text)}`;
  if (/^\/temp\?path=wxfile%3A%2F%2Ftmp%2F[0-9a-f]{32}$/.test(text)) return text;
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      return url.username || url.password ? null : `/remote?url=${encodeURIComponent(url.href)}`;
    } catch {
      return null;
    }
  }
  const path = text.split(/[?#]/)[0];
  if (!path || path.includes(':') || path.startsWith('//') || /[\\\u0000-\u001f]/.test(path)) return null;
  const parts = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (!parts.pop()) return null; // out of the package
  }
  if (!parts.length) return null;
  if (path.startsWith('/assets/') && parts[0] === 'assets' && parts.length > 1) return `/${parts.join('/')}`;
  return `/assets/${parts.map(encodeURIComponent).join('/')}`;
}

// ------------------------------------------------------------ the view

// The host's default look of components, adopted into the shadow root before
// the app's stylesheet (which overrides it). Plain px: no viewport units.
const BASE_CSS = `
:host { all: initial; display: block; font-family: -apple-system, "PingFang SC", "Helvetica Neue", system-ui, sans-serif;
  font-size: 16px; line-height: 1.4; color: #000; background: #fff; -webkit-tap-highlight-color: transparent; }
[hidden] { display: none !important; }
[data-mp-page] { display: block; min-height: 100%; }
[data-mp="view"], [data-mp="form"], [data-mp="scroll-view"], [data-mp="swiper"], [data-mp="swiper-item"] { display: block; }
[data-mp="scroll-view"] { overflow: auto; }
[data-mp="text"] { display: inline; white-space: pre-wrap; }
[data-mp="button"] { display: block; position: relative; box-sizing: border-box; width: 100%; margin: 0 auto;
  padding: 0 14px; font: inherit; font-size: 18px; line-height: 2.5556; text-align: center; color: #000;
  background: #f8f8f8; border: 1px solid rgba(0, 0, 0, 0.18); border-radius: 5px; overflow: hidden; cursor: pointer; }
[data-mp="button"] + [data-mp="button"] { margin-top: 15px; }
[data-mp="button"]:active { background: #dedede; }
[data-mp="button"][disabled] { color: rgba(0, 0, 0, 0.3); cursor: default; }
[data-mp="button"][data-type="primary"] { color: #fff; background: #07c160; border-color: #07c160; }
[data-mp="button"][data-type="warn"] { color: #fff; background: #e64340; border-color: #e64340; }
[data-mp="button"][data-size="mini"] { display: inline-block; width: auto; padding: 0 1.32em; font-size: 13px; line-height: 2.3; }
[data-mp="input"], [data-mp="textarea"] { display: block; box-sizing: border-box; width: 100%; margin: 0; padding: 0;
  font: inherit; color: inherit; background: transparent; border: 0; border-bottom: 1px solid #e5e5e5; border-radius: 0; outline: none; }
[data-mp="input"] { height: 1.6em; }
[data-mp="textarea"] { width: 300px; max-width: 100%; height: 150px; resize: none; }
[data-mp="textarea"][data-auto-height] { height: auto; min-height: 1.6em; field-sizing: content; }
[data-mp="input"][data-password] { -webkit-text-security: disc; }
[data-mp="checkbox"], [data-mp="radio"] { appearance: none; position: relative; display: inline-block; box-sizing: border-box;
  width: 22px; height: 22px; margin: 0 5px 0 0; vertical-align: middle; background: #fff; border: 1px solid #d1d1d1; border-radius: 3px; }
[data-mp="radio"] { border-radius: 50%; }
[data-mp="checkbox"]:checked::before, [data-mp="radio"]:checked::before { content: ""; position: absolute; left: 6px; top: 2px;
  width: 6px; height: 11px; border: solid #07c160; border-width: 0 2.5px 2.5px 0; transform: rotate(45deg); }
[data-mp="radio"]:checked { background: #07c160; border-color: #07c160; }
[data-mp="radio"]:checked::before { border-color: #fff; }
[data-mp="switch"] { appearance: none; position: relative; display: inline-block; box-sizing: border-box; width: 52px; height: 32px;
  margin: 0; vertical-align: middle; background: #dfdfdf; border-radius: 16px; transition: background 0.2s; }
[data-mp="switch"]::before { content: ""; position: absolute; top: 2px; left: 2px; width: 28px; height: 28px; border-radius: 50%;
  background: #fff; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.4); transition: transform 0.2s; }
[data-mp="switch"]:checked { background: #07c160; }
[data-mp="switch"]:checked::before { transform: translateX(20px); }
[data-mp="slider"] { flex: 1; min-width: 0; margin: 0; accent-color: #1aad19; }
.mp-slider { display: flex; align-items: center; gap: 12px; margin: 18px; }
.mp-slider-value { min-width: 2em; color: #888; font-size: 14px; }
[data-mp="slider"]:not([data-show-value]) + .mp-slider-value { display: none; }
[data-mp="video"] { display: block; width: 300px; height: 225px; background: #000; object-fit: contain; }
[data-mp="video"][data-object-fit="fill"] { object-fit: fill; }
[data-mp="video"][data-object-fit="cover"] { object-fit: cover; }
/* WeChat's player buttons (on by default, off with "false"), as Chromium's controls name them. */
[data-mp="video"][data-show-play-btn="false"]::-webkit-media-controls-play-button { display: none; }
[data-mp="video"][data-show-center-play-btn="false"]::-webkit-media-controls-overlay-play-button { display: none; }
[data-mp="video"][data-show-progress="false"]::-webkit-media-controls-timeline { display: none; }
[data-mp="video"]:not([data-show-mute-btn])::-webkit-media-controls-mute-button { display: none; }
[data-mp="audio"] { display: block; }
[data-mp="progress"] { display: block; width: 100%; height: 6px; appearance: none; border: 0; background: #ebebeb; }
[data-mp="progress"]::-webkit-progress-bar { background: #ebebeb; }
[data-mp="progress"]::-webkit-progress-value { background: #07c160; }
[data-mp="progress"]::-moz-progress-bar { background: #07c160; }
[data-mp="navigator"] { display: block; color: #576b95; text-decoration: none; cursor: pointer; }
[data-mp="navigator"]:active { opacity: 0.6; }
[data-mp="image"] { display: inline-block; width: 320px; height: 240px; overflow: hidden; }
[data-mp="icon"] { display: inline-block; width: 23px; height: 23px; border-radius: 50%; background: #c9c9c9; vertical-align: middle; }
[data-mp="icon"][data-type="success"] { background: #07c160; }
[data-mp="label"] { cursor: pointer; }
`;

const view = {
  shadow: screenElement.attachShadow({ mode: 'open' }),
  root: h('div', { 'data-mp-page': true }),
  base: new CSSStyleSheet(),
  app: new CSSStyleSheet(),
  /** node id → its element (texts are spans, listed in `texts`). */
  nodes: new Map(),
  texts: new WeakSet(),
  /** Ops are ignored until the page asked for by a refresh arrives. */
  stale: false,
  zoom: 1,
};
view.base.replaceSync(BASE_CSS + WIDGETS_CSS);
view.shadow.adoptedStyleSheets = [view.base, view.app];
view.shadow.append(view.root);

const warnedAttributes = new Set();

/**
 * The app's createSelectorQuery, answered: where each node the host names
 * is, in the device's CSS pixels (the zoom taken out) relative to the page's
 * viewport (#screen, under the navigation bar, as WeChat's
 * boundingClientRect), and how far its own content is scrolled; null for a
 * node this page does not show. Rounded to hundredths, so 1,024 nodes fit a
 * frame.
 */
function measure(frame) {
  const viewport = screenElement.getBoundingClientRect();
  const px = (n) => Math.round(n * 100) / 100;
  const ids = Array.isArray(frame.nodes) ? frame.nodes : [];
  const nodes = ids.map((id) => {
    const element = view.nodes.get(id);
    if (!element?.isConnected) return null;
    const box = element.getBoundingClientRect();
    const at = (n) => px(n / view.zoom);
    return [at(box.left - viewport.left), at(box.top - viewport.top), at(box.width), at(box.height),
      px(element.scrollLeft), px(element.scrollTop)];
  });
  send({ type: 'measured', query: frame.id, nodes });
}

function paintPage(frame) {
  view.stale = false;
  view.nodes.clear();
  view.root.replaceChildren();
  try {
    view.app.replaceSync(rewriteStylesheet(typeof frame.style === 'string' ? frame.style : ''));
  } catch (error) {
    log('warn', 'sim', `The page's stylesheet was not applied: ${error.message}`);
  }
  for (const node of Array.isArray(frame.nodes) ? frame.nodes : []) {
    try {
      view.root.append(build(node));
    } catch (error) {
      log('error', 'sim', `A node was not drawn: ${error.message}`);
    }
  }
  const stack = Array.isArray(frame.stack) ? frame.stack : [];
  const samePage = frame.route === state.route && stack.length === state.stack.length;
  state.stack = stack;
  state.route = frame.route ?? null;
  if (!samePage) {
    screenElement.scrollTop = 0;
    pageChanged();
  }
  // The title the app set wins, then the page's window's, then the app's name.
  const windowTitle = frame.window?.navigationBarTitleText;
  paintChrome(appTitle() ?? (typeof windowTitle === 'string' ? windowTitle : null) ?? (typeof frame.title === 'string' ? frame.title : ''));
  paintWindow(frame.window);
  pageEventsShown(frame.window, !samePage);
  paintTabBar(frame.tab_bar ?? null, tapTab);
  showViewError(frame.view_error);
  // Not running: why (a `stopped` frame follows with the reason), and a
  // way to start it again; running again: the page.
  if (state.route === null) showStopped(stoppedShown ?? { message: 'The app is not running.', detail: '' });
  else showStopped(null);
  markReady();
}

/** What the `#stopped` overlay shows (null: hidden). */
let stoppedShown = null;

/** Show why the app is not running over the page, with a Relaunch button (null: hide it). */
function showStopped(why) {
  stoppedShown = why;
  $('#stopped').hidden = !why;
  $('#stopped-message').textContent = why?.message ?? '';
  $('#stopped-detail').textContent = why?.detail ?? '';
  if (!why) $('#stopped-result').textContent = '';
}

/** The host's navigation bar and the page-stack breadcrumb. */
function paintChrome(title) {
  $('#nav-title').textContent = title;
  $('#nav-back').hidden = state.stack.length <= 1;
  const crumbs = state.stack.map((page, i) => {
    const query = (page.query ?? []).map(([k, v]) => `${k}=${v}`).join('&');
    return h('span', { class: 'crumb', 'aria-current': i === state.stack.length - 1 ? 'page' : null,
      text: query ? `${page.route}?${query}` : page.route });
  });
  $('#breadcrumb').replaceChildren(...crumbs.flatMap((c, i) => (i ? [h('span', { class: 'sep', text: '›' }), c] : [c])));
}

function showViewError(message) {
  const box = $('#view-error');
  box.hidden = !message;
  box.textContent = message ? String(message) : '';
}

/** Build node `d` (protocol.md "A node D") and its subtree, registering ids. */
function build(d) {
  if (!d || typeof d !== 'object' || !Number.isInteger(d.id)) throw new Error('a malformed node');
  if (view.nodes.has(d.id)) throw new Error(`node ${d.id} appears twice`);
  let element;
  if (typeof d.text === 'string' && d.tag === undefined) {
    element = document.createElement('span');
    element.textContent = d.text;
    view.texts.add(element);
  } else if (TAGS.has(d.tag)) {
    element = document.createElement(d.tag);
    if (d.tag === 'button') element.type = 'button';
    for (const pair of Array.isArray(d.attrs) ? d.attrs : []) {
      if (Array.isArray(pair)) setAttribute(element, pair[0], pair[1]);
    }
    // A slider without a value starts at its min, as WeChat's (a browser's range starts midway).
    if (element.type === 'range' && !element.hasAttribute('value')) element.value = element.min || '0';
    if (element.type === 'range') sliderBox(element);
    for (const child of Array.isArray(d.children) ? d.children : []) element.append(build(child));
    // A swiper, picker-view or movable-view works as on a phone (widgets.js).
    mountWidget(element, WIDGET_HOST);
    // A root-portal is drawn at the page's root (root-portal.js).
    mountRootPortal(element);
  } else {
    // Not an allowed tag: an empty hidden placeholder keeps the ids and the
    // child indices of later ops right.
    log('warn', 'sim', `A <${String(d.tag)}> element was dropped (not an allowed tag)`);
    element = h('span', { hidden: true, 'data-mp': 'dropped' });
  }
  element.setAttribute('data-nid', String(d.id));
  view.nodes.set(d.id, element);
  return boxOf(element);
}

/** What widgets.js needs of this page. */
const WIDGET_HOST = {
  send: (node, kind, detail, after) => sendEvent(node, kind, detail, after),
  nodeOf: (element) => nodeOf(element),
  zoom: () => view.zoom,
  units: (css) => rewriteUnits(css),
};

/** What stands in the page for `element`: a widget's or a slider's box, else itself. */
const boxOf = (element) => element.__box ?? element;

/** A slider (input type=range) in a box beside its value, which shows with
 * data-show-value (WeChat's show-value) and follows the thumb while dragged.
 * The box has no node id: ops name the input, and move or remove its box. */
function sliderBox(input) {
  const shown = h('span', { class: 'mp-slider-value' });
  input.__box = h('span', { class: 'mp-slider' });
  input.__box.append(input, shown);
  input.__shown = shown;
  shown.textContent = input.value;
}

/** A scroll-view's attributes that move its content (view/src/builtins/table.rs). */
const SCROLL_ATTRIBUTES = new Set(['data-scroll-top', 'data-scroll-left', 'data-scroll-into-view', 'data-scroll-with-animation']);

/** `100`, `100px` or `200rpx` as CSS pixels of the device; null for anything else. */
function scrollOffset(value) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(px|rpx)?\s*$/.exec(value ?? '');
  if (!match) return null;
  return match[2] === 'rpx' ? (Number(match[1]) * state.device.width) / 750 : Number(match[1]);
}

/** Scroll a scroll-view as WeChat does once it is drawn: to the child whose
 * id its scroll-into-view names (first), else to scroll-top/scroll-left;
 * smoothly with scroll-with-animation. */
function scrollScrollView(element) {
  requestAnimationFrame(() => {
    if (!element.isConnected || element.dataset.mp !== 'scroll-view') return;
    const behavior = element.hasAttribute('data-scroll-with-animation') ? 'smooth' : 'auto';
    const into = element.getAttribute('data-scroll-into-view');
    const child = into ? [...element.querySelectorAll('[id]')].find((e) => e.id === into) : null;
    if (child) {
      // In the device's pixels, whatever the zoom.
      const box = element.getBoundingClientRect();
      const zoom = element.offsetHeight ? box.height / element.offsetHeight : 1;
      const at = child.getBoundingClientRect();
      const top = element.scrollTop + (at.top - box.top) / zoom;
      const left = element.scrollLeft + (at.left - box.left) / zoom;
      element.scrollTo({ top, left, behavior });
      return;
    }
    const top = scrollOffset(element.getAttribute('data-scroll-top'));
    const left = scrollOffset(element.getAttribute('data-scroll-left'));
    if (top !== null || left !== null) {
      element.scrollTo({ ...(top !== null && { top }), ...(left !== null && { left }), behavior });
    }
  });
}

/** An input's or textarea's focus (or auto-focus): focused once drawn, as
 * WeChat raises the keyboard for it; focus taken away blurs it. */
function focusField(element, on) {
  requestAnimationFrame(() => {
    if (!element.isConnected) return;
    if (on) element.focus();
    else if (element.getRootNode().activeElement === element) element.blur();
  });
}

/** Set (or with null, remove) an attribute if the allowlist lets it through. */
function setAttribute(element, rawName, rawValue) {
  const name = String(rawName).toLowerCase();
  if (name === 'data-nid') return; // ours, from the node's id
  if (!ATTRIBUTES.has(name) && !DATA_ATTRIBUTE.test(name)) {
    if (!warnedAttributes.has(name)) log('warn', 'sim', `Attribute ${JSON.stringify(name)} dropped (not allowed)`);
    warnedAttributes.add(name);
    return;
  }
  let value = rawValue === null || rawValue === undefined ? null : String(rawValue);
  if (value !== null && (name === 'src' || name === 'poster')) value = resourceUrl(value);
  else if (value !== null && name === 'style') value = rewriteUnits(value);
  else if (value !== null && name === 'type') {
    const ok = element.localName === 'input' ? INPUT_TYPES.has(value) : value === 'button' && element.localName === 'button';
    if (!ok) value = null;
  }
  if (value === null) element.removeAttribute(name);
  else element.setAttribute(name, value);
  if (name === 'data-animation') playAnimation(element, value, rewriteUnits);
  else if (name === 'style') keepAnimation(element);
  else if (SCROLL_ATTRIBUTES.has(name)) scrollScrollView(element);
  else if (name === 'data-focus' || name === 'data-auto-focus') focusField(element, value !== null);
  // The attribute is only the default: a field the user touched shows its property.
  if (name === 'value' && (element.localName === 'input' || element.localName === 'textarea')) {
    // A value this field sent in an input event coming back (a model:
    // binding's echo) while the user typed on does not undo the typing;
    // a value the app chose is shown.
    const sent = element.__sent ?? [];
    const echo = value !== null && sent.lastIndexOf(value);
    if (echo !== false && echo >= 0) element.__sent = sent.slice(echo + 1);
    else {
      element.__sent = [];
      if (element.value !== (value ?? '')) element.value = value ?? '';
    }
    if (element.__shown) element.__shown.textContent = element.value;
  } else if (name === 'checked' && element.localName === 'input') {
    element.checked = value !== null;
  }
}

/** The element a parent id names (null: the page's top level). */
function parentElement(parent) {
  if (parent === null || parent === undefined) return view.root;
  const element = view.nodes.get(parent);
  return element && !view.texts.has(element) ? element : null;
}

function insertAt(parent, index, child) {
  if (!Number.isInteger(index) || index < 0 || index > parent.children.length) return `index ${index} is out of range`;
  parent.insertBefore(child, parent.children[index] ?? null);
  return null;
}

/** Forget `element` and the ids in its subtree. */
function unregister(element) {
  for (const e of [element, ...element.querySelectorAll('[data-nid]')]) {
    const id = Number(e.getAttribute('data-nid'));
    if (view.nodes.get(id) === e) view.nodes.delete(id);
  }
}

/** Apply one op; a string says why it could not be. */
function applyOp(op) {
  if (!op || typeof op !== 'object') return 'a malformed op';
  const target = op.op === 'insert' ? null : view.nodes.get(op.id);
  if (op.op !== 'insert' && !target) return `no node ${op.id}`;
  switch (op.op) {
    case 'insert': {
      const parent = parentElement(op.parent);
      if (!parent) return `no parent ${op.parent}`;
      if (op.node && view.nodes.has(op.node.id)) return `node ${op.node.id} exists already`;
      let child;
      try {
        child = build(op.node);
      } catch (error) {
        return error.message;
      }
      const problem = insertAt(parent, op.index, child);
      if (problem) unregister(child);
      return problem;
    }
    case 'remove':
      unregister(target);
      boxOf(target).remove();
      return null;
    case 'move': {
      // As the host applies it: taken out first, then inserted at `index`.
      const parent = parentElement(op.parent);
      if (!parent) return `no parent ${op.parent}`;
      if (target.contains(parent)) return `node ${op.id} cannot move into itself`;
      boxOf(target).remove();
      return insertAt(parent, op.index, boxOf(target));
    }
    case 'set-text':
      if (!view.texts.has(target)) return `node ${op.id} is not a text`;
      target.textContent = String(op.text ?? '');
      return null;
    case 'set-attr':
      if (view.texts.has(target)) return `node ${op.id} is a text`;
      setAttribute(target, op.name, op.value);
      return null;
    default:
      return `unknown op ${JSON.stringify(op.op)}`;
  }
}

// ------------------------------------------------------------ user events

/** The node id of the nearest element carrying one (a text span is its own). */
function nodeOf(target) {
  const element = target instanceof Element ? target.closest('[data-nid]') : null;
  if (!element) return null;
  const id = Number(element.getAttribute('data-nid'));
  return view.nodes.get(id) === element ? id : null;
}

/** Where a pointer event is on the page, in device CSS pixels. */
function pagePoint(event) {
  const box = view.root.getBoundingClientRect();
  return { x: Math.round((event.clientX - box.left) / view.zoom), y: Math.round((event.clientY - box.top) / view.zoom) };
}

/** The built-ins whose events are sent unprompted (view/src/html.rs's
 * UNPROMPTED_EVENTS): sent only when the element's `data-bound` lists them. */
const UNPROMPTED = new Set(['swiper', 'picker-view', 'movable-view', 'slider', 'switch', 'video', 'audio']);

function sendEvent(node, kind, detail, after) {
  const element = view.nodes.get(node);
  if (element && UNPROMPTED.has(element.dataset.mp) && !(element.dataset.bound ?? '').split(' ').includes(kind)) {
    // Nothing binds it: not sent (the host would refuse it), as WeChat
    // calls no handler.
    after?.(false);
    return;
  }
  request({ type: 'event', node, kind, detail }, (ok, error) => {
    // Taps on nodes nothing binds are refused: a quiet line, not an alarm.
    if (!ok) log('refused', 'host', `${kind} on node ${node}: ${error ?? 'refused'}`);
    after?.(ok);
  });
}

const isTextField = (e) => e.localName === 'textarea' || (e.localName === 'input' && !['checkbox', 'radio', 'range'].includes(e.type));

// A long press: the pointer held LONG_PRESS_MS without moving away. As on
// WeChat, the tap that ends it is not sent if the longpress was taken; the
// page only knows that from the host's answer, so the tap waits for it.
const press = { timer: 0, x: 0, y: 0, longpress: null };

function cancelPress() {
  clearTimeout(press.timer);
  press.timer = 0;
  hoverEnd();
}

view.shadow.addEventListener('pointerdown', (event) => {
  cancelPress();
  press.longpress = null;
  const node = nodeOf(event.target);
  if (event.button !== 0 || node === null) return;
  hoverStart(event.target, view.root);
  press.x = event.clientX;
  press.y = event.clientY;
  const detail = pagePoint(event);
  press.timer = setTimeout(() => {
    press.timer = 0;
    const longpress = { answer: null, tap: null };
    press.longpress = longpress;
    sendEvent(node, 'longpress', detail, (ok) => {
      longpress.answer = ok;
      if (!ok && longpress.tap) sendEvent(longpress.tap.node, 'tap', longpress.tap.detail);
    });
  }, LONG_PRESS_MS);
});
view.shadow.addEventListener('pointermove', (event) => {
  if (press.timer && Math.hypot(event.clientX - press.x, event.clientY - press.y) > 10) cancelPress();
});
view.shadow.addEventListener('pointerup', cancelPress);
view.shadow.addEventListener('pointercancel', cancelPress);
// No context menu at the end of a long press (a right click still has one).
view.shadow.addEventListener('contextmenu', (event) => press.longpress && event.preventDefault());

view.shadow.addEventListener('click', (event) => {
  if (event.target instanceof Element && event.target.closest('a')) event.preventDefault();
  const node = nodeOf(event.target);
  if (node === null) return;
  const detail = pagePoint(event);
  const longpress = press.longpress;
  press.longpress = null;
  if (longpress && longpress.answer === null) longpress.tap = { node, detail };
  else if (!longpress || longpress.answer === false) sendEvent(node, 'tap', detail);
});

view.shadow.addEventListener('input', (event) => {
  const node = nodeOf(event.target);
  if (node === null || !isTextField(event.target)) return;
  const field = event.target;
  // What it sent, until each comes back (see setAttribute's `value`).
  field.__sent = [...(field.__sent ?? []), field.value].slice(-64);
  sendEvent(node, 'input', { value: field.value });
});

view.shadow.addEventListener('keydown', (event) => {
  const field = event.target;
  if (event.key !== 'Enter' || event.isComposing || field.localName !== 'input' || !isTextField(field)) return;
  const node = nodeOf(field);
  if (node !== null) sendEvent(node, 'confirm', { value: field.value });
});

// A video's or audio's events, with WeChat's details (media.js).
watchMedia(view.shadow, sendEvent, nodeOf);
// match-media: its children only while the window matches (match-media.js).
watchMatchMedia(view.shadow, screenElement);
// A scroll-view's drags and pull-to-refresh (scroll-refresher.js).
watchScrollViews(view.shadow, sendEvent, nodeOf, () => view.zoom);
// A page-container's panel and overlay (page-container.js).
watchPageContainers(view.shadow, sendEvent, nodeOf, (css) => rewriteUnits(css));
watchRootPortals(view.shadow, view.root);
watchPageEvents(screenElement, request, log);

// The picker's sheet, drawn by the host over the page (picker.js).
watchPickers(view.shadow, sendEvent, nodeOf);

// A slider (input type=range): `changing` while dragged, `change` on release.
view.shadow.addEventListener('input', (event) => {
  const node = event.target.type === 'range' ? nodeOf(event.target) : null;
  if (node === null) return;
  if (event.target.__shown) event.target.__shown.textContent = event.target.value;
  sendEvent(node, 'changing', { value: Number(event.target.value) });
});

view.shadow.addEventListener('change', (event) => {
  const field = event.target;
  if (field.localName === 'input' && field.type === 'range') {
    const node = nodeOf(field);
    if (node !== null) sendEvent(node, 'change', { value: Number(field.value) });
    return;
  }
  if (field.localName !== 'input' || !['checkbox', 'radio'].includes(field.type)) return;
  const node = nodeOf(field);
  if (node !== null) sendEvent(node, 'change', { value: field.checked });
});

$('#nav-back').addEventListener('click', () => request({ type: 'back' }, (ok, error) => {
  if (!ok) log('warn', 'host', `back: ${error}`);
}));

// ------------------------------------------------------------ prompts

/** Prompts waiting for the user, oldest first; the first one is shown. */
const prompts = [];

function formatAmount(amount, currency) {
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    return format.format(Number(amount) / 10 ** format.resolvedOptions().maximumFractionDigits);
  } catch {
    return `${amount} (smallest unit of ${currency})`;
  }
}

function showPrompt() {
  const box = $('#prompt');
  const prompt = prompts[0];
  if (!prompt) {
    box.hidden = true;
    box.removeAttribute('data-kind');
    $('#viewport').inert = false;
    return;
  }
  const app = state.app?.name ?? prompt.app ?? 'The app';
  let title = `${app} asks for “${prompt.kind}”`;
  let body = [];
  let drawn = null; // a modal's or an action sheet's own buttons
  if (prompt.kind === 'consent') {
    title = `${app} asks for permission`;
    body = [h('p', { class: 'scope', text: String(prompt.scope ?? '') }), h('p', { text: String(prompt.reason ?? '') })];
  } else if (prompt.kind === 'payment') {
    const order = prompt.order ?? {};
    title = `Pay ${app}`;
    body = [h('p', { class: 'amount', text: formatAmount(order.amount, order.currency) }),
      h('p', { text: String(order.description ?? '') }),
      h('p', { class: 'muted', text: `Order ${order.order_id ?? ''}` })];
  } else if (prompt.kind === 'login') {
    title = `Log in to ${app}`;
    body = [h('p', { text: `${app} wants to log you in with your account.` })];
  } else if (prompt.kind === 'location') {
    title = `${app} wants your location`;
    body = [h('p', { text: 'Allow it to know where you are?' })];
  } else if (DIALOGS.includes(prompt.kind)) {
    drawn = dialog(prompt, (index) => answerPrompt(true, index));
    ({ title, body } = drawn);
  }
  const fresh = box.dataset.id !== String(prompt.id) || box.hidden;
  box.dataset.kind = String(prompt.kind);
  box.dataset.id = String(prompt.id);
  $('#prompt-title').textContent = title;
  // The app's own dialogs (its title is the app's text) say whose they are:
  // no app can draw one that passes for the host's.
  $('#prompt-app').textContent = app;
  $('#prompt-app').hidden = drawn === null;
  // Drawn again only for another prompt: what the user typed stays.
  if (fresh) $('#prompt-body').replaceChildren(...body);
  const [allow, deny] = [$('#prompt-allow'), $('#prompt-deny')];
  allow.textContent = drawn?.allow?.text ?? (prompt.kind === 'payment' ? 'Pay' : 'Allow');
  deny.textContent = drawn?.deny?.text ?? (prompt.kind === 'payment' ? 'Cancel' : 'Deny');
  allow.hidden = drawn !== null && !drawn.allow;
  deny.hidden = drawn !== null && !drawn.deny;
  allow.style.color = drawn?.allow?.color ?? '';
  deny.style.color = drawn?.deny?.color ?? '';
  box.hidden = false;
  $('#viewport').inert = true; // the app under the sheet takes no input
  if (fresh) armPrompt();
}

// A sheet that appears under the user's finger must not take the tap meant
// for the app (an app can put its own button where Allow will be, and ask
// for a double tap): its buttons work only PROMPT_ARM_MS after it appears.
const PROMPT_ARM_MS = 500;
let promptArming = null;
function armPrompt() {
  const buttons = [...document.querySelectorAll('#prompt button')];
  for (const button of buttons) button.disabled = true;
  clearTimeout(promptArming);
  promptArming = setTimeout(() => {
    for (const button of buttons) button.disabled = false;
    $('#prompt-deny').focus();
  }, PROMPT_ARM_MS);
}

function closePrompt(id) {
  const at = prompts.findIndex((p) => p.id === id);
  if (at >= 0) prompts.splice(at, 1);
  showPrompt();
}

/** Answer the prompt shown; `chosen` is an action sheet's item. */
function answerPrompt(allow, chosen) {
  const prompt = prompts[0];
  if (!prompt) return;
  const value = chosen ?? (allow ? dialogValue(prompt) : undefined);
  send({ type: 'answer', prompt: prompt.id, allow, ...(value === undefined ? {} : { value }) });
  // Closed now (prompt-closed follows): a prompt of a host that went away never sticks.
  closePrompt(prompt.id);
}

$('#prompt-allow').addEventListener('click', () => answerPrompt(true));
$('#prompt-deny').addEventListener('click', () => answerPrompt(false));
$('#prompt').addEventListener('keydown', (event) => event.key === 'Escape' && answerPrompt(false));

// ------------------------------------------------------------ panels

// The panels' tabs only: the phone's tab bar (tab-bar.js) has tabs too.
const PANEL_TABS = '[role="tab"][data-panel]';

function selectTab(tab) {
  for (const other of document.querySelectorAll(PANEL_TABS)) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    $(`#${other.dataset.panel}`).hidden = !selected;
  }
  tab.removeAttribute('data-unread');
}
for (const tab of document.querySelectorAll(PANEL_TABS)) tab.addEventListener('click', () => selectTab(tab));
selectTab($('#tab-appdata'));

/** Mark a tab that got news while another was shown. */
function markUnread(tabId, level = 'info') {
  const tab = $(tabId);
  if (tab.getAttribute('aria-selected') === 'true') return;
  if (tab.dataset.unread !== 'error') tab.dataset.unread = level === 'error' ? 'error' : 'info';
}

const time = (ms = Date.now()) => new Date(ms).toLocaleTimeString([], { hour12: false });
const bytes = (n) => (typeof n !== 'number' ? '—' : n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

/** Append a line to a capped list, keeping it scrolled to the end if it was. */
function appendCapped(list, item, panel) {
  const atEnd = panel.scrollHeight - panel.scrollTop - panel.clientHeight < 24;
  list.append(item);
  while (list.children.length > LOG_CAP) list.firstElementChild.remove();
  if (atEnd) panel.scrollTop = panel.scrollHeight;
}

function log(level, source, message) {
  const line = h('li', { 'data-level': String(level ?? 'info') },
    h('span', { class: 'time', text: time() }),
    h('span', { class: 'level', text: String(level ?? 'info') }),
    h('span', { class: 'source', text: String(source ?? '') }),
    h('span', { class: 'message', text: String(message ?? '') }));
  appendCapped($('#log-list'), line, $('#panel-log'));
  $('#log-count').textContent = `${$('#log-list').children.length} lines`;
  if (level !== 'refused') markUnread('#tab-log', level);
}
$('#log-clear').addEventListener('click', () => {
  $('#log-list').replaceChildren();
  $('#log-count').textContent = '0 lines';
});

// AppData: the top page's data, and a patch of data paths to apply.
$('#appdata-apply').addEventListener('click', () => {
  const result = $('#appdata-result');
  let patch;
  try {
    patch = JSON.parse($('#appdata-patch').value);
  } catch (error) {
    result.dataset.ok = 'false';
    result.textContent = `Not JSON: ${error.message}`;
    return;
  }
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
    result.dataset.ok = 'false';
    result.textContent = 'Write a JSON object of data paths to values, e.g. {"count": 3}';
    return;
  }
  request({ type: 'set-data', patch }, showResult('#appdata-result', 'set-data'));
});

// Storage: rows keyed by `data-key`, updated in place so an edit in progress survives.
function paintStorage(frame) {
  const of = (used, max, format) => (max === null || max === undefined ? format(used) : `${format(used)} / ${format(max)}`);
  $('#storage-usage').textContent = `${of(frame.used, frame.limit, bytes)} · ${of(frame.keys, frame.keys_limit, String)} keys`;
  const body = $('#storage-rows');
  const rows = new Map([...body.children].map((row) => [row.dataset.key, row]));
  for (const entry of frame.entries ?? []) {
    const key = String(entry.key);
    const row = rows.get(key) ?? storageRow(key);
    rows.delete(key);
    const field = row.querySelector('input');
    const shown = entry.binary ? String(entry.value) : String(entry.value ?? '');
    if (field.dataset.dirty !== 'true') field.value = shown;
    // A binary value (shown as base64) or one cut for display would be
    // corrupted by saving what is shown: neither is editable here.
    const readOnly = entry.binary === true || entry.truncated === true;
    field.disabled = readOnly;
    row.querySelector('.save').disabled = readOnly;
    field.title = entry.binary
      ? 'Binary value (base64): not editable here'
      : entry.truncated ? 'Value over 4 KiB, shown cut: not editable here' : '';
    row.querySelector('.bytes').textContent = bytes(entry.bytes);
    body.append(row); // appended in the host's order
  }
  for (const gone of rows.values()) gone.remove();
}

function storageRow(key) {
  const field = h('input', { 'aria-label': `Value of ${key}`, autocomplete: 'off' });
  field.addEventListener('input', () => { field.dataset.dirty = 'true'; });
  const save = h('button', { type: 'button', class: 'save', text: 'Save' });
  const remove = h('button', { type: 'button', class: 'delete', text: 'Delete', title: `Delete ${key}` });
  save.addEventListener('click', () => {
    if (save.disabled) return;
    field.dataset.dirty = 'false';
    request({ type: 'storage-set', key, value: field.value }, showResult('#storage-result', `set ${key}`));
  });
  field.addEventListener('keydown', (event) => event.key === 'Enter' && save.click());
  remove.addEventListener('click', () =>
    request({ type: 'storage-remove', key }, showResult('#storage-result', `delete ${key}`)));
  return h('tr', { 'data-key': key },
    h('td', { class: 'key', text: key }), h('td', {}, field), h('td', { class: 'bytes' }), h('td', { class: 'actions' }, save, remove));
}

$('#storage-add').addEventListener('click', () => {
  const key = $('#storage-new-key').value;
  if (!key) return;
  request({ type: 'storage-set', key, value: $('#storage-new-value').value }, showResult('#storage-result', `set ${key}`));
  $('#storage-new-key').value = '';
  $('#storage-new-value').value = '';
});
$('#storage-clear').addEventListener('click', () =>
  request({ type: 'storage-clear' }, showResult('#storage-result', 'clear')));

function addNetworkEntry(frame) {
  const entry = frame.entry ?? {};
  const refused = entry.refused !== null && entry.refused !== undefined;
  const row = h('tr', { 'data-refused': refused },
    h('td', { text: String(entry.method ?? '') }),
    h('td', { class: 'url', text: String(entry.url ?? ''), title: String(entry.url ?? '') }),
    h('td', { class: 'status', text: refused ? `refused: ${entry.refused}` : String(entry.status ?? '—') }),
    h('td', { text: bytes(entry.bytes) }),
    h('td', { text: String(entry.ms ?? '—') }));
  appendCapped($('#network-rows'), row, $('#panel-network'));
  markUnread('#tab-network', refused ? 'error' : 'info');
}

/** An audit record as a line: its time, kind, then its other fields. */
function addAuditEntry(frame) {
  const { time_ms: when, kind, app, version, ...rest } = frame.entry ?? {};
  const fields = Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const line = h('li', { 'data-kind': String(kind ?? '') },
    h('span', { class: 'time', text: time(when) }),
    h('span', { class: 'level', text: String(kind ?? 'audit') }),
    h('span', { class: 'message', text: fields.join(' · ') }));
  appendCapped($('#audit-list'), line, $('#panel-audit'));
  markUnread('#tab-audit', 'error');
}

/** Gauges of the app's budget (`quota.remaining()`); a null limit is no limit. */
function paintQuota(frame) {
  const b = frame.budget ?? {};
  const gauges = [
    ['memory', 'Memory', b.memory_used, b.memory_limit, bytes],
    ['host-memory', 'Host memory', b.host_memory_used, b.host_memory_limit, bytes],
    ['storage', 'Storage', b.storage_used, b.storage_limit, bytes],
    ['storage-keys', 'Storage keys', b.storage_keys, b.storage_keys_limit, String],
    ['page-stack', 'Page stack', b.page_stack, b.page_stack_limit, String],
    ['timers', 'Timers', b.timers, b.timers_limit, String],
    ['pending-calls', 'Pending calls', b.pending_calls, b.pending_calls_limit, String],
  ];
  const counters = [
    ['http-requests', 'HTTP requests left', b.http_requests_left, String],
    ['log-bytes', 'Log bytes left', b.log_bytes_left, bytes],
    ['fuel', 'Fuel left', b.fuel_left, (n) => Number(n).toLocaleString()],
    ['time', 'Time left', b.time_left_ms, (n) => `${n} ms`],
  ];
  const rows = gauges.map(([id, label, used, max, format]) => {
    const bar = h('span', { class: 'fill' });
    const share = typeof used === 'number' && typeof max === 'number' && max > 0 ? Math.min(1, used / max) : 0;
    bar.style.width = `${share * 100}%`;
    const text = max === null || max === undefined ? `${format(used ?? 0)} (no limit)` : `${format(used ?? 0)} / ${format(max)}`;
    return h('div', { class: 'gauge', 'data-quota': id, 'data-high': share > 0.8 },
      h('span', { class: 'label', text: label }), h('span', { class: 'bar' }, bar), h('span', { class: 'value', text }));
  });
  for (const [id, label, left, format] of counters) {
    if (left === undefined) continue;
    rows.push(h('div', { class: 'gauge', 'data-quota': id },
      h('span', { class: 'label', text: label }), h('span', { class: 'value wide', text: left === null ? 'no limit' : format(left) })));
  }
  $('#quota-list').replaceChildren(...rows);
}

// ------------------------------------------------------------ launch options

/** The facts the app reads of the phone frame `device` (protocol.md, `POST
 * /v1/sessions`'s `device`): the window is below the status and navigation bars. */
function deviceFacts(device) {
  const top = device.status + NAV_BAR;
  return {
    screenWidth: device.width,
    screenHeight: device.height,
    windowWidth: device.width,
    windowHeight: Math.max(1, device.height - top),
    statusBarHeight: device.status,
    safeArea: { left: 0, right: device.width, top: device.status, bottom: device.height },
  };
}

/** A cold start with the Launch options panel's values; its outcome shown in `resultSelector`. */
function relaunch(resultSelector) {
  const frame = { type: 'relaunch', query: [...new URLSearchParams($('#launch-query').value.trim())] };
  for (const name of ['path', 'referrer', 'user']) {
    const value = $(`#launch-${name}`).value.trim();
    if (value) frame[name] = value;
  }
  const scene = $('#launch-scene').value.trim();
  if (scene) {
    if (!/^\d+$/.test(scene)) {
      $(resultSelector).textContent = 'Scene: a whole number';
      return;
    }
    frame.scene = Number(scene);
  }
  frame.device = deviceFacts(state.device);
  deviceElement.removeAttribute('data-background');
  request(frame, showResult(resultSelector, 'relaunch'));
}

$('#relaunch').addEventListener('click', () => relaunch('#launch-result'));
$('#stopped-relaunch').addEventListener('click', () => relaunch('#stopped-result'));

for (const kind of ['hide', 'show']) {
  $(`#${kind}`).addEventListener('click', () => {
    const done = showResult('#launch-result', kind);
    request({ type: kind }, (ok, error) => {
      if (ok) deviceElement.toggleAttribute('data-background', kind === 'hide');
      done(ok, error);
    });
  });
}

// ------------------------------------------------------------ start

fillDeviceSelect();
layoutDevice();
connect();
