// swiper, picker-view and movable-view as a phone draws them (the host
// draws their attributes as data-*: view/src/builtins/table.rs). Each is
// mounted once built (`mountWidget`); what it needs beside the app's own
// nodes (a swiper's dots, a picker-view's indicator and masks) goes in a
// box around it, which has no node id: ops name the widget, and move or
// remove its box, so the widget's children stay the app's nodes in order.
// Attribute changes from the host (a set-attr op) are seen by a
// MutationObserver. Events go to the host, which checks each detail
// against the rendered component (view/src/events/details/widgets.rs).
//
// - swiper: its items side by side, scrolled to `current` (or the item
//   `current-item-id` names); a drag swipes (`transition {dx, dy}` while
//   dragged, `change {current, source: 'touch', currentItemId}` on
//   release, `animationfinish` once it settles; a current the app sets
//   is reported with an empty source, as WeChat does); autoplay is a timer here
//   in the browser (`source: 'autoplay'`), paused while dragged; circular
//   wraps from the last item to the first and back.
// - picker-view: each column scrolls and snaps to a row under the
//   indicator; `pickstart` when the user starts, `change {value}` with
//   every column's row when it settles (at once with immediate-change),
//   `pickend` after.
// - movable-view: dragged along its direction within its movable-area
//   (beyond it with out-of-bounds, springing back), `change {x, y,
//   source}` (an empty source when the app moved it); htouchmove or vtouchmove as the first move goes; with
//   `scale`, ctrl+wheel (a trackpad's pinch) scales it: `scale {x, y,
//   scale}`.

/** Added to the simulator's base CSS; the app's stylesheet overrides it. */
export const WIDGETS_CSS = `
.mp-box { display: block; position: relative; }
[data-mp="swiper"] { display: flex; height: 150px; overflow: hidden; overscroll-behavior: contain; touch-action: pan-y;
  padding: 0 var(--mp-next, 0px) 0 var(--mp-previous, 0px); box-sizing: border-box; }
[data-mp="swiper"][data-vertical] { flex-direction: column; touch-action: pan-x;
  padding: var(--mp-previous, 0px) 0 var(--mp-next, 0px) 0; }
[data-mp="swiper"] > [data-mp="swiper-item"] { display: block; flex: 0 0 calc(100% / var(--mp-shown, 1)); width: 100%;
  height: 100%; box-sizing: border-box; overflow: hidden; }
[data-mp="swiper"][data-vertical] > [data-mp="swiper-item"] { width: 100%; }
[data-mp="swiper"] img { -webkit-user-drag: none; user-select: none; }
.mp-swiper-dots { position: absolute; left: 0; right: 0; bottom: 10px; display: flex; justify-content: center; gap: 8px;
  pointer-events: none; }
.mp-swiper-dots[data-vertical] { left: auto; right: 10px; top: 0; bottom: 0; flex-direction: column; align-items: center; }
.mp-swiper-dot { width: 8px; height: 8px; border-radius: 50%; background: rgba(0, 0, 0, 0.3); }
[data-mp="picker-view"] { display: flex; position: relative; height: 200px; overflow: hidden; }
[data-mp="picker-view-column"] { flex: 1; height: 100%; overflow-y: auto; scroll-snap-type: y mandatory;
  scrollbar-width: none; text-align: center; }
[data-mp="picker-view-column"]::before, [data-mp="picker-view-column"]::after { content: ""; display: block;
  height: calc(50% - var(--mp-row, 34px) / 2); }
[data-mp="picker-view-column"] > * { scroll-snap-align: center; }
.mp-picker-indicator { position: absolute; left: 0; right: 0; top: calc(50% - var(--mp-row, 34px) / 2);
  height: var(--mp-row, 34px); box-sizing: border-box; border-top: 1px solid #e5e5e5; border-bottom: 1px solid #e5e5e5;
  pointer-events: none; }
.mp-picker-mask { position: absolute; left: 0; right: 0; height: calc(50% - var(--mp-row, 34px) / 2); pointer-events: none; }
.mp-picker-mask[data-at="top"] { top: 0; background: linear-gradient(180deg, rgba(255, 255, 255, 0.95), rgba(255, 255, 255, 0.6)); }
.mp-picker-mask[data-at="bottom"] { bottom: 0; background: linear-gradient(0deg, rgba(255, 255, 255, 0.95), rgba(255, 255, 255, 0.6)); }
[data-mp="movable-area"] { display: block; position: relative; width: 10px; height: 10px; }
[data-mp="movable-view"] { display: block; position: absolute; left: 0; top: 0; width: 10px; height: 10px;
  transform-origin: 0 0; touch-action: none; user-select: none; }
`;

/** How far (device CSS px) a pointer moves before it is a drag, not a tap. */
const DRAG = 6;

const EASINGS = {
  default: (t) => 1 - (1 - t) ** 2,
  linear: (t) => t,
  easeInCubic: (t) => t ** 3,
  easeOutCubic: (t) => 1 - (1 - t) ** 3,
  easeInOutCubic: (t) => (t < 0.5 ? 4 * t ** 3 : 1 - (-2 * t + 2) ** 3 / 2),
};

/** A number attribute of `element`, or `fallback`. */
function number(element, name, fallback) {
  const text = element.getAttribute(name);
  const n = text === null || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : fallback;
}

const flag = (element, name) => element.hasAttribute(name);

/** A length attribute (`30px`, `40rpx`, `12`) as CSS, else `0px` (nothing else reaches the CSS). */
function length(element, name) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(px|rpx)?\s*$/.exec(element.getAttribute(name) ?? '');
  if (!match) return '0px';
  // rpx: 750rpx is the device's width (--sim-vw is 1% of it).
  return match[2] === 'rpx' ? `calc(${match[1]} / 7.5 * var(--sim-vw, 1vw))` : `${match[1]}px`;
}
const round = (n) => Math.round(n * 10) / 10;

/**
 * Send `kind` on `element` unless the host refused it there before (an
 * event the app does not bind: a drag's transition or htouchmove, sent
 * often, is not sent again to be refused again).
 */
function sendOptional(host, element, kind, detail) {
  element.__unbound ??= new Set();
  if (element.__unbound.has(kind)) return;
  host.send(host.nodeOf(element), kind, detail, (ok) => {
    if (!ok) element.__unbound.add(kind);
  });
}

/** `<tag class>` with no node id. */
function part(tag, className) {
  const element = document.createElement(tag);
  element.className = className;
  return element;
}

/** Put `element` in a box with `parts` after it (ops move and remove the box). */
function boxed(element, ...parts) {
  const box = part('span', 'mp-box');
  box.append(element, ...parts);
  element.__box = box;
  return box;
}

/** A user's drag on `element`: `move(dx, dy)` as it goes, `end(dx, dy, ms)` on release; clicks after a drag are swallowed. */
function onDrag(element, { start, move, end, zoom }) {
  let drag = null;
  element.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || !start(event)) return;
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY, t: performance.now(), moved: false };
  });
  element.addEventListener('pointermove', (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const dx = (event.clientX - drag.x) / zoom();
    const dy = (event.clientY - drag.y) / zoom();
    if (!drag.moved && Math.hypot(dx, dy) < DRAG) return;
    if (!drag.moved) {
      drag.moved = true;
      element.setPointerCapture?.(drag.id);
    }
    move(dx, dy, drag);
  });
  const finish = (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const done = drag;
    drag = null;
    if (!done.moved) return;
    element.__dragged = true;
    setTimeout(() => { element.__dragged = false; }, 0);
    end((event.clientX - done.x) / zoom(), (event.clientY - done.y) / zoom(), performance.now() - done.t);
  };
  element.addEventListener('pointerup', finish);
  element.addEventListener('pointercancel', finish);
  // The click a drag ends with is not a tap (the page's listener is above).
  element.addEventListener('click', (event) => {
    if (element.__dragged) event.stopPropagation();
  }, true);
  element.addEventListener('dragstart', (event) => event.preventDefault());
}

/** Call `changed` (once per frame) when `element`'s attributes or children change. */
function observe(element, changed, options) {
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (element.isConnected) changed();
    });
  }).observe(element, options);
}

// ------------------------------------------------------------ swiper

function mountSwiper(element, host) {
  const dots = part('span', 'mp-swiper-dots');
  const box = boxed(element, dots);
  const s = { current: 0, timer: 0, animation: 0, dragging: false, shownCurrent: null };
  element.__swiper = s;
  const items = () => [...element.children].filter((e) => e.dataset.mp === 'swiper-item');
  const vertical = () => flag(element, 'data-vertical');
  const shown = () => Math.max(1, Math.floor(number(element, 'data-display-multiple-items', 1)));
  const circular = () => flag(element, 'data-circular');
  const size = () => {
    const item = items()[0];
    return item ? (vertical() ? item.offsetHeight : item.offsetWidth) : 0;
  };
  const last = () => Math.max(0, items().length - (circular() ? 1 : shown()));
  const scrollTo = (at) => {
    if (vertical()) element.scrollTop = at;
    else element.scrollLeft = at;
  };
  const scrolled = () => (vertical() ? element.scrollTop : element.scrollLeft);
  /** Where the swiper scrolls to show item `i` (its margins in px). */
  const goal = (i) => {
    const at = i * size();
    if (!flag(element, 'data-snap-to-edge') || circular() || items().length < 2) return at;
    // snap-to-edge: the first and the last item meet the swiper's edges.
    const style = getComputedStyle(element);
    const [before, after] = vertical() ? [style.paddingTop, style.paddingBottom] : [style.paddingLeft, style.paddingRight];
    if (i === 0) return parseFloat(before) || 0;
    if (i === last()) return Math.max(0, at - (parseFloat(after) || 0));
    return at;
  };

  /** The current item the host's attributes name. */
  const named = () => {
    const id = element.getAttribute('data-current-item-id');
    const byId = id ? items().findIndex((i) => i.getAttribute('data-item-id') === id) : -1;
    return byId >= 0 ? byId : Math.floor(number(element, 'data-current', 0));
  };

  function paintDots() {
    const count = items().length;
    dots.hidden = !flag(element, 'data-indicator-dots');
    dots.toggleAttribute('data-vertical', vertical());
    while (dots.children.length > count) dots.lastChild.remove();
    while (dots.children.length < count) dots.append(part('i', 'mp-swiper-dot'));
    // Only a colour: a value with anything else (a url()) is not drawn.
    const colour = (name) => {
      const value = element.getAttribute(name);
      return value !== null && CSS.supports('color', value) ? value : '';
    };
    const [idle, active] = [colour('data-indicator-color'), colour('data-indicator-active-color') || '#000000'];
    [...dots.children].forEach((dot, i) => {
      dot.toggleAttribute('data-active', i === s.current);
      dot.style.backgroundColor = i === s.current ? active : idle;
    });
  }

  /** Slide to item `to` (clamped, or wrapped when circular) in `duration` ms (at once: `instant`); then `done`. */
  function slide(to, done, instant = false) {
    const count = items().length;
    if (!count) return;
    const target = circular() ? ((to % count) + count) % count : Math.min(Math.max(0, to), last());
    s.current = target;
    paintDots();
    cancelAnimationFrame(s.animation);
    const from = scrolled();
    const to_ = goal(target);
    const ms = instant ? 0 : Math.max(0, number(element, 'data-duration', 500));
    const ease = EASINGS[element.getAttribute('data-easing-function')] ?? EASINGS.default;
    const began = performance.now();
    const step = (now) => {
      const t = ms ? Math.min(1, (now - began) / ms) : 1;
      scrollTo(from + (to_ - from) * ease(t));
      if (t < 1) s.animation = requestAnimationFrame(step);
      else done?.();
    };
    s.animation = requestAnimationFrame(step);
  }

  /** The user (or the timer) moved it to `to`: tell the app. */
  function changeTo(to, source) {
    const before = s.current;
    slide(to, () => sendOptional(host, element, 'animationfinish', detail(source)));
    if (s.current !== before) host.send(host.nodeOf(element), 'change', detail(source));
  }
  const detail = (source) => ({
    current: s.current,
    source,
    currentItemId: items()[s.current]?.getAttribute('data-item-id') ?? '',
  });

  function autoplay() {
    clearInterval(s.timer);
    s.timer = 0;
    if (!flag(element, 'data-autoplay')) return;
    const ms = Math.max(100, number(element, 'data-interval', 5000));
    s.timer = setInterval(() => {
      if (!element.isConnected) {
        clearInterval(s.timer);
        return;
      }
      if (s.dragging || items().length < 2) return;
      const next = s.current + 1 > last() && !circular() ? 0 : s.current + 1;
      changeTo(next, 'autoplay');
    }, ms);
  }

  function layout() {
    box.style.setProperty('--mp-shown', String(shown()));
    box.style.setProperty('--mp-previous', length(element, 'data-previous-margin'));
    box.style.setProperty('--mp-next', length(element, 'data-next-margin'));
    const wanted = named();
    // The host's current changed (the app's setData): go there, no event.
    if (wanted !== s.shownCurrent) {
      const first = s.shownCurrent === null;
      s.shownCurrent = wanted;
      // The app keeping the item the user chose: it is there already.
      if (first) slide(wanted, null, true);
      // The app moved it (its current): WeChat's change with an empty source.
      else if (!s.dragging && wanted !== s.current) changeTo(wanted, '');
    } else if (!s.dragging) {
      s.current = Math.min(s.current, last());
      scrollTo(goal(s.current));
    }
    paintDots();
    const autoplayOn = flag(element, 'data-autoplay');
    if (autoplayOn !== Boolean(s.timer) || autoplayOn) autoplay();
  }

  onDrag(element, {
    zoom: host.zoom,
    start: () => items().length > 0,
    move(dx, dy) {
      s.dragging = true;
      cancelAnimationFrame(s.animation);
      const along = vertical() ? dy : dx;
      const max = (items().length - 1) * size();
      scrollTo(Math.min(Math.max(0, goal(s.current) - along), max));
      // At most one a frame: the host allows 50 frames a second in all.
      const now = performance.now();
      if (now - (s.transitionAt ?? 0) > 50) {
        s.transitionAt = now;
        sendOptional(host, element, 'transition', { dx: round(vertical() ? 0 : -dx), dy: round(vertical() ? -dy : 0) });
      }
    },
    end(dx, dy, ms) {
      s.dragging = false;
      const along = vertical() ? dy : dx;
      const fast = Math.abs(along) / Math.max(ms, 1) > 0.3;
      const far = Math.abs(along) > size() / 5;
      changeTo(s.current + (far || fast ? (along < 0 ? 1 : -1) : 0), 'touch');
      autoplay();
    },
  });

  observe(element, layout, { attributes: true, childList: true });
  requestAnimationFrame(() => element.isConnected && layout());
}

// ------------------------------------------------------------ picker-view

function mountPickerView(element, host) {
  const indicator = part('span', 'mp-picker-indicator');
  const top = part('span', 'mp-picker-mask');
  const bottom = part('span', 'mp-picker-mask');
  top.dataset.at = 'top';
  bottom.dataset.at = 'bottom';
  const box = boxed(element, top, bottom, indicator);
  const p = { value: [], picking: false, settling: 0, userAt: null };
  const columns = () => [...element.children].filter((e) => e.dataset.mp === 'picker-view-column');
  const row = () => {
    const first = columns()[0]?.firstElementChild;
    return first?.offsetHeight || 34;
  };
  const rows = (column) => column.children.length;
  const indexOf = (column) => Math.min(Math.max(0, Math.round(column.scrollTop / row())), Math.max(0, rows(column) - 1));

  function paint() {
    box.style.setProperty('--mp-row', `${row()}px`);
    indicator.style.cssText = host.units(element.getAttribute('data-indicator-style') ?? '');
    indicator.className = `mp-picker-indicator ${element.getAttribute('data-indicator-class') ?? ''}`.trim();
    for (const mask of [top, bottom]) {
      mask.style.cssText = host.units(element.getAttribute('data-mask-style') ?? '');
      mask.className = `mp-picker-mask ${element.getAttribute('data-mask-class') ?? ''}`.trim();
    }
    // The app's value (its setData): each column scrolled to it, no event.
    // data-value is JSON text, a row per column (`[1,2]`); anything else is row 0.
    let wanted = [];
    try {
      wanted = JSON.parse(element.getAttribute('data-value') ?? '[]');
    } catch { /* row 0 */ }
    if (!Array.isArray(wanted)) wanted = [];
    wanted = wanted.map((v) => (Number.isInteger(v) && v >= 0 ? v : 0));
    const changed = wanted.join() !== p.value.join();
    p.value = columns().map((c, i) => Math.min(Math.max(0, Math.floor(wanted[i] ?? 0)), Math.max(0, rows(c) - 1)));
    if (changed && !p.picking) scrollToValue(0);
  }

  /** Scroll each column to its row of the value (again next frame while the page is not laid out yet). */
  function scrollToValue(tries) {
    if (!element.isConnected) return;
    const laidOut = columns().every((column) => column.clientHeight > 0);
    columns().forEach((column, i) => { column.scrollTop = p.value[i] * row(); });
    if (!laidOut && tries < 600) requestAnimationFrame(() => scrollToValue(tries + 1));
  }

  const picked = () => columns().map(indexOf);
  function settle() {
    const value = picked();
    const node = host.nodeOf(element);
    if (value.join() !== p.value.join()) {
      p.value = value;
      host.send(node, 'change', { value });
    }
    if (p.picking) {
      p.picking = false;
      sendOptional(host, element, 'pickend', {});
    }
  }

  // Only the user's scrolling picks (not the host's value, nor the browser
  // snapping a column into place): a wheel, a press or a key just before.
  for (const kind of ['wheel', 'pointerdown', 'keydown', 'touchstart']) {
    element.addEventListener(kind, () => { p.userAt = performance.now(); }, { capture: true, passive: true });
  }
  const userScroll = () => {
    if (!p.picking && !(performance.now() - (p.userAt ?? -Infinity) < 1000)) return;
    if (!p.picking) {
      p.picking = true;
      sendOptional(host, element, 'pickstart', {});
    }
    if (flag(element, 'data-immediate-change')) {
      const value = picked();
      if (value.join() !== p.value.join()) {
        p.value = value;
        host.send(host.nodeOf(element), 'change', { value });
      }
    }
    // Settled: the browser's scrollend, or no scroll for a while.
    clearTimeout(p.settling);
    p.settling = setTimeout(settle, 400);
  };
  element.addEventListener('scroll', userScroll, true);
  element.addEventListener('scrollend', () => {
    if (!p.picking) return;
    clearTimeout(p.settling);
    settle();
  }, true);

  observe(element, paint, { attributes: true, childList: true, subtree: true });
  requestAnimationFrame(() => element.isConnected && paint());
}

// ------------------------------------------------------------ movable-view

function mountMovableView(element, host) {
  const m = { x: 0, y: 0, scale: 1, from: null, axis: null, inFlight: false, pending: null };
  element.__movable = m;
  const area = () => element.parentElement?.dataset.mp === 'movable-area' ? element.parentElement : null;
  const bounds = () => {
    const room = area();
    const w = element.offsetWidth * m.scale;
    const h = element.offsetHeight * m.scale;
    if (!room) return { x: [-Infinity, Infinity], y: [-Infinity, Infinity] };
    const span = (outer, inner) => [Math.min(0, outer - inner), Math.max(0, outer - inner)];
    return { x: span(room.clientWidth, w), y: span(room.clientHeight, h) };
  };
  const clamp = (v, [low, high]) => Math.min(Math.max(v, low), high);
  const place = (animate) => {
    // damping (WeChat's 20 by default): the larger, the quicker it gets there.
    const seconds = Math.min(2, 6 / Math.max(1, number(element, 'data-damping', 20)));
    // animation="{{false}}" (data-move-animation="false"): it jumps there.
    const smooth = animate && element.getAttribute('data-move-animation') !== 'false';
    element.style.transition = smooth ? `translate ${seconds}s ease-out, scale ${seconds}s ease-out` : 'none';
    element.style.translate = `${m.x}px ${m.y}px`;
    element.style.scale = m.scale === 1 ? '' : String(m.scale);
    m.written = element.style.translate;
  };

  /** Tell the app where it is; one change in flight at a time, the latest kept. */
  function report(source) {
    const detail = { x: round(m.x), y: round(m.y), source };
    if (m.inFlight) {
      m.pending = detail;
      return;
    }
    m.inFlight = true;
    host.send(host.nodeOf(element), 'change', detail, () => {
      m.inFlight = false;
      const next = m.pending;
      m.pending = null;
      if (next) {
        m.inFlight = true;
        host.send(host.nodeOf(element), 'change', next, () => { m.inFlight = false; });
      }
    });
  }

  function fromHost(first) {
    if (m.from) return; // not while dragged
    const scale = flag(element, 'data-scale') ? number(element, 'data-scale-value', 1) : 1;
    const [min, max] = [number(element, 'data-scale-min', 0.1), number(element, 'data-scale-max', 10)];
    m.scale = Math.min(Math.max(scale, min), max);
    const [x, y] = [number(element, 'data-x', 0), number(element, 'data-y', 0)];
    const moved = x !== m.x || y !== m.y;
    [m.x, m.y] = [x, y];
    place(!first);
    // The app moved it (its x, y): WeChat's change with an empty source.
    if (moved && !first) report('');
  }

  const direction = () => element.getAttribute('data-direction') ?? 'none';
  onDrag(element, {
    zoom: host.zoom,
    start: () => direction() !== 'none' && !flag(element, 'data-disabled'),
    move(dx, dy) {
      if (!m.from) {
        m.from = { x: m.x, y: m.y };
        sendOptional(host, element, Math.abs(dx) >= Math.abs(dy) ? 'htouchmove' : 'vtouchmove', {});
      }
      const way = direction();
      const b = bounds();
      const loose = flag(element, 'data-out-of-bounds');
      const go = (from, d, span) => {
        const to = from + d;
        const inside = clamp(to, span);
        // Beyond the area with out-of-bounds: half the way, as a rubber band.
        return loose ? inside + (to - inside) / 2 : inside;
      };
      if (way === 'all' || way === 'horizontal') m.x = go(m.from.x, dx, b.x);
      if (way === 'all' || way === 'vertical') m.y = go(m.from.y, dy, b.y);
      place(false);
      const out = m.x !== clamp(m.x, b.x) || m.y !== clamp(m.y, b.y);
      report(out ? 'touch-out-of-bounds' : 'touch');
    },
    end(dx, dy, ms) {
      m.from = null;
      const b = bounds();
      if (flag(element, 'data-inertia') && ms > 0) {
        // Carried on by its speed, slowed by friction.
        const friction = Math.max(0.1, number(element, 'data-friction', 2));
        const way = direction();
        const carry = (d) => (d / ms) * (200 / friction);
        if (way === 'all' || way === 'horizontal') m.x = clamp(m.x + carry(dx), b.x);
        if (way === 'all' || way === 'vertical') m.y = clamp(m.y + carry(dy), b.y);
        place(true);
        report('friction');
        return;
      }
      const x = clamp(m.x, b.x);
      const y = clamp(m.y, b.y);
      if (x !== m.x || y !== m.y) {
        m.x = x;
        m.y = y;
        place(true);
        report('out-of-bounds');
      } else {
        report('touch');
      }
    },
  });

  // With the area's scale-area, a pinch anywhere in the area scales it.
  element.__pinch = (event) => pinch(event);
  element.addEventListener('wheel', (event) => {
    if (event.ctrlKey) event.stopPropagation();
    pinch(event);
  }, { passive: false });
  function pinch(event) {
    if (!event.ctrlKey || !flag(element, 'data-scale') || flag(element, 'data-disabled')) return;
    event.preventDefault();
    const [min, max] = [number(element, 'data-scale-min', 0.1), number(element, 'data-scale-max', 10)];
    // In hundredths: what is drawn is what the app is told.
    const wanted = Math.round(m.scale * Math.exp(-event.deltaY / 200) * 100) / 100;
    m.scale = Math.min(Math.max(wanted, min), max);
    place(false);
    sendOptional(host, element, 'scale', { x: round(m.x), y: round(m.y), scale: m.scale });
  }

  // The app's `style` (a set-attr) replaces the inline style: put the place back.
  observe(element, () => {
    if (element.style.translate !== m.written) place(false);
  }, { attributes: true, attributeFilter: ['style'] });
  observe(element, () => fromHost(false), { attributes: true, attributeFilter: ['data-x', 'data-y', 'data-scale-value', 'data-scale'] });
  fromHost(true);
}

/** A movable-area: with scale-area, a pinch (ctrl+wheel) anywhere in it scales its movable-views. */
function mountMovableArea(element) {
  element.addEventListener('wheel', (event) => {
    if (!event.ctrlKey || !flag(element, 'data-scale-area')) return;
    for (const view of element.children) view.__pinch?.(event);
  }, { passive: false });
}

const MOUNTS = {
  swiper: mountSwiper,
  'picker-view': mountPickerView,
  'movable-area': mountMovableArea,
  'movable-view': mountMovableView,
};

/**
 * Make `element` (just built, with its children) a working swiper,
 * picker-view or movable-view; any other element is left alone. `host`:
 * `send(node, kind, detail, after)`, `nodeOf(element)`, `zoom()` (the
 * device's zoom) and `units(css)` (viewport units as the page draws them).
 */
export function mountWidget(element, host) {
  const mount = MOUNTS[element.getAttribute('data-mp')];
  if (mount && !element.__widget) {
    element.__widget = true;
    mount(element, host);
  }
}
