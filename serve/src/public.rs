//! The public listener: sessions over HTTP and over WebSockets
//! (`docs/protocol.md`, "The server protocol").

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use miniapp_protocol::PROTOCOL_VERSION;
use miniapp_protocol::outbox::{self, MAX_QUEUED_BYTES, Outbox, WRITE_TIMEOUT};
use miniapp_runtime::audit::Refusals;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::clients::Client;
use crate::error::{ApiError, Body};
use crate::host::{Action, Host, OpenRequest, Reply};
use crate::session::{Session, Target};

mod pushed;
mod session_at;
mod uploads;
pub use pushed::POLL_WAIT;
use pushed::pushed_frames;
use session_at::SessionAt;

/// Bytes of a request body or client frame.
pub const MAX_BODY: usize = 64 * 1024;
/// Client frames per second, and the burst allowed.
const FRAMES_PER_SECOND: f64 = 50.0;
/// Bytes a socket reads at a time (a larger frame takes several reads).
const READ_BUFFER: usize = 4 * 1024;
const FRAME_BURST: f64 = 100.0;

type Shared = State<Arc<Host>>;

/// The public routes.
pub fn router(host: Arc<Host>) -> axum::Router {
    axum::Router::new()
        .route("/v1/sessions", post(open))
        .route("/v1/sessions/{id}", get(socket).delete(close))
        .route("/v1/sessions/{id}/events", post(event))
        .route("/v1/sessions/{id}/hide", post(hide))
        .route("/v1/sessions/{id}/show", post(show))
        .route("/v1/sessions/{id}/page-event", post(page_event))
        .route("/v1/sessions/{id}/tab", post(tab))
        .route("/v1/sessions/{id}/prompts", get(prompts))
        .route("/v1/sessions/{id}/answers", post(answer))
        .route(
            "/v1/sessions/{id}/prompts/{prompt}/files/{n}",
            axum::routing::put(uploads::upload_file).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/sessions/{id}/frames", get(pushed_frames))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(host)
}

/// Alive.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready for new sessions (not draining, storage reachable).
pub async fn readyz(State(host): Shared) -> Response {
    match (host.is_draining(), host.is_ready()) {
        (true, _) => (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response(),
        (false, false) => {
            (StatusCode::SERVICE_UNAVAILABLE, "storage unreachable\n").into_response()
        }
        (false, true) => "ready\n".into_response(),
    }
}

/// The signed user of a request, when the server takes users from its
/// login gateway (`None` when it takes the body's): 401 without a valid one.
fn signed_user(host: &Host, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match &host.identity {
        Some(identity) => identity
            .user(headers, crate::identity::now())
            .map(Some)
            .map_err(|e| refused(host, e)),
        None => Ok(None),
    }
}

/// Count a refusal of the front door (no app label: the app is not known yet).
fn refused(host: &Host, error: ApiError) -> ApiError {
    host.metrics.refused("", error.kind);
    error
}

/// The body's user, checked against the signed one: taken from the header
/// when the body has none; 403 when they differ.
fn opening_user(
    host: &Host,
    headers: &HeaderMap,
    request: &mut OpenRequest,
) -> Result<(), ApiError> {
    let Some(signed) = signed_user(host, headers)? else {
        return Ok(());
    };
    if request.user.is_empty() {
        request.user = signed;
    } else if request.user != signed {
        let message = format!(
            "the body's `user` is not the signed user of the request's identity header; \
             leave it out or send `{signed}`"
        );
        return Err(refused(host, ApiError::wrong_user(message)));
    }
    Ok(())
}

/// A route's `query`, or `bad-request` saying what the route `takes` and
/// what is wrong with it.
fn query_or_bad_request<T>(
    query: Result<Query<T>, QueryRejection>,
    takes: &str,
) -> Result<T, ApiError> {
    (query.map(|Query(query)| query))
        .map_err(|e| ApiError::bad_request(format!("{takes}: {}", e.body_text())))
}

/// Session `id`, for `client`; with signed users, only the session's own.
fn session_for(
    host: &Host,
    id: &str,
    client: Client,
    headers: &HeaderMap,
) -> Result<Arc<Session>, ApiError> {
    let signed = signed_user(host, headers)?;
    (host.find(id, client.0, signed.as_deref())).map_err(|e| match e.kind {
        "wrong-user" => refused(host, e),
        _ => e,
    })
}

async fn open(
    State(host): Shared,
    client: Client,
    headers: HeaderMap,
    body: Result<Body<OpenRequest>, ApiError>,
) -> Response {
    let Body(mut request) = match body {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = opening_user(&host, &headers, &mut request) {
        return e.into_response();
    }
    match host.open(request, client.0).await {
        Ok(opened) => {
            let session = opened.session;
            let state = session.state.lock().await;
            let manifest = state.app.manifest();
            let body = json!({
                "session": session.id,
                "app": { "id": manifest.id, "name": manifest.name, "version": manifest.version },
                "start": opened.start,
                "page": opened.page,
                "pushed": opened.pushed,
                "host_ui": opened.drawn,
            });
            drop(state);
            host.drive(&session);
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// An event as a client sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(rename = "id", default)]
    _id: Option<u64>,
    #[serde(rename = "type", default)]
    _type: Option<String>,
    cid: String,
    #[serde(default)]
    node: Option<u32>,
    #[serde(default)]
    selector: Option<String>,
    kind: String,
    #[serde(default)]
    detail: Value,
}

impl EventBody {
    fn action(self) -> Result<Action, ApiError> {
        if self.cid.is_empty() || self.cid.len() > 64 {
            return Err(ApiError::bad_request("`cid` must be 1 to 64 characters"));
        }
        let target = match (self.node, self.selector) {
            (Some(node), None) => Target::Node(node),
            (None, Some(selector)) => Target::Selector(selector),
            _ => {
                return Err(ApiError::bad_request(
                    "an event names one of `node` or `selector`",
                ));
            }
        };
        Ok(Action::Event {
            cid: self.cid,
            target,
            kind: self.kind,
            detail: self.detail,
        })
    }
}

/// An action's answer to an HTTP client: its view frames, then the
/// `host-ui` frames its callbacks drew.
fn reply_response(mut reply: Reply) -> Response {
    let refused = refused_json(reply.refused);
    let pushed = reply.pushed;
    reply.frames.append(&mut reply.drawn);
    match reply.result {
        Ok(()) => {
            let mut body = json!({ "ok": true, "frames": reply.frames, "pushed": pushed });
            with_refused(&mut body, refused);
            Json(body).into_response()
        }
        Err(e) => {
            let mut body =
                json!({ "ok": false, "error": e.json(), "frames": reply.frames, "pushed": pushed });
            with_refused(&mut body, refused);
            let mut response = (e.status, Json(body)).into_response();
            if let Some(seconds) = e.retry_after {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            response
        }
    }
}

/// An answer's `refused`: the host calls of the action refused (denied,
/// over a quota), absent when none were.
fn refused_json(refused: Refusals) -> Option<Value> {
    (!refused.is_none()).then(|| json!({ "denied": refused.denied, "quota": refused.quota }))
}

fn with_refused(answer: &mut Value, refused: Option<Value>) {
    if let (Some(refused), Some(answer)) = (refused, answer.as_object_mut()) {
        answer.insert("refused".into(), refused);
    }
}

async fn act(host: &Arc<Host>, session: &Arc<Session>, action: Action) -> Response {
    let reply = host.act(session, action).await;
    host.drive(session);
    reply_response(reply)
}

async fn event(
    State(host): Shared,
    SessionAt(session): SessionAt,
    body: Result<Body<EventBody>, ApiError>,
) -> Response {
    match body.and_then(|Body(body)| body.action()) {
        Ok(action) => act(&host, &session, action).await,
        Err(e) => e.into_response(),
    }
}

async fn hide(State(host): Shared, SessionAt(session): SessionAt) -> Response {
    act(&host, &session, Action::Hide).await
}

async fn show(State(host): Shared, SessionAt(session): SessionAt) -> Response {
    act(&host, &session, Action::Show).await
}

/// A tap on the tab bar: `{"index": N}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TabBody {
    #[serde(rename = "id", default)]
    _id: Option<u64>,
    #[serde(rename = "type", default)]
    _type: Option<String>,
    index: u32,
}

async fn tab(
    State(host): Shared,
    SessionAt(session): SessionAt,
    body: Result<Body<TabBody>, ApiError>,
) -> Response {
    match body {
        Ok(Body(body)) => act(&host, &session, Action::Tab(body.index)).await,
        Err(e) => e.into_response(),
    }
}

/// What the phone reports about the page shown: `{"event": {"kind": ...}}`
/// (the protocol's `page-event`), checked by the runtime.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageEventBody {
    #[serde(rename = "id", default)]
    _id: Option<u64>,
    #[serde(rename = "type", default)]
    _type: Option<String>,
    event: miniapp_runtime::ClientPageEvent,
}

async fn page_event(
    State(host): Shared,
    SessionAt(session): SessionAt,
    body: Result<Body<PageEventBody>, ApiError>,
) -> Response {
    match body {
        Ok(Body(body)) => act(&host, &session, Action::PageEvent(body.event)).await,
        Err(e) => e.into_response(),
    }
}

async fn close(State(host): Shared, SessionAt(session): SessionAt) -> Response {
    host.close(&session).await;
    StatusCode::NO_CONTENT.into_response()
}

async fn prompts(SessionAt(session): SessionAt) -> Response {
    let waiting: Vec<Value> = (session.prompts.waiting().iter())
        .filter_map(|frame| serde_json::from_str(frame).ok())
        .collect();
    Json(json!({ "prompts": waiting })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    #[serde(rename = "type", default)]
    _type: Option<String>,
    prompt: u64,
    allow: bool,
    /// What the user entered or chose: a modal's text, an action sheet's
    /// item (its index).
    #[serde(default)]
    value: Option<Value>,
}

impl AnswerBody {
    /// The user's answer, for the prompts.
    fn reply(&self) -> miniapp_protocol::prompts::Reply {
        let value = self.value.clone();
        miniapp_protocol::prompts::Reply {
            allow: self.allow,
            value,
        }
    }
}

async fn answer(SessionAt(session): SessionAt, Body(body): Body<AnswerBody>) -> Response {
    if session.prompts.reply(body.prompt, body.reply()) {
        return StatusCode::NO_CONTENT.into_response();
    }
    ApiError::not_found(format!("no prompt {} waits", body.prompt)).into_response()
}

/// What a client says of itself when it opens a socket.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SocketOptions {
    /// It measures the page: the session's layout queries are sent to it
    /// (`query` frames, answered by `measured`).
    #[serde(default)]
    measure: bool,
}

async fn socket(
    State(host): Shared,
    Path(id): Path<String>,
    client: Client,
    headers: HeaderMap,
    options: Result<Query<SocketOptions>, QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let measure = match query_or_bad_request(options, "a socket takes `measure=true` or nothing") {
        Ok(options) => options.measure,
        Err(e) => return e.into_response(),
    };
    let session = match session_for(&host, &id, client, &headers) {
        Ok(session) => session,
        Err(e) => return e.into_response(),
    };
    if host.is_draining() {
        return ApiError::draining().into_response();
    }
    let Ok(permit) = host.connections.clone().try_acquire_owned() else {
        host.metrics.refused(&session.app, "busy");
        return ApiError::busy("this node holds its bound of connections", 5).into_response();
    };
    upgrade
        .max_message_size(4 * MAX_BODY)
        // tungstenite zeroes the whole read buffer before each read: at its
        // default of 128 KiB that was 8% of the server's CPU under load.
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move {
            run_socket(host, session, socket, measure).await;
            drop(permit);
        })
}

/// One client's socket: a reader (frames in, checked and queued), a worker
/// (the session's actions, one at a time, in order), a writer (frames out:
/// the worker's, and prompts as they come, at most [`MAX_QUEUED_BYTES`]
/// queued; a client that stops reading is dropped, see
/// [`miniapp_protocol::outbox`]; its session stays). A client that
/// `measure`s gets the session's layout queries too.
async fn run_socket(host: Arc<Host>, session: Arc<Session>, socket: WebSocket, measure: bool) {
    let (sink, mut stream) = socket.split();
    let (out, outgoing) = outbox::outbox(MAX_QUEUED_BYTES);
    let writer = tokio::spawn(outbox::write_frames(sink, outgoing, WRITE_TIMEOUT));
    let (work, actions) = mpsc::channel::<(Option<u64>, Action)>(64);
    let worker = tokio::spawn(work_on(host.clone(), session.clone(), actions, out.clone()));
    let prompts = tokio::spawn(forward_prompts(session.clone(), out.clone()));
    let queries = measure.then(|| {
        let (queries, out) = (session.prompts.measuring(), out.clone());
        tokio::spawn(async move { out.forward(queries).await })
    });
    let hello = json!({ "type": "hello", "protocol": PROTOCOL_VERSION,
        "session": session.id, "app": session.app });
    out.push(text(&hello));
    let _ = work.send((None, Action::Refresh)).await;
    let close = read_frames(&host, &session, &mut stream, &work, &out).await;
    drop(work);
    let _ = worker.await;
    prompts.abort();
    if let Some(queries) = queries {
        queries.abort();
    }
    out.push(Message::Close(Some(close)));
    drop(out);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

fn text(value: &Value) -> Message {
    Message::Text(value.to_string().into())
}

fn closing(code: u16, reason: &str) -> CloseFrame {
    CloseFrame {
        code,
        reason: reason.to_string().into(),
    }
}

/// Read client frames until the client goes, breaks a limit, stops
/// reading, or the node drains; returns how to close.
async fn read_frames(
    host: &Host,
    session: &Session,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    work: &mpsc::Sender<(Option<u64>, Action)>,
    out: &Outbox,
) -> CloseFrame {
    let mut draining = host.draining.subscribe();
    let mut ended = session.ended.subscribe();
    let mut tokens = FRAME_BURST;
    let mut last = Instant::now();
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = draining.wait_for(|d| *d) => return closing(1001, "the node is draining"),
            _ = ended.wait_for(|e| *e) => return closing(1008, "the session ended"),
            reason = out.given_up() => {
                host.metrics.refused(&session.app, "not-reading");
                return closing(1008, &reason);
            }
        };
        let Some(Ok(message)) = message else {
            return closing(1000, "");
        };
        tokens = (tokens + last.elapsed().as_secs_f64() * FRAMES_PER_SECOND).min(FRAME_BURST);
        last = Instant::now();
        tokens -= 1.0;
        if tokens < 0.0 {
            // Past the rate, an answer to a layout query the session sent
            // still goes: an app measuring in a loop asks at its own pace.
            match &message {
                Message::Text(t) if session.prompts.answers_a_waiting_query(t) => tokens += 1.0,
                _ => return closing(1008, "more than 50 frames a second"),
            }
        }
        let Message::Text(frame) = message else {
            if matches!(message, Message::Close(_)) {
                return closing(1000, "");
            }
            continue;
        };
        if frame.len() > MAX_BODY {
            return closing(1008, "a frame over 64 KiB");
        }
        if let Err((id, error)) = take_frame(session, &frame, work) {
            let frame = match id {
                Some(id) => {
                    json!({ "type": "result", "id": id, "ok": false, "error": error.json() })
                }
                None => error_frame(&error),
            };
            out.push(text(&frame));
        }
    }
}

/// The `error` frame of a client frame without an `id` that failed: its
/// `kind` and `message`, and `retry_after` (seconds) when it was refused
/// `busy`.
fn error_frame(error: &ApiError) -> Value {
    let mut frame = json!({ "type": "error", "message": error.message, "kind": error.kind });
    if let Some(seconds) = error.retry_after {
        frame["retry_after"] = seconds.into();
    }
    frame
}

/// One client frame: an answer goes straight to the prompts (an event may
/// be waiting on it), a measurement to its query; the rest queue for the
/// worker. A frame that cannot be taken is answered with its id, if it has
/// one.
fn take_frame(
    session: &Session,
    frame: &str,
    work: &mpsc::Sender<(Option<u64>, Action)>,
) -> Result<(), (Option<u64>, ApiError)> {
    let bad = |e: serde_json::Error| ApiError::bad_request(e.to_string());
    let value: Value = serde_json::from_str(frame).map_err(|e| (None, bad(e)))?;
    let id = value.get("id").and_then(Value::as_u64);
    let action = match value.get("type").and_then(Value::as_str) {
        Some("answer") => {
            let body: AnswerBody = serde_json::from_value(value).map_err(|e| (id, bad(e)))?;
            session.prompts.reply(body.prompt, body.reply());
            return Ok(());
        }
        Some("measured") => {
            let body: MeasuredBody = serde_json::from_value(value).map_err(|e| (id, bad(e)))?;
            let measured = session.prompts.measured(body.query, body.nodes);
            return measured.map_err(|e| (id, ApiError::bad_request(e)));
        }
        Some("event") => {
            let body: EventBody = serde_json::from_value(value).map_err(|e| (id, bad(e)))?;
            body.action().map_err(|e| (id, e))?
        }
        Some("hide") => Action::Hide,
        Some("show") => Action::Show,
        Some("page-event") => {
            let body: PageEventBody = serde_json::from_value(value).map_err(|e| (id, bad(e)))?;
            Action::PageEvent(body.event)
        }
        Some("tab") => {
            let body: TabBody = serde_json::from_value(value).map_err(|e| (id, bad(e)))?;
            Action::Tab(body.index)
        }
        Some("refresh") => Action::Refresh,
        other => {
            let message = format!("unknown frame type {other:?}");
            return Err((id, ApiError::bad_request(message)));
        }
    };
    work.try_send((id, action)).map_err(|_| {
        let busy = ApiError::busy(
            "this socket has 64 frames waiting; wait for their results",
            1,
        );
        (id, busy)
    })
}

/// The session's actions from this socket, in order; frames, then the
/// `result` of each.
async fn work_on(
    host: Arc<Host>,
    session: Arc<Session>,
    mut actions: mpsc::Receiver<(Option<u64>, Action)>,
    out: Outbox,
) {
    // The socket gets the session's pushes from its first page on.
    let mut joined = None;
    while let Some((id, action)) = actions.recv().await {
        let paint = |frames: &[Value]| {
            for frame in frames {
                out.push(text(frame));
            }
            session.pushes.join(&out, &mut joined);
        };
        let reply = host.act_then(&session, action, paint).await;
        host.drive(&session);
        let error = reply.result.as_ref().err().map(ApiError::json);
        let frame = match (id, &reply.result) {
            (Some(id), _) => {
                let mut frame =
                    json!({ "type": "result", "id": id, "ok": error.is_none(), "error": error });
                with_refused(&mut frame, refused_json(reply.refused));
                frame
            }
            (None, Err(e)) => error_frame(e),
            (None, Ok(())) => continue,
        };
        out.push(text(&frame));
    }
    if let Some(n) = joined {
        session.pushes.leave(n);
    }
}

/// A client's `measured` frame: its answer to a layout query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasuredBody {
    #[serde(rename = "type")]
    _type: String,
    #[serde(rename = "id", default)]
    _id: Option<u64>,
    query: u64,
    /// One entry per node asked: null, or six numbers.
    nodes: Value,
}

/// Prompts waiting, then each new prompt frame, to the client.
async fn forward_prompts(session: Arc<Session>, out: Outbox) {
    let frames = session.frames.subscribe();
    for frame in session.prompts.waiting() {
        out.push(Message::Text(frame.into()));
    }
    out.forward(frames).await;
}
