//! The `animation` attribute: WeChat's `wx.createAnimation(...).export()`
//! (`{actions: [{animates, option}]}`) bound on any component as
//! `animation="{{ani}}"`. The value is page data, so untrusted: it is read
//! into [`Step`]s (known animates, finite numbers, lengths, colors and
//! timing functions only, at most [`MAX_STEPS`] steps), each a set of CSS
//! declarations and the transition that reaches them. The rendered
//! attribute is those steps as JSON ([`to_attribute`]); a client plays
//! them in order as CSS transitions and keeps the last state
//! ([`final_style`], what headless output shows).

use serde_json::{Value as Json, json};

use crate::safety;

/// Steps one export may hold.
pub const MAX_STEPS: usize = 64;

/// Animates one step may hold (every kind once is 33).
pub const MAX_ANIMATES: usize = 64;

/// Bytes of one string argument (a length, a color, an origin).
const MAX_TEXT: usize = 64;

/// The longest duration or delay, in milliseconds (ten minutes).
pub const MAX_MILLIS: f64 = 600_000.0;

/// The largest magnitude of a number argument.
const MAX_NUMBER: f64 = 1e9;

/// WeChat's timing functions.
pub const TIMING_FUNCTIONS: &[&str] = &[
    "linear",
    "ease",
    "ease-in",
    "ease-in-out",
    "ease-out",
    "step-start",
    "step-end",
];

/// The style properties an animate of type `style` may set.
const STYLE_PROPERTIES: &[&str] = &[
    "opacity",
    "background-color",
    "width",
    "height",
    "top",
    "left",
    "bottom",
    "right",
];

/// One step: CSS declarations reached by one transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The transition's duration, in milliseconds.
    pub duration: u32,
    /// Its delay, in milliseconds.
    pub delay: u32,
    /// Its timing function (one of [`TIMING_FUNCTIONS`]).
    pub timing: &'static str,
    /// The declarations, in the order the animates named them; the
    /// transform functions joined as one `transform` (with its
    /// `transform-origin`).
    pub style: Vec<(&'static str, String)>,
}

/// The steps of an export (`{actions: [...]}`); `Ok(None)` for nothing to
/// play (`undefined`, `null`, `{}`, no actions). The error says which step
/// and animate is wrong and why.
pub fn steps(value: &Json) -> Result<Option<Vec<Step>>, String> {
    let actions = match value {
        Json::Null => return Ok(None),
        Json::Object(fields) => match fields.get("actions") {
            None | Some(Json::Null) => return Ok(None),
            Some(Json::Array(actions)) => actions,
            Some(_) => return Err("`actions` is not an array".into()),
        },
        _ => return Err("not an animation's export (an object with `actions`)".into()),
    };
    if actions.len() > MAX_STEPS {
        return Err(format!(
            "{} steps, over the limit of {MAX_STEPS}",
            actions.len()
        ));
    }
    if actions.is_empty() {
        return Ok(None);
    }
    let steps = actions
        .iter()
        .enumerate()
        .map(|(i, action)| step(action).map_err(|e| format!("step {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(steps))
}

/// The attribute a client plays: `[{duration, delay, timing, style:
/// [[property, value]...]}...]`.
pub fn to_attribute(steps: &[Step]) -> String {
    let steps: Vec<Json> = steps
        .iter()
        .map(|s| {
            json!({
                "duration": s.duration,
                "delay": s.delay,
                "timing": s.timing,
                "style": s.style,
            })
        })
        .collect();
    Json::Array(steps).to_string()
}

/// The state a rendered attribute ([`to_attribute`]) ends in: every
/// declaration of every step, a later step's value replacing an earlier
/// one, as `property:value;...` (empty for a value that is not one).
pub fn final_style(attribute: &str) -> String {
    let Ok(Json::Array(steps)) = serde_json::from_str::<Json>(attribute) else {
        return String::new();
    };
    let mut last: Vec<(String, String)> = Vec::new();
    let declarations = steps
        .iter()
        .filter_map(|s| s.get("style")?.as_array())
        .flatten()
        .filter_map(|pair| Some((pair.get(0)?.as_str()?, pair.get(1)?.as_str()?)));
    for (property, value) in declarations {
        match last.iter_mut().find(|(p, _)| p == property) {
            Some(slot) => slot.1 = value.to_string(),
            None => last.push((property.to_string(), value.to_string())),
        }
    }
    last.iter()
        .map(|(p, v)| format!("{p}:{v}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// One action (`{animates, option}`) as a step.
fn step(action: &Json) -> Result<Step, String> {
    let option = action.get("option").unwrap_or(&Json::Null);
    let transition = option.get("transition").unwrap_or(&Json::Null);
    let duration = millis(transition.get("duration"), 400, "duration")?;
    let delay = millis(transition.get("delay"), 0, "delay")?;
    let timing = match transition.get("timingFunction") {
        None | Some(Json::Null) => "linear",
        Some(Json::String(name)) => TIMING_FUNCTIONS
            .iter()
            .copied()
            .find(|t| t == name)
            .ok_or_else(|| {
                format!(
                    "unknown timing function `{}` (expected one of: {})",
                    clip(name),
                    TIMING_FUNCTIONS.join(", ")
                )
            })?,
        Some(other) => return Err(format!("timingFunction {other} is not a name")),
    };
    let animates = match action.get("animates") {
        None | Some(Json::Null) => &Vec::new(),
        Some(Json::Array(animates)) => animates,
        Some(_) => return Err("`animates` is not an array".into()),
    };
    if animates.len() > MAX_ANIMATES {
        return Err(format!(
            "{} animates, over the limit of {MAX_ANIMATES}",
            animates.len()
        ));
    }
    let mut style: Vec<(&'static str, String)> = Vec::new();
    let mut transforms = Vec::new();
    for animate in animates {
        let kind = animate.get("type").and_then(Json::as_str).unwrap_or("");
        let args = match animate.get("args") {
            Some(Json::Array(args)) => args.as_slice(),
            None | Some(Json::Null) => &[],
            Some(_) => return Err(format!("the args of `{}` are not an array", clip(kind))),
        };
        let named = |e: String| format!("{}: {e}", clip(kind));
        if kind == "style" {
            let (property, value) = style_declaration(args).map_err(named)?;
            set(&mut style, property, value);
        } else {
            transforms.push(transform(kind, args).map_err(named)?);
        }
    }
    if !transforms.is_empty() {
        let origin = match option.get("transformOrigin") {
            None | Some(Json::Null) => "50% 50% 0".to_string(),
            Some(Json::String(origin)) => transform_origin(origin)?,
            Some(other) => return Err(format!("transformOrigin {other} is not a string")),
        };
        set(&mut style, "transform", transforms.join(" "));
        set(&mut style, "transform-origin", origin);
    }
    Ok(Step {
        duration,
        delay,
        timing,
        style,
    })
}

/// Set `property` in `style`, in place if it is there.
fn set(style: &mut Vec<(&'static str, String)>, property: &'static str, value: String) {
    match style.iter_mut().find(|(p, _)| *p == property) {
        Some(slot) => slot.1 = value,
        None => style.push((property, value)),
    }
}

/// A duration or delay: a whole number of milliseconds, `default` if absent.
fn millis(value: Option<&Json>, default: u32, what: &str) -> Result<u32, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    match value.as_f64() {
        Some(ms) if (0.0..=MAX_MILLIS).contains(&ms) => Ok(ms.round() as u32),
        _ => Err(format!(
            "{what} {value} is not a number of milliseconds from 0 to {MAX_MILLIS}"
        )),
    }
}

/// An animate of type `style`: `[property, value]`.
fn style_declaration(args: &[Json]) -> Result<(&'static str, String), String> {
    let [Json::String(name), value] = args else {
        return Err("expected [property, value]".into());
    };
    let property = STYLE_PROPERTIES
        .iter()
        .copied()
        .find(|p| p == name)
        .ok_or_else(|| {
            format!(
                "unknown property `{}` (expected one of: {})",
                clip(name),
                STYLE_PROPERTIES.join(", ")
            )
        })?;
    let value = match property {
        "opacity" => {
            let n = match value {
                Json::String(text) => text.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            match n {
                Some(n) if (0.0..=1.0).contains(&n) => number(n),
                _ => return Err(format!("opacity {value} is not a number from 0 to 1")),
            }
        }
        "background-color" => color(value)?,
        _ => length(value)?,
    };
    Ok((property, value))
}

/// A transform function from its animate.
fn transform(kind: &str, args: &[Json]) -> Result<String, String> {
    use Arg::{Angle, Length, Number};
    // Each kind: its CSS name, the kinds of its arguments, how many may be
    // left out (WeChat's defaults: `scale(2)` is `scale(2)`).
    let (arity, optional): (&[Arg], usize) = match kind {
        "rotate" | "rotateX" | "rotateY" | "rotateZ" | "skewX" | "skewY" => (&[Angle], 0),
        "rotate3d" => (&[Number, Number, Number, Angle], 0),
        "skew" => (&[Angle, Angle], 1),
        "scale" => (&[Number, Number], 1),
        "scaleX" | "scaleY" | "scaleZ" => (&[Number], 0),
        "scale3d" => (&[Number, Number, Number], 0),
        "translate" => (&[Length, Length], 1),
        "translateX" | "translateY" | "translateZ" => (&[Length], 0),
        "translate3d" => (&[Length, Length, Length], 0),
        "matrix" => (&[Number; 6], 0),
        "matrix3d" => (&[Number; 16], 0),
        _ => return Err("unknown animate type".into()),
    };
    if args.len() > arity.len() || args.len() < arity.len() - optional {
        return Err(format!(
            "{} arguments, expected {}",
            args.len(),
            arity.len()
        ));
    }
    let values = args
        .iter()
        .zip(arity)
        .map(|(value, arg)| match arg {
            Number => finite(value).map(number),
            Angle => finite(value).map(|n| format!("{}deg", number(n))),
            Length => length(value),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{kind}({})", values.join(", ")))
}

/// What an argument of a transform function is.
#[derive(Clone, Copy)]
enum Arg {
    /// A plain number.
    Number,
    /// A number of degrees.
    Angle,
    /// A length: a number of pixels or a CSS length.
    Length,
}

/// A finite number of bounded size.
fn finite(value: &Json) -> Result<f64, String> {
    value
        .as_f64()
        .filter(|n| n.abs() <= MAX_NUMBER)
        .ok_or_else(|| format!("{} is not a finite number", clip(&value.to_string())))
}

/// `n` as CSS writes it (`45`, `0.5`).
fn number(n: f64) -> String {
    if n == 0.0 { "0".into() } else { n.to_string() }
}

/// A length: a number of pixels, or a CSS length (`50%`, `10rpx`, `2em`,
/// `auto`), `rpx` as `vw`.
fn length(value: &Json) -> Result<String, String> {
    if let Json::String(text) = value {
        return css_length(text).ok_or_else(|| {
            format!(
                "`{}` is not a length (a number and px, rpx, %, vw, vh, em or rem, or auto)",
                clip(text)
            )
        });
    }
    finite(value).map(|n| format!("{}px", number(n)))
}

/// A CSS length as written, checked; `rpx` as `vw`.
fn css_length(text: &str) -> Option<String> {
    let text = text.trim();
    if text == "auto" || text == "0" {
        return Some(text.to_string());
    }
    let unit_at = text.find(|c: char| c.is_ascii_alphabetic() || c == '%')?;
    let (amount, unit) = text.split_at(unit_at);
    let amount_ok = amount.parse::<f64>().is_ok_and(|n| n.abs() <= MAX_NUMBER)
        && amount
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    let unit_ok = matches!(unit, "px" | "rpx" | "%" | "vw" | "vh" | "em" | "rem");
    (amount_ok && unit_ok && text.len() <= MAX_TEXT).then(|| safety::rpx_to_vw(text))
}

/// A color: `#rgb`, `#rrggbb` (and with alpha), `rgb()`/`rgba()`/`hsl()`/
/// `hsla()` of numbers, or a color name.
fn color(value: &Json) -> Result<String, String> {
    let text = value.as_str().map(str::trim).unwrap_or("");
    let hex = text.strip_prefix('#').is_some_and(|h| {
        matches!(h.len(), 3 | 4 | 6 | 8) && h.chars().all(|c| c.is_ascii_hexdigit())
    });
    let function = ["rgb(", "rgba(", "hsl(", "hsla("].iter().any(|f| {
        text.strip_prefix(f)
            .and_then(|rest| rest.strip_suffix(')'))
            .is_some_and(|inner| {
                inner
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ' ' | ',' | '.' | '%' | '/' | '-'))
            })
    });
    let name = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic());
    if (hex || function || name) && text.len() <= MAX_TEXT {
        return Ok(text.to_string());
    }
    Err(format!(
        "{} is not a color (#rgb, #rrggbb, rgb(), rgba(), hsl(), hsla() or a name)",
        clip(&value.to_string())
    ))
}

/// A `transform-origin`: one to three positions (keywords or lengths).
fn transform_origin(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let ok = (1..=3).contains(&parts.len())
        && text.len() <= MAX_TEXT
        && parts.iter().all(|p| {
            matches!(*p, "left" | "right" | "top" | "bottom" | "center") || css_length(p).is_some()
        });
    if !ok {
        return Err(format!(
            "transformOrigin `{}` is not one to three positions (left, right, top, bottom, center or lengths)",
            clip(text)
        ));
    }
    Ok(parts
        .iter()
        .map(|p| css_length(p).unwrap_or_else(|| p.to_string()))
        .collect::<Vec<_>>()
        .join(" "))
}

/// `text` cut to a length an error message can quote.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{RenderError, render};
    use crate::testing::{bare_context, rendered};
    use crate::{Limits, html, parse, select};

    /// What the SDK's (and WeChat's) export gives for
    /// `rotate(45).scale(2).step({duration: 300}); opacity(0.5).width(100).translate(10, "50%").step()`.
    fn export() -> Json {
        json!({"actions": [
            {"animates": [{"type": "rotate", "args": [45]}, {"type": "scale", "args": [2]}],
             "option": {"transition": {"duration": 300, "timingFunction": "ease-in", "delay": 0},
                        "transformOrigin": "left 10rpx"}},
            {"animates": [{"type": "rotate", "args": [45]}, {"type": "scale", "args": [2]},
                          {"type": "style", "args": ["opacity", 0.5]},
                          {"type": "style", "args": ["width", "100px"]},
                          {"type": "translate", "args": [10, "50%"]}],
             "option": {"transition": {"duration": 400, "timingFunction": "linear", "delay": 50},
                        "transformOrigin": "50% 50% 0"}}
        ]})
    }

    #[test]
    fn an_export_becomes_steps_of_css() {
        let steps = steps(&export()).unwrap().unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(
            (steps[0].duration, steps[0].delay, steps[0].timing),
            (300, 0, "ease-in")
        );
        assert_eq!(
            steps[0].style,
            [
                ("transform", "rotate(45deg) scale(2)".to_string()),
                ("transform-origin", "left 1.3333vw".to_string())
            ]
        );
        assert_eq!((steps[1].duration, steps[1].delay), (400, 50));
        assert_eq!(
            steps[1].style,
            [
                ("opacity", "0.5".to_string()),
                ("width", "100px".to_string()),
                (
                    "transform",
                    "rotate(45deg) scale(2) translate(10px, 50%)".to_string()
                ),
                ("transform-origin", "50% 50% 0".to_string())
            ]
        );
        assert_eq!(
            final_style(&to_attribute(&steps)),
            "transform:rotate(45deg) scale(2) translate(10px, 50%);transform-origin:50% 50% 0;opacity:0.5;width:100px"
        );
    }

    #[test]
    fn nothing_to_play_is_no_steps() {
        for empty in [
            json!(null),
            json!({}),
            json!({"actions": []}),
            json!({"actions": null}),
        ] {
            assert_eq!(steps(&empty), Ok(None), "{empty}");
        }
    }

    #[test]
    fn every_malformed_export_is_refused_by_name() {
        let step = |animates: Json, transition: Json| json!({"actions": [{"animates": animates, "option": {"transition": transition}}]});
        let cases = [
            (json!("x"), "not an animation's export"),
            (json!({"actions": 3}), "`actions` is not an array"),
            (
                step(json!([{"type": "spin", "args": [1]}]), json!({})),
                "step 1: spin: unknown animate type",
            ),
            (
                step(json!([{"type": "rotate", "args": ["45deg; x"]}]), json!({})),
                "rotate: \"45deg; x\" is not a finite number",
            ),
            (
                step(json!([{"type": "rotate", "args": [1, 2]}]), json!({})),
                "rotate: 2 arguments, expected 1",
            ),
            (
                step(json!([{"type": "matrix", "args": [1, 0, 0, 1]}]), json!({})),
                "matrix: 4 arguments, expected 6",
            ),
            (
                step(
                    json!([{"type": "style", "args": ["color", "red"]}]),
                    json!({}),
                ),
                "unknown property `color`",
            ),
            (
                step(
                    json!([{"type": "style", "args": ["opacity", 2]}]),
                    json!({}),
                ),
                "opacity 2 is not a number from 0 to 1",
            ),
            (
                step(
                    json!([{"type": "style", "args": ["width", "url(x)"]}]),
                    json!({}),
                ),
                "`url(x)` is not a length",
            ),
            (
                step(
                    json!([{"type": "style", "args": ["background-color", "red;x:url(y)"]}]),
                    json!({}),
                ),
                "is not a color",
            ),
            (
                step(json!([]), json!({"timingFunction": "bounce"})),
                "step 1: unknown timing function `bounce` (expected one of: linear, ease",
            ),
            (
                step(json!([]), json!({"duration": -1})),
                "duration -1 is not a number of milliseconds",
            ),
            (
                step(json!([]), json!({"delay": 1e12})),
                "delay 1000000000000.0 is not a number of milliseconds",
            ),
            (
                json!({"actions": vec![json!({}); MAX_STEPS + 1]}),
                "65 steps, over the limit of 64",
            ),
            (
                step(
                    json!(vec![
                        json!({"type": "scaleX", "args": [1]});
                        MAX_ANIMATES + 1
                    ]),
                    json!({}),
                ),
                "65 animates, over the limit of 64",
            ),
        ];
        for (value, expected) in cases {
            let error = steps(&value).expect_err(&value.to_string());
            assert!(error.contains(expected), "{value}: {error}");
        }
        let origin = json!({"actions": [{"animates": [{"type": "rotate", "args": [1]}], "option": {"transformOrigin": "url(x)"}}]});
        assert!(
            steps(&origin)
                .unwrap_err()
                .contains("transformOrigin `url(x)`")
        );
    }

    #[test]
    fn a_step_without_options_takes_wechats_defaults() {
        let steps =
            steps(&json!({"actions": [{"animates": [{"type": "translateX", "args": [5]}]}]}))
                .unwrap()
                .unwrap();
        assert_eq!(
            (steps[0].duration, steps[0].delay, steps[0].timing),
            (400, 0, "linear")
        );
        assert_eq!(
            steps[0].style,
            [
                ("transform", "translateX(5px)".to_string()),
                ("transform-origin", "50% 50% 0".to_string())
            ]
        );
    }

    #[test]
    fn any_component_carries_its_steps_and_headless_shows_where_they_end() {
        let source =
            "<view id=\"box\" animation=\"{{ani}}\"><text animation=\"{{none}}\">hi</text></view>";
        let tree = rendered(source, &json!({"ani": export()}));
        let html = html::to_html(&tree);
        assert!(html.starts_with("<div data-nid=\"1\" data-mp=\"view\" id=\"box\" data-animation=\"[{&quot;delay&quot;:0,&quot;duration&quot;:300,"), "{html}");
        assert!(
            html.contains("<span data-nid=\"2\" data-mp=\"text\">"),
            "{html}"
        );
        assert_eq!(
            select::outline(&tree)[0],
            "view#box [animation=\"transform:rotate(45deg) scale(2) translate(10px, 50%);transform-origin:50% 50% 0;opacity:0.5;width:100px\"]"
        );
    }

    #[test]
    fn a_malformed_animation_names_the_page_line_and_attribute() {
        let template = parse(
            "pages/index.wxml",
            "<view>\n  <view animation=\"{{ani}}\"/>\n</view>",
            &Limits::default(),
        )
        .unwrap();
        let bad = json!({"ani": {"actions": [{"animates": [], "option": {"transition": {"timingFunction": "bounce"}}}]}});
        let error = render(&template, &bad, &bare_context()).unwrap_err();
        assert!(
            matches!(error, RenderError::Attribute { line: 2, .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().starts_with("pages/index.wxml:2: attribute `animation` of `<view>`: step 1: unknown timing function `bounce`"),
            "{error}"
        );
        let errors = parse(
            "pages/index.wxml",
            "<view animation=\"fade\"/>",
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "pages/index.wxml:1:7: `animation` takes an animation's export as data: write `animation=\"{{name}}\"`"
        );
    }
}
