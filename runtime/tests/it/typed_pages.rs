//! Typed pages with the typed-pages example: the SDK keeps one value per
//! page on the stack (made at its load, dropped at its unload), routes
//! each tap through the view to the method bound by name with the
//! element's dataset typed, calls each page's own hooks, and lets a
//! callback after a handler reach its page (`page::with_page`); a page
//! that is not typed goes on reaching the app's own hooks.

use miniapp_runtime::{AppInstance, Event};
use serde_json::json;

use crate::common::{example, launched_alone, tap};

async fn tapped(inst: &mut AppInstance, selector: &str) {
    (tap(inst, selector).await).unwrap_or_else(|e| panic!("tap {selector}: {e}"));
}

fn unloads(inst: &mut AppInstance) -> Vec<String> {
    (inst.drain_logs().into_iter())
        .map(|l| l.message)
        .filter(|m| m.starts_with("unload "))
        .collect()
}

#[tokio::test]
async fn each_page_on_the_stack_keeps_its_own_value_and_hooks() {
    let (_dir, mut inst) = launched_alone(example("typed-pages")).await;
    // The dataset's `label` comes typed from the view: counter `a` opens.
    tapped(&mut inst, "#open").await;
    assert_eq!(inst.page_data()["label"], "a");
    assert_eq!(inst.page_data()["shown"], 1);
    tapped(&mut inst, "#bump").await;
    tapped(&mut inst, "#bump").await;
    assert_eq!(inst.page_data()["count"], 2);
    // A second counter page above it starts from its own Default.
    tapped(&mut inst, "#deeper").await;
    assert_eq!(inst.page_data()["label"], "aa");
    assert_eq!(inst.page_data()["count"], 0);
    tapped(&mut inst, "#bump").await;
    assert_eq!(inst.page_data()["count"], 1);
    // Back: `aa` unloads (its own on_unload, told to the app), `a` shows
    // again and counts on from its own 2, not `aa`'s 1.
    tapped(&mut inst, "#back").await;
    assert_eq!(unloads(&mut inst), ["unload counter aa"]);
    assert_eq!(inst.page_data()["label"], "a");
    assert_eq!(inst.page_data()["shown"], 2);
    assert_eq!(inst.page_data()["unloaded"], json!(["aa"]));
    tapped(&mut inst, "#bump").await;
    assert_eq!(inst.page_data()["count"], 3);
    // A callback after the handler reaches the page it ran for.
    tapped(&mut inst, "#later").await;
    assert_eq!(inst.page_data()["count"], 13);
}

#[tokio::test]
async fn an_event_for_a_handler_the_page_lacks_is_refused_naming_those_it_has() {
    let (_dir, mut inst) = launched_alone(example("typed-pages")).await;
    let err = (inst.dispatch(&Event::new("index", "opne")).await).unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid argument: no handler `opne` on page `index` (it has `open`)"),
        "{err}"
    );
    // Sent with no element, the typed dataset is read from the detail.
    let open = Event::new("index", "open").with_detail(json!({"label": "z"}));
    inst.dispatch(&open).await.unwrap();
    assert_eq!(inst.page_data()["label"], "z");
}

#[tokio::test]
async fn a_page_that_is_not_typed_reaches_the_apps_own_hooks() {
    let (_dir, mut inst) = launched_alone(example("typed-pages")).await;
    tapped(&mut inst, "#plain").await;
    // The app's on_load ran for it, not a page type's.
    assert_eq!(inst.page_data()["route"], "plain");
    tapped(&mut inst, "#greet").await;
    assert_eq!(inst.page_data()["greeting"], "hello from the app");
    let err = (inst.dispatch(&Event::new("plain", "wave")).await).unwrap_err();
    assert!(
        err.to_string().contains("unknown handler plain:wave"),
        "{err}"
    );
}

#[tokio::test]
async fn a_patch_applies_its_keys_in_the_order_the_app_wrote_them() {
    let (_dir, mut inst) = launched_alone(example("typed-pages")).await;
    tapped(&mut inst, "#plain").await;
    // Six goods, then `goods[6]` to `goods[17]` in one patch: each appends
    // in turn (sorted, `goods[10]` would come before `goods[6]`).
    tapped(&mut inst, "#stock").await;
    let goods: Vec<String> = (0..18).map(|i| format!("good {i}")).collect();
    assert_eq!(inst.page_data()["goods"], json!(goods));
    // `{"note.text": "first", "note": "whole"}`: the later key wins, as
    // written (sorted, `note` would come first and `note.text` make it an
    // object).
    assert_eq!(inst.page_data()["note"], "whole");
}
