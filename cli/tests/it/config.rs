//! WeChat's config files: `miniapp build` checks `app.json` and each page's
//! `pages/ROUTE.json` as load does, before cargo runs, each error at
//! `file:line:col`; `miniapp run --json` shows each page's window.

use crate::cli::{json_steps, miniapp, run_fresh, stderr};
use crate::pages::{app, refused_build};

const APP_JSON: &str = r##"{
  "pages": ["pages/index", "pages/detail"],
  "window": {
    "navigationBarTitleText": "P",
    "navigationBarTextStyle": "white"
  }
}"##;

/// `miniapp build` of `crate_dir`: its exit code and stderr.
fn build(crate_dir: &str) -> (Option<i32>, String) {
    let out = miniapp(&["build", crate_dir]);
    (out.status.code(), stderr(&out))
}

/// The templates of pages `index` and `detail`, with `more` files.
fn files<'a>(more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut files = vec![
        ("pages/index.wxml", "<view/>"),
        ("pages/detail.wxml", "<view/>"),
    ];
    files.extend_from_slice(more);
    files
}

#[test]
fn a_bad_app_json_key_or_value_exits_2_at_its_place_before_cargo_runs() {
    let dir = tempfile::tempdir().unwrap();
    let typo = APP_JSON.replace("navigationBarTextStyle", "navigationBarTextColour");
    let crate_dir = app(dir.path(), "", &files(&[("app.json", &typo)]));
    let (code, err) = build(&crate_dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("app.json:5:5: unknown key `navigationBarTextColour`: did you mean `navigationBarTextStyle`?"),
        "{err}"
    );
    // cargo never ran: nothing was compiled.
    assert!(!std::path::Path::new(&crate_dir).join("target").exists());

    let bad = APP_JSON.replace("\"white\"", "\"blue\"");
    let err = refused_build(r#"["index", "detail"]"#, &files(&[("app.json", &bad)]));
    assert!(
        err.contains(
            "app.json:5:31: `navigationBarTextStyle` must be `black` or `white`, not `blue`"
        ),
        "{err}"
    );
    let not_yet = APP_JSON.replace("\"window\"", "\"workers\"");
    let err = refused_build(r#"["index", "detail"]"#, &files(&[("app.json", &not_yet)]));
    assert!(
        err.contains("app.json:3:3: `workers` is not supported yet"),
        "{err}"
    );
}

#[test]
fn a_bad_page_json_exits_2_at_its_place() {
    let page = "{\n  \"navigationBarBackgroundColor\": \"teal\"\n}";
    let err = refused_build(
        r#"["index", "detail"]"#,
        &files(&[("pages/detail.json", page)]),
    );
    assert!(
        err.contains("pages/detail.json:2:35: `navigationBarBackgroundColor` must be a colour like #1aad19, not `teal`"),
        "{err}"
    );
    let orphan = refused_build(
        r#"["index", "detail"]"#,
        &files(&[("pages/card.json", "{}")]),
    );
    assert!(
        orphan.contains("pages/card.json:1:1: no page `card` is declared"),
        "{orphan}"
    );
}

#[test]
fn app_json_pages_that_differ_from_the_manifest_exit_2_naming_the_first_difference() {
    let cart = ("pages/cart.wxml", "<view/>");
    let err = refused_build(
        r#"["index", "cart"]"#,
        &files(&[("app.json", APP_JSON), cart]),
    );
    assert!(
        err.contains(
            "app.json:2:28: pages[1] is `pages/detail` but miniapp.toml's pages[1] is `cart`"
        ),
        "{err}"
    );
}

#[test]
fn app_json_pages_stand_for_a_manifest_that_lists_none_and_ignored_keys_warn() {
    let dir = tempfile::tempdir().unwrap();
    let with_sitemap = APP_JSON.replacen('{', "{\n  \"sitemapLocation\": \"sitemap.json\",", 1);
    let crate_dir = app(dir.path(), "", &files(&[("app.json", &with_sitemap)]));
    let (code, err) = build(&crate_dir);
    // Every check passed (the pages came from app.json): cargo ran, and
    // failed on the crate's bare Cargo.toml.
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cargo build failed"), "{err}");
    assert!(
        err.contains(
            "warning: app.json:2:3: `sitemapLocation` has no meaning on this host and is ignored"
        ),
        "{err}"
    );
    // Without pages in either file, the manifest says where they go.
    let err = refused_build("", &files(&[]));
    assert!(
        err.contains("declare at least one page (here, or in app.json's `pages`)"),
        "{err}"
    );
}

#[test]
fn a_manifest_holding_window_says_to_put_it_in_app_json() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = app(dir.path(), r#"["index"]"#, &files(&[]));
    let manifest = std::path::Path::new(&crate_dir).join("miniapp.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}[window]\nnavigationBarTitleText = \"P\"\n"),
    )
    .unwrap();
    let (code, err) = build(&crate_dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("put `window` in app.json (app-wide) or the page's json (pages/ROUTE.json)"),
        "{err}"
    );
}

#[test]
fn run_json_shows_each_pages_window_the_page_json_overriding_app_json() {
    let out = run_fresh("hello", &["--tap", "#detail", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let window = |page: &str| {
        let step = steps.iter().find(|s| s["page"] == page).unwrap();
        step["window"].clone()
    };
    assert_eq!(
        window("index"),
        serde_json::json!({
            "navigationBarTitleText": "Hello",
            "navigationBarBackgroundColor": "#07c160",
            "navigationBarTextStyle": "white",
            "backgroundColor": "#f2f2f2",
            "backgroundTextStyle": "dark"
        })
    );
    assert_eq!(
        window("detail"),
        serde_json::json!({
            "navigationBarTitleText": "Detail",
            "navigationBarBackgroundColor": "#ededed",
            "navigationBarTextStyle": "black",
            "disableScroll": true,
            "backgroundColor": "#f2f2f2",
            "backgroundTextStyle": "dark"
        })
    );
}
