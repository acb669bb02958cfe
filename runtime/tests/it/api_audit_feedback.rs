//! The feedback and frame calls no other test made from a real guest
//! (`guest-examples/feedback`): the error and loading toasts with a
//! duration and a mask, `hideToast`, a loading toast with a mask (hidden
//! by a timer), `removeTabBarBadge` and `hideTabBarRedDot`, the longest
//! colour change and scroll (each past WeChat's bound refused by name), an
//! action sheet's alert line (refused when it names the host) and a
//! modal's own cancel button, or none.

use std::sync::Arc;

use miniapp_runtime::providers::{
    ActionSheet, Drawn, FrontColor, HostUi, ScriptedAnswer, ScriptedUi, ToastIcon,
};
use serde_json::json;

use crate::feedback::{answered, feedback, modal_answer, tap};

#[tokio::test]
async fn error_and_loading_toasts_a_mask_and_hide_toast_reach_the_host_as_drawn() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "toasts").await;
    let expected = [
        HostUi::Toast {
            title: "Not saved".into(),
            icon: ToastIcon::Error,
            duration_ms: 3_000,
            mask: true,
        },
        HostUi::Toast {
            title: "Saving".into(),
            icon: ToastIcon::Loading,
            duration_ms: 60_000,
            mask: false,
        },
        HostUi::HideToast,
        HostUi::Loading {
            title: "Sending".into(),
            mask: true,
        },
    ]
    .map(Drawn::Shown);
    assert_eq!(ui.take_drawn(), expected, "the refused toast is not drawn");
    assert_eq!(
        inst.page_data()["toast_refused"],
        "invalid argument: the toast's duration is 60001 ms, over the 60000 ms allowed"
    );
    // The app's timer hides the loading toast, drawn from its completion.
    answered(&mut inst).await;
    assert_eq!(ui.take_drawn(), [Drawn::Shown(HostUi::HideLoading)]);
}

#[tokio::test]
async fn a_badge_and_a_red_dot_come_off_the_tab_they_were_put_on() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "frame").await;
    let put_on = ui.take_drawn();
    let badge = Drawn::Shown(HostUi::TabBarBadge {
        index: 1,
        text: Some("3".into()),
    });
    assert!(put_on.contains(&badge), "{put_on:?}");
    tap(&mut inst, "index", "unmark").await;
    let taken_off = [
        HostUi::TabBarBadge {
            index: 1,
            text: None,
        },
        HostUi::TabBarRedDot {
            index: 2,
            shown: false,
        },
    ]
    .map(Drawn::Shown);
    assert_eq!(ui.take_drawn(), taken_off);
    assert_eq!(
        inst.page_data()["unmark_refused"],
        "invalid argument: tab 5 does not exist: a tab bar has at most 5 tabs, counted from 0"
    );
}

#[tokio::test]
async fn a_colour_change_and_a_scroll_take_at_most_ten_seconds() {
    let ui = ScriptedUi::default();
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "slow-bars").await;
    let drawn = [
        HostUi::NavigationBarColor {
            front: FrontColor::Black,
            background: "#FFFFFF".into(),
            duration_ms: 10_000,
        },
        HostUi::PageScrollTo {
            scroll_top: 400,
            duration_ms: 10_000,
        },
    ]
    .map(Drawn::Shown);
    assert_eq!(ui.take_drawn(), drawn, "the refused two are not drawn");
    assert_eq!(
        inst.page_data()["slow_refused"],
        json!([
            "invalid argument: the colour change is 10001 ms, over the 10000 ms allowed",
            "invalid argument: the scroll is 10001 ms, over the 10000 ms allowed",
        ])
    );
}

#[tokio::test]
async fn an_action_sheet_s_alert_line_is_drawn_and_one_naming_the_host_is_refused() {
    let ui = ScriptedUi::answering([ScriptedAnswer::ActionSheet(Some(0))]);
    let (_dir, app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "discard").await;
    let refused = inst.page_data()["host_alert"].as_str().unwrap().to_owned();
    assert!(
        refused.contains(
            "the action sheet's alert text `WeChat: discard the draft?` holds the host's name"
        ),
        "{refused}"
    );
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["discard"], 0, "the item tapped");
    let honest = ActionSheet {
        alert_text: Some("The draft is not saved".into()),
        item_list: vec!["Discard the draft".into(), "Keep editing".into()],
        item_color: "#000000".into(),
    };
    assert_eq!(ui.take_drawn(), [Drawn::ActionSheet(honest)], "one drawn");
    assert_eq!(app.usage().unwrap().denials, 1, "the refusal is counted");
}

#[tokio::test]
async fn a_modal_s_own_cancel_button_and_one_without_are_drawn_as_asked() {
    let ui = ScriptedUi::answering([modal_answer(false, None), modal_answer(true, None)]);
    let (_dir, _app, mut inst) = feedback(Arc::new(ui.clone())).await;
    tap(&mut inst, "index", "leave").await;
    answered(&mut inst).await;
    assert_eq!(inst.page_data()["leave"], "stayed");
    tap(&mut inst, "index", "open-detail").await;
    answered(&mut inst).await;
    let logs: Vec<String> = inst.drain_logs().into_iter().map(|l| l.message).collect();
    assert!(
        logs.contains(&"detail modal answered: true".to_owned()),
        "{logs:?}"
    );
    let [Drawn::Modal(leave), Drawn::Modal(detail)] = &ui.take_drawn()[..] else {
        panic!("two modals drawn")
    };
    assert!(leave.show_cancel);
    assert_eq!(
        (leave.cancel_text.as_str(), leave.cancel_color.as_str()),
        ("Stay", "#888888")
    );
    assert_eq!(detail.title, "Still there?");
    assert!(!detail.show_cancel, "without a cancel button");
}
