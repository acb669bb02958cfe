//! `subPackages` and `preloadRule`: routes, and every refusal at its place.

use super::Network;
use crate::AppConfig;

const GOOD: &str = r#"{
  "pages": ["pages/index/index", "pages/cart/cart"],
  "subPackages": [
    {"root": "packageA", "name": "animals", "pages": ["pages/cat/cat", "pages/dog/dog"]},
    {"root": "packageB/", "pages": ["fish"], "independent": false}
  ],
  "preloadRule": {
    "pages/index/index": {"network": "all", "packages": ["animals"]},
    "packageA/pages/cat/cat": {"packages": ["packageB"]}
  }
}"#;

fn refused(text: &str) -> String {
    AppConfig::parse(text).unwrap_err().to_string()
}

#[test]
fn subpackage_pages_are_routes_under_their_root_after_the_main_pages() {
    let config = AppConfig::parse(GOOD).unwrap();
    let packages = &config.sub_packages;
    assert_eq!(
        config.routes().unwrap(),
        [
            "index/index",
            "cart/cart",
            "packageA/pages/cat/cat",
            "packageA/pages/dog/dog",
            "packageB/fish"
        ]
    );
    assert_eq!(packages.list[1].root, "packageB");
    assert_eq!(
        packages.of_route("packageB/fish").unwrap().label(),
        "packageB"
    );
    assert_eq!(packages.of_route("cart/cart"), None);
    assert_eq!(
        packages.of_file("packageA/img/a.png").unwrap().root,
        "packageA"
    );
    assert_eq!(packages.of_file("packageAB/a.png"), None);
    assert_eq!(packages.named("animals").unwrap().root, "packageA");
    let rule = packages.preload_of("index/index").unwrap();
    assert_eq!(
        (rule.network, rule.packages.as_slice()),
        (Network::All, &["packageA".to_string()][..])
    );
    let rule = packages.preload_of("packageA/pages/cat/cat").unwrap();
    assert_eq!(
        (rule.network, rule.packages.as_slice()),
        (Network::Wifi, &["packageB".to_string()][..])
    );
    // WeChat's alias is the same key; both at once is refused.
    let alias = AppConfig::parse(&GOOD.replace("subPackages", "subpackages")).unwrap();
    assert_eq!(alias.sub_packages, config.sub_packages);
    let both = GOOD.replace(
        "\"preloadRule\": {",
        "\"subpackages\": [], \"preloadRule\": {",
    );
    assert_eq!(
        refused(&both),
        "app.json:7:3: `subpackages` and `subPackages` are the same key: give one"
    );
}

#[test]
fn each_bad_subpackage_is_refused_at_its_place() {
    for (from, to, expected) in [
        (
            "\"pages/dog/dog\"]",
            "\"pages/cat/cat\"]",
            "app.json:4:72: page `packageA/pages/cat/cat` is listed twice",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"packageA\"",
            "app.json:5:14: `root` `packageA` is also subpackage `animals`'s",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"animals\"",
            "app.json:5:14: `root` `animals` is subpackage `packageA`'s name: a preload rule naming it would be ambiguous",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"packageA/more\"",
            "app.json:5:14: `root` `packageA/more` and subpackage `animals`'s root `packageA` are one inside the other",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"PackageA\"",
            "app.json:5:14: `root` `PackageA` and subpackage `animals`'s root `packageA` differ only in case: they are one folder on a case-insensitive disk",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"PACKAGEA/more\"",
            "app.json:5:14: `root` `PACKAGEA/more` and subpackage `animals`'s root `packageA` are one inside the other",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"Pages/Cart\"",
            "app.json:5:14: `root` `Pages/Cart` is the folder of main page `pages/cart/cart`: a subpackage's root is a folder of its own, outside pages/",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"pages/cart\"",
            "app.json:5:14: `root` `pages/cart` is the folder of main page `pages/cart/cart`: a subpackage's root is a folder of its own, outside pages/",
        ),
        (
            "\"root\": \"packageB/\"",
            "\"root\": \"../up\"",
            "app.json:5:14: `root` `../up` must be a folder of the package (letters, digits, `_`, `-`, `/`)",
        ),
        (
            "\"root\": \"packageB/\", \"pages\": [\"fish\"]",
            "\"root\": \"packageB/\", \"name\": \"animals\", \"pages\": [\"fish\"]",
            "app.json:5:35: `name` `animals` is also subpackage `packageA`'s",
        ),
        (
            "\"independent\": false",
            "\"independent\": true",
            "app.json:5:46: `independent: true` is not supported: a Rust app's logic is one component, shared by every package, so no subpackage can run without the main package",
        ),
        (
            "\"independent\": false",
            "\"plugins\": {}",
            "app.json:5:46: `plugins` is not supported yet",
        ),
        (
            "\"independent\": false",
            "\"pagess\": []",
            "app.json:5:46: unknown key `pagess`: did you mean `pages`?",
        ),
        (
            "\"pages\": [\"fish\"]",
            "\"pages\": []",
            "app.json:5:36: a subpackage's `pages` must list at least one page path (relative to its root)",
        ),
        (
            "\"pages\": [\"fish\"]",
            "\"pages\": [\"fish.wxml\"]",
            "app.json:5:37: page `fish.wxml` must be a path relative to the subpackage's root (`pages/cat/cat`: letters, digits, `_`, `-`, `/`), without its extension",
        ),
        (
            "\"packages\": [\"animals\"]",
            "\"packages\": [\"animalz\"]",
            "app.json:8:58: no subpackage `animalz` (by root or name); the app's: `animals`, `packageB`",
        ),
        (
            "\"network\": \"all\"",
            "\"network\": \"4g\"",
            "app.json:8:38: `network` must be `all` or `wifi`, not `4g`",
        ),
        (
            "\"pages/index/index\": {",
            "\"pages/nowhere\": {",
            "app.json:8:5: `pages/nowhere` is not a page of the app (write it as app.json lists it: `pages/index/index`, or a subpackage's `packageA/pages/cat/cat`)",
        ),
    ] {
        assert!(GOOD.contains(from), "{from}");
        assert_eq!(refused(&GOOD.replacen(from, to, 1)), expected, "{to}");
    }
}

#[test]
fn a_page_in_two_packages_is_refused_and_routes_must_agree_with_the_manifest() {
    let two = GOOD.replace(
        "\"pages/cart/cart\"]",
        "\"pages/cart/cart\", \"pages/packageB/fish\"]",
    );
    // The main page `pages/packageB/fish` has route `packageB/fish`, the
    // subpackage page's too.
    assert_eq!(
        refused(&two.replace("\"packageB/\"", "\"packageB\"")),
        "app.json:5:36: page `packageB/fish` is in two packages: this one and the main package"
    );
    let config = AppConfig::parse(GOOD).unwrap();
    let routes = config.routes().unwrap();
    config.agree_with(&routes).unwrap();
    let mut swapped = routes.clone();
    swapped.swap(2, 3);
    assert_eq!(
        config.agree_with(&swapped).unwrap_err().to_string(),
        "app.json:4:55: subpackage page `packageA/pages/cat/cat` is not miniapp.toml's pages[2] `packageA/pages/dog/dog` (miniapp.toml lists the main pages, then each subpackage's, as app.json does; or leave `pages` out of miniapp.toml)"
    );
    let short = &routes[..4];
    assert_eq!(
        config.agree_with(short).unwrap_err().to_string(),
        "app.json:5:37: subpackage page `packageB/fish` is not in miniapp.toml's pages (list it there too, after the main pages, or leave `pages` out of miniapp.toml)"
    );
}

#[test]
fn a_tab_page_in_a_subpackage_is_refused_as_on_wechat() {
    let tabs = GOOD.replace(
        "\"preloadRule\": {",
        "\"tabBar\": {\"list\": [{\"pagePath\": \"pages/index/index\", \"text\": \"A\"}, {\"pagePath\": \"packageA/pages/cat/cat\", \"text\": \"B\"}]},\n  \"preloadRule\": {",
    );
    assert_eq!(
        refused(&tabs),
        "app.json:7:84: tab page `packageA/pages/cat/cat` is in subpackage `packageA`: a tab bar's pages must be in the main package, as on WeChat"
    );
}

#[test]
fn pages_past_the_apps_limit_are_refused_at_the_first_one_over_before_the_rest_are_read() {
    // 2 main pages, 254 in packageA: the app's 256. packageB's first page
    // is the 257th, refused at its place (before: all 5,000 were read, each
    // against every one before it, then refused at `subPackages`).
    let a: Vec<String> = (0..254).map(|i| format!("\"a{i}\"")).collect();
    let b: Vec<String> = (0..5_000).map(|i| format!("\"b{i}\"")).collect();
    let text = format!(
        "{{\"pages\": [\"pages/index/index\", \"pages/cart/cart\"],\n\"subPackages\": [\n\
         {{\"root\": \"packageA\", \"pages\": [{}]}},\n{{\"root\": \"packageB\", \"pages\": [{}]}}]}}",
        a.join(","),
        b.join(",")
    );
    assert_eq!(
        refused(&text),
        "app.json:4:32: page `packageB/b0` is over the app's limit of 256 pages (its own and its subpackages')"
    );
    let fits = text
        .replace(&format!(",{}", b[1..].join(",")), "")
        .replace(",\"a253\"", "");
    assert_eq!(
        AppConfig::parse(&fits).unwrap().routes().unwrap().len(),
        256
    );
}
