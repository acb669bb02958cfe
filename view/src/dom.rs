//! The rendered page as data a client builds its DOM from: the same
//! elements, attributes and texts as [`html`](crate::html) writes, so a
//! client never parses markup (`createElement`, `setAttribute` and
//! `textContent` only).

use serde::Serialize;

use crate::html::{component_name, element_tag, html_attribute};
use crate::render::{Tree, VElement, VNode};

/// A node of the page, as a client builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DomNode {
    /// An element.
    Element {
        /// Its node id (also in its `data-nid` attribute).
        id: u32,
        /// The HTML element (`div`, `span`, `img`, `button`, `input`...).
        tag: &'static str,
        /// Its HTML attributes, `data-nid` and `data-mp` first.
        attrs: Vec<(String, String)>,
        /// Its children.
        children: Vec<DomNode>,
    },
    /// A text, drawn as a `span` carrying its node id.
    Text {
        /// Its node id.
        id: u32,
        /// The text.
        text: String,
    },
}

/// The page's top-level nodes.
pub fn nodes(tree: &Tree) -> Vec<DomNode> {
    tree.nodes.iter().map(node).collect()
}

/// `node` and its subtree.
pub fn node(node: &VNode) -> DomNode {
    match node {
        VNode::Text(text) => DomNode::Text {
            id: text.id,
            text: text.text.to_string(),
        },
        VNode::Element(element) => self::element(element),
    }
}

fn element(element: &VElement) -> DomNode {
    let (tag, fixed) = element_tag(element);
    let mut attrs = vec![
        ("data-nid".to_string(), element.id.to_string()),
        ("data-mp".to_string(), component_name(element).to_string()),
    ];
    if let Some(host) = &element.host {
        attrs.push(("data-mpc".to_string(), host.key.to_string()));
    }
    // The fixed attributes are constants of the form ` name="value"`.
    attrs.extend(
        fixed
            .split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.to_string(), value.trim_matches('"').to_string())),
    );
    for (name, value) in &element.attrs {
        if let Some(html_name) = html_attribute(element.tag, name) {
            attrs.push((html_name.to_string(), value.to_string()));
        }
    }
    if let Some(bound) = crate::html::bound_events(element) {
        attrs.push(("data-bound".to_string(), bound));
    }
    DomNode::Element {
        id: element.id,
        tag,
        attrs,
        children: element.children.iter().map(node).collect(),
    }
}

/// The HTML attribute a component attribute of element `id` is written as
/// (`None` if the element is not in `tree`, or the attribute stays
/// host-side).
pub fn attribute_name(tree: &Tree, id: u32, name: &str) -> Option<&'static str> {
    let element = crate::events::element(tree, id)?;
    html_attribute(element.tag, name)
}

/// The node with id `id` in `tree`, element or text.
pub fn find(tree: &Tree, id: u32) -> Option<&VNode> {
    fn among(nodes: &[VNode], id: u32) -> Option<&VNode> {
        nodes.iter().find_map(|node| match node {
            _ if node.id() == id => Some(node),
            VNode::Element(element) => among(&element.children, id),
            VNode::Text(_) => None,
        })
    }
    among(&tree.nodes, id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::rendered;

    #[test]
    fn nodes_carry_what_the_html_carries() {
        let tree = rendered(
            r#"<view class="a"><switch checked="{{on}}"/><navigator url="/pages/x">go</navigator>{{t}}</view>"#,
            &json!({"on": true, "t": "<b>"}),
        );
        assert_eq!(
            serde_json::to_value(nodes(&tree)).unwrap(),
            json!([{"id": 1, "tag": "div", "attrs": [["data-nid", "1"], ["data-mp", "view"], ["class", "a"]], "children": [
                {"id": 2, "tag": "input", "attrs": [["data-nid", "2"], ["data-mp", "switch"], ["type", "checkbox"], ["role", "switch"], ["checked", ""]], "children": []},
                {"id": 3, "tag": "a", "attrs": [["data-nid", "3"], ["data-mp", "navigator"], ["data-url", "/pages/x"]], "children": [{"id": 4, "text": "go"}]},
                {"id": 5, "text": "<b>"}
            ]}])
        );
        assert_eq!(attribute_name(&tree, 3, "url"), Some("data-url"));
        assert_eq!(attribute_name(&tree, 3, "open-type"), None);
        assert_eq!(find(&tree, 4).map(VNode::id), Some(4));
    }

    #[test]
    fn a_built_in_sending_unprompted_events_names_those_it_binds() {
        let source = r#"<swiper bindchange="a" catchanimationfinish="b" bindtap="c"/><swiper/><slider model:value="{{v}}"/><view bindtap="t"/><swiper wx:if="{{on}}" bindchange="a"/><swiper wx:else/>"#;
        let tree = rendered(source, &json!({"v": 1, "on": true}));
        let bound = |tree: &Tree| -> Vec<Option<String>> {
            (nodes(tree).iter())
                .map(
                    |node| match serde_json::to_value(node).unwrap()["attrs"].as_array() {
                        Some(attrs) => (attrs.iter())
                            .find(|pair| pair[0] == "data-bound")
                            .map(|pair| pair[1].as_str().unwrap().to_string()),
                        None => None,
                    },
                )
                .collect()
        };
        let names = |list: &[Option<&str>]| -> Vec<Option<String>> {
            list.iter().map(|n| n.map(str::to_string)).collect()
        };
        // Event names only, sorted: never a handler's name.
        let first = [
            Some("animationfinish change tap"),
            None,
            Some("change"),
            None,
            Some("change"),
        ];
        assert_eq!(bound(&tree), names(&first));
        let html = crate::html::to_html(&tree);
        assert!(
            html.contains(r#"data-mp="swiper" data-bound="animationfinish change tap">"#),
            "{html}"
        );
        assert!(html.contains(r#"data-mp="view">"#), "{html}");
        // The `wx:else` swiper binds nothing: the diff draws it anew rather
        // than keep the bound one's `data-bound`.
        let mut off = rendered(source, &json!({"v": 1, "on": false}));
        let mut next = crate::diff::max_id(&tree) + 1;
        let ops = crate::diff::diff(&tree, &mut off, &mut next);
        assert!(ops.iter().any(|op| matches!(op, crate::diff::Op::Insert { html, .. } if !html.contains("data-bound"))), "{ops:?}");
        assert_eq!(bound(&off).last(), Some(&None));
    }
}
