//! Selector queries with a real guest (`guest-examples/layout`) on a host
//! with no screen: the answer comes as a completion, estimated from the
//! page as last rendered (blocks the window's width stacked, text lines 22
//! pixels high, 8 per ASCII character, an image 320 by 240); a selector the
//! host does not take is refused by name. On a host with a screen (a
//! scripted layout provider) the matched nodes are measured by it, its
//! answer checked, and a screen that never answers fails the query after
//! `MEASURE_TIMEOUT` without holding the instance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use miniapp_runtime::providers::{
    Asked, LayoutNode, LayoutProvider, MEASURE_TIMEOUT, NodeLayout, ProviderError,
};
use miniapp_runtime::{AppInstance, DeviceFacts, Event, LaunchOptions, Providers};
use serde_json::{Value, json};

use crate::common::{example, granting, runtime};

/// Longest a test waits for a completion before it calls the run hung (a
/// hang guard: the estimate is ready at once).
const HANG: Duration = Duration::from_secs(60);

/// The example launched in a window `width` pixels wide.
async fn layout(width: u32) -> (tempfile::TempDir, miniapp_runtime::App, AppInstance) {
    layout_on(width, Providers::default()).await
}

/// The example launched in a window `width` pixels wide, with `providers`.
async fn layout_on(
    width: u32,
    providers: Providers,
) -> (tempfile::TempDir, miniapp_runtime::App, AppInstance) {
    let package = example("layout");
    let dir = tempfile::tempdir().unwrap();
    let policy = granting(&package);
    let app = (runtime(dir.path(), policy, providers).load(package)).unwrap();
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

/// A screen answered from a script: it records the nodes it is asked to
/// measure and answers what `answer` makes of them (`None`: never).
#[derive(Clone)]
struct Screen {
    answer: fn(&[LayoutNode]) -> Option<Vec<Option<NodeLayout>>>,
    asked: Arc<Mutex<Vec<Vec<LayoutNode>>>>,
}

impl LayoutProvider for Screen {
    fn measure(&self, _app_id: &str, nodes: Vec<LayoutNode>) -> Asked<Vec<Option<NodeLayout>>> {
        let answer = (self.answer)(&nodes);
        self.asked.lock().unwrap().push(nodes);
        match answer {
            Some(answer) => Box::pin(async move { Ok::<_, ProviderError>(answer) }),
            None => Box::pin(std::future::pending()),
        }
    }
}

/// The example on a host whose screen answers with `answer`.
async fn on_screen(
    answer: fn(&[LayoutNode]) -> Option<Vec<Option<NodeLayout>>>,
) -> (tempfile::TempDir, Screen, AppInstance, miniapp_runtime::App) {
    let screen = Screen {
        answer,
        asked: Arc::default(),
    };
    let providers = Providers {
        layout: Arc::new(screen.clone()),
        ..Providers::default()
    };
    let (dir, app, inst) = layout_on(375, providers).await;
    (dir, screen, inst, app)
}

/// Every node 100 pixels lower and 10 narrower than estimated, scrolled 7
/// down; the last node asked not shown.
fn lower(nodes: &[LayoutNode]) -> Option<Vec<Option<NodeLayout>>> {
    let mut answer: Vec<Option<NodeLayout>> = (nodes.iter())
        .map(|n| {
            Some(NodeLayout {
                top: n.estimate.top + 100.0,
                width: n.estimate.width - 10.0,
                scroll_top: 7.0,
                ..n.estimate
            })
        })
        .collect();
    *answer.last_mut().unwrap() = None;
    Some(answer)
}

#[tokio::test]
async fn a_screen_measures_the_matched_nodes_and_the_tree_names_them() {
    let (_dir, screen, mut inst, _app) = on_screen(lower).await;
    let answer = measured(&mut inst, json!({ "selector": "#measure" }))
        .await
        .unwrap();
    let title = json!([{
        "id": "title", "dataset": { "kind": "heading" },
        "left": 0.0, "top": 100.0, "right": 365.0, "bottom": 122.0, "width": 365.0, "height": 22.0,
    }]);
    assert_eq!(
        answer[0], title,
        "the screen's place, the tree's id and dataset"
    );
    let widths: Vec<f64> = (answer[1].as_array().unwrap().iter())
        .map(|n| n["width"].as_f64().unwrap())
        .collect();
    assert_eq!(widths, vec![365.0; 3]);
    let photo = json!([{ "id": "photo", "dataset": {}, "scrollLeft": 0.0, "scrollTop": 7.0 }]);
    assert_eq!(answer[2], photo);
    assert_eq!(answer[3], json!([]), "the screen does not show the button");
    let asked = screen.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "one query, one measurement");
    assert_eq!(asked[0].len(), 6, "title, three items, photo, button");
    assert_eq!(asked[0][0].estimate.top, 0.0, "the estimate comes along");
}

#[tokio::test]
async fn a_measurement_the_app_cannot_be_given_fails_the_query_by_name() {
    let (_dir, _screen, mut inst, _app) = on_screen(|nodes| {
        let mut answer: Vec<_> = nodes.iter().map(|n| Some(n.estimate)).collect();
        answer[1] = Some(NodeLayout {
            height: -3.0,
            ..nodes[1].estimate
        });
        Some(answer)
    })
    .await;
    let message = (measured(&mut inst, json!({})).await).unwrap_err();
    assert!(message.contains("height as -3, negative"), "{message}");
    let (_dir, _screen, mut inst, _app) = on_screen(|nodes| {
        let mut answer: Vec<_> = nodes.iter().map(|n| Some(n.estimate)).collect();
        answer[0] = Some(NodeLayout {
            left: f64::NAN,
            ..nodes[0].estimate
        });
        Some(answer)
    })
    .await;
    let message = (measured(&mut inst, json!({})).await).unwrap_err();
    assert!(
        message.contains("left as NaN, not a finite number"),
        "{message}"
    );
    let (_dir, _screen, mut inst, _app) = on_screen(|_| Some(vec![None])).await;
    let message = (measured(&mut inst, json!({})).await).unwrap_err();
    assert_eq!(
        message,
        "failed: the host measured 1 nodes of the 5 asked; it answers one per node"
    );
}

#[tokio::test]
async fn a_screen_that_never_answers_fails_the_query_and_holds_nothing() {
    let (_dir, screen, mut inst, app) = on_screen(|_| None).await;
    let tap = Event::tap("index", "measure");
    inst.dispatch(&tap).await.unwrap();
    // The instance takes events while its screen says nothing.
    inst.dispatch(&tap).await.unwrap();
    assert_eq!(screen.asked.lock().unwrap().len(), 2);
    let guard = HANG + MEASURE_TIMEOUT;
    for _ in 0..2 {
        let waited = tokio::time::timeout(guard, inst.wake().wait()).await;
        assert!(waited.is_ok(), "the query never ended");
        inst.complete_next()
            .await
            .expect("a completion is due")
            .unwrap();
    }
    let refused = inst.page_data()["refused"].as_str().unwrap().to_owned();
    assert!(
        refused.contains("did not measure the page within 5 s"),
        "{refused}"
    );
    assert_eq!(app.usage().unwrap().pending_calls, 0, "both queries ended");
}
