//! What a session's instance shows that no client event caused (a timer's
//! `set-data`, a host call completing, the lines it logs then): one `push`
//! frame per callback, numbered from 1 on this node. Each goes at once to
//! the session's sockets (in the order of the view, see
//! [`Pushes::publish`]) and into a bounded log that HTTP clients read with
//! a long poll (`GET /v1/sessions/{id}/frames?after=N`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Message;
use miniapp_protocol::outbox::Outbox;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::push_logs::{AppPushes, Bound, DEFAULT_NODE_PUSH_BYTES, NodePushes};

/// Pushes a session's log keeps at most (the oldest go first).
pub const MAX_PUSHES: usize = 64;
/// Bytes of push frames a session's log keeps at most (a single larger
/// push is kept alone).
pub const MAX_PUSH_BYTES: usize = 256 * 1024;
/// Bytes of push frames the logs of one app's sessions on a node keep
/// together (64 sessions' full logs): past it the pushing session's oldest
/// pushes go first, then the push itself (its sockets still get it; a long
/// poll is told `frames-lost`). All apps' logs on a node keep the node's
/// bound together ([`NodePushes`]).
pub const MAX_APP_PUSH_BYTES: usize = 16 * 1024 * 1024;

/// A session's pushes: its sockets and the log.
pub struct Pushes {
    sockets: Mutex<Sockets>,
    log: Arc<Mutex<Log>>,
    /// The number of the last push (0: none yet).
    last: watch::Sender<u64>,
    /// Its app's logs together.
    app: Arc<AppPushes>,
}

/// The session's sockets that have their page, by a number of their own.
#[derive(Default)]
struct Sockets {
    joined: Vec<(u64, Outbox)>,
    next: u64,
}

/// The pushes a session keeps for its long polls.
#[derive(Default)]
pub(super) struct Log {
    /// The pushes kept, oldest first: their numbers, their places in the
    /// node's order, their frames.
    kept: VecDeque<(u64, u64, Arc<str>)>,
    /// Bytes of the frames kept.
    bytes: usize,
    /// What dropped the last push dropped.
    gone: Option<Bound>,
}

impl Log {
    /// The place in the node's order of the oldest push kept.
    pub(super) fn oldest(&self) -> Option<u64> {
        self.kept.front().map(|(_, logged, _)| *logged)
    }

    /// Drop the oldest push for `why`: its bytes.
    pub(super) fn drop_front(&mut self, why: Bound) -> Option<usize> {
        let (_, _, text) = self.kept.pop_front()?;
        self.bytes -= text.len();
        self.gone = Some(why);
        Some(text.len())
    }
}

/// Why a long poll cannot be answered from the log: the client must get
/// the page again (open the session) and poll after the `pushed` it answers.
#[derive(Debug, PartialEq)]
pub struct Lost(pub String);

impl Default for Pushes {
    /// The pushes of a session whose app has no other session, on a node
    /// with the default bound.
    fn default() -> Self {
        let node = NodePushes::new(DEFAULT_NODE_PUSH_BYTES, Default::default());
        Pushes::of_app(node.app("", MAX_APP_PUSH_BYTES))
    }
}

impl Drop for Pushes {
    fn drop(&mut self) {
        let bytes = lock(&self.log).bytes;
        self.app.leave(&self.log, bytes);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pushes {
    /// The pushes of a session of the app whose logs are `app`.
    pub fn of_app(app: Arc<AppPushes>) -> Pushes {
        let log = Arc::default();
        app.enter(&log);
        Pushes {
            sockets: Mutex::default(),
            log,
            last: watch::channel(0).0,
            app,
        }
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
        let mut sockets = lock(&self.sockets);
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
        (sockets.joined).retain(|(_, out)| out.push(Message::Text(sent.as_str().into())));
        self.keep(seq, text);
        drop(sockets);
        self.app.node().trim();
        seq
    }

    /// Log push `seq` within the session's and the app's bounds, and make
    /// it the last.
    fn keep(&self, seq: u64, text: Arc<str>) {
        let mut log = lock(&self.log);
        log.bytes += text.len();
        self.app.take(text.len());
        let logged = self.app.node().next_logged();
        log.kept.push_back((seq, logged, text));
        loop {
            let why = if log.kept.len() > MAX_PUSHES {
                Bound::Count
            } else if log.bytes > MAX_PUSH_BYTES && log.kept.len() > 1 {
                Bound::SessionBytes
            } else if self.app.bytes() > self.app.most() && !log.kept.is_empty() {
                Bound::AppBytes
            } else {
                break;
            };
            if let Some(bytes) = log.drop_front(why) {
                self.app.give_back(bytes);
            }
        }
        self.last.send_replace(seq);
    }

    /// `out` gets every push from now on: called under the session's lock,
    /// right after the socket was sent a page. Its number, for
    /// [`Pushes::leave`]; a socket that joined already keeps its number.
    pub fn join(&self, out: &Outbox, joined: &mut Option<u64>) {
        if joined.is_some() {
            return;
        }
        let mut sockets = lock(&self.sockets);
        let n = sockets.next;
        sockets.next += 1;
        sockets.joined.push((n, out.clone()));
        *joined = Some(n);
    }

    /// Socket `n` is gone.
    pub fn leave(&self, n: u64) {
        lock(&self.sockets)
            .joined
            .retain(|(socket, _)| *socket != n);
    }

    /// The push frames numbered after `after`, oldest first (none yet:
    /// empty); [`Lost`] when some of them are no longer here.
    pub fn after(&self, after: u64) -> Result<Vec<Arc<str>>, Lost> {
        let log = lock(&self.log);
        let last = self.last();
        if after > last {
            return Err(Lost(format!(
                "this node has pushed frames up to {last}, not {after}: the session was \
                 opened again here (another node had it, or this one restarted); open it \
                 for its page and poll after the `pushed` it answers"
            )));
        }
        let first = log.kept.front().map_or(last + 1, |(seq, _, _)| *seq);
        if after + 1 < first {
            return Err(Lost(format!(
                "frames {} to {} are gone: a session keeps its last {MAX_PUSHES} pushes \
                 ({} KiB at most; its app's sessions on this node {} KiB together; all \
                 apps' sessions on this node {} KiB together, the app holding the most \
                 losing its oldest first); frame {} went for {}; open it for its page \
                 and poll after the `pushed` it answers",
                after + 1,
                first - 1,
                MAX_PUSH_BYTES / 1024,
                self.app.most() / 1024,
                self.app.node().most() / 1024,
                first - 1,
                self.gone_for(log.gone),
            )));
        }
        Ok((log.kept.iter())
            .filter(|(seq, _, _)| *seq > after)
            .map(|(_, _, text)| text.clone())
            .collect())
    }

    /// What dropped a push, in a client's words.
    fn gone_for(&self, why: Option<Bound>) -> String {
        match why {
            Some(Bound::Count) => format!("the session's {MAX_PUSHES} pushes"),
            Some(Bound::SessionBytes) => format!("the session's {} KiB", MAX_PUSH_BYTES / 1024),
            Some(Bound::AppBytes) => {
                format!("its app's {} KiB on this node", self.app.most() / 1024)
            }
            Some(Bound::NodeBytes) => format!(
                "this node's {} KiB of push logs, its app holding the most",
                self.app.node().most() / 1024
            ),
            None => "a bound".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::push_logs::PushFigures;
    use super::*;
    use crate::metrics::label;

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
        assert!(lock(&pushes.log).bytes > MAX_PUSH_BYTES);
    }

    #[test]
    fn an_app_s_sessions_keep_their_logs_within_its_bytes_together() {
        let node = NodePushes::new(DEFAULT_NODE_PUSH_BYTES, Default::default());
        let app = node.app("demo", MAX_PUSH_BYTES);
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

    #[test]
    fn past_the_node_s_bound_the_app_holding_the_most_loses_its_oldest_first() {
        let figures = PushFigures::default();
        let node = NodePushes::new(MAX_PUSH_BYTES, figures.clone());
        let quarter = || vec![json!({ "type": "log", "text": "x".repeat(MAX_PUSH_BYTES / 4) })];
        let (busy, quiet) = (
            node.app("busy", MAX_APP_PUSH_BYTES),
            node.app("quiet", MAX_APP_PUSH_BYTES),
        );
        let (first, second) = (Pushes::of_app(busy.clone()), Pushes::of_app(busy.clone()));
        first.publish(quarter(), None);
        second.publish(quarter(), None);
        first.publish(quarter(), None);
        let other = Pushes::of_app(quiet.clone());
        other.publish(quarter(), None);
        assert!(node.bytes() <= MAX_PUSH_BYTES, "{} bytes", node.bytes());
        // The busy app's oldest push (its first session's first) went, not
        // the quiet app's, which pushed last.
        assert_eq!(other.after(0).unwrap().len(), 1);
        assert_eq!(second.after(0).unwrap().len(), 1);
        let lost = first.after(0).unwrap_err().0;
        assert!(lost.contains("frames 1 to 1 are gone"), "{lost}");
        assert!(
            lost.contains("frame 1 went for this node's 256 KiB"),
            "{lost}"
        );
        assert_eq!(first.after(1).unwrap().len(), 1);
        // The quiet app pushes a larger one: now it holds the most and
        // loses its own oldest.
        let larger = vec![json!({ "type": "log", "text": "x".repeat(MAX_PUSH_BYTES * 3 / 8) })];
        other.publish(larger, None);
        assert!(node.bytes() <= MAX_PUSH_BYTES, "{} bytes", node.bytes());
        assert_eq!(busy.bytes() + quiet.bytes(), node.bytes());
        assert!(other.after(0).is_err());
        assert_eq!(other.after(1).unwrap().len(), 1);
        assert_eq!(
            second.after(0).unwrap().len(),
            1,
            "the busy app keeps the rest"
        );
        let dropped = |app: &str| figures.dropped.get_or_create(&label(app)).get();
        assert_eq!((dropped("busy"), dropped("quiet")), (1, 1));
        let held = figures.bytes.get_or_create(&label("quiet")).get();
        assert_eq!(held as usize, quiet.bytes());
        drop((first, second, other));
        assert_eq!(node.bytes(), 0);
    }

    #[test]
    fn the_node_s_bound_takes_an_app_s_oldest_pushes_across_its_sessions() {
        let node = NodePushes::new(8 * 1024, PushFigures::default());
        let app = node.app("demo", MAX_APP_PUSH_BYTES);
        let (a, b) = (Pushes::of_app(app.clone()), Pushes::of_app(app.clone()));
        let kib = || vec![json!({ "type": "log", "text": "x".repeat(1000) })];
        for _ in 0..6 {
            a.publish(kib(), None);
            b.publish(kib(), None);
        }
        // Seven pushes of about 1 KiB fit in 8 KiB less a 64th: the
        // latest seven of both sessions, in the order they were pushed.
        assert!(node.bytes() <= 8 * 1024 - 128, "{} bytes", node.bytes());
        assert_eq!(a.after(3).unwrap().len(), 3);
        assert!(a.after(2).is_err());
        assert_eq!(b.after(2).unwrap().len(), 4);
        assert!(b.after(1).is_err());
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
