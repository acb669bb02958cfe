//! The load client of `miniapp bench --peer`: the same for both servers.
//! Clients, each on its own HTTP/1.1 keep-alive connection, send their next
//! request as soon as the last is answered, for a warm-up and then a
//! measured window; answers in the window are counted and their latencies
//! go into an hdrhistogram, as `miniapp load`'s do.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// One keep-alive connection to a server at `host:port`.
pub(super) struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

/// An answer: its status, `Retry-After` (seconds) and body.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    retry_after: Option<u64>,
    pub(super) body: Bytes,
}

impl Connection {
    /// A connection to `addr` (`IP:PORT`).
    pub(super) async fn open(addr: &str) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .with_context(|| format!("HTTP/1.1 handshake with {addr}"))?;
        tokio::spawn(connection);
        Ok(Connection {
            sender,
            host: addr.to_string(),
        })
    }

    /// `POST path` with a JSON `body`, on this connection.
    pub(super) async fn post(&mut self, path: &str, body: String) -> anyhow::Result<Answer> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))?;
        self.sender.ready().await.context("the connection closed")?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let retry_after = (response.headers().get(hyper::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// What one side of the comparison answered in the measured window.
pub(super) struct Measured {
    /// Answers in the window.
    pub(super) answers: u64,
    /// Answers per second in the window.
    pub(super) per_second: f64,
    /// Requests refused `429` in the window (each client then waits its
    /// `Retry-After`, as `miniapp load` does).
    pub(super) refused: u64,
    /// Their latencies, microseconds.
    pub(super) latency: Histogram<u64>,
}

impl Measured {
    /// A latency quantile in microseconds.
    pub(super) fn us(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64
    }
}

/// A client's request: `(path, body)` for its `n`th request.
pub(super) type Next = Box<dyn FnMut(u64) -> (String, String) + Send>;

/// Each of `clients` (a connection and its next request) in a closed loop
/// for `warm_up`, then `window` measured; every answer must be `200`
/// with a body `ok` accepts, else the run fails naming the first wrong one.
pub(super) async fn closed_loop(
    clients: Vec<(Connection, Next)>,
    ok: fn(&[u8]) -> bool,
    warm_up: Duration,
    window: Duration,
) -> anyhow::Result<Measured> {
    let start = Instant::now() + warm_up;
    let end = start + window;
    let mut tasks = tokio::task::JoinSet::new();
    for (connection, next) in clients {
        tasks.spawn(client(connection, next, ok, start, end));
    }
    let mut latency = histogram();
    let (mut answers, mut refused) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let counted = done.context("a client task failed")??;
        answers += counted.answers;
        refused += counted.refused;
        latency.add(&counted.latency).context("merging latencies")?;
    }
    Ok(Measured {
        answers,
        refused,
        per_second: answers as f64 / window.as_secs_f64(),
        latency,
    })
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

/// What one client counted in the window.
struct Counted {
    answers: u64,
    refused: u64,
    latency: Histogram<u64>,
}

/// One client until `end`: the answers that came within `start..end`,
/// the latencies of the requests sent and answered within it, and the
/// `429`s (after each, its `Retry-After`, or 1 s, is waited out).
async fn client(
    mut connection: Connection,
    mut next: Next,
    ok: fn(&[u8]) -> bool,
    start: Instant,
    end: Instant,
) -> anyhow::Result<Counted> {
    let mut counted = Counted {
        answers: 0,
        refused: 0,
        latency: histogram(),
    };
    for n in 0.. {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let (path, body) = next(n);
        let answer = connection.post(&path, body).await?;
        let answered = Instant::now();
        let in_window = sent >= start && answered <= end;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            counted.refused += u64::from(in_window);
            let wait = Duration::from_secs(answer.retry_after.unwrap_or(1));
            tokio::time::sleep_until(end.min(answered + wait).into()).await;
            continue;
        }
        if answer.status != StatusCode::OK || !ok(&answer.body) {
            bail!(
                "POST {path} answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            );
        }
        if in_window {
            counted.answers += 1;
            counted
                .latency
                .saturating_record((answered - sent).as_micros() as u64);
        }
    }
    Ok(counted)
}
