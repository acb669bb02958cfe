//! The host's UI with a real guest (`guest-examples/feedback`): a modal's
//! and an action sheet's answers reach the guest as completions, from a
//! scripted host UI; toasts and the bars (the tab bar hidden and shown)
//! reach the provider as drawn;
//! WeChat's bounds are refused by name; a headless host refuses dialogs;
//! a page that leaves closes its modal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use miniapp_runtime::providers::{
    ActionSheet, Asked, Drawn, FrontColor, HostUi, HostUiProvider, Modal, ModalAnswer,
    ScriptedAnswer, ScriptedUi, ToastIcon,
};
use miniapp_runtime::{App, AppInstance, Event, LaunchOptions, Providers, QuotaOverrides};

use crate::common::{example, granting, runtime, told_page_unloaded};

/// Longest a test waits for an answer before it calls the run hung (a hang
/// guard: scripted answers are ready at once).
const HANG: Duration = Duration::from_secs(60);

/// The feedback example launched with `host_ui` drawing its UI.
pub(crate) async fn feedback(
    host_ui: Arc<dyn HostUiProvider>,
) -> (tempfile::TempDir, App, AppInstance) {
    feedback_under(host_ui, QuotaOverrides::default()).await
}

/// [`feedback`] under `quotas`.
async fn feedback_under(
    host_ui: Arc<dyn HostUiProvider>,
    quotas: QuotaOverrides,
) -> (tempfile::TempDir, App, AppInstance) {
    let package = example("feedback");
    let mut policy = granting(&package);
    policy.defaults.quotas = quotas;
    let dir = tempfile::tempdir().unwrap();
    let providers = Providers {
        host_ui,
        ..Providers::default()
    };
    let app = (runtime(dir.path(), policy, providers).load(package)).unwrap();
    let inst = app.launch(LaunchOptions::default()).await.unwrap();
    (dir, app, inst)
}

pub(crate) async fn tap(inst: &mut AppInstance, page: &str, handler: &str) {
    let event = Event::tap(page, handler);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// Deliver the one completion the user's answer makes.
pub(crate) async fn answered(inst: &mut AppInstance) {
    let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(waited.is_ok(), "no answer came; data: {}", inst.page_data());
    let delivered = inst.complete_next().await.expect("the answer is due");
    delivered.unwrap();
}

pub(crate) fn modal_answer(confirm: bool, content: Option<&str>) -> ScriptedAnswer {
    ScriptedAnswer::Modal(ModalAnswer {
        confirm,
        content: content.map(str::to_string),
    })
}

#[tokio::test]
async fn a_modal_s_answer_reaches_the_guest_as_a_completion() {
    let ui = ScriptedUi::answering([modal_answer(true, None), modal_answer(false, None)]);
    let (_dir, app, mut inst) = feedback(Arc::new(ui.clone())).await;
    assert_eq!(inst.page_data()["can_ask"], true, "can-i-use show-modal");
    tap(&mut inst, "index", "delete").await;
    assert_eq!(
        inst.page_data()["deleted"],
        false,
        "nothing is answered within the tap"
    );
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["deleted"], true);
    assert_eq!(inst.page_data()["modal"], "confirm");
    let [Drawn::Modal(modal)] = &ui.take_drawn()[..] else {
        panic!("one modal drawn")
    };
    assert_eq!(
        (
            modal.title.as_str(),
            modal.confirm_text.as_str(),
            modal.confirm_color.as_str()
        ),
        ("Delete the order?", "Delete", "#FA5151")
    );
    assert!(modal.show_cancel && !modal.editable);
    tap(&mut inst, "index", "delete").await;
    answered(&mut inst).await;
    assert_eq!(
        inst.page_data()["deleted"],
        false,
        "cancelled: nothing deleted"
    );
    assert_eq!(inst.page_data()["modal"], "cancel");
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.completions, usage.pending_calls),
        (2, 0),
        "{usage:?}"
    );
}

#[tokio::test]
async fn an_editable_modal_hands_back_what_the_user_typed() {
    let ui = ScriptedUi::answering([modal_answer(true, Some("Ada"))]);
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "rename").await;
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["name"], "Ada");
    let [Drawn::Modal(modal)] = &ui.take_drawn()[..] else {
        panic!("one modal drawn")
    };
    assert!(modal.editable);
    assert_eq!(modal.placeholder_text, "A new name");
}

#[tokio::test]
async fn an_action_sheet_calls_success_with_the_item_and_fail_on_cancel() {
    let answers = [
        ScriptedAnswer::ActionSheet(Some(1)),
        ScriptedAnswer::ActionSheet(None),
    ];
    let ui = ScriptedUi::answering(answers);
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "pick").await;
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["picked"], 1);
    tap(&mut inst, "index", "pick").await;
    answered(&mut inst).await;
    assert_eq!(
        inst.page_data()["picked"],
        "failed: cancel",
        "WeChat's fail cancel"
    );
    let logs: Vec<String> = inst.drain_logs().into_iter().map(|l| l.message).collect();
    let closed = logs.iter().filter(|l| *l == "the action sheet closed");
    assert_eq!(closed.count(), 2, "complete runs either way: {logs:?}");
    let drawn = ui.take_drawn();
    let expected = ActionSheet {
        alert_text: None,
        item_list: vec!["Take a photo".into(), "Choose from the album".into()],
        item_color: "#000000".into(),
    };
    assert_eq!(
        drawn,
        [
            Drawn::ActionSheet(expected.clone()),
            Drawn::ActionSheet(expected)
        ]
    );
}

#[tokio::test]
async fn toasts_and_the_bars_reach_the_host_as_drawn() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "toast").await;
    tap(&mut inst, "index", "loading").await;
    tap(&mut inst, "index", "hide-loading").await;
    tap(&mut inst, "index", "frame").await;
    let shown = |ui: HostUi| Drawn::Shown(ui);
    let expected = [
        shown(HostUi::Toast {
            title: "Saved".into(),
            icon: ToastIcon::Success,
            duration_ms: 1_500,
            mask: false,
        }),
        shown(HostUi::Loading {
            title: "Loading".into(),
            mask: false,
        }),
        shown(HostUi::HideLoading),
        shown(HostUi::Toast {
            title: "Loaded".into(),
            icon: ToastIcon::None,
            duration_ms: 1_500,
            mask: false,
        }),
        shown(HostUi::NavigationBarTitle {
            title: "Feedback".into(),
        }),
        shown(HostUi::NavigationBarColor {
            front: FrontColor::White,
            background: "#07C160".into(),
            duration_ms: 0,
        }),
        shown(HostUi::NavigationBarLoading { shown: true }),
        shown(HostUi::NavigationBarLoading { shown: false }),
        shown(HostUi::TabBarBadge {
            index: 1,
            text: Some("3".into()),
        }),
        shown(HostUi::TabBarRedDot {
            index: 2,
            shown: true,
        }),
        shown(HostUi::PageScrollTo {
            scroll_top: 0,
            duration_ms: 300,
        }),
        shown(HostUi::PullDownRefresh { started: true }),
        shown(HostUi::PullDownRefresh { started: false }),
    ];
    assert_eq!(ui.take_drawn(), expected);
}

#[tokio::test]
async fn the_tab_bar_hides_sliding_out_and_shows_again_at_once() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "hide-tab-bar").await;
    tap(&mut inst, "index", "show-tab-bar").await;
    let expected = [
        Drawn::Shown(HostUi::TabBar {
            shown: false,
            animation: true,
        }),
        Drawn::Shown(HostUi::TabBar {
            shown: true,
            animation: false,
        }),
    ];
    assert_eq!(ui.take_drawn(), expected);
}

#[tokio::test]
async fn wechat_s_bounds_are_refused_by_name_and_nothing_is_drawn() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "refusals").await;
    let data = inst.page_data();
    assert_eq!(
        data["refused"],
        serde_json::json!([
            "invalid argument: the background colour `green` is not a colour written #RRGGBB",
            "invalid argument: tab 5 does not exist: a tab bar has at most 5 tabs, counted from 0",
            "invalid argument: the toast's title is empty",
        ])
    );
    assert_eq!(
        data["sheet"], "invalid argument: the action sheet has 7 items; it takes 1 to 6",
        "refused at once: its fail runs in the same callback"
    );
    assert_eq!(ui.take_drawn(), []);
}

#[tokio::test]
async fn a_headless_host_refuses_a_modal_as_unsupported() {
    let (_dir, app, mut inst) = feedback(Arc::new(miniapp_runtime::providers::Headless)).await;
    assert_eq!(
        inst.page_data()["can_ask"],
        false,
        "can-i-use says so first"
    );
    let refused = inst.dispatch(&Event::tap("index", "delete")).await;
    let message = refused
        .expect_err("the task's refusal is the callback's error")
        .to_string();
    assert!(
        message.contains("unsupported: this host has nobody to answer a modal"),
        "{message}"
    );
    assert!(inst.wake().at().is_none());
    assert_eq!(app.usage().unwrap().pending_calls, 0, "no call was started");
}

/// A host UI whose user never answers, counting the dialogs it was asked.
#[derive(Default)]
struct Unanswered {
    asked: AtomicU32,
}

impl HostUiProvider for Unanswered {
    fn show(&self, _: &str, _: HostUi) {}

    fn can_ask(&self) -> bool {
        true
    }

    fn ask_modal(&self, _: &str, _: Modal) -> Asked<ModalAnswer> {
        self.asked.fetch_add(1, Ordering::Relaxed);
        Box::pin(std::future::pending())
    }

    fn ask_action_sheet(&self, _: &str, _: ActionSheet) -> Asked<Option<u32>> {
        self.asked.fetch_add(1, Ordering::Relaxed);
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_page_that_leaves_closes_its_modal_and_the_guest_is_told() {
    let ui = Arc::new(Unanswered::default());
    let (_dir, app, mut inst) = feedback(ui.clone()).await;
    tap(&mut inst, "index", "open-detail").await;
    assert_eq!(ui.asked.load(Ordering::Relaxed), 1, "detail asked on load");
    assert_eq!(app.usage().unwrap().pending_calls, 1);
    tap(&mut inst, "detail", "back").await;
    told_page_unloaded(&mut inst, "detail modal").await;
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.pending_calls, usage.calls_cancelled),
        (0, 1),
        "{usage:?}"
    );
}

#[tokio::test]
async fn a_dialog_past_the_pending_calls_quota_is_refused_and_never_drawn() {
    let quotas = QuotaOverrides {
        pending_calls: Some(1),
        ..QuotaOverrides::default()
    };
    let ui = ScriptedUi::answering([modal_answer(true, None), modal_answer(true, None)]);
    let (_dir, app, mut inst) = feedback_under(Arc::new(ui.clone()), quotas).await;
    tap(&mut inst, "index", "delete").await;
    let refused = inst.dispatch(&Event::tap("index", "delete")).await;
    let message = refused
        .expect_err("the second modal is refused")
        .to_string();
    assert!(message.contains("quota `pending_calls`"), "{message}");
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["modal"], "confirm");
    assert_eq!(
        ui.take_drawn().len(),
        1,
        "the refused modal was never drawn"
    );
    assert_eq!(app.usage().unwrap().quota_hits, 1);
    // Its answer is still in the script: the next modal takes it.
    tap(&mut inst, "index", "delete").await;
    answered(&mut inst).await;
    assert_eq!(ui.take_drawn().len(), 1);
}

#[tokio::test]
async fn a_held_edited_answer_is_charged_to_host_memory() {
    // 1,024 characters, within a modal's bounds: 3,072 bytes.
    let typed = "字".repeat(1024);
    let ui = ScriptedUi::answering([modal_answer(true, Some(&typed))]);
    let (_dir, _app, mut roomy) = feedback(Arc::new(ui)).await;
    let (launched, _) = roomy.host_memory();
    tap(&mut roomy, "index", "rename").await;
    answered(&mut roomy).await;
    assert_eq!(roomy.page_data()["name"], typed.as_str());
    // Room for the modal's pending call but not for what the user typed.
    let quotas = QuotaOverrides {
        host_memory_bytes: Some(launched + 1024),
        ..QuotaOverrides::default()
    };
    let ui = ScriptedUi::answering([modal_answer(true, Some(&typed))]);
    let (_dir, _app, mut tight) = feedback_under(Arc::new(ui), quotas).await;
    tap(&mut tight, "index", "rename").await;
    let waited = tokio::time::timeout(HANG, tight.wake().wait()).await;
    assert!(waited.is_ok(), "no answer came");
    let failed = tight.complete_next().await.expect("the answer is due");
    let message = failed.expect_err("the answer does not fit").to_string();
    assert!(
        message.contains("a modal's edited answer needs 3072 bytes")
            && message.contains("quota `host_memory_bytes`"),
        "{message}"
    );
    assert_ne!(tight.page_data()["name"], typed.as_str(), "nothing renamed");
}
