//! The events example: WeChat's event phases and `model:` two-way binding,
//! seen by a real guest. Each tap handler records its name, so the order
//! the guest was called in is the page's `order`: capture handlers root
//! first, then bubble handlers target first, a `capture-catch` stopping
//! both phases, and after one `mut-bind` handler ran the later ones
//! skipped while `bind` ones still run. A `model:` bound input or switch
//! sets its data path before any handler of the event runs.

use miniapp_runtime::{AppInstance, LaunchOptions};
use serde_json::json;

use crate::common::{example, granting, launched, launched_alone, node, tap, view_event};

/// The tap handlers the guest recorded during `tap` on `selector`.
async fn called_on_tap(inst: &mut AppInstance, selector: &str) -> Vec<String> {
    let before = inst.page_data()["order"].as_array().unwrap().len();
    tap(inst, selector)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    let order = inst.page_data()["order"].as_array().unwrap().clone();
    (order[before..].iter())
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_guest_is_called_capture_root_first_then_bubbling_with_one_mut_bind() {
    let (_dir, mut inst) = launched_alone(example("events")).await;
    assert_eq!(
        called_on_tap(&mut inst, "#inner").await,
        ["outerDown", "middleDown", "innerMut", "innerUp", "outerUp"]
    );
    // Tapped on the middle view, its own mut-bind is the first on the way.
    assert_eq!(
        called_on_tap(&mut inst, "#middle").await,
        ["outerDown", "middleDown", "middleMut", "outerUp"]
    );
    // The guard's capture-catch stops the event on its way down.
    assert_eq!(
        called_on_tap(&mut inst, "#guarded").await,
        ["outerDown", "guardDown"]
    );
    assert!(inst.view_html().unwrap().contains("outerDown,guardDown"));
}

#[tokio::test]
async fn a_model_binding_sets_the_page_data_before_the_handlers_run() {
    let (_dir, mut inst) = launched_alone(example("events")).await;
    let name = node(&inst, "#name");
    view_event(&mut inst, name, "input", json!({"value": "Ada"}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["name"], "Ada");
    assert!(inst.view_html().unwrap().contains("Hello, Ada"));

    // The handler upper-cases what was typed; it ran after the host set
    // the typed value, so the page keeps its upper-case one.
    let shout = node(&inst, "#shout");
    view_event(&mut inst, shout, "input", json!({"value": "hey"}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["shout"], "HEY");

    let loud = node(&inst, "#loud");
    view_event(&mut inst, loud, "change", json!({"value": true}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["loud"], true);
    assert!(inst.view_html().unwrap().contains("Loud"));

    let level = node(&inst, "#level");
    view_event(&mut inst, level, "change", json!({"value": 7}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["level"], 7);
    assert!(inst.view_html().unwrap().contains("Level 7"));
    // A value the slider could not give is refused before the data is set.
    let error = view_event(&mut inst, level, "change", json!({"value": 20}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`value` 20 is outside `min` 0 to `max` 10"),
        "{error}"
    );
    assert_eq!(inst.page_data()["level"], 7);

    // A value not of the element's kind is refused and changes nothing.
    let error = view_event(&mut inst, loud, "change", json!({"value": "on"}))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("`model:` bound `<switch>`"), "{error}");
    assert_eq!(inst.page_data()["loud"], true);
}

#[tokio::test]
async fn a_model_value_over_the_set_data_bound_is_refused_as_the_apps_set_data_is() {
    let package = example("events");
    let mut policy = granting(&package);
    policy.defaults.quotas = toml::from_str("set_data_bytes = 1024").unwrap();
    let (_dir, mut inst) = launched(
        policy,
        Default::default(),
        package,
        LaunchOptions::default(),
    )
    .await;
    let name = node(&inst, "#name");
    view_event(&mut inst, name, "input", json!({"value": "Ada"}))
        .await
        .unwrap();
    let long = "x".repeat(2048);
    let error = view_event(&mut inst, name, "input", json!({ "value": long }))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("set-data patch of 2059 bytes is over the limit of 1024 bytes"),
        "{error}"
    );
    assert_eq!(inst.page_data()["name"], "Ada");
}
