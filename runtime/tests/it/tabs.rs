//! app.json's tab bar with the tabs example: `switch-tab` keeps a tab page
//! alive while another shows (its data, and a wait it started, go on; it
//! gets no second `on-load`), unloads the pages that are not tabs, and is
//! charged to host memory; `navigate-to` a tab page is refused; a tap on
//! the bar switches; `re-launch` unloads the kept tabs too.

use std::time::Duration;

use miniapp_runtime::{AppInstance, Event, LaunchOptions};
use serde_json::{Value, json};

use crate::common::{example, granting, launched, launched_alone, tap as tap_node};

/// A guard against a hang, never a timing: a machine 3x slower still
/// finishes far within it.
const HANG: Duration = Duration::from_secs(60);

async fn tabs() -> (tempfile::TempDir, AppInstance) {
    launched_alone(example("tabs")).await
}

/// Send `handler` on `page` with `detail`, which must succeed.
async fn send(inst: &mut AppInstance, page: &str, handler: &str, detail: Value) {
    let event = Event::new(page, handler).with_detail(detail);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// The page hooks the app logged since the last look.
fn hooks(inst: &mut AppInstance) -> Vec<String> {
    (inst.drain_logs().into_iter())
        .map(|l| l.message)
        .filter(|m| m.starts_with("load ") || m.starts_with("unload "))
        .collect()
}

/// The host's stack, as routes bottom first.
fn stack(inst: &AppInstance) -> Vec<String> {
    inst.pages().iter().map(|p| p.route.clone()).collect()
}

#[tokio::test]
async fn switching_tabs_keeps_a_tab_page_alive_with_its_data_and_its_wait() {
    let (_dir, mut inst) = tabs().await;
    assert_eq!(hooks(&mut inst), ["load home"]);
    for _ in 0..3 {
        tap_node(&mut inst, "#add").await.unwrap();
    }
    send(&mut inst, "home", "wait", json!({"ms": 1})).await;
    assert_eq!(inst.page_data()["count"], 3);
    let bar = inst.tab_bar().expect("the app has a tab bar");
    assert_eq!(bar.selected, Some(0));

    // A navigator with open-type switchTab.
    tap_node(&mut inst, "#to-list").await.unwrap();
    assert_eq!(stack(&inst), ["list"]);
    assert_eq!(
        hooks(&mut inst),
        ["load list"],
        "home is hidden, not unloaded"
    );
    assert_eq!(inst.tab_bar().unwrap().selected, Some(1));
    // Home's wait finishes while the list shows: its page is alive.
    let due = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(due.is_ok(), "home's wait never came due");
    let done = inst.complete_next().await.expect("home's wait is due");
    done.expect("home's wait lands on the kept home page");

    // Back to home by a tap on the bar: the same page, count and all.
    inst.tap_tab(0).await.unwrap();
    assert_eq!(stack(&inst), ["home"]);
    assert_eq!(hooks(&mut inst), Vec::<String>::new(), "no second load");
    assert_eq!(inst.page_data()["count"], 3);
    assert_eq!(inst.page_data()["loads"], 1);
    assert_eq!(inst.page_data()["waited"], "done");
    assert!(
        inst.view_html().unwrap().contains("Taps: 3"),
        "the kept page renders whole again"
    );
}

#[tokio::test]
async fn switch_tab_unloads_every_page_that_is_not_a_tab_top_first() {
    let (_dir, mut inst) = tabs().await;
    inst.tap_tab(1).await.unwrap();
    tap_node(&mut inst, "#item-2").await.unwrap();
    assert_eq!(stack(&inst), ["list", "detail"]);
    assert_eq!(inst.page_data()["id"], "2");
    assert_eq!(inst.tab_bar().unwrap().selected, None, "no bar on a detail");
    let refused = inst.tap_tab(2).await.unwrap_err().to_string();
    assert!(
        refused.contains("the tab bar is not shown on page `detail`"),
        "{refused}"
    );
    hooks(&mut inst);

    // A page that is not a tab is refused, naming the tabs.
    send(&mut inst, "detail", "switch", json!({"url": "detail"})).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains(
            "page `detail` is not a tab page (app.json's tabBar lists `home`, `list`, `me`)"
        ),
        "{error}"
    );
    // navigateBack never pops below the tab page.
    inst.navigate("navigateBack", "", 10).await.unwrap();
    assert_eq!(stack(&inst), ["list"]);
    tap_node(&mut inst, "#item-2").await.unwrap();
    hooks(&mut inst);

    // A query is refused, as WeChat's switchTab refuses one.
    send(
        &mut inst,
        "detail",
        "switch",
        json!({"url": "home?from=detail"}),
    )
    .await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(error.contains("has a query"), "{error}");
    assert_eq!(stack(&inst), ["list", "detail"]);

    send(&mut inst, "detail", "switch", json!({"url": "me"})).await;
    assert_eq!(stack(&inst), ["me"]);
    assert_eq!(hooks(&mut inst), ["unload detail", "load me"]);
    // getCurrentPages: the current tab page at the bottom, no hidden tab.
    let shown: Vec<&str> = (inst.page_data()["stack"].as_array().unwrap().iter())
        .map(|p| p["route"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["me"]);
}

#[tokio::test]
async fn navigate_to_a_tab_page_is_refused_naming_switch_tab() {
    let (_dir, mut inst) = tabs().await;
    send(&mut inst, "home", "open", json!({"url": "list"})).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("page `list` is tab 1 of app.json's tabBar")
            && error.contains("use switch-tab"),
        "{error}"
    );
    assert_eq!(stack(&inst), ["home"]);
    // A tab past the bar's three is refused, as the badge calls are.
    let refused = inst.tap_tab(3).await.unwrap_err().to_string();
    assert!(refused.contains("the tab bar has 3 tabs"), "{refused}");
}

#[tokio::test]
async fn kept_tabs_are_charged_to_host_memory_and_re_launch_unloads_them() {
    // The list shown alone: launched on it.
    let package = example("tabs");
    let options = LaunchOptions {
        path: Some("list".into()),
        ..LaunchOptions::default()
    };
    let (_alone_dir, mut alone) =
        launched(granting(&package), Default::default(), package, options).await;
    hooks(&mut alone);
    let (list_alone, _) = alone.host_memory();

    // The list shown with home kept: home's page is still charged.
    let (_dir, mut inst) = tabs().await;
    inst.tap_tab(1).await.unwrap();
    hooks(&mut inst);
    let (list_and_home, _) = inst.host_memory();
    assert!(
        list_and_home > list_alone,
        "home kept: {list_and_home} > {list_alone}"
    );
    inst.tap_tab(2).await.unwrap();
    send(&mut inst, "me", "relaunch", json!({"url": "list"})).await;
    assert_eq!(
        hooks(&mut inst),
        [
            "load me",
            "unload me",
            "unload list",
            "unload home",
            "load list"
        ]
    );
    assert_eq!(stack(&inst), ["list"]);
    // Nothing kept any more: the list alone again.
    let (relaunched, _) = inst.host_memory();
    assert_eq!(relaunched, list_alone, "the kept tabs' memory is released");
    assert_eq!(inst.page_data()["loads"], 2, "a new list page");
}

#[tokio::test]
async fn badges_and_the_hidden_flag_act_on_the_configured_bar() {
    let (_dir, mut inst) = tabs().await;
    inst.tap_tab(2).await.unwrap();
    send(&mut inst, "me", "badge", json!({"index": 1})).await;
    let bar = inst.tab_bar().unwrap();
    assert_eq!(bar.badges, [None, Some("new".to_string()), None]);
    // Past the bar's three tabs: refused, though WeChat's five would allow it.
    send(&mut inst, "me", "badge", json!({"index": 3})).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("tab 3 does not exist: app.json's tabBar has 3 tabs, counted from 0"),
        "{error}"
    );
    send(&mut inst, "me", "hide-bar", json!({})).await;
    assert!(inst.tab_bar().unwrap().hidden);
    let refused = inst.tap_tab(0).await.unwrap_err().to_string();
    assert!(refused.contains("the app hid the tab bar"), "{refused}");
    send(&mut inst, "me", "show-bar", json!({})).await;
    inst.tap_tab(0).await.unwrap();
    assert_eq!(stack(&inst), ["home"]);
}

/// The page hooks and page events the app logged since the last look.
fn page_events(inst: &mut AppInstance) -> Vec<String> {
    let kinds = ["load ", "unload ", "show ", "hide ", "tab-item-tap "];
    (inst.drain_logs().into_iter())
        .map(|l| l.message)
        .filter(|m| kinds.iter().any(|k| m.starts_with(k)))
        .collect()
}

#[tokio::test]
async fn a_tab_tap_runs_wechat_s_order_then_on_tab_item_tap_on_the_tapped_page() {
    let (_dir, mut inst) = tabs().await;
    page_events(&mut inst);
    inst.tap_tab(1).await.unwrap();
    assert_eq!(
        page_events(&mut inst),
        [
            "hide home",
            "load list",
            "show list",
            "tab-item-tap list 1 pages/list List"
        ]
    );
    assert_eq!(inst.page_data()["tapped"], 1, "set on the tapped page");
    inst.tap_tab(0).await.unwrap();
    assert_eq!(
        page_events(&mut inst),
        [
            "hide list",
            "show home",
            "tab-item-tap home 0 pages/home Home"
        ]
    );
    // The tab shown, tapped again: nothing moves; its onTabItemTap only.
    inst.tap_tab(0).await.unwrap();
    assert_eq!(
        page_events(&mut inst),
        ["tab-item-tap home 0 pages/home Home"]
    );
    // switchTab from the app's own call fires no onTabItemTap.
    send(&mut inst, "home", "open", json!({"url": "detail?id=1"})).await;
    page_events(&mut inst);
    send(&mut inst, "detail", "switch", json!({"url": "me"})).await;
    assert_eq!(
        page_events(&mut inst),
        ["unload detail", "load me", "show me"]
    );
}
