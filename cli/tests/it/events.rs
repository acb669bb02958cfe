//! `miniapp run` through the events example's rendered page: typing into
//! `model:` bound inputs sets the page's data (before the shout handler,
//! which upper-cases it), and taps on nested views call their capture,
//! bubble and mut-bind handlers in WeChat's order.

use crate::cli::{json_steps, run_fresh, stderr};

#[test]
fn run_types_into_model_inputs_and_taps_through_the_event_phases() {
    let args = [
        "--json",
        "--input",
        "#name=Ada",
        "--input",
        "#shout=hey",
        "--tap",
        "#inner",
        "--tap",
        "#guarded",
    ];
    let out = run_fresh("events", &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_steps(&out);
    let steps: Vec<&str> = lines.iter().map(|l| l["step"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        [
            "launch",
            "input #name",
            "input #shout",
            "tap #inner",
            "tap #guarded"
        ]
    );
    assert_eq!(lines[1]["data"]["name"], "Ada");
    assert!(lines[1]["html"].as_str().unwrap().contains("Hello, Ada"));
    assert_eq!(lines[2]["data"]["shout"], "HEY");
    assert_eq!(
        lines[3]["data"]["order"],
        serde_json::json!(["outerDown", "middleDown", "innerMut", "innerUp", "outerUp"])
    );
    assert_eq!(
        lines[4]["data"]["order"].as_array().unwrap()[5..],
        [
            serde_json::json!("outerDown"),
            serde_json::json!("guardDown")
        ]
    );
}
