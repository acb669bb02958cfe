//! `miniapp run` on each hostile mini-program prints the clear error and
//! exits with the documented code: 1 when the app traps, 0 when the host
//! refused the attack with an error value the app handled, 2 for packages
//! refused at load.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hostile_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples/hostile")
        .join(name)
}

fn run(name: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .arg("run")
        .arg(hostile_dir(name))
        .args(["--json", "--event", "index:attack", "--data-dir"])
        .arg(data.path())
        .args(extra)
        .output()
        .unwrap();
    (out, data)
}

fn last_data(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("some output");
    serde_json::from_str::<serde_json::Value>(last).unwrap()["data"].clone()
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
        let (out, _data) = run(name, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: app `hostile.{name}` trapped in on-event index:attack: {message}"
            )),
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
        let (out, _data) = run(name, &[]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let data = last_data(&out);
        assert_eq!(data["outcome"], "refused", "{name}: {data}");
        if name != "loopback" {
            assert_eq!(data["error_kind"], kind, "{name}: {data}");
        }
    }
    let (out, _data) = run("log-flood", &[]);
    assert!(out.status.success());
    assert_eq!(last_data(&out)["outcome"], "finished");
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
        stderr.trim(),
        "error: app `hostile.undeclared-import` refused: it imports `miniapp:host/storage@0.1.0` but its manifest does not declare the `storage` permission"
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
    let miniapp = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_miniapp"))
            .args(args)
            .args(["--data-dir", data.path().to_str().unwrap()])
            .output()
            .unwrap()
    };
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let build = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .arg("build")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples/hello"))
        .arg("-o")
        .arg(dir.path().join("good.miniapp"))
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let good = std::fs::read(dir.path().join("good.miniapp")).unwrap();
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
        let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
            .args(["run", path.to_str().unwrap(), "--data-dir"])
            .arg(dir.path().join("data"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}
