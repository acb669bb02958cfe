//! Outbound HTTP, to the origins declared in the app's manifest.
//!
//! A request goes out in one of three ways:
//!
//! - [`Request::start`] (and [`get_async`]) send it and return at once: the
//!   handler goes on, other events are handled, and a task `.await`s the
//!   [`Fetch`]. Its response arrives as a completion, a host call of its own
//!   with an event's budget. Many requests may be in flight at once, within
//!   the app's quotas (`http_concurrency`, `pending_calls`).
//! - [`request`] is WeChat's `wx.request` shape on top of it: `success`,
//!   `fail` and `complete` callbacks, and a [`RequestTask`] to abort it.
//! - [`Request::send`] (and [`get`]) wait for the response inside the
//!   current callback: nothing else of the app runs meanwhile, and a
//!   response slower than the callback's time ends the instance. Prefer
//!   `start`.
//!
//! ```ignore
//! // Two requests at once, awaited together.
//! let headlines = http::get_async("https://news.example.com/headlines.json")?;
//! let weather = http::get_async("https://news.example.com/weather.json")?;
//! task::spawn(async move {
//!     let headlines: Vec<Headline> = headlines.await?.error_for_status()?.json()?;
//!     let weather: Weather = weather.await?.error_for_status()?.json()?;
//!     view::set_data(json!({ "headlines": headlines, "weather": weather }))
//! });
//!
//! // As `wx.request`.
//! http::request(http::Request::new(http::Method::Post, "https://api.example.com/orders").json(&order)?)
//!     .success(|reply| view::set("order", reply.json::<Order>()?))
//!     .fail(|error| view::set("error", error.to_string()))
//!     .complete(|| view::set("sending", false))
//!     .send();
//!
//! // Waiting inside the callback.
//! let headlines: Vec<Headline> = http::get("https://news.example.com/headlines.json")?
//!     .error_for_status()?
//!     .json()?;
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::miniapp::host::http as host;
use crate::files::Transfer;
use crate::task::{self, TaskId};
use crate::{Error, Result};

// An HTTP method is the host API's own type (the WIT is its one
// definition; `lib.rs` adds its docs).
pub use crate::callbacks::Callbacks;
pub use host::Method;

/// A request under construction; send it with [`Request::start`] (or
/// [`request`], or [`Request::send`]).
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    timeout_ms: Option<u32>,
}

impl Request {
    /// A request with no headers, no body and the host's default timeout.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout_ms: None,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Use `body`, serialized as JSON, as the body (sets `content-type`).
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)?;
        Ok(self.header("content-type", "application/json").body(bytes))
    }

    /// Use raw bytes as the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Give up after `ms` milliseconds (the host caps this).
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// Send the request and wait for its response inside the current
    /// callback, which it holds: no other event, timer or completion of the
    /// app runs meanwhile, and a response slower than the callback's time
    /// ends the instance. Prefer [`Request::start`]. Any HTTP status is a
    /// response; see [`Response::error_for_status`].
    pub fn send(self) -> Result<Response> {
        Ok(host::fetch(&self.into_host())?.into())
    }

    /// Send the request now, without waiting (the host's `fetch-start`),
    /// and give the [`Fetch`] that resolves with its response, to `.await`
    /// in a task. The host checks it at once: a refusal (an origin the app
    /// may not reach, a quota) is the `Err` here. Its failure later (a
    /// timeout, a refused connection) is the `Fetch`'s error, and so is
    /// [`Error::Cancelled`] if its page left the stack first. Dropping the
    /// `Fetch` before it resolves aborts the request.
    ///
    /// ```ignore
    /// let fetch = http::Request::new(http::Method::Get, url).timeout_ms(5_000).start()?;
    /// task::spawn(async move {
    ///     let article: Article = fetch.await?.error_for_status()?.json()?;
    ///     view::set("article", article)
    /// });
    /// ```
    pub fn start(self) -> Result<Fetch> {
        let id = host::fetch_start(&self.into_host())?;
        Ok(Transfer(task::answer(id, take_response)))
    }

    fn into_host(self) -> host::Request {
        host::Request {
            method: self.method,
            url: self.url,
            headers: self.headers,
            body: self.body,
            timeout_ms: self.timeout_ms,
        }
    }
}

/// The response of call `id` (a request or an upload), during its
/// completion.
pub(crate) fn take_response(id: u64) -> Result<Response> {
    Ok(host::take_response(id)?.into())
}

/// `GET url`, waiting inside the current callback (see [`Request::send`];
/// prefer [`get_async`]).
pub fn get(url: &str) -> Result<Response> {
    Request::new(Method::Get, url).send()
}

/// `GET url`, sent now; `.await` its response in a task (see
/// [`Request::start`]).
pub fn get_async(url: &str) -> Result<Fetch> {
    Request::new(Method::Get, url).start()
}

/// A request under way ([`Request::start`]): a future of its response,
/// taken in the completion that delivers it even while the task awaits
/// something else. Dropped before it resolves, it aborts the request (the
/// host ends it and delivers nothing more).
pub type Fetch = Transfer<Response>;

/// Send `request` with WeChat's callbacks (`wx.request`): add them, then
/// [`send`](Callbacks::send) it.
///
/// ```ignore
/// http::request(http::Request::new(http::Method::Get, url))
///     .success(|response| view::set("body", response.text()))
///     .fail(|error| view::set("error", error.to_string()))
///     .complete(|| view::set("loading", false))
///     .send();
/// ```
pub fn request(request: Request) -> Callbacks<Response> {
    Callbacks::new(move || {
        let started = request.start();
        Box::pin(async move { started?.await })
    })
}

impl Callbacks<Response> {
    /// Send the request now ([`Request::start`]); the callbacks run when it
    /// ends, in the completion that ends it (a refusal: right after the
    /// current handler, in the same callback). An error a callback returns
    /// is reported by that host call. If the request's page leaves the
    /// stack first, the request ends with it and none of the callbacks is
    /// called (they belong to that page), as a timer's callback is not.
    pub fn send(self) -> RequestTask {
        RequestTask(self.start())
    }
}

/// A request sent by [`Callbacks::send`] (WeChat's `RequestTask`).
#[derive(Debug)]
pub struct RequestTask(TaskId);

impl RequestTask {
    /// Abort the request (WeChat's `RequestTask.abort`): the host ends it,
    /// and none of its callbacks is called. A request that has ended is
    /// left as it was.
    pub fn abort(&self) {
        task::abort(self.0);
    }
}

impl From<host::Response> for Response {
    fn from(response: host::Response) -> Self {
        Response {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, in the order received.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `self` if the status is 2xx, else an [`Error::Failed`] naming the status.
    pub fn error_for_status(self) -> Result<Self> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(Error::Failed(format!("HTTP status {}", self.status)))
        }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text (invalid UTF-8 is replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
