//! `scripts/flame-serve`: what it says about bad arguments and a missing
//! perf, before it builds or starts anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/flame-serve")
}

/// The script with `args` and `envs`; perf is looked for where `PERF` says
/// (a real one unless the test names another), so that a test of the
/// arguments does not depend on perf being installed.
fn flame(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(script())
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("scripts/flame-serve runs")
}

/// It failed with status 2, its one line of stderr holding `expected`, and
/// printed nothing on stdout.
fn refused(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.starts_with("flame-serve: ") && stderr.contains(expected),
        "expected `{expected}` in: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn flame_serve_needs_an_svg_output_it_can_write() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &flame(&[], &[]),
        "no output file; usage: scripts/flame-serve OUT.svg",
    );
    let png = dir.path().join("flame.png");
    refused(
        &flame(&[png.to_str().unwrap()], &[]),
        "must end in .svg (it is an SVG image)",
    );
    let missing = dir.path().join("no-such-dir/flame.svg");
    refused(
        &flame(&[missing.to_str().unwrap()], &[]),
        &format!(
            "cannot write `{}`: its directory `{}` does not exist",
            missing.display(),
            dir.path().join("no-such-dir").display()
        ),
    );
    let folder = dir.path().join("folder.svg");
    std::fs::create_dir(&folder).unwrap();
    refused(&flame(&[folder.to_str().unwrap()], &[]), "is a directory");
    let out = dir.path().join("flame.svg");
    let out = out.to_str().unwrap();
    let bad_arguments: [(&[&str], &str); 4] = [
        (&["other.svg"], "one output file only (got"),
        (
            &["--seconds", "0"],
            "--seconds `0`: expected a whole number above 0",
        ),
        (&["--sessions"], "--sessions needs a value"),
        (&["--rate", "5"], "unknown option `--rate`"),
    ];
    for (rest, expected) in bad_arguments {
        let args: Vec<&str> = std::iter::once(out).chain(rest.iter().copied()).collect();
        refused(&flame(&args, &[]), expected);
    }
    // Nothing was written where it refused.
    assert!(!Path::new(out).exists());
}

#[test]
fn flame_serve_without_perf_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flame.svg");
    let perf = dir.path().join("no-perf-here");
    let missing = flame(
        &[out.to_str().unwrap()],
        &[("PERF", perf.to_str().unwrap())],
    );
    refused(
        &missing,
        &format!(
            "perf is not installed (looked for `{}`): install it (Debian: apt-get install linux-perf)",
            perf.display()
        ),
    );
    assert!(!out.exists());
}
