//! How a refusal quotes what a client sent: a number as written for
//! everyday magnitudes and in scientific notation beyond them (a client's
//! `1e300` is quoted `1e300`, not as 301 digits), and a JSON value cut to a
//! length a message can carry.

use serde_json::Value as Json;

/// The most characters of a quoted JSON value before it is cut (room
/// for a media error's longest `errMsg`, 256 characters, and its quotes).
const MAX_JSON: usize = 300;
/// Magnitudes from this up are quoted in scientific notation.
const LARGE: f64 = 1e15;
/// Magnitudes above 0 below this are quoted in scientific notation.
const SMALL: f64 = 1e-6;

/// `n` as a refusal quotes it: `12.5`, `1e300`, `1e-300`, at most 24
/// characters whatever `n` is.
pub fn number(n: f64) -> String {
    let everyday = n == 0.0 || !n.is_finite() || (SMALL..LARGE).contains(&n.abs());
    match everyday {
        true => format!("{n}"),
        false => format!("{n:e}"),
    }
}

/// `value` as a refusal quotes it, as JSON (`nothing` when absent), cut
/// to `MAX_JSON` (300) characters with `...` (a JSON number is already short:
/// `1e+300`).
pub fn json(value: Option<&Json>) -> String {
    let Some(value) = value else {
        return "nothing".into();
    };
    let text = value.to_string();
    match text.char_indices().nth(MAX_JSON) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}
