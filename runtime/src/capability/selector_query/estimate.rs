//! The layout a host with no screen answers selector queries from: every
//! element a block the window's width, its children stacked in it from its
//! top; a text in lines 22 pixels high, 8 pixels per ASCII character and 16
//! per other one, wrapped at the window's width; an `image` 320 by 240
//! (WeChat's default size). Nothing scrolls (every scroll offset is 0), and
//! styles, margins and paddings are not read.

use miniapp_view::render::{VElement, VNode};

/// Height of one line of text, pixels.
pub(super) const LINE_HEIGHT: f64 = 22.0;
/// An `image`'s size, WeChat's default.
const IMAGE: (f64, f64) = (320.0, 240.0);

/// Where an element is, and its parent element's place in the list.
pub(super) struct Placed<'a> {
    pub element: &'a VElement,
    pub parent: Option<usize>,
    /// left, top, width, height.
    pub rect: (f64, f64, f64, f64),
}

/// The page's elements in document order, each placed.
pub(super) fn lay_out(nodes: &[VNode], width: f64) -> Vec<Placed<'_>> {
    let mut placed = Vec::new();
    stack(nodes, width, 0.0, None, &mut placed);
    placed
}

/// Stack `nodes` from `top`; returns their height.
fn stack<'a>(
    nodes: &'a [VNode],
    width: f64,
    top: f64,
    parent: Option<usize>,
    placed: &mut Vec<Placed<'a>>,
) -> f64 {
    let mut y = top;
    for node in nodes {
        y += match node {
            VNode::Text(text) => text_height(&text.text, width),
            VNode::Element(element) => {
                let at = placed.len();
                placed.push(Placed {
                    element,
                    parent,
                    rect: (0.0, y, width, 0.0),
                });
                let inner = stack(&element.children, width, y, Some(at), placed);
                let (w, h) = match element.tag {
                    "image" => IMAGE,
                    _ => (width, inner),
                };
                placed[at].rect = (0.0, y, w, h);
                h
            }
        };
    }
    y - top
}

/// The height of `text` wrapped at `width`.
pub(super) fn text_height(text: &str, width: f64) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        return 0.0;
    }
    let wide: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 8.0 } else { 16.0 })
        .sum();
    (wide / width.max(1.0)).ceil().max(1.0) * LINE_HEIGHT
}
