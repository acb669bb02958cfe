// miniapp dev: the tab bar an app configures in app.json (`tabBar`), as
// WeChat draws it: its tabs' text and icons (the selected tab in its
// selected colour and icon; no icons at the top), its background and
// border, at the bottom or the top of the phone, with the badges and red
// dots the app set, shown only on a tab page and not while the app hid it.
// The page frame carries it (`tab_bar`, docs/protocol.md); a tap on a tab
// sends `{"type": "tab", "index"}` and the host switches. An app without a
// `tabBar` keeps host-ui.js's numbered tabs.

const $ = (selector) => document.querySelector(selector);
const COLOUR = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i;

/** The configured bar as the last page frame sent it (null: none). */
let bar = null;
/** Sends a tap on tab `index` to the host. */
let tapped = () => {};

/** An icon served from the package (`/assets/...`), else none. */
function icon(path) {
  return typeof path === 'string' && path.startsWith('/assets/') ? path : null;
}

/** A colour the frame gave, else `fallback`. */
function colour(value, fallback) {
  return typeof value === 'string' && COLOUR.test(value) ? value : fallback;
}

/** The page frame's `tab_bar` (or null): drawn, and kept for the host-ui
 * frames that follow. `onTap(index)` sends a tap. Returns whether the app
 * has a configured bar. */
export function paintTabBar(frameBar, onTap) {
  const list = Array.isArray(frameBar?.list) ? frameBar.list.slice(0, 5) : [];
  bar = list.length ? { ...frameBar, list } : null;
  tapped = onTap;
  draw();
  return bar !== null;
}

/** Whether the app configured a tab bar (host-ui.js then leaves it alone). */
export function tabBarConfigured() {
  return bar !== null;
}

/** A `tab-bar-badge` or `tab-bar-red-dot` frame on the configured bar. */
export function markConfiguredTab(index, change) {
  if (!bar || !Number.isInteger(index) || index < 0 || index >= bar.list.length) return;
  const badges = Array.isArray(bar.badges) ? [...bar.badges] : [];
  const dots = Array.isArray(bar.dots) ? [...bar.dots] : [];
  if ('badge' in change) badges[index] = change.badge;
  if ('dot' in change) dots[index] = change.dot;
  bar = { ...bar, badges, dots };
  draw();
}

/** A `tab-bar` frame (`showTabBar`/`hideTabBar`) on the configured bar. */
export function showConfiguredTabBar(shown) {
  if (!bar) return;
  bar = { ...bar, hidden: !shown };
  draw();
}

/** Whether the configured bar shows now: on a tab page, not hidden. */
export function configuredTabBarShown() {
  return bar !== null && Number.isInteger(bar.selected) && bar.hidden !== true;
}

function draw() {
  const tabbar = $('#tabbar');
  if (!bar) {
    delete tabbar.dataset.configured;
    tabbar.style.cssText = '';
    return;
  }
  const top = bar.position === 'top';
  // At the top WeChat draws the bar under the navigation bar, without icons.
  const viewport = $('#viewport');
  if (top && tabbar.nextElementSibling !== viewport) viewport.before(tabbar);
  if (!top && viewport.nextElementSibling !== tabbar) viewport.after(tabbar);
  tabbar.dataset.configured = 'true';
  tabbar.dataset.position = top ? 'top' : 'bottom';
  tabbar.style.backgroundColor = colour(bar.backgroundColor, '');
  tabbar.style.borderColor = bar.borderStyle === 'white' ? '#ffffff' : 'rgba(0, 0, 0, 0.33)';
  if (!tabbar.classList.contains('sliding')) tabbar.hidden = !configuredTabBarShown();
  const tabs = bar.list.map((item, index) => {
    const selected = index === bar.selected;
    const tab = document.createElement('span');
    tab.className = 'tab';
    tab.dataset.index = String(index);
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-selected', String(selected));
    tab.style.color = selected ? colour(bar.selectedColor, '#07c160') : colour(bar.color, '#7a7e83');
    const src = icon(selected ? item.selectedIconPath ?? item.iconPath : item.iconPath);
    if (!top && src) {
      const img = document.createElement('img');
      img.className = 'tab-icon';
      img.alt = '';
      img.src = src;
      tab.append(img);
    }
    const text = document.createElement('span');
    text.className = 'tab-text';
    text.textContent = String(item.text ?? '');
    tab.append(text);
    const badge = Array.isArray(bar.badges) ? bar.badges[index] : null;
    if (typeof badge === 'string') {
      const mark = document.createElement('span');
      mark.className = 'tab-badge';
      mark.textContent = [...badge].length > 3 ? '…' : badge;
      tab.append(mark);
    } else if (Array.isArray(bar.dots) && bar.dots[index] === true) {
      const dot = document.createElement('span');
      dot.className = 'tab-dot';
      tab.append(dot);
    }
    tab.addEventListener('click', () => tapped(index));
    return tab;
  });
  tabbar.replaceChildren(...tabs);
}
