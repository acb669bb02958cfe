//! The phases of a mini-program's start, each measured through the runtime
//! and, where it means something, through the bare host in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use miniapp_runtime::{App, Event, LaunchOptions, Package, Policy, Runtime};

use crate::bare::{self, BareHost};
use crate::report::PhaseReport;

mod event_path;
mod recording;
mod snapshot;
mod timers;

pub use snapshot::heavy_init;
pub use timers::FIRINGS_PER_SECOND;

/// Host calls per event in the host-call phases.
const CALLS_PER_EVENT: u32 = 1000;

/// Spinning neighbours in `neighbour_p99`.
const SPINNERS: usize = 8;

/// Worker threads of the tokio runtime `neighbour_p99` shares.
const NEIGHBOUR_WORKERS: usize = 2;

/// Pause between two of the witness's events in `neighbour_p99`, so that
/// they arrive at every point of the spinners' time slices.
const NEIGHBOUR_GAP: Duration = Duration::from_millis(1);

/// How long the spinners of `neighbour_p99` spin before the witness is
/// measured beside them (a fresh call runs until its first epoch tick
/// before it takes turns with the others).
const NEIGHBOUR_SETTLE: Duration = Duration::from_millis(200);

/// Longest `neighbour_p99` waits for one answer before it gives up.
const NEIGHBOUR_PATIENCE: Duration = Duration::from_secs(120);

/// How many samples each phase takes.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Samples of the fast in-process phases.
    pub fast: usize,
    /// Samples of compile and whole-process phases.
    pub slow: usize,
    /// Live instances for `memory_per_instance` and `timer_idle_memory`.
    pub live: usize,
    /// How long `launches_per_second` runs.
    pub rate_window: Duration,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            fast: 2000,
            slow: 20,
            live: 10_000,
            rate_window: Duration::from_secs(2),
        }
    }
}

/// One package under benchmark, with a runtime and a bare host for it.
pub struct Subject {
    /// The package.
    pub package: Package,
    /// Its file (written if it came from memory).
    pub path: PathBuf,
    /// The first event (default `index:tap`).
    pub event: Event,
    runtime: Runtime,
    policy: Policy,
    app: App,
    bare_engine: wasmtime::Engine,
    bare: BareHost,
    bare_artifact: PathBuf,
    dir: tempfile::TempDir,
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn wit_event(event: &Event) -> miniapp_runtime::bench_hooks::lifecycle::Event {
    bare::event(&event.handler, &event.detail.to_string())
}

impl Subject {
    /// Set up a pooling runtime (cache in a temporary data directory) and a
    /// bare host for `package`, with pools of 64 slots (the memory phase makes
    /// its own).
    pub fn new(package: Package, event: Event) -> anyhow::Result<Subject> {
        let live = 64;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("app.miniapp");
        package.write(&path)?;
        let mut policy = Policy::default();
        policy.grant_declared(&package.manifest);
        // `completion` delivers a 0 ms interval's firings back to back: the
        // default quota (100 a second) would make it wait for the clock.
        let app = policy.apps.entry(package.manifest.id.clone()).or_default();
        app.quotas.timer_firings_per_second = Some(FIRINGS_PER_SECOND);
        let runtime = Runtime::builder(dir.path().join("data"))
            .policy(policy.clone())
            .pooling(true)
            .max_live_instances(live)
            .build()?;
        let app = runtime.load(package.clone())?;
        let bare_engine = bare::engine(Some(live))?;
        let bare = BareHost::new(&bare_engine, &package.component)?;
        let bare_artifact = dir.path().join("bare.cwasm");
        std::fs::write(
            &bare_artifact,
            bare_engine.precompile_component(&package.component)?,
        )?;
        Ok(Subject {
            package,
            path,
            event,
            runtime,
            policy,
            app,
            bare_engine,
            bare,
            bare_artifact,
            dir,
        })
    }

    fn id(&self) -> &str {
        &self.package.manifest.id
    }

    /// The timed report of `phase`: our samples beside the bare-wasmtime
    /// baseline's, where it could be measured.
    fn beside_bare(
        &self,
        phase: &str,
        ours: Vec<Duration>,
        base: Option<Vec<Duration>>,
    ) -> PhaseReport {
        PhaseReport::timed(self.id(), phase, ours, base.map(|b| ("bare-wasmtime", b)))
    }

    /// `phase`: `n` runs of `ours`, then `n` of the bare host's `base`, on
    /// one runtime; the baseline is left out if it fails.
    fn timed_beside_bare(
        &self,
        phase: &str,
        n: usize,
        ours: impl AsyncFnMut() -> anyhow::Result<()>,
        base: impl AsyncFnMut() -> anyhow::Result<()>,
    ) -> anyhow::Result<PhaseReport> {
        let rt = tokio();
        let ours = rt.block_on(time_n_async(n, ours))?;
        let base = rt.block_on(time_n_async(n, base)).ok();
        Ok(self.beside_bare(phase, ours, base))
    }

    /// `compile`: Cranelift compiling the component (ours: with fuel and
    /// epoch checks; baseline: a bare engine).
    pub fn compile(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let wasm = &self.package.component;
        let ours = time_n(n, || {
            self.runtime
                .engine()
                .precompile_component(wasm)
                .map(drop)
                .map_err(any)
        })?;
        let base = time_n(n, || {
            self.bare_engine
                .precompile_component(wasm)
                .map(drop)
                .map_err(any)
        })
        .ok();
        Ok(self.beside_bare("compile", ours, base))
    }

    /// `cache_load`: a checked package to a loaded app from the artifact
    /// cache on disk (verify, deserialize, check imports, pre-instantiate);
    /// baseline: `deserialize_file` and `instantiate_pre`, unverified.
    pub fn cache_load(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let ours = time_n(n, || {
            self.runtime.forget_loaded();
            self.runtime
                .load(self.package.clone())
                .map(drop)
                .map_err(any)
        })?;
        let base = time_n(n, || {
            BareHost::from_artifact(&self.bare_engine, &self.bare_artifact).map(drop)
        })
        .ok();
        Ok(self.beside_bare("cache_load", ours, base))
    }

    /// `instantiate`: a new store with its limits and host state, and the
    /// instance; no hook runs.
    pub fn instantiate(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let ours = async || {
            self.app.instantiate_only(LaunchOptions::default()).await?;
            Ok(())
        };
        let base = async || self.bare.instantiate().await.map(drop);
        self.timed_beside_bare("instantiate", n, ours, base)
    }

    /// `launch_to_first_event`: a new instance of a loaded app: store,
    /// limits, policy, `on-launch`, `on-show`, the first event.
    pub fn launch_to_first_event(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let event = wit_event(&self.event);
        let ours = async || {
            let mut instance = self.app.launch(LaunchOptions::default()).await?;
            instance.dispatch(&self.event).await?;
            Ok(())
        };
        let base = async || self.bare.launch_to_first_event(&event).await.map(drop);
        self.timed_beside_bare("launch_to_first_event", n, ours, base)
    }

    /// `new_app_to_first_event`: an app not yet loaded in this process, its
    /// artifact cached on disk: read and check the package, load, launch,
    /// first event.
    pub fn new_app_to_first_event(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let event = wit_event(&self.event);
        let ours = async || {
            self.runtime.forget_loaded();
            let app = self.runtime.load_file(&self.path)?;
            let mut instance = app.launch(LaunchOptions::default()).await?;
            instance.dispatch(&self.event).await?;
            Ok(())
        };
        let base = async || {
            let host = BareHost::from_artifact(&self.bare_engine, &self.bare_artifact)?;
            host.launch_to_first_event(&event).await.map(drop)
        };
        self.timed_beside_bare("new_app_to_first_event", n, ours, base)
    }

    /// `steady_event`: one more event (`noop`, else the first event) on a live instance.
    pub fn steady_event(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let rt = tokio();
        let event = self.steady_subject_event();
        let wit = wit_event(&event);
        let mut instance = rt.block_on(self.app.launch(LaunchOptions::default()))?;
        let ours = rt.block_on(time_n_async(n, async || {
            instance.dispatch(&event).await?;
            Ok(())
        }))?;
        let base = rt
            .block_on(async {
                let mut bare = self.bare.launch_to_first_event(&wit).await?;
                time_n_async(n, async || bare.dispatch(&wit).await).await
            })
            .ok();
        Ok(self.beside_bare("steady_event", ours, base))
    }

    /// The event a steady phase repeats: the app's `noop` handler when it
    /// has one (the platform's cost alone), else the subject's event.
    pub fn steady_subject_event(&self) -> Event {
        let noop = Event::new("index", "noop");
        if self.handles(&noop) {
            noop
        } else {
            self.event.clone()
        }
    }

    /// Whether the app handles `event` without error.
    pub fn handles(&self, event: &Event) -> bool {
        let rt = tokio();
        rt.block_on(async {
            let mut instance = self.app.launch(LaunchOptions::default()).await.ok()?;
            instance.dispatch(event).await.ok()
        })
        .is_some()
    }

    /// `host_call_log` / `host_call_storage_get`: the cost of one host call,
    /// from events making 1000 calls minus an event making none. Needs an app
    /// with `noop`, `log` and `get` handlers (the bench example).
    pub fn host_call(
        &self,
        phase: &str,
        handler: &str,
        n: usize,
    ) -> anyhow::Result<Option<PhaseReport>> {
        let noop = Event::new("index", "noop");
        let calls =
            Event::new("index", handler).with_detail(serde_json::json!({ "n": CALLS_PER_EVENT }));
        if !self.handles(&noop) || !self.handles(&calls) {
            return Ok(None);
        }
        let rt = tokio();
        let mut instance = rt.block_on(self.app.launch(LaunchOptions::default()))?;
        rt.block_on(instance.dispatch(&Event::new("index", "seed")))?;
        let per_call = |calls: Vec<Duration>, noops: Vec<Duration>| -> Vec<Duration> {
            let mut noops = noops;
            noops.sort();
            let floor = noops[noops.len() / 2];
            calls
                .into_iter()
                .map(|t| t.saturating_sub(floor) / CALLS_PER_EVENT)
                .collect()
        };
        let iterations = (n / 10).max(20);
        let noops = rt.block_on(time_n_async(iterations, async || {
            instance.dispatch(&noop).await?;
            Ok(())
        }))?;
        let ours = rt.block_on(time_n_async(iterations, async || {
            instance.dispatch(&calls).await?;
            Ok(())
        }))?;
        let ours = per_call(ours, noops);
        let wit_noop = wit_event(&noop);
        let wit_calls = wit_event(&calls);
        let base = rt
            .block_on(async {
                let mut bare = self.bare.launch_to_first_event(&wit_noop).await?;
                let noops =
                    time_n_async(iterations, async || bare.dispatch(&wit_noop).await).await?;
                let calls =
                    time_n_async(iterations, async || bare.dispatch(&wit_calls).await).await?;
                anyhow::Ok(per_call(calls, noops))
            })
            .ok();
        Ok(Some(self.beside_bare(phase, ours, base)))
    }

    /// `guest_compute`: an event of pure guest computation (`work`, 1,000,000
    /// iterations): what the fuel and epoch checks compiled into guest code
    /// cost, against the bare host's uninstrumented code.
    pub fn guest_compute(&self, n: usize) -> anyhow::Result<Option<PhaseReport>> {
        self.compute_against_bare(&self.app, "guest_compute", &Self::work(), n)
    }

    /// `guest_compute_no_fuel`: `guest_compute` on a runtime that meters no
    /// fuel (`RuntimeBuilder::fuel(false)`): what the epoch checks alone cost.
    pub fn guest_compute_no_fuel(&self, n: usize) -> anyhow::Result<Option<PhaseReport>> {
        let app = self.without_fuel()?;
        self.compute_against_bare(&app.1, "guest_compute_no_fuel", &Self::work(), n)
    }

    /// `guest_sort`: an event sorting 100,000 pseudo-random numbers (`sort`):
    /// branchy code over memory, many small basic blocks, where fuel's
    /// per-block counting costs most; against the bare host.
    pub fn guest_sort(&self, n: usize) -> anyhow::Result<Option<PhaseReport>> {
        self.compute_against_bare(&self.app, "guest_sort", &Self::sort(), n)
    }

    /// `guest_sort_no_fuel`: `guest_sort` without fuel metering.
    pub fn guest_sort_no_fuel(&self, n: usize) -> anyhow::Result<Option<PhaseReport>> {
        let app = self.without_fuel()?;
        self.compute_against_bare(&app.1, "guest_sort_no_fuel", &Self::sort(), n)
    }

    fn work() -> Event {
        Event::new("index", "work").with_detail(serde_json::json!({ "n": 1_000_000 }))
    }

    fn sort() -> Event {
        Event::new("index", "sort").with_detail(serde_json::json!({ "n": 100_000 }))
    }

    /// This app loaded in a runtime like the subject's (pooling, 64 slots)
    /// that meters no fuel, with its data directory.
    fn without_fuel(&self) -> anyhow::Result<(tempfile::TempDir, App)> {
        self.pooled(64, false)
    }

    /// This app loaded in a new pooling runtime with `live` slots, under the
    /// subject's policy, metering fuel if `fuel`, with its data directory.
    fn pooled(&self, live: usize, fuel: bool) -> anyhow::Result<(tempfile::TempDir, App)> {
        let dir = tempfile::tempdir()?;
        let runtime = Runtime::builder(dir.path())
            .policy(self.policy.clone())
            .pooling(true)
            .max_live_instances(live as u32)
            .fuel(fuel)
            .build()?;
        let app = runtime.load(self.package.clone())?;
        Ok((dir, app))
    }

    fn compute_against_bare(
        &self,
        app: &App,
        phase: &str,
        work: &Event,
        n: usize,
    ) -> anyhow::Result<Option<PhaseReport>> {
        if !self.handles(work) {
            return Ok(None);
        }
        let rt = tokio();
        let mut instance = rt.block_on(app.launch(LaunchOptions::default()))?;
        let iterations = (n / 20).max(20);
        let ours = rt.block_on(time_n_async(iterations, async || {
            instance.dispatch(work).await?;
            Ok(())
        }))?;
        let wit = wit_event(work);
        let base = rt
            .block_on(async {
                let mut bare = self.bare.launch_to_first_event(&wit).await?;
                time_n_async(iterations, async || bare.dispatch(&wit).await).await
            })
            .ok();
        Ok(Some(self.beside_bare(phase, ours, base)))
    }

    /// `neighbour_p99`: how a spinning neighbour delays this app. On a
    /// 2-worker tokio runtime, a live instance of this app (the witness)
    /// answers events (`noop`, else the first event) sent from outside the
    /// runtime one at a time; each sample runs from the send to the answer.
    /// Baseline: the witness alone; then beside 8 instances of
    /// `hostile/spin` spinning on `index:attack` in the same runtime (each
    /// until its CPU or time budget traps it, then again), from 200 ms after
    /// they all started. The ratio is the
    /// p99 beside the spinners over the p99 alone. Takes up to `n` samples
    /// each, within `window` (the witness may be starved).
    pub fn neighbour_p99(&self, n: usize, window: Duration) -> anyhow::Result<PhaseReport> {
        let spin = match crate::example("hostile/spin") {
            Ok(spin) => spin,
            Err(e) => {
                return Ok(PhaseReport {
                    app: self.id().to_string(),
                    phase: "neighbour_p99".into(),
                    note: Some(format!(
                        "not measured: cannot build guest-examples/hostile/spin: {e:#}"
                    )),
                    ..PhaseReport::default()
                });
            }
        };
        let event = self.steady_subject_event();
        let mut policy = self.policy.clone();
        policy.grant_declared(&spin.manifest);
        // A spinner traps at the end of every budget and starts again: no
        // quarantine. Its CPU and time budgets are the defaults.
        policy
            .apps
            .entry(spin.manifest.id.clone())
            .or_default()
            .quotas
            .trap_budget = Some(0);
        let dir = tempfile::tempdir()?;
        let runtime = Runtime::builder(dir.path()).policy(policy).build()?;
        let witness = runtime.load(self.package.clone())?;
        let spin = runtime.load(spin)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(NEIGHBOUR_WORKERS)
            .enable_all()
            .build()?;
        // The witness: one task answering requests from outside the runtime.
        let (requests, mut incoming) = tokio::sync::mpsc::unbounded_channel::<()>();
        let (answer, answers) = std::sync::mpsc::channel::<Result<(), String>>();
        let mut instance = rt.block_on(witness.launch(LaunchOptions::default()))?;
        let witness_task = rt.spawn(async move {
            while incoming.recv().await.is_some() {
                let result = instance.dispatch(&event).await.map_err(|e| e.to_string());
                if answer.send(result).is_err() {
                    break;
                }
            }
        });
        let sample = |count: usize| -> anyhow::Result<Vec<Duration>> {
            let end = Instant::now() + window;
            let mut samples = Vec::with_capacity(count);
            while samples.len() < count && Instant::now() < end {
                let start = Instant::now();
                requests.send(())?;
                answers
                    .recv_timeout(NEIGHBOUR_PATIENCE)
                    .map_err(|_| {
                        anyhow::anyhow!("the witness did not answer within {NEIGHBOUR_PATIENCE:?}")
                    })?
                    .map_err(anyhow::Error::msg)?;
                samples.push(start.elapsed());
                std::thread::sleep(NEIGHBOUR_GAP);
            }
            Ok(samples)
        };
        let alone = sample(n)?;
        let stop = Arc::new(AtomicBool::new(false));
        let spinning = Arc::new(AtomicUsize::new(0));
        let spinners: Vec<_> = (0..SPINNERS)
            .map(|_| {
                let (spin, stop, spinning) = (spin.clone(), stop.clone(), spinning.clone());
                rt.spawn(async move {
                    let attack = Event::new("index", "attack");
                    let mut instance = spin.launch(LaunchOptions::default()).await?;
                    spinning.fetch_add(1, Ordering::Relaxed);
                    while !stop.load(Ordering::Relaxed) {
                        // Ends in a trap; the next dispatch relaunches.
                        let _ = instance.dispatch(&attack).await;
                        // Between two events an embedder awaits the next one.
                        tokio::task::yield_now().await;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        let started = Instant::now();
        while spinning.load(Ordering::Relaxed) < SPINNERS {
            anyhow::ensure!(
                started.elapsed() < NEIGHBOUR_PATIENCE,
                "the spinners did not all start within {NEIGHBOUR_PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(NEIGHBOUR_SETTLE);
        let beside = sample(n)?;
        stop.store(true, Ordering::Relaxed);
        for spinner in &spinners {
            spinner.abort();
        }
        drop(requests);
        witness_task.abort();
        rt.shutdown_timeout(NEIGHBOUR_PATIENCE);
        let mut report = PhaseReport::tail(self.id(), "neighbour_p99", beside, ("alone", alone));
        report.note = Some(format!(
            "ratio of p99s: beside {SPINNERS} spinning apps on {NEIGHBOUR_WORKERS} tokio workers, over alone"
        ));
        Ok(report)
    }

    /// `memory_per_instance`: RSS growth over `live` idle live instances
    /// (launched, first event handled, kept), per instance.
    pub fn memory_per_instance(&self, live: usize) -> anyhow::Result<PhaseReport> {
        // Each side gets a pool of exactly `live` slots, one after the other:
        // two pools of thousands of slots at once would exceed the OS's
        // memory-map limit on their own.
        let rt = tokio();
        let event = wit_event(&self.event);
        let (dir, app) = self.pooled(live, true)?;
        let ours = rt.block_on(async {
            let before = rss_kib();
            let maps_before = map_count();
            let mut kept = Vec::with_capacity(live);
            for _ in 0..live {
                let mut instance = app.launch(LaunchOptions::default()).await?;
                instance.dispatch(&self.event).await?;
                kept.push(instance);
            }
            let per = (rss_kib() - before) / live as f64;
            let maps = (map_count() - maps_before) as f64 / live as f64;
            // One past the cap is refused with a typed error, not an abort.
            let refused = matches!(
                app.launch(LaunchOptions::default()).await,
                Err(miniapp_runtime::Error::Capacity { .. })
            );
            drop(kept);
            anyhow::Ok((per, refused, maps))
        })?;
        drop((app, dir));
        let bare_engine = bare::engine(Some(live as u32))?;
        let bare = BareHost::new(&bare_engine, &self.package.component)?;
        // The bare host only implements what the bench example calls; for
        // another app its launch may trap, and the baseline is left out.
        let base = rt
            .block_on(async {
                let before = rss_kib();
                let mut kept = Vec::with_capacity(live);
                for _ in 0..live {
                    kept.push(bare.launch_to_first_event(&event).await?);
                }
                let per = (rss_kib() - before) / live as f64;
                drop(kept);
                anyhow::Ok(per)
            })
            .ok();
        Ok(PhaseReport {
            app: self.id().to_string(),
            phase: "memory_per_instance".into(),
            n: live,
            kib: Some((ours.0 * 10.0).round() / 10.0),
            baseline_kib: base.map(|base| (base * 10.0).round() / 10.0),
            baseline: base.map(|_| "bare-wasmtime".into()),
            note: Some(format!(
                "{:.1} memory maps per instance; launch {} {}",
                ours.2,
                live + 1,
                if ours.1 {
                    "refused past the cap with a typed error"
                } else {
                    "past the cap was NOT refused"
                }
            )),
            ..PhaseReport::default()
        })
    }

    /// `hoarder_memory`: what one hostile instance makes the host hold.
    /// `live` instances of `hostile/stack-hoarder` (default quotas) each fill
    /// every page of a full stack with as much page data as the host
    /// accepts, and stay live; the figure is the process's resident memory
    /// growth per instance (guest memory included), beside the host memory
    /// budget each is held to (`host_memory_bytes`).
    pub fn hoarder_memory(&self, live: usize) -> anyhow::Result<PhaseReport> {
        let hoarder = crate::example("hostile/stack-hoarder")?;
        let mut policy = Policy::default();
        policy.grant_declared(&hoarder.manifest);
        let budget = policy.quotas_for(&hoarder.manifest.id)?.host_memory_bytes;
        let dir = tempfile::tempdir()?;
        let runtime = Runtime::builder(dir.path()).policy(policy).build()?;
        let app = runtime.load(hoarder)?;
        let rt = tokio();
        let attack = Event::tap("index", "attack");
        let (per_kib, held) = rt.block_on(async {
            let before = rss_kib();
            let mut kept = Vec::with_capacity(live);
            let mut held = 0;
            for _ in 0..live {
                let mut instance = app.launch(LaunchOptions::default()).await?;
                instance.dispatch(&attack).await?;
                held += instance.host_memory().0;
                kept.push(instance);
            }
            let per = (rss_kib() - before) / live as f64;
            drop(kept);
            anyhow::Ok((per, held / live as u64))
        })?;
        Ok(PhaseReport {
            app: "hostile.stack-hoarder".into(),
            phase: "hoarder_memory".into(),
            n: live,
            kib: Some((per_kib * 10.0).round() / 10.0),
            note: Some(format!(
                "resident KiB per live instance; the host holds {} KiB per instance after its attack, its budget is {} KiB",
                held / 1024,
                budget / 1024
            )),
            ..PhaseReport::default()
        })
    }

    /// `launches_per_second`: new instance, first event, drop, on every core.
    pub fn launches_per_second(&self, window: Duration) -> anyhow::Result<PhaseReport> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let ours = rate(threads, window, |deadline| {
            let rt = tokio();
            rt.block_on(async {
                let mut count = 0u64;
                while Instant::now() < deadline {
                    let mut instance = self.app.launch(LaunchOptions::default()).await?;
                    instance.dispatch(&self.event).await?;
                    count += 1;
                }
                anyhow::Ok(count)
            })
        })?;
        let event = wit_event(&self.event);
        let base = rate(threads, window, |deadline| {
            let rt = tokio();
            rt.block_on(async {
                let mut count = 0u64;
                while Instant::now() < deadline {
                    self.bare.launch_to_first_event(&event).await?;
                    count += 1;
                }
                anyhow::Ok(count)
            })
        })
        .ok();
        Ok(PhaseReport {
            app: self.id().to_string(),
            phase: "launches_per_second".into(),
            n: threads,
            value: Some(ours.round()),
            baseline_value: base.map(f64::round),
            baseline: base.map(|_| "bare-wasmtime".into()),
            ratio: base.map(|base| (ours / base * 100.0).round() / 100.0),
            note: Some(format!("{threads} threads")),
            ..PhaseReport::default()
        })
    }

    /// `process_cold_start`: the whole `miniapp run` process of a cached
    /// app, one event. Baseline: the `wasmtime` command-line tool, if given,
    /// running the same component precompiled (`wasmtime compile`) and
    /// invoking one lifecycle hook (`on-show`, which calls no host API; the
    /// host API's imports trap there); else spawning a native process (`true`).
    /// The two are sampled in turn, one run of each at a time, so that a
    /// change in the machine's load reaches both alike.
    pub fn process_cold_start(
        &self,
        miniapp: &Path,
        n: usize,
        wasmtime_cli: Option<&Path>,
    ) -> anyhow::Result<PhaseReport> {
        let data = self.dir.path().join("cli-data");
        let event = format!("{}:{}", self.event.page, self.event.handler);
        let run = |program: &Path, args: &[std::ffi::OsString]| {
            let status = Command::new(program)
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()?;
            anyhow::ensure!(status.success(), "{} failed: {status}", program.display());
            Ok(())
        };
        let ours: Vec<std::ffi::OsString> = vec![
            "run".into(),
            self.path.clone().into(),
            "--event".into(),
            event.into(),
            "--data-dir".into(),
            data.into(),
        ];
        run(miniapp, &ours)?; // compiles once into the artifact cache
        let (name, program, args, note) = match wasmtime_cli {
            Some(wasmtime) => {
                let wasm = self.dir.path().join("app.wasm");
                let cwasm = self.dir.path().join("app.cwasm");
                std::fs::write(&wasm, &self.package.component)?;
                let compile: Vec<std::ffi::OsString> = vec![
                    "compile".into(),
                    wasm.into(),
                    "-o".into(),
                    cwasm.clone().into(),
                ];
                run(wasmtime, &compile)?;
                let args: Vec<std::ffi::OsString> = vec![
                    "run".into(),
                    "--allow-precompiled".into(),
                    "-W".into(),
                    "unknown-imports-trap=y".into(),
                    "--invoke".into(),
                    "on-show()".into(),
                    cwasm.into(),
                ];
                (
                    "wasmtime-cli",
                    wasmtime,
                    args,
                    "wasmtime run --allow-precompiled --invoke 'on-show()' of the same component",
                )
            }
            None => (
                "native-process",
                Path::new("true"),
                Vec::new(),
                "the wasmtime CLI is not installed: compared with spawning `true`",
            ),
        };
        run(program, &args)?;
        let (mut mine, mut base) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            mine.extend(time_n(1, || run(miniapp, &ours))?);
            base.extend(time_n(1, || run(program, &args))?);
        }
        let mut report =
            PhaseReport::timed(self.id(), "process_cold_start", mine, Some((name, base)));
        report.note = Some(note.into());
        Ok(report)
    }
}

/// Any displayable error as an `anyhow` error.
fn any(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e:#}")
}

/// Time `n` runs of `f`.
pub fn time_n(
    n: usize,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f()?;
        samples.push(start.elapsed());
    }
    Ok(samples)
}

/// Time `n` runs of the async `f`.
pub async fn time_n_async<F>(n: usize, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: AsyncFnMut() -> anyhow::Result<()>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f().await?;
        samples.push(start.elapsed());
    }
    Ok(samples)
}

/// Runs per second of `worker` on `threads` threads for `window`.
fn rate(
    threads: usize,
    window: Duration,
    worker: impl Fn(Instant) -> anyhow::Result<u64> + Sync,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let deadline = start + window;
    let total = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| worker(deadline))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread"))
            .sum::<anyhow::Result<u64>>()
    })?;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// Memory mappings of this process (Linux caps them at `vm.max_map_count`).
fn map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .map(|m| m.lines().count())
        .unwrap_or(0)
}

/// Resident memory of this process, KiB.
fn rss_kib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4.0
}
