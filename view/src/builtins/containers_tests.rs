//! WeChat's view containers beyond `view`: `match-media` is drawn with its
//! conditions as `data-*` for the simulator to check against the window
//! (`dev/static/match-media.js`), a bound that is not a number or an
//! orientation WeChat does not name is refused, and an undocumented
//! condition is warned of; `share-element` and `editor` stay refused,
//! saying why.

use serde_json::json;

use crate::html::to_html;
use crate::testing::{handler_or_refusal, rendered, template_errors, template_warnings};

#[test]
fn match_media_is_drawn_with_its_conditions_and_its_children() {
    let page = r#"<match-media id="m" min-width="{{w}}" max-width="900" width="600" min-height="100"
  max-height="1000" height="700" orientation="portrait"><view>Inside</view></match-media>"#;
    let html = to_html(&rendered(page, &json!({"w": 320})));
    let drawn = "data-mp=\"match-media\" id=\"m\" data-min-width=\"320\" data-max-width=\"900\" \
                 data-width=\"600\" data-min-height=\"100\" data-max-height=\"1000\" \
                 data-height=\"700\" data-orientation=\"portrait\">";
    assert!(html.contains(drawn), "{html}");
    assert!(html.contains(">Inside</span></div></div>"), "{html}");
}

#[test]
fn a_match_media_condition_of_the_wrong_kind_is_refused_and_an_unknown_one_warned() {
    assert_eq!(
        template_errors(r#"<match-media min-width="wide"/>"#),
        ["1:14: `min-width` on `<match-media>`: `wide` is not a number"]
    );
    assert_eq!(
        template_errors(r#"<match-media orientation="upright"/>"#),
        ["1:14: `orientation` on `<match-media>`: `upright` is not one of: landscape, portrait"]
    );
    let warned = template_warnings(r#"<match-media min-widht="300"/>"#);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("unknown attribute `min-widht` on `<match-media>`")
            && warned[0].ends_with("did you mean `min-width`?"),
        "{warned:?}"
    );
}

#[test]
fn share_element_and_editor_are_refused_saying_why() {
    let editor = template_errors("<editor/>");
    assert!(
        editor[0]
            .starts_with("1:2: `<editor>` is a rich-text editor driven through its EditorContext")
            && editor[0].ends_with("the host has no such API, so it is not supported yet"),
        "{editor:?}"
    );
    let shared = template_errors("<share-element/>");
    assert!(
        shared[0].contains("custom page transition; this host switches pages without transitions"),
        "{shared:?}"
    );
}

#[test]
fn page_container_is_drawn_with_its_options_and_its_styles_checked() {
    let page = r#"<page-container id="p" show="{{open}}" duration="200" z-index="150" overlay="{{false}}"
  position="bottom" round close-on-slide-down overlay-style="{{shade}}" custom-style="{{panel}}"><view>Sheet</view></page-container>"#;
    let data = json!({
        "open": true,
        "shade": "background: rgba(0, 0, 0, 0.5); background-image: url(https://evil.example/x.png)",
        "panel": "padding: 16px; behavior: url(x.htc)",
    });
    let html = to_html(&rendered(page, &data));
    let drawn = "data-mp=\"page-container\" id=\"p\" data-show=\"\" data-duration=\"200\" \
                 data-z-index=\"150\" data-overlay=\"false\" data-position=\"bottom\" \
                 data-round=\"\" data-close-on-slide-down=\"\" \
                 data-overlay-style=\"background:rgba(0, 0, 0, 0.5)\" \
                 data-custom-style=\"padding:16px\">";
    assert!(html.contains(drawn), "{html}");
    // Closed, `show` is left out; `overlay` left out is WeChat's default
    // (on), written without a value it is `true`.
    let html = to_html(&rendered(
        r#"<page-container show="{{false}}"/>"#,
        &json!({}),
    ));
    assert!(html.contains("data-mp=\"page-container\"></div>"), "{html}");
    let html = to_html(&rendered("<page-container overlay/>", &json!({})));
    assert!(
        html.contains("data-mp=\"page-container\" data-overlay=\"true\">"),
        "{html}"
    );
}

#[test]
fn a_page_container_event_carries_an_empty_detail() {
    let page = r#"<page-container id="p" show bindenter="entered" bindclickoverlay="shaded"/>"#;
    let tree = rendered(page, &json!({}));
    let send = |kind: &str, detail| handler_or_refusal(&tree, "p", kind, detail);
    assert_eq!(send("enter", json!({})).unwrap(), "entered");
    assert_eq!(send("clickoverlay", json!({})).unwrap(), "shaded");
    assert_eq!(
        send("enter", json!({"x": 1})).unwrap_err(),
        "`enter` on <page-container>: its detail is empty on WeChat, not {\"x\":1}"
    );
    assert_eq!(
        template_errors(r#"<page-container position="left"/>"#),
        [
            "1:17: `position` on `<page-container>`: `left` is not one of: top, bottom, right, center"
        ]
    );
}

#[test]
fn root_portal_is_drawn_with_enable_on_by_default() {
    let page = r#"<view id="clip"><root-portal enable="{{on}}"><view id="toast">Saved</view></root-portal></view>"#;
    let html = to_html(&rendered(page, &json!({"on": false})));
    assert!(
        html.contains("data-mp=\"root-portal\" data-enable=\"false\"><div"),
        "{html}"
    );
    let html = to_html(&rendered(page, &json!({"on": true})));
    assert!(
        html.contains("data-mp=\"root-portal\" data-enable=\"true\"><div"),
        "{html}"
    );
    let html = to_html(&rendered("<root-portal/>", &json!({})));
    assert!(html.contains("data-mp=\"root-portal\"></div>"), "{html}");
}
