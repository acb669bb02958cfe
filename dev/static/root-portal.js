// root-portal as WeChat draws it: with `enable` (WeChat's default), its
// subtree is drawn at the page's root, after the page's content and outside
// every ancestor's clipping, scrolling and stacking; with enable false, where
// it stands. The element keeps its node id and children, so ops still name
// it: its place among its parent's children is a slot of its own (a box
// with `display: contents`, as a widget's box is), which ops insert, move
// and remove; enabled, the element sits in this module's layer beside the
// page's root instead of in the slot. A slot leaving the page takes its
// element with it.

const SHEET = `
.mp-portal-slot { display: contents; }
.mp-portal-layer { display: block; }
[data-mp="root-portal"] { display: block; }
`;

/** Slots of the portals drawn, to their elements. */
const slots = new Map();
let layer = null;

/** Draw `element` in the layer while enabled, else in its slot. */
function place(element) {
  const enabled = element.getAttribute('data-enable') !== 'false';
  const home = enabled ? layer : element.__box;
  if (element.parentNode !== home) home.append(element);
}

/**
 * Keep the root-portals of `root` (the page's shadow root) at the page's
 * root: `page` is the page's root element, beside which the layer goes.
 */
export function watchRootPortals(root, page) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(SHEET);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  layer = document.createElement('div');
  layer.className = 'mp-portal-layer';
  page.after(layer);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') {
        if (record.target.__box) place(record.target);
        continue;
      }
      for (const removed of record.removedNodes) {
        if (!(removed instanceof Element)) continue;
        for (const [slot, element] of slots) {
          if (!slot.isConnected && (removed === slot || removed.contains(slot) || removed.contains(element))) {
            slots.delete(slot);
            element.remove();
          }
        }
      }
    }
  }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-enable'] });
}

/** A root-portal `element` just built: give it its slot and draw it. */
export function mountRootPortal(element) {
  if (element.getAttribute('data-mp') !== 'root-portal' || element.__box || !layer) return;
  const slot = document.createElement('span');
  slot.className = 'mp-portal-slot';
  element.__box = slot;
  slots.set(slot, element);
  place(element);
}
