//! Traps: what kind of limit or fault ended a call, the reason named for
//! the operator and the developer, and what a trap costs the app (usage,
//! audit, crash budget).

use wasmtime::Trap;
use wasmtime::component::ResourceTableError;

use miniapp_config::Quotas;

use crate::app_core::AppCore;
use crate::audit::AuditEvent;
use crate::capability::log::SharedLog;
use crate::error::Error;
use crate::limits::{CpuTimeExceeded, Limiter};
pub use crate::trap_kind::TrapKind;

/// Why a call trapped: its kind, the reason (the limit where one was hit;
/// the app's panic message when it panicked), and the fault under that
/// reason where it is not the reason itself (the wasm trap of a panic).
pub(crate) struct Explained {
    pub kind: TrapKind,
    pub reason: String,
    pub detail: Option<String>,
}

/// What of an instance a trap is explained from: the limits it hit, its
/// log (where a panic's message is), and its quotas.
pub(crate) struct TrapSite<'a> {
    pub limiter: &'a Limiter,
    pub log: &'a SharedLog,
    pub quotas: &'a Quotas,
}

/// Say why a call trapped: a panic's own message when the app panicked
/// (Rust's panic hook writes it on stderr, then the guest aborts with an
/// `unreachable`) and no limit of the host's ended the call, with the trap
/// as the detail; otherwise as [`explain_trap`] does.
pub(crate) fn explain(error: &wasmtime::Error, state: TrapSite<'_>) -> Explained {
    let (kind, reason) = explain_trap(error, &state);
    // A limit the host enforced (memory, say) stays the reason, whatever
    // the guest wrote on its way down.
    if kind == TrapKind::Other
        && let Some(Trap::UnreachableCodeReached) = error.downcast_ref::<Trap>()
    {
        let log = state.log.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(panic) = log.panic_message() {
            return Explained {
                kind,
                reason: panic,
                detail: Some(reason),
            };
        }
    }
    Explained {
        kind,
        reason,
        detail: None,
    }
}

/// The trap's kind, and a reason naming the limit where one was hit.
fn explain_trap(error: &wasmtime::Error, state: &TrapSite<'_>) -> (TrapKind, String) {
    let quotas = state.quotas;
    if let Some((kind, refused)) = state.limiter.refused() {
        return (*kind, refused.clone());
    }
    if error.downcast_ref::<CpuTimeExceeded>().is_some() {
        return (
            TrapKind::Cpu,
            format!(
                "CPU time limit of {} ms per event exceeded (guest code and host calls)",
                quotas.cpu_ms_per_event
            ),
        );
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return (
            TrapKind::Exit,
            format!("the app exited with status {}", exit.0),
        );
    }
    if error
        .chain()
        .any(|e| e.downcast_ref::<ResourceTableError>().is_some())
    {
        return (
            TrapKind::Handles,
            format!(
                "resource handle quota of {} live handles exceeded",
                quotas.resource_handles
            ),
        );
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => (
            TrapKind::Time,
            format!(
                "time limit of {} ms per event exceeded",
                quotas.event_timeout_ms
            ),
        ),
        Some(Trap::OutOfFuel) => (
            TrapKind::Cpu,
            format!(
                "CPU quota of {} fuel per event exceeded",
                quotas.fuel_per_event
            ),
        ),
        Some(Trap::StackOverflow) => (TrapKind::Stack, "wasm stack overflow".into()),
        Some(Trap::MemoryOutOfBounds) => (
            TrapKind::Other,
            "out-of-bounds memory access (a guest whose shadow stack overflows also traps so)"
                .into(),
        ),
        Some(trap) => (TrapKind::Other, format!("{trap}")),
        None => (TrapKind::Other, format!("{error:#}")),
    }
}

/// Record a trap of `app` (usage, audit, crash budget) and build its error.
pub(crate) fn trapped(app: &AppCore, hook: &str, trap: Explained) -> Error {
    let Explained {
        kind,
        reason,
        detail,
    } = trap;
    app.usage.trap(kind);
    app.audit(AuditEvent::Trap {
        hook: hook.to_string(),
        trap: kind,
        // The reason may be the app's own text (its panic message).
        reason: crate::audit::cut_message(&match &detail {
            Some(detail) => format!("{reason} ({detail})"),
            None => reason.clone(),
        }),
    });
    match app
        .services
        .quarantine
        .record_trap(&app.manifest.id, &app.grants.quotas)
    {
        Ok(Some(why)) => app.audit(AuditEvent::Quarantined { reason: why }),
        Ok(None) => {}
        Err(e) => tracing::error!("cannot record a trap of {}: {e}", app.manifest.id),
    }
    Error::Trapped {
        app: app.manifest.id.clone(),
        hook: hook.to_string(),
        kind,
        reason,
        detail,
    }
}
