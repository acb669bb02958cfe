//! A view event refused for its detail (one the rendered component could
//! not have produced, as a forged client sends, or a `model:` bound value
//! not of its element's kind) is audited as the app's refused calls are:
//! one `event-refused` record naming the component and the value, and the
//! app never sees it.

use std::sync::Arc;

use miniapp_runtime::audit::{AuditEvent, MemoryAudit};
use miniapp_runtime::{AppInstance, LaunchOptions, Runtime};
use serde_json::json;

use crate::common::{example, granting, node, view_event};

/// The messages of the `event-refused` records in `audit`.
fn refused_events(audit: &MemoryAudit) -> Vec<String> {
    let records = audit.records();
    let messages = records.into_iter().filter_map(|r| match r.event {
        AuditEvent::EventRefused { message } => Some(message),
        _ => None,
    });
    messages.collect()
}

/// Example `name` launched with every grant it declares, its audit records
/// kept in memory.
async fn launched_audited(name: &str) -> (tempfile::TempDir, Arc<MemoryAudit>, AppInstance) {
    let package = example(name);
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::builder(dir.path())
        .policy(granting(&package))
        .audit(audit.clone())
        .build()
        .unwrap();
    let app = runtime.load(package).unwrap();
    let inst = app.launch(LaunchOptions::default()).await.unwrap();
    (dir, audit, inst)
}

#[tokio::test]
async fn a_refused_detail_is_audited_and_an_accepted_one_is_not() {
    let (_dir, audit, mut inst) = launched_audited("slider").await;
    let volume = node(&inst, "#volume");

    view_event(&mut inst, volume, "change", json!({"value": 35}))
        .await
        .unwrap();
    assert_eq!(refused_events(&audit), Vec::<String>::new());

    let error = view_event(&mut inst, volume, "change", json!({"value": 55}))
        .await
        .unwrap_err()
        .to_string();
    let why = "`change` on <slider>: `value` 55 is outside `min` 0 to `max` 50";
    assert!(error.contains(why), "{error}");
    assert_eq!(refused_events(&audit), [why]);
    // A detail over the size limit is refused and audited too.
    let big = json!({"value": "x".repeat(miniapp_runtime::view::events::MAX_DETAIL_BYTES)});
    view_event(&mut inst, volume, "change", big)
        .await
        .unwrap_err();
    let refused = refused_events(&audit);
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused[1].contains("detail of"), "{refused:?}");
    // The app saw only the accepted one.
    assert_eq!(inst.page_data()["volume"], 35);
}

#[tokio::test]
async fn a_model_bound_value_not_of_its_kind_is_audited_too() {
    let (_dir, audit, mut inst) = launched_audited("picker").await;
    let speed = node(&inst, "#speed");
    let error = view_event(&mut inst, speed, "change", json!({"value": {"x": 1}}))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("of a `model:` bound `<picker>`"), "{error}");
    let refused = refused_events(&audit);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("event `change` of a `model:` bound `<picker>` needs a `value`"),
        "{refused:?}"
    );
}
