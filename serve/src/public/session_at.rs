//! The session a request's path names (`/v1/sessions/{id}/...`), found
//! for the request's client, as an extractor: every session route starts
//! here.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::clients::Client;
use crate::host::Host;
use crate::session::Session;

/// Session `{id}` of the path, for the request's client; with signed
/// users, only the signed user's (refused as `wrong-user` else), 404 when
/// the node neither holds it nor can read its id.
pub(super) struct SessionAt(pub Arc<Session>);

impl FromRequestParts<Arc<Host>> for SessionAt {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        host: &Arc<Host>,
    ) -> Result<SessionAt, Response> {
        let Path(id) = (Path::<String>::from_request_parts(parts, host).await)
            .map_err(IntoResponse::into_response)?;
        let Ok(client) = Client::from_request_parts(parts, host).await;
        (super::session_for(host, &id, client, &parts.headers))
            .map(SessionAt)
            .map_err(IntoResponse::into_response)
    }
}
