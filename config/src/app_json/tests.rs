//! `app.json` and page json: every refusal at its place.

use crate::page_json::PageConfig;
use crate::{AppConfig, ConfigError};

const GOOD: &str = r##"{
  "pages": ["pages/index", "pages/detail/detail"],
  "window": {
    "navigationBarTitleText": "Todo",
    "navigationBarBackgroundColor": "#1AAD19",
    "navigationBarTextStyle": "white",
    "backgroundColor": "#eeeeee",
    "backgroundTextStyle": "light",
    "navigationStyle": "default",
    "enablePullDownRefresh": false
  },
  "sitemapLocation": "sitemap.json"
}"##;

/// `text` refused: its `file:line:col: message`.
pub(super) fn refused(text: &str) -> String {
    AppConfig::parse(text).unwrap_err().to_string()
}

#[test]
fn a_good_app_json_gives_routes_window_and_warnings() {
    let config = AppConfig::parse(GOOD).unwrap();
    assert_eq!(config.pages.as_deref().unwrap(), ["index", "detail/detail"]);
    let window = &config.window;
    assert_eq!(window.navigation_bar_title_text.as_deref(), Some("Todo"));
    assert_eq!(
        window.navigation_bar_background_color.as_deref(),
        Some("#1aad19")
    );
    assert_eq!(window.navigation_bar_text_style.as_deref(), Some("white"));
    assert_eq!(window.background_color.as_deref(), Some("#eeeeee"));
    assert_eq!(window.background_text_style.as_deref(), Some("light"));
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["app.json:12:3: `sitemapLocation` has no meaning on this host and is ignored"]
    );
}

#[test]
fn each_bad_value_is_refused_at_its_place() {
    for (from, to, expected) in [
        (
            "\"#1AAD19\"",
            "\"green\"",
            "app.json:5:37: `navigationBarBackgroundColor` must be a colour like #1aad19, not `green`",
        ),
        (
            "\"#eeeeee\"",
            "\"#eeeeeg\"",
            "app.json:7:24: `backgroundColor` must be a colour like #1aad19, not `#eeeeeg`",
        ),
        (
            "\"white\"",
            "\"red\"",
            "app.json:6:31: `navigationBarTextStyle` must be `black` or `white`, not `red`",
        ),
        (
            "\"light\"",
            "\"grey\"",
            "app.json:8:28: `backgroundTextStyle` must be `dark` or `light`, not `grey`",
        ),
        (
            "\"Todo\"",
            "7",
            "app.json:4:31: `navigationBarTitleText` must be a string",
        ),
        (
            "\"Todo\"",
            "\"To\\u001bdo\"",
            "app.json:4:31: `navigationBarTitleText` must be at most 64 characters of plain text (no control or formatting characters)",
        ),
        (
            "\"default\"",
            "\"transparent\"",
            "app.json:9:24: `navigationStyle` must be `default` or `custom`, not `transparent`",
        ),
        (
            "false\n",
            "\"yes\"\n",
            "app.json:10:30: `enablePullDownRefresh` must be true or false",
        ),
        (
            "\"pages/detail/detail\"",
            "\"detail\"",
            "app.json:2:28: page `detail` must be a path under pages/ (`pages/index/index`: letters, digits, `_`, `-`, `/`), without its extension",
        ),
        (
            "\"pages/detail/detail\"",
            "\"pages/index\"",
            "app.json:2:28: page `pages/index` is listed twice",
        ),
        (
            "[\"pages/index\", \"pages/detail/detail\"]",
            "[]",
            "app.json:2:12: `pages` must list 1 to 256 pages",
        ),
        (
            "\"window\": {",
            "\"window\": 3, \"debug\": {",
            "app.json:3:13: `window` must be an object",
        ),
    ] {
        assert!(GOOD.contains(from), "{from}");
        assert_eq!(refused(&GOOD.replacen(from, to, 1)), expected, "{to}");
    }
}

#[test]
fn each_key_not_built_yet_is_refused_naming_it() {
    for key in [
        "workers",
        "componentPlaceholder",
        "plugins",
        "resolveAlias",
        "darkmode",
    ] {
        let text = GOOD.replacen("\"sitemapLocation\"", &format!("\"{key}\""), 1);
        assert_eq!(
            refused(&text),
            format!("app.json:12:3: `{key}` is not supported yet")
        );
    }
    for key in ["homeButton", "backgroundColorTop", "pageOrientation"] {
        let text = GOOD.replacen("\"navigationStyle\"", &format!("\"{key}\""), 1);
        assert_eq!(
            refused(&text),
            format!("app.json:9:5: `{key}` is not supported yet")
        );
    }
    let text = GOOD.replacen(
        "\"navigationStyle\": \"default\"",
        "\"disableScroll\": true",
        1,
    );
    assert_eq!(
        refused(&text),
        "app.json:9:5: `disableScroll` belongs in a page's json (WeChat reads it only there)"
    );
}

#[test]
fn an_unknown_key_names_the_closest_known_one() {
    let text = GOOD.replacen(
        "\"navigationBarTextStyle\"",
        "\"navigationBarTextColor\"",
        1,
    );
    assert_eq!(
        refused(&text),
        "app.json:6:5: unknown key `navigationBarTextColor`: did you mean `navigationBarTextStyle`?"
    );
    let text = GOOD.replacen("\"sitemapLocation\"", "\"tabbar\"", 1);
    assert_eq!(
        refused(&text),
        "app.json:12:3: unknown key `tabbar`: did you mean `tabBar`?"
    );
    let text = GOOD.replacen("\"sitemapLocation\"", "\"zzzzzzzzzzzz\"", 1);
    assert_eq!(refused(&text), "app.json:12:3: unknown key `zzzzzzzzzzzz`");
}

#[test]
fn bad_json_and_oversized_files_are_refused_with_a_place() {
    assert_eq!(
        refused("{\n  \"pages\": [\"pages/index\",]\n}"),
        "app.json:2:27: not valid JSON: trailing comma"
    );
    assert_eq!(refused("[1]"), "app.json:1:1: must hold a JSON object");
    let big = format!("{{\"debug\": \"{}\"}}", "x".repeat(64 * 1024));
    assert!(refused(&big).starts_with("app.json:1:1: 65549 bytes is over the 65536-byte limit"));
}

#[test]
fn app_json_pages_must_agree_with_the_manifest_naming_the_first_difference() {
    let config = AppConfig::parse(GOOD).unwrap();
    let routes = |r: &[&str]| r.iter().map(ToString::to_string).collect::<Vec<_>>();
    config
        .agree_with(&routes(&["index", "detail/detail"]))
        .unwrap();
    let differs = |r: &[&str]| config.agree_with(&routes(r)).unwrap_err().to_string();
    assert_eq!(
        differs(&["index", "detail"]),
        "app.json:2:28: pages[1] is `pages/detail/detail` but miniapp.toml's pages[1] is `detail` (write `pages/detail` here, or leave `pages` out of miniapp.toml)"
    );
    assert_eq!(
        differs(&["index"]),
        "app.json:2:28: pages[1] `pages/detail/detail` is not in miniapp.toml's pages (list it there too, or leave `pages` out of miniapp.toml)"
    );
    assert_eq!(
        differs(&["index", "detail/detail", "more"]),
        "app.json:2:3: miniapp.toml's page `more` is not in `pages` (add `pages/more`, or leave `pages` out of miniapp.toml)"
    );
    // No `pages` in app.json: the manifest's stand.
    AppConfig::parse("{}")
        .unwrap()
        .agree_with(&routes(&["any"]))
        .unwrap();
}

#[test]
fn a_page_json_overrides_the_app_window_and_is_checked_as_app_json_is() {
    let app = AppConfig::parse(GOOD).unwrap();
    let page = PageConfig::parse(
        "pages/detail/detail.json",
        "{\n  \"navigationBarTitleText\": \"Detail\",\n  \"navigationBarTextStyle\": \"black\",\n  \"style\": \"v2\"\n}",
    )
    .unwrap();
    let window = app.window.overridden_by(&page.window);
    assert_eq!(window.navigation_bar_title_text.as_deref(), Some("Detail"));
    assert_eq!(window.navigation_bar_text_style.as_deref(), Some("black"));
    assert_eq!(
        window.navigation_bar_background_color.as_deref(),
        Some("#1aad19")
    );
    assert_eq!(
        page.warnings,
        [ConfigError {
            file: "pages/detail/detail.json".into(),
            line: 4,
            col: 3,
            message: "`style` has no meaning on this host and is ignored".into()
        }]
    );
    let refused = |text: &str| {
        PageConfig::parse("pages/a.json", text)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused("{\"window\": {}}"),
        "pages/a.json:1:2: a page's json sets window keys at its top level (`\"navigationBarTitleText\": ...`), not under `window`"
    );
    assert_eq!(
        refused("{\"componentGenerics\": {}}"),
        "pages/a.json:1:2: `componentGenerics` is not supported yet"
    );
    assert_eq!(
        refused("{\"disableScroll\": 1}"),
        "pages/a.json:1:19: `disableScroll` must be true or false"
    );
    let still = PageConfig::parse("pages/a.json", "{\"disableScroll\": true}").unwrap();
    assert_eq!(
        app.window.overridden_by(&still.window).disable_scroll,
        Some(true)
    );
    assert_eq!(
        refused("{\"navigationBarTitle\": \"x\"}"),
        "pages/a.json:1:2: unknown key `navigationBarTitle`: did you mean `navigationBarTitleText`?"
    );
    assert_eq!(
        refused("{\"navigationBarBackgroundColor\": \"#12\"}"),
        "pages/a.json:1:34: `navigationBarBackgroundColor` must be a colour like #1aad19, not `#12`"
    );
    let big = format!("{{\"style\": \"{}\"}}", "x".repeat(16 * 1024));
    assert!(
        refused(&big).starts_with("pages/a.json:1:1: 16397 bytes is over the 16384-byte limit")
    );
}

#[test]
fn navigation_style_custom_is_taken_from_the_app_or_the_page() {
    let app = AppConfig::parse(GOOD).unwrap();
    assert_eq!(app.window.navigation_style.as_deref(), Some("default"));
    let page = PageConfig::parse("pages/bar.json", "{\"navigationStyle\": \"custom\"}").unwrap();
    let window = app.window.overridden_by(&page.window);
    assert_eq!(window.navigation_style.as_deref(), Some("custom"));
    assert_eq!(
        serde_json::to_value(&window).unwrap()["navigationStyle"],
        "custom"
    );
    let custom = AppConfig::parse(&GOOD.replacen("\"default\"", "\"custom\"", 1)).unwrap();
    let plain = PageConfig::parse("pages/a.json", "{}").unwrap();
    assert_eq!(
        custom
            .window
            .overridden_by(&plain.window)
            .navigation_style
            .as_deref(),
        Some("custom")
    );
}

#[test]
fn pull_down_refresh_and_reach_bottom_distance_are_taken_and_a_page_overrides_them() {
    let app = AppConfig::parse(&GOOD.replacen(
        "\"enablePullDownRefresh\": false",
        "\"enablePullDownRefresh\": true, \"onReachBottomDistance\": 120",
        1,
    ))
    .unwrap();
    assert_eq!(app.window.enable_pull_down_refresh, Some(true));
    assert_eq!(app.window.on_reach_bottom_distance, Some(120));
    let page = PageConfig::parse(
        "pages/a.json",
        "{\"enablePullDownRefresh\": false, \"onReachBottomDistance\": 0}",
    )
    .unwrap();
    let window = app.window.overridden_by(&page.window);
    assert_eq!(window.enable_pull_down_refresh, Some(false));
    assert_eq!(window.on_reach_bottom_distance, Some(0));
    let json = serde_json::to_value(&window).unwrap();
    assert_eq!(json["enablePullDownRefresh"], false);
    assert_eq!(json["onReachBottomDistance"], 0);
    let plain = PageConfig::parse("pages/b.json", "{}").unwrap();
    assert_eq!(
        app.window
            .overridden_by(&plain.window)
            .on_reach_bottom_distance,
        Some(120)
    );
    for bad in ["-1", "12.5", "\"50\"", "10001"] {
        let text = GOOD.replacen(
            "\"enablePullDownRefresh\": false",
            &format!("\"onReachBottomDistance\": {bad}"),
            1,
        );
        assert_eq!(
            refused(&text),
            format!(
                "app.json:10:30: `onReachBottomDistance` must be a whole number of px from 0 to 10000, not {bad}"
            )
        );
    }
}
