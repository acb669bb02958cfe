//! WeChat's sync and callback forms with a real guest
//! (`guest-examples/prefs`): the sync forms answer in the launch itself;
//! a callback form's call and its `success`, `fail` and `complete` run
//! after the handler that made it, in the same event; a missing key is
//! `getStorage`'s `fail`.

use miniapp_runtime::{AppInstance, Event, LaunchOptions, Providers};
use serde_json::json;

use crate::common::{example, granting, runtime};

/// The prefs example launched on `path` from `scene`.
async fn prefs(dir: &std::path::Path, path: &str, scene: u32) -> AppInstance {
    let package = example("prefs");
    let policy = granting(&package);
    let app = (runtime(dir, policy, Providers::default()).load(package)).unwrap();
    let options = LaunchOptions {
        path: Some(path.into()),
        scene,
        ..LaunchOptions::default()
    };
    app.launch(options).await.unwrap()
}

/// Tap `handler` on the index page; the page's data after it.
async fn tap(inst: &mut AppInstance, handler: &str) -> serde_json::Value {
    let event = Event::tap("index", handler);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("index:{handler}: {e}"));
    inst.page_data().clone()
}

/// The last `n` steps the page noted.
fn last(data: &serde_json::Value, n: usize) -> Vec<&str> {
    let steps = data["steps"].as_array().expect("steps");
    let steps = steps.iter().map(|s| s.as_str().expect("a step is text"));
    steps
        .skip(data["steps"].as_array().unwrap().len() - n)
        .collect()
}

#[tokio::test]
async fn the_sync_forms_answer_in_the_launch() {
    let dir = tempfile::tempdir().unwrap();
    let inst = prefs(dir.path(), "index?from=qr", 1011).await;
    let data = inst.page_data();
    assert_eq!(data["theme"], "light", "nothing stored yet");
    assert_eq!(data["window"], "375x667", "the default phone");
    assert_eq!(
        data["launch"],
        json!({ "path": "index", "scene": 1011, "query": { "from": "qr" } }),
        "getLaunchOptionsSync: the launch's own options"
    );
}

#[tokio::test]
async fn a_callback_form_runs_after_its_handler_and_a_missing_key_is_its_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut inst = prefs(dir.path(), "index", 1001).await;

    let data = tap(&mut inst, "reload").await;
    assert_eq!(data["steps"], json!(["handler", "complete"]));
    assert_eq!(
        data["error"], "failed: data not found: no key `theme`",
        "getStorage of a key never stored is its fail"
    );

    let data = tap(&mut inst, "dark").await;
    assert_eq!(
        data["steps"],
        json!(["handler", "complete", "handler", "stored"]),
        "setStorage: the handler first, then its success"
    );
    assert_eq!(data["theme"], "dark", "complete read it back, stored");

    let data = tap(&mut inst, "reload").await;
    assert_eq!(last(&data, 3), ["handler", "read dark", "complete"]);
    let data = tap(&mut inst, "usage").await;
    assert_eq!(last(&data, 2), ["handler", "1 key(s)"]);
    let data = tap(&mut inst, "system").await;
    assert_eq!(last(&data, 2), ["handler", "375 wide"]);
    let data = tap(&mut inst, "network").await;
    assert_eq!(
        last(&data, 2),
        ["handler", "on unknown"],
        "getNetworkType: a host with no screen knows no network type"
    );

    let data = tap(&mut inst, "forget").await;
    assert_eq!(data["theme"], "light");
    assert_eq!(
        last(&data, 1),
        ["handler"],
        "removeStorage: no success noted"
    );
    let data = tap(&mut inst, "usage").await;
    assert_eq!(last(&data, 2), ["handler", "0 key(s)"]);
}
