//! Packages built against an earlier host API keep running: the committed
//! packages of `runtime/compat/` (see its README), loaded and driven as a
//! user would.

use std::path::{Path, PathBuf};

use miniapp_runtime::{Event, LogSource, Package, PackageLimits, Providers};
use serde_json::json;

use crate::common::{granting, launched_alone, node_with, opened, runtime, view_event};

/// The committed packages built against host API `version`.
fn compat_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compat")
        .join(version)
}

/// The committed package `name` built against host API 0.1.0, checked to
/// import that version's interfaces (so the test is about an old package,
/// not a rebuilt one).
fn built_for_0_1_0(name: &str, interfaces: &[&str]) -> Package {
    let path = compat_dir("0.1.0").join(format!("{name}.miniapp"));
    let package = Package::read(&path, &PackageLimits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let imports = miniapp_runtime::platform::component_imports(&package.component).unwrap();
    for interface in interfaces {
        let import = format!("miniapp:host/{interface}@0.1.0");
        assert!(imports.contains(&import), "{name} imports {imports:?}");
    }
    package
}

#[tokio::test]
async fn todo_built_for_host_api_0_1_0_keeps_its_list_and_renders_it() {
    let todo = built_for_0_1_0("todo", &["view", "storage"]);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&todo), Providers::default());
    let mut inst = opened(&rt, todo.clone()).await;
    let html = inst.view_html().unwrap();
    assert!(html.contains("Nothing to do"), "{html}");

    // An event stores the list and patches the page.
    inst.dispatch(&Event::new("index", "add").with_detail(json!({"title": "milk"})))
        .await
        .unwrap();
    // Typing and confirming in the rendered input reaches the app too.
    let input = node_with(&inst.view_html().unwrap(), "id=\"new\"");
    view_event(&mut inst, input, "confirm", json!({"value": "eggs"}))
        .await
        .unwrap();
    let item = node_with(&inst.view_html().unwrap(), "class=\"item \"");
    view_event(&mut inst, item, "tap", json!({})).await.unwrap();
    assert_eq!(inst.page_data()["left"], 1);
    let html = inst.view_html().unwrap();
    assert!(html.contains("milk") && html.contains("eggs"), "{html}");
    assert!(html.contains("1 left"), "{html}");

    // A new instance reads the list back from storage.
    let again = opened(&rt, todo).await;
    let todos = &again.page_data()["todos"];
    assert_eq!(todos[0]["title"], "milk");
    assert_eq!(todos[0]["done"], true);
    assert_eq!(todos[1]["title"], "eggs");
}

#[tokio::test]
async fn hello_built_for_host_api_0_1_0_runs_its_page_hooks_and_navigates() {
    let hello = built_for_0_1_0("hello", &["view", "nav", "log", "system"]);
    let (_dir, mut inst) = launched_alone(hello).await;
    assert_eq!(inst.page_data()["host"], "miniapp");
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert_eq!(inst.page_data()["count"], 1);

    // Its page hooks (the 0.1.0 `page` interface) follow the page stack.
    inst.dispatch(&Event::new("index", "push")).await.unwrap();
    assert_eq!(inst.pages().len(), 2);
    assert!(inst.view_html().unwrap().contains("Detail page 1"));
    assert_eq!(
        hooks(&inst),
        [
            "launch",
            "show",
            "load:index:0",
            "ready:index",
            "event:tap",
            "event:push",
            "load:detail:1",
            "ready:detail"
        ]
    );
    inst.dispatch(&Event::new("detail", "back")).await.unwrap();
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert_eq!(inst.pages().len(), 1);
    assert_eq!(
        hooks(&inst)[7..],
        ["ready:detail", "event:back", "unload:detail", "event:tap"]
    );
    let logs = inst.drain_logs();
    assert!(
        logs.iter().any(|l| l.source == LogSource::Api
            && l.message == "hello launched on index (scene 0)"),
        "{logs:?}"
    );
}

/// The latest hooks hello recorded (in the top page's data).
fn hooks(inst: &miniapp_runtime::AppInstance) -> Vec<String> {
    serde_json::from_value(inst.page_data()["lifecycle"].clone()).unwrap()
}
