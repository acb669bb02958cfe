//! Pending calls and timers with a real guest (`guest-examples/timers`):
//! completions delivered between events, one callback each, to the page
//! that started them; a page's calls cancelled when it leaves; nothing
//! delivered while the app is hidden; the timer quota.

use std::time::Duration;

use miniapp_runtime::{App, AppInstance, Event, LaunchOptions, Providers, QuotaOverrides};
use serde_json::{Value, json};

use crate::common::{example, granting, runtime, told_page_unloaded};

/// Longest a test waits for a completion before it calls the run hung (a
/// hang guard, not a timing assertion: the timers under test are ms long).
pub(crate) const HANG: Duration = Duration::from_secs(60);

/// The timers example launched under `quotas`, with its loaded app (for
/// its usage figures); the data directory lives as long as the guard.
async fn timers(quotas: QuotaOverrides) -> (tempfile::TempDir, App, AppInstance) {
    let package = example("timers");
    let mut policy = granting(&package);
    policy.defaults.quotas = quotas;
    let dir = tempfile::tempdir().unwrap();
    let app = (runtime(dir.path(), policy, Providers::default()).load(package)).unwrap();
    let inst = app.launch(LaunchOptions::default()).await.unwrap();
    (dir, app, inst)
}

fn event(page: &str, handler: &str, detail: Value) -> Event {
    Event::new(page, handler).with_detail(detail)
}

pub(crate) async fn dispatch(inst: &mut AppInstance, page: &str, handler: &str, detail: Value) {
    let event = event(page, handler, detail);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// Deliver completions as they come until the page data satisfies `done`;
/// how many were delivered.
pub(crate) async fn deliver_until(inst: &mut AppInstance, done: impl Fn(&Value) -> bool) -> usize {
    let mut delivered = 0;
    while !done(inst.page_data()) {
        let wake = inst.wake();
        assert!(
            tokio::time::timeout(HANG, wake.wait()).await.is_ok(),
            "nothing came to deliver; data: {}",
            inst.page_data()
        );
        while let Some(outcome) = inst.complete_next().await {
            outcome.unwrap();
            delivered += 1;
        }
    }
    delivered
}

#[tokio::test]
async fn an_interval_ticks_between_events_and_stops_itself() {
    let (_dir, app, mut inst) = timers(QuotaOverrides::default()).await;
    dispatch(&mut inst, "index", "start", json!({ "ms": 5, "times": 3 })).await;
    assert_eq!(inst.page_data()["ticks"], 0, "nothing fires within the tap");
    let delivered = deliver_until(&mut inst, |data| data["ticks"] == 3).await;
    assert_eq!(delivered, 3, "one callback per firing");
    assert!(
        inst.wake().at().is_none(),
        "the interval cleared itself: no timer is left"
    );
    assert_eq!(inst.page_data()["ticks"], 3);
    let usage = app.usage().unwrap();
    assert_eq!(usage.completions, 3, "{usage:?}");
    assert_eq!(usage.timers, 0, "{usage:?}");
}

#[tokio::test]
async fn a_timeout_a_sleeping_task_and_a_next_tick_each_run_once() {
    let (_dir, _app, mut inst) = timers(QuotaOverrides::default()).await;
    dispatch(&mut inst, "index", "next-tick", json!({})).await;
    assert_eq!(
        inst.page_data()["ticked"],
        true,
        "a next tick runs after the handler, in the same callback"
    );
    dispatch(&mut inst, "index", "once", json!({ "ms": 1 })).await;
    dispatch(&mut inst, "index", "sleep", json!({ "ms": 1 })).await;
    let delivered = deliver_until(&mut inst, |data| {
        data["timeout"] == "fired" && data["slept"] == true
    })
    .await;
    assert_eq!(delivered, 2);
    assert!(inst.wake().at().is_none(), "nothing is left pending");
    assert!(inst.complete_next().await.is_none());
}

#[tokio::test]
async fn a_page_that_leaves_ends_its_calls_with_cancelled_and_the_guest_can_tell() {
    let (_dir, app, mut inst) = timers(QuotaOverrides::default()).await;
    dispatch(&mut inst, "index", "open-detail", json!({})).await;
    assert!(inst.wake().at().is_some(), "detail's sleep is pending");
    dispatch(&mut inst, "detail", "back", json!({})).await;
    told_page_unloaded(&mut inst, "detail sleep").await;
    assert!(inst.wake().at().is_none(), "the sleep's timer is gone");
    assert_eq!(app.usage().unwrap().calls_cancelled, 1);
}

#[tokio::test]
async fn a_hidden_app_gets_no_firings_until_it_shows_again() {
    let (_dir, _app, mut inst) = timers(QuotaOverrides::default()).await;
    dispatch(&mut inst, "index", "start", json!({ "ms": 1 })).await;
    inst.hide().await.unwrap();
    assert!(inst.wake().at().is_none(), "a hidden app's timers pause");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(inst.complete_next().await.is_none(), "nothing is delivered");
    assert_eq!(inst.page_data()["ticks"], 0);
    inst.show().await.unwrap();
    deliver_until(&mut inst, |data| data["ticks"].as_u64() >= Some(2)).await;
    dispatch(&mut inst, "index", "stop", json!({})).await;
    assert!(inst.wake().at().is_none());
}

#[tokio::test]
async fn timers_past_the_quota_are_refused_with_its_name() {
    let quotas = QuotaOverrides {
        timers: Some(4),
        ..QuotaOverrides::default()
    };
    let (_dir, app, mut inst) = timers(quotas).await;
    dispatch(&mut inst, "index", "many", json!({ "n": 6 })).await;
    let data = inst.page_data().clone();
    assert_eq!(data["set"], 4, "{data}");
    let refused = data["refused"].as_str().unwrap();
    assert!(refused.contains("quota `timers`"), "{refused}");
    dispatch(&mut inst, "index", "budget", json!({})).await;
    let budget = &inst.page_data()["budget"];
    assert_eq!(
        (&budget["timers"], &budget["timers_limit"]),
        (&json!(4), &json!(4))
    );
    assert_eq!(
        app.usage().unwrap().quota_hits,
        2,
        "each refusal is counted"
    );
}
