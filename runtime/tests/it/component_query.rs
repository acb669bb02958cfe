//! Selector queries and custom components, with the raw components guest
//! (`components-raw`, page `model`): a tag selector matches a component's
//! host by the name its template gives it; a page's query (`query-start`,
//! or `query-start-in` the page) asks only the nodes the page's template
//! draws, not those inside its components; a query scoped to an instance
//! (WeChat's `this.createSelectorQuery()` in a component) asks those its
//! template draws, its classes as that template writes them; a scope that
//! is not shown is refused by name.

use std::time::Duration;

use miniapp_runtime::AppInstance;
use serde_json::{Value, json};

use crate::common::tap;
use crate::components::components_at;

/// Longest a test waits for the query's completion before it calls the
/// run hung (a hang guard: the estimate is ready at once).
const HANG: Duration = Duration::from_secs(60);

/// Tap `button` (a `query` in its scope), deliver the query's completion,
/// and return the ids each selector matched: `stepper`, `stepper-box`,
/// `#inner`, `#amount`, `.shown`, `view > text.shown`.
async fn queried(inst: &mut AppInstance, button: &str) -> Value {
    (tap(inst, button).await).unwrap_or_else(|e| panic!("{button}: {e}"));
    assert_eq!(inst.page_data()["queryRefusal"], Value::Null);
    let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(waited.is_ok(), "nothing came; data: {}", inst.page_data());
    let delivered = inst.complete_next().await.expect("a completion is due");
    delivered.unwrap();
    inst.page_data()["queried"].clone()
}

#[tokio::test]
async fn a_pages_query_matches_component_tags_and_not_the_nodes_inside_them() {
    let (_dir, mut inst) = components_at("model").await;
    let page = json!([["stepper", "plain-stepper"], ["box"], [], [], [], []]);
    assert_eq!(queried(&mut inst, "#query-page").await, page);
    // Scoped to the page by its serial: the same.
    assert_eq!(queried(&mut inst, "#query-here").await, page);
}

#[tokio::test]
async fn a_query_scoped_to_an_instance_asks_the_nodes_its_template_draws() {
    let (_dir, mut inst) = components_at("model").await;
    // The box draws a stepper (`#inner`) and `#amount`, not the stepper's
    // own nodes.
    assert_eq!(
        queried(&mut inst, "#query-box").await,
        json!([["inner"], [], ["inner"], ["amount"], [], []])
    );
    // A stepper's classes are matched as its template writes them.
    assert_eq!(
        queried(&mut inst, "#query-stepper").await,
        json!([[], [], [], [], [""], [""]])
    );
}

#[tokio::test]
async fn a_scope_that_is_not_shown_is_refused_by_name() {
    let (_dir, mut inst) = components_at("model").await;
    for (button, words) in [
        (
            "#query-gone",
            "component instance 9999 is not on the page shown (detached, never created, or \
             on a page under it)",
        ),
        ("#query-under", "page 9999 is not the page shown"),
    ] {
        tap(&mut inst, button).await.unwrap();
        let refusal = inst.page_data()["queryRefusal"].to_string();
        assert!(refusal.contains(words), "{button}: {refusal}");
    }
}
