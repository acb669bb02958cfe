//! Per-app usage figures, for the embedder and the CLI.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// What an app has used since it was loaded (storage: in total).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Lifecycle calls and events handled (failed ones included).
    pub events: u64,
    /// CPU fuel consumed.
    pub fuel_consumed: u64,
    /// CPU time of its calls (instantiation aside), nanoseconds: the wall
    /// time spent polling them (guest code, and host calls made inline),
    /// not the time they waited on the host or for a worker thread.
    pub cpu_ns: u64,
    /// Largest linear memory of one instance, bytes.
    pub memory_high_water_bytes: u64,
    /// Storage bytes used now.
    pub storage_bytes: u64,
    /// Storage keys now.
    pub storage_keys: u64,
    /// HTTP requests sent.
    pub http_calls: u64,
    /// HTTP response bytes received.
    pub http_bytes: u64,
    /// Host calls refused for lack of a grant.
    pub denials: u64,
    /// Host calls refused by a quota.
    pub quota_hits: u64,
    /// Traps by kind (time, cpu, memory, stack, handles, exit, other).
    pub traps: BTreeMap<String, u64>,
}

/// Live counters of one loaded app, shared by its instances.
#[derive(Default)]
pub(crate) struct UsageCounters {
    pub events: AtomicU64,
    pub fuel_consumed: AtomicU64,
    pub cpu_ns: AtomicU64,
    pub memory_high_water: AtomicU64,
    pub http_calls: AtomicU64,
    pub http_bytes: AtomicU64,
    pub denials: AtomicU64,
    pub quota_hits: AtomicU64,
    traps: Mutex<BTreeMap<String, u64>>,
}

impl UsageCounters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn trap(&self, kind: &str) {
        *self
            .traps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind.to_string())
            .or_default() += 1;
    }

    /// A snapshot; storage figures are filled by the caller.
    pub fn snapshot(&self) -> Usage {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Usage {
            events: get(&self.events),
            fuel_consumed: get(&self.fuel_consumed),
            cpu_ns: get(&self.cpu_ns),
            memory_high_water_bytes: get(&self.memory_high_water),
            storage_bytes: 0,
            storage_keys: 0,
            http_calls: get(&self.http_calls),
            http_bytes: get(&self.http_bytes),
            denials: get(&self.denials),
            quota_hits: get(&self.quota_hits),
            traps: self.traps.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}
