//! Event details checked per component before the app sees them: a client
//! of the view (the simulator, a `miniapp serve` socket) is untrusted, so
//! it cannot hand the app a value the rendered component could not have
//! produced (a slider's value off its range or step grid, a switch's,
//! checkbox's or radio's `value` that is not a boolean, an input's text
//! over its `maxlength`). Each component
//! with a checked event is one line of `RULES`; other components (swiper)
//! plug in there; a picker's events are checked in [`picker`] (its five
//! modes, and the region table in force). A video's or audio's events carry WeChat's
//! details, each time finite and within the duration.

use serde_json::Value as Json;

use crate::quote;
use crate::region::Regions;
use crate::render::VElement;

mod media;
mod refresher;
mod widgets;

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod quote_tests;
#[cfg(test)]
mod refresher_tests;

pub mod picker;

/// Why an event's detail was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{kind}` on <{component}>: {why}")]
pub struct DetailError {
    /// The component the event happened on (`slider`).
    pub component: &'static str,
    /// The event type.
    pub kind: String,
    /// What is wrong, naming the attribute and the value.
    pub why: String,
}

/// How one component's events are checked: its tag, the events checked,
/// and the check over the rendered element and the detail.
type Rule = (&'static str, &'static [&'static str], Check);
type Check = fn(&VElement, &Json) -> Result<(), String>;

/// The components whose event details have a documented domain.
const RULES: &[Rule] = &[
    ("slider", &["change", "changing"], slider),
    ("switch", &["change"], checked),
    ("checkbox", &["change"], checked),
    ("radio", &["change"], checked),
    ("input", &["input", "confirm"], typed),
    ("textarea", &["input", "confirm"], typed),
    // widgets.rs: a swiper's `current`, a picker-view's `value`, a
    // movable-view's place (and `check_place` below, its movable-area), a
    // scroll-view's offsets, an image's size.
    ("swiper", &["change", "animationfinish"], widgets::swiper),
    ("swiper", &["transition"], widgets::transition),
    ("picker-view", &["change"], widgets::picker_view),
    ("movable-view", &["change"], widgets::movable),
    ("movable-view", &["scale"], widgets::scale),
    ("scroll-view", &["scroll"], widgets::scrolled),
    (
        "scroll-view",
        &["scrolltoupper", "scrolltolower"],
        widgets::scrolled_to_edge,
    ),
    // refresher.rs: a scroll-view's drags and its pull-to-refresh.
    (
        "scroll-view",
        &["dragstart", "dragging", "dragend"],
        refresher::dragged,
    ),
    ("scroll-view", &["refresherpulling"], |e, d| {
        refresher::check(e, "refresherpulling", d)
    }),
    ("scroll-view", &["refresherrefresh"], |e, d| {
        refresher::check(e, "refresherrefresh", d)
    }),
    ("scroll-view", &["refresherrestore"], |e, d| {
        refresher::check(e, "refresherrestore", d)
    }),
    ("scroll-view", &["refresherabort"], |e, d| {
        refresher::check(e, "refresherabort", d)
    }),
    (
        "page-container",
        &[
            "beforeenter",
            "enter",
            "afterenter",
            "beforeleave",
            "leave",
            "afterleave",
            "clickoverlay",
        ],
        empty,
    ),
    ("image", &["load"], widgets::loaded),
    ("cover-image", &["load"], widgets::loaded),
    ("video", &["play", "pause", "ended", "waiting"], |e, d| {
        media::check(e, "play", d)
    }),
    ("video", &["timeupdate"], |e, d| {
        media::check(e, "timeupdate", d)
    }),
    ("video", &["loadedmetadata"], |e, d| {
        media::check(e, "loadedmetadata", d)
    }),
    ("video", &["progress"], |e, d| {
        media::check(e, "progress", d)
    }),
    ("video", &["seekcomplete"], |e, d| {
        media::check(e, "seekcomplete", d)
    }),
    ("video", &["fullscreenchange"], |e, d| {
        media::check(e, "fullscreenchange", d)
    }),
    ("video", &["error"], |e, d| media::check(e, "error", d)),
    ("audio", &["play", "pause", "ended", "waiting"], |e, d| {
        media::check(e, "play", d)
    }),
    ("audio", &["timeupdate"], |e, d| {
        media::check(e, "timeupdate", d)
    }),
    ("audio", &["loadedmetadata"], |e, d| {
        media::check(e, "loadedmetadata", d)
    }),
    ("audio", &["progress"], |e, d| {
        media::check(e, "progress", d)
    }),
    ("audio", &["seekcomplete"], |e, d| {
        media::check(e, "seekcomplete", d)
    }),
    ("audio", &["fullscreenchange"], |e, d| {
        media::check(e, "fullscreenchange", d)
    }),
    ("audio", &["error"], |e, d| media::check(e, "error", d)),
    ("button", &crate::events::OPEN_TYPE_EVENTS, |_, _| {
        Err("only the host reports it, after the flow a tap on the button's open-type runs".into())
    }),
];

/// Check `detail` of event `kind` on `element` against what the rendered
/// component allows (a region picker's against `regions`); events and
/// components without a rule pass.
pub fn check(
    element: &VElement,
    kind: &str,
    detail: &Json,
    regions: &Regions,
) -> Result<(), DetailError> {
    let refused = |why| DetailError {
        component: element.tag,
        kind: kind.to_string(),
        why,
    };
    if element.tag == "picker" && picker::EVENTS.contains(&kind) {
        return picker::check(element, kind, detail, regions).map_err(refused);
    }
    let rule = RULES
        .iter()
        .find(|(tag, kinds, _)| *tag == element.tag && kinds.contains(&kind));
    let Some((_, _, check)) = rule else {
        return Ok(());
    };
    check(element, detail).map_err(refused)
}

/// A slider's `value`: a number within `min..=max` (WeChat's defaults 0
/// and 100) on the grid of `step` (default 1) from `min`; a disabled
/// slider sends nothing.
fn slider(element: &VElement, detail: &Json) -> Result<(), String> {
    enabled(element)?;
    let number = |name: &str, default: f64| match attr(element, name) {
        None => Ok(default),
        Some(text) => (text.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("its `{name}` is `{text}`, not a number")),
    };
    let (min, max, step) = (
        number("min", 0.0)?,
        number("max", 100.0)?,
        number("step", 1.0)?,
    );
    let value = detail.get("value");
    let Some(v) = value.and_then(Json::as_f64) else {
        return Err(format!(
            "`value` must be a number, not {}",
            quote::json(value)
        ));
    };
    let [shown, min_shown, max_shown] = [v, min, max].map(quote::number);
    if v < min || v > max {
        return Err(format!(
            "`value` {shown} is outside `min` {min_shown} to `max` {max_shown}"
        ));
    }
    if step > 0.0 {
        let steps = (v - min) / step;
        if (steps - steps.round()).abs() > 1e-9 * steps.abs().max(1.0) {
            return Err(format!(
                "`value` {shown} is not on the `step` {} grid from `min` {min_shown}",
                quote::number(step)
            ));
        }
    }
    Ok(())
}

/// A switch's, checkbox's or radio's `value` (checked or not, as the
/// simulator sends it): a boolean; a disabled one sends nothing.
fn checked(element: &VElement, detail: &Json) -> Result<(), String> {
    enabled(element)?;
    match detail.get("value") {
        Some(Json::Bool(_)) => Ok(()),
        other => Err(format!(
            "`value` must be true or false, not {}",
            quote::json(other)
        )),
    }
}

/// An input's or textarea's typed `value` with a rendered `maxlength` (not
/// -1): a string of at most that many UTF-16 units, as a browser's field
/// and WeChat's count them. (WeChat's default of 140 applies only where the
/// template says so: the simulator's field has no limit without it.)
fn typed(element: &VElement, detail: &Json) -> Result<(), String> {
    let Some(text) = attr(element, "maxlength") else {
        return Ok(());
    };
    let Ok(max) = text.trim().parse::<i64>() else {
        return Err(format!("its `maxlength` is `{text}`, not a whole number"));
    };
    let Ok(max) = usize::try_from(max) else {
        return Ok(()); // -1: no limit
    };
    match detail.get("value") {
        Some(Json::String(value)) if value.encode_utf16().count() <= max => Ok(()),
        Some(Json::String(value)) => Err(format!(
            "`value` of {} characters is over its `maxlength` {max}",
            value.encode_utf16().count()
        )),
        other => Err(format!("`value` must be text, not {}", quote::json(other))),
    }
}

/// A page-container's events: an empty detail, as WeChat's.
fn empty(_: &VElement, detail: &Json) -> Result<(), String> {
    match detail.as_object() {
        Some(object) if object.is_empty() => Ok(()),
        _ => Err(format!(
            "its detail is empty on WeChat, not {}",
            quote::json(Some(detail))
        )),
    }
}

/// Refuse the event if `element` is rendered `disabled`.
fn enabled(element: &VElement) -> Result<(), String> {
    match attr(element, "disabled") {
        Some(_) => Err("it is `disabled`: the user cannot change it".into()),
        None => Ok(()),
    }
}

fn attr<'e>(element: &'e VElement, name: &str) -> Option<&'e str> {
    (element.attrs.iter())
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| &**v)
}

/// Check a movable-view's `change` against `parent`, the element it is
/// in: within its movable-area where both sizes are known (the rest of
/// its detail is [`check`]ed); other events pass.
pub fn check_place(
    element: &VElement,
    parent: Option<&VElement>,
    kind: &str,
    detail: &Json,
) -> Result<(), DetailError> {
    if element.tag != "movable-view" || kind != "change" {
        return Ok(());
    }
    widgets::within_area(element, parent, detail).map_err(|why| DetailError {
        component: element.tag,
        kind: kind.to_string(),
        why,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::html::to_html;
    use crate::render::Tree;
    use crate::testing::{handler_or_refusal, rendered, template_errors, template_warnings};

    const PAGE: &str = r#"<slider id="s" min="10" max="50" step="5" value="{{v}}" show-value bindchange="slid" bindchanging="sliding"/>
<slider id="plain" bindchange="slid"/>
<slider id="off" disabled="{{true}}" bindchange="slid"/>
<switch id="sw" bindchange="flipped"/>
<checkbox id="cb" bindchange="ticked"/>
<radio id="off-radio" disabled="{{true}}" bindchange="picked"/>
<input id="code" maxlength="4" bindinput="typed"/>
<textarea id="note" maxlength="-1" bindinput="typed"/>"#;

    fn tree() -> Tree {
        rendered(PAGE, &json!({"v": 20}))
    }

    /// The handler `kind` with `detail` on `#id` reaches, or why it is refused.
    fn send(id: &str, kind: &str, detail: serde_json::Value) -> Result<String, String> {
        handler_or_refusal(&tree(), id, kind, detail)
    }

    #[test]
    fn a_slider_is_drawn_as_a_range_input_with_its_bounds() {
        let html = to_html(&tree());
        assert!(
            html.contains(r#"<input type="range""#)
                && html.contains(r#"min="10" max="50" step="5" value="20" data-show-value"#),
            "{html}"
        );
    }

    #[test]
    fn a_slider_attribute_not_a_number_is_refused_and_one_not_documented_warned() {
        assert_eq!(
            template_errors(r#"<slider min="low"/>"#),
            ["1:9: `min` on `<slider>`: `low` is not a number"]
        );
        assert_eq!(
            template_warnings(r##"<slider activeColor="red" backgroundColor="#eee"/>"##),
            Vec::<String>::new()
        );
        let warned = template_warnings(r#"<slider activecolor="red"/>"#);
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(
            warned[0].contains("unknown attribute `activecolor` on `<slider>`")
                && warned[0].ends_with("did you mean `activeColor`?"),
            "{warned:?}"
        );
    }

    #[test]
    fn a_slider_value_on_its_grid_reaches_the_app() {
        assert_eq!(send("s", "change", json!({"value": 35})).unwrap(), "slid");
        assert_eq!(
            send("s", "changing", json!({"value": 10})).unwrap(),
            "sliding"
        );
        assert_eq!(send("s", "change", json!({"value": 50.0})).unwrap(), "slid");
        // WeChat's defaults: 0 to 100 by 1.
        assert_eq!(
            send("plain", "change", json!({"value": 100})).unwrap(),
            "slid"
        );
    }

    #[test]
    fn an_impossible_slider_value_is_refused_naming_it() {
        let refused =
            |v: serde_json::Value| send("s", "change", json!({ "value": v })).unwrap_err();
        assert_eq!(
            refused(json!(55)),
            "`change` on <slider>: `value` 55 is outside `min` 10 to `max` 50"
        );
        assert_eq!(
            refused(json!(5)),
            "`change` on <slider>: `value` 5 is outside `min` 10 to `max` 50"
        );
        assert_eq!(
            refused(json!(12)),
            "`change` on <slider>: `value` 12 is not on the `step` 5 grid from `min` 10"
        );
        assert_eq!(
            refused(json!("20")),
            "`change` on <slider>: `value` must be a number, not \"20\""
        );
        assert_eq!(
            send("plain", "change", json!({})).unwrap_err(),
            "`change` on <slider>: `value` must be a number, not nothing"
        );
        assert_eq!(
            send("plain", "change", json!({"value": 100.5})).unwrap_err(),
            "`change` on <slider>: `value` 100.5 is outside `min` 0 to `max` 100"
        );
        assert_eq!(
            send("off", "change", json!({"value": 1})).unwrap_err(),
            "`change` on <slider>: it is `disabled`: the user cannot change it"
        );
    }

    #[test]
    fn typed_text_over_its_maxlength_is_refused() {
        assert_eq!(
            send("code", "input", json!({"value": "1234"})).unwrap(),
            "typed"
        );
        // Four UTF-16 units, as a browser counts them.
        assert_eq!(
            send("code", "input", json!({"value": "好好好好"})).unwrap(),
            "typed"
        );
        assert_eq!(
            send("code", "input", json!({"value": "12345"})).unwrap_err(),
            "`input` on <input>: `value` of 5 characters is over its `maxlength` 4"
        );
        assert_eq!(
            send("code", "input", json!({"value": 1234})).unwrap_err(),
            "`input` on <input>: `value` must be text, not 1234"
        );
        let long = "x".repeat(10_000);
        assert_eq!(
            send("note", "input", json!({ "value": long })).unwrap(),
            "typed"
        );
    }

    #[test]
    fn a_switch_checkbox_or_radio_value_must_be_a_boolean() {
        assert_eq!(
            send("sw", "change", json!({"value": true})).unwrap(),
            "flipped"
        );
        assert_eq!(
            send("sw", "change", json!({"value": "on"})).unwrap_err(),
            "`change` on <switch>: `value` must be true or false, not \"on\""
        );
        assert_eq!(
            send("cb", "change", json!({"value": false})).unwrap(),
            "ticked"
        );
        assert_eq!(
            send("cb", "change", json!({"value": 1})).unwrap_err(),
            "`change` on <checkbox>: `value` must be true or false, not 1"
        );
        assert_eq!(
            send("off-radio", "change", json!({"value": true})).unwrap_err(),
            "`change` on <radio>: it is `disabled`: the user cannot change it"
        );
    }
}
