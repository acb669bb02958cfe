//! `miniapp run --answer` with the profile example's open-type buttons: the
//! host's phone-number and privacy prompts are answered from the command
//! line like any dialog, each step shows the prompt drawn, and the app's
//! events carry WeChat's details (a one-time code, `user deny`).

use serde_json::Value;

use crate::cli::{json_steps, run_fresh, stderr};
use crate::run_answer::step;

/// Longer than any run below needs: `--wait` ends once nothing is
/// pending, so only a hang reaches it.
const WAIT: &str = "60000";

/// The messages the app logged in `step`.
fn logs(step: &Value) -> Vec<String> {
    (step["logs"].as_array().unwrap().iter())
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn run_answer_allows_then_denies_the_phone_number_and_agrees_to_the_privacy_guide() {
    let args = [
        "--tap",
        "#phone",
        "--tap",
        "#phone",
        "--tap",
        "#privacy",
        "--answer",
        "modal=confirm",
        "--answer",
        "modal=cancel",
        "--answer",
        "modal=confirm",
        "--wait",
        WAIT,
        "--json",
    ];
    let out = run_fresh("profile", &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let phone = steps.iter().filter(|s| s["step"] == "tap #phone");
    let [allowed, denied] = phone.collect::<Vec<_>>()[..] else {
        panic!("two phone taps in {steps:?}");
    };
    assert_eq!(allowed["host_ui"][0]["ui"], "modal", "{allowed}");
    assert_eq!(allowed["host_ui"][0]["title"], "Phone number", "{allowed}");
    let said = logs(allowed);
    let code = (said.first())
        .and_then(|l| l.strip_prefix("phone getPhoneNumber:ok "))
        .unwrap_or_else(|| panic!("{said:?}"));
    assert!(
        code.len() == 32 && code.bytes().all(|b| b.is_ascii_hexdigit()),
        "a one-time code: {code}"
    );
    assert_eq!(logs(denied), ["phone getPhoneNumber:fail user deny "]);
    let privacy = step(&steps, "tap #privacy");
    assert_eq!(privacy["host_ui"][0]["title"], "Privacy guide", "{privacy}");
    assert_eq!(logs(privacy), ["privacy agreePrivacyAuthorization:ok"]);
}
