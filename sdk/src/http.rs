//! Outbound HTTP, to the origins declared in the app's manifest.
//!
//! ```ignore
//! let headlines: Vec<Headline> = http::get("https://news.example.com/headlines.json")?
//!     .error_for_status()?
//!     .json()?;
//!
//! let reply = http::Request::new(http::Method::Post, "https://api.example.com/orders")
//!     .json(&order)?
//!     .timeout_ms(5_000)
//!     .send()?;
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::miniapp::host::http as host;
use crate::{Error, Result};

// An HTTP method is the host API's own type (the WIT is its one
// definition; `lib.rs` adds its docs).
pub use host::Method;

/// A request under construction; send it with [`Request::send`].
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

    /// Send the request. Any HTTP status is a response; see
    /// [`Response::error_for_status`].
    pub fn send(self) -> Result<Response> {
        let request = host::Request {
            method: self.method,
            url: self.url,
            headers: self.headers,
            body: self.body,
            timeout_ms: self.timeout_ms,
        };
        let response = host::fetch(&request)?;
        Ok(Response {
            status: response.status,
            headers: response.headers,
            body: response.body,
        })
    }
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response> {
    Request::new(Method::Get, url).send()
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
