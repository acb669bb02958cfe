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
fn with_app_json(edit: impl Fn(&str) -> String) -> Package {
    let package = example("subpackages");
    let mut assets = package.assets.clone();
    let text = String::from_utf8(assets["app.json"].clone()).unwrap();
    assets.insert("app.json".into(), edit(&text).into_bytes());
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

#[tokio::test]
async fn a_wifi_preload_is_sent_only_on_wifi() {
    let wifi = |text: &str| text.replace("\"network\": \"all\"", "\"network\": \"wifi\"");
    // The headless device's network is unknown: not sent.
    let (_dir, mut inst) = launched_alone(with_app_json(wifi)).await;
    assert_eq!(loads(&mut inst), []);
    // On Wi-Fi it is.
    let device = ScriptedDevice::answering([]);
    let package = with_app_json(wifi);
    let providers = Providers {
        device: Arc::new(device.clone()),
        ..Providers::default()
    };
    let (_dir, mut inst) = launched(
        granting(&package),
        providers,
        package,
        LaunchOptions::default(),
    )
    .await;
    assert_eq!(loads(&mut inst)[0].1, LoadCause::Preload);
    // On a cell network it is not.
    let device = ScriptedDevice::answering([]);
    device.set_network(NetworkType::Cell4g);
    let package = with_app_json(wifi);
    let providers = Providers {
        device: Arc::new(device),
        ..Providers::default()
    };
    let (_dir, mut inst) = launched(
        granting(&package),
        providers,
        package,
        LaunchOptions::default(),
    )
    .await;
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

#[test]
fn a_file_of_one_package_used_by_another_is_refused_at_its_place() {
    let package = example("subpackages");
    let quotas = miniapp_runtime::Quotas::default();
    let check = |assets: &BTreeMap<String, Vec<u8>>| {
        miniapp_runtime::platform::views::check(&package.manifest, assets, &quotas)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    // The main page includes market's template.
    let mut assets = package.assets.clone();
    let index = String::from_utf8(assets["pages/index/index.wxml"].clone()).unwrap();
    let including = index.replace(
        "<navigator id=\"to-about\"",
        "<include src=\"/market/common/price.wxml\"/><navigator id=\"to-about\"",
    );
    assets.insert("pages/index/index.wxml".into(), including.into_bytes());
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: pages/index/index.wxml:3:3: <include src=\"/market/common/price\">: market/common/price.wxml is subpackage `market`'s, which only its own pages and components may use (move it to the main package to share it)"
    );
    // A main page shows market's image.
    let mut assets = package.assets.clone();
    let index = String::from_utf8(assets["pages/index/index.wxml"].clone()).unwrap();
    let image = index.replace(
        "<navigator id=\"to-about\"",
        "<image src=\"/market/images/fish.png\"/><navigator id=\"to-about\"",
    );
    assets.insert("pages/index/index.wxml".into(), image.into_bytes());
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: pages/index/index.wxml:3:3: <image src=\"/market/images/fish.png\">: market/images/fish.png is subpackage `market`'s, which only its own pages and components may use (move it to the main package to share it)"
    );
    // A main page's style shows animals' image.
    let mut assets = package.assets.clone();
    let style =
        ".page { padding: 24rpx; }\n.cat { background: url(\"/animals/images/cat.png\"); }\n";
    assets.insert("pages/index/index.wxss".into(), style.into());
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: pages/index/index.wxss:2:20: url(\"/animals/images/cat.png\"): animals/images/cat.png is subpackage `zoo`'s, which only its own pages and components may use (move it to the main package to share it)"
    );
    // Market's style imports animals' style.
    let mut assets = package.assets.clone();
    let style = "@import \"/animals/pages/cat/cat.wxss\";\n.fish { color: red; }\n";
    assets.insert("market/pages/fish/fish.wxss".into(), style.into());
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: market/pages/fish/fish.wxss:1:1: @import \"/animals/pages/cat/cat.wxss\": animals/pages/cat/cat.wxss is subpackage `zoo`'s, which only its own pages and components may use (move it to the main package to share it)"
    );
    // A subpackage page may use the main package's files.
    let mut assets = package.assets.clone();
    assets.insert("common/note.wxml".into(), b"<view>note</view>".to_vec());
    let fish = String::from_utf8(assets["market/pages/fish/fish.wxml"].clone()).unwrap();
    let fish = format!("<include src=\"/common/note.wxml\"/>\n{fish}");
    assets.insert("market/pages/fish/fish.wxml".into(), fish.into_bytes());
    miniapp_runtime::platform::views::check(&package.manifest, &assets, &quotas).unwrap();
    // A subpackage page imports another subpackage's template.
    let mut assets = package.assets.clone();
    let cat = "<import src=\"/market/common/price.wxml\"/>\n<view>cat</view>\n";
    assets.insert("animals/pages/cat/cat.wxml".into(), cat.into());
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: animals/pages/cat/cat.wxml: <import src=\"/market/common/price\">: market/common/price.wxml is subpackage `market`'s, which only its own pages and components may use (move it to the main package to share it)"
    );
    // A main page declares market's component.
    let mut assets = package.assets.clone();
    assets.insert(
        "market/components/tag/tag.json".into(),
        br#"{"component": true}"#.to_vec(),
    );
    assets.insert(
        "market/components/tag/tag.wxml".into(),
        b"<view>tag</view>".to_vec(),
    );
    let json = br#"{"usingComponents": {"price-tag": "/market/components/tag/tag"}}"#;
    assets.insert("pages/about/about.json".into(), json.to_vec());
    assert_eq!(
        check(&assets),
        "its components do not resolve: pages/about/about.json:1:35: `/market/components/tag/tag` is subpackage `market`'s component, which only its own pages and components may use (move it to the main package to share it)"
    );
    // Market's own page may.
    assets.remove("pages/about/about.json");
    assets.insert("market/pages/fish/fish.json".into(), json.to_vec());
    miniapp_runtime::platform::views::check(&package.manifest, &assets, &quotas).unwrap();
}

#[test]
fn a_subpackage_page_needs_its_template_under_its_root_and_only_there() {
    let package = example("subpackages");
    let quotas = miniapp_runtime::Quotas::default();
    let check = |assets: &BTreeMap<String, Vec<u8>>| {
        miniapp_runtime::platform::views::check(&package.manifest, assets, &quotas)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let mut assets = package.assets.clone();
    assets.remove("animals/pages/cat/cat.wxml");
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: app.json:4:50: page `animals/pages/cat/cat` of subpackage `zoo` has no template animals/pages/cat/cat.wxml"
    );
    let mut assets = package.assets.clone();
    assets.insert(
        "pages/animals/pages/cat/cat.wxml".into(),
        b"<view/>".to_vec(),
    );
    assert_eq!(
        check(&assets),
        "its subpackages do not hold together: app.json:4:50: page `animals/pages/cat/cat` is in subpackage `zoo` and pages/animals/pages/cat/cat.wxml makes it a main page too: a page is in one package (move or rename pages/animals/pages/cat/cat.wxml)"
    );
}
