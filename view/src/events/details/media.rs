//! A video's or audio's event details, as WeChat gives them: each time a
//! finite number of seconds within the duration.

use serde_json::Value as Json;

use crate::quote;
use crate::render::VElement;

/// Characters at most in a media error's `errMsg`.
const ERR_MSG_CHARS: usize = 256;
/// A media time or size above this (a year of seconds, a 16K picture's
/// side is far below) is not one a player reports.
const MEDIA_MAX: f64 = 366.0 * 24.0 * 3600.0;

/// A video's or audio's event detail, as WeChat gives it: `play`,
/// `pause`, `ended`, `waiting` an empty object; `timeupdate`
/// `{currentTime, duration}` with the time within the duration;
/// `loadedmetadata` `{width, height, duration}` (an audio's width and
/// height 0 or left out); `progress` `{buffered}`, a
/// percentage; `seekcomplete` `{position}`; `fullscreenchange`
/// `{fullScreen, direction}`; `error` `{errMsg}`. Every time is a finite
/// number of seconds, not negative.
pub(super) fn check(element: &VElement, kind: &str, detail: &Json) -> Result<(), String> {
    let Some(object) = detail.as_object() else {
        return Err(format!(
            "the detail must be an object, not {}",
            quote::json(Some(detail))
        ));
    };
    let expected: &[&str] = match kind {
        "timeupdate" => &["currentTime", "duration"],
        "loadedmetadata" => &["width", "height", "duration"],
        "progress" => &["buffered"],
        "seekcomplete" => &["position"],
        "fullscreenchange" => &["fullScreen", "direction"],
        "error" => &["errMsg"],
        _ => &[],
    };
    if let Some(extra) = object.keys().find(|k| !expected.contains(&k.as_str())) {
        return Err(match expected.is_empty() {
            true => format!("its detail is empty on WeChat, not `{extra}`"),
            false => format!("`{extra}` is not one of `{}`", expected.join("`, `")),
        });
    }
    let seconds = |name: &str, most: f64| match detail.get(name).and_then(Json::as_f64) {
        Some(v) if v.is_finite() && (0.0..=most).contains(&v) => Ok(v),
        Some(v) => Err(format!(
            "`{name}` {} is not a time from 0 to {}",
            quote::number(v),
            quote::number(most)
        )),
        None => Err(format!(
            "`{name}` must be a number, not {}",
            quote::json(detail.get(name))
        )),
    };
    match kind {
        "timeupdate" => {
            let duration = seconds("duration", MEDIA_MAX)?;
            seconds("currentTime", duration)?;
        }
        "loadedmetadata" => {
            seconds("duration", MEDIA_MAX)?;
            if element.tag == "video" {
                seconds("width", MEDIA_MAX)?;
                seconds("height", MEDIA_MAX)?;
            } else if let Some(side) = ["width", "height"]
                .into_iter()
                .find(|side| detail.get(*side).is_some_and(|v| v.as_f64() != Some(0.0)))
            {
                return Err(format!(
                    "`{side}` must be 0 on an <audio>, which has no picture, not {}",
                    quote::json(detail.get(side))
                ));
            }
        }
        "progress" => {
            seconds("buffered", 100.0).map_err(|_| {
                format!(
                    "`buffered` must be a percentage from 0 to 100, not {}",
                    quote::json(detail.get("buffered"))
                )
            })?;
        }
        "seekcomplete" => {
            seconds("position", MEDIA_MAX)?;
        }
        "fullscreenchange" => {
            let full = detail.get("fullScreen").is_some_and(Json::is_boolean);
            let direction = detail.get("direction").and_then(Json::as_str);
            if !full || !matches!(direction, Some("vertical" | "horizontal")) {
                return Err(format!(
                    "`fullScreen` must be true or false and `direction` vertical or horizontal, not {}",
                    quote::json(Some(detail))
                ));
            }
        }
        "error" => match detail.get("errMsg") {
            Some(Json::String(m)) if m.chars().count() <= ERR_MSG_CHARS => {}
            other => {
                return Err(format!(
                    "`errMsg` must be text of at most {ERR_MSG_CHARS} characters, not {}",
                    quote::json(other)
                ));
            }
        },
        _ => {}
    }
    Ok(())
}
