//! The view-containers example: its `match-media` blocks are drawn with
//! their conditions for the simulator to check against the window, the app
//! moving one block's bound redraws that condition (the view's
//! `builtins/containers_tests.rs` checks the conditions' kinds); its feed's
//! drags and pull-to-refresh reach the app with WeChat's details, and a
//! detail the scroll-view could not have produced is refused naming it.

use serde_json::json;

use crate::common::{event_on, example, launched_alone, tap};

#[tokio::test]
async fn match_media_blocks_are_drawn_with_their_conditions_and_follow_the_app() {
    let (_dir, mut inst) = launched_alone(example("view-containers")).await;
    let html = inst.view_html().expect("a rendered page");
    for drawn in [
        "data-mp=\"match-media\" id=\"wide\" data-min-width=\"500\"><div",
        "data-mp=\"match-media\" id=\"narrow\" data-max-width=\"499\"",
        "data-mp=\"match-media\" id=\"landscape\" data-orientation=\"landscape\"",
        "id=\"portrait\" data-orientation=\"portrait\" data-min-height=\"300\"",
        "id=\"sized\" data-min-width=\"800\"",
        "Narrow layout: one column",
        "Wide layout",
    ] {
        assert!(html.contains(drawn), "no {drawn:?} in {html}");
    }
    tap(&mut inst, "#lower").await.unwrap();
    assert_eq!(inst.page_data()["minWidth"], 300);
    let html = inst.view_html().expect("a rendered page");
    assert!(
        html.contains("id=\"sized\" data-min-width=\"300\""),
        "{html}"
    );
    assert!(html.contains("At least 300px wide"), "{html}");
}

#[tokio::test]
async fn a_feed_drag_and_pull_to_refresh_reach_the_app_and_impossible_ones_are_refused() {
    let (_dir, mut inst) = launched_alone(example("view-containers")).await;
    let at = |top: u32| json!({"scrollTop": top, "scrollLeft": 0});
    event_on(&mut inst, "#feed", "dragstart", at(0))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["dragState"], "dragging from 0");
    let ended = json!({"scrollTop": 140, "scrollLeft": 0, "velocity": {"x": 0, "y": 0.8}});
    event_on(&mut inst, "#feed", "dragend", ended)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["dragState"], "dragged to 140");

    event_on(&mut inst, "#feed", "refresherpulling", json!({"dy": 30}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["feedState"], "pulled 30");
    event_on(&mut inst, "#feed", "refresherabort", json!({"dy": 30}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["feedState"], "aborted at 30");
    event_on(&mut inst, "#feed", "refresherrefresh", json!({"dy": 72}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["feedState"], "refreshing");
    assert_eq!(inst.page_data()["items"][0], "Fresh 1");
    let html = inst.view_html().expect("a rendered page");
    assert!(
        html.contains("data-refresher-threshold=\"60\" data-refresher-background=\"#f2f2f2\" data-refresher-triggered=\"\""),
        "{html}"
    );
    tap(&mut inst, "#done").await.unwrap();
    assert_eq!(inst.page_data()["refreshing"], false);
    event_on(&mut inst, "#feed", "refresherrestore", json!({"dy": 0}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["feedState"], "restored");

    // The threshold is the template's 60px; drags are places on a screen.
    for (kind, detail, why) in [
        (
            "refresherrefresh",
            json!({"dy": 20}),
            "`refresherrefresh` on <scroll-view>: `dy` 20 is short of its `refresher-threshold` 60",
        ),
        (
            "refresherabort",
            json!({"dy": 90}),
            "`refresherabort` on <scroll-view>: `dy` 90 is past its `refresher-threshold` 60",
        ),
        (
            "dragging",
            json!({"scrollTop": 1e300, "scrollLeft": 0}),
            "`dragging` on <scroll-view>: `scrollTop` 1e+300 px is on no screen",
        ),
    ] {
        let error = event_on(&mut inst, "#feed", kind, detail)
            .await
            .unwrap_err();
        assert!(error.to_string().contains(why), "{error}");
    }
    assert_eq!(inst.page_data()["feedState"], "restored");
}

#[tokio::test]
async fn a_sheet_opens_and_closes_telling_the_app_and_a_detail_is_refused() {
    let (_dir, mut inst) = launched_alone(example("view-containers")).await;
    let html = inst.view_html().expect("a rendered page");
    assert!(
        html.contains("data-mp=\"page-container\" id=\"sheet\" data-position=\"bottom\""),
        "{html}"
    );
    assert!(!html.contains("id=\"sheet\" data-show"), "{html}");
    tap(&mut inst, "#open-sheet").await.unwrap();
    let html = inst.view_html().expect("a rendered page");
    let drawn = "id=\"sheet\" data-show=\"\" data-position=\"bottom\" data-round=\"\" \
                 data-duration=\"200\" data-overlay-style=\"background:rgba(0, 0, 0, 0.5)\" \
                 data-custom-style=\"padding:16px\" data-close-on-slide-down=\"\"";
    assert!(html.contains(drawn), "{html}");
    for kind in ["beforeenter", "enter", "afterenter"] {
        event_on(&mut inst, "#sheet", kind, json!({}))
            .await
            .unwrap();
    }
    assert_eq!(
        inst.page_data()["sheetSteps"],
        "beforeenter enter afterenter"
    );
    event_on(&mut inst, "#sheet", "clickoverlay", json!({}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["sheet"], false);
    let error = event_on(&mut inst, "#sheet", "leave", json!({"why": "x"}))
        .await
        .unwrap_err();
    let why = "`leave` on <page-container>: its detail is empty on WeChat, not {\"why\":\"x\"}";
    assert!(error.to_string().contains(why), "{error}");
}

#[tokio::test]
async fn a_root_portal_is_drawn_with_its_enable_and_its_subtree_taps_reach_the_app() {
    let (_dir, mut inst) = launched_alone(example("view-containers")).await;
    let html = inst.view_html().expect("a rendered page");
    assert!(
        html.contains("data-mp=\"root-portal\" id=\"portal\" data-enable=\"true\""),
        "{html}"
    );
    tap(&mut inst, "#toast").await.unwrap();
    assert_eq!(inst.page_data()["toastTaps"], 1);
    tap(&mut inst, "#toggle-portal").await.unwrap();
    let html = inst.view_html().expect("a rendered page");
    assert!(
        html.contains("id=\"portal\" data-enable=\"false\""),
        "{html}"
    );
}
