//! `http`: outbound requests, only to origins the app declared and the
//! operator allowed (scheme, host and port all match, redirects included),
//! with timeout, response-size and concurrency bounds.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use url::Url;

use super::egress::{AddressRules, ForbiddenAddress};
use super::{CallError, CallResult, Capability, bounded};
use crate::bindings::http;
use crate::instance::InstanceState;
use crate::quota::Quotas;
use crate::usage::UsageCounters;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;
/// Request body bytes at most.
const MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;
/// Request headers at most, and their bytes together.
const MAX_HEADERS: usize = 64;
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A network origin: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parse `scheme://host[:port]` (http or https; no path, query or user).
    pub fn parse(text: &str) -> Result<Origin, String> {
        let url = Url::parse(text).map_err(|e| format!("`{text}` is not an origin: {e}"))?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{text}` must be an origin (scheme://host[:port]) with no path"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{text}` must not hold credentials"));
        }
        Origin::of(&url).ok_or_else(|| format!("`{text}` must be an http or https origin"))
    }

    /// The origin of a URL, if it is http or https.
    pub fn of(url: &Url) -> Option<Origin> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Some(Origin {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// An app's HTTP client, its concurrency slots and its per-minute budget,
/// shared by its instances.
pub struct AppHttp {
    client: OnceLock<Result<reqwest::Client, String>>,
    slots: Arc<Semaphore>,
    per_minute: u32,
    minute: Mutex<(Instant, u32)>,
}

impl AppHttp {
    /// Bounds from `quotas`; the client is built on first use.
    pub fn new(quotas: &Quotas) -> AppHttp {
        AppHttp {
            client: OnceLock::new(),
            slots: Arc::new(Semaphore::new(quotas.http_concurrency as usize)),
            per_minute: quotas.http_requests_per_minute,
            minute: Mutex::new((Instant::now(), 0)),
        }
    }

    /// Requests still allowed in the current minute.
    pub fn requests_left(&self) -> u32 {
        let minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        if minute.0.elapsed() >= Duration::from_secs(60) {
            self.per_minute
        } else {
            self.per_minute.saturating_sub(minute.1)
        }
    }

    /// Count one request against the minute's budget, or refuse it.
    fn take_request(&self) -> Result<(), String> {
        let mut minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        if minute.0.elapsed() >= Duration::from_secs(60) {
            *minute = (Instant::now(), 0);
        }
        if minute.1 >= self.per_minute {
            return Err(format!(
                "{} requests per minute already sent",
                self.per_minute
            ));
        }
        minute.1 += 1;
        Ok(())
    }

    fn client(
        &self,
        allowed: &[Origin],
        addresses: &AddressRules,
    ) -> Result<reqwest::Client, String> {
        self.client
            .get_or_init(|| {
                let allowed = allowed.to_vec();
                let rules = addresses.clone();
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
                    .dns_resolver(addresses.clone().resolver())
                    .no_proxy()
                    .user_agent(concat!("miniapp/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
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

impl http::Host for InstanceState {
    async fn fetch(&mut self, request: http::Request) -> CallResult<http::Response> {
        self.require(Capability::Http)?;
        let app = self.app.clone();
        let quotas = &app.grants.quotas;
        let url = Url::parse(&request.url)
            .map_err(|e| CallError::invalid(format!("`{}` is not a URL: {e}", request.url)))?;
        let origin = Origin::of(&url)
            .ok_or_else(|| CallError::invalid(format!("`{url}` is not an http(s) URL")))?;
        if !app.grants.origins.contains(&origin) {
            return Err(CallError::denied(format!(
                "origin {origin} is not allowed for app `{}` (it must be declared in the manifest's `origins` and allowed by the operator)",
                app.manifest.id
            )));
        }
        app.grants
            .addresses
            .check_url(&url)
            .map_err(|e| CallError::denied(e.0))?;
        let header_bytes: usize = request.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        if request.headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
            return Err(CallError::quota(format!(
                "request headers are limited to {MAX_HEADERS} and {MAX_HEADER_BYTES} bytes"
            )));
        }
        let body = request.body.unwrap_or_default();
        if body.len() > MAX_REQUEST_BODY {
            return Err(CallError::quota(format!(
                "request body of {} bytes is over the limit of {MAX_REQUEST_BODY} bytes",
                body.len()
            )));
        }
        let _slot = app.http.slots.clone().try_acquire_owned().map_err(|_| {
            CallError::quota(format!(
                "{} requests of app `{}` are already in flight",
                quotas.http_concurrency, app.manifest.id
            ))
        })?;
        app.http.take_request().map_err(CallError::quota)?;
        UsageCounters::add(&app.usage.http_calls, 1);
        let timeout_ms = request.timeout_ms.map_or(quotas.http_timeout_ms, |t| {
            u64::from(t).min(quotas.http_timeout_ms)
        });
        let client = app
            .http
            .client(&app.grants.origins, &app.grants.addresses)
            .map_err(CallError::failed)?;
        let mut builder = client.request(method(request.method), url.clone());
        for (name, value) in &request.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CallError::invalid(format!("`{name}` is not a header name")))?;
            let value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| CallError::invalid(format!("header `{name}` has an invalid value")))?;
            builder = builder.header(name, value);
        }
        if !body.is_empty() {
            builder = builder.body(body);
        }
        let limit = quotas.http_response_bytes;
        let exchange = async {
            let mut response = builder.send().await.map_err(|e| call_error(&e))?;
            if response.content_length().is_some_and(|n| n > limit) {
                return Err(CallError::quota(format!(
                    "response of {} bytes is over the limit of {limit} bytes",
                    response.content_length().unwrap_or_default()
                )));
            }
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| call_error(&e))? {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(CallError::quota(format!(
                        "response body is over the limit of {limit} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
                UsageCounters::add(&app.usage.http_bytes, chunk.len() as u64);
            }
            Ok(http::Response {
                status,
                headers,
                body,
            })
        };
        let left = self.time_left();
        if left < Duration::from_millis(timeout_ms) {
            // The event ends first: past its deadline the instance traps.
            return bounded(left, exchange).await?;
        }
        match tokio::time::timeout(Duration::from_millis(timeout_ms), exchange).await {
            Ok(result) => result,
            Err(_) => Err(CallError::failed(format!(
                "request to {origin} timed out after {timeout_ms} ms"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_scheme_host_and_port() {
        let o = Origin::parse("https://API.example.com").unwrap();
        assert_eq!(o, Origin::parse("https://api.example.com:443").unwrap());
        assert_ne!(o, Origin::parse("http://api.example.com").unwrap());
        assert_ne!(o, Origin::parse("https://api.example.com:8443").unwrap());
        let url = Url::parse("https://api.example.com/x?y=1").unwrap();
        assert_eq!(Origin::of(&url), Some(o));
        for bad in [
            "ftp://x.com",
            "https://x.com/path",
            "https://u:p@x.com",
            "x.com",
            "https://x.com/?q",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}
