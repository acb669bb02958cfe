//! Packages, manifests and components are checked before anything runs.

use miniapp_runtime::package::PackageError;
use miniapp_runtime::{Error, Manifest, Package, PackageLimits, Policy, Providers};

use crate::common::{example, repacked, runtime};

/// Why the runtime refuses to load a package of `manifest`, `component`
/// and `assets` (it must refuse it).
fn refused_at_load(
    manifest: Manifest,
    component: Vec<u8>,
    assets: std::collections::BTreeMap<String, Vec<u8>>,
) -> Error {
    let package = Package::new(manifest, component, assets, &PackageLimits::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    rt.load(package).err().expect("refused")
}

#[test]
fn a_component_importing_an_undeclared_capability_is_refused() {
    // The todo component imports storage; a manifest without `storage` is refused.
    let todo = example("todo");
    let manifest = Manifest {
        permissions: Default::default(),
        ..todo.manifest.clone()
    };
    let err = refused_at_load(manifest, todo.component, todo.assets);
    assert!(err.is_bad_input());
    assert_eq!(
        err.to_string(),
        "app `demo.todo` refused: it imports `miniapp:host/storage@0.2.0` but its manifest does not declare the `storage` permission"
    );
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let hello = example("hello");
    let err = refused_at_load(hello.manifest, b"\0asm\x01\0\0\0".to_vec(), hello.assets);
    assert!(
        err.to_string().starts_with(
            "app `demo.hello` refused: its component is not a valid WebAssembly component"
        ),
        "{err}"
    );
}

#[test]
fn a_corrupted_package_file_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.miniapp");
    let mut bytes = example("hello").to_bytes().unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let rt = runtime(
        &dir.path().join("data"),
        Policy::default(),
        Providers::default(),
    );
    let err = rt.load_file(&path).err().expect("refused");
    assert!(matches!(
        err,
        Error::Package {
            source: PackageError::HashMismatch { .. },
            ..
        }
    ));
    assert!(err.to_string().starts_with(&format!(
        "package {}: content hash mismatch",
        path.display()
    )));
}

#[test]
fn an_oversized_package_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.miniapp");
    example("hello").write(&path).unwrap();
    let rt = miniapp_runtime::Runtime::builder(dir.path().join("data"))
        .package_limits(PackageLimits {
            total_bytes: 1000,
            component_bytes: 1000,
            ..PackageLimits::default()
        })
        .build()
        .unwrap();
    let err = rt.load_file(&path).err().expect("refused");
    assert!(
        err.to_string().contains("over the limit of 1000 bytes"),
        "{err}"
    );
}

#[test]
fn a_launch_on_an_undeclared_page_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let app = rt.load(example("hello")).unwrap();
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let err = tokio
        .block_on(app.launch(miniapp_runtime::LaunchOptions {
            path: Some("settings".into()),
            ..Default::default()
        }))
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "app `demo.hello`: page `settings` is not declared in the manifest of app `demo.hello`"
    );
}

/// `example` with `pages/index.wxml` replaced by `template`.
fn with_template(name: &str, template: &str) -> Package {
    let package = example(name);
    let mut assets = package.assets.clone();
    assets.insert("pages/index.wxml".into(), template.as_bytes().to_vec());
    repacked(&package, package.manifest.clone(), assets)
}

#[test]
fn every_template_is_checked_at_load_and_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let bad = with_template(
        "todo",
        "<view>\n  <marquee/>\n  <text>{{ format(a) }}</text>\n</view>",
    );
    let err = rt.load(bad).err().expect("refused");
    assert!(matches!(err, Error::Refused { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("pages/index.wxml:2:4: unknown component `<marquee>`")
            && message.contains("pages/index.wxml:3:18: function calls are not allowed"),
        "{message}"
    );
    // The example's own template loads and renders its data.
    let app = rt.load(example("todo")).unwrap();
    let html = app
        .render_html(
            "index",
            &serde_json::json!({"todos": [{"id": 1, "title": "<milk>", "done": false}], "left": 1}),
        )
        .unwrap();
    assert!(
        html.contains("&lt;milk&gt;") && html.contains("1 left"),
        "{html}"
    );
}

#[test]
fn a_declared_page_without_its_template_is_refused_naming_the_file() {
    // Built elsewhere, without `miniapp build`'s check: load checks the same.
    let hello = example("hello");
    let mut assets = hello.assets.clone();
    assets.remove("pages/detail.wxml");
    let err = refused_at_load(hello.manifest.clone(), hello.component.clone(), assets);
    assert!(err.is_bad_input());
    assert_eq!(
        err.to_string(),
        "app `demo.hello` refused: page `detail` is declared but has no template pages/detail.wxml"
    );
}

#[test]
fn templates_import_and_include_other_files_and_a_missing_one_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let page = r#"<import src="common/row.wxml"/>
<view class="list">
  <template wx:for="{{todos}}" is="row" data="{{...item}}"/>
  <include src="/pages/common/footer"/>
</view>"#;
    let base = with_template("todo", page);
    let mut assets = base.assets.clone();
    assets.insert(
        "pages/common/row.wxml".into(),
        br#"<template name="row"><view class="row">{{title}}</view></template>"#.to_vec(),
    );
    assets.insert(
        "pages/common/footer.wxml".into(),
        b"<view class=\"footer\">{{left}} left</view>".to_vec(),
    );
    let with = |assets| repacked(&base, base.manifest.clone(), assets);
    let app = rt.load(with(assets.clone())).unwrap();
    let data = serde_json::json!({"todos": [{"title": "milk"}, {"title": "eggs"}], "left": 2});
    let html = app.render_html("index", &data).unwrap();
    for part in [">milk<", ">eggs<", "class=\"footer\"", ">2 left<"] {
        assert!(html.contains(part), "{part} in {html}");
    }
    // An include of a file the package does not have is refused at load.
    assets.remove("pages/common/footer.wxml");
    let err = rt.load(with(assets.clone())).err().expect("refused");
    assert!(
        err.to_string().contains(
            "pages/index.wxml:4:3: <include src=\"/pages/common/footer\">: no such template in the package"
        ),
        "{err}"
    );
    // And so is an import.
    assets.remove("pages/common/row.wxml");
    let err = rt.load(with(assets)).err().expect("refused");
    assert!(
        err.to_string()
            .contains("pages/index.wxml: <import src=\"common/row\">: no such template"),
        "{err}"
    );
}

#[test]
fn app_json_and_page_json_are_checked_at_load_and_give_each_page_its_window() {
    // Built elsewhere, without `miniapp build`'s check: load checks the same.
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let hello = example("hello");
    let app = rt
        .load(repacked(
            &hello,
            hello.manifest.clone(),
            hello.assets.clone(),
        ))
        .unwrap();
    let title = |route: &str| app.window(route).navigation_bar_title_text;
    assert_eq!(title("index").as_deref(), Some("Hello"));
    assert_eq!(title("detail").as_deref(), Some("Detail"));
    assert_eq!(
        app.window("detail")
            .navigation_bar_background_color
            .as_deref(),
        Some("#ededed")
    );
    for (file, text, refusal) in [
        (
            "app.json",
            "{\"workers\": \"w\"}",
            "app.json:1:2: `workers` is not supported yet",
        ),
        (
            "app.json",
            r#"{"tabBar": {"list": [{"pagePath": "pages/index", "text": "A"}, {"pagePath": "pages/cart", "text": "B"}]}}"#,
            "app.json:1:77: tab page `pages/cart` is not a page of the app (its pages: pages/index, pages/detail)",
        ),
        (
            "app.json",
            r#"{"tabBar": {"list": [{"pagePath": "pages/index", "text": "A", "iconPath": "i.png"}, {"pagePath": "pages/detail", "text": "B"}]}}"#,
            "app.json:1:75: `iconPath` `i.png` is not in the package (put it in assets/i.png)",
        ),
        (
            "pages/detail.json",
            "{\n\"navigationBarTextStyle\": \"grey\"}",
            "pages/detail.json:2:27: `navigationBarTextStyle` must be `black` or `white`, not `grey`",
        ),
        (
            "app.json",
            "{\"pages\": [\"pages/detail\", \"pages/index\"]}",
            "app.json:1:12: pages[0] is `pages/detail` but miniapp.toml's pages[0] is `index`",
        ),
    ] {
        let mut assets = hello.assets.clone();
        assets.insert(file.into(), text.as_bytes().to_vec());
        let err = refused_at_load(hello.manifest.clone(), hello.component.clone(), assets);
        assert!(err.is_bad_input());
        assert!(
            err.to_string()
                .starts_with(&format!("app `demo.hello` refused: {refusal}")),
            "{err}"
        );
    }
}
