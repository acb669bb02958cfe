//! `<rich-text>` in a real guest: the article example's body (HTML-like
//! text) and notes (a node tree) drawn as WeChat's allowed elements, with
//! what WeChat drops kept out of the page, and a tap on the body reaching
//! its handler.

use serde_json::Value;

use crate::cli::{run_fresh, stderr, stdout};

#[test]
fn run_draws_rich_text_nodes_as_allowed_elements_only() {
    let out = run_fresh("article", &["--json", "--event", "index:read"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps: Vec<Value> = (stdout(&out).lines())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(steps[1]["step"], "event index:read");
    assert_eq!(steps[1]["data"]["reads"], 1);
    let html = steps[1]["html"].as_str().unwrap();
    for drawn in [
        "<h2 data-nid=\"3\" data-mp=\"rich-text/h2\" class=\"lead\"><span data-nid=\"4\">Spring menu</span></h2>",
        "<p data-nid=\"6\" data-mp=\"rich-text/p\" style=\"color:#333\">",
        "<b data-nid=\"8\" data-mp=\"rich-text/b\"><span data-nid=\"9\">peas</span></b>",
        "<span data-nid=\"10\"> &amp; </span>",
        "<a data-nid=\"17\" data-mp=\"rich-text/a\"><span data-nid=\"18\">More</span></a>",
        "<img data-nid=\"20\" data-mp=\"rich-text/img\" alt=\"tracker\">",
        "<ul data-nid=\"",
        "<span data-nid=\"24\">Serves\u{a0}\u{a0}2</span>",
        "Read 1 times",
    ] {
        assert!(html.contains(drawn), "no {drawn:?} in {html}");
    }
    for dropped in [
        "script",
        "onclick",
        "onmouseover",
        "href",
        "javascript",
        "evil",
        "iframe",
        "url(",
    ] {
        assert!(!html.contains(dropped), "{dropped} in {html}");
    }
}
