//! `http`: outbound requests, only to origins the app declared and the
//! operator allowed (scheme, host and port all match, redirects included),
//! with timeout, response-size and concurrency bounds.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use miniapp_config::{Grants, Origin};
use tokio::sync::Semaphore;
use url::Url;

use super::egress::{AddressRules, ForbiddenAddress};
use super::http_progress::{Exchanges, Progress};
use super::temp_area::{InstanceTemp, TempArea};
use super::{CallError, CallResult, Capability, Granted, View, bounded, context};
use crate::app_core::AppCore;
use crate::bindings::http;
use crate::limits::{Held, HostMemory};
use crate::providers::NetworkType;
use crate::usage::UsageCounters;

pub use crate::services::{HttpExchange, HttpObserver};

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;
/// Request body bytes at most.
const MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;
/// Request headers at most, and their bytes together.
const MAX_HEADERS: usize = 64;
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// An app's HTTP client, the origins and addresses it may reach, its
/// concurrency slots and its per-minute budgets (requests, and its
/// sockets' messages), shared by its instances.
pub(crate) struct AppHttp {
    client: OnceLock<Result<reqwest::Client, String>>,
    origins: Vec<Origin>,
    /// The addresses it may reach (its sockets' too).
    pub(super) addresses: AddressRules,
    /// Its requests in flight at most (`http_concurrency`): its own calls'
    /// and the fetches the host makes for its view take the same slots.
    slots: Arc<Semaphore>,
    concurrency: u32,
    requests: PerMinute,
    /// Messages its sockets may still send this minute, all its instances
    /// together (`socket_messages_per_minute`).
    pub(super) socket_messages: PerMinute,
    /// The app's temp area (downloads, uploads).
    pub(crate) temp: Arc<TempArea>,
}

/// Uses an app may make a minute, all its instances together: the minute
/// starts at its first use after the last one ended.
pub(crate) struct PerMinute {
    /// Uses a minute at most.
    pub(super) most: u32,
    minute: Mutex<(Instant, u32)>,
}

impl PerMinute {
    /// `most` uses a minute.
    pub fn new(most: u32) -> PerMinute {
        PerMinute {
            most,
            minute: Mutex::new((Instant::now(), 0)),
        }
    }

    /// The current minute and its uses, a new one if the last has ended.
    fn current(&self) -> std::sync::MutexGuard<'_, (Instant, u32)> {
        let mut minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        if minute.0.elapsed() >= Duration::from_secs(60) {
            *minute = (Instant::now(), 0);
        }
        minute
    }

    /// Uses still allowed in the current minute.
    pub fn left(&self) -> u32 {
        self.most.saturating_sub(self.current().1)
    }

    /// Count one use, unless the minute's are all used (then `false`).
    pub fn take(&self) -> bool {
        let mut minute = self.current();
        let room = minute.1 < self.most;
        minute.1 += u32::from(room);
        room
    }

    /// Give back a use counted by [`PerMinute::take`] that did not happen.
    pub fn give_back(&self) {
        let mut minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        minute.1 = minute.1.saturating_sub(1);
    }
}

impl AppHttp {
    /// The app's HTTP state, configured once at load: bounds from
    /// `grants`, its temp area `temp`; the client is built on first use.
    pub fn configure_app(grants: &Grants, temp: Arc<TempArea>) -> AppHttp {
        let quotas = &grants.quotas;
        AppHttp {
            client: OnceLock::new(),
            origins: grants.origins.clone(),
            addresses: AddressRules::new(grants.addresses.clone()),
            slots: Arc::new(Semaphore::new(quotas.http_concurrency as usize)),
            concurrency: quotas.http_concurrency,
            requests: PerMinute::new(quotas.http_requests_per_minute),
            socket_messages: PerMinute::new(quotas.socket_messages_per_minute),
            temp,
        }
    }

    /// Requests still allowed in the current minute.
    pub fn requests_left(&self) -> u32 {
        self.requests.left()
    }

    /// Count one request against the minute's budget, or refuse it.
    fn take_request(&self) -> Result<(), String> {
        match self.requests.take() {
            true => Ok(()),
            false => Err(format!(
                "{} requests per minute already sent",
                self.requests.most
            )),
        }
    }

    fn client(&self) -> Result<reqwest::Client, String> {
        self.client
            .get_or_init(|| {
                let allowed = self.origins.clone();
                let rules = self.addresses.clone();
                let redirects = reqwest::redirect::Policy::custom(move |attempt| {
                    if attempt.previous().len() >= MAX_REDIRECTS {
                        return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                    }
                    if let Err(forbidden) = rules.check_url(attempt.url()) {
                        return attempt.error(forbidden);
                    }
                    match Origin::of(attempt.url()) {
                        Some(origin) if allowed.contains(&origin) => attempt.follow(),
                        _ => {
                            let to = attempt.url().to_string();
                            attempt.error(ForbiddenAddress(format!(
                                "redirect to a disallowed origin: {to}"
                            )))
                        }
                    }
                });
                reqwest::Client::builder()
                    .redirect(redirects)
                    .dns_resolver(self.addresses.clone().resolver())
                    .no_proxy()
                    .user_agent(concat!("miniapp/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// Refuse `origin` unless the app declared it in its manifest's `origins`
/// and the operator allowed it (a request's, a socket's); and refuse it
/// while the device has no network (its provider says `none`), as a
/// phone in airplane mode fails them (`failed`, naming the network).
pub(super) fn check_origin(app: &AppCore, origin: &Origin) -> CallResult<()> {
    if !app.grants.origins.contains(origin) {
        return Err(CallError::denied(format!(
            "origin {origin} is not allowed for app `{}` (it must be declared in the manifest's `origins` and allowed by the operator)",
            app.manifest.id
        )));
    }
    if *app.services.providers.device.network().borrow() == NetworkType::None {
        return Err(CallError::failed(format!(
            "the device has no network (networkType `none`): nothing was sent to {origin}"
        )));
    }
    Ok(())
}

/// The bytes of `headers` an app sends (a request's, a socket's
/// handshake's), refused past [`MAX_HEADERS`] or [`MAX_HEADER_BYTES`].
pub(super) fn check_headers(headers: &[(String, String)]) -> CallResult<usize> {
    let bytes: usize = headers.iter().map(|(k, v)| k.len() + v.len()).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Err(CallError::quota(format!(
            "request headers are limited to {MAX_HEADERS} and {MAX_HEADER_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// A reqwest error as the guest sees it: refused by the egress rules, or failed.
fn call_error(e: &reqwest::Error) -> CallError {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(forbidden) = s.downcast_ref::<ForbiddenAddress>() {
            return CallError::denied(forbidden.0.clone());
        }
        source = s.source();
    }
    CallError::failed(describe(e))
}

mod media;
pub use media::{ByteRange, MediaPart};

impl AppHttp {
    /// `url` checked for a fetch the view needs (an image, a video): an
    /// http(s) URL at one of the app's origins, allowed by the operator's
    /// address rules, holding one of its `http_concurrency` slots (as its
    /// own requests do) and counted in its requests per minute; the
    /// client, and the slot, held until the fetch ends.
    fn for_the_view(&self, url: &str) -> Result<ForTheView, String> {
        let url = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let origin = Origin::of(&url).ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
        if !self.origins.contains(&origin) {
            return Err(format!("origin {origin} is not one of the app's"));
        }
        self.addresses.check_url(&url).map_err(|e| e.0)?;
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| {
            format!(
                "{} requests of the app are already in flight (quota `http_concurrency`): \
                 {url} was not fetched",
                self.concurrency
            )
        })?;
        self.take_request()?;
        Ok((url, self.client()?, slot))
    }
}

/// A fetch for the view, checked: its URL, the app's client, and the
/// concurrency slot it holds until it ends.
type ForTheView = (Url, reqwest::Client, tokio::sync::OwnedSemaphorePermit);

/// Largest image [`AppHttp::fetch_image`] brings, bytes.
const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;
/// Longest [`AppHttp::fetch_image`] waits for an image, ms (less when the
/// app's `http_timeout_ms` is).
const MAX_IMAGE_MS: u64 = 10_000;

impl AppHttp {
    /// An image the app's view names at one of its origins, fetched as the
    /// app's own calls are (its origins only, the operator's address rules,
    /// public addresses only, its per-minute budget), for a renderer that
    /// must not fetch it itself, within `timeout_ms` (the app's
    /// `http_timeout_ms`) and at most 10 s. Refused unless it is an image.
    pub async fn fetch_image(
        &self,
        url: &str,
        timeout_ms: u64,
    ) -> Result<(String, Vec<u8>), String> {
        let ms = timeout_ms.min(MAX_IMAGE_MS);
        let (url, client, _slot) = self.for_the_view(url)?;
        let exchange = async {
            let mut response = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let kind = (response.headers().get(reqwest::header::CONTENT_TYPE))
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            if !response.status().is_success() || !kind.starts_with("image/") {
                return Err(format!(
                    "{url} is not an image ({}, {kind})",
                    response.status()
                ));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
                if body.len() + chunk.len() > MAX_IMAGE_BYTES {
                    return Err(format!("{url} is over {MAX_IMAGE_BYTES} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((kind, body))
        };
        tokio::time::timeout(Duration::from_millis(ms), exchange)
            .await
            .map_err(|_| format!("{url} took over {ms} ms"))?
    }
}

fn method(m: http::Method) -> reqwest::Method {
    match m {
        http::Method::Get => reqwest::Method::GET,
        http::Method::Head => reqwest::Method::HEAD,
        http::Method::Post => reqwest::Method::POST,
        http::Method::Put => reqwest::Method::PUT,
        http::Method::Delete => reqwest::Method::DELETE,
        http::Method::Patch => reqwest::Method::PATCH,
        http::Method::Options => reqwest::Method::OPTIONS,
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    message
}

/// HTTP of one instance: its app's HTTP state, the budget its pending
/// response bodies are charged to, and its place in the app's temp area
/// (shared with the instance's other capabilities that give it files).
pub(crate) struct HttpCtx {
    pub(super) app: Arc<AppHttp>,
    budget: Arc<HostMemory>,
    pub(super) temp: Arc<InstanceTemp>,
    /// How far its exchanges under way have come.
    pub(super) exchanges: Exchanges,
}

impl HttpCtx {
    /// The context of an instance of `app` (whose HTTP state is `http`,
    /// its place in the temp area `temp`), if http is granted.
    pub fn new(
        app: &AppCore,
        http: &Arc<AppHttp>,
        budget: &Arc<HostMemory>,
        temp: &Arc<InstanceTemp>,
    ) -> Granted<HttpCtx> {
        super::grant(app, Capability::Http)?;
        Ok(HttpCtx {
            app: http.clone(),
            budget: budget.clone(),
            temp: temp.clone(),
            exchanges: Exchanges::default(),
        })
    }
}

/// Bytes of a response body received so far, charged to the host memory
/// budget until the guest takes them (its copy then counts against the
/// guest's memory).
pub(crate) struct PendingBody {
    budget: Arc<HostMemory>,
    bytes: Vec<u8>,
    charged: u64,
}

/// Where a response body goes as it arrives: memory (a response held for
/// the guest) or a temp file (a download).
pub(super) trait BodySink: Send {
    /// Take `chunk`, or refuse it past a bound.
    fn take(&mut self, chunk: bytes::Bytes) -> impl Future<Output = CallResult<()>> + Send;
    /// Bytes taken so far.
    fn len(&self) -> u64;
}

impl BodySink for PendingBody {
    async fn take(&mut self, chunk: bytes::Bytes) -> CallResult<()> {
        self.budget
            .charge(chunk.len() as u64, "an HTTP response body")
            .map_err(CallError::quota)?;
        self.charged += chunk.len() as u64;
        self.bytes.extend_from_slice(&chunk);
        Ok(())
    }

    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
}

impl Drop for PendingBody {
    fn drop(&mut self) {
        self.budget.release(self.charged);
    }
}

/// A response received: its status and headers, and its body where its
/// sink put it.
pub(crate) struct Received<S> {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: S,
}

/// A response held for the guest until it takes it, its body still charged
/// to the instance's host memory.
pub(crate) type HeldResponse = Received<PendingBody>;

impl HeldResponse {
    fn into_response(mut self) -> http::Response {
        http::Response {
            status: self.status,
            headers: std::mem::take(&mut self.headers),
            body: std::mem::take(&mut self.body.bytes),
        }
    }
}

/// A request checked against the grants and quotas, ready to send: it owns
/// what it needs, so it can run after the call that made it returned.
pub(super) struct Exchange {
    /// Taken when it is sent.
    builder: Option<reqwest::RequestBuilder>,
    app: Arc<AppCore>,
    budget: Arc<HostMemory>,
    origin: Origin,
    timeout: Duration,
    /// What the host keeps of the request while it is under way.
    _request: Held,
    _slot: tokio::sync::OwnedSemaphorePermit,
    /// For the HTTP observer: the method and URL.
    seen: (String, String),
    /// How far it has come.
    progress: Arc<Progress>,
}

super::linked_by!(view of Granted<HttpCtx>, http);

#[miniapp_runtime_macros::recorded]
impl http::Host for View<'_, Granted<HttpCtx>> {
    async fn fetch(&mut self, mut request: http::Request) -> CallResult<http::Response> {
        let app_default = self.call.app.grants.network_timeout.request;
        request.timeout_ms = request.timeout_ms.or(app_default);
        let exchange = self.prepare(request)?;
        let left = self.call.deadline.left();
        let response = match left < exchange.timeout {
            // The event ends first: past its deadline the instance traps.
            true => bounded(left, exchange.run()).await?,
            false => exchange.run().await,
        };
        response.map(HeldResponse::into_response)
    }

    fn fetch_start(&mut self, mut request: http::Request) -> CallResult<u64> {
        // Refused before the request spends one of the minute's.
        self.call.pending.room_for(false)?;
        let app_default = self.call.app.grants.network_timeout.request;
        request.timeout_ms = request.timeout_ms.or(app_default);
        let exchange = self.prepare(request)?;
        let progress = exchange.progress();
        let id = self.call.pending.start(async move {
            let response = exchange.run().await;
            response.map(|r| Some(Box::new(r) as super::pending::Answer))
        });
        self.track(id, progress)
    }

    fn take_response(&mut self, id: u64) -> CallResult<http::Response> {
        context(self.ctx)?;
        match self.call.pending.take_answer::<HeldResponse>(id) {
            Some(response) => Ok(response.into_response()),
            None => Err(CallError::invalid(format!(
                "call {id} has no response to take: take it once, in the `on-complete` of a `fetch-start` or `upload-file-start` that succeeded"
            ))),
        }
    }

    fn download_file_start(
        &mut self,
        url: String,
        headers: Vec<(String, String)>,
        timeout_ms: Option<u32>,
    ) -> CallResult<u64> {
        self.start_download(url, headers, timeout_ms)
    }

    fn take_download(&mut self, id: u64) -> CallResult<http::Download> {
        self.take_downloaded(id)
    }

    async fn upload_file_start(&mut self, upload: http::Upload) -> CallResult<u64> {
        self.start_upload(upload).await
    }

    async fn read_temp_file(&mut self, temp_path: String) -> CallResult<Vec<u8>> {
        self.read_temp(&temp_path).await
    }

    fn remove_temp_file(&mut self, temp_path: String) -> CallResult<()> {
        self.remove_temp(&temp_path)
    }

    fn transfer_progress(&mut self, id: u64) -> wasmtime::Result<Option<http::Progress>> {
        Ok(self.progress_of(id))
    }
}

impl View<'_, Granted<HttpCtx>> {
    /// Check `request` against the grants and quotas, and take what it
    /// holds while under way (its bytes, a concurrency slot, one of the
    /// minute's requests).
    /// The HTTP observer, if any, sees a refusal here as it sees an
    /// exchange that ran.
    pub(super) fn prepare(&mut self, request: http::Request) -> CallResult<Exchange> {
        let seen = (method(request.method).to_string(), request.url.clone());
        let prepared = self.checked(request);
        if let (Err(refused), Some(observer)) = (&prepared, &self.call.app.services.http_observer) {
            observer.exchange(&HttpExchange {
                app: self.call.app.manifest.id.clone(),
                method: seen.0,
                url: seen.1,
                status: None,
                bytes: 0,
                ms: 0,
                refused: Some(refused.message()),
            });
        }
        prepared
    }

    /// [`prepare`](Self::prepare)'s checks and holds.
    fn checked(&mut self, request: http::Request) -> CallResult<Exchange> {
        let ctx = context(self.ctx)?;
        let app = &self.call.app;
        let quotas = &app.grants.quotas;
        let url = Url::parse(&request.url)
            .map_err(|e| CallError::invalid(format!("`{}` is not a URL: {e}", request.url)))?;
        let origin = Origin::of(&url)
            .ok_or_else(|| CallError::invalid(format!("`{url}` is not an http(s) URL")))?;
        check_origin(app, &origin)?;
        ctx.app
            .addresses
            .check_url(&url)
            .map_err(|e| CallError::denied(e.0))?;
        let header_bytes = check_headers(&request.headers)?;
        let body = request.body.unwrap_or_default();
        if body.len() > MAX_REQUEST_BODY {
            return Err(CallError::quota(format!(
                "request body of {} bytes is over the limit of {MAX_REQUEST_BODY} bytes",
                body.len()
            )));
        }
        let held = (body.len() + header_bytes) as u64;
        let hold = (ctx.budget.hold(held, "an HTTP request")).map_err(CallError::quota)?;
        let slot = ctx.app.slots.clone().try_acquire_owned().map_err(|_| {
            CallError::quota(format!(
                "{} requests of app `{}` are already in flight",
                quotas.http_concurrency, app.manifest.id
            ))
        })?;
        ctx.app.take_request().map_err(CallError::quota)?;
        UsageCounters::add(&app.usage.http_calls, 1);
        let timeout_ms = request.timeout_ms.map_or(quotas.http_timeout_ms, |t| {
            u64::from(t).min(quotas.http_timeout_ms)
        });
        let client = ctx.app.client().map_err(CallError::failed)?;
        let seen = (method(request.method).to_string(), request.url.clone());
        let mut builder = client.request(method(request.method), url);
        for (name, value) in &request.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CallError::invalid(format!("`{name}` is not a header name")))?;
            let value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| CallError::invalid(format!("header `{name}` has an invalid value")))?;
            builder = builder.header(name, value);
        }
        let progress = Progress::new(body.len() as u64);
        if !body.is_empty() {
            let length = body.len();
            builder = (builder.header(reqwest::header::CONTENT_LENGTH, length))
                .body(progress.counted(body));
        }
        Ok(Exchange {
            builder: Some(builder),
            app: app.clone(),
            budget: ctx.budget.clone(),
            origin,
            timeout: Duration::from_millis(timeout_ms),
            _request: hold,
            _slot: slot,
            seen,
            progress,
        })
    }
}

impl Exchange {
    /// How far it has come, for `transfer-progress`.
    pub(super) fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Send it and receive the response within its timeout, its body
    /// charged to host memory as it arrives; the HTTP observer, if any,
    /// sees the outcome.
    pub(super) async fn run(self) -> CallResult<HeldResponse> {
        let body = PendingBody {
            budget: self.budget.clone(),
            bytes: Vec::new(),
            charged: 0,
        };
        self.run_into(body).await
    }

    /// Send it and receive the response within its timeout, its body into
    /// `sink` as it arrives, within `http_response_bytes`; the HTTP
    /// observer, if any, sees the outcome.
    pub(super) async fn run_into<S: BodySink>(mut self, sink: S) -> CallResult<Received<S>> {
        let started = std::time::Instant::now();
        let timeout = self.timeout;
        let result = match tokio::time::timeout(timeout, self.receive(sink)).await {
            Ok(result) => result,
            Err(_) => Err(CallError::failed(format!(
                "request to {} timed out after {} ms",
                self.origin,
                timeout.as_millis()
            ))),
        };
        if let Some(observer) = &self.app.services.http_observer {
            observer.exchange(&HttpExchange {
                app: self.app.manifest.id.clone(),
                method: self.seen.0.clone(),
                url: self.seen.1.clone(),
                status: result.as_ref().ok().map(|r| r.status),
                bytes: result.as_ref().map_or(0, |r| r.body.len()),
                ms: started.elapsed().as_millis() as u64,
                refused: result.as_ref().err().map(CallError::message),
            });
        }
        result
    }

    async fn receive<S: BodySink>(&mut self, mut body: S) -> CallResult<Received<S>> {
        let limit = self.app.grants.quotas.http_response_bytes;
        let builder = (self.builder.take()).ok_or_else(|| CallError::failed("sent already"))?;
        let mut response = builder.send().await.map_err(|e| call_error(&e))?;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(CallError::quota(format!(
                "response of {} bytes is over the limit of {limit} bytes",
                response.content_length().unwrap_or_default()
            )));
        }
        self.progress.expect(response.content_length());
        let status = response.status().as_u16();
        let headers = (response.headers().iter())
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.to_string(), value)
            })
            .collect();
        while let Some(chunk) = response.chunk().await.map_err(|e| call_error(&e))? {
            if body.len() + chunk.len() as u64 > limit {
                return Err(CallError::quota(format!(
                    "response body is over the limit of {limit} bytes"
                )));
            }
            let n = chunk.len() as u64;
            body.take(chunk).await?;
            self.progress.received(n);
            UsageCounters::add(&self.app.usage.http_bytes, n);
        }
        Ok(Received {
            status,
            headers,
            body,
        })
    }
}
