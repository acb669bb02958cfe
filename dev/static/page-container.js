// page-container as WeChat draws it: while `show`, its children sit in a
// panel over the page (`position` bottom, top, right or center; `round`
// corners; `z-index`, WeChat's 100), slid in over `duration` ms (WeChat's
// 300), over an overlay (unless `overlay` is false) styled by
// `overlay-style`; `custom-style` styles the panel. The host drew each
// attribute as data-* and checked both styles as any style
// (view/src/safety.rs). The app is told `beforeenter`, `enter`, then
// `afterenter` once it is in, and `beforeleave`, `leave`, `afterleave` as it
// goes (when the app drops `show`, or, with `close-on-slide-down`, when the
// panel is dragged down); a tap on the overlay sends `clickoverlay` (the
// app closes it by dropping `show`, as on WeChat). Every detail is empty.
// The overlay is this module's element beside the page's root, so ops still
// name the app's nodes.

/** WeChat's defaults. */
const DURATION = 300;
const Z_INDEX = 100;
/** How far (CSS px) the panel is dragged down before it closes. */
const SLIDE_DOWN = 60;

const SHEET = `
[data-mp="page-container"] { display: none; }
[data-mp="page-container"][data-mp-open] { display: block; position: fixed; z-index: var(--mp-z, 100); left: 0; right: 0;
  bottom: 0; max-height: 100%; overflow: auto; box-sizing: border-box; background: #fff;
  transition: transform var(--mp-duration, 300ms) ease, opacity var(--mp-duration, 300ms) ease; }
[data-mp="page-container"][data-mp-open][data-position="top"] { top: 0; bottom: auto; }
[data-mp="page-container"][data-mp-open][data-position="right"] { top: 0; left: auto; width: 100%; }
[data-mp="page-container"][data-mp-open][data-position="center"] { top: 50%; bottom: auto; left: 50%; right: auto;
  transform: translate(-50%, -50%); }
[data-mp="page-container"][data-mp-open][data-round] { border-radius: 20px 20px 0 0; }
[data-mp="page-container"][data-mp-open][data-round][data-position="top"] { border-radius: 0 0 20px 20px; }
[data-mp="page-container"][data-mp-open][data-round][data-position="center"] { border-radius: 20px; }
[data-mp="page-container"][data-mp-entering]:not([data-position="center"]) { transform: translateY(100%); }
[data-mp="page-container"][data-mp-entering][data-position="top"] { transform: translateY(-100%); }
[data-mp="page-container"][data-mp-entering][data-position="right"] { transform: translateX(100%); }
[data-mp="page-container"][data-mp-entering][data-position="center"] { opacity: 0; }
.mp-page-overlay { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.7); }
`;

/** A number attribute of `element`, or `fallback`. */
function numberOf(element, name, fallback) {
  const n = Number(element.getAttribute(name));
  return element.hasAttribute(name) && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Draw the page-containers of `root` (the page's shadow root):
 * `send(node, kind, detail)` sends an event, `nodeOf(element)` names its
 * node, `units(css)` rewrites a style's rpx and viewport units.
 */
export function watchPageContainers(root, send, nodeOf, units) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(SHEET);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  /** Each container's state: open or not, its overlay, its panel style rule, its timer. */
  const states = new WeakMap();
  const report = (element, kind) => {
    const node = nodeOf(element);
    if (node !== null) send(node, kind, {});
  };
  const stateOf = (element) => {
    if (!states.has(element)) {
      const overlay = document.createElement('div');
      overlay.className = 'mp-page-overlay';
      overlay.hidden = true;
      overlay.addEventListener('click', () => report(element, 'clickoverlay'));
      root.append(overlay);
      states.set(element, { open: false, overlay, rule: null, timer: 0 });
    }
    return states.get(element);
  };
  const style = (element, state) => {
    const duration = numberOf(element, 'data-duration', DURATION);
    const z = numberOf(element, 'data-z-index', Z_INDEX);
    element.style.setProperty('--mp-duration', `${duration}ms`);
    element.style.setProperty('--mp-z', String(z));
    state.overlay.style.cssText = units(element.getAttribute('data-overlay-style') ?? '');
    state.overlay.style.zIndex = String(z - 1);
    // The panel's custom-style as a rule of its own (declarations only:
    // cssText cannot open another rule).
    const nid = element.getAttribute('data-nid');
    if (!state.rule && nid) {
      const at = sheet.insertRule(`[data-mp="page-container"][data-nid="${CSS.escape(nid)}"][data-mp-open] {}`, sheet.cssRules.length);
      state.rule = sheet.cssRules[at];
    }
    if (state.rule) state.rule.style.cssText = units(element.getAttribute('data-custom-style') ?? '');
  };
  const open = (element, state) => {
    state.open = true;
    clearTimeout(state.timer);
    report(element, 'beforeenter');
    style(element, state);
    state.overlay.hidden = element.getAttribute('data-overlay') === 'false';
    element.setAttribute('data-mp-entering', '');
    element.setAttribute('data-mp-open', '');
    report(element, 'enter');
    requestAnimationFrame(() => requestAnimationFrame(() => element.removeAttribute('data-mp-entering')));
    state.timer = setTimeout(() => report(element, 'afterenter'), numberOf(element, 'data-duration', DURATION));
  };
  const close = (element, state) => {
    state.open = false;
    clearTimeout(state.timer);
    report(element, 'beforeleave');
    state.overlay.hidden = true;
    element.setAttribute('data-mp-entering', '');
    report(element, 'leave');
    state.timer = setTimeout(() => {
      element.removeAttribute('data-mp-open');
      element.removeAttribute('data-mp-entering');
      report(element, 'afterleave');
    }, numberOf(element, 'data-duration', DURATION));
  };
  /** Follow `element`'s `show` (and restyle it while open). */
  const follow = (element) => {
    if (!element.isConnected) return;
    const state = stateOf(element);
    const shown = element.hasAttribute('data-show');
    if (shown && !state.open) open(element, state);
    else if (!shown && state.open) close(element, state);
    else if (state.open) style(element, state);
  };
  const each = (node) => {
    if (!(node instanceof Element)) return;
    if (node.dataset.mp === 'page-container') follow(node);
    for (const element of node.querySelectorAll('[data-mp="page-container"]')) follow(element);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') each(record.target);
      else {
        record.addedNodes.forEach(each);
        // A container that left the page takes its overlay with it.
        for (const removed of record.removedNodes) {
          if (!(removed instanceof Element)) continue;
          const gone = [removed, ...removed.querySelectorAll('[data-mp="page-container"]')];
          for (const element of gone) states.get(element)?.overlay.remove();
        }
      }
    }
  }).observe(root, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-show', 'data-duration', 'data-z-index', 'data-overlay', 'data-overlay-style', 'data-custom-style'],
  });
  // close-on-slide-down: a drag down the open panel closes it.
  let slide = null;
  root.addEventListener('pointerdown', (event) => {
    const element = event.target instanceof Element ? event.target.closest('[data-mp="page-container"][data-mp-open]') : null;
    slide = element && element.hasAttribute('data-close-on-slide-down') ? { element, y: event.clientY } : null;
  });
  root.addEventListener('pointerup', (event) => {
    const ended = slide;
    slide = null;
    if (!ended || event.clientY - ended.y < SLIDE_DOWN) return;
    const state = states.get(ended.element);
    if (state?.open) close(ended.element, state);
  });
}
