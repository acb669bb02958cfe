// hover-class as WeChat draws it: a pressed element (and its ancestors with
// a hover-class, up to one with hover-stop-propagation) takes its
// hover-class after hover-start-time and keeps it hover-stay-time after the
// press ends. The host draws the attributes as data-hover-class,
// data-hover-start-time, data-hover-stay-time and
// data-hover-stop-propagation (view/src/builtins/table.rs).

/** Elements pressed now: element → { tokens, timer, shown }. */
const pressed = new Map();

/** WeChat's default times, ms: a view stays 400, a button or navigator 70. */
function times(element) {
  const ms = (name, fallback) => {
    const n = Number(element.getAttribute(name));
    return element.hasAttribute(name) && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const quick = element.dataset.mp === 'button' || element.dataset.mp === 'navigator';
  return {
    start: ms('data-hover-start-time', element.dataset.mp === 'button' ? 20 : 50),
    stay: ms('data-hover-stay-time', quick ? 70 : 400),
  };
}

/** The elements a press on `target` lights, innermost first, below `root`. */
function lit(target, root) {
  const out = [];
  for (let e = target instanceof Element ? target : null; e && e !== root; e = e.parentElement) {
    const value = e.getAttribute('data-hover-class');
    if (value && value !== 'none' && !e.hasAttribute('disabled')) out.push(e);
    if (e.hasAttribute('data-hover-stop-propagation')) break;
  }
  return out;
}

/** A press began on `target`. */
export function hoverStart(target, root) {
  hoverEnd();
  for (const element of lit(target, root)) {
    const tokens = element.getAttribute('data-hover-class').split(/\s+/).filter(Boolean);
    const entry = { tokens, shown: false, timer: 0 };
    entry.timer = setTimeout(() => {
      element.classList.add(...tokens);
      entry.shown = true;
    }, times(element).start);
    pressed.set(element, entry);
  }
}

/** The press ended (or moved away): each class goes after its stay time. */
export function hoverEnd() {
  for (const [element, entry] of pressed) {
    clearTimeout(entry.timer);
    if (entry.shown) setTimeout(() => element.classList.remove(...entry.tokens), times(element).stay);
  }
  pressed.clear();
}
