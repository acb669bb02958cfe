//! `miniapp run` with the picker example: an `--event` carries each picker
//! mode's change straight to the app's handler (the developer's own
//! command line, not a screen, so no sheet), and the outline of each step
//! shows the picker rendered with the value the app kept: its range and
//! value as JSON text, its bounds as written.

use crate::cli::{assert_ok, run_fresh, stdout};

#[test]
fn run_sends_each_picker_modes_change_and_the_outline_shows_its_value() {
    let events = [
        r#"index:fruit={"value":2}"#,
        r#"index:size={"value":[2,1]}"#,
        r#"index:time={"value":"17:45"}"#,
        r#"index:date={"value":"2027-02-28"}"#,
        r#"index:region={"value":["广东省","深圳市","南山区"],"code":["440000","440300","440305"]}"#,
    ];
    let args: Vec<&str> = events.iter().flat_map(|e| ["--event", e]).collect();
    let out = run_fresh("picker", &args);
    assert_ok(&out, "run picker");
    let printed = stdout(&out);
    let steps: Vec<&str> = printed.split("== event index:").collect();
    assert_eq!(steps.len(), 6, "{printed}");
    let expected = [
        (
            r#"picker#fruit [header-text="Fruit"]"#,
            r#"[value="2"]"#,
            "Plum",
        ),
        (
            r#"picker#size [mode="multiSelector"]"#,
            r#"[value="[2,1]"]"#,
            "Large, Gift",
        ),
        (
            r#"picker#time [mode="time"] [start="09:00"] [end="18:00"]"#,
            r#"[value="17:45"]"#,
            "17:45",
        ),
        (
            r#"picker#date [mode="date"] [start="2026-01-01"] [end="2027-12-31"]"#,
            r#"[value="2027-02-28"]"#,
            "2027-02-28",
        ),
        (
            r#"picker#region [mode="region"]"#,
            r#"南山区\\"]"]"#,
            "广东省 深圳市 南山区",
        ),
    ];
    for (step, (picker, value, shown)) in steps[1..].iter().zip(expected) {
        let line = (step.lines())
            .find(|l| l.trim_start().starts_with(picker))
            .unwrap_or_else(|| panic!("no {picker} in {step}"));
        assert!(line.contains(value), "{line}");
        assert!(step.contains(&format!("\"{shown}\"")), "{step}");
    }
    assert!(
        steps[5].contains("Region code 440000 440300 440305"),
        "{printed}"
    );
}
