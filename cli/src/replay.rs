//! `miniapp replay FILE PACKAGE|DIR`: re-run a recording of a failing
//! event (`miniapp operator recording`) against the package it was made
//! with, deterministically (`miniapp_runtime::replay`), and say what
//! happened: whether the failure came back, its message, the page and its
//! data. Exit 0 when it was reproduced, 1 when not, 2 for a file that is no
//! recording or a package that is not the recorded one. `--open` starts
//! the simulator on that moment.

use std::path::{Path, PathBuf};

use clap::Args;
use miniapp_runtime::replay::{self, Outcome, Recording, ReplayError};
use miniapp_runtime::{Package, Policy, Runtime};
use serde_json::{Value, json};

use crate::{Failure, out};

/// `miniapp replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// The recording (`miniapp operator recording APP ID -o FILE`).
    file: PathBuf,
    /// The package it was recorded with, or its crate directory (built as
    /// `miniapp run` builds it).
    #[arg(value_name = "PACKAGE|DIR")]
    package: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Then open the simulator on that moment: the replayed instance's
    /// page, the failure in the Log panel (Ctrl-C stops).
    #[arg(long)]
    open: bool,
    /// The simulator's port on 127.0.0.1 with `--open` (default: any free
    /// port).
    #[arg(long, default_value_t = 0, requires = "open")]
    port: u16,
}

/// Run `miniapp replay`.
pub fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let recording = read_recording(&args.file)?;
    let (package, source) = read_package(&args.package)?;
    let scratch = tempfile::tempdir()
        .map_err(|e| Failure::app(format!("cannot make a scratch data directory: {e}")))?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        // A debug build's launch path, its futures polled on the worker's
        // stack, comes near tokio's default 2 MiB: 8 MiB, reserved, not touched.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    let replayed = tokio.block_on(async {
        let runtime = runtime_for(&package, scratch.path())?;
        let replayed = replay::replay(&runtime, &package, &recording).await;
        replayed.map_err(|e| refused(e, &args.file, &args.package))
    })?;
    let said = said(&recording, &replayed);
    match args.json {
        true => out::json(&said),
        false => show(&said),
    }
    drop(replayed);
    if args.open {
        tokio.block_on(open(&args, source, recording, scratch.path()))?;
    }
    match said["reproduced"].as_bool() {
        Some(true) => Ok(()),
        _ => Err(Failure::app(format!(
            "the replay of {} did not reproduce the recorded failure",
            args.file.display()
        ))),
    }
}

/// The recording in `file`, or why it is none (exit 2).
fn read_recording(file: &Path) -> Result<Recording, Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
    Recording::from_bytes(&bytes)
        .map_err(|e| Failure::input(format!("{} is not a recording: {e}", file.display())))
}

/// The package at `path` (a crate directory built first), and what the
/// simulator takes to load it again.
fn read_package(path: &Path) -> Result<(Package, PathBuf), Failure> {
    match path.is_dir() {
        true => {
            let (package, file) = crate::build_package(path, None)?;
            Ok((package, file))
        }
        false => Package::read(path, &Default::default())
            .map(|p| (p, path.to_path_buf()))
            .map_err(|e| Failure::input(format!("package {}: {e}", path.display()))),
    }
}

/// A runtime for the replay: a scratch data directory (a replay writes no
/// storage; its calls are answered from the recording), granting what the
/// package declares, as `miniapp run` does.
fn runtime_for(package: &Package, data_dir: &Path) -> Result<Runtime, Failure> {
    let mut policy = Policy::default();
    policy.grant_declared(&package.manifest);
    Runtime::builder(data_dir)
        .policy(policy)
        .build()
        .map_err(Failure::from_runtime)
}

/// A replay that could not run: another package or a broken recording is
/// bad input (exit 2); anything else a failure to reproduce (exit 1).
fn refused(error: ReplayError, file: &Path, package: &Path) -> Failure {
    let said = format!(
        "cannot replay {} against {}: {error}",
        file.display(),
        package.display()
    );
    match error {
        ReplayError::OtherPackage { .. } | ReplayError::Format(_) => Failure::input(said),
        _ => Failure::app(said),
    }
}

/// What the replay did, as one object.
fn said(recording: &Recording, replayed: &replay::Replayed) -> Value {
    let summary = recording.summary();
    json!({
        "app": recording.app,
        "version": recording.version,
        "package_hash": recording.package_hash,
        "events": summary.events,
        "recorded": outcome_json(Some(&recording.outcome)),
        "replayed": outcome_json(replayed.outcome.as_ref()),
        "reproduced": replayed.reproduced,
        "route": replayed.route,
        "data": replayed.page_data,
    })
}

/// An outcome as `{"outcome": "trapped", "message": ...}` (`null`: the
/// input went through).
fn outcome_json(outcome: Option<&Outcome>) -> Value {
    match outcome {
        Some(Outcome::Trapped { message }) => json!({ "outcome": "trapped", "message": message }),
        Some(Outcome::Refused { message }) => json!({ "outcome": "refused", "message": message }),
        None => Value::Null,
    }
}

/// What the replay did, in lines for people.
fn show(said: &Value) {
    let recorded = &said["recorded"];
    out::line(format!(
        "recording of {} {}: {} events, then {}: {}",
        text(&said["app"]),
        text(&said["version"]),
        said["events"],
        text(&recorded["outcome"]),
        text(&recorded["message"])
    ));
    let replayed = &said["replayed"];
    match said["reproduced"].as_bool() {
        Some(true) => out::line(format!(
            "reproduced: {}: {}",
            text(&replayed["outcome"]),
            text(&replayed["message"])
        )),
        _ if replayed.is_null() => out::line("NOT reproduced: the last input went through"),
        _ => out::line(format!(
            "NOT reproduced: {}: {}",
            text(&replayed["outcome"]),
            text(&replayed["message"])
        )),
    }
    out::line(format!("page: {}", text(&said["route"])));
    out::labelled_json("data: ", &said["data"]);
}

/// A JSON string's text (`?` if absent).
fn text(value: &Value) -> String {
    value.as_str().unwrap_or("?").to_string()
}

/// Start the simulator on the replayed moment: the recording is replayed
/// again on the simulator's own runtime (so the instance is the session's,
/// with its panels and prompts), and its failure is the Log panel's first
/// line.
async fn open(
    args: &ReplayArgs,
    source: PathBuf,
    recording: Recording,
    data_dir: &Path,
) -> Result<(), Failure> {
    let device = miniapp_dev::Device::named("iphone-12").map_err(Failure::input)?;
    let launch = miniapp_runtime::LaunchOptions {
        device: Some(device.facts()),
        ..Default::default()
    };
    let open_at: miniapp_dev::OpenAt = Box::new(move |runtime, package| {
        Box::pin(async move {
            let replayed = (replay::replay(&runtime, &package, &recording).await)
                .map_err(|e| format!("the replay on the simulator's runtime: {e}"))?;
            let failure = outcome_json(Some(&recording.outcome));
            let message = format!(
                "replayed recording of {} {} ({} inputs): its last input {}: {}",
                recording.app,
                recording.version,
                recording.summary().events,
                text(&failure["outcome"]),
                text(&failure["message"])
            );
            let line = json!({ "level": "error", "source": "host", "message": message });
            Ok(miniapp_dev::Opened {
                instance: replayed.instance,
                log: vec![line],
                stopped: Some(message),
            })
        })
    });
    let options = miniapp_dev::DevOptions {
        source,
        port: args.port,
        device,
        policy: None,
        allow_addresses: Vec::new(),
        data_dir: data_dir.to_path_buf(),
        launch,
        open_at: Some(open_at),
    };
    let server = miniapp_dev::start(options).await.map_err(Failure::input)?;
    out::line(format!(
        "miniapp replay: the simulator is at {} (Ctrl-C stops)",
        server.url()
    ));
    server.wait().await.map_err(Failure::app)
}
