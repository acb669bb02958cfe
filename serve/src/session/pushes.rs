//! What a session's instance shows that no client event caused (a timer's
//! `set-data`, a host call completing, the lines it logs then): one `push`
//! frame per callback, numbered from 1 on this node. Each goes at once to
//! the session's sockets (in the order of the view, see
//! [`Pushes::publish`]) and into a bounded log that HTTP clients read with
//! a long poll (`GET /v1/sessions/{id}/frames?after=N`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use miniapp_protocol::outbox::Outbox;
use serde_json::{Value, json};
use tokio::sync::watch;

/// Pushes a session's log keeps at most (the oldest go first).
pub const MAX_PUSHES: usize = 64;
/// Bytes of push frames a session's log keeps at most (a single larger
/// push is kept alone).
pub const MAX_PUSH_BYTES: usize = 256 * 1024;
/// Bytes of push frames the logs of one app's sessions on a node keep
/// together (64 sessions' full logs): past it the pushing session's oldest
/// pushes go first, then the push itself (its sockets still get it; a long
/// poll is told `frames-lost`).
pub const MAX_APP_PUSH_BYTES: usize = 16 * 1024 * 1024;

/// The bytes the push logs of one app's sessions on this node hold,
/// bounded together.
#[derive(Debug)]
pub struct AppPushes {
    bytes: AtomicUsize,
    most: usize,
}

impl AppPushes {
    /// Logs that keep `most` bytes together.
    pub fn new(most: usize) -> Arc<AppPushes> {
        Arc::new(AppPushes {
            bytes: AtomicUsize::new(0),
            most,
        })
    }

    /// Bytes the app's logs hold now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// A session's pushes: its sockets and the log.
pub struct Pushes {
    inner: Mutex<Inner>,
    /// The number of the last push (0: none yet).
    last: watch::Sender<u64>,
    /// Its app's logs together.
    app: Arc<AppPushes>,
}

#[derive(Default)]
struct Inner {
    /// The pushes kept, oldest first, with their numbers.
    log: VecDeque<(u64, Arc<str>)>,
    /// Bytes of the frames in `log`.
    bytes: usize,
    /// The session's sockets that have their page, by a number of their own.
    sockets: Vec<(u64, Outbox)>,
    next_socket: u64,
}

/// Why a long poll cannot be answered from the log: the client must get
/// the page again (open the session) and poll after the `pushed` it answers.
#[derive(Debug, PartialEq)]
pub struct Lost(pub String);

impl Default for Pushes {
    /// The pushes of a session whose app has no other session.
    fn default() -> Self {
        Pushes::of_app(AppPushes::new(MAX_APP_PUSH_BYTES))
    }
}

impl Drop for Pushes {
    fn drop(&mut self) {
        let bytes = self.lock().bytes;
        self.app.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

impl Pushes {
    /// The pushes of a session of the app whose logs are `app`.
    pub fn of_app(app: Arc<AppPushes>) -> Pushes {
        Pushes {
            inner: Mutex::default(),
            last: watch::channel(0).0,
            app,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of the last push (0 before the first). Read under the
    /// session's lock with a page or an event's frames, it tells a client
    /// which pushes that view already has.
    pub fn last(&self) -> u64 {
        *self.last.borrow()
    }

    /// A receiver of the last push's number, for a long poll.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.last.subscribe()
    }

    /// Push the `frames` one callback caused (its view and its log lines)
    /// and its `error` (`null` when it succeeded): to every socket that
    /// joined, and into the log. Called under the session's lock, as the
    /// frames are taken, so that a socket gets a push and an event's frames
    /// in the order the view changed. Its number.
    pub fn publish(&self, frames: Vec<Value>, error: Option<Value>) -> u64 {
        self.publish_drawn(frames, Vec::new(), error)
    }

    /// [`Pushes::publish`], with the `host-ui` frames the callback `drawn`
    /// (a toast, the bars): the log's push carries them after its view
    /// frames, for HTTP clients; the sockets' does not (they were sent
    /// them as they were drawn).
    pub fn publish_drawn(
        &self,
        frames: Vec<Value>,
        drawn: Vec<Value>,
        error: Option<Value>,
    ) -> u64 {
        let mut inner = self.lock();
        let seq = self.last() + 1;
        let push = |frames: &[Value]| {
            let frame = json!({ "type": "push", "seq": seq, "frames": frames, "error": error });
            frame.to_string()
        };
        let sent = push(&frames);
        let text: Arc<str> = match drawn.is_empty() {
            true => sent.as_str().into(),
            false => push(&[frames, drawn].concat()).into(),
        };
        // A socket given up (its client stopped reading) leaves.
        (inner.sockets).retain(|(_, out)| out.push(Message::Text(sent.as_str().into())));
        inner.bytes += text.len();
        self.app.bytes.fetch_add(text.len(), Ordering::Relaxed);
        inner.log.push_back((seq, text));
        let app_over = || self.app.bytes() > self.app.most;
        while inner.log.len() > MAX_PUSHES
            || (inner.bytes > MAX_PUSH_BYTES && inner.log.len() > 1)
            || (app_over() && !inner.log.is_empty())
        {
            if let Some((_, old)) = inner.log.pop_front() {
                inner.bytes -= old.len();
                self.app.bytes.fetch_sub(old.len(), Ordering::Relaxed);
            }
        }
        self.last.send_replace(seq);
        seq
    }

    /// `out` gets every push from now on: called under the session's lock,
    /// right after the socket was sent a page. Its number, for
    /// [`Pushes::leave`]; a socket that joined already keeps its number.
    pub fn join(&self, out: &Outbox, joined: &mut Option<u64>) {
        if joined.is_some() {
            return;
        }
        let mut inner = self.lock();
        let n = inner.next_socket;
        inner.next_socket += 1;
        inner.sockets.push((n, out.clone()));
        *joined = Some(n);
    }

    /// Socket `n` is gone.
    pub fn leave(&self, n: u64) {
        self.lock().sockets.retain(|(socket, _)| *socket != n);
    }

    /// The push frames numbered after `after`, oldest first (none yet:
    /// empty); [`Lost`] when some of them are no longer here.
    pub fn after(&self, after: u64) -> Result<Vec<Arc<str>>, Lost> {
        let inner = self.lock();
        let last = self.last();
        if after > last {
            return Err(Lost(format!(
                "this node has pushed frames up to {last}, not {after}: the session was \
                 opened again here (another node had it, or this one restarted); open it \
                 for its page and poll after the `pushed` it answers"
            )));
        }
        let first = inner.log.front().map_or(last + 1, |(seq, _)| *seq);
        if after + 1 < first {
            return Err(Lost(format!(
                "frames {} to {} are gone: a session keeps its last {MAX_PUSHES} pushes \
                 ({} KiB at most; its app's sessions on this node {} KiB together); open it \
                 for its page and poll after the `pushed` it answers",
                after + 1,
                first - 1,
                MAX_PUSH_BYTES / 1024,
                self.app.most / 1024
            )));
        }
        Ok((inner.log.iter())
            .filter(|(seq, _)| *seq > after)
            .map(|(_, text)| text.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(n: usize) -> Vec<Value> {
        vec![json!({ "type": "ops", "ops": [], "view_error": null, "n": n })]
    }

    #[test]
    fn a_poll_gets_the_pushes_after_its_number_and_is_told_when_they_are_gone() {
        let pushes = Pushes::default();
        assert_eq!(pushes.after(0), Ok(Vec::new()));
        assert_eq!(pushes.publish(ops(1), None), 1);
        assert_eq!(pushes.publish(ops(2), None), 2);
        let got = pushes.after(1).unwrap();
        assert_eq!(got.len(), 1);
        let frame: Value = serde_json::from_str(&got[0]).unwrap();
        assert_eq!(
            (frame["type"].as_str(), frame["seq"].as_u64()),
            (Some("push"), Some(2))
        );
        assert_eq!(frame["frames"], json!(ops(2)));
        assert!(pushes.after(2).unwrap().is_empty());
        let ahead = pushes.after(3).unwrap_err().0;
        assert!(ahead.contains("up to 2, not 3"), "{ahead}");
        for n in 3..=(MAX_PUSHES + 2) {
            pushes.publish(ops(n), None);
        }
        let behind = pushes.after(1).unwrap_err().0;
        assert!(behind.contains("frames 2 to 2 are gone"), "{behind}");
        assert_eq!(pushes.after(2).unwrap().len(), MAX_PUSHES);
    }

    #[test]
    fn the_log_is_bounded_in_bytes_and_keeps_a_larger_push_alone() {
        let pushes = Pushes::default();
        let big = vec![json!({ "type": "log", "text": "x".repeat(MAX_PUSH_BYTES / 3) })];
        for _ in 0..4 {
            pushes.publish(big.clone(), None);
        }
        assert_eq!(pushes.after(2).unwrap().len(), 2);
        assert!(pushes.after(1).is_err());
        let huge = vec![json!({ "type": "log", "text": "x".repeat(MAX_PUSH_BYTES) })];
        pushes.publish(huge, None);
        assert_eq!(pushes.after(4).unwrap().len(), 1);
        assert!(pushes.lock().bytes > MAX_PUSH_BYTES);
    }

    #[test]
    fn an_app_s_sessions_keep_their_logs_within_its_bytes_together() {
        let app = AppPushes::new(MAX_PUSH_BYTES);
        let big = || vec![json!({ "type": "log", "text": "x".repeat(MAX_PUSH_BYTES / 4) })];
        let first = Pushes::of_app(app.clone());
        first.publish(big(), None);
        first.publish(big(), None);
        // Another session of the app drops its own oldest push first.
        let second = Pushes::of_app(app.clone());
        second.publish(big(), None);
        assert_eq!(second.after(0).unwrap().len(), 1, "within the app's bytes");
        second.publish(big(), None);
        assert_eq!(second.after(1).unwrap().len(), 1);
        let lost = second.after(0).unwrap_err().0;
        assert!(lost.contains("frames 1 to 1 are gone"), "{lost}");
        assert!(lost.contains("its app's sessions on this node 256 KiB together"));
        assert_eq!(first.after(0).unwrap().len(), 2, "the other's log stays");
        // A third, with nothing of its own to drop, keeps no push.
        let third = Pushes::of_app(app.clone());
        third.publish(big(), None);
        assert!(third.after(0).is_err(), "its push is lost to a poll");
        assert!(app.bytes() <= MAX_PUSH_BYTES, "{} bytes", app.bytes());
        // A session that ends gives its bytes back.
        drop(first);
        third.publish(big(), None);
        assert_eq!(third.after(1).unwrap().len(), 1);
        drop((second, third));
        assert_eq!(app.bytes(), 0);
    }

    #[tokio::test]
    async fn a_socket_gets_every_push_after_it_joined_until_it_leaves() {
        let pushes = Pushes::default();
        pushes.publish(ops(1), None);
        let (out, mut outgoing) = channel();
        let mut joined = None;
        pushes.join(&out, &mut joined);
        pushes.join(&out, &mut joined);
        pushes.publish(ops(2), None);
        let Some(Message::Text(text)) = outgoing.recv().await else {
            panic!("a push")
        };
        assert!(text.contains("\"seq\":2"), "{text}");
        assert!(outgoing.try_recv().is_err(), "one copy");
        pushes.leave(joined.unwrap());
        pushes.publish(ops(3), None);
        assert!(outgoing.try_recv().is_err(), "nothing after it left");
    }

    /// An outbox whose frames the test reads (the writer side drained by
    /// hand).
    fn channel() -> (Outbox, tokio::sync::mpsc::UnboundedReceiver<Message>) {
        let (out, outgoing) = miniapp_protocol::outbox::outbox(1 << 20);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = futures_util::sink::unfold(tx, |tx, m: Message| async move {
            tx.send(m).map_err(|_| ())?;
            Ok::<_, ()>(tx)
        });
        tokio::spawn(miniapp_protocol::outbox::write_frames(
            Box::pin(sink),
            outgoing,
            miniapp_protocol::outbox::WRITE_TIMEOUT,
        ));
        (out, rx)
    }
}
