//! `miniapp load` against a real `miniapp serve`: sessions opened over
//! HTTP, driven over their WebSockets, the figures reported as one JSON
//! object.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use serde_json::Value;

use crate::cli::{package, stderr, stdout};

/// A running `miniapp serve`, killed if dropped before [`Server::stop`].
struct Server {
    child: Option<Child>,
    /// `http://IP:PORT` of the session listener.
    sessions: String,
    /// `http://IP:PORT` of the operator listener.
    operator: String,
}

impl Server {
    /// `miniapp serve` on free ports publishing `packages`, with its data
    /// directory, token file and policy under `dir`, once it prints its
    /// listeners.
    fn start(packages: &[String], dir: &Path) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_miniapp"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--operator-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--operator-token-file")
            .arg(dir.join("token"))
            .arg("--policy")
            .arg(dir.join("policy.toml"));
        for package in packages {
            command.args(["--publish", package]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("miniapp serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // Keep reading what it prints, so it never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let (sessions, operator) = line
            .trim()
            .strip_prefix("miniapp serve: sessions at ")
            .and_then(|rest| rest.split_once(", operator at "))
            .unwrap_or_else(|| panic!("no listeners in the first line {line:?}"));
        Server {
            sessions: sessions.to_string(),
            operator: operator.to_string(),
            child: Some(child),
        }
    }

    /// SIGTERM, and the exit status once it has drained.
    fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(kill.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

const POLICY: &str = r#"
[apps."demo.todo"]
permissions = ["storage"]
per_user_storage = true

[apps."demo.game2048"]
permissions = ["storage"]
per_user_storage = true
"#;

#[test]
fn load_drives_sessions_of_a_real_server_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "load-test-operator-token\n").unwrap();
    std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
    let server = Server::start(&[package("todo"), package("game2048")], dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args(["load", &server.sessions, "--apps", "todo,game2048"])
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
    let status = server.stop();
    assert!(status.success(), "miniapp serve on SIGTERM: {status}");
}
