//! Custom components in a package, checked at load: `usingComponents`
//! resolved from app.json, a page's json and a component's own json; each
//! tag declared, each `slot="x"` a slot of its component, no `<slot>` in a
//! page; component styles scoped to the component; a page renders its
//! components. Each refusal at its `file:line:col`.

use std::collections::BTreeMap;

use miniapp_runtime::{Package, Policy, Providers};

use crate::common::{example, repacked, runtime};

/// The todo example with its index page replaced by `page` and the files
/// `files` added (or replaced).
fn package(page: &str, files: &[(&str, &str)]) -> Package {
    let todo = example("todo");
    let mut assets: BTreeMap<String, Vec<u8>> = todo.assets.clone();
    assets.insert("pages/index.wxml".into(), page.as_bytes().to_vec());
    for (path, text) in files {
        assets.insert((*path).into(), text.as_bytes().to_vec());
    }
    repacked(&todo, todo.manifest.clone(), assets)
}

/// A card component (a title slot and a default one), declared app-wide.
const CARD: &[(&str, &str)] = &[
    (
        "app.json",
        r#"{"usingComponents": {"my-card": "/components/card/card"}}"#,
    ),
    (
        "components/card/card.json",
        r#"{"component": true, "usingComponents": {"card-row": "./row/row"}}"#,
    ),
    (
        "components/card/card.wxml",
        r#"<view class="title"><slot name="title"/></view><card-row/><slot/>"#,
    ),
    ("components/card/card.wxss", ".title { color: red; }"),
    (
        "components/card/row/row/index.json",
        r#"{"component": true}"#,
    ),
    (
        "components/card/row/row/index.wxml",
        r#"<text class="row">row</text>"#,
    ),
];

/// `page` with `files` as the package check makes it (what load keeps),
/// rendered against `data` as the runtime renders a page with no instance
/// data yet: its HTML and stylesheet, or the render's error.
fn rendered(
    page: &str,
    files: &[(&str, &str)],
    data: serde_json::Value,
) -> Result<(String, String), String> {
    use miniapp_view::render::{Context, RenderLimits, render};
    let package = package(page, files);
    let quotas = miniapp_config::Quotas::default();
    let views =
        miniapp_runtime::platform::views::check(&package.manifest, &package.assets, &quotas)
            .map_err(|e| e.to_string())?;
    let limits = RenderLimits {
        component_depth: quotas.view_component_depth as usize,
        ..RenderLimits::default()
    };
    let context = Context {
        components: &views.components.definitions,
        using: &views.components.pages["index"],
        ..Context::new(&views.templates, &[], limits)
    };
    let tree =
        render(&views.templates["pages/index.wxml"], &data, &context).map_err(|e| e.to_string())?;
    let style = views.styles.get("index").cloned().unwrap_or_default();
    Ok((miniapp_view::html::to_html(&tree), style))
}

/// Why loading `page` with `CARD` and `more` is refused.
fn refusal(page: &str, more: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let files: Vec<_> = CARD.iter().chain(more).copied().collect();
    rt.load(package(page, &files))
        .err()
        .expect("refused")
        .to_string()
}

#[test]
fn a_page_renders_the_components_app_json_declares_with_their_styles_scoped() {
    let page =
        r#"<my-card class="big"><text slot="title">{{name}}</text><text>body</text></my-card>"#;
    let (html, style) = rendered(page, CARD, serde_json::json!({"name": "Ada"})).unwrap();
    assert_eq!(
        html,
        r#"<span data-nid="1" data-mp="my-card" data-mpc="1:1" class="big c-components_card_card--"><div data-nid="2" data-mp="view" class="c-components_card_card--title"><span data-nid="3" data-mp="text"><span data-nid="4">Ada</span></span></div><span data-nid="5" data-mp="card-row" data-mpc="1:1/1:48" class="c-components_card_row_row_index--"><span data-nid="6" data-mp="text" class="c-components_card_row_row_index--row"><span data-nid="7">row</span></span></span><span data-nid="8" data-mp="text"><span data-nid="9">body</span></span></span>"#
    );
    assert!(
        style.contains(".c-components_card_card--title{color:red}"),
        "{style}"
    );
    // Each definition keeps its own scoped stylesheet.
    let package = package(page, CARD);
    let quotas = miniapp_config::Quotas::default();
    let views =
        miniapp_runtime::platform::views::check(&package.manifest, &package.assets, &quotas)
            .unwrap();
    let card = &views.components.definitions["components/card/card"];
    assert_eq!(card.style, ".c-components_card_card--title{color:red}");
}

#[test]
fn an_undeclared_tag_is_refused_at_its_place_with_the_closest_declared_name() {
    let message = refusal("<view>\n  <my-crad/>\n</view>", &[]);
    assert!(
        message.contains(
            "pages/index.wxml:2:4: unknown component `<my-crad>` (not a built-in, and not \
             declared in usingComponents) (did you mean `my-card`?)"
        ),
        "{message}"
    );
    // A component's own tags are its own: the page cannot use `card-row`.
    let message = refusal("<card-row/>", &[]);
    assert!(
        message.contains("pages/index.wxml:1:2: unknown component `<card-row>`"),
        "{message}"
    );
}

#[test]
fn a_declaration_naming_no_component_is_refused_at_its_place() {
    let json = "{\n  \"usingComponents\": {\"my-list\": \"../widgets/list\"}\n}";
    let message = refusal("<my-list/>", &[("pages/index.json", json)]);
    assert!(
        message.contains(
            "pages/index.json:2:34: `../widgets/list`: no component there (looked for \
             widgets/list.json and widgets/list/index.json)"
        ),
        "{message}"
    );
    let message = refusal(
        "<my-card/>",
        &[("components/card/card.json", r#"{"usingComponents": {}}"#)],
    );
    assert!(
        message.contains(
            "components/card/card.json:1:1: a component's json must say `\"component\": true`"
        ),
        "{message}"
    );
    let message = refusal(
        "<my-card/>",
        &[(
            "app.json",
            r#"{"usingComponents": {"view": "/components/card/card"}}"#,
        )],
    );
    assert!(
        message.contains("app.json:1:30: `view` is a built-in component's name"),
        "{message}"
    );
}

#[test]
fn slots_are_checked_against_the_components_template() {
    let message = refusal(r#"<my-card><text slot="titel">x</text></my-card>"#, &[]);
    assert!(
        message.contains(
            "pages/index.wxml:1:10: `<my-card>` has no slot named `titel` (it has `title`)"
        ),
        "{message}"
    );
    let message = refusal("<view><slot/></view>", &[]);
    assert!(
        message.contains(
            "pages/index.wxml:1:7: `<slot>` belongs in a component's template, not a page's"
        ),
        "{message}"
    );
}

#[test]
fn two_components_whose_class_scopes_would_be_one_are_refused() {
    // `components/card/card` and `components/card_card` both scope as
    // `c-components_card_card--`: each one's `.title` would style the
    // other's elements.
    let message = refusal(
        "<my-card/><my-other/>",
        &[
            (
                "app.json",
                r#"{"usingComponents": {"my-card": "/components/card/card", "my-other": "/components/card_card"}}"#,
            ),
            ("components/card_card.json", r#"{"component": true}"#),
            ("components/card_card.wxml", r#"<view class="title"/>"#),
            ("components/card_card.wxss", ".title { color: blue; }"),
        ],
    );
    assert!(
        message.contains("its class scope `c-components_card_card--` is also component"),
        "{message}"
    );
    assert!(message.contains("rename one of them"), "{message}");
}

/// A stylesheet of 250,000 bytes: 19,231 one-class rules.
fn big_sheet() -> String {
    ".a{color:red}".repeat(250_000 / 13)
}

#[test]
fn the_components_stylesheets_are_bounded_together() {
    // Four components each importing the big sheet twice: each compiles
    // under a sheet's 1 MiB, together over 2 MiB.
    let big = big_sheet();
    let mut files = vec![
        (
            "app.json".to_string(),
            r#"{"usingComponents": {"my-card": "/components/card/card", "c-0": "/c/c0", "c-1": "/c/c1", "c-2": "/c/c2", "c-3": "/c/c3"}}"#
                .to_string(),
        ),
        ("styles/big.wxss".to_string(), big),
    ];
    for n in 0..4 {
        files.push((format!("c/c{n}.json"), r#"{"component": true}"#.into()));
        files.push((format!("c/c{n}.wxml"), "<view/>".into()));
        let imports = r#"@import "/styles/big.wxss"; @import "/styles/big.wxss";"#;
        files.push((format!("c/c{n}.wxss"), imports.into()));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let message = refusal("<c-0/>", &files);
    assert!(
        message.contains("the components' stylesheets compile to over 2097152 bytes together"),
        "{message}"
    );
}

#[test]
fn the_pages_stylesheets_are_bounded_together() {
    // app.wxss of 1,000,000 bytes, copied into each of 40 pages.
    let todo = example("todo");
    let mut assets = todo.assets.clone();
    assets.insert("styles/big.wxss".into(), big_sheet().into_bytes());
    let imports = r#"@import "/styles/big.wxss";"#.repeat(4);
    assets.insert("app.wxss".into(), imports.into_bytes());
    let mut manifest = todo.manifest.clone();
    for n in 0..40 {
        manifest.pages.push(format!("p{n}"));
        assets.insert(format!("pages/p{n}.wxml"), b"<view/>".to_vec());
    }
    let quotas = miniapp_config::Quotas::default();
    let err = miniapp_runtime::platform::views::check(&manifest, &assets, &quotas)
        .unwrap_err()
        .to_string();
    assert!(err.contains("are over 33554432 bytes together"), "{err}");
    // Ten pages are within it.
    manifest.pages.truncate(manifest.pages.len() - 30);
    miniapp_runtime::platform::views::check(&manifest, &assets, &quotas).unwrap();
}

#[test]
fn a_component_may_use_itself_and_the_render_bounds_the_nesting() {
    let tree = [
        (
            "pages/index.json",
            r#"{"usingComponents": {"my-tree": "/components/tree/tree"}}"#,
        ),
        (
            "components/tree/tree.json",
            r#"{"component": true, "usingComponents": {"my-tree": "./tree"}}"#,
        ),
        ("components/tree/tree.wxml", "<view><my-tree/></view>"),
    ];
    let err = rendered("<my-tree/>", &tree, serde_json::json!({})).unwrap_err();
    assert!(
        err.contains("render limit reached: custom components inside one another (limit 32)"),
        "{err}"
    );
}

#[test]
fn with_the_logics_meta_every_handler_and_property_is_checked() {
    use miniapp_runtime::platform::views;
    let meta = miniapp_config::Meta::parse(
        br#"{"version": 1,
            "pages": {"index": {"handlers": ["onOpen"]}},
            "components": {"components/card/card": {
                "properties": [{"name": "title", "type": "String"}],
                "handlers": ["onTitleTap"],
                "externalClasses": ["title-class"]}}}"#,
    )
    .unwrap();
    let check = |page: &str, card: &str| {
        let package = package(
            page,
            &CARD
                .iter()
                .copied()
                .chain([("components/card/card.wxml", card)])
                .collect::<Vec<_>>(),
        );
        views::check(
            &package.manifest,
            &package.assets,
            &miniapp_config::Quotas::default(),
        )
        .unwrap()
        .with_meta(Some(&meta))
        .err()
        .map(|e| e.to_string())
    };
    let card = r#"<view bindtap="onTitleTap"><slot/></view>"#;
    let good = r#"<my-card title="{{t}}" title-class="red" id="c" bind:open="onOpen"/>"#;
    assert_eq!(check(good, card), None);
    let message = check(
        r#"<my-card titel="x" bind:open="onOpn"/>"#,
        r#"<view bindtap="onTitelTap"/>"#,
    )
    .expect("refused");
    // Its meta does not set multipleSlots: a named slot shows nowhere.
    let named = check(
        r#"<my-card><text slot="title">t</text></my-card>"#,
        r#"<view><slot name="title"/></view>"#,
    )
    .expect("refused");
    assert!(
        named.contains(
            "pages/index.wxml:1:10: `<my-card>` takes no named slots (its options do not set \
             multipleSlots), so `slot=\"title\"` names no slot"
        ),
        "{named}"
    );
    for problem in [
        "pages/index.wxml:1:1: no handler `onOpn` on page `index` (did you mean `onOpen`?)",
        "pages/index.wxml:1:1: `<my-card>` has no property or external class `titel` (did you mean `title`?)",
        "components/card/card.wxml:1:1: no handler `onTitelTap` on component `components/card/card` (did you mean `onTitleTap`?)",
    ] {
        assert!(message.contains(problem), "{problem}\n{message}");
    }
}
