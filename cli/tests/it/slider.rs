//! `miniapp run` with the slider example: an `--event` carries a slider's
//! detail straight to the app (the developer's own command line, not a
//! screen), and the outline of each step shows the slider's rendered
//! bounds and value.

use crate::cli::{assert_ok, run_fresh, stdout};

#[test]
fn run_sends_a_slider_change_and_the_outline_shows_its_value() {
    let out = run_fresh("slider", &["--event", r#"index:set={"value":35}"#]);
    assert_ok(&out, "run slider");
    let printed = stdout(&out);
    let (launch, event) = printed.split_once("== event index:set").expect(&printed);
    let slider = r#"slider#volume [min="0"] [max="50"] [step="5"] [value="{}"] [show-value]"#;
    assert!(launch.contains(&slider.replace("{}", "20")), "{printed}");
    assert!(event.contains(&slider.replace("{}", "35")), "{printed}");
    assert!(event.contains(r#""Volume 35""#), "{printed}");
}
