//! Host capabilities: one module per WIT interface, all of one shape.
//!
//! - **A context** holds the capability's state for one instance (the store
//!   namespace, the HTTP client, the page stack...). A gated capability's
//!   context is built only when its grant holds ([`Granted`]); otherwise the
//!   instance holds the [`Denial`] every call of it receives. No context, no
//!   access: the permission check is the type, not a line to remember.
//! - **A view** borrows the context (and what else the calls need) for one
//!   host call; the interface's generated `Host` trait is implemented on it.
//! - **`add_to_linker`** links the interface with the getter that makes the
//!   view from the instance state.
//!
//! [`table::INTERFACES`] lists every interface once: the load-time import
//! check and `system.can-i-use` both read it.

pub mod egress;
pub(crate) mod gesture;
pub(crate) mod http;
pub(crate) mod identity;
pub(crate) mod location;
pub mod log;
pub mod nav;
pub(crate) mod payment;
pub(crate) mod permission;
pub(crate) mod quota;
pub(crate) mod storage;
pub(crate) mod system;
pub(crate) mod table;
pub(crate) mod view;
pub(crate) mod wasi;

use wasmtime::component::Linker;

use crate::app::AppShared;
use crate::audit::{AuditEvent, EventAudit};
use crate::bindings::types;
use crate::instance::InstanceState;
use crate::usage::UsageCounters;
pub use miniapp_config::{Capability, Scope};

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

impl CallError {
    /// The message the guest (or the trap) would carry, in words (the
    /// generated `Display` of `types.error` is its `Debug`).
    pub fn message(&self) -> String {
        match self {
            CallError::Guest(
                types::Error::PermissionDenied(message)
                | types::Error::QuotaExceeded(message)
                | types::Error::InvalidArgument(message)
                | types::Error::Unsupported(message)
                | types::Error::Failed(message),
            ) => message.clone(),
            CallError::Trap(e) => e.to_string(),
        }
    }
}

impl From<wasmtime::Error> for CallError {
    fn from(e: wasmtime::Error) -> Self {
        CallError::Trap(e)
    }
}

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
pub(crate) fn grant(app: &AppShared, capability: Capability) -> Result<(), Denial> {
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
    app: &AppShared,
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

/// Implement `types::Host` (the conversion every fallible call's refusal
/// goes through) on a view that holds `app: &AppShared` and
/// `audit: &EventAudit`.
macro_rules! refusals_recorded {
    ($view:ident) => {
        impl crate::bindings::types::Host for $view<'_> {
            fn convert_error(
                &mut self,
                err: crate::capability::CallError,
            ) -> wasmtime::Result<crate::bindings::types::Error> {
                crate::capability::record_refusal(self.app, self.audit, err)
            }
        }
    };
}
pub(crate) use refusals_recorded;

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

/// Link the whole host API (and the sandboxed WASI), one interface at a time.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    wasi::add_to_linker(linker)?;
    log::add_to_linker(linker)?;
    view::add_to_linker(linker)?;
    nav::add_to_linker(linker)?;
    system::add_to_linker(linker)?;
    permission::add_to_linker(linker)?;
    quota::add_to_linker(linker)?;
    storage::add_to_linker(linker)?;
    http::add_to_linker(linker)?;
    identity::add_to_linker(linker)?;
    location::add_to_linker(linker)?;
    payment::add_to_linker(linker)?;
    Ok(())
}
