//! WeChat's page navigation with the pages-nav example: `reLaunch` unloads
//! every page (top first, their pending calls cancelled) before loading its
//! page, `navigateBack` with a delta past the stack stops at the first
//! page, `getCurrentPages` tells the stack with each page's serial after
//! every move, and app-wide state (`globalData`: the app's fields) is read
//! on the next page and gone after the instance ends, where storage stays.

use miniapp_runtime::{AppInstance, Event, LaunchOptions};
use serde_json::{Value, json};

use crate::common::{example, granting, launched, opened, runtime, told_page_unloaded};

/// The pages-nav example launched on its index page.
async fn pages_nav() -> (tempfile::TempDir, AppInstance) {
    let package = example("pages-nav");
    let policy = granting(&package);
    launched(
        policy,
        Default::default(),
        package,
        LaunchOptions::default(),
    )
    .await
}

/// Send `handler` on `page` with `detail`, which must succeed.
async fn tap(inst: &mut AppInstance, page: &str, handler: &str, detail: Value) {
    let event = Event::new(page, handler).with_detail(detail);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// The stack the top page shows (the app's `nav::current_pages`), as
/// `route#serial` bottom first, checked against the host's own stack.
fn shown_stack(inst: &AppInstance) -> Vec<String> {
    let stack = inst.page_data()["stack"].as_array().unwrap().clone();
    let routes: Vec<&str> = stack.iter().map(|p| p["route"].as_str().unwrap()).collect();
    let hosts: Vec<&str> = inst.pages().iter().map(|p| p.route.as_str()).collect();
    assert_eq!(routes, hosts, "the app's stack is the host's");
    (stack.iter())
        .map(|p| format!("{}#{}", p["route"].as_str().unwrap(), p["serial"]))
        .collect()
}

/// The page hooks the app logged since the last look.
fn hooks(inst: &mut AppInstance) -> Vec<String> {
    (inst.drain_logs().into_iter())
        .map(|l| l.message)
        .filter(|m| m.starts_with("load ") || m.starts_with("unload "))
        .collect()
}

/// index → list → detail, each page showing the stack as it stands.
async fn three_deep(inst: &mut AppInstance) {
    assert_eq!(shown_stack(inst), ["index#1"]);
    tap(inst, "index", "open", json!({"url": "list?from=index"})).await;
    assert_eq!(shown_stack(inst), ["index#1", "list#2"]);
    assert_eq!(inst.page_data()["from"], "index");
    tap(inst, "list", "open", json!({"url": "detail?id=7"})).await;
    assert_eq!(shown_stack(inst), ["index#1", "list#2", "detail#3"]);
    assert_eq!(hooks(inst), ["load index", "load list", "load detail"]);
}

#[tokio::test]
async fn re_launch_unloads_every_page_top_first_then_loads_its_page_with_its_query() {
    let (_dir, mut inst) = pages_nav().await;
    three_deep(&mut inst).await;
    tap(
        &mut inst,
        "detail",
        "relaunch",
        json!({"url": "list?from=relaunch"}),
    )
    .await;
    assert_eq!(
        hooks(&mut inst),
        ["unload detail", "unload list", "unload index", "load list"]
    );
    // A new page, with a new serial: not the list that was on the stack.
    assert_eq!(shown_stack(&inst), ["list#4"]);
    assert_eq!(inst.page_data()["from"], "relaunch");
    assert_eq!(inst.pages()[0].query, [("from".into(), "relaunch".into())]);
    // The detail page's sleep ended with it.
    told_page_unloaded(&mut inst, "detail sleep").await;

    // Back from the only page is refused, as WeChat's is.
    let back = Event::new("list", "back").with_detail(json!({"delta": 1}));
    let refused = inst.dispatch(&back).await.unwrap_err().to_string();
    assert!(refused.contains("already on the first page"), "{refused}");
}

#[tokio::test]
async fn a_navigator_with_open_type_relaunch_relaunches_as_the_app_s_call_does() {
    let (_dir, mut inst) = pages_nav().await;
    three_deep(&mut inst).await;
    crate::common::tap(&mut inst, "#restart").await.unwrap();
    assert_eq!(
        hooks(&mut inst),
        ["unload detail", "unload list", "unload index", "load index"]
    );
    assert_eq!(shown_stack(&inst), ["index#4"]);
    assert_eq!(inst.pages()[0].query, [("from".into(), "navigator".into())]);
    told_page_unloaded(&mut inst, "detail sleep").await;
}

#[tokio::test]
async fn re_launch_to_a_page_the_app_does_not_have_is_refused_naming_it_and_changes_nothing() {
    let (_dir, mut inst) = pages_nav().await;
    three_deep(&mut inst).await;
    let event = Event::new("detail", "relaunch").with_detail(json!({"url": "cart?x=1"}));
    let refused = inst.dispatch(&event).await.unwrap_err().to_string();
    assert!(
        refused.contains("page `cart` is not declared in the manifest of app `demo.pages-nav`"),
        "{refused}"
    );
    assert_eq!(hooks(&mut inst), Vec::<String>::new());
    tap(&mut inst, "detail", "show", json!({})).await;
    assert_eq!(shown_stack(&inst), ["index#1", "list#2", "detail#3"]);
}

#[tokio::test]
async fn navigate_back_by_a_delta_past_the_stack_stops_at_the_first_page_and_zero_is_one() {
    let (_dir, mut inst) = pages_nav().await;
    three_deep(&mut inst).await;
    tap(&mut inst, "detail", "back", json!({"delta": 0})).await;
    assert_eq!(hooks(&mut inst), ["unload detail"]);
    tap(&mut inst, "list", "show", json!({})).await;
    assert_eq!(shown_stack(&inst), ["index#1", "list#2"]);
    told_page_unloaded(&mut inst, "detail sleep").await;

    tap(&mut inst, "list", "open", json!({"url": "detail?id=8"})).await;
    assert_eq!(shown_stack(&inst), ["index#1", "list#2", "detail#4"]);
    assert_eq!(inst.page_data()["id"], "8");
    tap(&mut inst, "detail", "back", json!({"delta": 10})).await;
    assert_eq!(
        hooks(&mut inst),
        ["load detail", "unload detail", "unload list"]
    );
    tap(&mut inst, "index", "show", json!({})).await;
    assert_eq!(shown_stack(&inst), ["index#1"]);
}

#[tokio::test]
async fn app_wide_state_is_read_on_the_next_page_and_only_storage_outlives_the_instance() {
    let dir = tempfile::tempdir().unwrap();
    let package = example("pages-nav");
    let rt = runtime(dir.path(), granting(&package), Default::default());
    let mut inst = opened(&rt, package.clone()).await;
    tap(
        &mut inst,
        "index",
        "remember",
        json!({"note": "from index"}),
    )
    .await;
    tap(
        &mut inst,
        "index",
        "save",
        json!({"note": "saved on index"}),
    )
    .await;
    tap(
        &mut inst,
        "index",
        "open",
        json!({"url": "list?from=index"}),
    )
    .await;
    assert_eq!(inst.page_data()["note"], "from index");
    assert_eq!(inst.page_data()["saved"], "saved on index");
    // Kept across a relaunch of the pages, a background and a foreground.
    tap(&mut inst, "list", "relaunch", json!({"url": "index"})).await;
    inst.hide().await.unwrap();
    inst.show().await.unwrap();
    tap(&mut inst, "index", "show", json!({})).await;
    assert_eq!(inst.page_data()["note"], "from index");

    // The instance ends (an eviction) and the next cold start begins from
    // the app's default: the note is gone, storage is not.
    drop(inst);
    let next = opened(&rt, package).await;
    assert_eq!(next.page_data()["note"], "");
    assert_eq!(next.page_data()["saved"], "saved on index");
}
