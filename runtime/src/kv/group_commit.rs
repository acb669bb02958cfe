//! Group commit for [`RedbStore`](super::RedbStore): a write lands in memory
//! at once, where every read sees it, and one thread writes everything
//! waiting to the database in one durable transaction for every writer that
//! asked for durability meanwhile. Under load, many events share one
//! transaction and one sync of the disk, and no writer waits for the
//! database's write lock.
//!
//! A failed durable commit loses what it carried and everything written
//! after it, so the store refuses from then on (as redb does after an I/O
//! error): every later write, read and [`KvStore::persist`] fails, and the
//! host stops taking work until it is restarted on what is on disk.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redb::{Database, Durability};

use super::redb_tables::{DATA, USAGE, backend};
use super::{KvError, KvUsage};

/// Writes nobody asked to persist are committed after this long anyway.
const IDLE_COMMIT: Duration = Duration::from_millis(200);

/// Under load (the last group had several writers), the commit thread
/// waits this long for more before it commits: a commit costs about the
/// same for 3 writes as for 10. Measured at 4,000 events/s over 1,000
/// sessions: the server's CPU per event 19% lower, p50 latency 0.3 ms
/// higher. A lone writer never waits.
const GATHER: Duration = Duration::from_micros(500);

/// An answer to a writer that asked for durability.
pub(super) type Durable = tokio::sync::oneshot::Sender<Result<(), KvError>>;

/// Writes not yet durable: a value (`None`: removed) per (namespace, key),
/// and the usage each namespace they touched has with them.
#[derive(Default)]
pub(super) struct Batch {
    entries: BTreeMap<(String, String), Option<Vec<u8>>>,
    usage: HashMap<String, KvUsage>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.usage.is_empty()
    }
}

/// The writes in memory: those still open to new writes, and the batch
/// the commit thread is writing.
#[derive(Default)]
struct Batches {
    open: Batch,
    committing: Option<Arc<Batch>>,
    /// Why the store refuses, once a durable commit failed.
    broken: Option<String>,
}

/// The writes a group-committed store holds in memory.
#[derive(Default)]
pub(super) struct Overlay {
    batches: Mutex<Batches>,
    /// Durable commits that failed.
    failures: AtomicU64,
}

/// The overlay, locked: writers hold it from reading the old value to
/// writing the new one, so quota checks see every write before theirs.
pub(super) struct Locked<'a>(MutexGuard<'a, Batches>);

impl Overlay {
    /// Lock the overlay; refused once a durable commit failed.
    pub(super) fn lock(&self) -> Result<Locked<'_>, KvError> {
        let batches = self.batches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(why) = &batches.broken {
            return Err(KvError::Backend(why.clone()));
        }
        Ok(Locked(batches))
    }

    /// Durable commits that failed.
    pub(super) fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The commit thread: at each request for durability (or after
    /// [`IDLE_COMMIT`] with writes waiting), write the open batch in one
    /// durable transaction and answer every request taken before it. Ends
    /// when the store is dropped, after committing what is left.
    pub(super) fn commit_in_groups(&self, db: &Database, requests: &Receiver<Durable>) {
        let mut busy = false;
        loop {
            let (waiting, last) = match requests.recv_timeout(IDLE_COMMIT) {
                Ok(first) => {
                    if busy {
                        std::thread::sleep(GATHER);
                    }
                    let mut waiting = vec![first];
                    waiting.extend(requests.try_iter());
                    busy = waiting.len() > 1;
                    (waiting, false)
                }
                Err(RecvTimeoutError::Timeout) => (Vec::new(), false),
                Err(RecvTimeoutError::Disconnected) => (Vec::new(), true),
            };
            let durable = self.commit_open(db);
            for writer in waiting {
                let _ = writer.send(durable.clone());
            }
            if last {
                return;
            }
        }
    }

    /// Write the open batch durably (a durable commit also makes redb's
    /// earlier commits durable).
    fn commit_open(&self, db: &Database) -> Result<(), KvError> {
        let batch = {
            let mut batches = self.lock()?.0;
            if batches.open.is_empty() {
                return Ok(());
            }
            let batch = Arc::new(std::mem::take(&mut batches.open));
            batches.committing = Some(batch.clone());
            batch
        };
        let written = write(db, &batch);
        let mut batches = self.batches.lock().unwrap_or_else(|e| e.into_inner());
        batches.committing = None;
        if let Err(e) = &written {
            self.failures.fetch_add(1, Ordering::Relaxed);
            batches.open = Batch::default();
            batches.broken = Some(format!(
                "a durable commit failed ({e}); restart on what is on disk"
            ));
        }
        written
    }
}

/// One durable transaction with every write of `batch`.
fn write(db: &Database, batch: &Batch) -> Result<(), KvError> {
    let mut txn = db.begin_write().map_err(backend)?;
    txn.set_durability(Durability::Immediate);
    {
        let mut data = txn.open_table(DATA).map_err(backend)?;
        for ((ns, key), value) in &batch.entries {
            match value {
                Some(value) => data.insert((ns.as_str(), key.as_str()), value.as_slice()),
                None => data.remove((ns.as_str(), key.as_str())),
            }
            .map_err(backend)?;
        }
        let mut usage = txn.open_table(USAGE).map_err(backend)?;
        for (ns, used) in &batch.usage {
            match used.keys {
                0 => usage.remove(ns.as_str()).map(drop),
                _ => usage.insert(ns.as_str(), (used.keys, used.bytes)).map(drop),
            }
            .map_err(backend)?;
        }
    }
    txn.commit().map_err(backend)
}

impl Locked<'_> {
    fn batches(&self) -> impl Iterator<Item = &Batch> {
        std::iter::once(&self.0.open).chain(self.0.committing.as_deref())
    }

    /// The value of `key` in memory: `Some(None)` if removed there, `None`
    /// if only the database knows.
    pub(super) fn value(&self, ns: &str, key: &str) -> Option<Option<&[u8]>> {
        let at = (ns.to_string(), key.to_string());
        (self.batches())
            .find_map(|b| b.entries.get(&at))
            .map(|v| v.as_deref())
    }

    /// The namespace's usage in memory, if a write touched it.
    pub(super) fn usage(&self, ns: &str) -> Option<KvUsage> {
        self.batches().find_map(|b| b.usage.get(ns)).copied()
    }

    /// The namespace's keys: `stored` (the database's) with the writes in
    /// memory applied, sorted.
    pub(super) fn keys(&self, ns: &str, stored: Vec<String>) -> Vec<String> {
        let mut keys: BTreeMap<String, bool> = stored.into_iter().map(|k| (k, true)).collect();
        // The committing batch is older than the open one: applied first.
        let batches: Vec<&Batch> = self.batches().collect();
        for batch in batches.into_iter().rev() {
            let from = (ns.to_string(), String::new());
            for ((entry_ns, key), value) in batch.entries.range(from..) {
                if entry_ns != ns {
                    break;
                }
                keys.insert(key.clone(), value.is_some());
            }
        }
        (keys.into_iter())
            .filter_map(|(key, present)| present.then_some(key))
            .collect()
    }

    /// Set (`Some`) or remove (`None`) `key`, the namespace then using `usage`.
    pub(super) fn put(&mut self, ns: &str, key: &str, value: Option<&[u8]>, usage: KvUsage) {
        let open = &mut self.0.open;
        (open.entries).insert((ns.to_string(), key.to_string()), value.map(<[u8]>::to_vec));
        open.usage.insert(ns.to_string(), usage);
    }
}
