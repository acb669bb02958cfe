// The `animation` attribute (view/src/animation.rs): the host sends an
// animation's export as `data-animation`, its steps already checked and
// turned into CSS (`[{duration, delay, timing, style: [[property, value]...]}]`).
// This plays them in order as CSS transitions, each from where the last
// left the element, and keeps the last state: a later `style` from the app
// does not undo it (as on WeChat), and a new export plays from there.

/** Per element: the run under way (a newer one stops it) and the state its animations left. */
const played = new WeakMap();

const TIMING = new Set(['linear', 'ease', 'ease-in', 'ease-in-out', 'ease-out', 'step-start', 'step-end']);
const PROPERTY = /^[a-z-]+$/;

/** Play `text` (a data-animation value; null when removed: the element stays where it is). */
export function playAnimation(element, text, rewriteUnits) {
  const previous = played.get(element);
  const run = { final: new Map(previous?.final ?? []) };
  played.set(element, run);
  if (text === null) return;
  let steps;
  try {
    steps = JSON.parse(text);
  } catch {
    return;
  }
  if (!Array.isArray(steps)) return;
  play(element, steps, run, rewriteUnits).catch(() => {});
}

/** Put back the state `element`'s animations left (after its `style` attribute was set). */
export function keepAnimation(element) {
  const run = played.get(element);
  for (const [property, value] of run?.final ?? []) element.style.setProperty(property, value);
}

async function play(element, steps, run, rewriteUnits) {
  // The element is in the page and styled before the first step starts.
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  for (const step of steps) {
    if (played.get(element) !== run || !element.isConnected) return;
    const style = (Array.isArray(step?.style) ? step.style : [])
      .filter((pair) => Array.isArray(pair) && PROPERTY.test(pair[0]) && typeof pair[1] === 'string')
      .map(([property, value]) => [property, rewriteUnits(value)]);
    const timing = TIMING.has(step.timing) ? step.timing : 'linear';
    const ms = (n) => (Number.isFinite(n) && n >= 0 ? n : 0);
    element.style.transition = style
      .map(([property]) => `${property} ${ms(step.duration)}ms ${timing} ${ms(step.delay)}ms`)
      .join(', ');
    // The transition is in force before the values change.
    getComputedStyle(element).getPropertyValue('transition');
    for (const [property, value] of style) {
      element.style.setProperty(property, value);
      run.final.set(property, value);
    }
    // getAnimations() brings the style up to date: the step's transitions
    // are there (none if nothing changed). The next step waits for them,
    // and for the step's time in any case (a step that changes nothing
    // still takes its delay and duration).
    const transitions = element.getAnimations().filter((a) => a instanceof CSSTransition);
    const time = new Promise((resolve) => setTimeout(resolve, ms(step.delay) + ms(step.duration)));
    await Promise.all([time, ...transitions.map((a) => a.finished.catch(() => {}))]);
  }
  if (played.get(element) === run) element.style.removeProperty('transition');
}
