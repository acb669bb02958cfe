//! Typed pages: `miniapp build` reads a crate's `#[page]` impls from its
//! sources and refuses, before cargo runs, a template binding a handler
//! its page lacks, at the binding's `file:line:col`.

use crate::cli::{miniapp, stderr};
use crate::pages::app;

/// A typed page `index` with handlers `add` and `remove` (`clear-done`
/// bound by name), exported.
const LIB: &str = r#"
use miniapp_sdk::{App, Result, Tap, page};

#[derive(Default)]
struct Shop;
impl App for Shop {}

#[derive(Default)]
struct Index;

#[page("index")]
impl Index {
    #[handler]
    fn add(&mut self, _tap: Tap) -> Result<()> { Ok(()) }
    #[handler]
    fn remove(&mut self) -> Result<()> { Ok(()) }
    #[handler("clear-done")]
    fn clear_done(&mut self) -> Result<()> { Ok(()) }
}

miniapp_sdk::export_app!(Shop, pages = [Index]);
"#;

/// `miniapp build` of a crate declaring page `index` with `lib` as its
/// `src/lib.rs` and `files`, which must exit 2 before cargo ran (no
/// `target/` written): its stderr.
fn refused_before_cargo(lib: &str, files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut files = files.to_vec();
    files.push(("src/lib.rs", lib));
    let crate_dir = app(dir.path(), r#"["index"]"#, &files);
    let out = miniapp(&["build", &crate_dir]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // cargo never ran: nothing was compiled.
    assert!(!std::path::Path::new(&crate_dir).join("target").exists());
    err
}

#[test]
fn a_misspelled_handler_exits_2_at_its_binding_before_cargo_runs() {
    let page = "<view>\n  <button bindtap=\"add\">+</button>\n  <button catchtap=\"ad\">+</button>\n  \
                <button bindtap=\"clear-done\">x</button>\n  <view bindlongpress=\"refresh\"/>\n</view>\n";
    let err = refused_before_cargo(LIB, &[("pages/index.wxml", page)]);
    assert!(
        err.contains("pages/index.wxml:3:3: no handler `ad` on page `index` (did you mean `add`?)"),
        "{err}"
    );
    // No near name: no guess.
    assert!(
        err.contains("pages/index.wxml:5:3: no handler `refresh` on page `index`;")
            || err
                .trim_end()
                .ends_with("pages/index.wxml:5:3: no handler `refresh` on page `index`"),
        "{err}"
    );
    assert!(
        !err.contains("`add` on page") && !err.contains("clear-done"),
        "{err}"
    );
}

#[test]
fn a_handler_in_an_included_file_is_checked_at_its_own_place() {
    let err = refused_before_cargo(
        LIB,
        &[
            ("pages/index.wxml", "<include src=\"row.wxml\"/>\n"),
            (
                "pages/row.wxml",
                "<view>\n  <text bindtap=\"remvoe\">-</text>\n</view>\n",
            ),
        ],
    );
    assert!(
        err.contains(
            "pages/row.wxml:2:3: no handler `remvoe` on page `index` (did you mean `remove`?)"
        ),
        "{err}"
    );
}

#[test]
fn a_typed_page_naming_a_route_the_app_lacks_exits_2_at_the_route() {
    let lib = LIB.replace("#[page(\"index\")]", "#[page(\"indx\")]");
    let err = refused_before_cargo(&lib, &[("pages/index.wxml", "<view bindtap=\"add\"/>")]);
    assert!(
        err.contains(
            "src/lib.rs:11:8: #[page(\"indx\")] names no page of the app (did you mean `index`?)"
        ),
        "{err}"
    );
}
