// The picker built-in as WeChat draws it: the page shows the picker's
// children; a tap on them opens the host's sheet over the page (outside the
// page's shadow root, where the app cannot reach), with Cancel, the
// picker's header-text and OK over one listbox per column. OK sends the
// picker's `change` with WeChat's detail, Cancel (or a tap on the mask)
// its `cancel`; a multiSelector column moved sends `columnchange`. The
// host draws the picker's attributes as data-mode, data-range,
// data-range-key, data-value, data-start, data-end, data-fields,
// data-custom-item, data-level, data-disabled and data-header-text
// (view/src/builtins/table/picker.rs) and checks every detail again before
// the app sees it. A region picker's columns come from the region table in
// force, served at /regions.tsv (docs/regions.md).

/** The sheet open now: { picker, node, mode, columns: [{ select, items }] }. */
let open = null;
/** The region table, once fetched: a promise of { roots, byCode }. */
let regionTable = null;

const el = (tag, attrs = {}, text) => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
};

const SHEET_CSS = `
.picker-mask { position: absolute; inset: 0; z-index: 9; display: flex; align-items: flex-end; background: rgba(0, 0, 0, 0.6); }
.picker-sheet { width: 100%; background: #fff; }
.picker-bar { display: flex; align-items: center; justify-content: space-between; height: 48px; padding: 0 12px; border-bottom: 1px solid #eee; }
.picker-bar button { padding: 8px 12px; font-size: 17px; background: none; border: 0; }
#picker-cancel { color: #888; }
#picker-ok { color: #07c160; font-weight: 600; }
.picker-title { flex: 1; overflow: hidden; text-align: center; color: #333; font-size: 16px; white-space: nowrap; text-overflow: ellipsis; }
.picker-columns { display: flex; gap: 4px; padding: 12px 8px 24px; }
.picker-column { flex: 1; min-width: 0; height: 204px; font-size: 16px; text-align: center; border: 0; outline: 0; }
.picker-column option { padding: 6px 0; }
.picker-column option:checked { background: #f2f2f2; color: #000; font-weight: 600; }
`;

/** JSON of attribute `name` of `picker`, else `fallback`. */
function json(picker, name, fallback) {
  try {
    const value = JSON.parse(picker.getAttribute(name));
    return value ?? fallback;
  } catch {
    return picker.hasAttribute(name) ? picker.getAttribute(name) : fallback;
  }
}

const pad = (n) => String(n).padStart(2, '0');
const label = (item, key) => (item !== null && typeof item === 'object' ? String(item[key] ?? '') : String(item));

/** A column's listbox over `items` ([{ text, value }]) with `index` selected. */
function column(items, index) {
  const select = el('select', { class: 'picker-column', size: '6' });
  for (const [i, item] of items.entries()) select.append(el('option', { value: String(i) }, item.text));
  select.selectedIndex = Math.max(0, Math.min(items.length - 1, index));
  return { select, items };
}

// ---------------------------------------------------------------- the modes

/** The columns of a selector or multiSelector from its range and value. */
function listColumns(picker, multi) {
  const key = picker.getAttribute('data-range-key') ?? '';
  const range = json(picker, 'data-range', []);
  const lists = multi ? (Array.isArray(range) ? range : []).map((c) => (Array.isArray(c) ? c : [])) : [Array.isArray(range) ? range : []];
  const value = json(picker, 'data-value', multi ? [] : 0);
  const indices = multi ? (Array.isArray(value) ? value : []) : [value];
  return lists.map((items, i) => column(items.map((item, n) => ({ text: label(item, key), value: n })), Number(indices[i]) || 0));
}

/** hh:mm as minutes, or null. */
const minutes = (text) => {
  const match = /^(\d\d):(\d\d)$/.exec(text ?? '');
  return match && Number(match[1]) < 24 && Number(match[2]) < 60 ? Number(match[1]) * 60 + Number(match[2]) : null;
};

function timeColumns(picker) {
  const now = minutes(picker.getAttribute('data-value')) ?? minutes(picker.getAttribute('data-start')) ?? 0;
  const hours = Array.from({ length: 24 }, (_, h) => ({ text: pad(h), value: h }));
  const mins = Array.from({ length: 60 }, (_, m) => ({ text: pad(m), value: m }));
  return [column(hours, Math.floor(now / 60)), column(mins, now % 60)];
}

/** The chosen time, moved into start..end as a wheel stops at its ends. */
function timeValue(picker, [h, m]) {
  const start = minutes(picker.getAttribute('data-start')) ?? 0;
  const end = minutes(picker.getAttribute('data-end')) ?? 23 * 60 + 59;
  const chosen = Math.max(start, Math.min(end, h.value * 60 + m.value));
  return `${pad(Math.floor(chosen / 60))}:${pad(chosen % 60)}`;
}

const PARTS = { year: 1, month: 2, day: 3 };
const dateParts = (text) => (/^\d{4}(-\d\d){0,2}$/.test(text ?? '') ? text.split('-').map(Number) : null);
const daysIn = (y, m) => new Date(y, m, 0).getDate();

function dateColumns(picker) {
  const parts = PARTS[picker.getAttribute('data-fields')] ?? 3;
  const start = dateParts(picker.getAttribute('data-start'));
  const end = dateParts(picker.getAttribute('data-end'));
  const today = new Date();
  const value = dateParts(picker.getAttribute('data-value')) ?? start ?? [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  const first = start?.[0] ?? 1900;
  const last = end?.[0] ?? 2100;
  const years = Array.from({ length: Math.max(1, last - first + 1) }, (_, i) => ({ text: String(first + i), value: first + i }));
  const months = Array.from({ length: 12 }, (_, i) => ({ text: pad(i + 1), value: i + 1 }));
  const days = Array.from({ length: 31 }, (_, i) => ({ text: pad(i + 1), value: i + 1 }));
  const columns = [column(years, (value[0] ?? first) - first), column(months, (value[1] ?? 1) - 1), column(days, (value[2] ?? 1) - 1)];
  return columns.slice(0, parts);
}

/** A date's parts as text: YYYY, YYYY-MM or YYYY-MM-DD. */
const dateText = (parts) => parts.map((x, i) => (i ? pad(x) : String(x).padStart(4, '0'))).join('-');

/** The chosen date in the fields' format, a real day, moved into start..end
 * as a wheel stops at its ends. */
function dateValue(picker, chosen) {
  const parts = chosen.length;
  const date = chosen.map((c) => c.value);
  const realDay = () => { if (parts === 3) date[2] = Math.min(date[2], daysIn(date[0], date[1])); };
  realDay();
  const clamp = (bound, early) => {
    if (!bound) return;
    const n = Math.min(bound.length, parts);
    const [a, b] = [dateText(date.slice(0, n)), dateText(bound.slice(0, n))];
    if (early ? a >= b : a <= b) return;
    for (let i = 0; i < parts; i += 1) {
      if (i < n) date[i] = bound[i];
      else date[i] = early ? 1 : (i === 1 ? 12 : daysIn(date[0], date[1]));
    }
  };
  clamp(dateParts(picker.getAttribute('data-start')), true);
  clamp(dateParts(picker.getAttribute('data-end')), false);
  realDay();
  return dateText(date);
}

/** The region table: fetched once from the host. */
function regions() {
  regionTable ??= fetch('/regions.tsv').then((response) => {
    if (!response.ok) throw new Error(`the region table: HTTP ${response.status}`);
    return response.text();
  }).then((text) => {
    const byCode = new Map();
    const roots = [];
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [code, name, parent] = line.replace(/\r$/, '').split('\t');
      const region = { code, name, children: [] };
      byCode.set(code, region);
      (parent ? byCode.get(parent)?.children : roots)?.push(region);
    }
    return { roots, byCode };
  });
  regionTable.catch(() => { regionTable = null; });
  return regionTable;
}

const LEVELS = { province: 1, city: 2, region: 3 };

/** The region columns: each one's regions under the one chosen before it,
 * the custom item first when there is one. `names` picks the selection. */
function regionColumns(picker, table, names) {
  const depth = LEVELS[picker.getAttribute('data-level')] ?? 3;
  const custom = picker.getAttribute('data-custom-item') || null;
  const columns = [];
  let under = table.roots;
  let customised = false;
  for (let i = 0; i < depth; i += 1) {
    const items = [];
    if (custom !== null) items.push({ text: custom, value: { name: custom, code: '', children: [] } });
    if (!customised) for (const region of under) items.push({ text: region.name, value: region });
    let index = items.findIndex((item) => item.text === names[i]);
    if (index < 0) index = 0;
    const chosen = columns.push(column(items, index)) && items[index];
    customised = customised || (custom !== null && chosen?.text === custom && chosen.value.code === '');
    under = chosen?.value.children ?? [];
  }
  return columns;
}

// ---------------------------------------------------------------- the sheet

function close() {
  if (!open) return;
  open.observer.disconnect();
  open.mask.remove();
  // The viewport stays inert under a host prompt still shown.
  if (document.querySelector('#prompt')?.hidden !== false) document.querySelector('#viewport')?.removeAttribute('inert');
  open = null;
}

/** WeChat's detail of the sheet's choice, by mode. */
function detailOf(state) {
  const chosen = state.columns.map((c) => c.items[c.select.selectedIndex]);
  switch (state.mode) {
    case 'multiSelector': return { value: chosen.map((item) => item.value) };
    case 'time': return { value: timeValue(state.picker, chosen) };
    case 'date': return { value: dateValue(state.picker, chosen) };
    case 'region': return { value: chosen.map((item) => item.value.name), code: chosen.map((item) => item.value.code) };
    default: return { value: chosen[0]?.value ?? 0 };
  }
}

/** Fill the sheet's columns (again, when a region column or the app's
 * range changes), keeping what is chosen where it still can be. */
async function fill(state, names) {
  let columns;
  if (state.mode === 'region') columns = regionColumns(state.picker, await regions(), names ?? json(state.picker, 'data-value', []));
  else if (state.mode === 'multiSelector') columns = listColumns(state.picker, true);
  else if (state.mode === 'time') columns = timeColumns(state.picker);
  else if (state.mode === 'date') columns = dateColumns(state.picker);
  else columns = listColumns(state.picker, false);
  if (open !== state) return;
  if (state.columns.length && state.mode === 'multiSelector') {
    // The app changed the range while the sheet was open: keep the rows.
    columns.forEach((c, i) => {
      const was = state.columns[i]?.select.selectedIndex ?? 0;
      c.select.selectedIndex = Math.min(was, c.items.length - 1);
    });
  }
  state.columns = columns;
  state.box.replaceChildren(...columns.map((c) => c.select));
  columns.forEach((c, i) => c.select.addEventListener('change', () => moved(state, i)));
  // Each column shows its chosen row (a wheel shows it under its indicator).
  for (const { select } of columns) {
    const row = select.options[select.selectedIndex];
    if (row) select.scrollTop = row.offsetTop - (select.clientHeight - row.offsetHeight) / 2;
  }
}

/** Column `i` moved: a multiSelector tells the app; a region's later
 * columns follow the region chosen. */
function moved(state, i) {
  if (state.mode === 'multiSelector') {
    state.send(state.node, 'columnchange', { column: i, value: state.columns[i].select.selectedIndex });
  } else if (state.mode === 'region') {
    const names = state.columns.map((c, n) => (n <= i ? c.items[c.select.selectedIndex]?.text : null));
    fill(state, names);
  }
}

function show(picker, node, send) {
  close();
  const mode = picker.getAttribute('data-mode') || 'selector';
  const mask = el('div', { id: 'picker-sheet', class: 'picker-mask', role: 'dialog', 'aria-modal': 'true', 'data-mode': mode });
  const sheet = el('div', { class: 'picker-sheet' });
  const cancel = el('button', { id: 'picker-cancel', type: 'button' }, 'Cancel');
  const ok = el('button', { id: 'picker-ok', type: 'button' }, 'OK');
  const title = el('span', { id: 'picker-title', class: 'picker-title' }, picker.getAttribute('data-header-text') ?? '');
  const bar = el('div', { class: 'picker-bar' });
  bar.append(cancel, title, ok);
  const box = el('div', { class: 'picker-columns' });
  sheet.append(bar, box);
  mask.append(sheet);
  const state = { picker, node, mode, mask, box, send, columns: [], observer: null };
  // The app may change the picker (a multiSelector's range after a
  // columnchange): the columns follow.
  state.observer = new MutationObserver((records) => {
    if (!picker.isConnected) close();
    else if (mode === 'multiSelector' && records.some((r) => r.type === 'attributes')) fill(state);
  });
  state.observer.observe(picker, { attributes: true, attributeFilter: ['data-range'] });
  // Another page painted (or the picker removed): the sheet goes with it.
  state.observer.observe(picker.getRootNode(), { childList: true, subtree: true });
  open = state;
  cancel.addEventListener('click', () => { send(node, 'cancel', {}); close(); });
  mask.addEventListener('click', (event) => {
    if (event.target === mask) { send(node, 'cancel', {}); close(); }
  });
  ok.addEventListener('click', () => { send(node, 'change', detailOf(state)); close(); });
  (document.querySelector('#device') ?? document.body).append(mask);
  document.querySelector('#viewport')?.setAttribute('inert', '');
  fill(state).catch((error) => {
    title.textContent = `The picker cannot open: ${error.message}`;
  });
}

/** Open a picker's sheet when its children are tapped (a disabled one
 * does not open). */
export function watchPickers(shadow, send, nodeOf) {
  const css = new CSSStyleSheet();
  css.replaceSync(SHEET_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, css];
  shadow.addEventListener('click', (event) => {
    const picker = event.target instanceof Element ? event.target.closest('[data-mp="picker"]') : null;
    if (!picker || picker.hasAttribute('data-disabled')) return;
    const node = nodeOf(picker);
    if (node !== null) show(picker, node, send);
  });
}
