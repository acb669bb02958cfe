//! Selector queries with a real guest (`guest-examples/layout`) on a host
//! with no screen: the answer comes as a completion, estimated from the
//! page as last rendered (blocks the window's width stacked, text lines 22
//! pixels high, 8 per ASCII character, an image 320 by 240); a selector the
//! host does not take is refused by name.

use std::time::Duration;

use miniapp_runtime::{AppInstance, DeviceFacts, Event, LaunchOptions, Providers};
use serde_json::{Value, json};

use crate::common::{example, granting, runtime};

/// Longest a test waits for a completion before it calls the run hung (a
/// hang guard: the estimate is ready at once).
const HANG: Duration = Duration::from_secs(60);

/// The example launched in a window `width` pixels wide.
async fn layout(width: u32) -> (tempfile::TempDir, miniapp_runtime::App, AppInstance) {
    let package = example("layout");
    let dir = tempfile::tempdir().unwrap();
    let policy = granting(&package);
    let app = (runtime(dir.path(), policy, Providers::default()).load(package)).unwrap();
    let options = LaunchOptions {
        device: Some(DeviceFacts::phone(width, 600, 2.0)),
        ..LaunchOptions::default()
    };
    let inst = app.launch(options).await.unwrap();
    (dir, app, inst)
}

/// Tap `index:measure` with `detail`, deliver the query's completion, and
/// return what the page shows: the answer, or why it was refused (a query
/// the host refuses starts no call: the refusal shows at once).
async fn measured(inst: &mut AppInstance, detail: Value) -> Result<Value, String> {
    let event = Event::tap("index", "measure").with_detail(detail);
    (inst.dispatch(&event).await).unwrap();
    if let Some(refused) = inst.page_data()["refused"].as_str() {
        return Err(refused.to_owned());
    }
    let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(waited.is_ok(), "nothing came; data: {}", inst.page_data());
    let delivered = inst.complete_next().await.expect("a completion is due");
    delivered.unwrap();
    let data = inst.page_data();
    match (data["measured"].as_str(), data["refused"].as_str()) {
        (Some(answer), None) => Ok(serde_json::from_str(answer).unwrap()),
        (None, Some(refused)) => Err(refused.to_owned()),
        _ => panic!("neither measured nor refused: {data}"),
    }
}

#[tokio::test]
async fn a_query_is_answered_from_the_rendered_page_in_a_completion() {
    let (_dir, app, mut inst) = layout(375).await;
    let answer = measured(&mut inst, json!({ "selector": "view > .item, image" }))
        .await
        .unwrap();
    let title = json!([{
        "id": "title", "dataset": { "kind": "heading" },
        "left": 0.0, "top": 0.0, "right": 375.0, "bottom": 22.0, "width": 375.0, "height": 22.0,
    }]);
    assert_eq!(answer[0], title);
    let items: Vec<Value> = (0..3)
        .map(|n| json!({ "dataset": { "n": n }, "width": 375.0, "height": 22.0 }))
        .collect();
    assert_eq!(answer[1], json!(items));
    let photo = json!([{ "id": "photo", "dataset": {}, "scrollLeft": 0.0, "scrollTop": 0.0 }]);
    assert_eq!(answer[2], photo);
    let tops: Vec<(f64, f64)> = (answer[3].as_array().unwrap().iter())
        .map(|n| (n["top"].as_f64().unwrap(), n["bottom"].as_f64().unwrap()))
        .collect();
    let stacked = vec![(22.0, 44.0), (44.0, 66.0), (66.0, 88.0), (88.0, 328.0)];
    assert_eq!(tops, stacked, "three items under the title, then the image");
    assert_eq!(app.usage().unwrap().pending_calls, 0, "the query ended");
}

#[tokio::test]
async fn text_wraps_at_the_window_width_and_a_missing_node_is_an_empty_list() {
    let (_dir, _app, mut inst) = layout(40).await;
    let answer = measured(&mut inst, json!({ "selector": "#nowhere" }))
        .await
        .unwrap();
    // "apples" is 48 pixels: two lines in a window 40 wide; "pears" and
    // "plums" 40: one.
    let heights: Vec<f64> = (answer[1].as_array().unwrap().iter())
        .map(|n| n["height"].as_f64().unwrap())
        .collect();
    assert_eq!(heights, vec![44.0, 22.0, 22.0]);
    assert_eq!(answer[3], json!([]), "nothing matches #nowhere");
}

#[tokio::test]
async fn a_selector_the_host_does_not_take_is_refused_by_name() {
    let (_dir, _app, mut inst) = layout(375).await;
    let refused = measured(&mut inst, json!({ "selector": ".item[data-n]" })).await;
    let message = refused.unwrap_err();
    assert!(message.contains("`.item[data-n]`"), "{message}");
    assert!(message.contains("#id and .class"), "{message}");
    let (_dir, _app, mut inst) = layout(375).await;
    let long = ".a".repeat(200);
    let message = (measured(&mut inst, json!({ "selector": long })).await).unwrap_err();
    assert!(
        message.contains("400 characters; it takes at most 256"),
        "{message}"
    );
}

#[tokio::test]
async fn descendants_children_and_alternatives_match_as_in_css() {
    let (_dir, _app, mut inst) = layout(375).await;
    let mut count = async |selector: &str| {
        let answer = measured(&mut inst, json!({ "selector": selector })).await;
        answer.unwrap()[3].as_array().unwrap().len()
    };
    assert_eq!(
        count("view .item").await,
        3,
        "items are descendants of a view"
    );
    assert_eq!(count("#title .item").await, 0, "none under the title");
    assert_eq!(count("view>view").await, 3, "the items are views in a view");
    assert_eq!(count(".list.item").await, 0, "no node is both");
    assert_eq!(count("image#photo, #title, .nothing").await, 2);
}
