//! `miniapp run` with the widgets example: an `--event` carries a swiper's
//! and a picker-view's details straight to the app (the developer's own
//! command line), and the page's HTML shows the swiper as a phone does
//! still: its current banner, the others hidden, and its dots with the
//! current one active.

use serde_json::Value;

use crate::cli::{assert_ok, run_fresh, stdout};

#[test]
fn run_sends_a_swipe_and_a_pick_and_the_html_shows_the_current_banner() {
    let swipe = r#"index:onBanner={"current":2,"source":"touch","currentItemId":"b3"}"#;
    let pick = r#"index:onPick={"value":[2,3]}"#;
    let out = run_fresh("widgets", &["--json", "--event", swipe, "--event", pick]);
    assert_ok(&out, "run widgets");
    let steps: Vec<Value> = (stdout(&out).lines())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let html = |step: &Value| step["html"].as_str().unwrap().to_string();
    let item = |n: usize, hidden: bool| {
        let mark = if hidden { " hidden" } else { "" };
        format!("data-mp=\"swiper-item\" data-item-id=\"b{n}\"{mark}><img")
    };
    let launch = html(&steps[0]);
    for shown in [item(1, false), item(2, true), item(3, true)] {
        assert!(launch.contains(&shown), "no {shown:?} in {launch}");
    }
    let dots = "<span data-mp=\"swiper-dots\"><i data-mp=\"swiper-dot\" data-active \
                style=\"background-color:#ffffff\"></i>";
    assert!(launch.contains(dots), "{launch}");

    assert_eq!(steps[1]["step"], "event index:onBanner");
    assert_eq!(steps[1]["data"]["current"], 2);
    assert_eq!(steps[1]["data"]["bannerId"], "b3");
    let swiped = html(&steps[1]);
    for shown in [item(1, true), item(2, true), item(3, false)] {
        assert!(swiped.contains(&shown), "no {shown:?} in {swiped}");
    }
    assert!(swiped.contains("Banner 2 (b3, touch)"), "{swiped}");

    assert_eq!(steps[2]["data"]["when"], serde_json::json!([2, 3]));
    let picked = html(&steps[2]);
    assert!(picked.contains("data-value=\"[2,3]\""), "{picked}");
    assert!(picked.contains("Saturday at 18:00"), "{picked}");
    let selected = picked.matches(" data-selected>").count();
    assert_eq!(selected, 2, "{picked}");
}
