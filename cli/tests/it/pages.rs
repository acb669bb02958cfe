//! Pages and their templates stay together: `miniapp build` checks a
//! crate's templates and styles as load does, before it compiles anything.

use std::path::Path;

use crate::cli::{miniapp, stderr};

/// A crate in `dir` declaring `pages` (none if empty), with `files` (path,
/// text) beside its manifest. Its Rust is never compiled: the check comes
/// first (cargo would fail on its Cargo.toml, exiting 1).
pub(crate) fn app(dir: &Path, pages: &str, files: &[(&str, &str)]) -> String {
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("pages")).unwrap();
    std::fs::write(app.join("Cargo.toml"), "[package]\nname = \"app\"\n").unwrap();
    let pages = match pages {
        "" => String::new(),
        pages => format!("pages = {pages}\n"),
    };
    let manifest = format!("id = \"dev.pages\"\nname = \"P\"\nversion = \"1.0.0\"\n{pages}");
    std::fs::write(app.join("miniapp.toml"), manifest).unwrap();
    for (path, text) in files {
        let path = app.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    app.to_str().unwrap().to_string()
}

/// `miniapp build` of a crate declaring `pages` with `files` (see [`app`]),
/// which must exit 2 with one error line: that line.
pub(crate) fn refused_build(pages: &str, files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = miniapp(&["build", &app(dir.path(), pages, files)]);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

#[test]
fn a_broken_template_fails_the_build_at_its_file_line_and_column() {
    let err = refused_build(
        r#"["index"]"#,
        &[("pages/index.wxml", "<view>\n  <marquee/>\n</view>\n")],
    );
    assert!(
        err.contains("pages/index.wxml:2:4: unknown component `<marquee>`"),
        "{err}"
    );
}

#[test]
fn a_broken_stylesheet_fails_the_build_at_its_file_line_and_column() {
    let err = refused_build(
        r#"["index"]"#,
        &[
            ("pages/index.wxml", "<view/>"),
            ("app.wxss", ".a {\n  behavior: url(x.htc) }\n"),
        ],
    );
    assert!(
        err.contains("app.wxss:2:3: property `behavior` is not allowed"),
        "{err}"
    );
}

#[test]
fn a_declared_page_without_a_template_fails_the_build_naming_the_file() {
    let err = refused_build(r#"["index", "detail"]"#, &[("pages/index.wxml", "<view/>")]);
    assert!(
        err.ends_with("app: page `detail` is declared but has no template pages/detail.wxml\n"),
        "{err}"
    );
}

#[test]
fn a_wechat_page_path_fails_the_build_saying_what_to_write() {
    let err = refused_build(
        r#"["pages/index/index"]"#,
        &[("pages/index/index.wxml", "<view/>")],
    );
    assert!(
        err.contains(
            "page `pages/index/index`: write `index/index` (a route leaves out `pages/`); \
             its template stays at pages/index/index.wxml"
        ),
        "{err}"
    );
}
