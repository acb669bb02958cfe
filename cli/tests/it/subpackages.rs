//! app.json's subpackages from the command line: `miniapp build` refuses
//! a bad subpackage at `app.json:LINE:COL`, a file of one package used by
//! another at its `file:line:col`, and a subpackage over 2 MiB naming it,
//! its size and the limit, each with exit 2 before cargo runs; `miniapp
//! run --json` shows each step's sent subpackages (the subpackages
//! example: home preloads `zoo`, the fish page sends `market`).

use serde_json::json;

use crate::cli::{json_steps, run_fresh, stdout};
use crate::pages::refused_build;

const APP_JSON: &str = r#"{
  "pages": ["pages/index/index", "pages/about/about"],
  "subPackages": [
    {"root": "animals", "name": "zoo", "pages": ["pages/cat/cat"]},
    {"root": "market", "pages": ["pages/fish/fish"]}
  ],
  "preloadRule": {"pages/index/index": {"network": "all", "packages": ["zoo"]}}
}"#;

/// The files of an app with `app_json`, its four pages' templates and
/// market's shared template, and `more`.
fn files<'a>(app_json: &'a str, more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut files = vec![
        ("app.json", app_json),
        ("pages/index/index.wxml", "<view>home</view>"),
        ("pages/about/about.wxml", "<view>about</view>"),
        ("animals/pages/cat/cat.wxml", "<view>cat</view>"),
        (
            "market/pages/fish/fish.wxml",
            "<include src=\"../../common/price.wxml\"/>",
        ),
        ("market/common/price.wxml", "<view>12 yuan</view>"),
    ];
    for (path, text) in more {
        match files.iter_mut().find(|(p, _)| p == path) {
            Some(file) => file.1 = text,
            None => files.push((path, text)),
        }
    }
    files
}

/// `miniapp build` with app.json `from` replaced by `to` refused: its line.
fn refused(from: &str, to: &str) -> String {
    assert!(APP_JSON.contains(from), "{from}");
    let app_json = APP_JSON.replacen(from, to, 1);
    refused_build("", &files(&app_json, &[]))
}

#[test]
fn a_bad_subpackage_exits_2_at_its_place_in_app_json() {
    for (from, to, says) in [
        (
            "\"pages/about/about\"]",
            "\"pages/about/about\", \"pages/market/pages/fish/fish\"]",
            "app.json:5:34: page `market/pages/fish/fish` is in two packages: this one and the main package",
        ),
        (
            "\"root\": \"market\"",
            "\"root\": \"animals/market\"",
            "app.json:5:14: `root` `animals/market` and subpackage `zoo`'s root `animals` are one inside the other",
        ),
        (
            "\"root\": \"market\"",
            "\"root\": \"pages/index\"",
            "app.json:5:14: `root` `pages/index` is the folder of main page `pages/index/index`: a subpackage's root is a folder of its own, outside pages/",
        ),
        (
            "\"root\": \"market\",",
            "\"root\": \"market\", \"name\": \"zoo\",",
            "app.json:5:32: `name` `zoo` is also subpackage `animals`'s",
        ),
        (
            "\"root\": \"market\",",
            "\"root\": \"market\", \"independent\": true,",
            "app.json:5:24: `independent: true` is not supported: a Rust app's logic is one component, shared by every package, so no subpackage can run without the main package",
        ),
        (
            "[\"zoo\"]",
            "[\"farm\"]",
            "app.json:7:72: no subpackage `farm` (by root or name); the app's: `zoo`, `market`",
        ),
        (
            "\"pages/cat/cat\"]",
            "\"pages/cat/cat\", \"pages/dog/dog\"]",
            "app.json:4:67: page `animals/pages/dog/dog` of subpackage `zoo` has no template animals/pages/dog/dog.wxml",
        ),
    ] {
        let err = refused(from, to);
        assert!(err.contains(says), "{to}: {err}");
    }
}

#[test]
fn a_file_of_one_package_used_by_another_exits_2_at_its_place() {
    let include = "<view>home</view>\n<include src=\"/market/common/price.wxml\"/>";
    let err = refused_build("", &files(APP_JSON, &[("pages/index/index.wxml", include)]));
    assert!(
        err.contains("pages/index/index.wxml:2:1: <include src=\"/market/common/price\">: market/common/price.wxml is subpackage `market`'s, which only its own pages and components may use"),
        "{err}"
    );
    // A component of market declared by the cat page, in another subpackage.
    let using = r#"{"usingComponents": {"price-tag": "/market/tag/tag"}}"#;
    let err = refused_build(
        "",
        &files(
            APP_JSON,
            &[
                ("animals/pages/cat/cat.json", using),
                ("market/tag/tag.json", r#"{"component": true}"#),
                ("market/tag/tag.wxml", "<view>tag</view>"),
            ],
        ),
    );
    assert!(
        err.contains("animals/pages/cat/cat.json:1:35: `/market/tag/tag` is subpackage `market`'s component, which only its own pages and components may use"),
        "{err}"
    );
}

#[test]
fn a_subpackage_over_2_mib_exits_2_naming_it_its_size_and_the_limit() {
    let big = "x".repeat(2 * 1024 * 1024);
    let files = files(APP_JSON, &[("market/big.txt", &big)]);
    let size: usize = (files.iter())
        .filter(|(path, _)| path.starts_with("market/"))
        .map(|(_, text)| text.len())
        .sum();
    let err = refused_build("", &files);
    assert!(
        err.contains(&format!(
            "subpackage `market` is {size} bytes (its files under market/), over the limit of 2097152 bytes a subpackage may hold"
        )),
        "{err}"
    );
}

/// Bytes of the files in the subpackages example's folder `root`, at any
/// depth (what its package holds under that root).
fn bytes_under(root: &str) -> u64 {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples/subpackages");
    let mut pending = vec![dir.join(root)];
    let mut total = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            match entry.file_type().unwrap().is_dir() {
                true => pending.push(entry.path()),
                false => total += entry.metadata().unwrap().len(),
            }
        }
    }
    total
}

#[test]
fn run_json_shows_the_subpackages_each_step_sent() {
    let out = run_fresh(
        "subpackages",
        &[
            "--json", "--tap", "#to-fish", "--tap", "#back", "--tap", "#to-cat",
        ],
    );
    assert!(out.status.success(), "{}", stdout(&out));
    let steps = json_steps(&out);
    let sent: Vec<_> = (steps.iter())
        .map(|s| (s["page"].clone(), s["subpackages"].clone()))
        .collect();
    assert_eq!(
        sent,
        [
            (
                json!("index/index"),
                json!([{"root": "animals", "name": "zoo", "by": "preload", "page": "index/index",
                    "files": ["animals/images/cat.png"], "bytes": bytes_under("animals")}])
            ),
            (
                json!("market/pages/fish/fish"),
                json!([{"root": "market", "name": null, "by": "navigation",
                    "page": "market/pages/fish/fish",
                    "files": ["market/images/basket.png", "market/images/fish.png"],
                    "bytes": bytes_under("market")}])
            ),
            (json!("index/index"), json!([])),
            (json!("animals/pages/cat/cat"), json!([])),
        ]
    );
    assert!(steps[1]["html"].as_str().unwrap().contains("12 yuan"));
    // Text: one line per package sent.
    let out = run_fresh("subpackages", &["--tap", "#to-fish"]);
    let text = stdout(&out);
    assert!(
        text.contains("subpackage animals sent (preload on page index/index: 1 files to fetch"),
        "{text}"
    );
    assert!(
        text.contains(
            "subpackage market sent (navigation on page market/pages/fish/fish: 2 files to fetch"
        ),
        "{text}"
    );
}

/// The `subpackage` frames among `frames`: (root, by, files).
fn sent(frames: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    (frames.as_array().into_iter().flatten())
        .filter(|f| f["type"] == "subpackage")
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("root"), text("by"), f["files"].clone())
        })
        .collect()
}

#[tokio::test]
async fn serve_sends_a_subpackage_frame_when_it_is_first_shown() {
    let served = crate::serve::Served::start(&["subpackages"], &[]);
    let ada = served.session("demo.subpackages", "ada").await;
    let tap = |cid: &'static str, selector: &'static str| {
        let (served, ada) = (&served, &ada);
        async move {
            let (status, body) = served
                .event(ada, cid, selector, "tap", serde_json::Value::Null)
                .await;
            assert_eq!(status, 200, "{selector}: {body}");
            body["frames"].clone()
        }
    };
    // Home was shown when the session opened: its preload goes with the
    // next answer, before the package the tap's page needs.
    let frames = tap("t1", "#to-fish").await;
    let preload = ("animals".to_string(), "preload".to_string());
    let navigation = ("market".to_string(), "navigation".to_string());
    assert_eq!(
        sent(&frames),
        [
            (preload.0, preload.1, json!(["animals/images/cat.png"])),
            (
                navigation.0,
                navigation.1,
                json!(["market/images/basket.png", "market/images/fish.png"])
            ),
        ],
        "{frames}"
    );
    assert_eq!(sent(&tap("t2", "#back").await), []);
    assert_eq!(sent(&tap("t3", "#to-fish").await), [], "sent once");
    served.stop();
}
