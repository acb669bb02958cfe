//! `PUT /v1/sessions/{id}/prompts/{prompt}/files/{n}`: file `n` the user
//! picked for the session's open picker prompt `prompt`, its raw bytes as
//! the body with its `Content-Length`, checked against the prompt's count
//! and the room left in the app's temp area before a byte is taken
//! ([`miniapp_protocol::prompts::Prompts::upload`]); the answer then names
//! it (`{"uploaded": n}`). Not bounded by [`super::MAX_BODY`]: a file's
//! bound is the app's.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use miniapp_protocol::prompts::Refused;
use serde_json::json;

use crate::clients::Client;
use crate::error::ApiError;
use crate::host::Host;

/// Take file `n` of prompt `prompt`: 201 with its size, or refused by the
/// bound it met.
pub(super) async fn upload_file(
    State(host): State<Arc<Host>>,
    Path((id, prompt, n)): Path<(String, u64, u32)>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let session = match super::session_for(&host, &id, client, &headers) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    // The app as the session runs it now, for its quotas and usage; the
    // lock is held only to read it.
    let app = session.state.lock().await.app.clone();
    let uploaded = (session.prompts).upload_for(&app, prompt, n, &headers, body);
    match uploaded.await {
        Ok(size) => (
            StatusCode::CREATED,
            Json(json!({ "file": n, "size": size })),
        )
            .into_response(),
        Err(refused) => api_error(refused).into_response(),
    }
}

/// An upload's refusal as the protocol reports it.
fn api_error(refused: Refused) -> ApiError {
    match refused.status {
        StatusCode::NOT_FOUND => ApiError::not_found(refused.message),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(refused.message),
        StatusCode::LENGTH_REQUIRED => ApiError::length_required(refused.message),
        StatusCode::BAD_REQUEST => ApiError::bad_request(refused.message),
        _ => ApiError::internal(refused.message),
    }
}
