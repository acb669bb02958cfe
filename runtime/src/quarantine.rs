//! The crash budget: an app that traps `trap_budget` times within
//! `trap_window_secs` is quarantined. It refuses to launch, saying why, until
//! the operator lifts the quarantine. Both the trap history and the
//! quarantine are kept in the durable store, so they survive restarts.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::kv::{KvError, KvLimits, KvStore};
use crate::quota::Quotas;

const TRAPS: &str = "traps";
const REASON: &str = "reason";
const LIMITS: KvLimits = KvLimits {
    max_bytes: 64 * 1024,
    max_keys: 8,
};

fn namespace(app: &str) -> String {
    format!("quarantine:{app}")
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Why `app` is quarantined, if it is.
pub fn reason(kv: &dyn KvStore, app: &str) -> Result<Option<String>, KvError> {
    Ok(kv
        .get(&namespace(app), REASON)?
        .map(|r| String::from_utf8_lossy(&r).into_owned()))
}

/// Count a trap of `app`; returns the reason if this trap quarantines it.
pub fn record_trap(
    kv: &dyn KvStore,
    app: &str,
    quotas: &Quotas,
) -> Result<Option<String>, KvError> {
    if quotas.trap_budget == 0 {
        return Ok(None);
    }
    let ns = namespace(app);
    let now = now_secs();
    let window_start = now.saturating_sub(quotas.trap_window_secs);
    let mut traps: Vec<u64> = kv
        .get(&ns, TRAPS)?
        .and_then(|t| serde_json::from_slice(&t).ok())
        .unwrap_or_default();
    traps.retain(|t| *t >= window_start);
    traps.push(now);
    let budget = quotas.trap_budget as usize;
    // Keep only what the window needs.
    if traps.len() > budget {
        traps.drain(..traps.len() - budget);
    }
    kv.set(
        &ns,
        TRAPS,
        &serde_json::to_vec(&traps).unwrap_or_default(),
        LIMITS,
    )?;
    if traps.len() < budget {
        return Ok(None);
    }
    let reason = format!(
        "quarantined after {} traps within {} s (crash budget); an operator must lift it",
        traps.len(),
        quotas.trap_window_secs
    );
    kv.set(&ns, REASON, reason.as_bytes(), LIMITS)?;
    Ok(Some(reason))
}

/// Lift the quarantine of `app` and forget its traps; `true` if it was quarantined.
pub fn lift(kv: &dyn KvStore, app: &str) -> Result<bool, KvError> {
    let was = reason(kv, app)?.is_some();
    kv.clear(&namespace(app))?;
    Ok(was)
}
