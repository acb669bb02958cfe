//! The phases each package runs in this process (compile, instantiate, launch, events, host
//! calls, guest compute, views, completions and idle timers, memory, launch rate, a neighbour's
//! p99), each beside its baseline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::ProgressBar;
use miniapp_benches::phases::{Sizes, Subject};
use miniapp_benches::report::PhaseReport;
use miniapp_runtime::{Event, Package};

use super::BenchArgs;
use crate::{Failure, out};

/// A phase of a [`Subject`] timed over `n` samples.
type Timed = fn(&Subject, usize) -> anyhow::Result<PhaseReport>;

/// A phase of a [`Subject`] over `n` samples that reports only if the app
/// handles the phase's event.
type IfHandled = fn(&Subject, usize) -> anyhow::Result<Option<PhaseReport>>;

/// A view phase (on the todo example) timed over `n` samples.
type ViewPhase = fn(usize) -> anyhow::Result<PhaseReport>;

/// Longest `neighbour_p99` samples each side (the witness may be starved).
const NEIGHBOUR_WINDOW: Duration = Duration::from_secs(10);

/// The phases `args.phases` asks for (all if none) of each of `args.packages`,
/// their reports pushed on `reports` and, with `--json`, printed as they come.
pub(super) fn run(
    args: &BenchArgs,
    event: &Event,
    sizes: &Sizes,
    miniapp: &Path,
    progress: &ProgressBar,
    reports: &mut Vec<PhaseReport>,
) -> Result<(), Failure> {
    let wanted = |phase: &str| args.phases.is_empty() || args.phases.iter().any(|p| p == phase);
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
        let mut step = |phase: &str, run: &mut dyn FnMut() -> anyhow::Result<Vec<PhaseReport>>| {
            if !wanted(phase) {
                return Ok(());
            }
            progress.set_message(
                miniapp_runtime::text::printable(&format!("{id}: {phase}")).into_owned(),
            );
            progress.tick();
            let rows = run().map_err(|e| Failure::app(format!("{id}: {phase}: {e:#}")))?;
            for report in rows {
                if args.json {
                    let line = serde_json::to_value(&report)
                        .map_err(|e| Failure::app(format!("{id}: {phase}: cannot report: {e}")))?;
                    progress.suspend(|| out::json(&line));
                }
                reports.push(report);
            }
            Ok(())
        };
        let timed: [(&str, Timed, usize); 7] = [
            ("compile", Subject::compile, sizes.slow),
            ("cache_load", Subject::cache_load, sizes.fast / 4),
            ("instantiate", Subject::instantiate, sizes.fast),
            (
                "launch_to_first_event",
                Subject::launch_to_first_event,
                sizes.fast,
            ),
            (
                "new_app_to_first_event",
                Subject::new_app_to_first_event,
                sizes.fast / 4,
            ),
            ("steady_event", Subject::steady_event, sizes.fast),
            (
                "steady_event_recording",
                Subject::steady_event_recording,
                sizes.fast,
            ),
        ];
        for (phase, time, n) in timed {
            step(phase, &mut || time(&subject, n).map(|r| vec![r]))?;
        }
        // Pre-initialised snapshots: this app's, and heavy-init's (once).
        step("snapshot_launch", &mut || {
            Ok(Vec::from_iter(subject.snapshot_launch(sizes.fast)?))
        })?;
        step("heavy_init", &mut || match view_phases {
            true => miniapp_benches::phases::heavy_init(sizes.fast),
            false => Ok(Vec::new()),
        })?;
        for (phase, handler) in [("host_call_log", "log"), ("host_call_storage_get", "get")] {
            step(phase, &mut || {
                subject
                    .host_call(phase, handler, sizes.fast)
                    .map(Vec::from_iter)
            })?;
        }
        // The steps of an event: set-data against a noop event, storage
        // get against a constant host call of ours.
        step("event_path", &mut || {
            Ok(subject
                .event_path(sizes.fast)?
                .map_or_else(Vec::new, Vec::from))
        })?;
        let guest: [(&str, IfHandled); 4] = [
            ("guest_compute", Subject::guest_compute),
            ("guest_compute_no_fuel", Subject::guest_compute_no_fuel),
            ("guest_sort", Subject::guest_sort),
            ("guest_sort_no_fuel", Subject::guest_sort_no_fuel),
        ];
        for (phase, time) in guest {
            step(phase, &mut || {
                time(&subject, sizes.fast).map(Vec::from_iter)
            })?;
        }
        step("process_cold_start", &mut || {
            let wasmtime = args.wasmtime.clone().or_else(|| which("wasmtime"));
            subject
                .process_cold_start(miniapp, sizes.slow * 2, wasmtime.as_deref())
                .map(|r| vec![r])
        })?;
        let views: [(&str, ViewPhase); 3] = [
            ("render_first", miniapp_benches::view::render_first),
            ("render_toggle", miniapp_benches::view::render_toggle),
            (
                "event_through_view",
                miniapp_benches::view::event_through_view,
            ),
        ];
        for (phase, time) in views {
            step(phase, &mut || match view_phases {
                true => time(sizes.fast / 4).map(|r| vec![r]),
                false => Ok(Vec::new()),
            })?;
        }
        // Between events: a completion against an event, idle timers.
        step("completion", &mut || {
            let rows = subject.completion(sizes.fast)?;
            Ok(rows.map_or_else(Vec::new, Vec::from))
        })?;
        step("timer_idle_memory", &mut || {
            Ok(subject.timer_idle_memory(sizes.live)?.unwrap_or_default())
        })?;
        step("hoarder_memory", &mut || {
            subject.hoarder_memory(20).map(|r| vec![r])
        })?;
        step("memory_per_instance", &mut || {
            subject.memory_per_instance(sizes.live).map(|r| vec![r])
        })?;
        step("launches_per_second", &mut || {
            subject
                .launches_per_second(sizes.rate_window)
                .map(|r| vec![r])
        })?;
        step("neighbour_p99", &mut || {
            subject
                .neighbour_p99(sizes.fast / 4, NEIGHBOUR_WINDOW)
                .map(|r| vec![r])
        })?;
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
