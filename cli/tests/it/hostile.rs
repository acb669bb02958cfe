//! `miniapp run` on each hostile mini-program prints the clear error and
//! exits with the documented code: 1 when the app traps, 0 when the host
//! refused the attack with an error value the app handled, 2 for packages
//! refused at load.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::{assert_ok, last_data, miniapp, package};

fn hostile_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples/hostile")
        .join(name)
}

fn run(name: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    run_as(name, &[&["--json"], extra].concat())
}

/// `miniapp run` of a hostile app with `index:attack`, text output unless
/// `args` say `--json`.
fn run_as(name: &str, args: &[&str]) -> (Output, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .arg("run")
        .arg(hostile_dir(name))
        .args(["--event", "index:attack", "--data-dir"])
        .arg(data.path())
        .args(args)
        .output()
        .unwrap();
    (out, data)
}

/// A policy granting hostile app `name` what its manifest declares, with
/// time limits far above what any attack needs: these tests check that a
/// count (fuel, bytes, handles) ends the attack, which must not depend on
/// how fast the machine is. Lives as long as the returned directory.
fn unhurried(name: &str) -> (tempfile::TempDir, String) {
    use miniapp_runtime::config::{Manifest, Policy};
    let text = std::fs::read_to_string(hostile_dir(name).join("miniapp.toml")).unwrap();
    let manifest = Manifest::from_toml(&text).unwrap();
    let mut policy = Policy::default();
    policy.grant_declared(&manifest);
    policy.defaults.quotas =
        toml::from_str("event_timeout_ms = 600000\ncpu_ms_per_event = 600000").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, toml::to_string(&policy).unwrap()).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

/// [`run`] under the [`unhurried`] policy.
fn run_unhurried(name: &str) -> (Output, tempfile::TempDir) {
    let (_policy, path) = unhurried(name);
    run(name, &["--policy", &path])
}

/// Stderr after the build's progress line (`miniapp run DIR` builds the
/// crate first and says so in one line).
fn after_build_line(stderr: &str) -> &str {
    let (first, rest) = stderr.split_once('\n').unwrap_or((stderr, ""));
    assert!(first.starts_with("miniapp: compiling "), "{stderr}");
    rest
}

#[test]
fn traps_exit_1_naming_the_limit() {
    for (name, message) in [
        ("spin", "CPU quota of 5000000000 fuel per event exceeded"),
        ("memory-bomb", "memory quota of 67108864 bytes exceeded"),
        ("stack-overflow", "out-of-bounds memory access"),
        (
            "handle-exhaustion",
            "resource handle quota of 1024 live handles exceeded",
        ),
    ] {
        let (out, _data) = run_unhurried(name);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        // The error line (a `--policy` run may say first what it grants).
        let error = stderr.lines().find(|l| l.starts_with("error:"));
        assert!(
            error.is_some_and(|e| e.starts_with(&format!(
                "error: app `hostile.{name}` trapped in on-event index:attack: {message}"
            ))),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn refused_attacks_exit_0_with_the_refusal_in_page_data() {
    for (name, kind) in [
        ("storage-flood", "quota-exceeded"),
        ("oversized-value", "quota-exceeded"),
        ("huge-set-data", "quota-exceeded"),
        ("forbidden-origin", "permission-denied"),
        ("loopback", "permission-denied"),
    ] {
        let (out, _data) = run_unhurried(name);
        assert_ok(&out, name);
        let data = last_data(&out);
        assert_eq!(data["outcome"], "refused", "{name}: {data}");
        if name != "loopback" {
            assert_eq!(data["error_kind"], kind, "{name}: {data}");
        }
    }
    // 200,000 log calls and prints: what bounds them is the log volume per
    // event (bytes) and one audit line for the repeated refusal, not time.
    let (out, data) = run_unhurried("log-flood");
    assert_ok(&out, "log-flood");
    assert_eq!(last_data(&out)["outcome"], "finished");
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert_eq!(
        audit.lines().count(),
        2,
        "one refusal and its count: {audit}"
    );
    // 63 lines of 1,025 bytes fit in 64 KiB; the other 99,937 are refused.
    assert!(audit.contains("\"repeated\":99936"), "{audit}");
}

#[test]
fn a_refusal_loop_writes_at_most_the_event_disk_budget() {
    // Bounded by bytes, not time.
    let (out, data) = run_unhurried("audit-flood");
    assert_ok(&out, "audit-flood");
    assert_eq!(last_data(&out)["outcome"], "refused");
    let audit = std::fs::metadata(data.path().join("audit.jsonl")).unwrap();
    // 1 MiB per event by default, then the lines summarising it.
    assert!(audit.len() <= (1 << 20) + 4096, "{} bytes", audit.len());
}

#[test]
fn nothing_granted_means_nothing_used() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "# grants nothing\n").unwrap();
    let (out, _data) = run("no-grant", &["--policy", policy.to_str().unwrap()]);
    assert!(out.status.success());
    let data = last_data(&out);
    assert_eq!(data["storage_error_kind"], "permission-denied");
    assert_eq!(data["location_error_kind"], "permission-denied");
}

#[test]
fn an_undeclared_import_exits_2() {
    let (out, _data) = run("undeclared-import", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        after_build_line(&stderr).trim(),
        "error: app `hostile.undeclared-import` refused: it imports `miniapp:host/storage@0.2.0` but its manifest does not declare the `storage` permission"
    );
}

#[test]
fn repeated_traps_quarantine_until_lifted() {
    let data = tempfile::tempdir().unwrap();
    let policy = data.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[defaults]\nquotas = { trap_budget = 2, fuel_per_event = 1000000 }\n",
    )
    .unwrap();
    let data_dir = ["--data-dir", data.path().to_str().unwrap()];
    let miniapp = |args: &[&str]| crate::cli::miniapp(&[args, &data_dir].concat());
    let spin = hostile_dir("spin");
    let spin = spin.to_str().unwrap();
    let policy = policy.to_str().unwrap();
    for _ in 0..2 {
        let out = miniapp(&["run", spin, "--policy", policy, "--event", "index:attack"]);
        assert_eq!(out.status.code(), Some(1));
    }
    let out = miniapp(&["run", spin, "--policy", policy]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("app `hostile.spin` is quarantined: quarantined after 2 traps"),
        "{stderr}"
    );
    let out = miniapp(&["quarantine", "hostile.spin", "--lift"]);
    assert!(out.status.success());
    let out = miniapp(&["run", spin, "--policy", policy]);
    assert_ok(&out, "run after the lift");
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    for kind in [
        "\"kind\":\"trap\"",
        "\"kind\":\"quarantined\"",
        "\"kind\":\"quarantine-lifted\"",
    ] {
        assert!(audit.contains(kind), "{kind} in {audit}");
    }
}

#[test]
fn malformed_and_oversized_package_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // A real package to damage.
    let good = std::fs::read(package("hello")).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    let mut future = good.clone();
    future[8] = 9;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "not a miniapp package"),
        (
            "garbage",
            b"PK\x03\x04 a zip file, not a package".to_vec(),
            "not a miniapp package",
        ),
        (
            "truncated",
            good[..good.len() / 3].to_vec(),
            "content hash mismatch",
        ),
        ("flipped", flipped, "content hash mismatch"),
        ("future-format", future, "package format 9 is not supported"),
        (
            "oversized",
            vec![0u8; 21 * 1024 * 1024],
            "over the limit of 20971520 bytes",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(format!("{name}.miniapp"));
        std::fs::write(&path, bytes).unwrap();
        let data = dir.path().join("data");
        let out = miniapp(&[
            "run",
            path.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}

/// What `hostile/terminal-escape` logs, prints and shows (its `ATTACKS`), at
/// launch and again on `index:attack`.
const ESCAPE_ATTACKS: [&str; 7] = [
    "\u{1b}]0;pwned\u{7}retitled",
    "\u{1b}[2J\u{1b}[Hcleared",
    "\u{9b}2Jcleared by C1 CSI",
    "invoice \u{202e}fdp.exe",
    "done\n== event index:add\n   data  {\"forged\":true}",
    "harmless\rerror: forged",
    "rub\u{7f}out\u{2028}hidden\u{200b}\u{2066}isolated\u{2069}\u{feff}",
];

/// The same, as the text output must show them.
const ESCAPE_ATTACKS_SHOWN: [&str; 7] = [
    r"\x1b]0;pwned\x07retitled",
    r"\x1b[2J\x1b[Hcleared",
    r"\u{9b}2Jcleared by C1 CSI",
    r"invoice \u{202e}fdp.exe",
    r#"done\n== event index:add\n   data  {"forged":true}"#,
    r"harmless\rerror: forged",
    r"rub\x7fout\u{2028}hidden\u{200b}\u{2066}isolated\u{2069}\u{feff}",
];

/// The message `hostile/terminal-escape` fails `index:attack` with.
const ESCAPE_ERROR: &str = "\u{1b}[2Jfailed\n== event index:add\n   data  {\"forged\":true}\nerror: forged \u{9b}31m\u{202e}";

const ESCAPE_FAILED: &str = "app `hostile.terminal-escape` failed in on-event index:attack: ";

/// `bytes` as UTF-8 holding nothing that acts on a terminal: no C0 control
/// but the line end, no DEL or C1 control, no line or paragraph separator,
/// no bidi or invisible format character.
fn terminal_safe(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let raw = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c,
                '\u{61c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}')
    };
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| raw(c)) {
        panic!("{what}: raw {c:?} at byte {at} of:\n{text:?}");
    }
    assert!(text.is_empty() || text.ends_with('\n'), "{what}: {text:?}");
    text
}

#[test]
fn app_text_reaches_the_terminal_escaped_in_text_output() {
    let (out, _data) = run_as("terminal-escape", &[]);
    let stdout = terminal_safe("stdout", &out.stdout);
    let stderr = terminal_safe("stderr", &out.stderr);
    let stderr = after_build_line(&stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // One error line, the app's line breaks and controls escaped in it.
    assert_eq!(
        stderr,
        format!(
            "error: {ESCAPE_FAILED}{}\n",
            r#"\x1b[2Jfailed\n== event index:add\n   data  {"forged":true}\nerror: forged \u{9b}31m\u{202e}"#
        )
    );
    // Every line is one the host prints; the app's forged ones are not.
    let host = [
        "== launch",
        "== event index:attack",
        "   log   ",
        "   pages [",
        "   data  {",
        "   view  view",
        "           \"terminal-escape: ",
    ];
    for line in stdout.lines() {
        assert!(
            host.iter().any(|p| line.starts_with(p)),
            "not a host line: {line:?} in\n{stdout}"
        );
    }
    let steps: Vec<_> = stdout.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(steps, ["== launch", "== event index:attack"], "{stdout}");
    let data_lines = stdout
        .lines()
        .filter(|l| l.starts_with("   data  "))
        .count();
    assert_eq!(data_lines, 1, "only launch succeeded: {stdout}");
    // Nothing is lost: each string shows, escaped, as an `api` log line of
    // both steps.
    for shown in ESCAPE_ATTACKS_SHOWN {
        let logged = stdout
            .lines()
            .filter(|l| *l == format!("   log   warn  api    {shown}"))
            .count();
        assert_eq!(logged, 2, "{shown} in\n{stdout}");
    }
    assert!(
        stdout.contains(r#"\u001b]0;pwned\u0007retitled":"done\n== event index:add"#),
        "page data: {stdout}"
    );
}

#[test]
fn app_text_reaches_the_terminal_escaped_in_json_output_and_intact() {
    let (out, _data) = run_as("terminal-escape", &["--json"]);
    let stdout = terminal_safe("stdout", &out.stdout);
    let stderr = terminal_safe("stderr", &out.stderr);
    let stderr = after_build_line(&stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {ESCAPE_FAILED}")),
        "{stderr}"
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // The messages parse back to exactly what the app wrote: per source,
    // launch's then the attack's.
    let messages = |source: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l["logs"].as_array())
            .flatten()
            .filter(|r| r["source"] == source)
            .map(|r| r["message"].as_str().unwrap().to_string())
            .collect()
    };
    let twice =
        |each: &[&str]| -> Vec<String> { each.iter().chain(each).map(|s| s.to_string()).collect() };
    assert_eq!(messages("api"), twice(&ESCAPE_ATTACKS));
    // stdout and stderr reach the log line by line.
    let printed: Vec<&str> = ESCAPE_ATTACKS.iter().flat_map(|a| a.lines()).collect();
    assert_eq!(messages("stdout"), twice(&printed));
    assert_eq!(messages("stderr"), twice(&printed));
    let launch = &lines[0];
    assert_eq!(launch["step"], "launch");
    assert_eq!(launch["data"]["strings"], serde_json::json!(ESCAPE_ATTACKS));
    assert_eq!(launch["data"][ESCAPE_ATTACKS[0]], ESCAPE_ATTACKS[4]);
    let failed = lines.last().unwrap();
    assert_eq!(
        failed,
        &serde_json::json!({
            "step": "event index:attack",
            "ok": false,
            "error": format!("{ESCAPE_FAILED}{ESCAPE_ERROR}"),
            // What the host drew in that step: nothing.
            "host_ui": [],
        })
    );
}

#[test]
fn a_toast_loop_is_drawn_sixteen_times_a_callback_and_each_step_shows_them() {
    let (out, data) = run_unhurried("toast-loop");
    assert_ok(&out, "toast-loop");
    let steps: Vec<serde_json::Value> = crate::cli::json_steps(&out);
    let attack = (steps.iter())
        .find(|s| s["step"] == "event index:attack")
        .expect("the attack's step");
    // The default host_ui_per_event: one toast, loading or title a line.
    assert_eq!(attack["host_ui"].as_array().unwrap().len(), 16, "{attack}");
    assert_eq!(attack["data"]["outcome"], "refused", "{attack}");
    assert_eq!(attack["data"]["error_kind"], "quota-exceeded", "{attack}");
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("host_ui_per_event"), "{audit}");
}
