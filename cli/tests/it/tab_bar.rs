//! app.json's `tabBar`: `miniapp build` refuses a bad one at its
//! `app.json:LINE:COL` with exit 2 before cargo runs (six tabs, an icon
//! not in the package or over 40 KB, a page the app does not have);
//! `miniapp run --tab N` taps the bar and `--json` shows it.

use crate::cli::{json_steps, run_fresh, stderr};
use crate::pages::refused_build;

const APP_JSON: &str = r##"{
  "pages": ["pages/index", "pages/detail"],
  "tabBar": {
    "selectedColor": "#07c160",
    "list": [
      {"pagePath": "pages/index", "text": "Home", "iconPath": "icons/home.png"},
      {"pagePath": "pages/detail", "text": "Detail"}
    ]
  }
}"##;

/// The templates of pages `index` and `detail`, the icon, and `app.json`.
fn build_refused(app_json: &str, icon: &str) -> String {
    refused_build(
        "",
        &[
            ("pages/index.wxml", "<view/>"),
            ("pages/detail.wxml", "<view/>"),
            ("assets/icons/home.png", icon),
            ("app.json", app_json),
        ],
    )
}

#[test]
fn a_bad_tab_bar_exits_2_at_its_place_in_app_json() {
    let tab = r#"{"pagePath": "pages/detail", "text": "Detail"}"#;
    let six = APP_JSON.replace(tab, &[tab; 5].join(", "));
    let err = build_refused(&six, "png");
    assert!(
        err.contains("app.json:5:13: `list` must have 2 to 5 tabs, as on WeChat, not 6"),
        "{err}"
    );
    let missing = APP_JSON.replace("icons/home.png", "icons/house.png");
    let err = build_refused(&missing, "png");
    assert!(
        err.contains("app.json:6:63: `iconPath` `icons/house.png` is not in the package (put it in assets/icons/house.png)"),
        "{err}"
    );
    let err = build_refused(APP_JSON, &"x".repeat(40 * 1024 + 1));
    assert!(
        err.contains("app.json:6:63: `iconPath` `icons/home.png` is 40961 bytes, over WeChat's 40960-byte (40 KB) limit for a tab icon"),
        "{err}"
    );
    let unknown = APP_JSON.replace("\"pages/detail\", \"text\"", "\"pages/cart\", \"text\"");
    let err = build_refused(&unknown, "png");
    assert!(
        err.contains("app.json:7:20: tab page `pages/cart` is not a page of the app (its pages: pages/index, pages/detail)"),
        "{err}"
    );
    let custom = APP_JSON.replace("\"selectedColor\"", "\"custom\": true, \"color\"");
    let err = build_refused(&custom, "png");
    assert!(
        err.contains("app.json:4:15: `custom: true` is not supported yet"),
        "{err}"
    );
}

#[test]
fn run_tab_taps_the_tab_bar_and_json_shows_it() {
    let out = run_fresh(
        "tabs",
        &["--tap", "#add", "--tab", "1", "--tab", "0", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, ["launch", "tap #add", "tab 1", "tab 0"]);
    let list = &steps[2];
    assert_eq!(list["page"], "list");
    assert_eq!(list["tab_bar"]["selected"], 1);
    assert_eq!(list["tab_bar"]["list"][1]["pagePath"], "pages/list");
    assert_eq!(list["tab_bar"]["selectedColor"], "#07c160");
    // Back on home: the same page, its count kept.
    assert_eq!(steps[3]["page"], "home");
    assert_eq!(steps[3]["pages"], serde_json::json!(["home"]));
    assert_eq!(steps[3]["data"]["count"], 1);
    assert_eq!(steps[3]["tab_bar"]["selected"], 0);

    let out = run_fresh("tabs", &["--tab", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a tab tap on tab 3: the tab bar has 3 tabs, counted from 0"),
        "{}",
        stderr(&out)
    );
}
