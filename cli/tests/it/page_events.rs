//! `miniapp run --page-event` with the page-events example (a feed): a
//! pull-down refreshes it, reaching the bottom loads more, a share prints
//! the host's share sheet with the app's answer, a theme change and a
//! resize reach the app; a page event the page does not take fails the
//! run naming why, and a malformed one exits 2.

use crate::cli::{assert_exit, assert_ok, json_steps, run_fresh, stdout};

#[test]
fn run_reports_page_events_in_order_with_the_others_and_prints_the_share_sheet() {
    let out = run_fresh(
        "page-events",
        &[
            "--page-event",
            "pull-down",
            "--page-event",
            "reach-bottom",
            "--page-event",
            "share",
            "--page-event",
            "theme=dark",
            "--json",
        ],
    );
    assert_ok(&out, "run page-events");
    let steps = json_steps(&out);
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "launch",
            "page-event pull-down",
            "page-event reach-bottom",
            "page-event share: share sheet (app-message) \"20 posts worth reading\" opens index?from=share",
            "page-event theme=dark",
        ]
    );
    assert_eq!(steps[1]["data"]["refreshes"], 1);
    assert_eq!(steps[2]["data"]["posts"].as_array().unwrap().len(), 20);
    assert_eq!(steps[4]["data"]["theme"], "dark");
    let logs = |step: &serde_json::Value| -> Vec<String> {
        (step["logs"].as_array().unwrap().iter())
            .map(|l| l["message"].as_str().unwrap().to_string())
            .filter(|m| !m.starts_with("scroll "))
            .collect()
    };
    assert_eq!(logs(&steps[1]), ["pull index"]);
    assert_eq!(logs(&steps[2]), ["bottom index"]);
}

#[test]
fn a_page_event_the_page_refuses_fails_the_run_and_a_malformed_one_exits_2() {
    let out = run_fresh(
        "page-events",
        &[
            "--event",
            r#"index:open={"id":2}"#,
            "--page-event",
            "pull-down",
        ],
    );
    assert_exit(
        &out,
        2,
        "page `detail` does not enable pull-down refresh (`enablePullDownRefresh` in its json or app.json's window)",
    );
    assert!(
        stdout(&out).contains("== event index:open"),
        "{}",
        stdout(&out)
    );
    let out = run_fresh("page-events", &["--page-event", "theme=blue"]);
    assert_exit(&out, 2, "a theme is `light` or `dark`, not `blue`");
    let out = run_fresh("page-events", &["--page-event", "wobble"]);
    assert_exit(
        &out,
        2,
        "--page-event `wobble`: expected pull-down, reach-bottom",
    );
}

#[test]
fn a_tap_on_a_share_button_prints_the_share_sheet() {
    let out = run_fresh("page-events", &["--tap", "#share"]);
    assert_ok(&out, "run page-events --tap #share");
    let printed = stdout(&out);
    let sheet = "== tap #share: share sheet (app-message) \"10 posts worth reading\" opens index?from=share";
    assert!(printed.contains(sheet), "{printed}");
    assert!(
        printed.contains("share index from button #share"),
        "{printed}"
    );
}
