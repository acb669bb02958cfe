//! The crash budget: an app that traps `trap_budget` times within
//! `trap_window_secs` is quarantined. It refuses to launch, saying why, until
//! the operator lifts the quarantine.
//!
//! The record of an app is a small JSON file, `quarantine/<app id>.json` in
//! the data directory, so it survives restarts and checking it on every
//! launch costs one failed `open` for an app that never trapped. (Hosts that
//! share one app fleet across machines will want this in the shared store.)

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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

/// The quarantine records of a runtime. What it has read is remembered,
/// so a launch checks the disk only the first time for each app (one process
/// owns a data directory: its store takes an exclusive lock).
pub struct QuarantineBook {
    dir: PathBuf,
    known: Mutex<HashMap<String, Option<String>>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl QuarantineBook {
    /// Records kept in `dir` (created on first write).
    pub fn new(dir: PathBuf) -> QuarantineBook {
        QuarantineBook {
            dir,
            known: Mutex::default(),
        }
    }

    fn path(&self, app: &str) -> PathBuf {
        // App ids are validated: lowercase letters, digits, `.`, `-`, `_`.
        self.dir.join(format!("{app}.json"))
    }

    fn read(&self, app: &str) -> std::io::Result<Record> {
        match std::fs::read(self.path(app)) {
            // A damaged record is treated as empty rather than locking the app out.
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(e) => Err(e),
        }
    }

    fn write(&self, app: &str, record: &Record) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        write_atomically(
            &self.path(app),
            &serde_json::to_vec(record).unwrap_or_default(),
        )
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<String>>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Why `app` is quarantined, if it is.
    pub fn reason(&self, app: &str) -> std::io::Result<Option<String>> {
        if let Some(known) = self.known().get(app) {
            return Ok(known.clone());
        }
        let reason = self.read(app)?.reason;
        self.known().insert(app.to_string(), reason.clone());
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
        self.known().insert(app.to_string(), record.reason.clone());
        Ok(if quarantined { record.reason } else { None })
    }

    /// Lift the quarantine of `app` and forget its traps; `true` if it was quarantined.
    pub fn lift(&self, app: &str) -> std::io::Result<bool> {
        let was = self.read(app)?.reason.is_some();
        self.known().insert(app.to_string(), None);
        match std::fs::remove_file(self.path(app)) {
            Ok(()) => Ok(was),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(was),
            Err(e) => Err(e),
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
