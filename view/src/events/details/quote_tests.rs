//! A refusal quotes what a client sent in a bounded length: a number of
//! any magnitude in scientific notation past everyday ones, a long value
//! cut, so a `1e300` slider value is not quoted as 301 digits.

use serde_json::json;

use crate::quote;
use crate::testing::{handler_or_refusal, rendered};

const PAGE: &str = r#"<slider id="s" min="10" max="50" step="5" bindchange="slid"/>
<movable-area style="width: 300px; height: 200px">
  <movable-view id="m" direction="all" scale bindscale="scaled"/>
</movable-area>
<video id="v" src="/a.mp4" bindtimeupdate="ticked"/>
<switch id="sw" bindchange="flipped"/>"#;

fn send(id: &str, kind: &str, detail: serde_json::Value) -> String {
    handler_or_refusal(&rendered(PAGE, &json!({})), id, kind, detail).unwrap_err()
}

#[test]
fn a_number_is_quoted_in_few_characters_whatever_its_magnitude() {
    assert_eq!(quote::number(12.5), "12.5");
    assert_eq!(quote::number(-3.0), "-3");
    assert_eq!(quote::number(0.0), "0");
    assert_eq!(quote::number(1e300), "1e300");
    assert_eq!(quote::number(-1e-300), "-1e-300");
    assert_eq!(quote::number(f64::MAX), "1.7976931348623157e308");
    for n in [f64::MIN, f64::MIN_POSITIVE, 123_456_789_012_345_680.0, 1e-7] {
        assert!(quote::number(n).len() <= 24, "{}", quote::number(n));
    }
}

#[test]
fn a_refusal_quotes_a_huge_or_tiny_number_in_scientific_notation() {
    assert_eq!(
        send("s", "change", json!({"value": 1e300})),
        "`change` on <slider>: `value` 1e300 is outside `min` 10 to `max` 50"
    );
    assert_eq!(
        send("s", "change", json!({"value": 12.000_001})),
        "`change` on <slider>: `value` 12.000001 is not on the `step` 5 grid from `min` 10"
    );
    assert_eq!(
        send("m", "scale", json!({"x": 0, "y": 0, "scale": 1e-300})),
        "`scale` on <movable-view>: `scale` 1e-300 is outside `scale-min` 0.1 to `scale-max` 10"
    );
    assert_eq!(
        send(
            "v",
            "timeupdate",
            json!({"currentTime": 1e300, "duration": 5})
        ),
        "`timeupdate` on <video>: `currentTime` 1e300 is not a time from 0 to 5"
    );
}

#[test]
fn a_refusal_cuts_a_long_value_it_quotes() {
    let long = "x".repeat(10_000);
    let refused = send("sw", "change", json!({ "value": long }));
    let expected = format!(
        "`change` on <switch>: `value` must be true or false, not \"{}...",
        "x".repeat(299)
    );
    assert_eq!(refused, expected);
    let refused = send("s", "change", json!({ "value": [long] }));
    assert!(refused.len() < 400, "{} characters", refused.len());
}
