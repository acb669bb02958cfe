//! Stored consent decisions, per app and user, in the durable store.
//!
//! A decision sticks: a grant lets later calls run, a denial fails them at
//! once, until the user or the operator changes it
//! ([`Runtime::set_consent`](crate::Runtime::set_consent)). When an update of the app asks for more
//! than it did when the user decided (a new scope or capability), the stored
//! grants no longer count and the user is asked again; denials still stick.

use crate::kv::{KvError, KvLimits, KvStore};
use miniapp_config::Manifest;
use miniapp_config::Scope;

/// A stored decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Never asked (or reset).
    NotAsked,
    /// Granted.
    Granted,
    /// Denied; sticks until the user or operator changes it.
    Denied,
}

const GRANTED: &[u8] = b"granted";
const DENIED: &[u8] = b"denied";
/// What the app requested when the stored decisions were made.
const REQUESTED: &str = "@requested";
const LIMITS: KvLimits = KvLimits {
    max_bytes: 16 * 1024,
    max_keys: 64,
};

/// The namespace of `app`'s decisions for `user`.
pub fn namespace(app: &str, user: Option<&str>) -> String {
    match user {
        Some(user) => format!("consent:{app}:{user}"),
        None => format!("consent:{app}"),
    }
}

/// The stored decision for `scope`.
pub fn stored(kv: &dyn KvStore, ns: &str, scope: Scope) -> Result<Consent, KvError> {
    Ok(match kv.get(ns, scope.name())?.as_deref() {
        Some(GRANTED) => Consent::Granted,
        Some(DENIED) => Consent::Denied,
        _ => Consent::NotAsked,
    })
}

/// Store a decision for `scope` (`NotAsked` forgets it).
pub fn store(kv: &dyn KvStore, ns: &str, scope: Scope, consent: Consent) -> Result<(), KvError> {
    match consent {
        Consent::Granted => kv.set(ns, scope.name(), GRANTED, LIMITS),
        Consent::Denied => kv.set(ns, scope.name(), DENIED, LIMITS),
        Consent::NotAsked => kv.remove(ns, scope.name()),
    }
}

/// Everything `manifest` requests that consent depends on, sorted.
fn requested(manifest: &Manifest) -> Vec<String> {
    let mut all: Vec<String> = manifest
        .scopes
        .keys()
        .map(|s| format!("scope:{s}"))
        .chain(
            manifest
                .permissions
                .iter()
                .map(|c| format!("capability:{c}")),
        )
        .collect();
    all.sort();
    all
}

/// Before using stored decisions: if `manifest` requests more than the app
/// did when they were made, forget the grants (denials stick). Returns the
/// scopes whose grant was forgotten.
pub fn refresh_for_update(
    kv: &dyn KvStore,
    ns: &str,
    manifest: &Manifest,
) -> Result<Vec<Scope>, KvError> {
    let now = requested(manifest);
    let before: Option<Vec<String>> = kv
        .get(ns, REQUESTED)?
        .and_then(|b| serde_json::from_slice(&b).ok());
    let asks_more = match &before {
        Some(before) => now.iter().any(|r| !before.contains(r)),
        None => false,
    };
    let mut forgotten = Vec::new();
    if asks_more {
        for scope in Scope::ALL {
            if stored(kv, ns, scope)? == Consent::Granted {
                store(kv, ns, scope, Consent::NotAsked)?;
                forgotten.push(scope);
            }
        }
    }
    if before.as_ref() != Some(&now) {
        let bytes = serde_json::to_vec(&now).unwrap_or_default();
        kv.set(ns, REQUESTED, &bytes, LIMITS)?;
    }
    Ok(forgotten)
}
