//! A scroll-view's drag and pull-to-refresh details: places and pulls on a
//! screen, refresher events only where `refresher-enabled`, a refresh at
//! least its threshold and an abort short of it.

use serde_json::json;

use crate::testing::{handler_or_refusal, rendered};

const PAGE: &str = r#"<scroll-view id="list" scroll-y refresher-enabled refresher-threshold="80"
  binddragstart="drag" binddragging="drag" binddragend="drag" bindrefresherpulling="pull"
  bindrefresherrefresh="refresh" bindrefresherrestore="restore" bindrefresherabort="abort"/>
<scroll-view id="plain" scroll-y binddragend="drag" bindrefresherrefresh="refresh"/>
<scroll-view id="odd" refresher-enabled refresher-threshold="{{'far'}}" bindrefresherrefresh="refresh"/>
<scroll-view id="default" refresher-enabled bindrefresherrefresh="refresh" bindrefresherabort="abort"/>"#;

fn send(id: &str, kind: &str, detail: serde_json::Value) -> Result<String, String> {
    handler_or_refusal(&rendered(PAGE, &json!({})), id, kind, detail)
}

#[test]
fn a_drag_reports_where_the_scroll_view_is_scrolled() {
    let at = json!({"scrollTop": 120, "scrollLeft": 0});
    for kind in ["dragstart", "dragging"] {
        assert_eq!(send("list", kind, at.clone()).unwrap(), "drag");
    }
    let ended = json!({"scrollTop": 120, "scrollLeft": 0, "velocity": {"x": 0, "y": -1.5}});
    assert_eq!(send("plain", "dragend", ended).unwrap(), "drag");
    assert_eq!(
        send(
            "list",
            "dragging",
            json!({"scrollTop": 1e300, "scrollLeft": 0})
        )
        .unwrap_err(),
        "`dragging` on <scroll-view>: `scrollTop` 1e+300 px is on no screen (at most 10000000 either way)"
    );
    assert_eq!(
        send("list", "dragstart", json!({"scrollTop": 0})).unwrap_err(),
        "`dragstart` on <scroll-view>: `scrollLeft` must be a number, not nothing"
    );
    let fast = json!({"scrollTop": 0, "scrollLeft": 0, "velocity": {"x": "fast", "y": 0}});
    assert_eq!(
        send("list", "dragend", fast).unwrap_err(),
        "`dragend` on <scroll-view>: `velocity`: `x` must be a number, not \"fast\""
    );
}

#[test]
fn a_pull_refreshes_past_its_threshold_and_aborts_short_of_it() {
    assert_eq!(
        send("list", "refresherpulling", json!({"dy": 30})).unwrap(),
        "pull"
    );
    assert_eq!(
        send("list", "refresherrefresh", json!({"dy": 80})).unwrap(),
        "refresh"
    );
    assert_eq!(
        send("list", "refresherrestore", json!({"dy": 0})).unwrap(),
        "restore"
    );
    assert_eq!(
        send("list", "refresherabort", json!({"dy": 30})).unwrap(),
        "abort"
    );
    assert_eq!(
        send("list", "refresherrefresh", json!({"dy": 30})).unwrap_err(),
        "`refresherrefresh` on <scroll-view>: `dy` 30 is short of its `refresher-threshold` 80: \
         a pull that short does not refresh"
    );
    assert_eq!(
        send("list", "refresherabort", json!({"dy": 120})).unwrap_err(),
        "`refresherabort` on <scroll-view>: `dy` 120 is past its `refresher-threshold` 80: \
         a pull that far refreshes, it does not abort"
    );
    assert_eq!(
        send("list", "refresherpulling", json!({"dy": -4})).unwrap_err(),
        "`refresherpulling` on <scroll-view>: `dy` -4 px is below 0"
    );
    // WeChat's threshold of 45px where none is given.
    assert_eq!(
        send("default", "refresherrefresh", json!({"dy": 45})).unwrap(),
        "refresh"
    );
    assert!(send("default", "refresherabort", json!({"dy": 60})).is_err());
}

#[test]
fn a_refresher_event_needs_refresher_enabled_and_a_readable_threshold() {
    assert_eq!(
        send("plain", "refresherrefresh", json!({"dy": 80})).unwrap_err(),
        "`refresherrefresh` on <scroll-view>: it has no `refresher-enabled`: the user cannot pull it"
    );
    assert_eq!(
        send("odd", "refresherrefresh", json!({"dy": 80})).unwrap_err(),
        "`refresherrefresh` on <scroll-view>: its `refresher-threshold` is `far`, not a number from 0"
    );
}
