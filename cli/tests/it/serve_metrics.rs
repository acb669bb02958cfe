//! Metrics for a phased release: every per-app series of a published app
//! is there from the start (at 0), labelled with the version the session
//! runs; the build and the process are described; a host call the server
//! refuses is in the event's answer (`refused`), not only in `/metrics`.

use serde_json::json;

use crate::serve::{Served, sum_of};

/// The value of the one series whose line begins with `head`.
fn value(text: &str, head: &str) -> f64 {
    let values: Vec<f64> = (text.lines())
        .filter_map(|line| line.strip_prefix(head)?.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(values.len(), 1, "{head}: {values:?} in\n{text}");
    values[0]
}

#[tokio::test]
async fn series_exist_from_the_start_and_carry_the_version_the_session_runs() {
    let served = Served::start(&["todo"], &[]);
    let text = served.metrics().await;
    let v = "app=\"demo.todo\",version=\"0.1.0\"";
    for name in [
        "miniapp_events_total",
        "miniapp_evictions_total",
        "miniapp_traps_total",
        "miniapp_denials_total",
        "miniapp_quota_hits_total",
        "miniapp_audit_records_dropped_total",
        "miniapp_cpu_seconds_total",
        "miniapp_launch_seconds_count",
    ] {
        let series = format!("{name}{{{v}}}");
        assert_eq!(sum_of(&text, &series), Some(0.0), "{series} in\n{text}");
    }
    for reason in ["busy", "not-reading"] {
        let series = format!("miniapp_refusals_total{{app=\"demo.todo\",reason=\"{reason}\"}}");
        assert_eq!(sum_of(&text, &series), Some(0.0), "{series} in\n{text}");
    }
    assert_eq!(
        sum_of(&text, "miniapp_queue_depth{app=\"demo.todo\"}"),
        Some(0.0),
        "{text}"
    );

    // The build: this server's version and its wasmtime, always 1.
    let build = (text.lines())
        .find(|l| l.starts_with("miniapp_build_info{"))
        .unwrap_or_else(|| panic!("no miniapp_build_info in\n{text}"));
    let version = format!("version=\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(build.contains(&version), "{build}");
    assert!(build.contains("wasmtime=\""), "{build}");
    assert!(!build.contains("wasmtime=\"\""), "{build}");
    assert!(!build.contains("wasmtime=\"unknown\""), "{build}");
    assert!(build.ends_with(" 1"), "{build}");

    // The process, under the standard names, and plausible.
    if cfg!(target_os = "linux") {
        let resident = value(&text, "process_resident_memory_bytes ");
        let virtual_bytes = value(&text, "process_virtual_memory_bytes ");
        assert!(resident > 1024.0 * 1024.0, "{resident}");
        assert!(virtual_bytes >= resident, "{virtual_bytes} < {resident}");
        let open = value(&text, "process_open_fds ");
        assert!(
            open >= 3.0 && open <= value(&text, "process_max_fds "),
            "{open}"
        );
        assert!(value(&text, "process_cpu_seconds_total ") > 0.0, "{text}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let started = value(&text, "process_start_time_seconds ");
        // Started before this scrape, and not before this test began
        // (minus the clock ticks' rounding), however slow the machine.
        assert!(
            started <= now + 1.0 && started > now - 24.0 * 3600.0,
            "{started}"
        );
    }

    // A session on 0.1.0: its event is counted under that version.
    let ada = served.session("demo.todo", "ada").await;
    let (status, body) = served.add_todo(&ada, "m1", "milk").await;
    assert_eq!(status, 200, "{body}");
    // An event without refusals says nothing of them.
    assert!(body.get("refused").is_none(), "{body}");
    let text = served.metrics().await;
    let events = format!("miniapp_events_total{{{v}}}");
    assert_eq!(sum_of(&text, &events), Some(1.0), "{text}");
    let launches = format!("miniapp_launch_seconds_count{{{v}}}");
    assert_eq!(sum_of(&text, &launches), Some(1.0), "{text}");
    served.stop();
}

#[tokio::test]
async fn a_denied_host_call_is_in_the_event_answer_and_its_version_series() {
    // The shop is granted storage only: its `login` handler's call of
    // `identity` is denied, and the app carries on and answers ok.
    let policy = "[apps.\"demo.shop\"]\npermissions = [\"storage\"]\n";
    let served = Served::start_with_policy(policy, &["shop"], &["--allow-denied"]);
    let session = served.session("demo.shop", "ada").await;
    let (status, body) = served
        .event(&session, "l1", "#login", "tap", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(
        body["refused"],
        json!({ "denied": 1, "quota": 0 }),
        "{body}"
    );
    // Each event says its own: `profile` is denied once too.
    let (_, body) = served
        .event(&session, "r1", "#profile", "tap", json!({}))
        .await;
    assert_eq!(
        body["refused"],
        json!({ "denied": 1, "quota": 0 }),
        "{body}"
    );
    let text = served.metrics().await;
    let denials = "miniapp_denials_total{app=\"demo.shop\",version=\"0.1.0\"}";
    assert!(sum_of(&text, denials).is_some_and(|n| n >= 2.0), "{text}");
    served.stop();
}
