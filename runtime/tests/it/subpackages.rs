//! app.json's subpackages with the subpackages example: a subpackage page
//! is a route (`market/pages/fish/fish`) whose template, style, json and
//! images sit under its root; the host sends a subpackage once, when one
//! of its pages is first shown or when a page whose `preloadRule` names it
//! is shown (a `wifi` rule only on Wi-Fi); a subpackage over its limit, a
//! page preloading over WeChat's 2 MB, and a file of one package used by
//! another are refused by name and place.

use std::collections::BTreeMap;
use std::sync::Arc;

use miniapp_runtime::package::PackageError;
use miniapp_runtime::providers::{NetworkType, ScriptedDevice};
use miniapp_runtime::{AppInstance, LaunchOptions, LoadCause, Package, PackageLimits, Providers};

use crate::common::{example, granting, launched, launched_alone, repacked, tap};

/// The loads the instance sent since the last look: (root, cause, page,
/// files).
fn loads(inst: &mut AppInstance) -> Vec<(String, LoadCause, String, Vec<String>)> {
    (inst.take_package_loads().into_iter())
        .map(|l| (l.root, l.by, l.page, l.files))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The example with its app.json's text changed by `edit`.
fn with_app_json(edit: impl Fn(&str) -> String + 'static) -> Package {
    let package = example("subpackages");
    let assets = edited(&package, "app.json", &edit);
    repacked(&package, package.manifest.clone(), assets)
}

#[tokio::test]
async fn a_subpackage_is_sent_once_when_first_shown_and_the_preload_after_home() {
    let (_dir, mut inst) = launched_alone(example("subpackages")).await;
    assert_eq!(
        inst.pages().iter().map(|p| &p.route).collect::<Vec<_>>(),
        ["index/index"]
    );
    // Home is shown: its preloadRule (network all) sends `zoo` (root animals).
    assert_eq!(
        loads(&mut inst),
        [(
            "animals".into(),
            LoadCause::Preload,
            "index/index".into(),
            strings(&["animals/images/cat.png"])
        )]
    );
    assert_eq!(loads(&mut inst), [], "sent once");
    assert_eq!(inst.package_loads()[0].name.as_deref(), Some("zoo"));

    // Into market: sent by that navigation, its page drawn from its root.
    tap(&mut inst, "#to-fish").await.unwrap();
    assert_eq!(
        loads(&mut inst),
        [(
            "market".into(),
            LoadCause::Navigation,
            "market/pages/fish/fish".into(),
            strings(&["market/images/basket.png", "market/images/fish.png"])
        )]
    );
    let html = inst.view_html().unwrap();
    assert!(html.contains("market/images/fish.png"), "{html}");
    assert!(
        html.contains("12 yuan"),
        "its import, under its root: {html}"
    );
    assert!(
        inst.view_style().unwrap().contains("#1aad19"),
        "its own style"
    );

    // Back home (shown again: nothing new), then the preloaded cat: not sent again.
    tap(&mut inst, "#back").await.unwrap();
    assert_eq!(loads(&mut inst), []);
    tap(&mut inst, "#to-cat").await.unwrap();
    assert_eq!(loads(&mut inst), [], "animals was preloaded");
    assert!(inst.view_html().unwrap().contains("Tom"));
    assert_eq!(
        inst.shown_window().navigation_bar_title_text.as_deref(),
        Some("Cat"),
        "its json, under its root"
    );
    assert_eq!(inst.package_loads().len(), 2);
}

/// The example with a `wifi` preload rule launched on a device on `network`.
async fn launched_on(network: NetworkType) -> (tempfile::TempDir, AppInstance) {
    let wifi = |text: &str| text.replace("\"network\": \"all\"", "\"network\": \"wifi\"");
    let package = with_app_json(wifi);
    let device = ScriptedDevice::answering([]);
    device.set_network(network);
    let providers = Providers {
        device: Arc::new(device),
        ..Providers::default()
    };
    launched(
        granting(&package),
        providers,
        package,
        LaunchOptions::default(),
    )
    .await
}

#[tokio::test]
async fn a_wifi_preload_is_sent_only_on_wifi() {
    // The headless device's network is unknown: not sent.
    let wifi = |text: &str| text.replace("\"network\": \"all\"", "\"network\": \"wifi\"");
    let (_dir, mut inst) = launched_alone(with_app_json(wifi)).await;
    assert_eq!(loads(&mut inst), []);
    let (_dir, mut inst) = launched_on(NetworkType::Wifi).await;
    assert_eq!(loads(&mut inst)[0].1, LoadCause::Preload);
    let (_dir, mut inst) = launched_on(NetworkType::Cell4g).await;
    assert_eq!(loads(&mut inst), []);
}

#[test]
fn a_subpackage_over_its_limit_and_a_preload_over_2_mb_are_refused_by_name() {
    let package = example("subpackages");
    let mut assets = package.assets.clone();
    assets.insert("market/images/big.bin".into(), vec![0; 2 * 1024 * 1024]);
    let err = Package::new(
        package.manifest.clone(),
        package.component.clone(),
        assets.clone(),
        &PackageLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PackageError::SubPackageTooLarge { .. }));
    let under = |root: &str| -> usize {
        (package.assets.iter())
            .filter(|(path, _)| path.starts_with(&format!("{root}/")))
            .map(|(_, bytes)| bytes.len())
            .sum()
    };
    let size = 2 * 1024 * 1024 + under("market");
    assert_eq!(
        err.to_string(),
        format!(
            "subpackage `market` is {size} bytes (its files under market/), over the limit of 2097152 bytes a subpackage may hold"
        )
    );
    // Within a larger limit it packs; then home preloading both is over 2 MB.
    let limits = PackageLimits {
        subpackage_bytes: 3 * 1024 * 1024,
        ..PackageLimits::default()
    };
    let text = String::from_utf8(assets["app.json"].clone()).unwrap();
    let both = text.replace("[\"zoo\"]", "[\"zoo\", \"market\"]");
    assets.insert("app.json".into(), both.into_bytes());
    let err = Package::new(
        package.manifest.clone(),
        package.component.clone(),
        assets,
        &limits,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "app.json:8:5: page `index/index` preloads {} bytes of subpackages (animals, market), over WeChat's limit of 2097152 bytes of preloads per page",
            size + under("animals")
        )
    );
}

/// The example's files with `path`'s text made by `edit` from its own
/// (from empty text if it has none).
fn edited(package: &Package, path: &str, edit: &Edit) -> Files {
    let mut assets = package.assets.clone();
    let text = (assets.get(path)).map_or(String::new(), |b| String::from_utf8(b.clone()).unwrap());
    assets.insert(path.into(), edit(&text).into_bytes());
    assets
}

type Files = BTreeMap<String, Vec<u8>>;

/// A file's new text from its old.
type Edit = dyn Fn(&str) -> String;

/// The view check of `package`'s manifest with `assets`: its refusal, or
/// "" if it passes.
fn checked(package: &Package, assets: &Files) -> String {
    let quotas = miniapp_runtime::Quotas::default();
    (miniapp_runtime::platform::views::check(&package.manifest, assets, &quotas))
        .err()
        .map_or(String::new(), |e| e.to_string())
}

/// How a refusal of another package's file ends.
const FOREIGN: &str =
    "which only its own pages and components may use (move it to the main package to share it)";

#[test]
fn a_file_of_one_package_used_by_another_is_refused_at_its_place() {
    let package = example("subpackages");
    let before_about = |what: &'static str| {
        move |text: &str| {
            text.replace(
                "<navigator id=\"to-about\"",
                &format!("{what}<navigator id=\"to-about\""),
            )
        }
    };
    let include = before_about("<include src=\"/market/common/price.wxml\"/>");
    let image = before_about("<image src=\"/market/images/fish.png\"/>");
    let style = |_: &str| {
        ".page { padding: 24rpx; }\n.cat { background: url(\"/animals/images/cat.png\"); }\n"
            .to_string()
    };
    let import =
        |_: &str| "@import \"/animals/pages/cat/cat.wxss\";\n.fish { color: red; }\n".to_string();
    let cat =
        |_: &str| "<import src=\"/market/common/price.wxml\"/>\n<view>cat</view>\n".to_string();
    let cases: [(&str, &Edit, String); 5] = [
        // The main page includes market's template, shows its image.
        (
            "pages/index/index.wxml",
            &include,
            format!(
                "pages/index/index.wxml:3:3: <include src=\"/market/common/price\">: market/common/price.wxml is subpackage `market`'s, {FOREIGN}"
            ),
        ),
        (
            "pages/index/index.wxml",
            &image,
            format!(
                "pages/index/index.wxml:3:3: <image src=\"/market/images/fish.png\">: market/images/fish.png is subpackage `market`'s, {FOREIGN}"
            ),
        ),
        // Its style shows animals' image; market's style imports animals'.
        (
            "pages/index/index.wxss",
            &style,
            format!(
                "pages/index/index.wxss:2:20: url(\"/animals/images/cat.png\"): animals/images/cat.png is subpackage `zoo`'s, {FOREIGN}"
            ),
        ),
        (
            "market/pages/fish/fish.wxss",
            &import,
            format!(
                "market/pages/fish/fish.wxss:1:1: @import \"/animals/pages/cat/cat.wxss\": animals/pages/cat/cat.wxss is subpackage `zoo`'s, {FOREIGN}"
            ),
        ),
        // A subpackage page imports another subpackage's template.
        (
            "animals/pages/cat/cat.wxml",
            &cat,
            format!(
                "animals/pages/cat/cat.wxml: <import src=\"/market/common/price\">: market/common/price.wxml is subpackage `market`'s, {FOREIGN}"
            ),
        ),
    ];
    for (path, edit, refusal) in cases {
        let refused = checked(&package, &edited(&package, path, edit));
        assert_eq!(
            refused,
            format!("its subpackages do not hold together: {refusal}")
        );
    }
    // A subpackage page may use the main package's files.
    let mut assets = edited(&package, "market/pages/fish/fish.wxml", &|fish| {
        format!("<include src=\"/common/note.wxml\"/>\n{fish}")
    });
    assets.insert("common/note.wxml".into(), b"<view>note</view>".to_vec());
    assert_eq!(checked(&package, &assets), "");
    // A main page declares market's component; market's own page may.
    let json = br#"{"usingComponents": {"price-tag": "/market/components/tag/tag"}}"#;
    let mut assets = package.assets.clone();
    let tag = [
        ("json", &br#"{"component": true}"#[..]),
        ("wxml", b"<view>tag</view>"),
    ];
    for (extension, text) in tag {
        assets.insert(
            format!("market/components/tag/tag.{extension}"),
            text.to_vec(),
        );
    }
    let mut declared = assets.clone();
    declared.insert("pages/about/about.json".into(), json.to_vec());
    assert_eq!(
        checked(&package, &declared),
        format!(
            "its components do not resolve: pages/about/about.json:1:35: `/market/components/tag/tag` is subpackage `market`'s component, {FOREIGN}"
        )
    );
    assets.insert("market/pages/fish/fish.json".into(), json.to_vec());
    assert_eq!(checked(&package, &assets), "");
}

#[test]
fn a_subpackage_page_needs_its_template_under_its_root_and_only_there() {
    let package = example("subpackages");
    let mut assets = package.assets.clone();
    assets.remove("animals/pages/cat/cat.wxml");
    assert_eq!(
        checked(&package, &assets),
        "its subpackages do not hold together: app.json:4:50: page `animals/pages/cat/cat` of subpackage `zoo` has no template animals/pages/cat/cat.wxml"
    );
    let assets = edited(&package, "pages/animals/pages/cat/cat.wxml", &|_| {
        "<view/>".into()
    });
    assert_eq!(
        checked(&package, &assets),
        "its subpackages do not hold together: app.json:4:50: page `animals/pages/cat/cat` is in subpackage `zoo` and pages/animals/pages/cat/cat.wxml makes it a main page too: a page is in one package (move or rename pages/animals/pages/cat/cat.wxml)"
    );
}

#[test]
fn a_subpackage_page_is_held_to_its_handlers_like_a_main_page() {
    let package = example("subpackages");
    let assets = edited(&package, "market/pages/fish/fish.wxml", &|fish| {
        format!("{fish}<button bindtap=\"bye\">Buy</button>\n")
    });
    let meta = br#"{"version": 1, "pages": {"market/pages/fish/fish": {"handlers": ["buy"]}}}"#;
    let meta = miniapp_runtime::config::Meta::parse(meta).unwrap();
    let quotas = miniapp_runtime::Quotas::default();
    let views = miniapp_runtime::platform::views::check(&package.manifest, &assets, &quotas);
    let refused = views
        .unwrap()
        .with_meta(Some(&meta))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(
            "market/pages/fish/fish.wxml:8:1: no handler `bye` on page `market/pages/fish/fish`"
        ),
        "{refused}"
    );
}

#[test]
fn a_subpackage_page_renders_and_a_route_that_is_no_page_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let package = example("subpackages");
    let rt = crate::common::runtime(dir.path(), granting(&package), Providers::default());
    let app = rt.load(package).unwrap();
    let data = serde_json::json!({"price": 12});
    let html = app.render_html("market/pages/fish/fish", &data).unwrap();
    assert!(html.contains("/market/images/fish.png"), "{html}");
    // Before: "the package has no template pages/market/pages/dog/dog.wxml",
    // a file no subpackage page would have.
    let refused = app.render_html("market/pages/dog/dog", &data).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "app `demo.subpackages`: page `market/pages/dog/dog` cannot be rendered: `market/pages/dog/dog` is not a page of the app (did you mean `market/pages/fish/fish`?)"
    );
}

#[test]
fn the_pages_of_one_package_share_one_2_mb_of_preloads_as_on_wechat() {
    // Home preloads zoo (1 MiB) and about market (1.5 MiB): each page is
    // within 2 MB, the main package's pages together are not (WeChat: "the
    // pages of one package share one preload limit of 2M"), refused at the
    // rule that takes them over (app.json's rules in key order: about,
    // then home).
    let package = example("subpackages");
    let mut assets = package.assets.clone();
    assets.insert("animals/images/big.bin".into(), vec![0; 1024 * 1024]);
    assets.insert("market/images/big.bin".into(), vec![0; 3 * 512 * 1024]);
    let text = String::from_utf8(assets["app.json"].clone()).unwrap();
    let rule = "\"pages/index/index\": {\"network\": \"all\", \"packages\": [\"zoo\"]}";
    let both = format!("{rule},\n    \"pages/about/about\": {{\"packages\": [\"market\"]}}");
    assets.insert("app.json".into(), text.replace(rule, &both).into_bytes());
    let under = |root: &str| -> usize {
        (assets.iter())
            .filter(|(path, _)| path.starts_with(&format!("{root}/")))
            .map(|(_, bytes)| bytes.len())
            .sum()
    };
    let total = under("animals") + under("market");
    let packed = Package::new(
        package.manifest.clone(),
        package.component.clone(),
        assets.clone(),
        &PackageLimits::default(),
    );
    assert_eq!(
        packed.err().map(|e| e.to_string()),
        Some(format!(
            "app.json:8:5: the main package's pages preload {total} bytes of subpackages together (about/about: market; index/index: animals), over WeChat's limit of 2097152 bytes of preloads the pages of one package share"
        ))
    );
    // One package preloaded by both pages counts once.
    let text = String::from_utf8(assets["app.json"].clone()).unwrap();
    let same = text.replace("[\"market\"]", "[\"zoo\"]");
    assets.insert("app.json".into(), same.into_bytes());
    assets.remove("market/images/big.bin");
    let packed = Package::new(
        package.manifest,
        package.component,
        assets,
        &PackageLimits::default(),
    );
    assert!(packed.is_ok(), "{:?}", packed.err());
}
