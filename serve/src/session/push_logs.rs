//! The bounds the push logs of a node's sessions keep together: each app's
//! sessions at most [`MAX_APP_PUSH_BYTES`](super::MAX_APP_PUSH_BYTES), and
//! all apps' at most the node's bound (`--push-log-bytes`, `[sessions]
//! push_log_bytes`). Past the node's, the app holding the most bytes (over
//! its share of the bound whatever the number of apps) loses its oldest
//! pushes first, across its sessions, until the node is a 64th under it
//! (or another app holds more, which then loses its own).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

use super::pushes::Log;
use crate::metrics::{AppLabel, label};

/// Bytes of push frames the logs of all sessions on a node keep together
/// by default: 256 MiB (16 apps' full logs).
pub const DEFAULT_NODE_PUSH_BYTES: usize = 256 * 1024 * 1024;

/// What made a log drop a push, named to a client that asks for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The session's count of pushes.
    Count,
    /// The session's bytes.
    SessionBytes,
    /// Its app's sessions' bytes on the node.
    AppBytes,
    /// The node's bytes, its app holding the most.
    NodeBytes,
}

/// The push-log figures `/metrics` shows per app: the bytes held, and the
/// pushes dropped for the node's bound.
#[derive(Clone, Default)]
pub struct PushFigures {
    /// `miniapp_push_log_bytes{app}`.
    pub bytes: Family<AppLabel, Gauge>,
    /// `miniapp_push_log_dropped_total{app}`.
    pub dropped: Family<AppLabel, Counter>,
}

/// The push logs of every app's sessions on a node, bounded together.
pub struct NodePushes {
    /// Each app's logs, while one of its sessions has one.
    apps: Mutex<HashMap<String, Weak<AppPushes>>>,
    bytes: AtomicUsize,
    most: usize,
    /// Numbers the node's pushes in the order they were logged, so that
    /// "oldest" compares the pushes of different sessions.
    logged: AtomicU64,
    /// One trim at a time (a trim takes one log's lock at a time).
    trimming: Mutex<()>,
    figures: PushFigures,
}

/// The push logs of one app's sessions on a node, bounded together.
pub struct AppPushes {
    id: String,
    bytes: AtomicUsize,
    most: usize,
    /// Its sessions' logs.
    logs: Mutex<Vec<Weak<Mutex<Log>>>>,
    node: Arc<NodePushes>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl NodePushes {
    /// A node whose logs keep `most` bytes together, its figures in
    /// `figures`.
    pub fn new(most: usize, figures: PushFigures) -> Arc<NodePushes> {
        Arc::new(NodePushes {
            apps: Mutex::default(),
            bytes: AtomicUsize::new(0),
            most,
            logged: AtomicU64::new(0),
            trimming: Mutex::default(),
            figures,
        })
    }

    /// The logs of app `id`'s sessions, bounded at `app_most` bytes
    /// together (shared by every session of the app while one is here).
    pub fn app(self: &Arc<Self>, id: &str, app_most: usize) -> Arc<AppPushes> {
        let mut apps = lock(&self.apps);
        if let Some(app) = apps.get(id).and_then(Weak::upgrade) {
            return app;
        }
        apps.retain(|_, app| app.strong_count() > 0);
        let app = Arc::new(AppPushes {
            id: id.to_string(),
            bytes: AtomicUsize::new(0),
            most: app_most,
            logs: Mutex::default(),
            node: self.clone(),
        });
        apps.insert(id.to_string(), Arc::downgrade(&app));
        app
    }

    /// Bytes all the node's logs hold now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Bytes the node's logs keep together.
    pub fn most(&self) -> usize {
        self.most
    }

    /// The next push's place in the node's order.
    pub(super) fn next_logged(&self) -> u64 {
        self.logged.fetch_add(1, Ordering::Relaxed)
    }

    /// Past the node's bound, drop pushes until it holds a 64th less (so
    /// that the next pushes do not each look for the oldest): each time
    /// the oldest push of the app that holds the most. Called with no log
    /// locked.
    pub(super) fn trim(&self) {
        if self.bytes() <= self.most {
            return;
        }
        let _one = lock(&self.trimming);
        let low = self.most - self.most / 64;
        while self.bytes() > low {
            let Some((app, next)) = self.fullest() else {
                return;
            };
            let within = || self.bytes() <= low || app.bytes() < next;
            let dropped = app.drop_oldest_until(within);
            if dropped == 0 {
                return;
            }
            (self.figures.dropped.get_or_create(&label(&app.id))).inc_by(dropped);
        }
    }

    /// The app whose logs hold the most bytes, and the bytes the next
    /// fullest holds.
    fn fullest(&self) -> Option<(Arc<AppPushes>, usize)> {
        let apps = lock(&self.apps);
        let mut live: Vec<Arc<AppPushes>> = apps.values().filter_map(Weak::upgrade).collect();
        live.sort_by_key(|app| Reverse(app.bytes()));
        let next = live.get(1).map_or(0, |app| app.bytes());
        let fullest = live.into_iter().next().filter(|app| app.bytes() > 0)?;
        Some((fullest, next))
    }
}

impl AppPushes {
    /// Bytes the app's logs hold now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Bytes the app's logs keep together.
    pub fn most(&self) -> usize {
        self.most
    }

    /// The node the app's logs are on.
    pub fn node(&self) -> &NodePushes {
        &self.node
    }

    /// A session's log joins the app's.
    pub(super) fn enter(&self, log: &Arc<Mutex<Log>>) {
        lock(&self.logs).push(Arc::downgrade(log));
    }

    /// A session's log leaves, giving back the `bytes` it held.
    pub(super) fn leave(&self, log: &Arc<Mutex<Log>>, bytes: usize) {
        lock(&self.logs).retain(|other| !std::ptr::eq(other.as_ptr(), Arc::as_ptr(log)));
        self.give_back(bytes);
    }

    /// `bytes` more are held by one of the app's logs.
    pub(super) fn take(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.node.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.show();
    }

    /// `bytes` fewer are held by one of the app's logs.
    pub(super) fn give_back(&self, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.node.bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.show();
    }

    fn show(&self) {
        let gauge = self.node.figures.bytes.get_or_create(&label(&self.id));
        gauge.set(self.bytes() as i64);
    }

    /// Drop the oldest pushes of the app's sessions for the node's bound,
    /// oldest first, until `within` holds: how many. Each log is locked
    /// once to find its oldest, then once per push it loses.
    fn drop_oldest_until(&self, within: impl Fn() -> bool) -> u64 {
        let logs: Vec<Arc<Mutex<Log>>> =
            lock(&self.logs).iter().filter_map(Weak::upgrade).collect();
        let mut oldest: BinaryHeap<Reverse<(u64, usize)>> = (logs.iter().enumerate())
            .filter_map(|(i, log)| Some(Reverse((lock(log).oldest()?, i))))
            .collect();
        let mut dropped = 0;
        while !within() {
            let Some(Reverse((_, i))) = oldest.pop() else {
                break;
            };
            let mut log = lock(&logs[i]);
            if let Some(bytes) = log.drop_front(Bound::NodeBytes) {
                self.give_back(bytes);
                dropped += 1;
            }
            if let Some(next) = log.oldest() {
                oldest.push(Reverse((next, i)));
            }
        }
        dropped
    }
}
