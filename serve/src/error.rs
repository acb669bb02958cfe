//! What the server answers when it cannot do what it was asked: an HTTP
//! status, a `kind` a client can act on, and a message for people
//! (`{"error": {"kind", "message"}}`, `docs/protocol.md`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use miniapp_runtime::Error;
use serde_json::json;

/// A refusal or failure, as the protocol reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `bad-request`, `not-found`, `disabled`, `host-too-old`,
    /// `quarantined`, `busy`, `draining`, `denied`, `conflict`, `forbidden`,
    /// `too-large`, `length-required`,
    /// `unauthorized`, `unidentified`, `wrong-user`, `app-error`, `trap`, `internal`.
    pub kind: &'static str,
    /// For people.
    pub message: String,
    /// Seconds to wait before retrying (`busy`).
    pub retry_after: Option<u32>,
}

/// The refusals that are a status, a kind and a message: one constructor
/// each, named after its kind.
macro_rules! refusals {
    ($($(#[$doc:meta])* $name:ident => $status:ident, $kind:literal;)*) => {
        impl ApiError {
            $(
                $(#[$doc])*
                pub fn $name(message: impl Into<String>) -> ApiError {
                    Self::new(StatusCode::$status, $kind, message)
                }
            )*
        }
    };
}

refusals! {
    /// A request the server cannot take as sent.
    bad_request => BAD_REQUEST, "bad-request";
    /// No such app, version or session.
    not_found => NOT_FOUND, "not-found";
    /// A kill switch: the message is the operator's reason, for users.
    disabled => FORBIDDEN, "disabled";
    /// The app needs a newer host API than this node's.
    host_too_old => SERVICE_UNAVAILABLE, "host-too-old";
    /// 403 `denied`: a package declares what the policy does not grant.
    denied => FORBIDDEN, "denied";
    /// 409 `conflict`: the call contradicts what is already decided (a
    /// version number published with other content).
    conflict => CONFLICT, "conflict";
    /// 403 `forbidden`: a valid operator token whose scope does not cover
    /// the call.
    forbidden => FORBIDDEN, "forbidden";
    /// Refused by this runtime's rules (`403`, kind `refused`).
    refused => FORBIDDEN, "refused";
    /// The server's own failure.
    internal => INTERNAL_SERVER_ERROR, "internal";
    /// A request without a valid signed user (`--identity-header`): 401
    /// `unidentified`.
    unidentified => UNAUTHORIZED, "unidentified";
    /// A request for another user than the signed one: 403 `wrong-user`.
    wrong_user => FORBIDDEN, "wrong-user";
    /// A long poll for pushes this node no longer has (or never had): 410
    /// `frames-lost`; the client gets the page again.
    frames_lost => GONE, "frames-lost";
    /// An upload over a bound (a file's, the app's temp area's): 413
    /// `too-large`.
    too_large => PAYLOAD_TOO_LARGE, "too-large";
    /// An upload that does not state its size: 411 `length-required`.
    length_required => LENGTH_REQUIRED, "length-required";
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Past a bound: retry after `seconds`.
    pub fn busy(message: impl Into<String>, seconds: u32) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "busy", message)
        }
    }

    /// The node is shutting down.
    pub fn draining() -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "draining",
                "this node is shutting down; retry on another",
            )
        }
    }

    /// The storage cannot be reached: retry (here or on another node).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
    }

    /// A missing or wrong operator token.
    pub fn unauthorized() -> ApiError {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the operator plane needs `Authorization: Bearer TOKEN`",
        )
    }

    /// The answer an event got when it was first applied (read back from
    /// the store: `kind` and `message` as they were).
    pub fn applied_failure(kind: &str, message: String) -> ApiError {
        let kind = match kind {
            "trap" => "trap",
            _ => "app-error",
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, kind, message)
    }

    /// The runtime's error, as the protocol names it.
    pub fn from_runtime(error: Error) -> ApiError {
        let message = error.to_string();
        match error {
            Error::Trapped { .. } | Error::Discarded { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "trap", message)
            }
            Error::AppFailed { .. } | Error::Render { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "app-error", message)
            }
            Error::Quarantined { .. } => Self::new(StatusCode::FORBIDDEN, "quarantined", message),
            Error::Capacity { .. } => Self::busy(message, 1),
            Error::BadRequest { .. } => Self::bad_request(message),
            Error::Package { .. } | Error::Policy(_) | Error::Refused { .. } => {
                Self::refused(message)
            }
            _ => Self::internal(message),
        }
    }

    /// The body's `error` object; with `retry_after` (seconds, as the
    /// `Retry-After` header) when the client is to wait before retrying.
    pub fn json(&self) -> serde_json::Value {
        match self.retry_after {
            Some(seconds) => {
                json!({ "kind": self.kind, "message": self.message, "retry_after": seconds })
            }
            None => json!({ "kind": self.kind, "message": self.message }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = axum::Json(json!({ "error": self.json() }));
        let mut response = (self.status, body).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON request body. A body that is not one (malformed, the wrong
/// shape, not JSON, too large) is refused with the protocol's error object,
/// kind `bad-request`, saying what is wrong; never axum's plain text.
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(body)) => Ok(Body(body)),
            Err(e) => Err(ApiError::new(e.status(), "bad-request", e.body_text())),
        }
    }
}
