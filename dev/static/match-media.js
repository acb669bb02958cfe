// match-media as WeChat draws it: its children are shown only while the
// page's window (the simulator's screen under the navigation bar, as
// page-events.js reports it on resize) matches every condition the host
// drew as data-* (view/src/builtins/table.rs): min-width, max-width,
// width, min-height, max-height, height in CSS px, and orientation
// (landscape when the window is wider than tall). Checked when a
// match-media is drawn, when the app changes its conditions, and on every
// resize (a device switch). An unmatched one carries data-mp-unmatched,
// which this module's sheet hides; the app's own `hidden` is left alone.

const CSS = `
[data-mp="match-media"] { display: block; }
[data-mp="match-media"][data-mp-unmatched] { display: none !important; }
`;

/** Each condition: its data-* attribute and whether a window (w, h) meets `n`. */
const CONDITIONS = [
  ['data-min-width', (n, w) => w >= n],
  ['data-max-width', (n, w) => w <= n],
  ['data-width', (n, w) => w === n],
  ['data-min-height', (n, w, h) => h >= n],
  ['data-max-height', (n, w, h) => h <= n],
  ['data-height', (n, w, h) => h === n],
];
const WATCHED = [...CONDITIONS.map(([name]) => name), 'data-orientation'];

/** Whether `element`'s conditions all hold for a window of `width` by `height`. */
export function matches(element, width, height) {
  for (const [name, holds] of CONDITIONS) {
    const text = element.getAttribute(name);
    if (text === null || text.trim() === '') continue;
    const n = Number(text);
    // A bound the host let through that is not a number matches nothing,
    // as a media query WeChat cannot read.
    if (!Number.isFinite(n) || !holds(n, width, height)) return false;
  }
  const orientation = element.getAttribute('data-orientation');
  if (orientation === 'landscape') return width > height;
  if (orientation === 'portrait') return width <= height;
  return orientation === null || orientation === '';
}

/**
 * Show or hide the match-media elements of `root` (the page's shadow root)
 * for the size of `screen` (the window they are drawn in).
 */
export function watchMatchMedia(root, screen) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  const apply = (element) => {
    const shown = matches(element, screen.clientWidth, screen.clientHeight);
    element.toggleAttribute('data-mp-unmatched', !shown);
  };
  const each = (node) => {
    if (!(node instanceof Element)) return;
    if (node.dataset.mp === 'match-media') apply(node);
    for (const element of node.querySelectorAll('[data-mp="match-media"]')) apply(element);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') each(record.target);
      else record.addedNodes.forEach(each);
    }
  }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: WATCHED });
  new ResizeObserver(() => {
    if (screen.clientWidth === 0) return;
    for (const element of root.querySelectorAll('[data-mp="match-media"]')) apply(element);
  }).observe(screen);
}
