//! The apps' audit for an operator's tools: `audit.jsonl` reopens its path
//! on SIGHUP (logrotate renames it, then signals), and a denial of an app
//! reaches the JSON logs on stderr as one structured line, with the audit
//! streams' one time field (`time_ms`).

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::package;
use crate::serve::{HANG, TOKEN, post_json};

/// `miniapp serve` publishing the shop, granted storage and its product
/// server on loopback (not running: a failed download is no denial; its
/// `login` and `profile` taps call `identity`, denied), its stderr in
/// `dir/stderr`; the process and its public address.
fn serve_shop(dir: &Path) -> (Child, String) {
    std::fs::write(dir.join("tokens"), format!("{TOKEN}\n")).unwrap();
    let owner_only = std::os::unix::fs::PermissionsExt::from_mode(0o600);
    std::fs::set_permissions(dir.join("tokens"), owner_only).unwrap();
    let policy = "[apps.\"demo.shop\"]\npermissions = [\"storage\", \"http\"]\n\
                  origins = [\"http://127.0.0.1:8766\"]\nallow_addresses = [\"127.0.0.1\"]\n";
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    let shop = package("shop");
    let mut child = crate::serve::serve_command(dir, &["--allow-denied", "--publish", &shop])
        .stdout(Stdio::piped())
        .stderr(File::create(dir.join("stderr")).unwrap())
        .spawn()
        .expect("miniapp serve starts");
    let (public, _) = crate::serve::listeners(&mut child);
    (child, public)
}

/// A tap on `selector` in `session`, answered 200.
async fn tap(public: &str, session: &str, cid: &str, selector: &str) {
    let url = format!("{public}/v1/sessions/{session}/events");
    let body = json!({ "cid": cid, "selector": selector, "kind": "tap" });
    assert_eq!(post_json(url, &body).await.status(), 200);
}

/// The `denied` records of the audit file at `path` (none if it is absent).
fn denials(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    (text.lines())
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|record| record["kind"] == "denied")
        .count()
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args([name, &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill {name} {pid}");
}

#[tokio::test]
async fn on_sighup_the_audit_file_reopens_its_path_and_denials_reach_the_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, public) = serve_shop(dir.path());
    let user = json!({ "app": "demo.shop", "user": "user-ada-4242" });
    let opened = post_json(format!("{public}/v1/sessions"), &user).await;
    let body: Value = opened.json().await.unwrap();
    let session = body["session"].as_str().unwrap().to_string();
    tap(&public, &session, "before", "#login").await;
    let audit = dir.path().join("data/audit.jsonl");
    let text = std::fs::read_to_string(&audit).unwrap_or_default();
    assert_eq!(denials(&audit), 1, "{text}");

    // As logrotate does: rename, then SIGHUP.
    let rotated = dir.path().join("data/audit.jsonl.logrotated");
    std::fs::rename(&audit, &rotated).unwrap();
    signal(&child, "-HUP");
    // The signal is handled as it comes: tap until a denial lands in a
    // fresh file at the path (the first taps may still reach the renamed
    // one, its descriptor still open until the handler runs).
    let deadline = Instant::now() + HANG;
    let mut n = 0;
    while denials(&audit) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "miniapp serve ended on SIGHUP"
        );
        assert!(
            Instant::now() < deadline,
            "no fresh audit.jsonl after SIGHUP"
        );
        n += 1;
        tap(&public, &session, &format!("after-{n}"), "#login").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(denials(&rotated), n);
    assert_eq!(denials(&audit), 1);

    // Each denial is one structured line on stderr: app, version, kind,
    // and the one time field.
    signal(&child, "-TERM");
    assert!(child.wait().unwrap().success());
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    // The JSON logs (a line before they start is the CLI's own).
    let lines: Vec<Value> = (stderr.lines())
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let logged: Vec<&Value> = (lines.iter())
        .filter(|l| l["target"] == "miniapp::audit" && l["fields"]["kind"] == "denied")
        .collect();
    assert_eq!(logged.len(), n + 1, "{stderr}");
    let fields = &logged[0]["fields"];
    assert_eq!(fields["app"], "demo.shop", "{stderr}");
    assert_eq!(fields["version"], "0.1.0", "{stderr}");
    // The session by a reference: the same for each of its lines, neither
    // its id (which opens it) nor its user.
    let reference = fields["session"].as_str().unwrap();
    assert_eq!(reference.len(), 12, "{stderr}");
    assert!(reference.chars().all(|c| c.is_ascii_hexdigit()), "{stderr}");
    assert!(logged.iter().all(|l| l["fields"]["session"] == reference));
    assert!(
        !stderr.contains(&session) && !stderr.contains("user-ada-4242"),
        "{stderr}"
    );
    assert!(
        fields["message"].as_str().unwrap().contains("identity"),
        "{stderr}"
    );
    for raw in stderr.lines().filter(|l| l.contains("\"miniapp::audit\"")) {
        assert_eq!(raw.matches("\"message\"").count(), 1, "one message: {raw}");
    }
    for line in &lines {
        assert!(line["time_ms"].as_u64().is_some(), "{line}");
        assert!(line.get("timestamp").is_none(), "one time field: {line}");
    }
}
