//! A socket's frames out, bounded in bytes: a client that stops reading is
//! dropped instead of making the host hold its frames. Used by the
//! simulator's sockets and by `miniapp serve`'s.
//!
//! A frame counts from when it is queued until the write that carries it
//! has been flushed to the socket. A frame that would take the bytes queued
//! past the bound is not queued: the socket is given up, with the reason
//! "client not reading: N bytes queued" (a frame alone always fits, so a
//! large page still goes to a client that reads). A write that does not
//! complete within [`WRITE_TIMEOUT`] (the client stopped reading and the
//! connection backed up) gives the socket up too. Once given up, the queue
//! is dropped, the client gets a 1008 close frame if it takes one within a
//! second, and the connection closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt};
use tokio::sync::{broadcast, mpsc, watch};

/// Bytes a socket may have queued out, by default.
pub const MAX_QUEUED_BYTES: usize = 2 * 1024 * 1024;
/// How long one write to a socket may wait for the client to read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// What a frame costs beyond its payload (its place in the queue).
const FRAME_OVERHEAD: usize = 64;
/// Bytes one write takes from the queue before it flushes (so a write is
/// timed over a bounded amount, not over frames that keep coming).
const BATCH_BYTES: usize = 256 * 1024;
/// How long the close frame of a client given up may wait.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

struct Shared {
    limit: usize,
    queued: AtomicUsize,
    /// Why the socket was given up, once it is.
    gone: watch::Sender<Option<String>>,
}

impl Shared {
    fn give_up(&self, reason: String) {
        self.gone.send_if_modified(|gone| {
            let first = gone.is_none();
            if first {
                *gone = Some(reason);
            }
            first
        });
    }
}

/// The queueing end (cloned for every task that sends to the client).
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Message>,
    shared: Arc<Shared>,
}

/// The writing end, for [`write_frames`].
pub struct Outgoing {
    rx: mpsc::UnboundedReceiver<Message>,
    shared: Arc<Shared>,
}

/// A queue of at most `limit` bytes (a single frame may be larger).
pub fn outbox(limit: usize) -> (Outbox, Outgoing) {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        limit,
        queued: AtomicUsize::new(0),
        gone: watch::Sender::new(None),
    });
    let outgoing = Outgoing {
        rx,
        shared: shared.clone(),
    };
    (Outbox { tx, shared }, outgoing)
}

fn cost(message: &Message) -> usize {
    FRAME_OVERHEAD
        + match message {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
            Message::Close(close) => close.as_ref().map_or(0, |c| c.reason.len()),
        }
}

impl Outbox {
    /// Queue `message`; false if it was not (the socket is given up, now
    /// or before, or the writer is gone).
    pub fn push(&self, message: Message) -> bool {
        let shared = &self.shared;
        if shared.gone.borrow().is_some() {
            return false;
        }
        let size = cost(&message);
        let before = shared.queued.fetch_add(size, Ordering::SeqCst);
        if before > 0 && before + size > shared.limit {
            shared.queued.fetch_sub(size, Ordering::SeqCst);
            shared.give_up(format!("client not reading: {before} bytes queued"));
            return false;
        }
        if self.tx.send(message).is_err() {
            shared.queued.fetch_sub(size, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Queue each of `frames` as it comes, until they end or the socket is
    /// given up (frames missed while lagging behind are skipped).
    pub async fn forward(&self, mut frames: broadcast::Receiver<String>) {
        loop {
            let sent = match frames.recv().await {
                Ok(frame) => self.push(Message::Text(frame.into())),
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => false,
            };
            if !sent {
                return;
            }
        }
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.shared.queued.load(Ordering::SeqCst)
    }

    /// Waits until the socket is given up; why.
    pub async fn given_up(&self) -> String {
        let mut gone = self.shared.gone.subscribe();
        // The sender lives in `shared`, which `self` holds: never an error.
        let reason = gone
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|r| r.clone());
        reason.unwrap_or_default()
    }
}

/// Writes the queued frames to `sink` (each write within `timeout`) until a close frame is written, the
/// queue ends, the client goes, or the socket is given up (then the queue
/// is dropped and the client told why). The frames waiting go out with one
/// flush (one write to the socket for an event's view, logs and result),
/// up to 256 KiB at a time. Returns why the socket was given up,
/// if it was.
pub async fn write_frames<S>(mut sink: S, outgoing: Outgoing, timeout: Duration) -> Option<String>
where
    S: Sink<Message> + Unpin,
{
    let Outgoing { mut rx, shared } = outgoing;
    let mut gone = shared.gone.subscribe();
    let reason = loop {
        let first = tokio::select! {
            biased;
            _ = gone.wait_for(Option::is_some) => break None,
            first = rx.recv() => first,
        };
        let first = first?;
        let batch = async {
            let mut next = Some(first);
            let mut written = 0;
            let mut close = false;
            while let Some(message) = next.take() {
                close = matches!(message, Message::Close(_));
                written += cost(&message);
                if sink.feed(message).await.is_err() {
                    return Err(());
                }
                if !close && written < BATCH_BYTES {
                    next = rx.try_recv().ok();
                }
            }
            sink.flush().await.map_err(|_| ())?;
            Ok((written, close))
        };
        let written = tokio::select! {
            biased;
            _ = gone.wait_for(Option::is_some) => break None,
            written = tokio::time::timeout(timeout, batch) => written,
        };
        match written {
            Ok(Ok((written, close))) => {
                shared.queued.fetch_sub(written, Ordering::SeqCst);
                if close {
                    return None;
                }
            }
            Ok(Err(())) => return None,
            Err(_) => {
                let waited = timeout.as_secs_f64();
                break Some(format!("client not reading: a write waited {waited} s"));
            }
        }
    };
    if let Some(reason) = reason {
        shared.give_up(reason);
    }
    drop(rx);
    let reason = shared.gone.borrow().clone().unwrap_or_default();
    let close = CloseFrame {
        code: 1008,
        reason: reason.clone().into(),
    };
    let _ = tokio::time::timeout(CLOSE_WAIT, sink.send(Message::Close(Some(close)))).await;
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bytes: usize) -> Message {
        Message::text("x".repeat(bytes))
    }

    #[tokio::test]
    async fn a_frame_past_the_bound_gives_the_socket_up_and_a_lone_frame_always_fits() {
        let (out, _outgoing) = outbox(1000);
        assert!(out.push(frame(5000)), "a frame alone fits");
        assert!(!out.push(frame(10)));
        assert!(
            out.given_up()
                .await
                .starts_with("client not reading: 5064 bytes")
        );
        assert!(!out.push(frame(1)), "a socket given up takes nothing");
    }

    #[tokio::test]
    async fn written_frames_are_released() {
        let (out, outgoing) = outbox(1000);
        let sink = futures_util::sink::drain();
        let writer = tokio::spawn(write_frames(sink, outgoing, WRITE_TIMEOUT));
        for _ in 0..100 {
            assert!(out.push(frame(400)));
            while out.queued() > 0 {
                tokio::task::yield_now().await;
            }
        }
        assert!(out.push(Message::Close(None)));
        assert_eq!(writer.await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_write_that_waits_past_its_timeout_gives_the_socket_up() {
        let (out, outgoing) = outbox(1000);
        // A client that never reads: its socket never takes a frame.
        let stuck = futures_util::sink::unfold((), |(), _: Message| async {
            std::future::pending::<Result<(), ()>>().await
        });
        let writer = tokio::spawn(write_frames(
            Box::pin(stuck),
            outgoing,
            Duration::from_millis(50),
        ));
        assert!(out.push(frame(10)));
        let reason = out.given_up().await;
        assert_eq!(reason, "client not reading: a write waited 0.05 s");
        assert_eq!(writer.await.unwrap(), Some(reason));
        assert!(!out.push(frame(10)));
    }
}
