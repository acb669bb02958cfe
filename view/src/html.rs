//! A rendered page as HTML, for tests, the CLI and a first paint. Every
//! component maps to an inert HTML element (a `form` is a `div`, a
//! `navigator` an `a` without `href`: the host acts on them, the browser
//! never does), carries its node id in `data-nid` and its component in
//! `data-mp`, and every text and attribute value is escaped. No script, no
//! event handler attribute and no raw HTML can come out of it.

use std::fmt::Write;

use crate::render::{Tree, VElement, VNode};

/// The HTML element a component is drawn with, and fixed attributes.
fn html_tag(component: &str) -> (&'static str, &'static str) {
    match component {
        "text" => ("span", ""),
        "image" => ("img", ""),
        "button" => ("button", " type=\"button\""),
        "input" => ("input", ""),
        "textarea" => ("textarea", ""),
        "icon" => ("i", ""),
        "navigator" => ("a", ""),
        "label" => ("label", ""),
        "checkbox" => ("input", " type=\"checkbox\""),
        "radio" => ("input", " type=\"radio\""),
        "switch" => ("input", " type=\"checkbox\" role=\"switch\""),
        "progress" => ("progress", " max=\"100\""),
        _ => ("div", ""),
    }
}

/// Elements HTML writes without children or an end tag.
fn is_void(tag: &str) -> bool {
    matches!(tag, "img" | "input")
}

/// How a component attribute is written in HTML: its HTML name, or `None`
/// to keep it host-side (as `data-` state the simulator reads).
fn html_attribute(component: &str, name: &str) -> Option<&'static str> {
    Some(match (component, name) {
        (_, "id") => "id",
        (_, "class") => "class",
        (_, "style") => "style",
        (_, "hidden") => "hidden",
        ("image", "src") => "src",
        ("input" | "textarea", "value") => "value",
        ("input" | "textarea", "placeholder") => "placeholder",
        ("input" | "textarea", "maxlength") => "maxlength",
        ("input", "password") => "data-password",
        (_, "disabled") => "disabled",
        ("checkbox" | "radio" | "switch", "checked") => "checked",
        ("progress", "percent") => "value",
        ("navigator", "url") => "data-url",
        _ => return None,
    })
}

/// The page as HTML.
pub fn to_html(tree: &Tree) -> String {
    let mut out = String::new();
    for node in &tree.nodes {
        node_into(node, &mut out);
    }
    out
}

/// Append the HTML of `node` and its subtree. A text is a `span` carrying
/// its node id, so diff operations can reach it.
pub fn node_into(node: &VNode, out: &mut String) {
    match node {
        VNode::Text(text) => {
            let _ = write!(out, "<span data-nid=\"{}\">", text.id);
            escape_into(&text.text, out);
            out.push_str("</span>");
        }
        VNode::Element(element) => element_html(element, out),
    }
}

fn element_html(element: &VElement, out: &mut String) {
    let (tag, fixed) = html_tag(element.tag);
    let _ = write!(
        out,
        "<{tag}{fixed} data-nid=\"{}\" data-mp=\"{}\"",
        element.id, element.tag
    );
    for (name, value) in &element.attrs {
        let Some(html_name) = html_attribute(element.tag, name) else {
            continue;
        };
        if element.tag == "textarea" && &**name == "value" {
            continue;
        }
        let _ = write!(out, " {html_name}=\"");
        escape_into(value, out);
        out.push('"');
    }
    out.push('>');
    if is_void(tag) {
        return;
    }
    if element.tag == "textarea"
        && let Some((_, value)) = element.attrs.iter().find(|(n, _)| &**n == "value")
    {
        escape_into(value, out);
    }
    for child in &element.children {
        node_into(child, out);
    }
    let _ = write!(out, "</{tag}>");
}

/// Append `text` escaped for HTML text and quoted attribute values.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}
