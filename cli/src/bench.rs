//! `miniapp bench`: the cold-start phases of mini-programs, each beside its
//! baseline measured in the same run, as a table, JSON lines and an SVG chart.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use miniapp_benches::phases::{Sizes, Subject};
use miniapp_benches::report::{self, PhaseReport};
use miniapp_runtime::{Event, Package};

use crate::{Failure, out};

/// Longest `neighbour_p99` samples each side (the witness may be starved).
const NEIGHBOUR_WINDOW: Duration = Duration::from_secs(10);

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
    /// Live instances for memory_per_instance.
    #[arg(long, default_value_t = 10_000)]
    live: usize,
    /// Seconds launches_per_second runs.
    #[arg(long, default_value_t = 2)]
    seconds: u64,
    /// Only these phases (comma-separated).
    #[arg(long, value_delimiter = ',')]
    phases: Vec<String>,
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
    let wanted = |phase: &str| args.phases.is_empty() || args.phases.iter().any(|p| p == phase);
    let miniapp = std::env::current_exe()
        .map_err(|e| Failure::app(format!("cannot find this binary: {e}")))?;
    let progress = indicatif::ProgressBar::new_spinner();
    let mut reports = Vec::new();
    for (index, path) in args.packages.iter().enumerate() {
        // The view phases use the todo example whatever the package: once.
        let view_phases = index == 0;
        let package = if path.is_dir() {
            crate::build_package(path, None)?.0
        } else {
            Package::read(path, &Default::default())
                .map_err(|e| Failure::input(format!("package {}: {e}", path.display())))?
        };
        let id = package.manifest.id.clone();
        let subject = Subject::new(package, event.clone())
            .map_err(|e| Failure::app(format!("{id}: cannot set up: {e:#}")))?;
        let mut step =
            |phase: &str, run: &mut dyn FnMut() -> anyhow::Result<Option<PhaseReport>>| {
                if !wanted(phase) {
                    return Ok(());
                }
                progress.set_message(
                    miniapp_runtime::text::printable(&format!("{id}: {phase}")).into_owned(),
                );
                progress.tick();
                match run() {
                    Ok(Some(report)) => {
                        if args.json {
                            let line = serde_json::to_value(&report).map_err(|e| {
                                Failure::app(format!("{id}: {phase}: cannot report: {e}"))
                            })?;
                            progress.suspend(|| out::json(&line));
                        }
                        reports.push(report);
                        Ok(())
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(Failure::app(format!("{id}: {phase}: {e:#}"))),
                }
            };
        step("compile", &mut || subject.compile(sizes.slow).map(Some))?;
        step("cache_load", &mut || {
            subject.cache_load(sizes.fast / 4).map(Some)
        })?;
        step("instantiate", &mut || {
            subject.instantiate(sizes.fast).map(Some)
        })?;
        step("launch_to_first_event", &mut || {
            subject.launch_to_first_event(sizes.fast).map(Some)
        })?;
        step("new_app_to_first_event", &mut || {
            subject.new_app_to_first_event(sizes.fast / 4).map(Some)
        })?;
        step("steady_event", &mut || {
            subject.steady_event(sizes.fast).map(Some)
        })?;
        step("host_call_log", &mut || {
            subject.host_call("host_call_log", "log", sizes.fast)
        })?;
        step("host_call_storage_get", &mut || {
            subject.host_call("host_call_storage_get", "get", sizes.fast)
        })?;
        step("guest_compute", &mut || subject.guest_compute(sizes.fast))?;
        step("guest_compute_no_fuel", &mut || {
            subject.guest_compute_no_fuel(sizes.fast)
        })?;
        step("guest_sort", &mut || subject.guest_sort(sizes.fast))?;
        step("guest_sort_no_fuel", &mut || {
            subject.guest_sort_no_fuel(sizes.fast)
        })?;
        step("process_cold_start", &mut || {
            let wasmtime = args.wasmtime.clone().or_else(|| which("wasmtime"));
            subject
                .process_cold_start(&miniapp, sizes.slow * 2, wasmtime.as_deref())
                .map(Some)
        })?;
        step("render_first", &mut || {
            if !view_phases {
                return Ok(None);
            }
            miniapp_benches::view::render_first(sizes.fast / 4).map(Some)
        })?;
        step("render_toggle", &mut || {
            if !view_phases {
                return Ok(None);
            }
            miniapp_benches::view::render_toggle(sizes.fast / 4).map(Some)
        })?;
        step("event_through_view", &mut || {
            if !view_phases {
                return Ok(None);
            }
            miniapp_benches::view::event_through_view(sizes.fast / 4).map(Some)
        })?;
        step("hoarder_memory", &mut || {
            subject.hoarder_memory(20).map(Some)
        })?;
        step("memory_per_instance", &mut || {
            subject.memory_per_instance(sizes.live).map(Some)
        })?;
        step("launches_per_second", &mut || {
            subject.launches_per_second(sizes.rate_window).map(Some)
        })?;
        step("neighbour_p99", &mut || {
            subject
                .neighbour_p99(sizes.fast / 4, NEIGHBOUR_WINDOW)
                .map(Some)
        })?;
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

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(program))
        .find(|p| p.is_file())
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
