//! `miniapp run --wait MS`: after the scripted events the app keeps running,
//! and each completion (a timer firing, a finished call) is a step of its own.

use serde_json::Value;

use crate::cli::{assert_exit, json_steps, last_data, last_line, miniapp, run_fresh, stdout};

/// Longer than any run below needs, however slow the machine: `--wait`
/// ends as soon as nothing is pending, so only a hang reaches it.
const WAIT: &str = "60000";

/// Ten milliseconds between ticks, three ticks.
const START: &str = r#"index:start={"ms":10,"times":3}"#;

/// The `ticks` of each step named `step`.
fn ticks_of(steps: &[Value], step: &str) -> Vec<Value> {
    (steps.iter())
        .filter(|s| s["step"] == step)
        .map(|s| s["data"]["ticks"].clone())
        .collect()
}

#[test]
fn run_wait_prints_one_step_per_timer_firing() {
    let out = run_fresh("timers", &["--event", START, "--wait", WAIT, "--json"]);
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    let steps = json_steps(&out);
    let names: Vec<_> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "launch",
            "event index:start",
            "completion",
            "completion",
            "completion"
        ]
    );
    assert_eq!(ticks_of(&steps, "completion"), [1, 2, 3]);
    // Each in the shape of an event's step.
    let last = steps.last().unwrap();
    assert_eq!(last["ok"], true, "{last}");
    assert_eq!(last["page"], "index", "{last}");
    assert!(
        last["html"].as_str().unwrap().contains("Ticks: 3"),
        "{last}"
    );
}

#[test]
fn run_wait_in_text_prints_one_line_per_callback() {
    let once = r#"index:once={"ms":10}"#;
    let sleep = r#"index:sleep={"ms":10}"#;
    let args = ["--event", START, "--event", once, "--event", sleep];
    let out = run_fresh("timers", &[&args[..], &["--wait", WAIT]].concat());
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    let text = stdout(&out);
    let completions: Vec<&str> = (text.lines())
        .filter(|l| l.starts_with("== completion"))
        .collect();
    // Three ticks, the timeout and the sleep: five callbacks, five lines,
    // each with the stack and the data.
    assert_eq!(completions.len(), 5, "{text}");
    for line in &completions {
        assert!(
            line.starts_with("== completion  pages [index]  data {"),
            "{line}"
        );
    }
    let last = completions.last().unwrap();
    for shown in [r#""ticks":3"#, r#""timeout":"fired""#, r#""slept":true"#] {
        assert!(last.contains(shown), "{shown} in {last}");
    }
}

#[test]
fn run_without_wait_drops_what_is_pending() {
    let out = run_fresh("timers", &["--event", START, "--json"]);
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    let steps = json_steps(&out);
    assert_eq!(ticks_of(&steps, "completion"), Vec::<Value>::new());
    assert_eq!(last_data(&out)["ticks"], 0);
}

#[test]
fn run_wait_refuses_a_wait_past_ten_minutes() {
    let out = miniapp(&["run", "x.miniapp", "--wait", "600001"]);
    assert_exit(&out, 2, "--wait 600001: at most 600000 ms (ten minutes)");
    let out = miniapp(&["run", "x.miniapp", "--wait", "soon"]);
    assert_exit(&out, 2, "invalid value 'soon' for '--wait <MS>'");
}

#[test]
fn run_wait_delivers_finished_requests_as_steps() {
    let origin = crate::examples::serve_news();
    let dir = tempfile::tempdir().unwrap();
    let news = crate::cli::news_declaring(&origin, dir.path());
    let urls = [
        format!("{origin}/headlines.json"),
        format!("{origin}/articles/2.json"),
    ];
    let both = format!(r#"index:fetch-both={{"urls":{}}}"#, serde_json::json!(urls));
    let data = dir.path().join("data");
    let run = |extra: &[&str]| {
        let args = [
            &["run", &news, "--json", "--data-dir", data.to_str().unwrap()][..],
            &[
                "--path",
                &format!("index?api={origin}"),
                "--allow-address",
                "127.0.0.1",
            ],
            &["--event", &both],
            extra,
        ];
        miniapp(&args.concat())
    };
    // Without --wait the requests are dropped unanswered.
    let out = run(&[]);
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    assert_eq!(last_data(&out)["both"], Value::Null);
    // With it, each finished request is a completion of its own, and the
    // task that awaited both shows both bodies in order.
    let out = run(&["--wait", WAIT]);
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    let steps = json_steps(&out);
    let completions = steps.iter().filter(|s| s["step"] == "completion").count();
    assert_eq!(completions, 2, "{steps:?}");
    let shown = last_data(&out)["both"].clone();
    assert!(shown[0].as_str().unwrap().contains("Local news"), "{shown}");
    assert!(
        shown[1].as_str().unwrap().contains("Sunny all week"),
        "{shown}"
    );
}

#[test]
fn run_wait_usage_counts_the_completions() {
    let out = run_fresh(
        "timers",
        &["--event", START, "--wait", WAIT, "--usage", "--json"],
    );
    assert!(out.status.success(), "{}", crate::cli::stderr(&out));
    let usage = &last_line(&out)["usage"];
    assert_eq!(usage["completions"], 3, "{usage}");
    assert_eq!(usage["timers"], 0, "the interval cleared itself: {usage}");
    let out = run_fresh("timers", &["--event", START, "--wait", WAIT, "--usage"]);
    let text = stdout(&out);
    assert!(
        text.contains("   completions 3  calls cancelled 0  timers set 0  other calls pending 0"),
        "{text}"
    );
}
