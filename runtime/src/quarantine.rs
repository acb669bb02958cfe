//! The crash budget: an app that traps `trap_budget` times within
//! `trap_window_secs` is quarantined. It refuses to launch, saying why, until
//! the operator lifts the quarantine.
//!
//! The record of an app is a small JSON value in the runtime's store
//! (namespace `miniapp:quarantine`), so it survives restarts and, with a
//! shared database, holds for every node. What a runtime read is
//! remembered for a second: a launch costs no read, and a quarantine (or
//! its lifting) on another node is seen within a second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::kv::{KvLimits, KvStore};

/// The store's namespace of quarantine records.
const NAMESPACE: &str = "miniapp:quarantine";
/// How long a record read stays trusted.
const FRESH: Duration = Duration::from_secs(1);

use serde::{Deserialize, Serialize};

use miniapp_config::Quotas;

/// Traps and quarantine of one app.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    /// Times of recent traps, seconds since the epoch.
    traps: Vec<u64>,
    /// Why the app is quarantined, if it is.
    reason: Option<String>,
}

/// The quarantine records of a runtime, in its store.
pub struct QuarantineBook {
    kv: Arc<dyn KvStore>,
    known: Mutex<HashMap<String, (Instant, Option<String>)>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl QuarantineBook {
    /// Records kept in `kv`.
    pub fn new(kv: Arc<dyn KvStore>) -> QuarantineBook {
        QuarantineBook {
            kv,
            known: Mutex::default(),
        }
    }

    fn read(&self, app: &str) -> std::io::Result<Record> {
        let bytes = self.kv.get(NAMESPACE, app).map_err(std::io::Error::other)?;
        // A damaged record is treated as empty rather than locking the app out.
        Ok(bytes
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default())
    }

    fn write(&self, app: &str, record: &Record) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(record).unwrap_or_default();
        (self.kv.set(NAMESPACE, app, &bytes, KvLimits::NONE)).map_err(std::io::Error::other)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<String>)>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, app: &str, reason: Option<String>) {
        self.known()
            .insert(app.to_string(), (Instant::now(), reason));
    }

    /// Why `app` is quarantined, if it is.
    pub fn reason(&self, app: &str) -> std::io::Result<Option<String>> {
        if let Some((at, known)) = self.known().get(app)
            && at.elapsed() < FRESH
        {
            return Ok(known.clone());
        }
        let reason = self.read(app)?.reason;
        self.remember(app, reason.clone());
        Ok(reason)
    }

    /// Count a trap of `app`; returns the reason if this trap quarantines it.
    pub fn record_trap(&self, app: &str, quotas: &Quotas) -> std::io::Result<Option<String>> {
        if quotas.trap_budget == 0 {
            return Ok(None);
        }
        let mut record = self.read(app)?;
        let now = now_secs();
        let window_start = now.saturating_sub(quotas.trap_window_secs);
        record.traps.retain(|t| *t >= window_start);
        record.traps.push(now);
        let budget = quotas.trap_budget as usize;
        if record.traps.len() > budget {
            record.traps.drain(..record.traps.len() - budget);
        }
        let quarantined = record.traps.len() >= budget && record.reason.is_none();
        if quarantined {
            record.reason = Some(format!(
                "quarantined after {} traps within {} s (crash budget); an operator must lift it",
                record.traps.len(),
                quotas.trap_window_secs
            ));
        }
        self.write(app, &record)?;
        self.remember(app, record.reason.clone());
        Ok(if quarantined { record.reason } else { None })
    }

    /// Lift the quarantine of `app` and forget its traps; `true` if it was quarantined.
    pub fn lift(&self, app: &str) -> std::io::Result<bool> {
        let was = self.read(app)?.reason.is_some();
        self.kv
            .remove(NAMESPACE, app)
            .map_err(std::io::Error::other)?;
        self.remember(app, None);
        Ok(was)
    }
}
