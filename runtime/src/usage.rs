//! Per-app usage figures, for the embedder and the CLI.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::trap_kind::TrapKind;

/// What an app has used since it was loaded (storage: in total).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Lifecycle calls and events handled (failed ones included).
    pub events: u64,
    /// CPU time of its calls, nanoseconds: the time they spent being polled
    /// (guest code and synchronous host calls, not waits).
    pub cpu_ns: u64,
    /// CPU fuel consumed.
    pub fuel_consumed: u64,
    /// Largest linear memory of one instance, bytes.
    pub memory_high_water_bytes: u64,
    /// Most memory the host held on one instance's behalf at the end of a
    /// call, bytes (page data, undrained log lines, open requests).
    pub host_memory_high_water_bytes: u64,
    /// Storage bytes used now.
    pub storage_bytes: u64,
    /// Storage keys now.
    pub storage_keys: u64,
    /// HTTP requests sent (the app's own, and the remote images and media
    /// parts the host fetched for its view).
    pub http_calls: u64,
    /// HTTP response bytes received (of those same requests).
    pub http_bytes: u64,
    /// Host calls refused for lack of a grant.
    pub denials: u64,
    /// Host calls refused by a quota.
    pub quota_hits: u64,
    /// Audit records about it dropped because its disk budget (per event
    /// or per day) was used up.
    pub audit_records_dropped: u64,
    /// Timers set now, all instances together.
    pub timers: u64,
    /// Other host calls pending now (requests, dialogs), all instances
    /// together.
    pub pending_calls: u64,
    /// Completions delivered (timer firings, finished calls).
    pub completions: u64,
    /// Pending calls ended because their page was unloaded.
    pub calls_cancelled: u64,
    /// Bytes of its temp files (downloads) on this node now, all its
    /// instances together (`temp_bytes` bounds them).
    pub temp_bytes: u64,
    /// Its temp files on this node now (`temp_files` bounds them).
    pub temp_files: u64,
    /// Traps by kind.
    pub traps: BTreeMap<TrapKind, u64>,
}

/// Live counters of one loaded app, shared by its instances.
#[derive(Default)]
pub(crate) struct UsageCounters {
    pub events: AtomicU64,
    pub cpu_ns: AtomicU64,
    pub fuel_consumed: AtomicU64,
    pub memory_high_water: AtomicU64,
    pub host_memory_high_water: AtomicU64,
    pub http_calls: AtomicU64,
    pub http_bytes: AtomicU64,
    pub denials: AtomicU64,
    pub quota_hits: AtomicU64,
    pub audit_dropped: AtomicU64,
    pub timers: AtomicU64,
    pub pending_calls: AtomicU64,
    pub completions: AtomicU64,
    pub calls_cancelled: AtomicU64,
    traps: Mutex<BTreeMap<TrapKind, u64>>,
}

impl UsageCounters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn max(counter: &AtomicU64, n: u64) {
        counter.fetch_max(n, Ordering::Relaxed);
    }

    pub fn trap(&self, kind: TrapKind) {
        *self
            .traps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    /// A snapshot; storage and temp file figures are filled by the caller.
    pub fn snapshot(&self) -> Usage {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Usage {
            events: get(&self.events),
            cpu_ns: get(&self.cpu_ns),
            fuel_consumed: get(&self.fuel_consumed),
            memory_high_water_bytes: get(&self.memory_high_water),
            host_memory_high_water_bytes: get(&self.host_memory_high_water),
            storage_bytes: 0,
            storage_keys: 0,
            http_calls: get(&self.http_calls),
            http_bytes: get(&self.http_bytes),
            denials: get(&self.denials),
            quota_hits: get(&self.quota_hits),
            audit_records_dropped: get(&self.audit_dropped),
            timers: get(&self.timers),
            pending_calls: get(&self.pending_calls),
            completions: get(&self.completions),
            calls_cancelled: get(&self.calls_cancelled),
            temp_bytes: 0,
            temp_files: 0,
            traps: self.traps.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}
