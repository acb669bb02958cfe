//! The hostile apps that attack the host's UI around the page:
//! `toast-loop` (toasts and bar changes without end) and
//! `fake-payment-modal` (a dialog that would pass for the host's payment
//! sheet). Each runs with a scripted host UI that records what it drew.

use std::sync::Arc;
use std::time::Duration;

use miniapp_runtime::audit::AuditEvent;
use miniapp_runtime::providers::{Drawn, FixedConsent, ModalAnswer, ScriptedAnswer, ScriptedUi};
use miniapp_runtime::{AppInstance, Event, Policy, Providers, Scope};

use super::{Arena, arena_providing, hostile};

/// Longest a test waits for a completion that is due (a hang guard).
const HANG: Duration = Duration::from_secs(120);

/// The arena of hostile app `name` ([`super::arena_of`]) whose host UI is `ui`.
fn arena_drawing(name: &str, extra: &str, ui: &ScriptedUi) -> Arena {
    let providers = Providers {
        host_ui: Arc::new(ui.clone()),
        ..crate::common::simulated_with(FixedConsent::granting([Scope::UserInfo]))
    };
    arena_providing(Policy::default(), &hostile(name), extra, true, providers)
}

/// Deliver the next completion, once it is due; it must succeed.
async fn deliver_one(inst: &mut AppInstance) {
    let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(waited.is_ok(), "nothing came within {HANG:?}");
    let delivered = inst.complete_next().await.expect("a completion is due");
    delivered.unwrap();
}

/// A toast loop draws `host_ui_per_event` toasts and bar changes in its
/// event and again in each completion, each callback with its own count;
/// the rest are refused by name and audited, and the neighbour is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn a_toast_loop_draws_its_quota_per_callback_while_its_neighbour_is_served() {
    const PER_EVENT: usize = 5;
    let ui = ScriptedUi::answering([]);
    let arena = arena_drawing(
        "toast-loop",
        &format!("host_ui_per_event = {PER_EVENT}"),
        &ui,
    );
    let (app, mut inst) = arena.opened().await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data().clone();
    assert_eq!(data["outcome"], "refused", "{data}");
    assert_eq!(data["drawn"], PER_EVENT, "{data}");
    assert_eq!(data["error_kind"], "quota-exceeded", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(error.contains("host_ui_per_event"), "{error}");
    assert_eq!(
        ui.take_drawn().len(),
        PER_EVENT,
        "what reached the host's UI"
    );
    for n in 1..=3 {
        deliver_one(&mut inst).await;
        let data = inst.page_data();
        assert_eq!(data["completions"], n, "{data}");
        assert_eq!(data["drawn_last"], PER_EVENT, "{data}");
        assert_eq!(data["loop_error_kind"], "quota-exceeded", "{data}");
        let drawn = ui.take_drawn();
        assert_eq!(drawn.len(), PER_EVENT, "completion {n}: {drawn:?}");
        assert!(drawn.iter().all(|d| matches!(d, Drawn::Shown(_))));
    }
    arena.witness_still_works(0).await;
    assert!(arena.audited_quota("host_ui_per_event"));
    assert_eq!(
        app.usage().unwrap().quota_hits,
        4,
        "one refusal per callback"
    );
}

/// Every dialog that would pass for the host's payment sheet, and a
/// navigation bar titled as the host's, is refused by name and audited,
/// none is drawn; an honest modal is drawn and
/// answered as any other.
#[tokio::test]
pub(super) async fn a_fake_payment_modal_is_refused_and_the_host_s_dialogs_stay_its_own() {
    let confirm = ScriptedAnswer::Modal(ModalAnswer {
        confirm: true,
        content: None,
    });
    let ui = ScriptedUi::answering([confirm]);
    let arena = arena_drawing("fake-payment-modal", "", &ui);
    let (app, mut inst) = arena.opened().await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data().clone();
    assert_eq!(data["outcome"], "refused", "{data}");
    let attempts = [
        "plain",
        "chinese",
        "full_width",
        "hidden",
        "look_alike",
        "button",
        "nav_title",
    ];
    for attempt in attempts {
        assert_eq!(
            data[format!("{attempt}_error_kind")],
            "permission-denied",
            "{attempt}: {data}"
        );
        let error = data[format!("{attempt}_error")].as_str().unwrap();
        assert!(error.contains("holds the host's name (WeChat)"), "{error}");
    }
    assert_eq!(ui.take_drawn(), [], "no fake dialog reached the screen");
    let denied = |e: &AuditEvent| matches!(e, AuditEvent::Denied { message } if message.contains("the host's name"));
    assert!(arena.audited(denied));
    assert_eq!(app.usage().unwrap().denials, attempts.len() as u64);
    // An honest modal is the host's to draw, answered as any other.
    inst.dispatch(&Event::tap("index", "ask")).await.unwrap();
    deliver_one(&mut inst).await;
    assert_eq!(inst.page_data()["answered"], true);
    let [Drawn::Modal(modal)] = &ui.take_drawn()[..] else {
        panic!("one modal drawn")
    };
    assert_eq!(modal.title, "Leave the page?");
    arena.witness_still_works(0).await;
}
