use std::fmt;

use crate::bindings::miniapp::host::types::Error as HostError;

/// `Result` with the SDK's [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why a call failed: a host refusal, or an error raised by the app itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The app lacks the grant (manifest, operator policy or user consent).
    PermissionDenied(String),
    /// A quota would be exceeded (storage full, request budget, ...).
    QuotaExceeded(String),
    /// An argument is malformed (bad JSON, bad path, bad URL, ...).
    InvalidArgument(String),
    /// This host does not offer the capability.
    Unsupported(String),
    /// The call was allowed but failed (network error, provider failure, ...).
    Failed(String),
    /// A pending call ended before it completed: the host ended it because
    /// its page left the stack (`page unloaded`). A [`timer::sleep`] of a
    /// page that leaves the stack resolves with it.
    ///
    /// [`timer::sleep`]: crate::timer::sleep
    Cancelled(String),
    /// An error raised by the app (see [`Error::app`]).
    App(String),
}

impl Error {
    /// An app-level error with the given message.
    pub fn app(message: impl Into<String>) -> Self {
        Error::App(message.into())
    }

    /// A stable, kebab-case name of the kind of error: `permission-denied`,
    /// `quota-exceeded`, `invalid-argument`, `unsupported`, `failed`, `cancelled` or `app`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::PermissionDenied(_) => "permission-denied",
            Error::QuotaExceeded(_) => "quota-exceeded",
            Error::InvalidArgument(_) => "invalid-argument",
            Error::Unsupported(_) => "unsupported",
            Error::Failed(_) => "failed",
            Error::Cancelled(_) => "cancelled",
            Error::App(_) => "app",
        }
    }

    /// The message, without the kind prefix.
    pub fn message(&self) -> &str {
        match self {
            Error::PermissionDenied(m)
            | Error::QuotaExceeded(m)
            | Error::InvalidArgument(m)
            | Error::Unsupported(m)
            | Error::Failed(m)
            | Error::Cancelled(m)
            | Error::App(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self {
            Error::PermissionDenied(_) => "permission denied: ",
            Error::QuotaExceeded(_) => "quota exceeded: ",
            Error::InvalidArgument(_) => "invalid argument: ",
            Error::Unsupported(_) => "unsupported: ",
            Error::Failed(_) => "failed: ",
            Error::Cancelled(_) => "cancelled: ",
            // The app's own message, as written.
            Error::App(_) => "",
        };
        write!(f, "{prefix}{}", self.message())
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::InvalidArgument(e.to_string())
    }
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Self {
        match e {
            HostError::PermissionDenied(m) => Error::PermissionDenied(m),
            HostError::QuotaExceeded(m) => Error::QuotaExceeded(m),
            HostError::InvalidArgument(m) => Error::InvalidArgument(m),
            HostError::Unsupported(m) => Error::Unsupported(m),
            HostError::Failed(m) => Error::Failed(m),
        }
    }
}
