//! Host capabilities: one module per WIT interface, all of one shape.
//!
//! - **Per-app state** the capability builds once at load (`AppHttp`), beside
//!   the app's [`AppCore`] (manifest, grants, host profile, usage, audit).
//! - **Per-instance state** (the store namespace, the page stack...). A
//!   gated capability's state is built only when its grant holds
//!   ([`Granted`]); otherwise the instance holds the [`Denial`] every call
//!   of it receives. No context, no access: the permission check is the
//!   type, not a line to remember.
//! - **A view** ([`View`]) borrows that state and the call's context
//!   ([`CallCtx`]) for one host call; the interface's generated `Host`
//!   trait is implemented on it.
//! - **`add_to_linker<T>(linker, view: fn(&mut T) -> View<'_, C>)`** links
//!   the interface for any store type `T`: no capability names the
//!   instance's state.
//!
//! [`table`] lists every interface once: the linker, the load-time import
//! check, `system.can-i-use`, the quotas and `docs/compatibility.md` all
//! come from it.

mod call;
pub(crate) mod clipboard;
#[cfg(test)]
mod compatibility;
pub(crate) mod component;
pub mod data_patch;
mod data_size;
pub(crate) mod device;
mod device_api;
pub(crate) mod device_files;
mod device_media;
pub mod egress;
pub(crate) mod feedback;
pub(crate) mod frame;
pub(crate) mod gesture;
pub(crate) mod http;
mod http_files;
mod http_progress;
pub(crate) mod identity;
pub(crate) mod location;
pub mod log;
pub mod nav;
pub(crate) mod page_meta;
pub(crate) mod payment;
pub(crate) mod pending;
pub(crate) mod permission;
pub(crate) mod quota;
pub(crate) mod selector_query;
pub(crate) mod socket;
pub(crate) mod storage;
pub(crate) mod system;
pub(crate) mod table;
pub(crate) mod temp_area;
pub(crate) mod v0_1;
mod video_info;
pub(crate) mod view;
pub(crate) mod wasi;

use crate::app_core::AppCore;
use crate::audit::{AuditEvent, EventAudit};
use crate::bindings::types;
pub(crate) use crate::bindings::{CallError, CallResult};
use crate::usage::UsageCounters;
pub(crate) use call::{CallCtx, Calls, Holds, View, Viewed, linked_by, view_of};
pub use miniapp_config::{Capability, Scope};
pub(crate) use table::{HostState, add_to_linker};

/// Why a gated capability has no context in an instance: the host does not
/// offer it, the app did not declare it, or the operator did not grant it.
#[derive(Debug, Clone)]
pub(crate) struct Denial {
    unsupported: bool,
    message: String,
}

impl Denial {
    /// The refusal a call of the capability receives.
    pub fn refusal(&self) -> CallError {
        if self.unsupported {
            CallError::unsupported(self.message.clone())
        } else {
            CallError::denied(self.message.clone())
        }
    }
}

/// A gated capability's context, present only when its grant holds.
pub(crate) type Granted<T> = Result<T, Denial>;

/// Check `capability`'s grant for `app`: offered by the host, declared in
/// the manifest, granted by the operator.
pub(crate) fn grant(app: &AppCore, capability: Capability) -> Result<(), Denial> {
    let denial = |unsupported, message| {
        Err(Denial {
            unsupported,
            message,
        })
    };
    if !app.host.capabilities.contains(&capability) {
        return denial(
            true,
            format!(
                "this host ({}) does not offer `{capability}`",
                app.host.name
            ),
        );
    }
    if !app.manifest.permissions.contains(&capability) {
        return denial(
            false,
            format!(
                "app `{}` did not declare `{capability}` in its manifest",
                app.manifest.id
            ),
        );
    }
    if !app.grants.capabilities.contains(&capability) {
        return denial(
            false,
            format!(
                "the operator has not granted `{capability}` to app `{}`",
                app.manifest.id
            ),
        );
    }
    Ok(())
}

/// The context of a granted capability, or the call's refusal.
pub(crate) fn context<T>(granted: &mut Granted<T>) -> CallResult<&mut T> {
    granted.as_mut().map_err(|denial| denial.refusal())
}

/// Every refusal a guest receives passes here: denials and quota hits are
/// counted and audited in one place, within the event's disk budget (a
/// refusal repeated in a loop is one line and a count).
pub(crate) fn record_refusal(
    app: &AppCore,
    audit: &EventAudit,
    err: CallError,
) -> wasmtime::Result<types::Error> {
    let record = |event| {
        let dropped = audit.record(&app.audit_target(), event);
        UsageCounters::add(&app.usage.audit_dropped, dropped);
    };
    match err {
        CallError::Guest(e) => {
            match &e {
                types::Error::PermissionDenied(message) => {
                    UsageCounters::add(&app.usage.denials, 1);
                    record(AuditEvent::Denied {
                        message: message.clone(),
                    });
                }
                types::Error::QuotaExceeded(message) => {
                    UsageCounters::add(&app.usage.quota_hits, 1);
                    record(AuditEvent::QuotaExceeded {
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
