//! `/metrics`: per-app counters and histograms in Prometheus text format
//! (`prometheus-client`, one registry per server). Labels carry app ids,
//! version numbers and refusal reasons, never user ids.
//!
//! What a session does (events, launches, evictions, the app's CPU, traps,
//! denials, quota hits, audit records dropped) is labelled with the app and
//! the version number the session runs, so a phased release compares its
//! versions. The versions are bounded: a series exists only for a version
//! the catalog routes users to (stable or phased release) or that this
//! process has loaded, and a number is published once per app; what is
//! counted before a session has a version (admission: refusals, the queue)
//! and the gauges of open sessions stay per app. Every per-app series of a
//! published app exists from the first scrape, at 0, so a rate or an alert
//! sees it before its first event. `miniapp_build_info` names this build;
//! `process_*` are the process's own figures (`metrics/process.rs`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use miniapp_runtime::App;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

mod process;
pub mod table;
#[cfg(test)]
mod tests;

pub use process::{Process, ProcessCollector};
use table::{Seconds, label_set, metrics};

label_set! {
    /// An app label.
    pub struct AppLabel {
        /// The app id.
        pub app,
    }
    published(app, _version) => vec![label(app)]
}

label_set! {
    /// An app's version label: the app id and the version number (the
    /// manifest's `version`) the session runs.
    pub struct VersionLabel {
        /// The app id.
        pub app,
        /// The version number.
        pub version,
    }
    published(app, version) => vec![VersionLabel { app: app.into(), version: version.into() }]
}

label_set! {
    /// `miniapp_build_info`'s labels (no series per app: the build is the
    /// node's).
    struct BuildLabel {
        /// This server's version.
        version,
        /// The commit it was built from (`MINIAPP_COMMIT` at build time),
        /// or empty.
        commit,
        /// The wasmtime it runs guests on.
        wasmtime,
    }
    published(_app, _version) => Vec::new()
}

/// Refusal reasons whose series every published app has from the start:
/// its event queue full, a client of it not reading.
const APP_REFUSALS: [&str; 2] = ["busy", "not-reading"];

label_set! {
    /// A refusal's labels.
    pub struct RefusalLabel {
        /// The app id (empty when the request named none that exists).
        pub app,
        /// The error kind (`busy`, `disabled`, ...).
        pub reason,
    }
    published(app, _version) => {
        APP_REFUSALS.map(|reason| RefusalLabel { app: app.into(), reason: reason.into() }).into()
    }
}

/// Why a recording of a failing event was dropped: the app's budget on
/// this node (`count`, `bytes`), its writer's queue full (`queue`), or the
/// disk refused it (`write`); every published app has each series.
pub const RECORDING_DROPS: [&str; 4] = ["count", "bytes", "queue", "write"];

label_set! {
    /// A dropped recording's labels.
    pub struct RecordingLabel {
        /// The app id.
        pub app,
        /// Why ([`RECORDING_DROPS`]).
        pub reason,
    }
    published(app, _version) => {
        RECORDING_DROPS.map(|reason| RecordingLabel { app: app.into(), reason: reason.into() }).into()
    }
}

/// Counters per app version.
type Counters = Family<VersionLabel, Counter>;

/// Gauges per app.
type Gauges = Family<AppLabel, Gauge>;

/// Timings in seconds per app version (from 100 µs to about 3.3 s).
type Timings = Family<VersionLabel, Histogram, Seconds>;

metrics! {
    /// Events handled, per app version.
    pub events: Counters = "miniapp_events", "Events handled";
    /// Event latency (taken to answered), per app version.
    pub event_seconds: Timings = "miniapp_event_seconds", "Event latency";
    /// Session launch time (cold start to first view), per app version.
    pub launch_seconds: Timings = "miniapp_launch_seconds", "Launch time to the first view";
    /// Refusals by app and reason.
    pub refusals: Family<RefusalLabel, Counter> = "miniapp_refusals", "Requests refused, by reason";
    /// Instances evicted, per app version.
    pub evictions: Counters = "miniapp_evictions", "Instances evicted";
    /// Completions delivered between events (a timer fired, a host call
    /// completed), per app version.
    pub completions: Counters = "miniapp_completions", "Completions delivered between events (timers, host calls)";
    /// Events waiting or running, per app.
    pub queue_depth: Gauges = "miniapp_queue_depth", "Events waiting or running";
    /// Bytes the long-poll push logs of the app's sessions hold on this node.
    push_log_bytes: Gauges = "miniapp_push_log_bytes", "Bytes the long-poll push logs of the app's sessions hold";
    /// Pushes dropped from the app's push logs for the node's bound.
    push_log_dropped: Family<AppLabel, Counter> = "miniapp_push_log_dropped", "Pushes dropped from the app's long-poll logs for the node's bound (--push-log-bytes)";
    live: Gauges = "miniapp_app_sessions_live", "Sessions with a live instance";
    memory: Gauges = "miniapp_memory_bytes", "Memory live instances hold (linear memory and host-held)";
    cpu_seconds: Family<VersionLabel, Counter<f64, AtomicU64>> = "miniapp_cpu_seconds", "CPU time of guest calls (poll time)";
    traps: Counters = "miniapp_traps", "Traps";
    denials: Counters = "miniapp_denials", "Host calls refused for lack of a grant";
    quota_hits: Counters = "miniapp_quota_hits", "Host calls refused by a quota";
    audit_dropped: Counters = "miniapp_audit_records_dropped", "Audit records about the app dropped for its disk budget";
    /// Recordings of failing events kept on this node's disk, per app version.
    pub recordings_kept: Counters = "miniapp_recordings_kept", "Recordings of failing events kept on this node's disk";
    /// Recordings of failing events dropped, by app and reason.
    pub recordings_dropped: Family<RecordingLabel, Counter> = "miniapp_recordings_dropped", "Recordings of failing events dropped, by reason (count, bytes: the app's budget on this node; queue, write: its writer)";
    sessions: Gauge = "miniapp_sessions_live", "Sessions open";
    build: Family<BuildLabel, Gauge> = "miniapp_build_info", "This server's build: its version, commit and wasmtime (always 1)";
    resident: Gauge = "miniapp_process_resident_bytes", "Resident memory of the process";
}

/// Every metric `/metrics` shows: the server's, then the process's.
pub fn rows() -> Vec<table::Row> {
    let mut rows = Metrics::rows();
    rows.extend(process::rows());
    rows
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics::registered();
        m.build.get_or_create(&build_label()).set(1);
        m.registry.register_collector(Box::new(ProcessCollector));
        m
    }
}

impl Metrics {
    /// The push logs' figures, kept by the node's logs as they change.
    pub fn push_figures(&self) -> crate::session::PushFigures {
        crate::session::PushFigures {
            bytes: self.push_log_bytes.clone(),
            dropped: self.push_log_dropped.clone(),
        }
    }

    /// Count a refusal.
    pub fn refused(&self, app: &str, reason: &str) {
        let label = RefusalLabel {
            app: app.to_string(),
            reason: reason.to_string(),
        };
        self.refusals.get_or_create(&label).inc();
    }

    /// Every per-app series of version `version` of app `app`, at 0 until
    /// something is counted (a scrape shows them before the first event).
    pub fn published(&self, app: &str, version: &str) {
        self.publish_all(app, version);
    }

    /// The text exposition, after bringing the gauges and the apps' usage
    /// up to date: `routed` has the (app, version number) pairs users are
    /// routed to, `apps` the loaded versions, `live` the live instances and
    /// the memory they hold per app, `sessions` counts all.
    pub fn render(
        &self,
        routed: &[(String, String)],
        apps: &[App],
        live: &HashMap<String, (i64, i64)>,
        sessions: usize,
    ) -> String {
        for (app, version) in routed {
            self.published(app, version);
        }
        self.sessions.set(sessions as i64);
        self.resident.set(resident_bytes().unwrap_or(0) as i64);
        for (app, (n, bytes)) in live {
            self.live.get_or_create(&label(app)).set(*n);
            self.memory.get_or_create(&label(app)).set(*bytes);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for app in apps {
            let Ok(usage) = app.usage() else { continue };
            let now = [
                usage.cpu_ns,
                usage.traps.values().sum(),
                usage.denials,
                usage.quota_hits,
                usage.audit_records_dropped,
            ];
            let before = seen.insert(app.hash().to_string(), now).unwrap_or_default();
            let l = version_label(app);
            self.published(&l.app, &l.version);
            let delta = |i: usize| now[i].saturating_sub(before[i]);
            self.cpu_seconds
                .get_or_create(&l)
                .inc_by(delta(0) as f64 / 1e9);
            self.traps.get_or_create(&l).inc_by(delta(1));
            self.denials.get_or_create(&l).inc_by(delta(2));
            self.quota_hits.get_or_create(&l).inc_by(delta(3));
            self.audit_dropped.get_or_create(&l).inc_by(delta(4));
        }
        drop(seen);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The (app, version number) pairs of `book` users are routed to: each
/// app's stable version and the version of its phased release.
pub fn routed(book: &crate::catalog::Book) -> Vec<(String, String)> {
    let mut routed = Vec::new();
    for (id, record) in &book.apps {
        let hashes = record
            .stable
            .iter()
            .chain(record.release.iter().map(|r| &r.version));
        for hash in hashes {
            routed.push((id.clone(), record.number(hash).to_string()));
        }
    }
    routed
}

/// The version label of a loaded app.
pub fn version_label(app: &App) -> VersionLabel {
    VersionLabel {
        app: app.manifest().id.clone(),
        version: app.manifest().version.clone(),
    }
}

fn build_label() -> BuildLabel {
    BuildLabel {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("MINIAPP_COMMIT").unwrap_or("").to_string(),
        wasmtime: env!("MINIAPP_WASMTIME_VERSION").to_string(),
    }
}

/// The label of `app`.
pub fn label(app: &str) -> AppLabel {
    AppLabel {
        app: app.to_string(),
    }
}

/// This process's resident memory (Linux: `VmRSS` of `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
