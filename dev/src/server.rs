//! The simulator's HTTP side: the page and its static files, the app's
//! assets, the WebSocket (`/ws`) and the JSON API (`/api/...`).
//!
//! A web page elsewhere on the machine must not drive the simulator: it
//! listens on loopback only; every request's `Host` must be this listener
//! (no DNS rebinding); every route but the shell page (`/`, which holds no
//! app content) refuses a request a browser says comes from elsewhere (an
//! `Origin` that is not this listener, a `Sec-Fetch-Site` other than
//! `same-origin` or `none`); and every route that serves the app or makes
//! the simulator act or fetch needs the run's token:
//!
//! - the WebSocket and the API: `?token=TOKEN`;
//! - the app's files (`/assets/...`) and its remote images (`/remote`), which
//!   the browser loads by itself (an `img` src, a stylesheet `url()`): the
//!   cookie `miniapp-dev-PORT` the page load with a valid `?token=` sets
//!   (`HttpOnly; SameSite=Strict`; its value is a key of its own that opens
//!   these two routes only, so a cookie sent to another local port opens
//!   neither the socket nor the API), or `?token=TOKEN` from a client that is
//!   not a browser.
//!
//! A request without `Sec-Fetch-Site` (every browser sends it to this
//! origin) is taken for a client that is not a browser: it is served only
//! with the token.
//!
//! The page's static files and the region picker's table (`/regions.tsv`,
//! the operator's or the shipped one: public data, nothing of the app's)
//! need no token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use miniapp_protocol::frames::{self, reply_frame};
use miniapp_protocol::outbox::{self, Outbox};
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::{DeviceFacts, LaunchOptions};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::session::{Command, Reply, Shared};

/// Largest frame a page may send, bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Frames a page may send per second, on average.
const FRAMES_PER_SECOND: f64 = 50.0;
/// Frames a page may send at once.
const FRAME_BURST: f64 = 100.0;
/// Pages connected at once.
pub const MAX_CONNECTIONS: usize = 16;

/// What every request handler shares.
pub struct Context {
    /// The session.
    pub shared: Shared,
    /// The run's token.
    pub token: String,
    /// The key of the cookie the page load sets, for the app's files and
    /// remote images only (see the module's documentation).
    pub asset_key: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The app's package assets, by path (served at `/assets/PATH`).
    pub assets: std::sync::RwLock<Arc<Assets>>,
    /// The Content-Security-Policy of the page.
    pub csp: String,
    /// The device preset the page starts with.
    pub device: crate::Device,
    /// The app's id, name and version, for the `hello` frame (a reload
    /// replaces them).
    pub app: std::sync::RwLock<Value>,
    /// A place for each connected page, at most [`MAX_CONNECTIONS`].
    pub connections: Arc<tokio::sync::Semaphore>,
    /// The app as loaded now (a reload replaces it), for its remote images;
    /// `None` until a build loads.
    pub current: std::sync::RwLock<Option<miniapp_runtime::App>>,
}

type Ctx = State<Arc<Context>>;

/// The routes, behind the `Host` check.
pub fn router(context: Arc<Context>) -> Router {
    let app_files = Router::new()
        .route("/assets/{*path}", get(asset))
        .route("/remote", get(remote_image))
        .route("/temp", get(crate::temp_file::temp_file))
        .route_layer(middleware::from_fn_with_state(
            context.clone(),
            check_asset_key,
        ));
    let controls = Router::new()
        .route("/ws", get(socket))
        .route("/api/state", get(api_state))
        .route("/api/dispatch", post(api_dispatch))
        .route("/api/relaunch", post(api_relaunch))
        .route(
            "/api/prompts/{prompt}/files/{n}",
            axum::routing::put(crate::uploads::upload_file)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route_layer(middleware::from_fn_with_state(context.clone(), check_token));
    let guarded = Router::new()
        .route("/static/{name}", get(static_file))
        .route("/regions.tsv", get(regions))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .merge(app_files)
        .merge(controls)
        .route_layer(middleware::from_fn_with_state(context.clone(), check_site));
    Router::new()
        .route("/", get(index))
        .merge(guarded)
        .layer(middleware::from_fn_with_state(context.clone(), check_host))
        .with_state(context)
}

/// Refuse a request a browser says comes from elsewhere: an `Origin` that
/// is not this listener, or a `Sec-Fetch-Site` other than `same-origin` or
/// `none` (`same-site` is another port of this machine).
async fn check_site(State(cx): Ctx, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Err(refused) = same_origin(&cx, headers).and_then(|()| same_site(headers)) {
        return refused.into_response();
    }
    next.run(request).await
}

/// The run's token, for the WebSocket and the API.
async fn check_token(State(cx): Ctx, request: Request, next: Next) -> Response {
    let token = query_token(&request);
    if let Err(refused) = authorized(&cx, token.as_deref(), request.headers()) {
        return refused.into_response();
    }
    next.run(request).await
}

/// The page's cookie, or the run's token, for the app's files and its
/// remote images.
async fn check_asset_key(State(cx): Ctx, request: Request, next: Next) -> Response {
    let name = cookie_name(&cx);
    let cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(key, value)| key == name && equal(value.as_bytes(), cx.asset_key.as_bytes()));
    if cookie {
        return next.run(request).await;
    }
    check_token(State(cx), request, next).await
}

/// The `token` query parameter of a request.
fn query_token(request: &Request) -> Option<String> {
    Query::<TokenQuery>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(query)| query.token)
}

/// The name of the page's cookie: cookies are not kept apart by port, so
/// each listener names its own.
fn cookie_name(cx: &Context) -> String {
    format!("miniapp-dev-{}", cx.addr.port())
}

/// Two secrets compared in constant time.
fn equal(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Refuse a request whose `Host` is not this listener (a DNS-rebinding page
/// names its own host).
async fn check_host(State(cx): Ctx, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let port = cx.addr.port();
    let ours =
        host.is_some_and(|h| h == format!("127.0.0.1:{port}") || h == format!("localhost:{port}"));
    if !ours {
        return (
            StatusCode::FORBIDDEN,
            "this simulator answers only 127.0.0.1 and localhost",
        )
            .into_response();
    }
    next.run(request).await
}

/// The run's token, checked in constant time; and, when a browser sends
/// one, the `Origin` must be this listener.
/// Why a request was refused: its status and a message.
type Refusal = (StatusCode, String);

fn authorized(cx: &Context, token: Option<&str>, headers: &HeaderMap) -> Result<(), Refusal> {
    let given = token.unwrap_or_default().as_bytes();
    if !equal(given, cx.token.as_bytes()) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "a valid `token` query parameter is required".into(),
        ));
    }
    same_origin(cx, headers)
}

/// When a browser sends an `Origin`, it must be this listener.
fn same_origin(cx: &Context, headers: &HeaderMap) -> Result<(), Refusal> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let port = cx.addr.port();
        let ok = origin.to_str().is_ok_and(|o| {
            o == format!("http://127.0.0.1:{port}") || o == format!("http://localhost:{port}")
        });
        if !ok {
            return Err((
                StatusCode::FORBIDDEN,
                "requests from other origins are refused".into(),
            ));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The page socket's query: the run's token, and whether the page measures
/// its view (it gets the app's layout queries: `query` frames).
#[derive(Deserialize)]
struct SocketQuery {
    token: Option<String>,
    #[serde(default)]
    measure: bool,
}

/// The shell page (no app content). Loaded with the run's token, it sets
/// the cookie that lets the browser load the app's files and remote images.
async fn index(State(cx): Ctx, uri: axum::http::Uri) -> Response {
    let mut response = crate::assets::INDEX_HTML.into_response();
    let headers = response.headers_mut();
    let token = Query::<TokenQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|Query(query)| query.token)
        .unwrap_or_default();
    if equal(token.as_bytes(), cx.token.as_bytes()) {
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            cookie_name(&cx),
            cx.asset_key
        );
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, cookie);
        }
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&cx.csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    secure(headers);
    response
}

async fn static_file(Path(name): Path<String>) -> Response {
    match crate::assets::static_file(&name) {
        Some((body, content_type)) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            secure(headers);
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The region picker's table in force (the policy's, else the one miniapp
/// ships; `docs/regions.md`), which the page's region sheet offers; 503
/// until a build has loaded.
async fn regions(State(cx): Ctx) -> Response {
    let current = cx.current.read().unwrap_or_else(|e| e.into_inner()).clone();
    let Some(app) = current else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no app loaded yet").into_response();
    };
    let mut response = shared_text(app.regions()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/tab-separated-values; charset=utf-8"),
    );
    secure(headers);
    response
}

/// The app's package files by path, each shared with every response that
/// sends it (or a part of it) rather than copied.
pub(crate) type Assets = std::collections::BTreeMap<String, Bytes>;

/// The package files of `package`, as served.
pub(crate) fn assets_of(package: &miniapp_runtime::Package) -> Assets {
    (package.assets.iter())
        .map(|(path, bytes)| (path.clone(), Bytes::from(bytes.clone())))
        .collect()
}

/// The text of `regions` as a response body that shares it (up to the
/// table's 1 MiB), not a copy of it per request.
fn shared_text(regions: &miniapp_runtime::view::region::Regions) -> Bytes {
    struct Shared(Arc<str>);
    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    Bytes::from_owner(Shared(regions.shared_text()))
}

/// A file of the app's package (images and other assets), never as HTML,
/// and only to this page: a browser says where a request comes from, and
/// another site may not even learn which files the app has.
async fn asset(State(cx): Ctx, Path(path): Path<String>, headers: HeaderMap) -> Response {
    if let Err(refused) = same_site(&headers) {
        return refused.into_response();
    }
    let assets = cx.assets.read().unwrap_or_else(|e| e.into_inner()).clone();
    let kind = HeaderValue::from_static(content_type(&path));
    match (assets.get(&path), crate::media::asked(&headers)) {
        (Some(bytes), Some(range)) => crate::media::part(bytes, kind, range),
        (Some(bytes), None) => app_file(bytes.clone(), kind),
        (None, _) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Refuse a request a browser says comes from another site: the app's
/// files are the simulator page's only (another site may not even learn
/// which files the app has).
pub(crate) fn same_site(headers: &HeaderMap) -> Result<(), Refusal> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        true => Err((
            StatusCode::FORBIDDEN,
            "served to the simulator's page only".into(),
        )),
        false => Ok(()),
    }
}

/// A file of the app (an asset, a remote image) as this page gets it:
/// never as a document that could run anything.
pub(crate) fn app_file(bytes: Bytes, kind: HeaderValue) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, kind);
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    secure(headers);
    response
}

#[derive(Deserialize)]
struct RemoteQuery {
    url: String,
}

/// An image of the app's view at one of its origins: the page never fetches
/// app URLs itself (a browser would skip the runtime's egress checks and
/// send the developer's cookies); the runtime fetches it as it fetches the
/// app's own calls. A request with a `Range` (a video's or audio's player)
/// gets that part of a video or audio instead.
async fn remote_image(
    State(cx): Ctx,
    Query(query): Query<RemoteQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = same_site(&headers) {
        return refused.into_response();
    }
    let app = cx.current.read().unwrap_or_else(|e| e.into_inner()).clone();
    let Some(app) = app else {
        return (StatusCode::NOT_FOUND, "no version of the app has built yet").into_response();
    };
    // A player asks for a part of a video or audio (`media.rs`).
    if let Some(range) = crate::media::asked(&headers) {
        return crate::media::remote(&app, &query.url, range).await;
    }
    match app.fetch_image(&query.url).await {
        Ok((kind, bytes)) => {
            let kind = HeaderValue::from_str(&kind)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            app_file(Bytes::from(bytes), kind)
        }
        Err(e) => (StatusCode::FORBIDDEN, e.to_string()).into_response(),
    }
}

/// Headers every response carries.
fn secure(headers: &mut HeaderMap) {
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "json" => "application/json",
        "txt" | "wxml" | "wxss" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn socket(
    State(cx): Ctx,
    Query(query): Query<SocketQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Err(refused) = authorized(&cx, query.token.as_deref(), &headers) {
        return refused.into_response();
    }
    let Ok(place) = cx.connections.clone().try_acquire_owned() else {
        let busy = format!("{MAX_CONNECTIONS} pages are connected already");
        return (StatusCode::TOO_MANY_REQUESTS, busy).into_response();
    };
    upgrade
        // The transport takes up to 4 times the limit, so a frame over it
        // is closed with the protocol's 1008 and a reason, not reset; past
        // that the transport resets the connection.
        .max_message_size(MAX_FRAME_BYTES * 4)
        .max_frame_size(MAX_FRAME_BYTES * 4)
        .on_upgrade(move |socket| async move {
            connection(cx, socket, query.measure).await;
            drop(place);
        })
}

/// One page's connection: frames of the session out, the user's actions in.
/// Frames out wait in a queue of at most [`outbox::MAX_QUEUED_BYTES`] (the
/// session's frames are taken from its broadcast as they come, so a page
/// that stops reading holds neither the broadcast's frames nor more than
/// that); a page that stops reading is closed with 1008 and the reason
/// (see [`miniapp_protocol::outbox`]). A page that `measure`s gets the
/// app's layout queries too.
async fn connection(cx: Arc<Context>, socket: WebSocket, measure: bool) {
    use futures_util::StreamExt;
    let (sink, mut stream) = socket.split();
    let mut frames = cx.shared.frames.subscribe();
    let (direct, outgoing) = outbox::outbox(outbox::MAX_QUEUED_BYTES);
    let hello = json!({
        "type": "hello",
        "protocol": miniapp_protocol::PROTOCOL_VERSION,
        "app": *cx.app.read().unwrap_or_else(|e| e.into_inner()),
        "device": cx.device,
        "network": cx.shared.prompts.network_name(),
    });
    direct.push(Message::text(hello.to_string()));
    // A prompt that waits (the app is blocked on it) is this page's to
    // answer too: first, since the session answers nothing else meanwhile.
    for frame in cx.shared.prompts.waiting() {
        direct.push(Message::text(frame));
    }
    let _ = cx.shared.commands.try_send(Command::Refresh);
    let commands = cx.shared.commands.clone();
    let out = direct.clone();
    let forward = tokio::spawn(async move {
        loop {
            match frames.recv().await {
                Ok(text) => {
                    if !out.push(Message::text(text)) {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // This page missed frames: it gets the whole state again.
                    let _ = commands.send(Command::Refresh).await;
                }
                Err(_) => break,
            }
        }
    });
    let queries = measure.then(|| {
        let (queries, out) = (cx.shared.prompts.measuring(), direct.clone());
        tokio::spawn(async move { out.forward(queries).await })
    });
    let writer = tokio::spawn(outbox::write_frames(sink, outgoing, outbox::WRITE_TIMEOUT));
    let mut bucket = Bucket::new();
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = direct.given_up() => break,
        };
        let Some(Ok(message)) = message else {
            break;
        };
        if matches!(message, Message::Close(_)) {
            break;
        }
        // Every frame counts, whatever its kind, but an answer to a layout
        // query the host sent (an app measuring in a loop asks at its pace).
        if !bucket.take() && !answers_a_query(&cx, &message) {
            let close = CloseFrame {
                code: 1008,
                reason: "too many frames: at most 50 per second".into(),
            };
            direct.push(Message::Close(Some(close)));
            break;
        }
        let size = match &message {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
            _ => 0,
        };
        if size > MAX_FRAME_BYTES {
            let close = CloseFrame {
                code: 1008,
                reason: "a frame over 64 KiB".into(),
            };
            direct.push(Message::Close(Some(close)));
            break;
        }
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                direct.push(error_frame("binary frames are not part of the protocol"));
                continue;
            }
            _ => continue,
        };
        handle_frame(&cx, &text, &direct).await;
    }
    forward.abort();
    if let Some(queries) = queries {
        queries.abort();
    }
    drop(direct);
    let _ = writer.await;
}

/// Whether `message` answers a layout query the host sent
/// ([`miniapp_protocol::prompts::Prompts::answers_a_waiting_query`]).
fn answers_a_query(cx: &Context, message: &Message) -> bool {
    let Message::Text(text) = message else {
        return false;
    };
    cx.shared.prompts.answers_a_waiting_query(text)
}

/// A token bucket: [`FRAMES_PER_SECOND`], bursts of [`FRAME_BURST`].
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket {
            tokens: FRAME_BURST,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * FRAMES_PER_SECOND;
        self.tokens = (self.tokens + refill).min(FRAME_BURST);
        self.last = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

fn error_frame(message: &str) -> Message {
    frame_message(&frames::error_frame(message))
}

fn frame_message(frame: &Value) -> Message {
    Message::text(frame.to_string())
}

/// A frame from the page (see `docs/protocol.md`).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum ClientFrame {
    Event {
        id: Option<u64>,
        node: u32,
        kind: String,
        #[serde(default)]
        detail: Value,
    },
    Back {
        id: Option<u64>,
    },
    /// A tap on tab `index` of the app's tab bar.
    Tab {
        id: Option<u64>,
        index: u32,
    },
    SetData {
        id: Option<u64>,
        /// Its keys kept in the order written, as the app's set-data.
        patch: miniapp_runtime::DataPatch,
    },
    Answer {
        id: Option<u64>,
        prompt: u64,
        allow: bool,
        /// A modal's text, an action sheet's item.
        #[serde(default)]
        value: Option<Value>,
    },
    /// The simulator's network switch: the device moves to `network`.
    SetNetwork {
        id: Option<u64>,
        network: String,
    },
    /// The page's answer to a layout query.
    Measured {
        id: Option<u64>,
        query: u64,
        nodes: Value,
    },
    Hide {
        id: Option<u64>,
    },
    Show {
        id: Option<u64>,
    },
    Relaunch {
        id: Option<u64>,
        #[serde(flatten)]
        launch: Launch,
    },
    StorageSet {
        id: Option<u64>,
        key: String,
        value: String,
    },
    StorageRemove {
        id: Option<u64>,
        key: String,
    },
    StorageClear {
        id: Option<u64>,
    },
    /// What the phone reports about the page shown (WeChat's page events).
    PageEvent {
        id: Option<u64>,
        event: miniapp_runtime::ClientPageEvent,
    },
    Refresh {
        #[serde(rename = "id")]
        _id: Option<u64>,
    },
}

/// Launch options as the page and the API send them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Launch {
    path: Option<String>,
    query: Vec<(String, String)>,
    scene: u32,
    referrer: Option<String>,
    user: Option<String>,
    /// The phone frame the page draws (checked at launch by the runtime;
    /// boxed: most frames are small).
    device: Option<Box<DeviceFacts>>,
}

impl Launch {
    fn options(self) -> LaunchOptions {
        let path = (self.path.filter(|p| !p.is_empty()))
            .and_then(|path| frames::launch_url(Some(&path), &self.query));
        LaunchOptions {
            path,
            scene: self.scene,
            referrer: self.referrer.filter(|r| !r.is_empty()),
            user: self.user.filter(|u| !u.is_empty()),
            device: self.device.map(|device| *device),
            closed_sockets: Vec::new(),
        }
    }
}

async fn handle_frame(cx: &Arc<Context>, text: &str, direct: &Outbox) {
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(e) => {
            direct.push(error_frame(&format!("not a protocol frame: {e}")));
            return;
        }
    };
    let (id, command): (Option<u64>, fn(Reply) -> Command) = match frame {
        ClientFrame::Answer {
            id,
            prompt,
            allow,
            value,
        } => {
            let reply = miniapp_protocol::prompts::Reply { allow, value };
            let answered = cx.shared.prompts.reply(prompt, reply);
            let outcome = match answered {
                true => Ok(()),
                false => Err(format!("no prompt {prompt} is waiting")),
            };
            if let Some(frame) = reply_frame(id, outcome) {
                direct.push(frame_message(&frame));
            }
            return;
        }
        ClientFrame::SetNetwork { id, network } => {
            let switched = cx.shared.prompts.set_network(&network);
            if let Some(frame) = reply_frame(id, switched) {
                direct.push(frame_message(&frame));
            }
            return;
        }
        ClientFrame::Measured { id, query, nodes } => {
            let measured = cx.shared.prompts.measured(query, nodes);
            if let Some(frame) = reply_frame(id, measured) {
                direct.push(frame_message(&frame));
            }
            return;
        }
        ClientFrame::Refresh { .. } => {
            let _ = cx.shared.commands.try_send(Command::Refresh);
            for frame in cx.shared.prompts.waiting() {
                direct.push(Message::text(frame));
            }
            return;
        }
        ClientFrame::Event {
            id,
            node,
            kind,
            detail,
        } => {
            let event = ViewEvent { node, kind, detail };
            return request(cx, id, direct, |reply| Command::Event(event, reply)).await;
        }
        ClientFrame::SetData { id, patch } => {
            return request(cx, id, direct, |reply| Command::SetData(patch, reply)).await;
        }
        ClientFrame::Relaunch { id, launch } => {
            let options = launch.options();
            return request(cx, id, direct, |reply| Command::Relaunch(options, reply)).await;
        }
        ClientFrame::StorageSet { id, key, value } => {
            return request(cx, id, direct, |reply| {
                Command::StorageSet(key, value, reply)
            })
            .await;
        }
        ClientFrame::StorageRemove { id, key } => {
            return request(cx, id, direct, |reply| Command::StorageRemove(key, reply)).await;
        }
        ClientFrame::PageEvent { id, event } => {
            return request(cx, id, direct, |reply| Command::PageEvent(event, reply)).await;
        }
        ClientFrame::Back { id } => (id, Command::Back),
        ClientFrame::Tab { id, index } => {
            return request(cx, id, direct, |reply| Command::Tab(index, reply)).await;
        }
        ClientFrame::Hide { id } => (id, Command::Hide),
        ClientFrame::Show { id } => (id, Command::Show),
        ClientFrame::StorageClear { id } => (id, Command::StorageClear),
    };
    request(cx, id, direct, command).await;
}

/// Send a command to the session and, in the background, its `result` to
/// this page (so prompts can be answered while the app waits on one).
async fn request(
    cx: &Arc<Context>,
    id: Option<u64>,
    direct: &Outbox,
    command: impl FnOnce(Reply) -> Command,
) {
    let (reply, answer) = oneshot::channel();
    // Never wait for room: a page that keeps the session busy gets told so,
    // and its reader stays free for the answers to prompts.
    if cx.shared.commands.try_send(command(reply)).is_err() {
        let busy = Err("the app is busy with earlier requests; try again");
        if let Some(frame) = reply_frame(id, busy) {
            direct.push(frame_message(&frame));
        }
        return;
    }
    let direct = direct.clone();
    tokio::spawn(async move {
        let outcome = answer
            .await
            .unwrap_or_else(|_| Err("the session ended".into()));
        if let Some(frame) = reply_frame(id, outcome) {
            direct.push(frame_message(&frame));
        }
    });
}

async fn api_state(
    State(cx): Ctx,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = authorized(&cx, query.token.as_deref(), &headers) {
        return refused.into_response();
    }
    let (tx, rx) = oneshot::channel();
    if cx.shared.commands.send(Command::State(tx)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match tokio::time::timeout(Duration::from_secs(300), rx).await {
        Ok(Ok(state)) => axum::Json(state).into_response(),
        _ => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DispatchBody {
    selector: String,
    #[serde(default = "tap")]
    kind: String,
    #[serde(default)]
    detail: Value,
}

fn tap() -> String {
    "tap".into()
}

async fn api_dispatch(State(cx): Ctx, ApiBody(body): ApiBody<DispatchBody>) -> Response {
    let command = |reply| Command::Dispatch {
        selector: body.selector,
        kind: body.kind,
        detail: body.detail,
        reply,
    };
    api_answer(&cx, command).await
}

async fn api_relaunch(State(cx): Ctx, ApiBody(launch): ApiBody<Launch>) -> Response {
    let options = launch.options();
    api_answer(&cx, |reply| Command::Relaunch(options, reply)).await
}

/// The JSON body of an API call, read only once the call is authorized
/// (the run's token and the `Origin`, as [`authorized`] checks them).
struct ApiBody<T>(T);

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<Context>> for ApiBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, cx: &Arc<Context>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Query(query) = Query::<TokenQuery>::from_request_parts(&mut parts, cx)
            .await
            .map_err(IntoResponse::into_response)?;
        authorized(cx, query.token.as_deref(), &parts.headers)
            .map_err(IntoResponse::into_response)?;
        // Read up to the bound only: a longer body is refused unbuffered.
        let bytes = axum::body::to_bytes(body, MAX_FRAME_BYTES)
            .await
            .map_err(|_| too_large().into_response())?;
        parse_body(&bytes)
            .map(ApiBody)
            .map_err(IntoResponse::into_response)
    }
}

/// An API body over the bound (or one cut off before its end).
fn too_large() -> Refusal {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        "the body is over 64 KiB".into(),
    )
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    if body.len() > MAX_FRAME_BYTES {
        return Err(too_large());
    }
    serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("the body is not the expected JSON: {e}"),
        )
    })
}

async fn api_answer(cx: &Context, command: impl FnOnce(Reply) -> Command) -> Response {
    let (reply, answer) = oneshot::channel();
    if cx.shared.commands.send(command(reply)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match answer.await {
        Ok(Ok(())) => axum::Json(json!({ "ok": true })).into_response(),
        Ok(Err(message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({ "ok": false, "error": message })),
        )
            .into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[cfg(test)]
mod tests;
