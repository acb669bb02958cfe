//! WeChat's page events with the page-events example (a feed): onShow and
//! onHide in WeChat's order on every stack change and app show/hide,
//! pull-down refresh only where the window enables it, reach-bottom once
//! per reaching, page-scroll throttled, the share card checked, onError
//! told a hook's error, onPageNotFound opening the home page.

use std::time::Instant;

use miniapp_runtime::{
    AppInstance, ClientPageEvent, Event, LaunchOptions, PageEventOutcome, SCROLLS_PER_SECOND,
};
use serde_json::json;

use crate::common::{example, granting, launched, tap};

/// The page-events example launched with `options`.
async fn feed_at(options: LaunchOptions) -> (tempfile::TempDir, AppInstance) {
    let package = example("page-events");
    launched(granting(&package), Default::default(), package, options).await
}

/// The page-events example launched on its feed.
async fn feed() -> (tempfile::TempDir, AppInstance) {
    feed_at(LaunchOptions::default()).await
}

/// The hooks and events the app logged since the last look.
fn told(inst: &mut AppInstance) -> Vec<String> {
    (inst.drain_logs().into_iter())
        .map(|l| l.message)
        .filter(|m| !m.starts_with("scroll "))
        .collect()
}

/// Send `handler` on `page` with `detail`, which must succeed.
async fn send(inst: &mut AppInstance, page: &str, handler: &str, detail: serde_json::Value) {
    let event = Event::new(page, handler).with_detail(detail);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// A scroll report of the feed: `top` px down a 4,000 px page seen
/// through 800 px.
fn scroll(top: f64) -> ClientPageEvent {
    ClientPageEvent::Scroll {
        scroll_top: top,
        scroll_height: 4000.0,
        viewport_height: 800.0,
    }
}

/// Report `event`, which must be taken.
async fn report(inst: &mut AppInstance, event: ClientPageEvent) -> PageEventOutcome {
    (inst.page_event(&event).await).unwrap_or_else(|e| panic!("{event:?}: {e}"))
}

#[tokio::test]
async fn a_page_is_loaded_shown_then_ready_hidden_when_covered_and_shown_again_when_uncovered() {
    let (_dir, mut inst) = feed().await;
    assert_eq!(
        told(&mut inst),
        ["app show", "load index", "show index", "ready index"]
    );
    send(&mut inst, "index", "open", json!({"id": 3})).await;
    assert_eq!(
        told(&mut inst),
        ["hide index", "load detail", "show detail", "ready detail"]
    );
    // The detail page's own show set its data.
    assert_eq!(inst.page_data()["shown"], 1);
    send(&mut inst, "detail", "back", json!({})).await;
    assert_eq!(told(&mut inst), ["unload detail", "show index"]);
    assert_eq!(inst.page_data()["refreshes"], 0);
}

#[tokio::test]
async fn the_app_going_to_the_background_hides_its_top_page_first_and_shows_it_after() {
    let (_dir, mut inst) = feed().await;
    send(&mut inst, "index", "open", json!({"id": 4})).await;
    told(&mut inst);
    inst.hide().await.unwrap();
    assert_eq!(told(&mut inst), ["hide detail", "app hide"]);
    inst.show().await.unwrap();
    assert_eq!(told(&mut inst), ["app show", "show detail"]);
    assert_eq!(inst.page_data()["shown"], 2);
}

#[tokio::test]
async fn a_pull_down_refreshes_a_page_that_enables_it_and_is_refused_on_one_that_does_not() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    let outcome = report(&mut inst, ClientPageEvent::PullDown {}).await;
    assert_eq!(outcome.fired, ["pull-down-refresh"]);
    assert_eq!(told(&mut inst), ["pull index"]);
    assert_eq!(inst.page_data()["refreshes"], 1);
    send(&mut inst, "index", "open", json!({"id": 1})).await;
    told(&mut inst);
    let refused = inst
        .page_event(&ClientPageEvent::PullDown {})
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "app `demo.page-events`: page `detail` does not enable pull-down refresh \
         (`enablePullDownRefresh` in its json or app.json's window)"
    );
    // Its page does not scroll either: no report is taken for it.
    let refused = inst.page_event(&scroll(10.0)).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("page `detail` does not scroll (`disableScroll`"),
        "{refused}"
    );
    assert_eq!(told(&mut inst), Vec::<String>::new());
}

#[tokio::test]
async fn reach_bottom_fires_once_per_reaching_the_zone_and_again_after_leaving_it() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    // onReachBottomDistance is 80: the zone starts at 4000 - 800 - 80.
    let outcome = report(&mut inst, scroll(3000.0)).await;
    assert!(!outcome.fired.contains(&"reach-bottom"), "{outcome:?}");
    let outcome = report(&mut inst, scroll(3120.0)).await;
    assert!(outcome.fired.contains(&"reach-bottom"), "{outcome:?}");
    assert_eq!(inst.page_data()["posts"].as_array().unwrap().len(), 20);
    for top in [3150.0, 3200.0] {
        let outcome = report(&mut inst, scroll(top)).await;
        assert!(!outcome.fired.contains(&"reach-bottom"), "{outcome:?}");
    }
    report(&mut inst, scroll(1000.0)).await;
    let outcome = report(&mut inst, scroll(3200.0)).await;
    assert!(outcome.fired.contains(&"reach-bottom"), "{outcome:?}");
    assert_eq!(told(&mut inst), ["bottom index", "bottom index"]);
    assert_eq!(inst.page_data()["posts"].as_array().unwrap().len(), 30);
    let refused = inst.page_event(&scroll(f64::NAN)).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("scrollTop must be a number of px from 0 to"),
        "{refused}"
    );
}

#[tokio::test]
async fn page_scroll_is_fired_at_most_ten_times_a_second_and_the_app_sees_where_the_page_is() {
    let (_dir, mut inst) = feed().await;
    let started = Instant::now();
    let mut fired = 0;
    for step in 0..60 {
        let outcome = report(&mut inst, scroll(f64::from(step) * 10.0)).await;
        fired += outcome
            .fired
            .iter()
            .filter(|e| **e == "page-scroll")
            .count();
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The first report always fires; then at most one per tenth of a second.
    let most = (elapsed * f64::from(SCROLLS_PER_SECOND)).floor() as usize + 1;
    assert!(fired >= 1 && fired <= most, "{fired} fired in {elapsed}s");
    let scrolls = (inst.drain_logs().into_iter())
        .filter(|l| l.message.starts_with("scroll index "))
        .count();
    assert_eq!(scrolls, fired, "the app heard every scroll fired, no other");
    // The back-to-top button shows once the app heard the page is past 400 px.
    std::thread::sleep(std::time::Duration::from_millis(110));
    report(&mut inst, scroll(900.0)).await;
    assert_eq!(inst.page_data()["showTop"], true);
}

#[tokio::test]
async fn a_share_shows_the_apps_answer_checked_or_wechats_default() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    let outcome = report(&mut inst, ClientPageEvent::Share {}).await;
    assert!(outcome.shared);
    let card = inst.take_share_sheet().unwrap();
    assert_eq!(
        serde_json::to_value(&card).unwrap(),
        json!({"kind": "app-message", "title": "10 posts worth reading", "path": "index?from=share"})
    );
    assert_eq!(told(&mut inst), ["share index from menu"]);
    send(&mut inst, "index", "open", json!({"id": 5})).await;
    told(&mut inst);
    // The detail page answers nothing: the app's name and the page shared.
    report(&mut inst, ClientPageEvent::Share {}).await;
    let card = inst.take_share_sheet().unwrap();
    assert_eq!(
        (card.title.as_str(), card.path.as_str()),
        ("Feed", "detail?id=5")
    );
    report(&mut inst, ClientPageEvent::ShareTimeline {}).await;
    let card = inst.take_share_sheet().unwrap();
    assert_eq!((card.kind, card.path.as_str()), ("timeline", "detail?id=5"));
}

#[tokio::test]
async fn resize_and_theme_reach_the_app_in_wechats_shape_and_a_bad_value_is_refused() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    let resize = ClientPageEvent::Resize {
        window_width: 812.0,
        window_height: 375.0,
    };
    report(&mut inst, resize).await;
    let theme = ClientPageEvent::Theme {
        theme: "dark".into(),
    };
    report(&mut inst, theme).await;
    assert_eq!(
        told(&mut inst),
        ["resize index 812x375 landscape", "theme dark"]
    );
    assert_eq!(inst.page_data()["theme"], "dark");
    let blue = ClientPageEvent::Theme {
        theme: "blue".into(),
    };
    let refused = inst.page_event(&blue).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "app `demo.page-events`: a theme is `light` or `dark`, not `blue`"
    );
    let huge = ClientPageEvent::Resize {
        window_width: f64::INFINITY,
        window_height: 375.0,
    };
    assert!(inst.page_event(&huge).await.is_err());
    assert_eq!(told(&mut inst), Vec::<String>::new());
}

#[tokio::test]
async fn a_hooks_error_is_reported_to_on_error_and_still_returned() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    let failed = inst
        .dispatch(&Event::new("index", "fail"))
        .await
        .unwrap_err();
    assert_eq!(
        failed.to_string(),
        "app `demo.page-events` failed in on-event index:fail: the feed could not be saved"
    );
    let reported = "on-event index:fail: the feed could not be saved";
    assert_eq!(told(&mut inst), [format!("error {reported}")]);
    assert_eq!(inst.page_data()["lastError"], reported);
}

#[tokio::test]
async fn a_launch_on_a_path_that_is_not_a_page_tells_on_page_not_found_and_opens_the_home_page() {
    let options = LaunchOptions {
        path: Some("pages/gone?from=qr".into()),
        ..LaunchOptions::default()
    };
    let (_dir, mut inst) = feed_at(options).await;
    assert_eq!(
        told(&mut inst),
        [
            "app show",
            "not found pages/gone",
            "load index",
            "show index",
            "ready index"
        ]
    );
    let routes: Vec<&str> = inst.pages().iter().map(|p| p.route.as_str()).collect();
    assert_eq!(routes, ["index"]);
}

#[tokio::test]
async fn a_tap_on_a_share_button_asks_the_page_with_the_button_as_target_and_leaves_the_card() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    tap(&mut inst, "#share").await.unwrap();
    assert_eq!(told(&mut inst), ["share index from button #share"]);
    let card = inst.take_share_sheet().expect("a share sheet to show");
    assert_eq!(
        serde_json::to_value(&card).unwrap(),
        json!({"kind": "app-message", "title": "10 posts worth reading", "path": "index?from=share"})
    );
    assert_eq!(inst.take_share_sheet(), None, "taken once");
}

#[tokio::test]
async fn start_pull_down_refresh_fires_the_pages_pull_down_refresh_after_the_callback() {
    let (_dir, mut inst) = feed().await;
    told(&mut inst);
    send(&mut inst, "index", "refresh", json!({})).await;
    assert_eq!(told(&mut inst), ["pull index"]);
    assert_eq!(inst.page_data()["refreshes"], 1);
}
