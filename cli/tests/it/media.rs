//! `miniapp run` with the media example: the navigation bar's title its
//! `<page-meta>` binds is drawn after launch and again when a video event
//! changes it, and the page with `navigationStyle: custom` says so in its
//! step's window.

use crate::cli::{assert_ok, run_fresh, stdout};

#[test]
fn run_shows_the_navigation_bar_title_page_meta_binds() {
    let out = run_fresh("media", &["--event", "index:played={}"]);
    assert_ok(&out, "run media");
    let printed = stdout(&out);
    let (launch, event) = printed.split_once("== event index:played").expect(&printed);
    let bar = |title: &str| format!(r#"host  navigation-bar-title {{"title":"{title}"}}"#);
    assert!(launch.contains(&bar("Stopped · 0 plays")), "{printed}");
    assert!(event.contains(&bar("Playing · 1 plays")), "{printed}");
    assert!(!event.contains(&bar("Stopped · 0 plays")), "{printed}");
}

#[test]
fn run_json_says_a_page_draws_its_own_bar() {
    let out = run_fresh("media", &["--tap", "#to-bar", "--json"]);
    assert_ok(&out, "run media --json");
    let steps: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).expect(line))
        .collect();
    let first = &steps[0];
    assert_eq!(
        first["window"]["navigationStyle"],
        serde_json::Value::Null,
        "{first}"
    );
    let last = steps.last().unwrap();
    assert_eq!(last["window"]["navigationStyle"], "custom", "{last}");
    assert_eq!(last["window"]["navigationBarTitleText"], "Media", "{last}");
}
