//! Opening and closing sessions over HTTP, again after each 429's `Retry-After`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::plan::Plan;
use super::tally::{Tally, micros};

/// Sessions opened (POST, then the socket) at once.
pub(super) const OPEN_CONCURRENCY: usize = 64;
/// Tries of an open the server refuses as busy (429), each after its `Retry-After`.
pub(super) const OPEN_TRIES: u32 = 10;
/// The longest `Retry-After` obeyed.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// The timeout of one HTTP request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens sessions over HTTP.
pub(super) struct Opener {
    client: reqwest::Client,
    base: String,
    pub(super) ws_base: String,
    pub(super) slots: Semaphore,
}

/// A session the server opened.
pub(super) struct Opened {
    pub(super) id: String,
}

/// How one try to open a session ended.
enum Try {
    /// Opened, or failed for good.
    Done(Option<Opened>),
    /// Refused as busy: again after this wait.
    Again(Duration),
}

impl Opener {
    pub(super) fn new(plan: &Plan) -> anyhow::Result<Opener> {
        Ok(Opener {
            client: http_client()?,
            base: plan.base.clone(),
            ws_base: plan.ws_base.clone(),
            slots: Semaphore::new(OPEN_CONCURRENCY),
        })
    }

    /// `POST /v1/sessions`, again after each 429's `Retry-After`.
    pub(super) async fn open(&self, app: &str, user: &str, tally: &mut Tally) -> Option<Opened> {
        let what = format!("POST {}/v1/sessions (app {app}, user {user})", self.base);
        for attempt in 1..=OPEN_TRIES {
            match self.try_open(app, user, &what, tally).await {
                Try::Done(opened) => return opened,
                Try::Again(wait) if attempt < OPEN_TRIES => tokio::time::sleep(wait).await,
                Try::Again(_) => {}
            }
        }
        let message = format!("{what}: 429 {OPEN_TRIES} times");
        tally.error("open-busy-gave-up", message);
        None
    }

    /// One `POST /v1/sessions`.
    async fn try_open(&self, app: &str, user: &str, what: &str, tally: &mut Tally) -> Try {
        let sent = Instant::now();
        let response = (self.client.post(format!("{}/v1/sessions", self.base)))
            .json(&json!({ "app": app, "user": user }))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                tally.error("open-http", format!("{what}: {}", causes(&e)));
                return Try::Done(None);
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(header(response.headers(), "retry-after"));
            tally.refusal("open-busy", format!("{what}: 429, retry after {wait:?}"));
            tally.waited(wait);
            return Try::Again(wait);
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status != reqwest::StatusCode::CREATED {
            let (kind, message) = error_of(&body);
            tally.error(
                format!("open-{kind}"),
                format!("{what}: {status}: {message}"),
            );
            return Try::Done(None);
        }
        Try::Done(opened(&body, sent.elapsed(), tally, what))
    }

    /// `DELETE /v1/sessions/{id}`: whether it succeeded.
    pub(super) async fn close(&self, id: &str) -> bool {
        let _slot = self.slots.acquire().await;
        let url = format!("{}/v1/sessions/{id}", self.base);
        let response = self.client.delete(&url).send().await;
        response.is_ok_and(|r| r.status().is_success())
    }
}

/// The session of a 201's body, its first view tallied.
fn opened(body: &Value, first_view: Duration, tally: &mut Tally, what: &str) -> Option<Opened> {
    let id = body["session"].as_str().filter(|id| {
        !id.is_empty() && (id.bytes()).all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    });
    let Some(id) = id else {
        tally.error(
            "open-bad-answer",
            format!("{what}: 201 without a URL-safe `session`: {body}"),
        );
        return None;
    };
    tally.first_view.saturating_record(micros(first_view));
    tally.warm += u64::from(body["start"] == "warm");
    Some(Opened { id: id.to_string() })
}

pub(super) fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")
}

/// An error and its sources, `: `-separated.
pub(super) fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text = format!("{text}: {e}");
        source = e.source();
    }
    text
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A `Retry-After` in seconds (1 if missing), at most [`MAX_RETRY_AFTER`].
pub(super) fn retry_after(value: Option<&str>) -> Duration {
    let seconds = value.and_then(|v| v.trim().parse::<f64>().ok());
    let seconds = seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds).min(MAX_RETRY_AFTER)
}

/// The `kind` and `message` of an error body (`http` and the body if none).
fn error_of(body: &Value) -> (String, String) {
    match (
        body["error"]["kind"].as_str(),
        body["error"]["message"].as_str(),
    ) {
        (Some(kind), message) => (kind.to_string(), message.unwrap_or("").to_string()),
        _ => ("http".into(), body.to_string()),
    }
}

/// End the sessions `ids` (`DELETE`): how many could not be ended.
pub(super) async fn close_all(opener: &Arc<Opener>, ids: &[String]) -> u64 {
    let mut set = JoinSet::new();
    for id in ids {
        let (opener, id) = (Arc::clone(opener), id.clone());
        set.spawn(async move { opener.close(&id).await });
    }
    let mut failed = 0;
    while let Some(closed) = set.join_next().await {
        failed += u64::from(!closed.unwrap_or(false));
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_bounded() {
        assert_eq!(retry_after(Some("2")), Duration::from_secs(2));
        assert_eq!(retry_after(None), Duration::from_secs(1));
        assert_eq!(retry_after(Some("999")), MAX_RETRY_AFTER);
    }
}
