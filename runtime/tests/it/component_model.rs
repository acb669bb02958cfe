//! WeChat's `model:` on a custom component, with the raw components guest
//! (`components-raw`, page `model`): the bound property takes the caller's
//! value, and the component's own `setData` of it is written back to the
//! caller's data path (the page's, or the enclosing component's and on
//! up), which renders again; a property bound without `model:` is not.

use miniapp_runtime::AppInstance;
use miniapp_runtime::view::render::{Tree, VElement, VNode};
use miniapp_runtime::view::select::Selector;
use serde_json::json;

use crate::common::view_event;
use crate::components::components_at;

/// The first element `selector` picks among `nodes`.
fn within<'t>(nodes: &'t [VNode], selector: &str) -> &'t VElement {
    fn find<'t>(selector: &Selector, nodes: &'t [VNode]) -> Option<&'t VElement> {
        let mut tree = Tree::default();
        tree.nodes = nodes.to_vec();
        let id = selector.find(&tree)?.id;
        (nodes.iter()).find_map(|node| match node {
            VNode::Element(e) if e.id == id => Some(&**e),
            VNode::Element(e) => find(selector, &e.children),
            VNode::Text(_) => None,
        })
    }
    find(&Selector::parse(selector).unwrap(), nodes).unwrap_or_else(|| panic!("no {selector}"))
}

/// The element `path` picks on the rendered page: each selector within
/// the element the one before picked (`#box`, `.up`).
fn at<'t>(inst: &'t AppInstance, path: &[&str]) -> &'t VElement {
    let mut nodes = &inst.view_tree().expect("a rendered page").nodes[..];
    let mut found = None;
    for selector in path {
        let element = within(nodes, selector);
        nodes = &element.children;
        found = Some(element);
    }
    found.expect("a selector")
}

/// The text inside the element `path` picks.
fn text_at(inst: &AppInstance, path: &[&str]) -> String {
    (at(inst, path).children.iter())
        .filter_map(|node| match node {
            VNode::Text(text) => Some(text.text.to_string()),
            VNode::Element(_) => None,
        })
        .collect()
}

/// Tap the element `path` picks.
async fn tap_at(inst: &mut AppInstance, path: &[&str]) {
    let node = at(inst, path).id;
    view_event(inst, node, "tap", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{path:?}: {e}"));
}

/// The notices the app journaled.
fn notices(inst: &AppInstance) -> Vec<String> {
    let all = inst.page_data()["notices"].as_array().cloned();
    (all.unwrap_or_default().iter())
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_components_own_set_data_of_a_model_bound_property_writes_the_callers_path() {
    let (_dir, mut inst) = components_at("model").await;
    assert_eq!(text_at(&inst, &["#stepper", ".shown"]), "1");
    let told = notices(&inst).len();
    tap_at(&mut inst, &["#stepper", ".up"]).await;
    // The stepper set its own `value`: the page's `qty` follows and renders.
    assert_eq!(inst.page_data()["qty"], json!(2));
    assert_eq!(text_at(&inst, &["#qty"]), "2");
    assert_eq!(text_at(&inst, &["#stepper", ".shown"]), "2");
    // It is not told of a property change it made itself.
    let since = notices(&inst)[told..].to_vec();
    assert!(
        !since.iter().any(|n| n.starts_with("properties:")),
        "{since:?}"
    );
    // The caller's change reaches the property as any other.
    tap_at(&mut inst, &["#set-qty"]).await;
    assert_eq!(text_at(&inst, &["#stepper", ".shown"]), "10");
    tap_at(&mut inst, &["#stepper", ".up"]).await;
    assert_eq!(inst.page_data()["qty"], json!(11));
}

#[tokio::test]
async fn a_model_binding_inside_a_component_writes_its_data_and_on_up_to_the_page() {
    let (_dir, mut inst) = components_at("model").await;
    assert_eq!(text_at(&inst, &["#box", "#amount"]), "5");
    tap_at(&mut inst, &["#box", "#inner", ".up"]).await;
    // The inner stepper wrote the box's `amount`, a property the page binds
    // with `model:`: written back again, to the page's `boxQty`.
    assert_eq!(text_at(&inst, &["#box", "#inner", ".shown"]), "6");
    assert_eq!(text_at(&inst, &["#box", "#amount"]), "6");
    assert_eq!(inst.page_data()["boxQty"], json!(6));
    assert_eq!(text_at(&inst, &["#box-qty"]), "6");
}

#[tokio::test]
async fn a_property_bound_without_model_is_not_written_back() {
    let (_dir, mut inst) = components_at("model").await;
    tap_at(&mut inst, &["#plain-stepper", ".up"]).await;
    assert_eq!(text_at(&inst, &["#plain-stepper", ".shown"]), "8");
    assert_eq!(inst.page_data()["plainQty"], json!(7));
    assert_eq!(text_at(&inst, &["#plain-qty"]), "7");
}

#[tokio::test]
async fn a_reported_event_on_a_components_tag_sets_no_model_path() {
    // The write-back comes from the component's own setData only: an
    // embedder's event named for the property on the host sets nothing.
    let (_dir, mut inst) = components_at("model").await;
    let host = at(&inst, &["#stepper"]).id;
    let _ = view_event(&mut inst, host, "value", json!({"value": "99"})).await;
    assert_eq!(inst.page_data()["qty"], json!(1));
}
