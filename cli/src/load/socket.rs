//! One session driven over its WebSocket: frames sent at a pace, results awaited, prompts answered.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use miniapp_protocol::client::{self, HostFrame, Outcome};
use serde_json::Value;
use tokio_tungstenite::tungstenite::{self, Message};

use super::open::{OPEN_TRIES, Opened, Opener, retry_after};
use super::tally::Tally;
use super::workload::{Action, Model, Rng, Workload};

/// The longest wait for an awaited frame (an event's result, the first page).
pub(super) const FRAME_TIMEOUT: Duration = Duration::from_secs(30);
/// Frames a session sends per second at most, on average (the server takes
/// 50), and how many may go at once: a prompt's answer goes straight after
/// the event that raised it. (A fixed gap of 25 ms between frames had held
/// every answer back, and made shop's checkout look 28 ms slow.)
const FRAMES_PER_SECOND: f64 = 40.0;
const FRAME_BURST: f64 = 10.0;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One open session, driven over its socket.
pub(super) struct Session {
    pub(super) id: String,
    pub(super) workload: Workload,
    pub(super) socket: Socket,
    pub(super) model: Model,
    pub(super) rng: Rng,
    /// The next frame's `id`.
    pub(super) serial: u64,
    /// Frames it may send now (a token bucket), and when it was filled.
    send_tokens: (f64, Instant),
}

/// How the wait for an event's result ended.
pub(super) enum Answer {
    Result {
        ok: bool,
        kind: String,
        message: String,
        /// Host calls of the event the server refused (denied, over a
        /// quota): the answer's `refused`, even when it is `ok`.
        refused: Refused,
        /// For a `busy` refusal, the wait its `retry_after` asks for.
        retry_after: Option<Duration>,
    },
    /// The session cannot go on: the socket closed or broke, or timed out.
    End { kind: String, message: String },
}

impl Session {
    fn end(&self, kind: impl Into<String>, message: impl std::fmt::Display) -> Answer {
        Answer::End {
            kind: kind.into(),
            message: format!(
                "session {} ({}): {message}",
                self.id,
                self.workload.app_id()
            ),
        }
    }

    /// Send `frame`, within [`FRAMES_PER_SECOND`] and [`FRAME_BURST`].
    pub(super) async fn send(&mut self, frame: Value) -> Result<(), tungstenite::Error> {
        let (tokens, filled) = self.send_tokens;
        let mut tokens =
            (tokens + filled.elapsed().as_secs_f64() * FRAMES_PER_SECOND).min(FRAME_BURST);
        if tokens < 1.0 {
            let wait = (1.0 - tokens) / FRAMES_PER_SECOND;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            tokens = 1.0;
        }
        self.send_tokens = (tokens - 1.0, Instant::now());
        self.socket.send(Message::text(frame.to_string())).await
    }

    /// The next frame as JSON, or how the session ended.
    async fn frame(&mut self) -> Result<Value, Answer> {
        match self.socket.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text)
                .map_err(|e| self.end("bad-frame", format!("not JSON ({e}): {text}"))),
            Some(Ok(Message::Close(close))) => {
                let (code, reason) = close.map_or((1005, String::new()), |c| {
                    (u16::from(c.code), c.reason.to_string())
                });
                Err(self.end(format!("close-{code}"), format!("closed {code} {reason}")))
            }
            Some(Ok(_)) => Ok(Value::Null),
            Some(Err(e)) => Err(self.end("socket", e)),
            None => Err(self.end("socket", "the connection ended")),
        }
    }

    /// Read frames until the `result` of frame `id`: pages update the model,
    /// prompts are answered allow.
    async fn result_of(&mut self, id: u64) -> Answer {
        loop {
            let frame = match self.frame().await {
                Ok(frame) => frame,
                Err(end) => return end,
            };
            match HostFrame::read(&frame) {
                HostFrame::Page { route, nodes } => self.model.on_page(route, nodes),
                HostFrame::Prompt { id: prompt, .. } => {
                    if let Err(e) = self.send(client::answer(prompt, true)).await {
                        return self.end("socket", format!("cannot answer a prompt: {e}"));
                    }
                }
                HostFrame::Result(outcome) if outcome.id == id => {
                    let wait = busy_wait(&frame["error"]);
                    return result_answer(outcome, wait);
                }
                // The frame was not taken: a full queue (`busy`), or a
                // frame the server could not read.
                HostFrame::Error { message } => {
                    let retry_after = busy_wait(&frame);
                    let kind = match retry_after {
                        Some(_) => "busy",
                        None => "error-frame",
                    };
                    return Answer::Result {
                        ok: false,
                        kind: kind.into(),
                        message: format!("session {}: error frame: {message}", self.id),
                        refused: Refused::default(),
                        retry_after,
                    };
                }
                _ => {}
            }
        }
    }

    /// Wait for the next `page` (the first one, or after `refresh`). A
    /// `refresh` refused `busy` (the app's queue full) is sent again after
    /// its `retry_after`, counted in `tally` as a 429 and a wait.
    pub(super) async fn page(&mut self, tally: &mut Tally) -> Result<(), Answer> {
        for _ in 0..OPEN_TRIES {
            let wait = async {
                loop {
                    let frame = self.frame().await?;
                    match HostFrame::read(&frame) {
                        HostFrame::Page { route, nodes } => {
                            self.model.on_page(route, nodes);
                            return Ok(None);
                        }
                        HostFrame::Error { .. } if busy_wait(&frame).is_some() => {
                            return Ok(busy_wait(&frame));
                        }
                        _ => {}
                    }
                }
            };
            let busy = match tokio::time::timeout(FRAME_TIMEOUT, wait).await {
                Ok(Ok(None)) => return Ok(()),
                Ok(Ok(Some(wait))) => wait,
                Ok(Err(end)) => return Err(end),
                Err(_) => return Err(self.end("timeout", "no page frame within 30 s")),
            };
            let what = format!("session {}: refresh refused busy", self.id);
            tally.refusal("busy", what);
            tally.waited(busy);
            tokio::time::sleep(busy).await;
            if let Err(e) = self.send(client::refresh()).await {
                return Err(self.end("socket", format!("cannot send refresh: {e}")));
            }
        }
        Err(self.end(
            "busy-gave-up",
            format!("refresh refused busy {OPEN_TRIES} times"),
        ))
    }

    /// Send `action` and wait for its result: the latency if ok.
    pub(super) async fn event(&mut self, action: &Action) -> (Answer, Duration) {
        self.serial += 1;
        let id = self.serial;
        // The session id is long (signed); the serial is unique in it.
        let cid = format!("load-{id}");
        let frame = client::event_at(id, &cid, action.selector, action.kind, &action.detail);
        let sent = Instant::now();
        if let Err(e) = self.send(frame).await {
            return (
                self.end("socket", format!("cannot send an event: {e}")),
                Duration::ZERO,
            );
        }
        match tokio::time::timeout(FRAME_TIMEOUT, self.result_of(id)).await {
            Ok(answer) => (answer, sent.elapsed()),
            Err(_) => {
                let message = format!(
                    "no result for {} {} within 30 s",
                    action.kind, action.selector
                );
                (self.end("timeout", message), sent.elapsed())
            }
        }
    }
}

fn result_answer(outcome: Outcome, retry_after: Option<Duration>) -> Answer {
    Answer::Result {
        ok: outcome.ok,
        kind: outcome.kind.unwrap_or("unknown").to_string(),
        message: outcome.message.to_string(),
        refused: Refused {
            denied: outcome.denied,
            quota: outcome.quota,
        },
        retry_after: (outcome.kind == Some("busy")).then(|| retry_after.unwrap_or(RETRY_DEFAULT)),
    }
}

/// When an error object (a `result`'s `error`, or an `error` frame) is a
/// `busy` refusal: the wait its `retry_after` seconds ask for (1 s without
/// one), bounded as an open's `Retry-After` is ([`retry_after`]).
fn busy_wait(error: &Value) -> Option<Duration> {
    if error["kind"].as_str() != Some("busy") {
        return None;
    }
    let seconds = error["retry_after"].as_u64().map(|s| s.to_string());
    Some(retry_after(seconds.as_deref()))
}

/// The wait after a `busy` result that names none.
const RETRY_DEFAULT: Duration = Duration::from_secs(1);

/// The host calls of one event the server refused.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Refused {
    pub(super) denied: u64,
    pub(super) quota: u64,
}

impl Refused {
    /// Each refused call is an error of the run: `denied` or `quota`.
    pub(super) fn count_in(self, tally: &mut Tally, session: &str, action: &Action) {
        for (kind, n, what) in [
            ("denied", self.denied, "refused for lack of a grant"),
            ("quota", self.quota, "refused by a quota"),
        ] {
            if n > 0 {
                let message = format!(
                    "session {session}: {} {}: {n} host calls {what} (the answer's `refused`)",
                    action.kind, action.selector
                );
                tally.errors_of(kind, n, message);
            }
        }
    }
}

/// Connect session `opened`'s socket and wait for its first page.
pub(super) async fn connect(
    opener: &Opener,
    opened: Opened,
    workload: Workload,
    index: usize,
    tally: &mut Tally,
) -> Option<Session> {
    let url = format!("{}/v1/sessions/{}", opener.ws_base, opened.id);
    let socket = socket(&url, workload, tally).await?;
    let mut session = Session {
        id: opened.id,
        workload,
        socket,
        model: Model::new(workload),
        rng: Rng::new(index as u64),
        serial: 0,
        send_tokens: (FRAME_BURST, Instant::now()),
    };
    match session.page(tally).await {
        Ok(()) => Some(session),
        Err(Answer::End { kind, message } | Answer::Result { kind, message, .. }) => {
            tally.error(format!("first-page-{kind}"), message);
            None
        }
    }
}

/// The WebSocket at `url`, again after each 429's `Retry-After`.
async fn socket(url: &str, workload: Workload, tally: &mut Tally) -> Option<Socket> {
    let what = format!("GET {url} ({}) with a WebSocket upgrade", workload.app_id());
    for _ in 0..OPEN_TRIES {
        // tungstenite zeroes its whole read buffer (128 KiB by default)
        // before each read: the load generator shares the server's cores.
        let config = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024);
        match tokio_tungstenite::connect_async_with_config(url, Some(config), true).await {
            Ok((socket, _)) => return Some(socket),
            Err(tungstenite::Error::Http(response)) if response.status() == 429 => {
                let value = response.headers().get("retry-after");
                let wait = retry_after(value.and_then(|v| v.to_str().ok()));
                tally.refusal("connect-busy", format!("{what}: 429"));
                tally.waited(wait);
                tokio::time::sleep(wait).await;
            }
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status();
                let body = response.body().as_deref().map(String::from_utf8_lossy);
                let body = body.unwrap_or_default();
                tally.error(
                    format!("connect-{}", status.as_u16()),
                    format!("{what}: {status}: {body}"),
                );
                return None;
            }
            Err(e) => {
                tally.error("connect", format!("{what}: {e}"));
                return None;
            }
        }
    }
    tally.error(
        "connect-busy-gave-up",
        format!("{what}: 429 {OPEN_TRIES} times"),
    );
    None
}
