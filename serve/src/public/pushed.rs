//! `GET /v1/sessions/{id}/frames?after=N`: a session's pushes for HTTP
//! clients, by long poll (`docs/protocol.md`, "Pushes").

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Shared, query_or_bad_request, session_for};
use crate::clients::Client;
use crate::error::ApiError;
use crate::session::{Lost, Session};

/// How long a poll waits for a push before it answers with none.
pub const POLL_WAIT: Duration = Duration::from_secs(25);

/// The poll's query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Poll {
    /// The number of the last push the client has (0: none).
    #[serde(default)]
    after: u64,
}

/// The pushes numbered after `after`: at once if there are any; else the
/// first that comes within [`POLL_WAIT`], or none (also when the session
/// ends or the node drains). `frames-lost` (410) when some are gone.
pub(super) async fn pushed_frames(
    State(host): Shared,
    Path(id): Path<String>,
    client: Client,
    headers: HeaderMap,
    poll: Result<Query<Poll>, QueryRejection>,
) -> Response {
    let takes = "`after` must be the number of a push (0 or more)";
    let after = match query_or_bad_request(poll, takes) {
        Ok(poll) => poll.after,
        Err(e) => return e.into_response(),
    };
    match session_for(&host, &id, client, &headers) {
        Ok(session) => wait_for_pushes(&host, &session, after).await,
        Err(e) => e.into_response(),
    }
}

async fn wait_for_pushes(host: &Arc<crate::host::Host>, session: &Session, after: u64) -> Response {
    let mut pushed = session.pushes.subscribe();
    let mut ended = session.ended.subscribe();
    let mut draining = host.draining.subscribe();
    let waited = tokio::time::sleep(POLL_WAIT);
    tokio::pin!(waited);
    loop {
        match session.pushes.after(after) {
            Err(Lost(message)) => return ApiError::frames_lost(message).into_response(),
            Ok(frames) if !frames.is_empty() => return answer(&frames, session),
            Ok(_) => {}
        }
        tokio::select! {
            changed = pushed.changed() => if changed.is_err() { break },
            _ = ended.wait_for(|ended| *ended) => break,
            _ = draining.wait_for(|draining| *draining) => break,
            () = &mut waited => break,
        }
    }
    answer(&[], session)
}

/// `{"frames": [PUSH...], "last": N}`: the push frames as the log keeps
/// them (text), and the number of the session's last push.
fn answer(frames: &[Arc<str>], session: &Session) -> Response {
    let frames: Vec<&str> = frames.iter().map(AsRef::as_ref).collect();
    let body = format!(
        "{{\"frames\":[{}],\"last\":{}}}",
        frames.join(","),
        session.pushes.last()
    );
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
