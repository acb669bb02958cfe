//! Animations as WeChat's `wx.createAnimation`: an [`Animation`] queues
//! changes (opacity, colors, sizes, positions, transforms) into the current
//! step, [`step`](Animation::step) closes a step, and
//! [`export`](Animation::export) gives the data a page binds on any
//! component as `animation="{{ani}}"`. The host's view plays the steps in
//! order as CSS transitions and keeps the last state.
//!
//! ```ignore
//! use miniapp_sdk::animation::{Animation, AnimationOptions, TimingFunction};
//! use miniapp_sdk::view;
//!
//! let mut fade = Animation::new(AnimationOptions {
//!     duration: 300,
//!     timing_function: TimingFunction::EaseIn,
//!     ..AnimationOptions::default()
//! });
//! fade.rotate(45.0).scale(2.0, 2.0).step();
//! fade.opacity(0.5).width(120).step();
//! view::set("ani", fade.export()?)?;
//! ```
//!
//! As on WeChat, numbers are pixels (lengths) or degrees (angles), each
//! step holds every change made since the animation was created (a later
//! value of the same kind replaces an earlier one), and `export` empties
//! the steps but keeps that state. Bad input (a number that is not
//! finite, an opacity outside 0 to 1, a length or color the view would not
//! take, more than [`MAX_STEPS`] steps, a step longer than [`MAX_MILLIS`])
//! is remembered and returned by `export` as [`Error::InvalidArgument`]
//! naming the call.

use serde::{Serialize, Serializer};

use crate::{Error, Result};

/// Steps one export may hold (the view refuses more).
pub const MAX_STEPS: usize = 64;

/// The longest duration or delay of a step, in milliseconds (the view
/// refuses longer).
pub const MAX_MILLIS: u32 = 600_000;

/// How an animation (or one step) runs: WeChat's `createAnimation`
/// options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnimationOptions {
    /// Milliseconds each step takes (WeChat's default 400).
    pub duration: u32,
    /// How it eases (default linear).
    pub timing_function: TimingFunction,
    /// Milliseconds before each step starts (default 0).
    pub delay: u32,
    /// The transforms' origin (default `50% 50% 0`): one to three of
    /// `left`, `right`, `top`, `bottom`, `center` or lengths.
    pub transform_origin: String,
}

impl Default for AnimationOptions {
    fn default() -> Self {
        AnimationOptions {
            duration: 400,
            timing_function: TimingFunction::Linear,
            delay: 0,
            transform_origin: "50% 50% 0".into(),
        }
    }
}

/// What one [`step_with`](Animation::step_with) changes of the
/// animation's options for that step (`None`: the animation's own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepOptions {
    /// Milliseconds the step takes.
    pub duration: Option<u32>,
    /// How it eases.
    pub timing_function: Option<TimingFunction>,
    /// Milliseconds before it starts.
    pub delay: Option<u32>,
    /// The transforms' origin.
    pub transform_origin: Option<String>,
}

/// WeChat's timing functions, written as CSS names (`ease-in-out`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimingFunction {
    /// `linear` (the default).
    #[default]
    Linear,
    /// `ease`.
    Ease,
    /// `ease-in`.
    EaseIn,
    /// `ease-in-out`.
    EaseInOut,
    /// `ease-out`.
    EaseOut,
    /// `step-start`: the end state at once.
    StepStart,
    /// `step-end`: the end state when the step ends.
    StepEnd,
}

/// A length: a number of pixels, or a CSS length (`50%`, `10rpx`, `2em`,
/// `auto`), as WeChat takes `number | string`.
#[derive(Debug, Clone, PartialEq)]
pub enum Length {
    /// Pixels.
    Px(f64),
    /// A CSS length, checked when used.
    Css(String),
}

impl From<f64> for Length {
    fn from(px: f64) -> Self {
        Length::Px(px)
    }
}

impl From<i32> for Length {
    fn from(px: i32) -> Self {
        Length::Px(px.into())
    }
}

impl From<&str> for Length {
    fn from(css: &str) -> Self {
        Length::Css(css.into())
    }
}

impl From<String> for Length {
    fn from(css: String) -> Self {
        Length::Css(css)
    }
}

/// An export: the data a page binds as `animation="{{ani}}"`, serialised
/// as WeChat's `{actions: [{animates, option}]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnimationData {
    /// The steps, in order.
    pub actions: Vec<Action>,
}

/// One step: what it changes and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Every change made up to this step, in the order first made.
    pub animates: Vec<Animate>,
    /// How the step runs.
    pub option: ActionOption,
}

/// One change: `{type: "rotate", args: [45]}`, or for a style property
/// `{type: "style", args: ["opacity", 0.5]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Animate {
    /// `style` or the transform function (`rotate`, `translate3d`...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its arguments.
    pub args: Vec<Arg>,
}

/// An argument of an [`Animate`].
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A number (written as an integer when it is one, as JavaScript does).
    Number(f64),
    /// A text: a property name, a length, a color.
    Text(String),
}

impl Serialize for Arg {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            Arg::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => {
                serializer.serialize_i64(*n as i64)
            }
            Arg::Number(n) => serializer.serialize_f64(*n),
            Arg::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// How a step runs: its transition and transform origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionOption {
    /// The transition.
    pub transition: Transition,
    /// The transforms' origin.
    pub transform_origin: String,
}

/// A step's transition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// Milliseconds.
    pub duration: u32,
    /// How it eases.
    pub timing_function: TimingFunction,
    /// Milliseconds before it starts.
    pub delay: u32,
}

/// An animation being built (`wx.createAnimation`).
#[derive(Debug, Clone)]
pub struct Animation {
    options: AnimationOptions,
    /// The closed steps, until exported.
    actions: Vec<Action>,
    /// Every change so far, by kind (`rotate`, `style.opacity`), in the
    /// order first made.
    state: Vec<(String, Animate)>,
    /// The first bad call, returned by `export`.
    error: Option<Error>,
}

impl Animation {
    /// A new animation with `options` for its steps
    /// (`wx.createAnimation(options)`). A bad `transform_origin` is
    /// returned by [`export`](Animation::export).
    #[doc(alias = "createAnimation")]
    pub fn new(options: AnimationOptions) -> Animation {
        let mut animation = Animation {
            options,
            actions: Vec::new(),
            state: Vec::new(),
            error: None,
        };
        let origin = animation.options.transform_origin.clone();
        animation.check_origin("createAnimation", &origin);
        animation
    }

    /// Opacity, from 0 to 1.
    pub fn opacity(&mut self, value: f64) -> &mut Self {
        if !(0.0..=1.0).contains(&value) {
            self.fail("opacity", &value, "not a number from 0 to 1");
        }
        self.style("opacity", Arg::Number(value))
    }

    /// Background color: `#rgb`, `#rrggbb` (and with alpha), `rgb()`,
    /// `rgba()`, `hsl()`, `hsla()` or a color name.
    #[doc(alias = "backgroundColor")]
    pub fn background_color(&mut self, color: &str) -> &mut Self {
        if !is_color(color) {
            self.fail("backgroundColor", &color, "not a color");
        }
        self.style("background-color", Arg::Text(color.into()))
    }

    /// Width (a number is pixels).
    pub fn width(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("width", value.into())
    }

    /// Height (a number is pixels).
    pub fn height(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("height", value.into())
    }

    /// `top` (a number is pixels).
    pub fn top(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("top", value.into())
    }

    /// `left` (a number is pixels).
    pub fn left(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("left", value.into())
    }

    /// `bottom` (a number is pixels).
    pub fn bottom(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("bottom", value.into())
    }

    /// `right` (a number is pixels).
    pub fn right(&mut self, value: impl Into<Length>) -> &mut Self {
        self.style_length("right", value.into())
    }

    /// Rotate clockwise by `angle` degrees.
    pub fn rotate(&mut self, angle: f64) -> &mut Self {
        self.numbers("rotate", &[angle])
    }

    /// Rotate about the X axis by `angle` degrees.
    #[doc(alias = "rotateX")]
    pub fn rotate_x(&mut self, angle: f64) -> &mut Self {
        self.numbers("rotateX", &[angle])
    }

    /// Rotate about the Y axis by `angle` degrees.
    #[doc(alias = "rotateY")]
    pub fn rotate_y(&mut self, angle: f64) -> &mut Self {
        self.numbers("rotateY", &[angle])
    }

    /// Rotate about the Z axis by `angle` degrees.
    #[doc(alias = "rotateZ")]
    pub fn rotate_z(&mut self, angle: f64) -> &mut Self {
        self.numbers("rotateZ", &[angle])
    }

    /// Rotate by `angle` degrees about the axis (`x`, `y`, `z`).
    #[doc(alias = "rotate3d")]
    pub fn rotate_3d(&mut self, x: f64, y: f64, z: f64, angle: f64) -> &mut Self {
        self.numbers("rotate3d", &[x, y, z, angle])
    }

    /// Scale by `sx` across and `sy` down (WeChat's `scale(sx)` is
    /// `scale(sx, sx)`).
    pub fn scale(&mut self, sx: f64, sy: f64) -> &mut Self {
        self.numbers("scale", &[sx, sy])
    }

    /// Scale across.
    #[doc(alias = "scaleX")]
    pub fn scale_x(&mut self, scale: f64) -> &mut Self {
        self.numbers("scaleX", &[scale])
    }

    /// Scale down.
    #[doc(alias = "scaleY")]
    pub fn scale_y(&mut self, scale: f64) -> &mut Self {
        self.numbers("scaleY", &[scale])
    }

    /// Scale along Z.
    #[doc(alias = "scaleZ")]
    pub fn scale_z(&mut self, scale: f64) -> &mut Self {
        self.numbers("scaleZ", &[scale])
    }

    /// Scale along the three axes.
    #[doc(alias = "scale3d")]
    pub fn scale_3d(&mut self, sx: f64, sy: f64, sz: f64) -> &mut Self {
        self.numbers("scale3d", &[sx, sy, sz])
    }

    /// Skew by `ax` and `ay` degrees.
    pub fn skew(&mut self, ax: f64, ay: f64) -> &mut Self {
        self.numbers("skew", &[ax, ay])
    }

    /// Skew across by `angle` degrees.
    #[doc(alias = "skewX")]
    pub fn skew_x(&mut self, angle: f64) -> &mut Self {
        self.numbers("skewX", &[angle])
    }

    /// Skew down by `angle` degrees.
    #[doc(alias = "skewY")]
    pub fn skew_y(&mut self, angle: f64) -> &mut Self {
        self.numbers("skewY", &[angle])
    }

    /// Move by `tx` across and `ty` down (numbers are pixels).
    pub fn translate(&mut self, tx: impl Into<Length>, ty: impl Into<Length>) -> &mut Self {
        self.lengths("translate", [tx.into(), ty.into()].into())
    }

    /// Move across.
    #[doc(alias = "translateX")]
    pub fn translate_x(&mut self, tx: impl Into<Length>) -> &mut Self {
        self.lengths("translateX", [tx.into()].into())
    }

    /// Move down.
    #[doc(alias = "translateY")]
    pub fn translate_y(&mut self, ty: impl Into<Length>) -> &mut Self {
        self.lengths("translateY", [ty.into()].into())
    }

    /// Move along Z.
    #[doc(alias = "translateZ")]
    pub fn translate_z(&mut self, tz: impl Into<Length>) -> &mut Self {
        self.lengths("translateZ", [tz.into()].into())
    }

    /// Move along the three axes.
    #[doc(alias = "translate3d")]
    pub fn translate_3d(
        &mut self,
        tx: impl Into<Length>,
        ty: impl Into<Length>,
        tz: impl Into<Length>,
    ) -> &mut Self {
        self.lengths("translate3d", [tx.into(), ty.into(), tz.into()].into())
    }

    /// A 2D transform matrix (`a, b, c, d, tx, ty`).
    pub fn matrix(&mut self, a: f64, b: f64, c: f64, d: f64, tx: f64, ty: f64) -> &mut Self {
        self.numbers("matrix", &[a, b, c, d, tx, ty])
    }

    /// A 3D transform matrix, in CSS's column order.
    #[doc(alias = "matrix3d")]
    pub fn matrix_3d(&mut self, values: [f64; 16]) -> &mut Self {
        self.numbers("matrix3d", &values)
    }

    /// Close the current step: it runs with the animation's options.
    pub fn step(&mut self) -> &mut Self {
        self.step_with(StepOptions::default())
    }

    /// Close the current step, with `options` in place of the animation's
    /// where given.
    pub fn step_with(&mut self, options: StepOptions) -> &mut Self {
        if self.actions.len() == MAX_STEPS {
            self.fail(
                "step",
                &(MAX_STEPS + 1),
                "more steps than one export may hold (64)",
            );
            return self;
        }
        let origin = options
            .transform_origin
            .unwrap_or_else(|| self.options.transform_origin.clone());
        self.check_origin("step", &origin);
        let duration = options.duration.unwrap_or(self.options.duration);
        let delay = options.delay.unwrap_or(self.options.delay);
        if let Some(long) = [duration, delay].into_iter().find(|ms| *ms > MAX_MILLIS) {
            self.fail(
                "step",
                &long,
                "a duration or delay over ten minutes (600000 ms)",
            );
        }
        let action = Action {
            animates: self.state.iter().map(|(_, a)| a.clone()).collect(),
            option: ActionOption {
                transition: Transition {
                    duration,
                    timing_function: options
                        .timing_function
                        .unwrap_or(self.options.timing_function),
                    delay,
                },
                transform_origin: origin,
            },
        };
        self.actions.push(action);
        self
    }

    /// The steps closed since the last export, as the data a page binds
    /// (`animation="{{ani}}"`); the animation is then empty of steps but
    /// keeps its state. The first bad call since the last export, if any,
    /// is the error instead (and is forgotten with the steps).
    pub fn export(&mut self) -> Result<AnimationData> {
        let actions = std::mem::take(&mut self.actions);
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(AnimationData { actions }),
        }
    }

    /// Remember the first bad call: `method(value)` and why.
    fn fail(&mut self, method: &str, value: &dyn std::fmt::Debug, why: &str) {
        if self.error.is_none() {
            self.error = Some(Error::InvalidArgument(format!(
                "animation: {method}({value:?}): {why}"
            )));
        }
    }

    fn check_origin(&mut self, method: &str, origin: &str) {
        let parts = origin.split_whitespace();
        let count = parts.clone().count();
        let positions = parts
            .clone()
            .all(|p| matches!(p, "left" | "right" | "top" | "bottom" | "center") || is_length(p));
        if !(1..=3).contains(&count) || !positions {
            self.fail(
                method,
                &origin,
                "transformOrigin is not one to three positions",
            );
        }
    }

    /// Set `kind` in the state, where it was if it was there.
    fn set(&mut self, key: String, animate: Animate) -> &mut Self {
        match self.state.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = animate,
            None => self.state.push((key, animate)),
        }
        self
    }

    fn style(&mut self, property: &'static str, value: Arg) -> &mut Self {
        let animate = Animate {
            kind: "style",
            args: vec![Arg::Text(property.into()), value],
        };
        self.set(format!("style.{property}"), animate)
    }

    /// A length style, a number as `Npx` (as WeChat sends it).
    fn style_length(&mut self, property: &'static str, value: Length) -> &mut Self {
        let text = match self.length(property, value) {
            Arg::Number(px) => format!("{px}px"),
            Arg::Text(text) => text,
        };
        self.style(property, Arg::Text(text))
    }

    fn numbers(&mut self, kind: &'static str, values: &[f64]) -> &mut Self {
        if let Some(bad) = values.iter().find(|n| !n.is_finite()) {
            self.fail(kind, bad, "not a finite number");
        }
        let args = values.iter().map(|n| Arg::Number(*n)).collect();
        self.set(kind.into(), Animate { kind, args })
    }

    fn lengths(&mut self, kind: &'static str, values: Vec<Length>) -> &mut Self {
        let args = values.into_iter().map(|v| self.length(kind, v)).collect();
        self.set(kind.into(), Animate { kind, args })
    }

    /// A length as an argument, a bad one remembered.
    fn length(&mut self, method: &str, value: Length) -> Arg {
        match value {
            Length::Px(px) if !px.is_finite() => {
                self.fail(method, &px, "not a finite number");
                Arg::Number(0.0)
            }
            Length::Px(px) => Arg::Number(px),
            Length::Css(text) => {
                if !is_length(&text) {
                    self.fail(
                        method,
                        &text,
                        "not a length (px, rpx, %, vw, vh, em, rem or auto)",
                    );
                }
                Arg::Text(text)
            }
        }
    }
}

/// Whether `text` is a CSS length the view takes.
fn is_length(text: &str) -> bool {
    let units = ["rpx", "px", "%", "vw", "vh", "rem", "em"];
    text == "auto"
        || text == "0"
        || units.iter().any(|unit| {
            text.strip_suffix(unit)
                .is_some_and(|n| !n.is_empty() && n.parse::<f64>().is_ok_and(f64::is_finite))
        })
}

/// Whether `text` is a color the view takes.
fn is_color(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some((name, rest)) = text.split_once('(') {
        let inner = rest.strip_suffix(')').unwrap_or("(");
        return matches!(name, "rgb" | "rgba" | "hsl" | "hsla")
            && inner
                .bytes()
                .all(|b| b.is_ascii_digit() || b" ,.%/-".contains(&b));
    }
    !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn data(animation: &mut Animation) -> serde_json::Value {
        serde_json::to_value(animation.export().unwrap()).unwrap()
    }

    /// WeChat's documented shape: `{actions: [{animates: [{type, args}],
    /// option: {transition: {duration, timingFunction, delay},
    /// transformOrigin}}]}`, each step carrying the changes so far.
    #[test]
    fn export_has_wechats_shape() {
        let mut a = Animation::new(AnimationOptions {
            duration: 300,
            timing_function: TimingFunction::EaseIn,
            ..AnimationOptions::default()
        });
        a.rotate(45.0).scale(2.0, 2.0).step();
        a.opacity(0.5)
            .width(100)
            .background_color("#ff0000")
            .translate(10, "50%")
            .rotate(90.0)
            .step_with(StepOptions {
                duration: Some(200),
                delay: Some(50),
                timing_function: Some(TimingFunction::StepEnd),
                transform_origin: Some("left top".into()),
            });
        let transition = |d: u32, t: &str, delay: u32, origin: &str| json!({"transition": {"duration": d, "timingFunction": t, "delay": delay}, "transformOrigin": origin});
        assert_eq!(
            data(&mut a),
            json!({"actions": [
                {"animates": [{"type": "rotate", "args": [45]}, {"type": "scale", "args": [2, 2]}],
                 "option": transition(300, "ease-in", 0, "50% 50% 0")},
                {"animates": [
                    {"type": "rotate", "args": [90]},
                    {"type": "scale", "args": [2, 2]},
                    {"type": "style", "args": ["opacity", 0.5]},
                    {"type": "style", "args": ["width", "100px"]},
                    {"type": "style", "args": ["background-color", "#ff0000"]},
                    {"type": "translate", "args": [10, "50%"]}
                 ],
                 "option": transition(200, "step-end", 50, "left top")}
            ]})
        );
        // Export empties the steps and keeps the state.
        assert_eq!(data(&mut a), json!({"actions": []}));
        a.skew_x(10.0).step();
        let again = data(&mut a);
        assert_eq!(again["actions"][0]["animates"].as_array().unwrap().len(), 7);
        assert_eq!(
            again["actions"][0]["animates"][6],
            json!({"type": "skewX", "args": [10]})
        );
    }

    #[test]
    fn every_method_names_its_wechat_type() {
        let mut a = Animation::new(AnimationOptions::default());
        a.rotate_x(1.0)
            .rotate_y(2.0)
            .rotate_z(3.0)
            .rotate_3d(0.0, 0.0, 1.0, 4.0);
        a.scale_x(1.5)
            .scale_y(0.5)
            .scale_z(1.0)
            .scale_3d(1.0, 2.0, 3.0);
        a.skew(1.0, 2.0)
            .skew_y(3.0)
            .translate_x("1em")
            .translate_y(2)
            .translate_z(3);
        a.translate_3d(1, 2, 3).matrix(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        a.matrix_3d([1.0; 16])
            .height("10rpx")
            .top(1)
            .left(2)
            .bottom(3)
            .right("auto")
            .step();
        let kinds: Vec<String> = data(&mut a)["actions"][0]["animates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| match a["type"].as_str().unwrap() {
                "style" => a["args"][0].as_str().unwrap().to_string(),
                kind => kind.to_string(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "rotateX",
                "rotateY",
                "rotateZ",
                "rotate3d",
                "scaleX",
                "scaleY",
                "scaleZ",
                "scale3d",
                "skew",
                "skewY",
                "translateX",
                "translateY",
                "translateZ",
                "translate3d",
                "matrix",
                "matrix3d",
                "height",
                "top",
                "left",
                "bottom",
                "right"
            ]
        );
    }

    /// Calls that misuse an animation.
    type Misuse = dyn Fn(&mut Animation);

    #[test]
    fn bad_input_is_a_clear_error_from_export() {
        let cases: [(&Misuse, &str); 8] = [
            (
                &|a| {
                    a.step_with(StepOptions {
                        delay: Some(MAX_MILLIS + 1),
                        ..StepOptions::default()
                    });
                },
                "step(600001): a duration or delay over ten minutes",
            ),
            (
                &|a| {
                    a.rotate(f64::NAN).step();
                },
                "animation: rotate(NaN): not a finite number",
            ),
            (
                &|a| {
                    a.opacity(1.5).step();
                },
                "animation: opacity(1.5): not a number from 0 to 1",
            ),
            (
                &|a| {
                    a.width("10furlongs");
                },
                "animation: width(\"10furlongs\"): not a length",
            ),
            (
                &|a| {
                    a.translate(f64::INFINITY, 0);
                },
                "animation: translate(inf): not a finite number",
            ),
            (
                &|a| {
                    a.background_color("red;x:url(y)");
                },
                "backgroundColor(\"red;x:url(y)\"): not a color",
            ),
            (
                &|a| {
                    a.step_with(StepOptions {
                        transform_origin: Some("url(x)".into()),
                        ..StepOptions::default()
                    });
                },
                "step(\"url(x)\"): transformOrigin is not one to three positions",
            ),
            (
                &|a| {
                    for _ in 0..=MAX_STEPS {
                        a.rotate(1.0).step();
                    }
                },
                "step(65): more steps than one export may hold (64)",
            ),
        ];
        for (make, expected) in cases {
            let mut a = Animation::new(AnimationOptions::default());
            make(&mut a);
            let error = a.export().unwrap_err();
            assert_eq!(error.kind(), "invalid-argument");
            assert!(
                error.message().contains(expected),
                "{error:?} lacks {expected}"
            );
            // The error is returned once; the animation is usable again.
            a.rotate(1.0).step();
            assert!(a.export().is_ok());
        }
        let bad_origin = Animation::new(AnimationOptions {
            transform_origin: "1 2 3 4".into(),
            ..AnimationOptions::default()
        })
        .export();
        assert!(
            bad_origin
                .unwrap_err()
                .message()
                .contains("createAnimation")
        );
    }
}
