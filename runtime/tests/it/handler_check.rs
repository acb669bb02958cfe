//! The one check of the handlers a template binds, against the app's meta
//! (`Views::with_meta`): at `miniapp build` (with the meta its sources
//! give) and at load (with the `miniapp:meta` section of the component),
//! through the files a template includes and the templates it imports, so
//! a package built without the build's scan (a raw guest) is held to it
//! too. Each problem at `file:line:col`.

use std::collections::BTreeMap;

use miniapp_config::Meta;
use miniapp_runtime::{Package, Policy, Providers};

use crate::common::{example, repacked, runtime};

/// The raw components example with `files` added (or replaced).
fn raw_with(files: &[(&str, &str)]) -> Package {
    let raw = example("components-raw");
    let mut assets: BTreeMap<String, Vec<u8>> = raw.assets.clone();
    for (path, text) in files {
        assets.insert((*path).into(), text.as_bytes().to_vec());
    }
    repacked(&raw, raw.manifest.clone(), assets)
}

/// Why loading `package` is refused.
fn refusal(package: Package) -> String {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    rt.load(package).err().expect("refused").to_string()
}

#[test]
fn a_raw_guests_page_including_a_file_that_binds_a_missing_handler_is_refused_at_load() {
    let plain =
        "<view>\n  <button bindtap=\"say\">say</button>\n  <include src=\"row.wxml\"/>\n</view>\n";
    let row = "<view>\n  <text bindtap=\"sayy\">-</text>\n</view>\n";
    let err = refusal(raw_with(&[
        ("pages/plain.wxml", plain),
        ("pages/row.wxml", row),
    ]));
    assert!(
        err.contains("pages/row.wxml:2:3: no handler `sayy` on page `plain` (did you mean `say`?)"),
        "{err}"
    );
    // The same file included by the page whose handler it names loads.
    let good = row.replace("sayy", "say");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let package = raw_with(&[("pages/plain.wxml", plain), ("pages/row.wxml", &good)]);
    assert!(rt.load(package).is_ok());
}

#[test]
fn a_components_include_and_its_imported_templates_are_held_to_its_handlers() {
    let counter = "<import src=\"./parts.wxml\"/>\n<view>{{clicks}}</view>\n\
                   <template is=\"part\"/>\n<include src=\"./more.wxml\"/>\n";
    let parts =
        "<template name=\"part\">\n  <button bindtap=\"incremnt\">+</button>\n</template>\n";
    let more =
        "<view>\n  <view>\n    <button catchtap=\"latr\">later</button>\n  </view>\n</view>\n";
    let err = refusal(raw_with(&[
        ("components/counter/counter.wxml", counter),
        ("components/counter/parts.wxml", parts),
        ("components/counter/more.wxml", more),
    ]));
    for problem in [
        "components/counter/parts.wxml:2:3: no handler `incremnt` on component \
         `components/counter/counter` (did you mean `increment`?)",
        "components/counter/more.wxml:3:5: no handler `latr` on component \
         `components/counter/counter` (did you mean `later`?)",
    ] {
        assert!(err.contains(problem), "{problem}\n{err}");
    }
}

#[test]
fn handlers_of_imported_templates_and_includes_are_the_pages() {
    // Moved from the build's scan, which checked this before the view
    // check followed includes and imports: the same one problem.
    let raw = example("components-raw");
    let mut manifest = raw.manifest.clone();
    manifest.pages = vec!["cart/cart".into()];
    let assets: BTreeMap<String, Vec<u8>> = [
        (
            "pages/cart/cart.wxml",
            "<import src=\"/common/rows.wxml\"/>\n<template is=\"row\"/>\n<button bindtap=\"pay\"/>",
        ),
        (
            "common/rows.wxml",
            "<template name=\"row\">\n  <view bindtap=\"cleer-all\"/>\n</template>",
        ),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
    .collect();
    let package = repacked(&raw, manifest, assets);
    let meta = Meta::parse(
        br#"{"version": 1, "pages": {"cart/cart": {"handlers": ["pay", "clear-all"]}}}"#,
    )
    .unwrap();
    let quotas = miniapp_config::Quotas::default();
    let err = miniapp_runtime::platform::views::check(&package.manifest, &package.assets, &quotas)
        .unwrap()
        .with_meta(Some(&meta))
        .unwrap_err();
    match err {
        miniapp_runtime::platform::views::ViewError::Templates { problems, more } => {
            assert_eq!(
                problems,
                [
                    "common/rows.wxml:2:3: no handler `cleer-all` on page `cart/cart` (did you mean `clear-all`?)"
                ]
            );
            assert_eq!(more, 0);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_file_a_page_includes_is_held_to_its_handlers_when_another_include_imports_it_first() {
    // The walk took row.wxml as seen once a.wxml's import had read its
    // templates, so the page's own include of it (its nodes) was skipped.
    let plain = "<view>\n  <button bindtap=\"say\">say</button>\n  <include src=\"row.wxml\"/>\n  \
                 <include src=\"a.wxml\"/>\n</view>\n";
    let a = "<import src=\"row.wxml\"/>\n<view/>\n";
    let row = "<view>\n  <text bindtap=\"sayy\">-</text>\n</view>\n";
    let err = refusal(raw_with(&[
        ("pages/plain.wxml", plain),
        ("pages/a.wxml", a),
        ("pages/row.wxml", row),
    ]));
    assert!(
        err.contains("pages/row.wxml:2:3: no handler `sayy` on page `plain` (did you mean `say`?)"),
        "{err}"
    );
}

#[test]
fn a_template_nothing_draws_is_not_held_to_the_pages_handlers() {
    // A shared library of templates: the page draws `buy` (its handler
    // `say` is the page's), never `share`, whose `sharee` no page has; on
    // WeChat an unused template binds nothing. A template that draws
    // another (`buy` draws `price`) holds that one to the page too, and a
    // computed `is` may draw any.
    let plain = "<import src=\"lib.wxml\"/>\n<view>\n  <button bindtap=\"say\">say</button>\n  \
                 <template is=\"buy\"/>\n</view>\n";
    let lib = "<template name=\"buy\">\n  <text bindtap=\"say\">buy</text>\n  \
               <template is=\"price\"/>\n</template>\n\
               <template name=\"price\">\n  <text bindtap=\"sayy\">1</text>\n</template>\n\
               <template name=\"share\">\n  <text bindtap=\"sharee\">share</text>\n</template>\n";
    let err = refusal(raw_with(&[
        ("pages/plain.wxml", plain),
        ("pages/lib.wxml", lib),
    ]));
    assert!(
        err.contains("pages/lib.wxml:6:3: no handler `sayy` on page `plain` (did you mean `say`?)")
            && !err.contains("sharee"),
        "{err}"
    );
    let lib = lib.replace("sayy", "say");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let package = raw_with(&[("pages/plain.wxml", plain), ("pages/lib.wxml", &lib)]);
    assert!(
        rt.load(package)
            .map(drop)
            .map_err(|e| e.to_string())
            .is_ok()
    );
    let computed = plain.replace("is=\"buy\"", "is=\"{{kind}}\"");
    let err = refusal(raw_with(&[
        ("pages/plain.wxml", &computed),
        ("pages/lib.wxml", &lib),
    ]));
    assert!(
        err.contains("pages/lib.wxml:9:3: no handler `sharee` on page `plain`"),
        "{err}"
    );
}
