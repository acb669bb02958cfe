//! The runtime's errors: each names what is wrong (file, field, app, limit).

use crate::kv::KvError;
use crate::package::PackageError;
use miniapp_config::PolicyError;

/// An error of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A package was refused.
    #[error("package {path}: {source}")]
    Package {
        /// The package file (or `<memory>`).
        path: String,
        /// Why.
        source: PackageError,
    },
    /// The operator's policy was refused.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// An app was refused at load (before anything ran).
    #[error("app `{app}` refused: {reason}")]
    Refused {
        /// The app id.
        app: String,
        /// Why.
        reason: String,
    },
    /// A launch or call was given a bad argument by the host.
    #[error("app `{app}`: {reason}")]
    BadRequest {
        /// The app id.
        app: String,
        /// Why.
        reason: String,
    },
    /// The app's hook returned an error.
    #[error("app `{app}` failed in {hook}: {message}")]
    AppFailed {
        /// The app id.
        app: String,
        /// The hook (`on-launch`, `on-event index:add`).
        hook: String,
        /// The app's message.
        message: String,
    },
    /// The app trapped (or hit a hard limit); its instance is discarded.
    /// When the app panicked, `reason` is the panic's own message and
    /// `detail` the wasm trap it ended in.
    #[error("app `{app}` trapped in {hook}: {reason}{}", in_parentheses(detail))]
    Trapped {
        /// The app id.
        app: String,
        /// The hook.
        hook: String,
        /// What kind of limit or fault.
        kind: crate::trap_kind::TrapKind,
        /// What happened: the limit where one was hit, the app's panic
        /// message (`panicked at src/lib.rs:12:5: the message`) when it
        /// panicked.
        reason: String,
        /// The fault under the reason, where it is not the reason itself:
        /// the wasm trap a panic ended in.
        detail: Option<String>,
    },
    /// The instance trapped earlier and cannot be entered again.
    #[error("app `{app}`: this instance trapped earlier and was discarded; launch a new one")]
    Discarded {
        /// The app id.
        app: String,
    },
    /// The app is quarantined (crash budget exhausted) until an operator lifts it.
    #[error("app `{app}` is quarantined: {reason}")]
    Quarantined {
        /// The app id.
        app: String,
        /// Why.
        reason: String,
    },
    /// The runtime's live-instance cap is reached; the launch is refused.
    #[error("app `{app}`: cannot launch, {live} instances are live (the runtime's cap)")]
    Capacity {
        /// The app id.
        app: String,
        /// The cap.
        live: u32,
    },
    /// A page could not be rendered (no template, or a render limit).
    #[error("app `{app}`: page `{page}` cannot be rendered: {reason}")]
    Render {
        /// The app id.
        app: String,
        /// The page's route.
        page: String,
        /// Why.
        reason: String,
    },
    /// The storage backend failed.
    #[error("storage: {0}")]
    Storage(#[from] KvError),
    /// The host could not set up (engine, data directory...).
    #[error("runtime: {0}")]
    Setup(String),
}

/// ` (detail)`, or nothing.
fn in_parentheses(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default()
}

impl Error {
    /// The message without its detail (see [`Error::detail`]): for a panic,
    /// `app `X` trapped in HOOK: panicked at src/lib.rs:12:5: the message`.
    pub fn headline(&self) -> String {
        match self {
            Error::Trapped {
                app,
                hook,
                reason,
                detail: Some(_),
                ..
            } => format!("app `{app}` trapped in {hook}: {reason}"),
            _ => self.to_string(),
        }
    }

    /// What the message adds after its [headline](Error::headline), if
    /// anything: the wasm trap a panic ended in.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Trapped { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }

    /// Whether the error is about bad input (a package, manifest, policy or
    /// argument) rather than the app failing at run time.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Package { .. }
                | Error::Policy(_)
                | Error::Refused { .. }
                | Error::BadRequest { .. }
        )
    }
}
