//! The details of swiper, picker-view and movable-view events, checked
//! against the rendered component: a swiper's `current` must be one of its
//! items, a picker-view's `value` one item of each column, a movable-view's
//! `x` and `y` a place its movable-area lets it be.

use serde_json::Value as Json;

use super::{attr, enabled};
use crate::quote;
use crate::render::{VElement, VNode};

/// What WeChat says caused a swiper's change.
const SWIPER_SOURCES: &[&str] = &["autoplay", "touch", ""];
/// What WeChat says caused a movable-view's change.
const MOVABLE_SOURCES: &[&str] = &[
    "touch",
    "touch-out-of-bounds",
    "out-of-bounds",
    "friction",
    "",
];
/// WeChat's size of a movable-view with none given, CSS pixels.
const MOVABLE_DEFAULT_SIZE: f64 = 10.0;
/// How far (CSS pixels) a reported place may be off the bounds, for
/// rounding in the client.
const SLACK: f64 = 0.5;
/// A place or a drag further than this (CSS pixels, either way) is on no
/// screen: refused even where the bounds are not known.
const MAX_PX: f64 = 10_000_000.0;

/// A swiper's `change` and `animationfinish`: `current` one of its items
/// (up to the last one that still fills the swiper with
/// `display-multiple-items`, unless circular), `source` one of WeChat's
/// (`autoplay` only when it autoplays), and `currentItemId`, when given,
/// that item's `item-id`.
pub(super) fn swiper(element: &VElement, detail: &Json) -> Result<(), String> {
    let items: Vec<&VElement> = children(element, "swiper-item").collect();
    let current = index(detail, "current")?;
    let shown = match attr(element, "display-multiple-items") {
        None => 1,
        Some(text) => (text.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 1.0)
            .map_or(1, |n| n as usize),
    };
    let last = match attr(element, "circular") {
        Some(_) => items.len().checked_sub(1),
        None => items.len().checked_sub(shown.min(items.len().max(1))),
    };
    match last {
        None => return Err(format!("`current` {current}: it has no swiper-item")),
        Some(last) if current > last => {
            return Err(format!(
                "`current` {current} is outside its items 0 to {last}"
            ));
        }
        Some(_) => {}
    }
    let source = detail.get("source");
    match source.and_then(Json::as_str) {
        Some("autoplay") if attr(element, "autoplay").is_none() => {
            return Err("`source` is `autoplay` but it does not autoplay".into());
        }
        Some(s) if SWIPER_SOURCES.contains(&s) => {}
        _ => {
            return Err(format!(
                "`source` must be `autoplay`, `touch` or empty, not {}",
                shown_json(source)
            ));
        }
    }
    if let Some(id) = detail.get("currentItemId") {
        let expected = attr(items[current], "item-id").unwrap_or("");
        if id.as_str() != Some(expected) {
            return Err(format!(
                "`currentItemId` {id} is not item {current}'s `item-id` \"{expected}\""
            ));
        }
    }
    Ok(())
}

/// A swiper's `transition`: how far it is dragged, `dx` and `dy`, finite
/// numbers.
pub(super) fn transition(_: &VElement, detail: &Json) -> Result<(), String> {
    place(detail, "dx")?;
    place(detail, "dy")?;
    Ok(())
}

/// A picker-view's `change`: `value` an array of one index per column,
/// each one of that column's items.
pub(super) fn picker_view(element: &VElement, detail: &Json) -> Result<(), String> {
    let columns: Vec<&VElement> = children(element, "picker-view-column").collect();
    let value = detail.get("value");
    let Some(values) = value.and_then(Json::as_array) else {
        return Err(format!(
            "`value` must be an array of indices, not {}",
            shown_json(value)
        ));
    };
    if values.len() != columns.len() {
        return Err(format!(
            "`value` has {} indices for its {} columns",
            values.len(),
            columns.len()
        ));
    }
    for (at, (v, column)) in values.iter().zip(&columns).enumerate() {
        let items = elements(column).count();
        v.as_u64()
            .filter(|i| usize::try_from(*i).is_ok_and(|i| i < items))
            .ok_or_else(|| match items {
                0 => format!("`value[{at}]` {v}: column {at} has no items"),
                n => format!(
                    "`value[{at}]` {v} is not one of column {at}'s items 0 to {}",
                    n - 1
                ),
            })?;
    }
    Ok(())
}

/// A movable-view's `change` (without its area: [`within_area`] checks
/// that): `x` and `y` finite numbers, `source` one of WeChat's; the user
/// moves it only along its `direction` (none by default), so the other
/// coordinate stays where the app put it, and a change the app made
/// (`source` empty) reports where the app put it.
pub(super) fn movable(element: &VElement, detail: &Json) -> Result<(), String> {
    let x = place(detail, "x")?;
    let y = place(detail, "y")?;
    let source = detail.get("source");
    let Some(source) = source
        .and_then(Json::as_str)
        .filter(|s| MOVABLE_SOURCES.contains(s))
    else {
        return Err(format!(
            "`source` must be one of `touch`, `touch-out-of-bounds`, `out-of-bounds`, \
             `friction` or empty, not {}",
            shown_json(source)
        ));
    };
    let placed = |name: &str| attr(element, name).and_then(|v| v.trim().parse::<f64>().ok());
    let stays = |name: &str, v: f64| {
        let at = placed(name).unwrap_or(0.0);
        if (v - at).abs() > SLACK {
            return Err(format!(
                "`{name}` {} is not its `{name}` {}: {}",
                quote::number(v),
                quote::number(at),
                why_stays(source)
            ));
        }
        Ok(())
    };
    if source.is_empty() {
        return stays("x", x).and(stays("y", y));
    }
    if attr(element, "disabled").is_some() {
        return Err("it is `disabled`: the user cannot move it".into());
    }
    match attr(element, "direction").unwrap_or("none") {
        "all" => {}
        "horizontal" => stays("y", y)?,
        "vertical" => stays("x", x)?,
        _ => return Err("its `direction` is `none`: the user cannot move it".into()),
    }
    if source.contains("out-of-bounds") && attr(element, "out-of-bounds").is_none() {
        return Err(format!(
            "`source` is `{source}` but it has no `out-of-bounds`"
        ));
    }
    Ok(())
}

fn why_stays(source: &str) -> &'static str {
    if source.is_empty() {
        "a change the app made reports where the app put it"
    } else {
        "its `direction` does not move it that way"
    }
}

/// A movable-view's place within `area`, its movable-area, where both
/// sizes are known (the area's `width` and `height` in `px` in its style;
/// the view's, else WeChat's 10px, scaled down to its `scale-min` when it
/// scales): `x` and `y` keep the view inside the area (or the area inside
/// a larger view), unless the change is an out-of-bounds one.
pub(super) fn within_area(
    element: &VElement,
    area: Option<&VElement>,
    detail: &Json,
) -> Result<(), String> {
    let Some(area) = area.filter(|a| a.tag == "movable-area") else {
        return Ok(());
    };
    let source = detail.get("source").and_then(Json::as_str).unwrap_or("");
    if source.contains("out-of-bounds") {
        return Ok(());
    }
    let scale = match attr(element, "scale") {
        Some(_) => scale_bounds(element)?.0,
        None => 1.0,
    };
    for (axis, size) in [("x", "width"), ("y", "height")] {
        let Some(room) = px(area, size) else {
            continue;
        };
        let own = px(element, size).unwrap_or(MOVABLE_DEFAULT_SIZE) * scale;
        let (low, high) = (0.0_f64.min(room - own), 0.0_f64.max(room - own));
        let Some(v) = detail.get(axis).and_then(Json::as_f64) else {
            continue;
        };
        if v < low - SLACK || v > high + SLACK {
            let [v, low, high, room, own] = [v, low, high, room, own].map(quote::number);
            return Err(format!(
                "`{axis}` {v} is outside its movable-area: {low} to {high} (the area's {size} \
                 {room}px, its own {own}px)"
            ));
        }
    }
    Ok(())
}

/// A movable-view's `scale`: only when it scales, `scale` within its
/// `scale-min` (WeChat's 0.1) to `scale-max` (10), `x` and `y` finite.
pub(super) fn scale(element: &VElement, detail: &Json) -> Result<(), String> {
    enabled(element)?;
    if attr(element, "scale").is_none() {
        return Err("it has no `scale`: the user cannot scale it".into());
    }
    place(detail, "x")?;
    place(detail, "y")?;
    let (min, max) = scale_bounds(element)?;
    let s = number(detail, "scale")?;
    if s < min || s > max {
        let [s, min, max] = [s, min, max].map(quote::number);
        return Err(format!(
            "`scale` {s} is outside `scale-min` {min} to `scale-max` {max}"
        ));
    }
    Ok(())
}

/// A movable-view's rendered `scale-min` (WeChat's 0.1) and `scale-max`
/// (10): each a number above 0, the first not above the second; else the
/// event is refused naming it, as a slider's `min` that is not a number.
fn scale_bounds(element: &VElement) -> Result<(f64, f64), String> {
    let bound = |name: &str, default: f64| match attr(element, name) {
        None => Ok(default),
        Some(text) => (text.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n > 0.0)
            .ok_or_else(|| format!("its `{name}` is `{text}`, not a number above 0")),
    };
    let (min, max) = (bound("scale-min", 0.1)?, bound("scale-max", 10.0)?);
    if min > max {
        let [min, max] = [min, max].map(quote::number);
        return Err(format!(
            "its `scale-min` {min} is above its `scale-max` {max}"
        ));
    }
    Ok((min, max))
}

/// A scroll-view's `scroll`: WeChat's `scrollLeft`, `scrollTop`,
/// `scrollHeight`, `scrollWidth`, `deltaX` and `deltaY`, each a number of
/// CSS pixels within [`MAX_PX`] either way, the sizes not below 0.
pub(super) fn scrolled(_: &VElement, detail: &Json) -> Result<(), String> {
    for name in ["scrollLeft", "scrollTop", "deltaX", "deltaY"] {
        place(detail, name)?;
    }
    for name in ["scrollHeight", "scrollWidth"] {
        size(detail, name)?;
    }
    Ok(())
}

/// A scroll-view's `scrolltoupper` and `scrolltolower`: `direction` the
/// edge it reached, one of WeChat's.
pub(super) fn scrolled_to_edge(_: &VElement, detail: &Json) -> Result<(), String> {
    let direction = detail.get("direction");
    match direction.and_then(Json::as_str) {
        Some("top" | "bottom" | "left" | "right") => Ok(()),
        _ => Err(format!(
            "`direction` must be `top`, `bottom`, `left` or `right`, not {}",
            shown_json(direction)
        )),
    }
}

/// An image's or cover-image's `load`: WeChat's `width` and `height` of
/// the picture, each a number of pixels from 0 within [`MAX_PX`].
pub(super) fn loaded(_: &VElement, detail: &Json) -> Result<(), String> {
    size(detail, "width")?;
    size(detail, "height")?;
    Ok(())
}

/// `detail[name]`, a size: a [`place`] not below 0.
pub(super) fn size(detail: &Json, name: &str) -> Result<f64, String> {
    let px = place(detail, name)?;
    match px >= 0.0 {
        true => Ok(px),
        false => Err(format!("`{name}` {} px is below 0", quote::number(px))),
    }
}

/// `detail[name]`, a finite number.
fn number(detail: &Json, name: &str) -> Result<f64, String> {
    let value = detail.get(name);
    value
        .and_then(Json::as_f64)
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("`{name}` must be a number, not {}", shown_json(value)))
}

/// `detail[name]`, a finite number of CSS pixels within [`MAX_PX`] either
/// way.
pub(super) fn place(detail: &Json, name: &str) -> Result<f64, String> {
    let px = number(detail, name)?;
    match px.abs() <= MAX_PX {
        true => Ok(px),
        false => Err(format!(
            "`{name}` {} px is on no screen (at most {MAX_PX} either way)",
            shown_json(detail.get(name))
        )),
    }
}

/// `detail[name]`, a whole number from 0.
fn index(detail: &Json, name: &str) -> Result<usize, String> {
    let value = detail.get(name);
    value
        .and_then(Json::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            format!(
                "`{name}` must be a whole number from 0, not {}",
                shown_json(value)
            )
        })
}

fn shown_json(value: Option<&Json>) -> String {
    quote::json(value)
}

/// The element children of `element`.
fn elements(element: &VElement) -> impl Iterator<Item = &VElement> {
    element.children.iter().filter_map(|child| match child {
        VNode::Element(e) => Some(&**e),
        VNode::Text(_) => None,
    })
}

/// The children of `element` that are `tag`s.
fn children<'e>(element: &'e VElement, tag: &'static str) -> impl Iterator<Item = &'e VElement> {
    elements(element).filter(move |e| e.tag == tag)
}

/// The CSS pixels of `property` in `element`'s style (`width: 300px`, or a
/// bare number), if given so.
fn px(element: &VElement, property: &str) -> Option<f64> {
    let style = attr(element, "style")?;
    let value = style.split(';').rev().find_map(|declaration| {
        let (name, value) = declaration.split_once(':')?;
        (name.trim().eq_ignore_ascii_case(property)).then_some(value.trim())
    })?;
    let number = value.strip_suffix("px").unwrap_or(value).trim();
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use crate::render::Tree;
    use crate::testing::{handler_or_refusal, rendered};

    const PAGE: &str = r#"<swiper id="banner" current="{{current}}" bindchange="swiped" bindtransition="moving" bindanimationfinish="settled">
  <swiper-item wx:for="{{items}}" wx:key="*this" item-id="{{item}}"><view>{{item}}</view></swiper-item>
</swiper>
<swiper id="auto" autoplay circular display-multiple-items="2" bindchange="swiped">
  <swiper-item>1</swiper-item><swiper-item>2</swiper-item><swiper-item>3</swiper-item>
</swiper>
<swiper id="two" display-multiple-items="2" bindchange="swiped">
  <swiper-item>1</swiper-item><swiper-item>2</swiper-item><swiper-item>3</swiper-item>
</swiper>
<swiper id="empty" bindchange="swiped"></swiper>
<picker-view id="when" value="{{[1, 2]}}" bindchange="picked" bindpickstart="start">
  <picker-view-column><view>a</view><view>b</view></picker-view-column>
  <picker-view-column><view wx:for="{{items}}" wx:key="*this">{{item}}</view></picker-view-column>
</picker-view>
<movable-area style="width: 300px; height: 200px">
  <movable-view id="card" direction="all" x="20" style="width: 100px; height: 50px" bindchange="moved" bindscale="scaled"/>
  <movable-view id="rail" direction="horizontal" y="30" bindchange="moved"/>
  <movable-view id="still" bindchange="moved"/>
  <movable-view id="loose" direction="all" out-of-bounds bindchange="moved"/>
  <movable-view id="zoom" direction="all" scale scale-min="0.5" scale-max="4" bindscale="scaled" bindchange="moved"/>
  <movable-view id="off" direction="all" disabled bindchange="moved"/>
</movable-area>
<view style="width: 10px"><movable-view id="free" direction="all" bindchange="moved"/></view>"#;

    fn tree() -> Tree {
        rendered(PAGE, &json!({"current": 1, "items": ["x", "y", "z"]}))
    }

    /// The handler `kind` with `detail` on `#id` reaches, or why it is refused.
    fn send(id: &str, kind: &str, detail: Json) -> Result<String, String> {
        handler_or_refusal(&tree(), id, kind, detail)
    }

    #[test]
    fn a_swiper_change_to_one_of_its_items_reaches_the_app() {
        let change = |current: u32, id: &str| {
            send(
                "banner",
                "change",
                json!({"current": current, "source": "touch", "currentItemId": id}),
            )
        };
        assert_eq!(change(2, "z").unwrap(), "swiped");
        assert_eq!(change(0, "x").unwrap(), "swiped");
        let settled = json!({"current": 1, "source": ""});
        assert_eq!(
            send("banner", "animationfinish", settled).unwrap(),
            "settled"
        );
        let dragged = json!({"dx": -12.5, "dy": 0});
        assert_eq!(send("banner", "transition", dragged).unwrap(), "moving");
        // Circular with two shown: any item; autoplay may say so.
        let auto = json!({"current": 2, "source": "autoplay"});
        assert_eq!(send("auto", "change", auto).unwrap(), "swiped");
    }

    #[test]
    fn an_impossible_swiper_change_is_refused_naming_it() {
        let refused = |id: &str, detail: Json| send(id, "change", detail).unwrap_err();
        assert_eq!(
            refused("banner", json!({"current": 3, "source": "touch"})),
            "`change` on <swiper>: `current` 3 is outside its items 0 to 2"
        );
        assert_eq!(
            refused("banner", json!({"current": -1, "source": "touch"})),
            "`change` on <swiper>: `current` must be a whole number from 0, not -1"
        );
        assert_eq!(
            refused("banner", json!({"current": 1.5, "source": "touch"})),
            "`change` on <swiper>: `current` must be a whole number from 0, not 1.5"
        );
        // Two shown, not circular: the last start is item 1.
        assert_eq!(
            refused("two", json!({"current": 2, "source": "touch"})),
            "`change` on <swiper>: `current` 2 is outside its items 0 to 1"
        );
        assert_eq!(
            refused("empty", json!({"current": 0, "source": "touch"})),
            "`change` on <swiper>: `current` 0: it has no swiper-item"
        );
        assert_eq!(
            refused("banner", json!({"current": 1, "source": "autoplay"})),
            "`change` on <swiper>: `source` is `autoplay` but it does not autoplay"
        );
        assert_eq!(
            refused("banner", json!({"current": 1, "source": "shake"})),
            "`change` on <swiper>: `source` must be `autoplay`, `touch` or empty, not \"shake\""
        );
        assert_eq!(
            refused(
                "banner",
                json!({"current": 1, "source": "touch", "currentItemId": "z"})
            ),
            "`change` on <swiper>: `currentItemId` \"z\" is not item 1's `item-id` \"y\""
        );
        assert_eq!(
            send("banner", "transition", json!({"dx": "far", "dy": 0})).unwrap_err(),
            "`transition` on <swiper>: `dx` must be a number, not \"far\""
        );
        assert_eq!(
            send("banner", "transition", json!({"dx": 0, "dy": -1e300})).unwrap_err(),
            "`transition` on <swiper>: `dy` -1e+300 px is on no screen (at most 10000000 either way)"
        );
        assert_eq!(
            send(
                "banner",
                "animationfinish",
                json!({"current": 9, "source": ""})
            )
            .unwrap_err(),
            "`animationfinish` on <swiper>: `current` 9 is outside its items 0 to 2"
        );
    }

    #[test]
    fn a_picker_view_value_must_be_one_row_of_each_column() {
        assert_eq!(
            send("when", "change", json!({"value": [1, 2]})).unwrap(),
            "picked"
        );
        assert_eq!(send("when", "pickstart", json!({})).unwrap(), "start");
        for (value, why) in [
            (
                json!([2, 0]),
                "`value[0]` 2 is not one of column 0's items 0 to 1",
            ),
            (
                json!([0, 3]),
                "`value[1]` 3 is not one of column 1's items 0 to 2",
            ),
            (
                json!([0, -1]),
                "`value[1]` -1 is not one of column 1's items 0 to 2",
            ),
            (json!([0]), "`value` has 1 indices for its 2 columns"),
            (json!([0, 1, 0]), "`value` has 3 indices for its 2 columns"),
            (
                json!("0,1"),
                "`value` must be an array of indices, not \"0,1\"",
            ),
        ] {
            assert_eq!(
                send("when", "change", json!({ "value": value })).unwrap_err(),
                format!("`change` on <picker-view>: {why}")
            );
        }
    }

    #[test]
    fn a_movable_view_moves_within_its_area_along_its_direction() {
        let moved = |id: &str, x: f64, y: f64, source: &str| {
            send(id, "change", json!({"x": x, "y": y, "source": source}))
        };
        // A 100x50 card in a 300x200 area: x 0 to 200, y 0 to 150.
        assert_eq!(moved("card", 200.0, 150.0, "touch").unwrap(), "moved");
        assert_eq!(moved("card", 0.0, 0.0, "friction").unwrap(), "moved");
        assert_eq!(moved("rail", 290.0, 30.0, "touch").unwrap(), "moved");
        // The app's own x, y (WeChat's empty source), and no area known.
        assert_eq!(moved("still", 0.0, 0.0, "").unwrap(), "moved");
        assert_eq!(moved("free", 5000.0, -3.0, "touch").unwrap(), "moved");
        assert_eq!(
            moved("loose", 400.0, -80.0, "touch-out-of-bounds").unwrap(),
            "moved"
        );
        let scaled = json!({"x": 0, "y": 0, "scale": 3.5});
        assert_eq!(send("zoom", "scale", scaled).unwrap(), "scaled");
    }

    #[test]
    fn an_impossible_movable_view_place_is_refused_naming_it() {
        let refused = |id: &str, x: Json, y: Json, source: &str| {
            send(id, "change", json!({"x": x, "y": y, "source": source})).unwrap_err()
        };
        let why = |text: &str| format!("`change` on <movable-view>: {text}");
        assert_eq!(
            refused("card", json!(201), json!(0), "touch"),
            why(
                "`x` 201 is outside its movable-area: 0 to 200 (the area's width 300px, its own 100px)"
            )
        );
        assert_eq!(
            refused("card", json!(0), json!(-10), "friction"),
            why(
                "`y` -10 is outside its movable-area: 0 to 150 (the area's height 200px, its own 50px)"
            )
        );
        assert_eq!(
            refused("card", json!(null), json!(0), "touch"),
            why("`x` must be a number, not null")
        );
        assert_eq!(
            refused("card", json!("1"), json!(0), "touch"),
            why("`x` must be a number, not \"1\"")
        );
        // Where the area's size is not known: still a place on a screen.
        assert_eq!(
            refused("free", json!(1e12), json!(0), "touch"),
            why("`x` 1000000000000.0 px is on no screen (at most 10000000 either way)")
        );
        assert_eq!(
            refused("card", json!(0), json!(0), "teleport"),
            why(
                "`source` must be one of `touch`, `touch-out-of-bounds`, `out-of-bounds`, \
                 `friction` or empty, not \"teleport\""
            )
        );
        assert_eq!(
            refused("card", json!(-50), json!(0), "touch-out-of-bounds"),
            why("`source` is `touch-out-of-bounds` but it has no `out-of-bounds`")
        );
        assert_eq!(
            refused("rail", json!(10), json!(40), "touch"),
            why("`y` 40 is not its `y` 30: its `direction` does not move it that way")
        );
        assert_eq!(
            refused("still", json!(10), json!(0), "touch"),
            why("its `direction` is `none`: the user cannot move it")
        );
        assert_eq!(
            refused("card", json!(50), json!(0), ""),
            why("`x` 50 is not its `x` 20: a change the app made reports where the app put it")
        );
        assert_eq!(
            refused("off", json!(1), json!(1), "touch"),
            why("it is `disabled`: the user cannot move it")
        );
        let scale =
            |id: &str, s: f64| send(id, "scale", json!({"x": 0, "y": 0, "scale": s})).unwrap_err();
        assert_eq!(
            scale("zoom", 5.0),
            "`scale` on <movable-view>: `scale` 5 is outside `scale-min` 0.5 to `scale-max` 4"
        );
        assert_eq!(
            scale("card", 1.0),
            "`scale` on <movable-view>: it has no `scale`: the user cannot scale it"
        );
    }
}
