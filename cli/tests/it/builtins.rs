//! The built-in components' documented attributes from a real guest page,
//! and the build's warning for one WeChat does not document.

use crate::cli::{assert_ok, crate_with, miniapp, package, stderr, stdout};

/// The layout example's `attributes` page uses attributes and tags refused
/// before (`cursor-spacing`, `scroll-with-animation`, `aria-label`, `span`,
/// `i`, `a`...): it builds, and renders with the drawn ones in the HTML and
/// the rest kept out of it.
#[test]
fn a_page_with_documented_attributes_builds_and_renders() {
    let layout = package("layout");
    let out = miniapp(&["render", &layout, "--page", "attributes", "--data", "{}"]);
    assert_ok(&out, "render attributes");
    let html = stdout(&out);
    for drawn in [
        "data-mp=\"scroll-view\" id=\"fruit\" style=\"height:80px\" \
         data-scroll-into-view=\"plums\" data-scroll-with-animation=\"\" aria-label=\"Fruit\"",
        "id=\"numbers\" style=\"height:40px\" data-scroll-top=\"30\"",
        "placeholder=\"A note\" aria-label=\"Note\"",
        "id=\"long\" data-auto-height=\"\" data-focus=\"\"",
        "data-mp=\"label\" id=\"agree-label\" for=\"agree\"",
        "data-mp=\"button\" id=\"share\" data-hover-start-time=\"20\" aria-hidden=\"true\"",
        "data-mp=\"span\"",
        "<i data-nid=",
        "data-mp=\"a\"",
        "id=\"press\" data-hover-class=\"pressed down\" data-hover-start-time=\"0\" \
         data-hover-stay-time=\"100\" data-hover-stop-propagation=\"\"",
    ] {
        assert!(html.contains(drawn), "no {drawn:?} in {html}");
    }
    for kept_out in ["cursor-spacing", "enable-back-to-top", "open-type", "href"] {
        assert!(!html.contains(kept_out), "{kept_out} in {html}");
    }
}

/// An attribute WeChat does not document is a warning at its place with the
/// closest documented name, printed before cargo runs (here cargo then
/// fails on purpose, so no compile is waited for).
#[test]
fn build_warns_of_an_undocumented_attribute_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate_with(
        dir.path(),
        "typo",
        "compile_error!(\"stop\");\n",
        "<view>\n  <input cursor-spacng=\"20\"/>\n</view>\n",
    );
    let out = miniapp(&["build", app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let mut lines = err.lines();
    assert_eq!(
        lines.next(),
        Some(
            "miniapp: warning: pages/index.wxml:2:10: unknown attribute `cursor-spacng` on \
             `<input>` (WeChat does not document it there; it is dropped); did you mean \
             `cursor-spacing`?"
        ),
        "{err}"
    );
    assert!(
        lines.next().unwrap().starts_with("miniapp: compiling typo"),
        "{err}"
    );
}
