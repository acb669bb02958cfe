// A scroll-view's drags and its pull-to-refresh, as WeChat reports them
// (view/src/events/details/refresher.rs checks each detail):
//
// - a drag inside a scroll-view scrolls it as a finger would, and reports
//   `dragstart`, `dragging` (at most every DRAG_EVERY ms) and `dragend`
//   with where it is scrolled (`scrollTop`, `scrollLeft`; `dragend` adds
//   the drag's `velocity` in px/ms);
// - with `refresher-enabled`, a drag down from its top pulls the
//   refresher (drawn by this module's sheet above its content, in the
//   `refresher-background` colour, the dots black or white by
//   `refresher-default-style`, none for `none`): `refresherpulling {dy}`
//   as it moves, and on release `refresherrefresh {dy}` at its
//   `refresher-threshold` (WeChat's 45px) or past it, else
//   `refresherabort {dy}`. It stays open while refreshing, until the app
//   sets `refresher-triggered` false after it was true, which closes it
//   with `refresherrestore {dy: 0}`; the app setting it true opens it
//   with `refresherrefresh` at the threshold, as WeChat does.
//
// Events nothing binds are refused by the host once, then not sent again
// for that scroll-view. A drag is not a tap: the click it ends in is
// swallowed.

/** How far (CSS px) a pointer moves before it is a drag, not a tap. */
const DRAG_START = 4;
/** `dragging` and `refresherpulling` reports at most this often, ms. */
const DRAG_EVERY = 50;
/** WeChat's `refresher-threshold` where none is given, CSS px. */
const THRESHOLD = 45;

const SHEET = `
[data-mp="scroll-view"][data-mp-pull]::before { content: "\\2022  \\2022  \\2022"; display: flex; align-items: center;
  justify-content: center; height: var(--mp-pull, 0px); overflow: hidden; color: rgba(0, 0, 0, 0.4);
  background: var(--mp-refresher-background, transparent); font-size: 20px; letter-spacing: 2px; }
[data-mp="scroll-view"][data-mp-pull][data-refresher-default-style="white"]::before { color: rgba(255, 255, 255, 0.8); }
[data-mp="scroll-view"][data-mp-pull][data-refresher-default-style="none"]::before { content: ""; }
`;

/** Scroll-views' events the host refused (nothing binds them): not sent again. */
const unbound = new WeakMap();
/** Scroll-views being refreshed: the refresher stays open. */
const refreshing = new WeakSet();

/** Where `view` is scrolled, as a drag event's detail. */
function scrolledOf(view) {
  return { scrollTop: Math.round(view.scrollTop), scrollLeft: Math.round(view.scrollLeft) };
}

/** `view`'s refresher-threshold, px. */
function thresholdOf(view) {
  const n = Number(view.getAttribute('data-refresher-threshold'));
  return view.hasAttribute('data-refresher-threshold') && Number.isFinite(n) && n >= 0 ? n : THRESHOLD;
}

/** Open `view`'s refresher `dy` px (0 closes it). */
function drawPull(view, dy) {
  if (dy <= 0) {
    view.removeAttribute('data-mp-pull');
    view.style.removeProperty('--mp-pull');
    return;
  }
  view.setAttribute('data-mp-pull', '');
  view.style.setProperty('--mp-pull', `${Math.round(dy)}px`);
  // Only a colour: a value the browser does not read as one is not drawn.
  const background = view.getAttribute('data-refresher-background');
  if (background && CSS.supports('color', background)) view.style.setProperty('--mp-refresher-background', background);
  else view.style.removeProperty('--mp-refresher-background');
}

/**
 * Watch the scroll-views of `root` (the page's shadow root): `send(node,
 * kind, detail, after)` sends an event, `nodeOf(element)` names its node,
 * `zoom()` is the device's zoom (pointer moves are screen px).
 */
export function watchScrollViews(root, send, nodeOf, zoom) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(SHEET);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  const report = (view, kind, detail) => {
    const node = nodeOf(view);
    if (node === null || unbound.get(view)?.has(kind)) return;
    send(node, kind, detail, (ok) => {
      if (ok) return;
      if (!unbound.has(view)) unbound.set(view, new Set());
      unbound.get(view).add(kind);
    });
  };
  let drag = null;
  let dragged = false;
  root.addEventListener('pointerdown', (event) => {
    const view = event.target instanceof Element ? event.target.closest('[data-mp="scroll-view"]') : null;
    dragged = false;
    if (!view || event.button !== 0) return;
    const pulls = view.hasAttribute('data-refresher-enabled') && view.scrollTop <= 0 && !refreshing.has(view);
    drag = { view, x: event.clientX, y: event.clientY, top: view.scrollTop, left: view.scrollLeft, started: false,
      pulls, dy: 0, last: 0, moves: [] };
  });
  root.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const scale = zoom() || 1;
    const dx = (event.clientX - drag.x) / scale;
    const dy = (event.clientY - drag.y) / scale;
    if (!drag.started && Math.hypot(dx, dy) < DRAG_START) return;
    const { view } = drag;
    const now = performance.now();
    if (!drag.started) {
      drag.started = true;
      report(view, 'dragstart', scrolledOf(view));
    }
    drag.moves.push({ at: now, x: dx, y: dy });
    if (drag.moves.length > 5) drag.moves.shift();
    if (drag.pulls && dy > 0) {
      drag.dy = dy;
      drawPull(view, dy);
    } else {
      if (drag.dy > 0) drawPull(view, 0);
      drag.dy = 0;
      view.scrollTop = drag.top - dy;
      view.scrollLeft = drag.left - dx;
    }
    if (now - drag.last < DRAG_EVERY) return;
    drag.last = now;
    if (drag.dy > 0) report(view, 'refresherpulling', { dy: Math.round(drag.dy) });
    report(view, 'dragging', scrolledOf(view));
  });
  const release = () => {
    const ended = drag;
    drag = null;
    if (!ended || !ended.started) return;
    dragged = true;
    const { view, moves } = ended;
    const first = moves[0];
    const last = moves[moves.length - 1];
    const span = Math.max(1, last.at - first.at);
    const velocity = { x: -(last.x - first.x) / span, y: -(last.y - first.y) / span };
    const round = (n) => Math.round(n * 1000) / 1000;
    report(view, 'dragend', { ...scrolledOf(view), velocity: { x: round(velocity.x), y: round(velocity.y) } });
    if (ended.dy <= 0) return;
    const dy = Math.round(ended.dy);
    const threshold = thresholdOf(view);
    if (dy >= threshold) {
      refreshing.add(view);
      drawPull(view, threshold);
      report(view, 'refresherrefresh', { dy });
    } else {
      drawPull(view, 0);
      report(view, 'refresherabort', { dy });
    }
  };
  root.addEventListener('pointerup', release);
  root.addEventListener('pointercancel', release);
  root.addEventListener('click', (click) => {
    if (dragged) click.stopPropagation();
    dragged = false;
  }, { capture: true });
  // refresher-triggered from the app: true opens the refresher (a refresh
  // the app started), false after true closes it.
  new MutationObserver((records) => {
    for (const record of records) {
      const view = record.target;
      if (!(view instanceof Element) || view.dataset.mp !== 'scroll-view') continue;
      const triggered = view.hasAttribute('data-refresher-triggered');
      const was = record.oldValue !== null;
      if (triggered === was || !view.hasAttribute('data-refresher-enabled')) continue;
      if (triggered && !refreshing.has(view)) {
        refreshing.add(view);
        drawPull(view, thresholdOf(view));
        report(view, 'refresherrefresh', { dy: thresholdOf(view) });
      } else if (!triggered && refreshing.has(view)) {
        refreshing.delete(view);
        drawPull(view, 0);
        report(view, 'refresherrestore', { dy: 0 });
      }
    }
  }).observe(root, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-refresher-triggered'] });
}
