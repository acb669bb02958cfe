//! `PUT /api/prompts/{prompt}/files/{n}?token=TOKEN`: file `n` the user
//! picked in the simulator's file picker for the open picker prompt
//! `prompt`, its raw bytes as the body with its `Content-Length`, checked
//! against the prompt's count and the room left in the app's temp area
//! before a byte is taken
//! ([`miniapp_protocol::prompts::Prompts::upload`]); the page's answer
//! then names it (`{"uploaded": n}`), so a picked file is not bounded by
//! a socket frame. Behind the run's token, as the API is.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::Context;

/// Take file `n` of prompt `prompt`: 201 with its size, or refused with
/// the status and message of the bound it met.
pub(crate) async fn upload_file(
    State(cx): State<Arc<Context>>,
    Path((prompt, n)): Path<(u64, u32)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let app = cx.current.read().unwrap_or_else(|e| e.into_inner()).clone();
    let Some(app) = app else {
        let why = "no version of the app has built yet: there is no picker to upload to";
        return (StatusCode::NOT_FOUND, why).into_response();
    };
    let uploaded = (cx.shared.prompts).upload_for(&app, prompt, n, &headers, body);
    match uploaded.await {
        Ok(size) => (
            StatusCode::CREATED,
            Json(json!({ "file": n, "size": size })),
        )
            .into_response(),
        Err(refused) => (refused.status, refused.message).into_response(),
    }
}
