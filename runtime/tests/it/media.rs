//! The media example: a video's events reach the app with WeChat's
//! details, checked by the host first (times finite, within the duration;
//! an empty detail where WeChat gives one); the page's `<page-meta>`
//! `<navigation-bar>` sets the host's bar after each render, once per
//! change of its bound values, with the frames `wx.setNavigationBarTitle`
//! and `wx.setNavigationBarColor` send.

use std::sync::Arc;

use miniapp_runtime::providers::{Drawn, FrontColor, HostUi, MediaAction, ScriptedUi};
use miniapp_runtime::{LaunchOptions, Providers};
use serde_json::json;

use crate::common::{example, granting, launched, node, tap, view_event};

/// The media example launched with a scripted host UI that records what it draws.
async fn media_launched() -> (ScriptedUi, tempfile::TempDir, miniapp_runtime::AppInstance) {
    let ui = ScriptedUi::default();
    let providers = Providers {
        host_ui: Arc::new(ui.clone()),
        ..Providers::default()
    };
    let package = example("media");
    let policy = granting(&package);
    let (dir, inst) = launched(policy, providers, package, LaunchOptions::default()).await;
    (ui, dir, inst)
}

fn title(text: &str) -> Drawn {
    Drawn::Shown(HostUi::NavigationBarTitle { title: text.into() })
}

fn colour(background: &str) -> Drawn {
    Drawn::Shown(HostUi::NavigationBarColor {
        front: FrontColor::White,
        background: background.into(),
        duration_ms: 0,
    })
}

#[tokio::test]
async fn video_events_reach_the_app_checked_and_page_meta_sets_the_bar() {
    let (ui, _dir, mut inst) = media_launched().await;
    // The first render sets the window's background and the bar from the
    // page-meta, once.
    let background = Drawn::Shown(HostUi::Background {
        color: Some("#f2f2f2".into()),
        text_style: None,
    });
    assert_eq!(
        ui.take_drawn(),
        [background, title("Stopped · 0 plays"), colour("#101828")]
    );
    let video = node(&inst, "#clip");

    view_event(
        &mut inst,
        video,
        "loadedmetadata",
        json!({"width": 160, "height": 90, "duration": 2.9}),
    )
    .await
    .unwrap();
    assert_eq!(inst.page_data()["size"], "160x90");
    assert_eq!(inst.page_data()["duration"], "2.9");
    // Nothing the bar shows changed: nothing is drawn again.
    assert_eq!(ui.take_drawn(), []);

    view_event(&mut inst, video, "play", json!({}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["state"], "playing");
    assert_eq!(
        ui.take_drawn(),
        [title("Playing · 1 plays"), colour("#07c160")]
    );
    // Waiting for data: the bar's spinner, until the time moves on.
    view_event(&mut inst, video, "waiting", json!({}))
        .await
        .unwrap();
    assert_eq!(
        ui.take_drawn(),
        [Drawn::Shown(HostUi::NavigationBarLoading { shown: true })]
    );
    let time = json!({"currentTime": 1.25, "duration": 2.9});
    view_event(&mut inst, video, "timeupdate", time)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["time"], "1.2");
    assert_eq!(
        ui.take_drawn(),
        [Drawn::Shown(HostUi::NavigationBarLoading { shown: false })]
    );

    // Details no player gives are refused naming what is wrong, and the
    // app never sees them.
    for (kind, detail, why) in [
        (
            "timeupdate",
            json!({"currentTime": 5, "duration": 2.9}),
            "`timeupdate` on <video>: `currentTime` 5 is not a time from 0 to 2.9",
        ),
        (
            "timeupdate",
            json!({"currentTime": 1, "duration": -1}),
            "`timeupdate` on <video>: `duration` -1 is not a time from 0 to 31622400",
        ),
        (
            "play",
            json!({"plays": 99}),
            "`play` on <video>: its detail is empty on WeChat, not `plays`",
        ),
        (
            "error",
            json!({"errMsg": 3}),
            "`error` on <video>: `errMsg` must be text of at most 256 characters, not 3",
        ),
    ] {
        let error = view_event(&mut inst, video, kind, detail)
            .await
            .unwrap_err();
        assert!(error.to_string().contains(why), "{error}");
    }
    assert_eq!(inst.page_data()["time"], "1.2");
    assert_eq!(inst.page_data()["plays"], 1);
    assert_eq!(ui.take_drawn(), []);

    view_event(
        &mut inst,
        video,
        "error",
        json!({"errMsg": "MEDIA_ERR_NETWORK"}),
    )
    .await
    .unwrap();
    assert_eq!(inst.page_data()["state"], "error: MEDIA_ERR_NETWORK");
    assert_eq!(
        ui.take_drawn(),
        [
            title("Error: MEDIA_ERR_NETWORK · 1 plays"),
            colour("#101828")
        ]
    );
}

#[tokio::test]
async fn the_page_s_buttons_drive_its_video_through_the_host() {
    let (ui, _dir, mut inst) = media_launched().await;
    ui.take_drawn();
    let media = |action| {
        Drawn::Shown(HostUi::Media {
            id: "clip".into(),
            action,
        })
    };
    tap(&mut inst, "#play").await.unwrap();
    assert_eq!(ui.take_drawn(), [media(MediaAction::Play)]);
    tap(&mut inst, "#seek").await.unwrap();
    assert_eq!(
        ui.take_drawn(),
        [media(MediaAction::Seek { position_ms: 2000 })]
    );
    tap(&mut inst, "#pause").await.unwrap();
    assert_eq!(ui.take_drawn(), [media(MediaAction::Pause)]);
}
