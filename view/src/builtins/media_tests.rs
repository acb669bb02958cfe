//! video, audio, cover-view, cover-image, page-meta and navigation-bar:
//! what they draw, the url rule on each of their URL attributes, and the
//! details their events may carry.

use serde_json::{Value as Json, json};

use crate::events::{EventError, Resolved, ViewEvent, resolve};
use crate::html::to_html;
use crate::render::{Context, RenderLimits, Tree, VElement, VNode, render};
use crate::testing::{parsed, template_errors};

const ORIGINS: &[&str] = &["https://cdn.example.com"];

fn tree_of(source: &str, data: &Json) -> Tree {
    let origins: Vec<String> = ORIGINS.iter().map(|o| o.to_string()).collect();
    let files = Default::default();
    let context = Context::new(&files, &origins, RenderLimits::default());
    render(&parsed(source), data, &context).unwrap()
}

/// The page's HTML without its node ids (`data-nid`), which other tests
/// pin down.
fn html(source: &str, data: &Json) -> String {
    let out = to_html(&tree_of(source, data));
    let mut rest = out.as_str();
    let mut kept = String::with_capacity(out.len());
    while let Some(at) = rest.find(" data-nid=\"") {
        kept.push_str(&rest[..at]);
        let after = &rest[at + 11..];
        rest = &after[after.find('"').map_or(after.len(), |end| end + 1)..];
    }
    kept.push_str(rest);
    kept
}

#[test]
fn a_video_is_drawn_with_its_source_poster_and_flags() {
    let page = r#"<video id="v" src="/media/clip.mp4" poster="/media/poster.png" loop muted initial-time="3" object-fit="cover" controls="{{shown}}" show-fullscreen-btn="{{false}}" title="Clip"/>"#;
    let out = html(page, &json!({"shown": true}));
    assert!(
        out.starts_with(r#"<video data-mp="video" id="v" src="/media/clip.mp4" poster="/media/poster.png" loop="" data-muted="" data-initial-time="3" data-object-fit="cover" data-controls="true" data-show-fullscreen-btn="false">"#),
        "{out}"
    );
    // A flag left out is WeChat's default (the client shows controls); bound
    // false it says so.
    let off = html(
        r#"<video src="a.mp4" controls="{{on}}"/>"#,
        &json!({"on": 0}),
    );
    assert!(off.contains(r#"data-controls="false""#), "{off}");
    let left_out = html(r#"<video src="a.mp4"/>"#, &json!({}));
    assert!(!left_out.contains("data-controls"), "{left_out}");
    // The title is kept in the tree, not drawn.
    assert!(!out.contains("Clip"), "{out}");
}

#[test]
fn each_media_url_names_the_package_a_temp_file_or_a_declared_origin() {
    let temp = "wxfile://tmp/0123456789abcdef0123456789abcdef";
    for (source, drawn) in [
        (r#"<video src="{{u}}"/>"#, "src"),
        (r#"<video poster="{{u}}"/>"#, "poster"),
        (r#"<audio src="{{u}}"/>"#, "src"),
        (r#"<audio poster="{{u}}"/>"#, "data-poster"),
        (r#"<cover-image src="{{u}}"/>"#, "src"),
    ] {
        for good in ["/media/a.mp4", "https://cdn.example.com/a.mp4", temp] {
            let out = html(source, &json!({ "u": good }));
            assert!(
                out.contains(&format!(r#" {drawn}="{good}""#)),
                "{source} {good}: {out}"
            );
        }
        for bad in [
            "https://evil.example/a.mp4",
            "javascript:alert(1)",
            "//evil.example/a.mp4",
            "../../etc/passwd",
            "data:video/mp4;base64,AAAA",
        ] {
            let out = html(source, &json!({ "u": bad }));
            assert!(
                !out.contains(&format!(" {drawn}=")),
                "{source} {bad}: {out}"
            );
        }
    }
}

#[test]
fn cover_view_and_cover_image_draw_as_a_view_and_an_image() {
    let out = html(
        r#"<video src="a.mp4"><cover-view class="bar" scroll-top="4"><cover-image src="/i.png" bindload="shown"/>Live</cover-view></video>"#,
        &json!({}),
    );
    assert!(
        out.contains(r#"<div data-mp="cover-view" class="bar" data-scroll-top="4"><img data-mp="cover-image" src="/i.png">"#),
        "{out}"
    );
}

#[test]
fn page_meta_and_its_navigation_bar_draw_nothing_visible() {
    let out = html(
        r##"<page-meta background-color="#ffffff" page-style="color: red"><navigation-bar title="{{t}}" front-color="#ffffff" background-color="#ff0000" loading="{{true}}"/></page-meta><view>Body</view>"##,
        &json!({"t": "Hello"}),
    );
    assert!(
        out.starts_with(r#"<div hidden="" data-mp="page-meta"><div hidden="" data-mp="navigation-bar"></div></div>"#),
        "{out}"
    );
    assert!(!out.contains("Hello") && !out.contains("red"), "{out}");
    // Its attributes are WeChat's: a wrong value is refused at its place.
    assert_eq!(
        template_errors(r#"<page-meta><navigation-bar front-color="red"/></page-meta>"#),
        ["1:28: `front-color` on `<navigation-bar>`: `red` is not one of: #000000, #ffffff"]
    );
}

#[test]
fn media_events_not_built_are_refused_by_name() {
    assert_eq!(
        template_errors(r#"<video src="a.mp4" bindenterpictureinpicture="pip"/>"#),
        ["1:20: the `enterpictureinpicture` event of `<video>` is not supported yet"]
    );
    parsed(
        r#"<video src="a.mp4" bindplay="p" bindtimeupdate="t" bindloadedmetadata="m" binderror="e"/>"#,
    );
    parsed(r#"<audio src="a.mp3" bindplay="p" bindended="e" name="Song" author="Me" controls/>"#);
}

const PLAYER: &str = r#"<video id="v" src="/a.mp4" bindplay="on" bindpause="on" bindended="on" bindwaiting="on" bindtimeupdate="on" bindloadedmetadata="on" bindprogress="on" bindseekcomplete="on" bindfullscreenchange="on" binderror="on"/><audio id="a" src="/a.mp3" bindtimeupdate="on" binderror="on" bindplay="on" bindloadedmetadata="on"/>"#;

/// What a client's `kind` event with `detail` on `#id` of [`PLAYER`] does:
/// the handler it reaches, or why it is refused.
fn send(id: &str, kind: &str, detail: Json) -> Result<String, String> {
    let tree = tree_of(PLAYER, &json!({}));
    let has_id = |e: &VElement| e.attrs.iter().any(|(n, v)| &**n == "id" && &**v == id);
    let node = (tree.nodes.iter())
        .find_map(|n| match n {
            VNode::Element(e) if has_id(e) => Some(e.id),
            _ => None,
        })
        .unwrap();
    let event = ViewEvent {
        node,
        kind: kind.into(),
        detail,
    };
    match resolve(&tree, &event) {
        Ok(Resolved::Handlers(calls)) => Ok(calls[0].handler.clone()),
        Ok(other) => panic!("{other:?}"),
        Err(EventError::Detail(e)) => Err(e.to_string()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn media_details_as_wechat_gives_them_reach_the_app() {
    for (id, kind, detail) in [
        ("v", "play", json!({})),
        ("v", "ended", json!({})),
        (
            "v",
            "timeupdate",
            json!({"currentTime": 1.5, "duration": 10}),
        ),
        (
            "v",
            "timeupdate",
            json!({"currentTime": 10, "duration": 10}),
        ),
        (
            "v",
            "loadedmetadata",
            json!({"width": 640, "height": 360, "duration": 10.2}),
        ),
        ("v", "progress", json!({"buffered": 42})),
        ("v", "seekcomplete", json!({"position": 4})),
        (
            "v",
            "fullscreenchange",
            json!({"fullScreen": true, "direction": "horizontal"}),
        ),
        ("v", "error", json!({"errMsg": "MEDIA_ERR_NETWORK"})),
        ("a", "timeupdate", json!({"currentTime": 0, "duration": 0})),
        ("a", "play", json!({})),
        (
            "a",
            "loadedmetadata",
            json!({"width": 0, "height": 0, "duration": 3}),
        ),
        ("a", "loadedmetadata", json!({"duration": 3})),
    ] {
        assert_eq!(
            send(id, kind, detail.clone()),
            Ok("on".into()),
            "{kind} {detail}"
        );
    }
}

#[test]
fn impossible_media_details_are_refused_naming_what_is_wrong() {
    let refused = |id: &str, kind: &str, detail: Json| send(id, kind, detail).unwrap_err();
    assert_eq!(
        refused(
            "v",
            "timeupdate",
            json!({"currentTime": 11, "duration": 10})
        ),
        "`timeupdate` on <video>: `currentTime` 11 is not a time from 0 to 10"
    );
    assert_eq!(
        refused(
            "v",
            "timeupdate",
            json!({"currentTime": -1, "duration": 10})
        ),
        "`timeupdate` on <video>: `currentTime` -1 is not a time from 0 to 10"
    );
    assert_eq!(
        refused("a", "timeupdate", json!({"currentTime": 1})),
        "`timeupdate` on <audio>: `duration` must be a number, not nothing"
    );
    assert_eq!(
        refused(
            "v",
            "timeupdate",
            json!({"currentTime": "1", "duration": 4e7})
        ),
        "`timeupdate` on <video>: `duration` 40000000 is not a time from 0 to 31622400"
    );
    assert_eq!(
        refused("v", "play", json!({"currentTime": 3})),
        "`play` on <video>: its detail is empty on WeChat, not `currentTime`"
    );
    assert_eq!(
        refused("v", "pause", json!("x")),
        "`pause` on <video>: the detail must be an object, not \"x\""
    );
    assert_eq!(
        refused("v", "progress", json!({"buffered": 101})),
        "`progress` on <video>: `buffered` must be a percentage from 0 to 100, not 101"
    );
    assert_eq!(
        refused("v", "loadedmetadata", json!({"width": 640, "duration": 3})),
        "`loadedmetadata` on <video>: `height` must be a number, not nothing"
    );
    assert_eq!(
        refused(
            "a",
            "loadedmetadata",
            json!({"width": {"deep": [1]}, "height": 0, "duration": 3})
        ),
        "`loadedmetadata` on <audio>: `width` must be 0 on an <audio>, which has no picture, not {\"deep\":[1]}"
    );
    assert_eq!(
        refused(
            "v",
            "fullscreenchange",
            json!({"fullScreen": "yes", "direction": "up"})
        ),
        "`fullscreenchange` on <video>: `fullScreen` must be true or false and `direction` vertical or horizontal, not {\"direction\":\"up\",\"fullScreen\":\"yes\"}"
    );
    let long = "x".repeat(257);
    assert_eq!(
        refused("v", "error", json!({ "errMsg": long })),
        format!(
            "`error` on <video>: `errMsg` must be text of at most 256 characters, not \"{long}\""
        )
    );
    assert_eq!(
        refused("a", "error", json!({"errMsg": "x", "src": "/a"})),
        "`error` on <audio>: `src` is not one of `errMsg`"
    );
}
