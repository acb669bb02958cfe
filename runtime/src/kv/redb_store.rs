//! [`KvStore`] on redb: an embedded, crash-safe (copy-on-write B-tree,
//! checksummed commits) database in one file.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, Durability, ReadableTable, TableDefinition, WriteTransaction};

use super::{KvError, KvLimits, KvStore, KvUsage, Persisting};

/// (namespace, key) -> value.
const DATA: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("data");
/// namespace -> (keys, bytes).
const USAGE: TableDefinition<&str, (u64, u64)> = TableDefinition::new("usage");

/// A [`KvStore`] in one redb database file.
pub struct RedbStore {
    db: Arc<Database>,
    /// With group commit: where writers ask for their writes to be made durable.
    group: Option<std::sync::mpsc::Sender<tokio::sync::oneshot::Sender<Result<(), KvError>>>>,
    /// The commit thread, joined on drop (it holds the database open).
    committer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RedbStore {
    fn drop(&mut self) {
        self.group = None;
        if let Some(thread) = self.committer.take() {
            let _ = thread.join();
        }
    }
}

fn backend(e: impl std::fmt::Display) -> KvError {
    KvError::Backend(e.to_string())
}

impl RedbStore {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<RedbStore, KvError> {
        let db = Database::create(path)
            .map_err(|e| KvError::Backend(format!("cannot open {}: {e}", path.display())))?;
        // Create the tables once; a read transaction tells whether they exist
        // (a write transaction would cost a durable commit on every open).
        let has_tables = db
            .begin_read()
            .map_err(backend)?
            .list_tables()
            .map_err(backend)?
            .count()
            >= 2;
        if !has_tables {
            let txn = db.begin_write().map_err(backend)?;
            txn.open_table(DATA).map_err(backend)?;
            txn.open_table(USAGE).map_err(backend)?;
            txn.commit().map_err(backend)?;
        }
        Ok(RedbStore {
            db: Arc::new(db),
            group: None,
            committer: None,
        })
    }

    /// Open the database at `path` with group commit: a write commits at
    /// once but without waiting for the disk, and [`KvStore::persist`] makes
    /// every write so far durable. One thread does the durable commits, each
    /// for every writer that asked before it began: under load many events
    /// share one sync of the disk instead of one each.
    pub fn open_group_committed(path: &Path) -> Result<RedbStore, KvError> {
        let mut store = RedbStore::open(path)?;
        let (send, requests) = std::sync::mpsc::channel();
        let db = store.db.clone();
        let committer = std::thread::Builder::new()
            .name("miniapp-kv-commit".into())
            .spawn(move || commit_in_groups(&db, &requests))
            .map_err(|e| KvError::Backend(format!("cannot start the commit thread: {e}")))?;
        store.group = Some(send);
        store.committer = Some(committer);
        Ok(store)
    }

    /// A write transaction: durable at commit, or not yet with group commit.
    fn begin_write(&self) -> Result<WriteTransaction, KvError> {
        let mut txn = self.db.begin_write().map_err(backend)?;
        if self.group.is_some() {
            txn.set_durability(Durability::None);
        }
        Ok(txn)
    }
}

/// Answer requests for durability in groups: take every request waiting,
/// make one durable commit (it makes the commits before it durable too),
/// answer them all. Ends when the store is dropped.
fn commit_in_groups(
    db: &Database,
    requests: &std::sync::mpsc::Receiver<tokio::sync::oneshot::Sender<Result<(), KvError>>>,
) {
    while let Ok(first) = requests.recv() {
        let mut waiting = vec![first];
        waiting.extend(requests.try_iter());
        let durable = (|| {
            let mut txn = db.begin_write().map_err(backend)?;
            txn.set_durability(Durability::Immediate);
            txn.commit().map_err(backend)
        })();
        for writer in waiting {
            let _ = writer.send(durable.clone());
        }
    }
}

fn entry_bytes(key: &str, value_len: usize) -> u64 {
    (key.len() + value_len) as u64
}

impl KvStore for RedbStore {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(DATA).map_err(backend)?;
        Ok(table
            .get((ns, key))
            .map_err(backend)?
            .map(|v| v.value().to_vec()))
    }

    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError> {
        let txn = self.begin_write()?;
        {
            let mut data = txn.open_table(DATA).map_err(backend)?;
            let mut usage = txn.open_table(USAGE).map_err(backend)?;
            let (keys, bytes) = usage
                .get(ns)
                .map_err(backend)?
                .map(|u| u.value())
                .unwrap_or((0, 0));
            let old = data
                .get((ns, key))
                .map_err(backend)?
                .map(|v| entry_bytes(key, v.value().len()));
            let new_keys = keys + u64::from(old.is_none());
            let new_bytes = bytes.saturating_sub(old.unwrap_or(0)) + entry_bytes(key, value.len());
            limits.check(new_keys, new_bytes)?;
            data.insert((ns, key), value).map_err(backend)?;
            usage.insert(ns, (new_keys, new_bytes)).map_err(backend)?;
        }
        txn.commit().map_err(backend)
    }

    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError> {
        let txn = self.begin_write()?;
        {
            let mut data = txn.open_table(DATA).map_err(backend)?;
            let removed = data
                .remove((ns, key))
                .map_err(backend)?
                .map(|v| entry_bytes(key, v.value().len()));
            if let Some(size) = removed {
                let mut usage = txn.open_table(USAGE).map_err(backend)?;
                let (keys, bytes) = usage
                    .get(ns)
                    .map_err(backend)?
                    .map(|u| u.value())
                    .unwrap_or((1, size));
                usage
                    .insert(ns, (keys.saturating_sub(1), bytes.saturating_sub(size)))
                    .map_err(backend)?;
            }
        }
        txn.commit().map_err(backend)
    }

    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(DATA).map_err(backend)?;
        let mut keys = Vec::new();
        for entry in table.range((ns, "")..).map_err(backend)? {
            let (k, _) = entry.map_err(backend)?;
            let (entry_ns, key) = k.value();
            if entry_ns != ns {
                break;
            }
            keys.push(key.to_string());
        }
        Ok(keys)
    }

    fn clear(&self, ns: &str) -> Result<(), KvError> {
        // The keys are listed inside the write transaction, so a write that
        // lands between listing and removing cannot survive the clear (or
        // leave the namespace's usage miscounted).
        let txn = self.begin_write()?;
        {
            let mut data = txn.open_table(DATA).map_err(backend)?;
            let mut keys = Vec::new();
            for entry in data.range((ns, "")..).map_err(backend)? {
                let (k, _) = entry.map_err(backend)?;
                let (entry_ns, key) = k.value();
                if entry_ns != ns {
                    break;
                }
                keys.push(key.to_string());
            }
            for key in &keys {
                data.remove((ns, key.as_str())).map_err(backend)?;
            }
            let mut usage = txn.open_table(USAGE).map_err(backend)?;
            usage.remove(ns).map_err(backend)?;
        }
        txn.commit().map_err(backend)
    }

    fn persist(&self) -> Persisting {
        let Some(group) = &self.group else {
            return Box::pin(std::future::ready(Ok(())));
        };
        let (send, durable) = tokio::sync::oneshot::channel();
        let asked = group.send(send);
        Box::pin(async move {
            asked.map_err(|_| KvError::Backend("the commit thread stopped".into()))?;
            durable
                .await
                .map_err(|_| KvError::Backend("the commit thread stopped".into()))?
        })
    }

    fn usage(&self, ns: &str) -> Result<KvUsage, KvError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(USAGE).map_err(backend)?;
        Ok(table
            .get(ns)
            .map_err(backend)?
            .map(|u| {
                let (keys, bytes) = u.value();
                KvUsage { keys, bytes }
            })
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: KvLimits = KvLimits {
        max_bytes: 1 << 20,
        max_keys: 100,
    };

    #[test]
    fn behaves_as_every_store_must() {
        let dir = tempfile::tempdir().unwrap();
        crate::kv::behaviour::check(&RedbStore::open(&dir.path().join("kv.redb")).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let grouped = RedbStore::open_group_committed(&dir.path().join("kv.redb")).unwrap();
        crate::kv::behaviour::check(&grouped);
    }

    /// Reads before anything was written find nothing and create no
    /// database (a launch reads the quarantine record); then it behaves.
    #[test]
    fn a_lazy_store_reads_without_creating_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.redb");
        let lazy = crate::kv::LazyRedbStore::new(path.clone());
        assert_eq!(lazy.get("a", "k").unwrap(), None);
        assert!(lazy.keys("a").unwrap().is_empty());
        assert_eq!(lazy.usage("a").unwrap(), KvUsage::default());
        assert!(!path.exists(), "a read created the database");
        crate::kv::behaviour::check(&lazy);
        assert!(path.exists());
    }

    #[test]
    fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.redb");
        RedbStore::open(&path)
            .unwrap()
            .set("a", "k", b"v", ROOMY)
            .unwrap();
        let store = RedbStore::open(&path).unwrap();
        assert_eq!(store.get("a", "k").unwrap().unwrap(), b"v");
        assert_eq!(store.usage("a").unwrap(), KvUsage { keys: 1, bytes: 2 });
    }

    /// Writes of many writers made durable by one group commit survive a
    /// reopen; quotas hold as without group commit.
    #[tokio::test]
    async fn group_committed_writes_are_durable_once_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.redb");
        {
            let store = RedbStore::open_group_committed(&path).unwrap();
            for i in 0..20 {
                store.set("a", &format!("k{i}"), b"v", ROOMY).unwrap();
            }
            let over = KvLimits {
                max_bytes: 1 << 20,
                max_keys: 20,
            };
            assert!(store.set("a", "one-too-many", b"v", over).is_err());
            let persisted = futures_join(store.persist(), store.persist()).await;
            assert!(persisted.0.is_ok() && persisted.1.is_ok());
        }
        let store = RedbStore::open(&path).unwrap();
        assert_eq!(store.usage("a").unwrap().keys, 20);
    }

    async fn futures_join<A: std::future::Future, B: std::future::Future>(
        a: A,
        b: B,
    ) -> (A::Output, B::Output) {
        tokio::join!(a, b)
    }
}
