//! `miniapp bench`: the cold-start phases of mini-programs, each beside its
//! baseline measured in the same run, as a table, JSON lines and an SVG chart.

mod package_phases;
mod peer;
mod peer_client;
mod serve_phase;
mod serve_reports;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use miniapp_benches::phases::Sizes;
use miniapp_benches::report;
use miniapp_runtime::Event;

use crate::{Failure, out};

#[derive(Args)]
pub struct BenchArgs {
    /// Packages (or crate directories, built first) to benchmark.
    #[arg(required = true)]
    packages: Vec<PathBuf>,
    /// The first event of a launch: PAGE:HANDLER.
    #[arg(long, default_value = "index:tap")]
    event: String,
    /// Samples of the fast phases.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Live instances for memory_per_instance and timer_idle_memory.
    #[arg(long, default_value_t = 10_000)]
    live: usize,
    /// Seconds launches_per_second runs.
    #[arg(long, default_value_t = 2)]
    seconds: u64,
    /// Only these phases (comma-separated). `serve` (a `miniapp serve`
    /// under `miniapp load`) runs only when named.
    #[arg(long, value_delimiter = ',')]
    phases: Vec<String>,
    /// Sessions of each load run of the serve phase.
    #[arg(long, default_value_t = 1000)]
    serve_sessions: usize,
    /// Seconds each load run of the serve phase lasts.
    #[arg(long, default_value_t = 10)]
    serve_seconds: u64,
    /// Also run `miniapp serve` beside the real peer, `wasmtime serve`
    /// (row `serve_vs_wasmtime_serve`; the phase's name in `--phases` runs
    /// it alone).
    #[arg(long)]
    peer: bool,
    /// Seconds each side of `--peer` is measured (after a fifth of it,
    /// 0.1 to 2 s, of warm-up).
    #[arg(long, default_value_t = 10.0)]
    peer_seconds: f64,
    /// Keep-alive clients of each side of `--peer`.
    #[arg(long, default_value_t = 64)]
    peer_clients: usize,
    /// Print one JSON object per phase and line.
    #[arg(long)]
    json: bool,
    /// The `wasmtime` command-line tool for the process baseline (default: `wasmtime` on PATH).
    #[arg(long, value_name = "PATH")]
    wasmtime: Option<PathBuf>,
    /// Write a bar chart of the timed phases to this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

pub fn bench(args: BenchArgs) -> Result<(), Failure> {
    let (page, handler) = args.event.split_once(':').ok_or_else(|| {
        Failure::input(format!("--event `{}`: expected PAGE:HANDLER", args.event))
    })?;
    let event = Event::tap(page, handler);
    let sizes = Sizes {
        fast: args.samples.max(10),
        slow: (args.samples / 100).clamp(5, 20),
        live: args.live.max(1),
        rate_window: Duration::from_secs(args.seconds.max(1)),
    };
    let miniapp = std::env::current_exe()
        .map_err(|e| Failure::app(format!("cannot find this binary: {e}")))?;
    let progress = indicatif::ProgressBar::new_spinner();
    let mut reports = Vec::new();
    let serve = args.phases.iter().any(|p| p == "serve");
    let peer = args.peer || args.phases.iter().any(|p| p == peer::PHASE);
    let servers_only =
        !args.phases.is_empty() && (args.phases.iter()).all(|p| p == "serve" || p == peer::PHASE);
    if !servers_only {
        package_phases::run(&args, &event, &sizes, &miniapp, &progress, &mut reports)?;
    }
    if serve {
        progress.set_message("serve: building the apps, starting miniapp serve");
        progress.tick();
        for report in serve_phase::run(&args, &miniapp, &progress)? {
            if args.json {
                let line = serde_json::to_value(&report)
                    .map_err(|e| Failure::app(format!("serve: cannot report: {e}")))?;
                progress.suspend(|| out::json(&line));
            }
            reports.push(report);
        }
    }
    if peer {
        for row in peer::run(&args, &miniapp, &progress)? {
            if args.json {
                let line = row.json()?;
                progress.suspend(|| out::json(&line));
            }
            reports.push(row.report);
        }
    }
    progress.finish_and_clear();
    if !args.json {
        for row in report::table(&reports).lines() {
            out::line(row);
        }
    }
    if let Some(path) = &args.svg {
        let title = format!(
            "miniapp cold start: {} ({} cores)",
            machine(),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        std::fs::write(path, report::svg(&reports, &title))
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// The CPU model, for the chart's title.
fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}
