//! Host capabilities: one module per WIT interface, each the same shape:
//! the per-instance state it needs (if any), and the `Host` trait impl for
//! [`InstanceState`] that checks the grant
//! before doing anything.

pub mod egress;
pub mod http;
pub mod identity;
pub mod location;
pub mod log;
pub mod nav;
pub mod payment;
pub mod permission;
pub mod quota;
pub mod storage;
pub mod system;
pub mod view;
pub mod wasi;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::audit::AuditEvent;
use crate::bindings::types;
use crate::instance::InstanceState;
use crate::usage::UsageCounters;

/// A capability an app must declare in its manifest and be granted by the
/// operator before it can use it. The core interfaces (view, nav, log,
/// system, permission) need no declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Key-value storage.
    Storage,
    /// Outbound HTTP to declared origins.
    Http,
    /// Login and user profile.
    Identity,
    /// Device location.
    Location,
    /// Payment.
    Payment,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 5] = [
        Capability::Storage,
        Capability::Http,
        Capability::Identity,
        Capability::Location,
        Capability::Payment,
    ];

    /// Its name in manifests, policies and WIT (`storage`, `http`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Capability::Storage => "storage",
            Capability::Http => "http",
            Capability::Identity => "identity",
            Capability::Location => "location",
            Capability::Payment => "payment",
        }
    }

    /// The capability behind a WIT interface name (`storage`), if it needs one.
    pub fn of_interface(interface: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == interface)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `miniapp:host` interfaces every app may import without declaring them.
pub const CORE_INTERFACES: [&str; 7] = [
    "types",
    "view",
    "nav",
    "log",
    "system",
    "permission",
    "quota",
];

/// A user-consent scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The device location.
    UserLocation,
    /// The user's profile.
    UserInfo,
    /// Writing to the photo album.
    Album,
    /// The camera.
    Camera,
    /// The microphone.
    Record,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::UserLocation,
        Scope::UserInfo,
        Scope::Album,
        Scope::Camera,
        Scope::Record,
    ];

    /// Its name in manifests and policies (`user-location`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Scope::UserLocation => "user-location",
            Scope::UserInfo => "user-info",
            Scope::Album => "album",
            Scope::Camera => "camera",
            Scope::Record => "record",
        }
    }

    /// Parse a scope name.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of a refused or failed host call: either an error value the
/// guest receives (`types.error`), or a trap that ends the instance.
#[derive(Debug)]
pub enum CallError {
    /// Returned to the guest as a `types.error` value.
    Guest(types::Error),
    /// Ends the instance: a host bug or a hard limit.
    Trap(wasmtime::Error),
}

/// The result of a fallible host call.
pub type CallResult<T> = Result<T, CallError>;

/// Await a host-side wait (a provider, the network) no longer than `left`,
/// the call's wall-clock budget; past it the instance traps, as a guest
/// spinning past its deadline does. (Guest code itself is bounded by the
/// epoch deadline; only awaits need this.)
pub(crate) async fn bounded<T>(
    left: std::time::Duration,
    wait: impl Future<Output = T>,
) -> CallResult<T> {
    tokio::time::timeout(left, wait)
        .await
        .map_err(|_| CallError::Trap(wasmtime::Trap::Interrupt.into()))
}

impl CallError {
    /// The app lacks a grant.
    pub fn denied(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::PermissionDenied(message.into()))
    }
    /// A quota would be exceeded.
    pub fn quota(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::QuotaExceeded(message.into()))
    }
    /// An argument is malformed.
    pub fn invalid(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::InvalidArgument(message.into()))
    }
    /// The host does not offer this.
    pub fn unsupported(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::Unsupported(message.into()))
    }
    /// The call was allowed but failed.
    pub fn failed(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::Failed(message.into()))
    }
}

impl From<wasmtime::Error> for CallError {
    fn from(e: wasmtime::Error) -> Self {
        CallError::Trap(e)
    }
}

/// Every refusal a guest receives passes here: denials and quota hits are
/// counted and audited in one place.
impl types::Host for InstanceState {
    fn convert_error(&mut self, err: CallError) -> wasmtime::Result<types::Error> {
        let app = &self.app;
        match err {
            CallError::Guest(e) => {
                match &e {
                    types::Error::PermissionDenied(message) => {
                        UsageCounters::add(&app.usage.denials, 1);
                        app.audit(AuditEvent::Denied {
                            message: message.clone(),
                        });
                    }
                    types::Error::QuotaExceeded(message) => {
                        UsageCounters::add(&app.usage.quota_hits, 1);
                        app.audit(AuditEvent::QuotaExceeded {
                            message: message.clone(),
                        });
                    }
                    _ => {}
                }
                Ok(e)
            }
            CallError::Trap(e) => Err(e),
        }
    }
}

impl InstanceState {
    /// Refuse unless the app declared `capability` and the operator granted
    /// it and this host offers it.
    pub(crate) fn require(&self, capability: Capability) -> CallResult<()> {
        let app = &self.app;
        if !app.host.capabilities.contains(&capability) {
            return Err(CallError::unsupported(format!(
                "this host ({}) does not offer `{capability}`",
                app.host.name
            )));
        }
        if !app.manifest.permissions.contains(&capability) {
            return Err(CallError::denied(format!(
                "app `{}` did not declare `{capability}` in its manifest",
                app.manifest.id
            )));
        }
        if !app.grants.capabilities.contains(&capability) {
            return Err(CallError::denied(format!(
                "the operator has not granted `{capability}` to app `{}`",
                app.manifest.id
            )));
        }
        Ok(())
    }

    /// Wall-clock time left in the current call.
    pub(crate) fn time_left(&self) -> std::time::Duration {
        self.event_deadline
            .map(|d| d.saturating_duration_since(std::time::Instant::now()))
            .unwrap_or_else(|| {
                std::time::Duration::from_millis(self.app.grants.quotas.event_timeout_ms)
            })
    }

    /// Refuse unless the current event carries a live user gesture: the
    /// mini-program rule for payment, profile and opening another app.
    pub(crate) fn require_gesture(&self, what: &str) -> CallResult<()> {
        match self.gesture_deadline {
            Some(deadline) if std::time::Instant::now() <= deadline => Ok(()),
            Some(_) => Err(CallError::denied(format!(
                "{what} needs a user gesture, and this event's gesture expired ({} ms)",
                self.app.grants.quotas.gesture_ttl_ms
            ))),
            None => Err(CallError::denied(format!(
                "{what} needs a user gesture (call it while handling a tap)"
            ))),
        }
    }
}
