//! `http.transfer-progress`: how far a request under way has come
//! (WeChat's `onProgressUpdate`). Each exchange started as a pending call
//! shares a [`Progress`] with the instance's table; the exchange counts its
//! request body out (sent to the connection in chunks) and its response
//! body in, and the app reads the counts when it wants them. The host
//! pushes nothing, so progress costs two counters per exchange and is
//! bounded by the app's own timers.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::http::HttpCtx;
use super::{CallResult, Granted, View, context};
use crate::bindings::http;

/// Bytes of a request body handed to the connection at a time (what
/// `sent` counts by).
const SEND_CHUNK: usize = 16 * 1024;

/// No `content-length` (yet).
const UNKNOWN: u64 = u64::MAX;

/// How far one exchange has come.
pub(crate) struct Progress {
    sent: AtomicU64,
    to_send: u64,
    received: AtomicU64,
    to_receive: AtomicU64,
}

impl Progress {
    /// An exchange about to send a body of `to_send` bytes.
    pub fn new(to_send: u64) -> Arc<Progress> {
        Arc::new(Progress {
            sent: AtomicU64::new(0),
            to_send,
            received: AtomicU64::new(0),
            to_receive: AtomicU64::new(UNKNOWN),
        })
    }

    /// The response's head said its body is `bytes` long.
    pub fn expect(&self, bytes: Option<u64>) {
        (self.to_receive).store(bytes.unwrap_or(UNKNOWN), Ordering::Relaxed);
    }

    /// `bytes` more of the response body came.
    pub fn received(&self, bytes: u64) {
        self.received.fetch_add(bytes, Ordering::Relaxed);
    }

    fn read(&self) -> http::Progress {
        let to_receive = self.to_receive.load(Ordering::Relaxed);
        http::Progress {
            sent: self.sent.load(Ordering::Relaxed),
            to_send: self.to_send,
            received: self.received.load(Ordering::Relaxed),
            to_receive: (to_receive != UNKNOWN).then_some(to_receive),
        }
    }

    /// `body` as a request body that counts itself out as the connection
    /// takes it, `SEND_CHUNK` bytes at a time.
    pub fn counted(self: &Arc<Progress>, body: Vec<u8>) -> reqwest::Body {
        let body = bytes::Bytes::from(body);
        let chunks: Vec<bytes::Bytes> = (0..body.len())
            .step_by(SEND_CHUNK)
            .map(|at| body.slice(at..(at + SEND_CHUNK).min(body.len())))
            .collect();
        let progress = self.clone();
        let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
            progress
                .sent
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            Ok::<_, std::io::Error>(chunk)
        }));
        reqwest::Body::wrap_stream(stream)
    }
}

/// The progress of an instance's exchanges under way, by call id.
#[derive(Default)]
pub(crate) struct Exchanges(HashMap<u64, Arc<Progress>>);

impl Exchanges {
    /// Call `id`'s exchange reports to `progress`; those that ended (their
    /// exchange dropped its share) are forgotten.
    pub fn add(&mut self, id: u64, progress: Arc<Progress>) {
        self.0.retain(|_, p| Arc::strong_count(p) > 1);
        self.0.insert(id, progress);
    }

    fn get(&mut self, id: u64) -> Option<http::Progress> {
        let progress = self.0.get(&id)?;
        match Arc::strong_count(progress) > 1 {
            true => Some(progress.read()),
            false => {
                self.0.remove(&id);
                None
            }
        }
    }
}

impl View<'_, Granted<HttpCtx>> {
    /// `transfer-progress` (nothing where `http` is not granted: no call
    /// of it can have started).
    pub(super) fn progress_of(&mut self, id: u64) -> Option<http::Progress> {
        context(self.ctx).ok()?.exchanges.get(id)
    }

    /// Call `id` (if it started) reports to `progress`.
    pub(super) fn track(
        &mut self,
        id: CallResult<u64>,
        progress: Arc<Progress>,
    ) -> CallResult<u64> {
        let id = id?;
        context(self.ctx)?.exchanges.add(id, progress);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Exchanges, Progress};

    #[test]
    fn an_exchange_reports_until_it_ends() {
        let mut exchanges = Exchanges::default();
        let progress = Progress::new(40_000);
        let shared = progress.clone();
        exchanges.add(7, progress);
        shared.expect(Some(100));
        shared.received(60);
        let now = exchanges.get(7).unwrap();
        assert_eq!(
            (now.sent, now.to_send, now.received, now.to_receive),
            (0, 40_000, 60, Some(100))
        );
        assert!(exchanges.get(8).is_none(), "another id");
        drop(shared);
        assert!(exchanges.get(7).is_none(), "ended");
        assert!(exchanges.0.is_empty());
    }

    #[test]
    fn ended_exchanges_are_forgotten_when_another_starts() {
        let mut exchanges = Exchanges::default();
        for id in 0..100 {
            exchanges.add(id, Progress::new(0));
        }
        let live = Progress::new(0);
        exchanges.add(100, live.clone());
        assert_eq!(exchanges.0.len(), 1);
        assert!(Arc::strong_count(&live) == 2);
    }
}
