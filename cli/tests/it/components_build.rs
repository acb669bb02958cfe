//! `miniapp build` checks a crate's custom components before cargo runs:
//! each mistake exits 2 at its `file:line:col` and nothing is compiled.

use crate::pages::{app, refused_build};

/// A page using a card component declared in its json.
const CARD: &[(&str, &str)] = &[
    (
        "pages/index.json",
        r#"{"usingComponents": {"my-card": "../components/card/card"}}"#,
    ),
    ("components/card/card.json", r#"{"component": true}"#),
    (
        "components/card/card.wxml",
        r#"<view class="title"><slot name="title"/></view>"#,
    ),
];

/// `CARD` with `page` as the index template and `more` files.
fn refused(page: &str, more: &[(&str, &str)]) -> String {
    let mut files = CARD.to_vec();
    files.push(("pages/index.wxml", page));
    files.extend_from_slice(more);
    refused_build(r#"["index"]"#, &files)
}

#[test]
fn each_component_mistake_fails_the_build_at_its_place_before_cargo() {
    let err = refused("<view>\n  <my-crad/>\n</view>", &[]);
    assert!(
        err.contains("pages/index.wxml:2:4: unknown component `<my-crad>`")
            && err.contains("(did you mean `my-card`?)"),
        "{err}"
    );
    let err = refused(r#"<my-card><text slot="head"/></my-card>"#, &[]);
    assert!(
        err.contains(
            "pages/index.wxml:1:10: `<my-card>` has no slot named `head` (it has `title`)"
        ),
        "{err}"
    );
    let err = refused(
        "<my-card/>",
        &[("components/card/card.json", r#"{"component": false}"#)],
    );
    assert!(
        err.contains(
            "components/card/card.json:1:1: a component's json must say `\"component\": true`"
        ),
        "{err}"
    );
    let err = refused(
        "<my-card/>",
        &[(
            "pages/index.json",
            r#"{"usingComponents": {"my-card": "./missing"}}"#,
        )],
    );
    assert!(
        err.contains(
            "pages/index.json:1:33: `./missing`: no component there (looked for \
             pages/missing.json and pages/missing/index.json)"
        ),
        "{err}"
    );
}

#[test]
fn nothing_is_compiled_when_a_component_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = CARD.to_vec();
    files.push(("pages/index.wxml", "<my-crad/>"));
    let crate_dir = app(dir.path(), r#"["index"]"#, &files);
    let out = crate::cli::miniapp(&["build", &crate_dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!std::path::Path::new(&crate_dir).join("target").exists());
}

#[test]
fn a_tag_selector_in_a_components_stylesheet_is_a_build_warning_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = CARD.to_vec();
    files.push(("pages/index.wxml", "<my-card/>"));
    files.push((
        "components/card/card.wxss",
        ".title { color: red }\nview { margin: 0 }",
    ));
    let crate_dir = app(dir.path(), r#"["index"]"#, &files);
    let out = crate::cli::miniapp(&["build", &crate_dir]);
    let err = crate::cli::stderr(&out);
    assert!(
        err.contains(
            "warning: components/card/card.wxss:2:1: tag selector `view` in a component's \
             stylesheet: it is not scoped to the component and reaches the whole page (WeChat \
             forbids it there); use a class"
        ),
        "{err}"
    );
    // The check passed: cargo ran (and failed on this crate's bare Cargo.toml).
    assert_eq!(out.status.code(), Some(1), "{err}");
}
