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

#[test]
fn run_fixture_image_is_the_avatar_the_user_picks_and_without_one_the_tap_fails_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("me.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n me").unwrap();
    let fixture = format!("image={}", photo.display());
    let args = ["--tap", "#avatar", "--fixture", &fixture, "--json"];
    let out = run_fresh("profile", &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let said = logs(step(&steps, "tap #avatar"));
    let path = (said.first())
        .and_then(|l| l.strip_prefix("avatar "))
        .unwrap_or_else(|| panic!("{said:?}"));
    assert!(path.starts_with("wxfile://tmp/"), "{path}");
    // No picture to pick on a host without a screen: the tap fails, and
    // the app hears nothing.
    let out = run_fresh("profile", &["--tap", "#avatar"]);
    assert!(!out.status.success());
    let why = stderr(&out);
    assert!(why.contains("the avatar picker failed"), "{why}");
}
