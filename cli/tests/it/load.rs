//! `miniapp load` against a real `miniapp serve`: sessions opened over
//! HTTP, driven over their WebSockets, the figures reported as one JSON
//! object.

use std::process::Command;

use serde_json::Value;

use crate::cli::{stderr, stdout};
use crate::serve::{Served, TOKEN};

#[test]
fn load_drives_sessions_of_a_real_server_and_reports_json() {
    let server = Served::start(&["todo", "game2048"], &[]);
    let token = server.dir.path().join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args(["load", &server.public, "--apps", "todo,game2048"])
        .args(["--sessions", "8", "--duration", "2", "--json"])
        .args(["--metrics", &server.operator, "--token-file"])
        .arg(&token)
        .output()
        .expect("miniapp load runs");
    assert!(out.status.success(), "miniapp load: {}", stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", stdout(&out)));
    let keys = [
        "events_per_s",
        "p50_ms",
        "p99_ms",
        "p999_ms",
        "errors",
        "refused",
        "sessions",
        "rss_kib_per_session",
    ];
    for key in keys {
        assert!(report.get(key).is_some(), "no {key} in {report}");
    }
    assert_eq!(report["sessions"], 8, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert!(report["events"].as_u64().unwrap() > 0, "{report}");
    assert!(report["p99_ms"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["rss_kib_per_session"].is_number(), "{report}");
    // New users arrive while the events run; their first views are timed.
    // The probe opens one at once, the next as soon as it is done (every 20
    // ms at most): two need only that one open take under the 2 s of load,
    // hundreds of times what it takes (3 ms here), not a rate of opens.
    assert!(report["first_views"].as_u64().unwrap() >= 2, "{report}");
    assert!(
        report["first_view_p99_ms"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    let status = server.stop();
    assert!(status.success(), "miniapp serve on SIGTERM: {status}");
}
