//! Custom components at runtime with a real guest, `components-raw` (the
//! raw WIT, as the typed SDK will generate it): its `miniapp:meta` section
//! read at load, handlers through `handlers.on-handler` by target, the
//! component lifetimes batched after each render (created, attached, ready,
//! property changes with old values, moved, detached), `trigger-event`
//! reaching the page's listener, `select-component` scoped as WeChat's, a
//! component's timer ending when it detaches, and every budget by name.

use miniapp_runtime::view::diff::Op;
use miniapp_runtime::{AppInstance, LaunchOptions};
use serde_json::{Value, json};

use crate::common::{example, granting, launched, tap};

/// The example launched on `path`.
pub(crate) async fn components_at(path: &str) -> (tempfile::TempDir, AppInstance) {
    let package = example("components-raw");
    let options = LaunchOptions {
        path: Some(path.into()),
        ..LaunchOptions::default()
    };
    launched(granting(&package), Default::default(), package, options).await
}

/// Tap `selector`, which must succeed.
async fn tapped(inst: &mut AppInstance, selector: &str) {
    (tap(inst, selector).await).unwrap_or_else(|e| panic!("{selector}: {e}"));
}

/// The notices the app was told since `from`, as it journaled them.
fn notices(inst: &AppInstance, from: usize) -> Vec<String> {
    let all = inst.page_data()["notices"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    all[from.min(all.len())..]
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// How many notices the app was told so far.
fn told(inst: &AppInstance) -> usize {
    notices(inst, 0).len()
}

/// The id in a `created:ID:DEFINITION:PARENT` notice of `definition`.
fn created_id(notices: &[String], definition: &str) -> Vec<u32> {
    (notices.iter())
        .filter_map(|n| n.strip_prefix("created:"))
        .filter(|n| n.split(':').nth(1) == Some(definition))
        .map(|n| n.split(':').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn page_handlers_reach_on_handler_with_their_target_and_dataset() {
    let (_dir, mut inst) = components_at("plain").await;
    tapped(&mut inst, "#say").await;
    assert_eq!(inst.page_data()["said"], "hi from #say");
}

#[tokio::test]
async fn set_data_by_serial_reaches_a_page_under_the_top_and_stale_targets_are_refused() {
    let (_dir, mut inst) = components_at("plain").await;
    tapped(&mut inst, "#push").await;
    assert_eq!(inst.pages().len(), 2);
    tapped(&mut inst, "#under").await;
    assert_eq!(inst.pages()[0].data["touched"], true);
    assert_eq!(inst.page_data()["touched"], Value::Null);
    let refusals: Vec<&str> = (inst.page_data()["refusals"].as_array().unwrap().iter())
        .map(|r| r.as_str().unwrap())
        .collect();
    let expected = [
        "select under: Error::Failed(\"page `plain` is not shown: its components cannot be selected\")",
        "select here: []",
        "page: Error::InvalidArgument(\"page 9999 is not on the page stack\")",
        "component: Error::InvalidArgument(\"component instance 77 is not on any page (detached, or never created)\")",
        "get: Error::InvalidArgument(\"component instance 77 is not on any page (detached, or never created)\")",
        "trigger: Error::InvalidArgument(\"component instance 77 is not on any page (detached, or never created)\")",
    ];
    assert_eq!(refusals, expected);
}

#[tokio::test]
async fn instances_are_created_attached_and_ready_in_one_batch_parents_first() {
    let (_dir, inst) = components_at("index").await;
    let seen = notices(&inst, 0);
    let counter = created_id(&seen, "components/counter/counter");
    let card = created_id(&seen, "components/card/card");
    let badge = created_id(&seen, "components/badge/badge");
    let items = created_id(&seen, "components/list-item/list-item");
    let boxed = created_id(&seen, "components/timer-box/timer-box");
    assert_eq!(
        (
            counter.len(),
            card.len(),
            badge.len(),
            items.len(),
            boxed.len()
        ),
        (1, 1, 1, 3, 1),
        "{seen:?}"
    );
    // Document order, the card before the badge its template holds.
    let mut ids = [
        counter[0], card[0], badge[0], items[0], items[1], items[2], boxed[0],
    ]
    .to_vec();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert!(
        seen.contains(&format!(
            "created:{}:components/badge/badge:{}",
            badge[0], card[0]
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&format!(
            "created:{}:components/counter/counter:page",
            counter[0]
        )),
        "{seen:?}"
    );
    // One batch: every created, then every attached, then every ready.
    let kinds: Vec<&str> = seen.iter().map(|n| n.split(':').next().unwrap()).collect();
    let expected: Vec<&str> = ["created"; 7]
        .into_iter()
        .chain(["attached"; 7])
        .chain(["ready"; 7])
        .collect();
    assert_eq!(kinds, expected, "{seen:?}");
    ids.sort_unstable();
    let attached: Vec<String> = ids.iter().map(|id| format!("attached:{id}")).collect();
    assert_eq!(seen[7..14], attached[..]);
    // Its properties as the page rendered them; its own data beside them.
    let html = inst.view_html().unwrap();
    assert!(
        html.contains("1/0/"),
        "the counter shows value/clicks/observed: {html}"
    );
    assert!(
        html.contains("Hello"),
        "the badge shows the card's title: {html}"
    );
}

#[tokio::test]
async fn a_property_change_is_noticed_with_its_old_value_and_observed() {
    let (_dir, mut inst) = components_at("index").await;
    let counter = created_id(&notices(&inst, 0), "components/counter/counter")[0];
    let from = told(&inst);
    tapped(&mut inst, "#bump").await;
    assert_eq!(
        notices(&inst, from),
        [format!("properties:{counter}:value:2:1")]
    );
    // The observer set the counter's own data; the page shows it.
    let html = inst.view_html().unwrap();
    assert!(
        html.contains("2/0/1 -&gt; 2") || html.contains("2/0/1 -> 2"),
        "{html}"
    );
}

#[tokio::test]
async fn a_component_handler_sets_its_own_data_and_its_event_reaches_the_page() {
    let (_dir, mut inst) = components_at("index").await;
    let from = told(&inst);
    tapped(&mut inst, "#inc").await;
    tapped(&mut inst, "#inc").await;
    // `increment` ran on the counter (its clicks), and its `change`
    // reached the page's `onChange` through the listener the host returned.
    assert_eq!(inst.page_data()["changed"], 2);
    assert!(inst.view_html().unwrap().contains("1/2/"));
    assert_eq!(
        notices(&inst, from),
        Vec::<String>::new(),
        "no instance changed"
    );
}

#[tokio::test]
async fn select_component_is_scoped_to_the_callers_template() {
    let (_dir, mut inst) = components_at("index").await;
    let seen = notices(&inst, 0);
    tapped(&mut inst, "#pick").await;
    let picked = &inst.page_data()["picked"];
    let counter = created_id(&seen, "components/counter/counter");
    assert_eq!(picked["counter"], json!(counter));
    assert_eq!(
        picked["items"],
        json!(created_id(&seen, "components/list-item/list-item"))
    );
    assert_eq!(
        picked["card"],
        json!(created_id(&seen, "components/card/card"))
    );
    assert_eq!(
        picked["badgeFromPage"],
        json!([]),
        "the badge is in the card's template"
    );
    assert_eq!(
        picked["badge"],
        json!(created_id(&seen, "components/badge/badge"))
    );
}

#[tokio::test]
async fn a_keyed_list_moving_its_items_moves_its_instances() {
    let (_dir, mut inst) = components_at("index").await;
    let items = created_id(&notices(&inst, 0), "components/list-item/list-item");
    let from = told(&inst);
    tapped(&mut inst, "#reverse").await;
    let seen = notices(&inst, from);
    // a, b, c became c, b, a: the same instances, a and c moved, none detached.
    assert_eq!(
        seen,
        [format!("moved:{}", items[2]), format!("moved:{}", items[0])]
    );
}

#[tokio::test]
async fn a_component_leaving_with_wx_if_is_detached_and_its_timer_cancelled() {
    let (_dir, mut inst) = components_at("index").await;
    let boxed = created_id(&notices(&inst, 0), "components/timer-box/timer-box")[0];
    tapped(&mut inst, "#start").await;
    let timer = inst.page_data()["boxTimer"]
        .as_u64()
        .expect("the box set a timer");
    let from = told(&inst);
    tapped(&mut inst, "#drop").await;
    assert_eq!(notices(&inst, from), [format!("detached:{boxed}")]);
    // Its timer ends now, cancelled (a hang guard: it is due at once).
    let hang = std::time::Duration::from_secs(60);
    let next = tokio::time::timeout(hang, inst.complete_next())
        .await
        .unwrap();
    next.expect("the cancellation is due").unwrap();
    assert_eq!(
        inst.page_data()["completions"],
        json!([format!("{timer}:cancelled component detached")])
    );
}

#[tokio::test]
async fn trigger_event_and_instance_data_are_bounded_by_name() {
    let (_dir, mut inst) = components_at("index").await;
    tapped(&mut inst, "#storm").await;
    assert_eq!(inst.page_data()["stormed"], 256);
    let refusal = inst.page_data()["stormRefusal"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        refusal.contains("QuotaExceeded") && refusal.contains("trigger-event was called 256 times"),
        "{refusal}"
    );
    tapped(&mut inst, "#bloat").await;
    let refusal = inst.page_data()["bloatRefusal"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(refusal.contains("QuotaExceeded"), "{refusal}");
    assert!(
        refusal.contains("component `components/counter/counter`"),
        "{refusal}"
    );
    assert!(
        refusal.contains("over the limit of 4194304 bytes"),
        "{refusal}"
    );
}

#[tokio::test]
async fn an_app_creating_instances_in_a_loop_is_contained() {
    let (_dir, mut inst) = components_at("index").await;
    let err = tap(&mut inst, "#flood").await.unwrap_err().to_string();
    // Every round of notices added 100 items: the host stopped calling it
    // after 16 rounds, or the render stopped at its instance limit first.
    assert!(
        err.contains("on-notices changed the page's components 16 times in a row")
            || err.contains("view_components"),
        "{err}"
    );
    // The instance runs on, its list as far as the rounds took it.
    let items = inst.page_data()["items"].as_array().unwrap().len();
    assert!((3..=3 + 100 * 17).contains(&items), "{items}");
    assert!(inst.view_html().is_some());
}

#[tokio::test]
async fn a_component_calls_completion_sets_that_components_data() {
    let (_dir, mut inst) = components_at("index").await;
    tapped(&mut inst, "#later").await;
    let hang = std::time::Duration::from_secs(60);
    let next = tokio::time::timeout(hang, inst.complete_next())
        .await
        .unwrap();
    next.expect("a 0 ms timer is due").unwrap();
    // Its plain `view.set-data` acted on the counter, not the page.
    assert_eq!(inst.page_data()["late"], Value::Null);
    let html = inst.view_html().unwrap();
    let late = &html[html.find("id=\"late\"").expect("the counter's #late")..];
    let late = &late[..late.find("</span></span>").unwrap()];
    assert!(late.ends_with(">done"), "{late}");
}

#[tokio::test]
async fn a_package_with_components_needs_an_app_exporting_lifetimes_and_handlers() {
    // The components' templates and jsons around an app built before them.
    let with = example("components-raw");
    let without = example("core-only");
    let package = crate::common::repacked(&without, with.manifest.clone(), with.assets.clone());
    let dir = tempfile::tempdir().unwrap();
    let rt = crate::common::runtime(dir.path(), granting(&package), Default::default());
    let err = rt.load(package).err().expect("refused").to_string();
    assert!(
        err.contains("it declares custom component `components/"),
        "{err}"
    );
    assert!(err.contains("it needs an SDK with components"), "{err}");
}

#[tokio::test]
async fn page_lifetimes_reach_the_instances_that_listen() {
    let (_dir, mut inst) = components_at("index").await;
    let boxed = created_id(&notices(&inst, 0), "components/timer-box/timer-box")[0];
    let from = told(&inst);
    inst.hide().await.unwrap();
    inst.show().await.unwrap();
    // Only the box lists `hide` in its pageLifetimes; nobody lists `show`.
    let hidden = format!("page-lifetime:{boxed}:PageLifetime::Hide");
    assert_eq!(notices(&inst, from), [hidden]);
}

#[tokio::test]
async fn too_many_or_too_deeply_nested_instances_stop_the_render_by_name() {
    let (_dir, mut inst) = components_at("index").await;
    let from = told(&inst);
    tapped(&mut inst, "#overflow").await;
    let error = inst.view_error().expect("the render stopped").to_string();
    assert!(
        error.contains("custom component instances per page (limit 2000)"),
        "{error}"
    );
    // The page shows its last render; no instance came or went.
    assert_eq!(notices(&inst, from), Vec::<String>::new());
    let (_dir, mut inst) = components_at("index").await;
    tapped(&mut inst, "#deep").await;
    let error = inst.view_error().expect("the render stopped").to_string();
    assert!(
        error.contains("custom components inside one another (limit 32)"),
        "{error}"
    );
}

#[tokio::test]
async fn an_instances_own_set_data_changes_only_its_subtree() {
    let (_dir, mut inst) = components_at("index").await;
    tapped(&mut inst, "#later").await;
    let _ = inst.take_view_ops();
    let hang = std::time::Duration::from_secs(60);
    let next = tokio::time::timeout(hang, inst.complete_next())
        .await
        .unwrap();
    next.expect("a 0 ms timer is due").unwrap();
    // The counter set its `late`: one text changed, inside the counter.
    let ops = inst.take_view_ops().expect("a diff of the same page");
    let late = crate::common::node(&inst, "#late");
    // (Its text was empty: the node is new, inside the counter's #late.)
    match &ops[..] {
        [Op::Insert { parent, html, .. }] => {
            assert_eq!(*parent, Some(late));
            assert!(html.ends_with(">done</span>"), "{html}");
        }
        other => panic!("one insert inside #late, not {other:?}"),
    }
}
