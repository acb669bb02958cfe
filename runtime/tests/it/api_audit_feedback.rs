//! The feedback and frame calls no other test made from a real guest
//! (`guest-examples/feedback`): the error and loading toasts with a
//! duration and a mask, `hideToast`, a loading toast with a mask,
//! `removeTabBarBadge` and `hideTabBarRedDot`, and the longest colour
//! change and scroll; each past WeChat's bound refused by name.

use std::sync::Arc;

use miniapp_runtime::providers::{Drawn, FrontColor, HostUi, ScriptedUi, ToastIcon};
use serde_json::json;

use crate::feedback::{feedback, tap};

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
