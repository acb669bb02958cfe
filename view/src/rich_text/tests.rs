use serde_json::{Value as Json, json};

use crate::html::to_html;
use crate::render::{Context, RenderError, RenderLimits, render};
use crate::testing::{bare_context, parsed, rendered};

/// The HTML of `<rich-text nodes="{{n}}">` with `n` = `nodes`, without the
/// node ids.
fn html(nodes: Json) -> String {
    let tree = rendered(r#"<rich-text nodes="{{n}}"/>"#, &json!({ "n": nodes }));
    strip_ids(&to_html(&tree))
}

fn strip_ids(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find(" data-nid=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 11..];
        rest = &after[after.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out.replace(" data-mp=\"rich-text/", " m=\"")
}

fn render_error(nodes: Json) -> RenderError {
    let template = parsed(r#"<rich-text nodes="{{n}}"/>"#);
    render(&template, &json!({ "n": nodes }), &bare_context()).unwrap_err()
}

const WRAP: &str = "<div data-mp=\"rich-text\">";

fn inner(html: &str) -> &str {
    html.strip_prefix(WRAP)
        .and_then(|h| h.strip_suffix("</div>"))
        .unwrap_or_else(|| panic!("{html}"))
}

#[test]
fn a_string_becomes_allowed_elements_and_escaped_texts() {
    let out = html(json!(
        r#"<h1 class="t" style="color: red">Hi &amp; <b>bye</b></h1><p>a<br/>b &lt;i&gt; &#x41;&#66;</p>"#
    ));
    assert_eq!(
        inner(&out),
        "<h1 m=\"h1\" class=\"t\" style=\"color:red\"><span>Hi &amp; </span><b m=\"b\"><span>bye</span></b></h1>\
         <p m=\"p\"><span>a</span><br m=\"br\"><span>b &lt;i&gt; AB</span></p>"
    );
}

#[test]
fn a_tree_becomes_the_same_elements() {
    let out = html(json!([{
        "name": "div",
        "attrs": {"class": "box", "onclick": "x()"},
        "children": [
            {"type": "text", "text": "one"},
            {"name": "IMG", "attrs": {"src": "/images/a.png", "width": "20", "height": "50%", "alt": "a"}}
        ]
    }]));
    assert_eq!(
        inner(&out),
        "<div m=\"div\" class=\"box\"><span>one</span><img m=\"img\" alt=\"a\" height=\"50%\" src=\"/images/a.png\" width=\"20\"></div>"
    );
}

#[test]
fn script_style_iframe_svg_and_unknown_tags_are_dropped_with_their_content() {
    for (hostile, kept) in [
        ("<script>alert(1)</script>ok", "ok"),
        (
            "<SCRIPT type=x>document.write('<p>x</p>')</script >ok",
            "ok",
        ),
        ("<style>p{color:red}</style>ok", "ok"),
        ("<iframe src=\"https://evil.example/\"></iframe>ok", "ok"),
        ("<svg><a>in</a><script>x</script></svg>ok", "ok"),
        ("<object data=x><p>in</p></object>ok", "ok"),
        ("<!-- <script>x</script> -->ok", "ok"),
        ("<!DOCTYPE html>ok", "ok"),
        ("<textarea><p>x</p></textarea>ok", "ok"),
    ] {
        assert_eq!(
            inner(&html(json!(hostile))),
            format!("<span>{kept}</span>"),
            "{hostile}"
        );
    }
    let tree =
        json!([{"name": "script", "children": [{"type": "text", "text": "x"}]}, {"name": "svg"}]);
    assert_eq!(inner(&html(tree)), "");
}

#[test]
fn event_attributes_and_foreign_or_script_urls_are_dropped() {
    let out = html(json!(
        "<p onclick=\"x()\" onmouseover=y id=i>a</p>\
         <img src=\"javascript:alert(1)\" onerror=\"x()\">\
         <img src=\"data:image/png;base64,AAAA\">\
         <img src=\"https://evil.example/a.png\" width=\"1e9\">\
         <a href=\"https://evil.example/\" target=_blank>l</a>\
         <p style=\"background:url(https://evil.example/)\">s</p>"
    ));
    assert_eq!(
        inner(&out),
        "<p m=\"p\"><span>a</span></p><img m=\"img\"><img m=\"img\"><img m=\"img\">\
         <a m=\"a\"><span>l</span></a><p m=\"p\"><span>s</span></p>"
    );
    let origins = ["https://cdn.example.com".to_string()];
    let template = parsed(r#"<rich-text nodes="{{n}}"/>"#);
    let context = Context {
        origins: &origins,
        ..bare_context()
    };
    let data = json!({"n": "<img src=\"https://cdn.example.com/a.png\">"});
    let tree = render(&template, &data, &context).unwrap();
    assert!(to_html(&tree).contains("src=\"https://cdn.example.com/a.png\""));
}

#[test]
fn malformed_markup_is_read_without_repairs_that_could_inject() {
    for (markup, expected) in [
        ("<b>open", "<b m=\"b\"><span>open</span></b>"),
        ("x</p>y", "<span>x</span><span>y</span>"),
        ("a < b", "<span>a </span><span>&lt;</span><span> b</span>"),
        ("<p title=\"x>y\">t</p>", "<p m=\"p\"><span>t</span></p>"),
        (
            "<b>1<i>2</b>3",
            "<b m=\"b\"><span>1</span><i m=\"i\"><span>2</span></i></b><span>3</span>",
        ),
        (
            "<p class=\"unterminated>t",
            "<span>&lt;</span><span>p class=&quot;unterminated&gt;t</span>",
        ),
        ("<p", "<span>&lt;</span><span>p</span>"),
        (
            "&unknown; &#0; &#x110000;",
            "<span>&amp;unknown; \u{fffd} \u{fffd}</span>",
        ),
    ] {
        assert_eq!(inner(&html(json!(markup))), expected, "{markup}");
    }
}

#[test]
fn space_draws_each_space_as_the_one_named() {
    let tree = rendered(
        r#"<rich-text space="{{s}}" nodes="a  b"/>"#,
        &json!({"s": "emsp"}),
    );
    assert!(to_html(&tree).contains("a\u{2003}\u{2003}b"));
    let tree = rendered(
        r#"<rich-text space="nbsp" nodes="{{n}}"/>"#,
        &json!({"n": [{"type": "text", "text": "a b"}]}),
    );
    assert!(to_html(&tree).contains("a\u{a0}b"));
}

#[test]
fn nesting_beyond_32_and_oversized_text_are_refused_naming_the_limit() {
    let deep = "<div>".repeat(33);
    assert_eq!(
        render_error(json!(deep)),
        RenderError::Limit {
            what: "rich-text nesting depth",
            limit: 32
        }
    );
    assert!(html(json!("<div>".repeat(32))).contains("<div m=\"div\">"));
    let mut tree = json!([]);
    for _ in 0..33 {
        tree = json!([{"name": "div", "children": tree}]);
    }
    assert_eq!(
        render_error(tree),
        RenderError::Limit {
            what: "rich-text nesting depth",
            limit: 32
        }
    );
    let big = "a".repeat(256 * 1024 + 1);
    assert_eq!(
        render_error(json!(big)),
        RenderError::Limit {
            what: "bytes of rich-text nodes text",
            limit: 256 * 1024
        }
    );
}

#[test]
fn nodes_count_against_the_page_node_limit() {
    let template = parsed(r#"<view><rich-text nodes="{{n}}"/></view>"#);
    let context = Context {
        limits: RenderLimits {
            nodes: 10,
            ..RenderLimits::default()
        },
        ..bare_context()
    };
    let fits = json!({"n": "<p>1</p><p>2</p><p>3</p><p>4</p>"});
    assert!(render(&template, &fits, &context).is_ok());
    let over = json!({"n": "<p>1</p><p>2</p><p>3</p><p>4</p><p>5</p>"});
    assert_eq!(
        render(&template, &over, &context).unwrap_err(),
        RenderError::Limit {
            what: "nodes per page",
            limit: 10
        }
    );
}

#[test]
fn a_malformed_tree_is_an_error_naming_the_node() {
    let problem = |nodes: Json| match render_error(nodes) {
        RenderError::Attribute { problem, .. } => problem,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        problem(json!(3)),
        "`nodes` is a number, not a string or an array of nodes"
    );
    assert_eq!(
        problem(json!([{"name": "p", "children": [7]}])),
        "`nodes[0].children[0]` is a number, not a node object"
    );
    assert_eq!(
        problem(json!([{"attrs": {}}])),
        "`nodes[0].name` is missing or not a string"
    );
    assert_eq!(
        problem(json!([{"type": "comment"}])),
        "`nodes[0].type` is `comment` (expected `node` or `text`)"
    );
    assert_eq!(html(json!(null)), format!("{WRAP}</div>"));
}

#[test]
fn rich_text_nodes_carry_no_events_so_a_tap_reaches_the_rich_text() {
    let tree = rendered(
        r#"<rich-text bindtap="onTap" nodes="<p><b>x</b></p>"/>"#,
        &json!({}),
    );
    let crate::render::VNode::Element(rich) = &tree.nodes[0] else {
        panic!()
    };
    let crate::render::VNode::Element(p) = &rich.children[0] else {
        panic!()
    };
    assert!(p.events.is_empty());
    assert_eq!(rich.events.len(), 1);
}

#[test]
fn a_client_gets_the_same_elements_as_the_html() {
    let tree = rendered(
        r#"<rich-text nodes="{{n}}"/>"#,
        &json!({"n": "<p class=\"c\" onclick=\"x\">a<img src=\"javascript:x\" alt=\"b\"></p>"}),
    );
    assert_eq!(
        serde_json::to_value(crate::dom::nodes(&tree)).unwrap(),
        json!([{"id": 1, "tag": "div", "attrs": [["data-nid", "1"], ["data-mp", "rich-text"]], "children": [
            {"id": 2, "tag": "p", "attrs": [["data-nid", "2"], ["data-mp", "rich-text/p"], ["class", "c"]], "children": [
                {"id": 3, "text": "a"},
                {"id": 4, "tag": "img", "attrs": [["data-nid", "4"], ["data-mp", "rich-text/img"], ["alt", "b"]], "children": []}
            ]}
        ]}])
    );
}

#[test]
fn tables_lists_and_bdo_keep_the_attributes_wechat_allows_them() {
    let out = html(json!(
        "<table width=\"100%\" border=\"1\"><colgroup span=\"2\" width=\"40\"></colgroup>\
         <tr><td colspan=\"2\" rowspan=\"x\" width=\"50%\" height=\"9px\">c</td></tr></table>\
         <ol start=\"3\" type=\"a\" reversed><li>x</li></ol><bdo dir=\"rtl\">r</bdo><bdo dir=\"up\">u</bdo>"
    ));
    assert_eq!(
        inner(&out),
        "<table m=\"table\" width=\"100%\"><colgroup m=\"colgroup\" span=\"2\" width=\"40\"></colgroup>\
         <tr m=\"tr\"><td m=\"td\" colspan=\"2\" width=\"50%\" height=\"9px\"><span>c</span></td></tr></table>\
         <ol m=\"ol\" start=\"3\"><li m=\"li\"><span>x</span></li></ol>\
         <bdo m=\"bdo\" dir=\"rtl\"><span>r</span></bdo><bdo m=\"bdo\"><span>u</span></bdo>"
    );
}
