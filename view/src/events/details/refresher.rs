//! A scroll-view's drags and its pull-to-refresh, as WeChat reports them:
//! `dragstart`, `dragging` and `dragend` carry where it is scrolled
//! (`scrollTop`, `scrollLeft`, and `dragend` the drag's `velocity`), each a
//! place on a screen; `refresherpulling`, `refresherrefresh`,
//! `refresherrestore` and `refresherabort` carry how far it is pulled
//! (`dy`), only on a scroll-view with `refresher-enabled`, a refresh at
//! least its `refresher-threshold` (WeChat's 45px) and an abort short of it.

use serde_json::Value as Json;

use super::attr;
use super::widgets::{place, size};
use crate::quote;

/// WeChat's `refresher-threshold` where none is given, CSS px.
const THRESHOLD: f64 = 45.0;
/// How far (CSS px) a reported pull may be off the threshold, for rounding
/// in the client.
const SLACK: f64 = 0.5;

/// `dragstart`, `dragging`, `dragend`: `scrollTop` and `scrollLeft` places
/// on a screen, and a `velocity` (when given) of `x` and `y` ones.
pub(super) fn dragged(_: &crate::render::VElement, detail: &Json) -> Result<(), String> {
    place(detail, "scrollTop")?;
    place(detail, "scrollLeft")?;
    match detail.get("velocity") {
        None => Ok(()),
        Some(velocity) if velocity.is_object() => {
            place(velocity, "x").map_err(|why| format!("`velocity`: {why}"))?;
            place(velocity, "y").map_err(|why| format!("`velocity`: {why}"))?;
            Ok(())
        }
        Some(other) => Err(format!(
            "`velocity` must be an object of `x` and `y`, not {}",
            quote::json(Some(other))
        )),
    }
}

/// A refresher event `kind`: the scroll-view has `refresher-enabled`, and
/// `dy` is a size on a screen, at least its threshold for a refresh and
/// short of it for an abort.
pub(super) fn check(
    element: &crate::render::VElement,
    kind: &str,
    detail: &Json,
) -> Result<(), String> {
    if attr(element, "refresher-enabled").is_none() {
        return Err("it has no `refresher-enabled`: the user cannot pull it".into());
    }
    let dy = size(detail, "dy")?;
    let threshold = match attr(element, "refresher-threshold") {
        None => THRESHOLD,
        Some(text) => (text.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| format!("its `refresher-threshold` is `{text}`, not a number from 0"))?,
    };
    let [shown, limit] = [dy, threshold].map(quote::number);
    match kind {
        "refresherrefresh" if dy < threshold - SLACK => Err(format!(
            "`dy` {shown} is short of its `refresher-threshold` {limit}: a pull that short \
             does not refresh"
        )),
        "refresherabort" if dy > threshold + SLACK => Err(format!(
            "`dy` {shown} is past its `refresher-threshold` {limit}: a pull that far \
             refreshes, it does not abort"
        )),
        _ => Ok(()),
    }
}
