//! `miniapp render` with the view-containers example: every match-media
//! block is in the HTML with its conditions as `data-*` (the command has no
//! window to check them against; the simulator shows each only while its
//! window matches), and the page-container with its options and checked
//! styles.

use crate::cli::{assert_ok, miniapp, package, stdout};

#[test]
fn render_draws_each_match_media_block_with_its_conditions_and_the_sheet() {
    let containers = package("view-containers");
    let out = miniapp(&[
        "render",
        &containers,
        "--data",
        r#"{"minWidth": 640, "sheet": true}"#,
    ]);
    assert_ok(&out, "render view-containers");
    let html = stdout(&out);
    for drawn in [
        "data-mp=\"match-media\" id=\"wide\" data-min-width=\"500\"",
        "data-mp=\"match-media\" id=\"narrow\" data-max-width=\"499\"",
        "id=\"landscape\" data-orientation=\"landscape\"",
        "id=\"sized\" data-min-width=\"640\"",
        "Wide layout",
        "Narrow layout: one column",
        "At least 640px wide",
        "data-mp=\"page-container\" id=\"sheet\" data-show=\"\" data-position=\"bottom\"",
        "data-custom-style=\"padding:16px\"",
    ] {
        assert!(html.contains(drawn), "no {drawn:?} in {html}");
    }
}
