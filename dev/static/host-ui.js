// miniapp dev: what the host draws around the app's page, as WeChat draws
// it: toasts and the loading toast, the navigation bar's title, colours and
// spinner, the tab bar's badges and red dots, the pull-down refresh, a
// vibration and the screen's brightness, and the modal, action sheet, phone
// call and settings page (prompts the user answers). All of it lives in the
// phone frame's own elements, outside the shadow root the page is drawn in:
// the page's nodes and styles cannot reach it (docs/protocol.md).

import { configuredTabBarShown, markConfiguredTab, showConfiguredTabBar, tabBarConfigured } from './tab-bar.js';

const $ = (selector) => document.querySelector(selector);

/** An element of `tag` with `className` and `text` (never markup). */
function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = String(text);
  return element;
}

/** What the app set on the bars of the page shown (reset for another page). */
const bars = { title: null, colored: false, tabs: new Map(), tabBar: null };
let toastTimer = null;

/** Another page is shown: the bars go back to the page's own. */
export function pageChanged() {
  bars.title = null;
  bars.colored = false;
  const navbar = $('#navbar');
  navbar.style.removeProperty('background-color');
  navbar.style.removeProperty('color');
  navbar.style.removeProperty('transition');
  $('#statusbar').style.removeProperty('background-color');
  $('#statusbar').style.removeProperty('color');
  $('#nav-loading').hidden = true;
  $('#pull-down').hidden = true;
}

/** The shown page's window (app.json's `window` and the page's json, as
 * the page frame carries it): the bar's colours (unless the app set them
 * since the page was shown, as WeChat's setNavigationBarColor wins until the
 * page changes), the background behind the pull-down and its dots' style,
 * and whether the page scrolls.
 * A key left out keeps the simulator's own look. */
export function paintWindow(window) {
  const w = window && typeof window === 'object' ? window : {};
  if (!bars.colored) {
    for (const bar of [$('#navbar'), $('#statusbar')]) {
      bar.style.transition = '';
      if (typeof w.navigationBarBackgroundColor === 'string') bar.style.backgroundColor = w.navigationBarBackgroundColor;
      else bar.style.removeProperty('background-color');
      if (w.navigationBarTextStyle === 'black' || w.navigationBarTextStyle === 'white') {
        bar.style.color = w.navigationBarTextStyle === 'white' ? '#ffffff' : '#000000';
      } else bar.style.removeProperty('color');
    }
  }
  const pullDown = $('#pull-down');
  if (typeof w.backgroundColor === 'string') pullDown.style.backgroundColor = w.backgroundColor;
  else pullDown.style.removeProperty('background-color');
  pullDown.dataset.style = w.backgroundTextStyle === 'light' ? 'light' : 'dark';
  // disableScroll (a page's json): the page does not scroll as a whole.
  $('#screen').style.overflowY = w.disableScroll === true ? 'hidden' : '';
  // navigationStyle custom: the page starts at the top of the screen,
  // behind the status bar, and draws its own bar; the host keeps only the
  // capsule, over the page.
  const custom = w.navigationStyle === 'custom';
  $('#device').classList.toggle('custom-nav', custom);
  $('#navbar').style.top = custom ? $('#statusbar').style.height : '';
}

/** `frame.media-context` (WeChat's VideoContext, AudioContext): the page's
 * video or audio with that id acts; another id does nothing, as on WeChat. */
function actOnMedia(screen, frame) {
  const root = screen.shadowRoot;
  const media = root && typeof frame.id === 'string' ? root.getElementById(frame.id) : null;
  if (!(media instanceof HTMLMediaElement)) return undefined;
  switch (frame.action) {
    case 'play': media.play().catch(() => {}); break;
    case 'pause': media.pause(); break;
    case 'stop': media.pause(); media.currentTime = 0; break;
    case 'seek': media.currentTime = Number(frame.position_ms) / 1000 || 0; break;
    case 'playback-rate': media.playbackRate = Number(frame.percent) / 100 || 1; break;
    case 'request-full-screen': media.requestFullscreen?.().catch(() => {}); break;
    case 'exit-full-screen': if (document.fullscreenElement) document.exitFullscreen().catch(() => {}); break;
    default: break;
  }
  return undefined;
}

/** The title the app set for the page shown, if it set one. */
export function appTitle() {
  return bars.title;
}

const ICONS = { success: '✓', error: '✕', loading: '', none: null };

function showToast(title, icon, mask, ms) {
  clearTimeout(toastTimer);
  const toast = $('#toast');
  const mark = ICONS[icon] ?? null;
  toast.dataset.icon = icon;
  toast.replaceChildren(
    ...(mark === null ? [] : [el('span', 'toast-icon', mark)]),
    el('span', 'toast-title', title),
  );
  toast.hidden = false;
  $('#toast-mask').hidden = !mask;
  if (ms !== null) toastTimer = setTimeout(hideToast, ms);
}

function hideToast() {
  clearTimeout(toastTimer);
  $('#toast').hidden = true;
  $('#toast-mask').hidden = true;
}

function navigationBarColor(front, background, ms) {
  bars.colored = true;
  const text = front === 'white' ? '#ffffff' : '#000000';
  for (const bar of [$('#navbar'), $('#statusbar')]) {
    bar.style.transition = ms > 0 ? `background-color ${ms}ms, color ${ms}ms` : '';
    bar.style.backgroundColor = background;
    bar.style.color = text;
  }
}

/** The tab bar, drawn once the app marks a tab or shows it (until it
 * hides it): the manifest declares no tab bar yet, so its tabs are shown by
 * number, up to the highest marked. */
function paintTabs() {
  const tabbar = $('#tabbar');
  // app.json's tabBar: tab-bar.js draws it.
  if (tabBarConfigured()) {
    if (!tabbar.classList.contains('sliding')) tabbar.hidden = !configuredTabBarShown();
    return;
  }
  const marked = [...bars.tabs.entries()].filter(([, mark]) => mark.badge || mark.dot);
  if (!tabbar.classList.contains('sliding')) tabbar.hidden = !tabBarShown(marked.length);
  const count = Math.max(2, ...marked.map(([index]) => index + 1));
  const tabs = [];
  for (let index = 0; index < count; index++) {
    const mark = bars.tabs.get(index) ?? {};
    const tab = el('span', 'tab', `Tab ${index + 1}`);
    tab.dataset.index = String(index);
    if (mark.badge) {
      const text = [...mark.badge].length > 3 ? '…' : mark.badge;
      tab.append(el('span', 'tab-badge', text));
    } else if (mark.dot) tab.append(el('span', 'tab-dot'));
    tabs.push(tab);
  }
  tabbar.replaceChildren(...tabs);
}

/** Whether the tab bar shows: as the app last said, else once a tab is marked. */
function tabBarShown(marked) {
  return bars.tabBar ?? marked > 0;
}

/** `wx.showTabBar` / `wx.hideTabBar`: at once, or sliding (200 ms). */
function showTabBar(shown, animation) {
  bars.tabBar = shown;
  showConfiguredTabBar(shown);
  const tabbar = $('#tabbar');
  tabbar.dataset.shown = String(shown);
  tabbar.classList.remove('sliding');
  if (!animation) return paintTabs();
  tabbar.hidden = false;
  tabbar.classList.add('sliding');
  // Slide from where it is (off the screen if it was hidden) to where it
  // goes, then settle.
  tabbar.classList.toggle('out', shown);
  requestAnimationFrame(() => tabbar.classList.toggle('out', !shown));
  setTimeout(() => {
    if (bars.tabBar !== shown) return;
    tabbar.classList.remove('sliding', 'out');
    paintTabs();
  }, 200);
  return undefined;
}

function markTab(index, change) {
  if (tabBarConfigured()) return markConfiguredTab(index, change);
  const mark = bars.tabs.get(index) ?? {};
  bars.tabs.set(index, { ...mark, ...change });
  paintTabs();
}

/** Draw a `host-ui` frame. */
export function drawHostUi(frame, screen) {
  const ms = Number(frame.duration_ms) || 0;
  switch (frame.ui) {
    case 'toast': return showToast(frame.title, frame.icon, frame.mask === true, ms);
    case 'hide-toast': return hideToast();
    case 'loading': return showToast(frame.title, 'loading', frame.mask === true, null);
    case 'hide-loading': return hideToast();
    case 'navigation-bar-title':
      bars.title = String(frame.title ?? '');
      $('#nav-title').textContent = bars.title;
      return undefined;
    case 'navigation-bar-color': return navigationBarColor(frame.front, String(frame.background), ms);
    case 'navigation-bar-loading':
      $('#nav-loading').hidden = frame.shown !== true;
      return undefined;
    case 'page-scroll-to':
      screen.scrollTo({ top: Number(frame.scroll_top) || 0, behavior: ms > 0 ? 'smooth' : 'auto' });
      return undefined;
    case 'tab-bar-badge': return markTab(frame.index, { badge: frame.text ?? null });
    case 'tab-bar-red-dot': return markTab(frame.index, { dot: frame.shown === true });
    case 'tab-bar': return showTabBar(frame.shown === true, frame.animation === true);
    case 'pull-down-refresh':
      $('#pull-down').hidden = frame.started !== true;
      return undefined;
    case 'media': return actOnMedia(screen, frame);
    case 'background': {
      // A page-meta's background-color and background-text-style.
      const pullDown = $('#pull-down');
      if (typeof frame.color === 'string') pullDown.style.backgroundColor = frame.color;
      if (frame.text_style === 'light' || frame.text_style === 'dark') pullDown.dataset.style = frame.text_style;
      return undefined;
    }
    case 'vibrate': return vibrate(frame.vibration === 'long' ? 400 : 15);
    case 'screen-brightness':
      // A dimmed screen: 20% light at brightness 0.
      $('#viewport').style.filter = `brightness(${0.2 + 0.8 * (Number(frame.value) || 0)})`;
      return undefined;
    case 'open-location':
      return showToast(`Map: ${frame.place?.name || `${frame.place?.latitude}, ${frame.place?.longitude}`}`, 'none', false, 1500);
    case 'save-image': return saveToAlbum(String(frame.image ?? ''));
    case 'preview-image':
      return showToast(`Preview: ${(frame.urls ?? []).length} image(s)`, 'none', false, 1500);
    case 'keep-screen-on':
      $('#device').dataset.keepScreenOn = String(frame.on === true);
      return undefined;
    default: return undefined;
  }
}

/** The file ending of a PNG, JPEG or GIF image (the runtime saves no other). */
function imageKind(hexBytes) {
  if (hexBytes.startsWith('89504e47')) return 'png';
  return hexBytes.startsWith('ffd8') ? 'jpg' : 'gif';
}

/** An image the app saved to the album (its bytes in hex): the simulator
 * has no album, so it offers the image as a download. */
function saveToAlbum(hexBytes) {
  const bytes = Uint8Array.from(hexBytes.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  const link = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(new Blob([bytes])), download: `album-image.${imageKind(hexBytes)}`,
  });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return showToast('Saved to the album (downloaded)', 'success', false, 1500);
}

/** Shake the phone frame for about `ms` (a vibration), at least a glance. */
function vibrate(ms) {
  const shake = [{ transform: 'translateX(0)' }, { transform: 'translateX(-3px)' },
    { transform: 'translateX(3px)' }, { transform: 'translateX(0)' }];
  $('#device').animate(shake, { duration: 80, iterations: Math.max(1, Math.round(ms / 80)) });
}

/** The host's dialogs the prompt box draws with their own buttons. */
export const DIALOGS = ['modal', 'action-sheet', 'phone-call', 'setting', 'scan-code', 'choose-location', 'choose-address', 'choose-image', 'choose-media'];

/** A phone call to confirm, or the app's settings page (`device-api`). */
function deviceDialog(prompt) {
  if (prompt.kind === 'scan-code') {
    // A fake camera: the user types what the code says.
    const input = Object.assign(el('input', 'device-input'), { type: 'text', placeholder: 'What the code says' });
    return { title: 'Scan a code', body: [el('p', 'muted', 'Camera (simulated)'), input],
      allow: { text: 'Scan', color: null }, deny: { text: 'Cancel', color: null } };
  }
  if (prompt.kind === 'choose-location') {
    const at = prompt.position ?? {};
    const input = Object.assign(el('input', 'device-input'), { type: 'text', placeholder: 'Dropped pin' });
    return { title: 'Choose a place', body: [el('p', 'muted', `${at.latitude}, ${at.longitude}`), input],
      allow: { text: 'Choose', color: null }, deny: { text: 'Cancel', color: null } };
  }
  if (prompt.kind === 'choose-address') {
    const a = prompt.address ?? {};
    const lines = [`${a.user_name ?? ''} ${a.tel_number ?? ''}`,
      `${a.province_name ?? ''} ${a.city_name ?? ''} ${a.county_name ?? ''}`, `${a.detail_info ?? ''} ${a.postal_code ?? ''}`];
    return { title: 'Choose an address', body: lines.map((line) => el('p', null, line)),
      allow: { text: 'Use it', color: null }, deny: { text: 'Cancel', color: null } };
  }
  if (prompt.kind === 'choose-image' || prompt.kind === 'choose-media') return imagePicker(prompt);
  if (prompt.kind === 'phone-call') {
    return {
      title: 'Make a phone call?',
      body: [el('p', 'phone-number', prompt.number ?? '')],
      allow: { text: 'Call', color: null },
      deny: { text: 'Cancel', color: null },
    };
  }
  const rows = (prompt.settings ?? []).map((setting) => {
    const label = el('label', 'setting-row', `${setting.scope} `);
    const box = Object.assign(el('input', 'setting-scope'), { type: 'checkbox', checked: setting.granted === true });
    box.dataset.scope = String(setting.scope);
    label.append(box);
    return label;
  });
  return {
    title: 'Settings',
    body: rows.length > 0 ? rows : [el('p', 'muted', 'The app has asked for nothing yet.')],
    allow: { text: 'Done', color: null },
    deny: null,
  };
}

/** Upload picked `file` as file `n` of picker prompt `prompt`, in a
 * request of its own (its size is checked before its bytes are taken):
 * what the answer names it by, or an error saying why it was refused. */
async function uploadPicked(prompt, n, file) {
  const token = encodeURIComponent(sessionStorage.getItem('miniapp-token') ?? '');
  const response = await fetch(`/api/prompts/${prompt}/files/${n}?token=${token}`, { method: 'PUT', body: file });
  if (response.ok) return { uploaded: n };
  // 413: over a quota; else the prompt closed, or the request was refused.
  const why = response.status === 413 ? 'Too big' : 'Not uploaded';
  throw new Error(`${why}: ${file.name}, ${file.size} bytes; ${await response.text()}`);
}

/** The file picker: the user's files, at most `count`, each uploaded as
 * it is picked; a `choose-media` prompt's takes the kinds it names (`media`). */
function imagePicker(prompt) {
  const count = Number(prompt.count ?? 1);
  const media = prompt.media ?? { image: true, video: false };
  const kinds = [media.image && 'image', media.video && 'video'].filter(Boolean);
  const accept = kinds.map((kind) => (kind === 'video' ? 'video/mp4' : 'image/*')).join(',');
  const input = Object.assign(el('input', 'device-input image-input'), { type: 'file', accept, multiple: count > 1 });
  const longest = media.video ? `, a video at most ${prompt.max_duration} s` : '';
  const note = el('p', 'muted', `Pick up to ${count} ${kinds.join(' or ')} file${count > 1 ? 's' : ''}${longest}`);
  input.picked = [];
  input.addEventListener('change', async () => {
    const files = [...input.files].slice(0, count);
    input.picked = [];
    note.classList.remove('too-big');
    note.textContent = `Uploading ${files.length}`;
    try {
      input.picked = await Promise.all(files.map((file, n) => uploadPicked(prompt.id, n, file)));
      note.textContent = `${input.picked.length} picked`;
    } catch (refused) {
      note.classList.add('too-big');
      note.textContent = refused.message;
    }
  });
  return { title: kinds.includes('video') ? 'Choose media' : 'Choose images', body: [note, input],
    allow: { text: 'Choose', color: null }, deny: { text: 'Cancel', color: null } };
}

/**
 * How the prompt box draws a modal or an action sheet: its title, body,
 * buttons and their colours. `choose(index)` answers an action sheet's item.
 */
export function dialog(prompt, choose) {
  if (!['modal', 'action-sheet'].includes(prompt.kind)) return deviceDialog(prompt);
  if (prompt.kind === 'modal') {
    const modal = prompt.modal ?? {};
    const body = modal.editable
      ? [Object.assign(el('textarea', 'modal-input'), { value: String(modal.content ?? ''), placeholder: String(modal.placeholder_text ?? '') })]
      : [el('p', 'modal-content', modal.content ?? '')];
    return {
      title: modal.title ?? '',
      body,
      allow: { text: modal.confirm_text, color: modal.confirm_color },
      deny: modal.show_cancel ? { text: modal.cancel_text, color: modal.cancel_color } : null,
    };
  }
  const sheet = prompt.sheet ?? {};
  const items = (sheet.item_list ?? []).map((item, index) => {
    const button = el('button', 'sheet-item', item);
    button.type = 'button';
    button.style.color = String(sheet.item_color ?? '');
    button.addEventListener('click', () => choose(index));
    return button;
  });
  return {
    title: sheet.alert_text ?? '',
    body: items,
    allow: null,
    deny: { text: 'Cancel', color: null },
  };
}

/** What a confirmed modal answers with: its text box's content, if editable. */
export function dialogValue(prompt) {
  if (prompt.kind === 'scan-code') return $('#prompt .device-input')?.value ?? '';
  if (prompt.kind === 'choose-location') return $('#prompt .device-input')?.value || undefined;
  if (prompt.kind === 'choose-image' || prompt.kind === 'choose-media') return $('#prompt .image-input')?.picked ?? [];
  if (prompt.kind === 'setting') {
    const boxes = [...document.querySelectorAll('#prompt .setting-scope')];
    return Object.fromEntries(boxes.map((box) => [box.dataset.scope, box.checked]));
  }
  if (prompt.kind !== 'modal' || !prompt.modal?.editable) return undefined;
  return $('#prompt .modal-input')?.value ?? '';
}
