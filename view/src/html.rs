//! A rendered page as HTML, for tests, the CLI and a first paint. Every
//! component maps to an inert HTML element (a `form` is a `div`, a
//! `navigator` an `a` without `href`: the host acts on them, the browser
//! never does), carries its node id in `data-nid` and its component in
//! `data-mp`, and every text and attribute value is escaped. No script, no
//! event handler attribute and no raw HTML can come out of it. A swiper
//! and a picker-view show as a phone shows them still (`widgets.rs`).

use crate::render::{Tree, VElement, VNode};

mod widgets;

pub(crate) use crate::builtins::{html_attribute, html_tag};

/// Elements HTML writes without children or an end tag.
fn is_void(tag: &str) -> bool {
    matches!(tag, "img" | "input" | "br" | "hr" | "col")
}

/// The page as HTML.
pub fn to_html(tree: &Tree) -> String {
    let size = tree
        .html_size_hint()
        .unwrap_or_else(|| tree.nodes.iter().map(size_hint).sum());
    let mut out = String::with_capacity(size);
    for node in &tree.nodes {
        node_into(node, &mut out);
    }
    out
}

/// About how many bytes of HTML `node` makes (its texts and attributes
/// unescaped).
fn size_hint(node: &VNode) -> usize {
    match node {
        VNode::Text(text) => 32 + text.text.len(),
        VNode::Element(e) => {
            let attrs: usize = e.attrs.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
            64 + attrs + e.children.iter().map(size_hint).sum::<usize>()
        }
    }
}

/// Append the HTML of `node` and its subtree. A text is a `span` carrying
/// its node id, so diff operations can reach it.
pub fn node_into(node: &VNode, out: &mut String) {
    match node {
        VNode::Text(text) => {
            out.push_str("<span data-nid=\"");
            push_number(text.id, out);
            out.push_str("\">");
            escape_into(&text.text, out);
            out.push_str("</span>");
        }
        VNode::Element(element) => element_html(element, out),
    }
}

/// Append `n` in decimal.
fn push_number(n: u32, out: &mut String) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits: always UTF-8.
    if let Ok(digits) = std::str::from_utf8(&digits[at..]) {
        out.push_str(digits);
    }
}

/// The HTML element and fixed attributes of `element`: a custom
/// component's host is an inline `span`, as WeChat draws hosts inline.
pub(crate) fn element_tag(element: &VElement) -> (&'static str, &'static str) {
    match element.host {
        Some(_) => ("span", ""),
        None => html_tag(element.tag),
    }
}

/// The built-ins whose events the embedder sends unprompted (a swiper's
/// `change` and `animationfinish` as it slides, a video's `timeupdate`, a
/// slider's `changing`): they carry `data-bound`, and an embedder sends
/// them only the events listed (dev/static/sim.js's `sendEvent` keeps the
/// same list). Their events do not bubble, so the element's own bindings
/// are all that can take one.
pub const UNPROMPTED_EVENTS: [&str; 7] = [
    "swiper",
    "picker-view",
    "movable-view",
    "slider",
    "switch",
    "video",
    "audio",
];

/// The events `element`, one of [`UNPROMPTED_EVENTS`]' built-ins, binds
/// (`bind`, `catch`, `model:`...), space-separated, as its `data-bound`:
/// the events' names only, never a handler's. `None` for another element,
/// or one that binds nothing.
pub fn bound_events(element: &VElement) -> Option<String> {
    if element.host.is_some() || !UNPROMPTED_EVENTS.contains(&element.tag) {
        return None;
    }
    let mut kinds: Vec<&str> = element.events.iter().map(|b| b.event.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    (!kinds.is_empty()).then(|| kinds.join(" "))
}

/// What `data-mp` shows of `element`: its component, as the template names
/// it (`view`, `my-card`).
pub(crate) fn component_name(element: &VElement) -> &str {
    element.host.as_ref().map_or(element.tag, |host| &host.tag)
}

fn element_html(element: &VElement, out: &mut String) {
    element_marked(element, "", None, out);
}

/// Append `element` with `mark` (` hidden`...) among its attributes; a
/// picker-view's column is given its `(marks, index)`.
fn element_marked(
    element: &VElement,
    mark: &str,
    column: Option<(&widgets::Marks, usize)>,
    out: &mut String,
) {
    let (tag, fixed) = element_tag(element);
    out.push('<');
    out.push_str(tag);
    out.push_str(fixed);
    out.push_str(" data-nid=\"");
    push_number(element.id, out);
    out.push_str("\" data-mp=\"");
    escape_into(component_name(element), out);
    out.push('"');
    if let Some(host) = &element.host {
        out.push_str(" data-mpc=\"");
        escape_into(&host.key, out);
        out.push('"');
    }
    let textarea = element.tag == "textarea";
    for (name, value) in &element.attrs {
        let Some(html_name) = html_attribute(element.tag, name) else {
            continue;
        };
        if textarea && &**name == "value" {
            continue;
        }
        out.push(' ');
        out.push_str(html_name);
        out.push_str("=\"");
        escape_into(value, out);
        out.push('"');
    }
    if let Some(bound) = bound_events(element) {
        out.push_str(" data-bound=\"");
        escape_into(&bound, out);
        out.push('"');
    }
    out.push_str(mark);
    out.push('>');
    if is_void(tag) {
        return;
    }
    if textarea && let Some((_, value)) = element.attrs.iter().find(|(n, _)| &**n == "value") {
        escape_into(value, out);
    }
    let marks = widgets::marks(element);
    let mut nth = 0;
    for child in &element.children {
        let Some(child_element) = widgets::is_element(child) else {
            node_into(child, out);
            continue;
        };
        if let Some(marks) = &marks {
            let mark = marks.on_child(child_element, nth);
            let is_column = child_element.tag == "picker-view-column";
            nth += usize::from(is_column || child_element.tag == "swiper-item");
            let column = is_column.then_some((marks, nth.saturating_sub(1)));
            element_marked(child_element, mark, column, out);
        } else if let Some((marks, index)) = column {
            element_marked(child_element, marks.on_item(index, nth), None, out);
            nth += 1;
        } else {
            element_html(child_element, out);
        }
    }
    if let Some(marks) = &marks {
        widgets::dots(element, marks, out);
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Append `text` escaped for HTML text and quoted attribute values.
pub fn escape_into(text: &str, out: &mut String) {
    let mut rest = text;
    // Bytes, not characters: the five are ASCII, and never part of a
    // multi-byte character.
    while let Some(at) = rest
        .bytes()
        .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}
