// miniapp dev: what a phone reports about the page shown (WeChat's page
// events, docs/protocol.md `page-event`): its scroll (at most ten reports a
// second, none for a `disableScroll` page), a pull-down gesture at its top
// (only where its window has `enablePullDownRefresh`), the window's size
// when the device is switched, the system theme, and the capsule menu's
// "share"; and the host's share sheet, drawn outside the page's shadow
// root. The host decides what each report fires (reach-bottom, the
// throttle, what a share shows): this file only reports and draws.

const $ = (selector) => document.querySelector(selector);

/** Reports of the page's scroll, at most this often, ms. */
const SCROLL_EVERY = 100;
/** How far the page is pulled down before a release refreshes it, px. */
const PULL_TO_REFRESH = 60;

/** The page shown: its window, and where a pull-down gesture is. */
const shown = { window: {}, pull: null, pulled: false, lastScroll: 0, scrollTimer: null };
let send = () => {};
let log = () => {};

/** An element of `tag` with `className` and `text` (never markup). */
function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = String(text);
  return element;
}

/** Send page event `event` about the page shown; a refusal is logged. */
function report(event) {
  send({ type: 'page-event', event }, (ok, error) => {
    if (!ok) log('warn', 'sim', `The ${event.kind} report was refused: ${error?.message ?? error}`);
  });
}

/** Another page (or the same page's new window) is shown. */
export function pageEventsShown(window, changed) {
  shown.window = window && typeof window === 'object' ? window : {};
  if (changed) {
    shown.pull = null;
    closeShareSheet();
  }
}

/** Report where `screen` is scrolled, at most every SCROLL_EVERY ms (the
 * last position is always sent). */
function scrolled(screen) {
  if (shown.window.disableScroll === true) return;
  const send = () => {
    shown.lastScroll = Date.now();
    shown.scrollTimer = null;
    report({ kind: 'scroll', scrollTop: screen.scrollTop, scrollHeight: screen.scrollHeight, viewportHeight: screen.clientHeight });
  };
  if (shown.scrollTimer) return;
  const wait = shown.lastScroll + SCROLL_EVERY - Date.now();
  if (wait <= 0) send();
  else shown.scrollTimer = setTimeout(send, wait);
}

/** The pull-down gesture: a drag down from the page's top shows the
 * refresh dots; released far enough, the host is told. */
function watchPullDown(screen) {
  const dots = $('#pull-down');
  screen.addEventListener('pointerdown', (event) => {
    shown.pulled = false;
    if (screen.scrollTop > 0 || shown.window.enablePullDownRefresh !== true) return;
    shown.pull = { y: event.clientY, pulled: 0 };
  });
  screen.addEventListener('pointermove', (event) => {
    if (!shown.pull) return;
    shown.pull.pulled = event.clientY - shown.pull.y;
    if (shown.pull.pulled > PULL_TO_REFRESH / 2) dots.hidden = false;
  });
  const release = () => {
    const pull = shown.pull;
    shown.pull = null;
    if (!pull) return;
    if (pull.pulled >= PULL_TO_REFRESH) {
      dots.hidden = false;
      report({ kind: 'pull-down' });
      // A pull is not a tap: the click it ends in reaches no handler.
      shown.pulled = true;
    } else dots.hidden = true;
  };
  screen.addEventListener('pointerup', release);
  screen.addEventListener('click', (click) => {
    if (shown.pulled) click.stopPropagation();
    shown.pulled = false;
  }, { capture: true });
  screen.addEventListener('pointercancel', release);
}

/** Report the window's size when the device is switched. */
function watchResize(screen) {
  // The window is the screen and, while a pull-down shows them, the refresh
  // dots above it: a phone moves the page down under the dots, its window
  // keeps its size (before: the dots shrank the screen, and a host slower
  // than the debounce to end the refresh was told of two resizes).
  const dots = $('#pull-down');
  const windowHeight = () => screen.clientHeight + (dots.hidden ? 0 : dots.offsetHeight);
  const sizeNow = () => `${screen.clientWidth}x${windowHeight()}`;
  // The size the page opened with is taken at the first observation itself,
  // not after the debounce: a switch within 200 ms of it (a busy machine
  // delays the timer) would otherwise be taken for the first size.
  let last = null;
  let timer = null;
  new ResizeObserver(() => {
    if (last === null || screen.clientWidth === 0) {
      last = sizeNow();
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      const size = sizeNow();
      if (size !== last && screen.clientWidth > 0) {
        report({ kind: 'resize', windowWidth: screen.clientWidth, windowHeight: windowHeight() });
      }
      last = size;
    }, 200);
  }).observe(screen);
}

/** The capsule's menu: share, share to the timeline. */
function watchCapsule() {
  const capsule = $('.capsule');
  if (!capsule) return;
  const menu = el('div', 'capsule-menu');
  menu.id = 'capsule-menu';
  menu.hidden = true;
  for (const [kind, text] of [['share', 'Share'], ['share-timeline', 'Share to Moments']]) {
    const item = el('button', 'capsule-item', text);
    item.type = 'button';
    item.dataset.share = kind;
    item.addEventListener('click', () => {
      menu.hidden = true;
      report({ kind });
    });
    menu.append(item);
  }
  capsule.after(menu);
  capsule.removeAttribute('aria-hidden');
  capsule.setAttribute('role', 'button');
  capsule.title = 'Menu';
  capsule.addEventListener('click', () => { menu.hidden = !menu.hidden; });
}

/** The toolbar's theme switch. */
function watchTheme() {
  const toolbar = $('.toolbar');
  if (!toolbar) return;
  const label = el('label', 'theme-switch', 'Theme ');
  const select = el('select');
  select.id = 'theme-select';
  for (const theme of ['light', 'dark']) {
    const option = el('option', null, theme);
    option.value = theme;
    select.append(option);
  }
  select.addEventListener('change', () => report({ kind: 'theme', theme: select.value }));
  label.append(select);
  toolbar.append(label);
}

/** Close the share sheet. */
function closeShareSheet() {
  $('#share-sheet')?.remove();
}

/** The host's share sheet (a `share-sheet` frame): the card the app's
 * answer (or WeChat's default) makes, drawn in the phone frame. */
export function shareSheet(frame) {
  closeShareSheet();
  const card = frame.card && typeof frame.card === 'object' ? frame.card : {};
  const sheet = el('div', 'share-sheet');
  sheet.id = 'share-sheet';
  sheet.setAttribute('role', 'dialog');
  sheet.append(el('div', 'share-heading', card.kind === 'timeline' ? 'Share to Moments' : 'Send to a chat'));
  const box = el('div', 'share-card');
  box.append(el('div', 'share-title', card.title ?? ''));
  if (typeof card.imageUrl === 'string' && !card.imageUrl.includes(':')) {
    const image = el('img', 'share-image');
    image.alt = '';
    image.src = `/assets/${card.imageUrl.split('/').map(encodeURIComponent).join('/')}`;
    box.append(image);
  }
  box.append(el('div', 'share-path', card.path ?? ''));
  sheet.append(box);
  const close = el('button', 'share-close', 'Cancel');
  close.type = 'button';
  close.addEventListener('click', closeShareSheet);
  sheet.append(close);
  $('#device').append(sheet);
}

/** Watch the page's screen for what the phone reports; `request` sends a
 * frame and gets its result, `logLine` writes the simulator's log. */
export function watchPageEvents(screen, request, logLine) {
  send = request;
  log = logLine;
  const styles = el('link');
  styles.rel = 'stylesheet';
  styles.href = '/static/page-events.css';
  document.head.append(styles);
  screen.addEventListener('scroll', () => scrolled(screen), { passive: true });
  watchPullDown(screen);
  watchResize(screen);
  watchCapsule();
  watchTheme();
}
