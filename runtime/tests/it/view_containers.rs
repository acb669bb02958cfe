//! The view-containers example: its `match-media` blocks are drawn with
//! their conditions for the simulator to check against the window, the app
//! moving one block's bound redraws that condition (the view's
//! `builtins/containers_tests.rs` checks the conditions' kinds).

use crate::common::{example, launched_alone, tap};

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
