//! The bounds of the details of a movable-view's scale, a scroll-view's
//! scroll and an image's load: a client of the view cannot hand the app a
//! size or an offset on no screen, nor a scale its rendered bounds do not
//! allow.

use serde_json::json;

use crate::testing::{handler_or_refusal, rendered};

const PAGE: &str = r#"<movable-area style="width: 300px; height: 200px">
  <movable-view id="flat" direction="all" scale scale-min="{{0}}" bindscale="scaled" bindchange="moved"/>
  <movable-view id="below" direction="all" scale scale-min="-2" scale-max="4" bindscale="scaled"/>
  <movable-view id="word" direction="all" scale scale-max="{{'big'}}" bindscale="scaled"/>
  <movable-view id="crossed" direction="all" scale scale-min="3" scale-max="2" bindscale="scaled"/>
  <movable-view id="zoom" direction="all" scale scale-min="0.5" bindscale="scaled"/>
</movable-area>
<scroll-view id="list" scroll-y bindscroll="scrolled" bindscrolltolower="more" bindscrolltoupper="top"/>
<image id="photo" src="/a.png" bindload="shown"/>
<cover-image id="badge" src="/b.png" bindload="shown"/>"#;

/// The handler `kind` with `detail` on `#id` reaches, or why it is refused.
fn send(id: &str, kind: &str, detail: serde_json::Value) -> Result<String, String> {
    handler_or_refusal(&rendered(PAGE, &json!({})), id, kind, detail)
}

#[test]
fn a_scale_bound_not_above_zero_or_crossed_refuses_the_event() {
    let scale = |id: &str, s: f64| send(id, "scale", json!({"x": 0, "y": 0, "scale": s}));
    assert_eq!(
        scale("flat", 0.0).unwrap_err(),
        "`scale` on <movable-view>: its `scale-min` is `0`, not a number above 0"
    );
    assert_eq!(
        scale("below", -1.0).unwrap_err(),
        "`scale` on <movable-view>: its `scale-min` is `-2`, not a number above 0"
    );
    assert_eq!(
        scale("word", 1.0).unwrap_err(),
        "`scale` on <movable-view>: its `scale-max` is `big`, not a number above 0"
    );
    assert_eq!(
        scale("crossed", 2.5).unwrap_err(),
        "`scale` on <movable-view>: its `scale-min` 3 is above its `scale-max` 2"
    );
    // Its place in the area is checked against the same bounds.
    let moved = send("flat", "change", json!({"x": 0, "y": 0, "source": "touch"}));
    assert_eq!(
        moved.unwrap_err(),
        "`change` on <movable-view>: its `scale-min` is `0`, not a number above 0"
    );
    // Within good bounds (scale-max WeChat's 10): reaches the app.
    assert_eq!(scale("zoom", 10.0).unwrap(), "scaled");
    assert_eq!(
        scale("zoom", 0.4).unwrap_err(),
        "`scale` on <movable-view>: `scale` 0.4 is outside `scale-min` 0.5 to `scale-max` 10"
    );
}

#[test]
fn a_scroll_view_scroll_is_a_place_on_a_screen() {
    let scroll = json!({"scrollLeft": 0, "scrollTop": 120.5, "scrollHeight": 2000,
        "scrollWidth": 375, "deltaX": 0, "deltaY": -12});
    assert_eq!(send("list", "scroll", scroll.clone()).unwrap(), "scrolled");
    let with = |name: &str, value: serde_json::Value| {
        let mut detail = scroll.clone();
        detail[name] = value;
        send("list", "scroll", detail).unwrap_err()
    };
    assert_eq!(
        with("scrollTop", json!(1e300)),
        "`scroll` on <scroll-view>: `scrollTop` 1e+300 px is on no screen (at most 10000000 either way)"
    );
    assert_eq!(
        with("deltaY", json!("down")),
        "`scroll` on <scroll-view>: `deltaY` must be a number, not \"down\""
    );
    assert_eq!(
        with("scrollHeight", json!(-1)),
        "`scroll` on <scroll-view>: `scrollHeight` -1 px is below 0"
    );
    assert_eq!(
        send("list", "scroll", json!({"scrollTop": 1})).unwrap_err(),
        "`scroll` on <scroll-view>: `scrollLeft` must be a number, not nothing"
    );
    assert_eq!(
        send("list", "scrolltolower", json!({"direction": "bottom"})).unwrap(),
        "more"
    );
    assert_eq!(
        send("list", "scrolltoupper", json!({"direction": "sideways"})).unwrap_err(),
        "`scrolltoupper` on <scroll-view>: `direction` must be `top`, `bottom`, `left` or `right`, not \"sideways\""
    );
}

#[test]
fn an_image_load_is_a_size_on_a_screen() {
    for id in ["photo", "badge"] {
        let ok = send(id, "load", json!({"width": 640, "height": 480}));
        assert_eq!(ok.unwrap(), "shown");
    }
    let tag = |id: &str| {
        if id == "photo" {
            "image"
        } else {
            "cover-image"
        }
    };
    for id in ["photo", "badge"] {
        let tag = tag(id);
        assert_eq!(
            send(id, "load", json!({"width": 1e12, "height": 1})).unwrap_err(),
            format!(
                "`load` on <{tag}>: `width` 1000000000000.0 px is on no screen (at most 10000000 either way)"
            )
        );
        assert_eq!(
            send(id, "load", json!({"width": 1, "height": -5})).unwrap_err(),
            format!("`load` on <{tag}>: `height` -5 px is below 0")
        );
        assert_eq!(
            send(id, "load", json!({})).unwrap_err(),
            format!("`load` on <{tag}>: `width` must be a number, not nothing")
        );
    }
}
