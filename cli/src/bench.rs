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
    let serve = args.phases.iter().any(|p| p == "serve");
    let only_serve = serve && args.phases.iter().all(|p| p == "serve");
    for (index, path) in args.packages.iter().enumerate().filter(|_| !only_serve) {
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

/// The `serve` phase: `miniapp serve` (this binary) as a child on loopback
/// ports, with a temporary data directory and operator token, publishing
/// todo, game2048, shop and hostile/spin, built from the `guest-examples/`
/// of the source tree this binary was built from. `miniapp load` drives it
/// twice, without and beside 8 spinner sessions; then `--live` sessions are
/// opened by `POST` alone for the memory of an idle session. The child gets
/// SIGTERM at the end.
mod serve_phase {
    use std::collections::BTreeMap;
    use std::io::{BufRead, BufReader};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use indicatif::ProgressBar;
    use miniapp_benches::report::PhaseReport;
    use miniapp_runtime::{AppPolicy, Package, Policy};

    use super::BenchArgs;
    use crate::Failure;
    use crate::load::{self, IdleSummary, LoadArgs, Metrics, Summary};

    /// The crates published, under `guest-examples/`.
    const APPS: [&str; 4] = ["todo", "game2048", "shop", "hostile/spin"];
    /// Spinner sessions of the second load run.
    const SPINNERS: usize = 8;
    /// The longest wait for the server's first line (it compiles the apps).
    const START_TIMEOUT: Duration = Duration::from_secs(300);
    /// The longest wait for the server to drain after SIGTERM.
    const STOP_TIMEOUT: Duration = Duration::from_secs(60);
    /// The reports' app name.
    const APP: &str = "serve";

    pub(super) fn run(
        args: &BenchArgs,
        miniapp: &Path,
        progress: &ProgressBar,
    ) -> Result<Vec<PhaseReport>, Failure> {
        let dir = tempfile::tempdir()
            .map_err(|e| Failure::app(format!("serve: cannot make a temporary directory: {e}")))?;
        let packages = build(dir.path())?;
        let runtime = tokio::runtime::Runtime::new()
            .map_err(|e| Failure::app(format!("serve: cannot start the async runtime: {e}")))?;
        let child = |name: &str| Server::start(miniapp, dir.path(), name, &packages);
        let (runs, load_stop) = with_server(child("load")?, |s| {
            runtime.block_on(loads(args, s, progress))
        })?;
        // A fresh server: memory the load runs freed would hide the idle cost.
        let (idle, idle_stop) = with_server(child("idle")?, |s| {
            runtime.block_on(idle(args, s, progress))
        })?;
        let mut reports = reports(&runs, &idle);
        let last = reports.len() - 1;
        for (i, report) in reports.iter_mut().enumerate() {
            let stop = if i == last { &idle_stop } else { &load_stop };
            if let Some(e) = stop {
                report.note = Some(format!("{}; {e}", report.note.take().unwrap_or_default()));
            }
        }
        Ok(reports)
    }

    /// `measure` against `server`, then SIGTERM: what it measured, and why
    /// the server's exit was not clean.
    fn with_server<T>(
        mut server: Server,
        measure: impl FnOnce(&Server) -> anyhow::Result<T>,
    ) -> Result<(T, Option<String>), Failure> {
        let measured = measure(&server);
        let stopped = server.stop();
        let measured = measured.map_err(|e| server.failure(format!("{e:#}")))?;
        Ok((measured, stopped.err()))
    }

    /// Build the apps; write the operator token and a policy granting each
    /// app what it declares, and never quarantining the spinner (it traps at
    /// the end of every CPU budget on purpose).
    fn build(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples");
        let mut policy = Policy::default();
        let mut paths = Vec::new();
        for app in APPS {
            let (package, path): (Package, PathBuf) =
                crate::build_package(&examples.join(app), None)?;
            policy.grant_declared(&package.manifest);
            // Each user's own storage, as a platform keeps it.
            let app = policy.apps.entry(package.manifest.id.clone()).or_default();
            app.per_user_storage = Some(true);
            paths.push(path);
        }
        policy
            .apps
            .entry("hostile.spin".into())
            .or_default()
            .quotas
            .trap_budget = Some(0);
        #[derive(serde::Serialize)]
        struct Apps<'a> {
            apps: &'a BTreeMap<String, AppPolicy>,
        }
        let text = toml::to_string(&Apps { apps: &policy.apps })
            .map_err(|e| Failure::app(format!("serve: cannot write the policy: {e}")))?;
        // A fresh random token (256 bits), as `miniapp serve --new-token` makes.
        let token = miniapp_serve::operator::token::new_token();
        for (name, content) in [("policy.toml", text), ("token", token)] {
            std::fs::write(dir.join(name), content).map_err(|e| {
                Failure::app(format!(
                    "serve: cannot write {}: {e}",
                    dir.join(name).display()
                ))
            })?;
        }
        Ok(paths)
    }

    /// The two load runs: without and beside spinners.
    async fn loads(
        args: &BenchArgs,
        server: &Server,
        progress: &ProgressBar,
    ) -> anyhow::Result<Runs> {
        let mut load = LoadArgs {
            url: server.sessions.clone(),
            apps: vec!["todo".into(), "game2048".into(), "shop".into()],
            sessions: args.serve_sessions.max(1),
            duration: args.serve_seconds.max(1) as f64,
            rate: None,
            spinners: 0,
            metrics: Some(server.operator.clone()),
            token_file: Some(server.token.clone()),
            json: false,
        };
        progress.set_message(format!("serve: {} sessions", load.sessions));
        let calm = load::run(&load).await?;
        load.spinners = SPINNERS;
        progress.set_message(format!(
            "serve: {} sessions beside {SPINNERS} spinners",
            load.sessions
        ));
        let busy = load::run(&load).await?;
        // The same sessions paced at half the rate the server sustained:
        // latency at a load it carries, not the queue of a saturated one.
        load.rate = Some((calm.events_per_s / 2.0).max(1.0));
        load.spinners = 0;
        progress.set_message(format!("serve: paced at {:.0}/s", calm.events_per_s / 2.0));
        let paced = load::run(&load).await?;
        load.spinners = SPINNERS;
        progress.set_message(format!("serve: paced beside {SPINNERS} spinners"));
        let paced_busy = load::run(&load).await?;
        Ok(Runs {
            calm,
            busy,
            paced,
            paced_busy,
        })
    }

    /// The load runs: closed loop (as fast as answers come) and paced at
    /// half that rate, each alone and beside spinners.
    struct Runs {
        calm: Summary,
        busy: Summary,
        paced: Summary,
        paced_busy: Summary,
    }

    /// `--live` sessions opened by `POST` alone.
    async fn idle(
        args: &BenchArgs,
        server: &Server,
        progress: &ProgressBar,
    ) -> anyhow::Result<IdleSummary> {
        progress.set_message(format!("serve: {} idle sessions", args.live));
        let metrics = Metrics::new(&server.operator, &server.token)?;
        load::idle(&server.sessions, args.live.max(1), &metrics).await
    }

    /// The running `miniapp serve`.
    struct Server {
        child: Child,
        /// `http://IP:PORT` of the session listener.
        sessions: String,
        /// `http://IP:PORT` of the operator listener.
        operator: String,
        token: PathBuf,
        /// Its stderr.
        log: PathBuf,
        stopped: bool,
    }

    impl Server {
        /// `miniapp serve` with its data under `dir/data-NAME` and its
        /// stderr in `dir/serve-NAME.log`, once it prints its listeners.
        fn start(
            miniapp: &Path,
            dir: &Path,
            name: &str,
            packages: &[PathBuf],
        ) -> Result<Server, Failure> {
            let log = dir.join(format!("serve-{name}.log"));
            let stderr = std::fs::File::create(&log).map_err(|e| {
                Failure::app(format!("serve: cannot create {}: {e}", log.display()))
            })?;
            let mut child = command(miniapp, dir, name, packages)
                .stderr(stderr)
                .spawn()
                .map_err(|e| {
                    let miniapp = miniapp.display();
                    Failure::app(format!("serve: cannot start {miniapp} serve: {e}"))
                })?;
            let line = first_line(&mut child);
            let mut server = Server {
                child,
                sessions: String::new(),
                operator: String::new(),
                token: dir.join("token"),
                log,
                stopped: false,
            };
            let Some((sessions, operator)) = line.as_deref().and_then(listeners) else {
                return Err(
                    server.failure(format!("miniapp serve printed {line:?}, not its listeners"))
                );
            };
            (server.sessions, server.operator) = (sessions, operator);
            Ok(server)
        }

        /// SIGTERM, then wait for the drain: why the exit was not clean.
        fn stop(&mut self) -> Result<(), String> {
            self.stopped = true;
            let pid = self.child.id().to_string();
            let sent = Command::new("kill").args(["-TERM", &pid]).status();
            if !sent.is_ok_and(|s| s.success()) {
                let _ = self.child.kill();
            }
            let begun = Instant::now();
            while begun.elapsed() < STOP_TIMEOUT {
                match self.child.try_wait() {
                    Ok(Some(status)) if status.success() => return Ok(()),
                    Ok(Some(status)) => {
                        return Err(format!("miniapp serve exited with {status} on SIGTERM"));
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                    Err(e) => return Err(format!("cannot wait for miniapp serve: {e}")),
                }
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
            Err(format!(
                "miniapp serve did not exit within {STOP_TIMEOUT:?} of SIGTERM (killed)"
            ))
        }

        /// A failure of the phase, with the end of the server's stderr.
        fn failure(&self, message: String) -> Failure {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Failure::app(format!("serve: {message}")).with_detail(tail.join("\n"))
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            if !self.stopped {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    /// `miniapp serve` on loopback ports, data in `dir/data-NAME`.
    fn command(miniapp: &Path, dir: &Path, name: &str, packages: &[PathBuf]) -> Command {
        let mut command = Command::new(miniapp);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--operator-listen", "127.0.0.1:0"])
            // Nothing routes to it: close at once on SIGTERM.
            .args(["--drain-secs", "0"])
            // Every session of the bench comes from 127.0.0.1 (the load's,
            // its probes', the `--live` idle ones): the bench measures the
            // server, not the cap on sessions per client address.
            .args(["--max-sessions-per-client", "1000000"])
            .arg("--data-dir")
            .arg(dir.join(format!("data-{name}")))
            .arg("--operator-token-file")
            .arg(dir.join("token"))
            .arg("--policy")
            .arg(dir.join("policy.toml"));
        for package in packages {
            command.arg("--publish").arg(package);
        }
        command.stdin(Stdio::null()).stdout(Stdio::piped());
        command
    }

    /// The child's first stdout line (none if it closed stdout or took
    /// longer than [`START_TIMEOUT`]); the rest is read and dropped.
    fn first_line(child: &mut Child) -> Option<String> {
        let stdout = child.stdout.take()?;
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).ok().filter(|n| *n > 0);
            let _ = send.send(read.map(|_| line));
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        receive.recv_timeout(START_TIMEOUT).ok().flatten()
    }

    /// The URLs in `miniapp serve: sessions at URL, operator at URL`.
    fn listeners(line: &str) -> Option<(String, String)> {
        let rest = line.trim().strip_prefix("miniapp serve: sessions at ")?;
        let (sessions, operator) = rest.split_once(", operator at ")?;
        Some((sessions.to_string(), operator.to_string()))
    }

    fn us(ms: f64) -> Option<f64> {
        Some((ms * 1000.0 * 100.0).round() / 100.0)
    }

    fn live(sessions: Option<f64>) -> String {
        sessions.map_or("server reports no live count".into(), |n| {
            format!("server: {n} live")
        })
    }

    fn counts(s: &Summary) -> String {
        problems(s.errors, s.refused, &s.errors_by_kind, &s.error_examples)
    }

    /// Errors and refusals, with the most frequent error kind and its first
    /// message.
    fn problems(
        errors: u64,
        refused: u64,
        kinds: &BTreeMap<String, u64>,
        examples: &BTreeMap<String, String>,
    ) -> String {
        let mut text = format!("{errors} errors, {refused} refused");
        if let Some((kind, n)) = kinds.iter().max_by_key(|(_, n)| **n) {
            let example = examples.get(kind).map_or("", String::as_str);
            text.push_str(&format!(" (most: {n} {kind}: {example})"));
        }
        text
    }

    /// The phase's reports: event latency alone and beside spinners, the
    /// rate, first views and memory per active and per idle session.
    fn reports(all: &Runs, idle: &IdleSummary) -> Vec<PhaseReport> {
        let (calm, busy) = (&all.calm, &all.busy);
        let runs = format!(
            "{} sessions over WebSockets, {:.0} s",
            calm.sessions, calm.duration_s
        );
        let paced = format!("{runs}, paced at {:.0} events/s", all.paced.events_per_s);
        let mut reports = vec![
            latency(
                calm,
                "serve_event",
                format!("{runs}; p999 {:.2} ms; {}", calm.p999_ms, counts(calm)),
            ),
            beside_spinners(calm, busy, "serve_event_spinners"),
            latency(
                &all.paced,
                "serve_event_paced",
                format!(
                    "{paced}; p999 {:.2} ms; {}",
                    all.paced.p999_ms,
                    counts(&all.paced)
                ),
            ),
            beside_spinners(&all.paced, &all.paced_busy, "serve_event_paced_spinners"),
            PhaseReport {
                value: Some(calm.events_per_s),
                ..base(
                    "serve_events_per_second",
                    calm.sessions,
                    format!(
                        "{runs}; beside {SPINNERS} spinners {:.0}/s",
                        busy.events_per_s
                    ),
                )
            },
            first_view(&all.paced, "serve_first_view", &paced),
            first_view(
                calm,
                "serve_first_view_closed",
                &format!("{runs}, closed loop"),
            ),
        ];
        reports.extend(memory(calm, idle));
        reports
    }

    fn base(phase: &str, n: usize, note: String) -> PhaseReport {
        PhaseReport {
            app: APP.into(),
            phase: phase.into(),
            n,
            note: Some(note),
            ..PhaseReport::default()
        }
    }

    /// A new user's first view while a load run's events run.
    fn first_view(s: &Summary, phase: &str, run: &str) -> PhaseReport {
        let note = format!(
            "POST /v1/sessions to its 201, a new user every 20 ms during the run ({run}); \
             the opening burst before it: p50 {:.2} ms, p99 {:.2} ms",
            s.open_burst_p50_ms, s.open_burst_p99_ms
        );
        PhaseReport {
            p50_us: us(s.first_view_p50_ms),
            p99_us: us(s.first_view_p99_ms),
            ..base(phase, s.first_views as usize, note)
        }
    }

    /// The event latency of a load run.
    fn latency(s: &Summary, phase: &str, note: String) -> PhaseReport {
        PhaseReport {
            p50_us: us(s.p50_ms),
            p99_us: us(s.p99_ms),
            max_us: us(s.max_ms),
            ..base(phase, s.events as usize, note)
        }
    }

    /// The latency beside spinners; its ratio compares p99s: beside them
    /// over without them.
    fn beside_spinners(calm: &Summary, busy: &Summary, phase: &str) -> PhaseReport {
        let note = format!(
            "{SPINNERS} spinners, {} traps; p999 {:.2} ms; {}",
            busy.spinner_traps,
            busy.p999_ms,
            counts(busy)
        );
        let ratio = (busy.p99_ms / calm.p99_ms * 100.0).round() / 100.0;
        PhaseReport {
            baseline: Some("serve-no-spinners".into()),
            baseline_p50_us: us(calm.p50_ms),
            baseline_p99_us: us(calm.p99_ms),
            baseline_n: Some(calm.events as usize),
            ratio: (calm.p99_ms > 0.0).then_some(ratio),
            ..latency(busy, phase, note)
        }
    }

    /// Resident memory per session: with sockets and events, and idle.
    fn memory(calm: &Summary, idle: &IdleSummary) -> [PhaseReport; 2] {
        let idle_note = format!(
            "POST only; first view p99 {:.2} ms; {}; {}",
            idle.first_view_p99_ms,
            problems(
                idle.errors,
                idle.refused,
                &idle.errors_by_kind,
                &idle.error_examples
            ),
            live(idle.sessions_live)
        );
        let note = format!(
            "resident after opening / sessions, sockets open; {}",
            live(calm.sessions_live)
        );
        [
            PhaseReport {
                kib: calm.rss_kib_per_session,
                ..base("serve_rss_per_session", calm.sessions, note)
            },
            PhaseReport {
                kib: Some(idle.rss_kib_per_session),
                ..base("serve_rss_idle_session", idle.sessions, idle_note)
            },
        ]
    }
}
