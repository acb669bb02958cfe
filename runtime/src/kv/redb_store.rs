//! [`KvStore`] on redb: an embedded, crash-safe (copy-on-write B-tree,
//! checksummed commits) database in one file.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable};

use super::group_commit::{Durable, Locked, Overlay};
use super::read_cache::ReadCache;
use super::redb_tables::{DATA, USAGE, backend};
use super::{KvError, KvLimits, KvStore, KvUsage, KvWrites, Persisting};

/// A [`KvStore`] in one redb database file.
pub struct RedbStore {
    db: Arc<Database>,
    /// With group commit: the writes in memory and the commit thread.
    group: Option<Group>,
    /// Values read from the database (a hot key needs no transaction).
    cache: ReadCache,
}

/// Group commit: the writes not yet durable, where writers ask for them to
/// be made durable, and the thread that does it (joined on drop: it holds
/// the database open, and commits what is left first).
struct Group {
    overlay: Arc<Overlay>,
    requests: Option<std::sync::mpsc::Sender<Durable>>,
    committer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Group {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.committer.take() {
            let _ = thread.join();
        }
    }
}

impl RedbStore {
    /// Open (or create) the database at `path`: every write is one durable
    /// transaction.
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
            cache: ReadCache::default(),
        })
    }

    /// Open the database at `path` with group commit: a write lands in
    /// memory at once (every read sees it), and [`KvStore::persist`] makes
    /// every write so far durable. One thread writes them, in one durable
    /// transaction for every writer that asked before it began (and every
    /// 200 ms if nobody asked): under load many events share one
    /// transaction and one sync of the disk. See `group_commit.rs`.
    pub fn open_group_committed(path: &Path) -> Result<RedbStore, KvError> {
        let mut store = RedbStore::open(path)?;
        let (send, requests) = std::sync::mpsc::channel();
        let overlay = Arc::new(Overlay::default());
        let (db, committing) = (store.db.clone(), overlay.clone());
        let committer = std::thread::Builder::new()
            .name("miniapp-kv-commit".into())
            .spawn(move || committing.commit_in_groups(&db, &requests))
            .map_err(|e| KvError::Backend(format!("cannot start the commit thread: {e}")))?;
        store.group = Some(Group {
            overlay,
            requests: Some(send),
            committer: Some(committer),
        });
        Ok(store)
    }

    /// The stored usage of `ns`.
    fn stored_usage(&self, ns: &str) -> Result<KvUsage, KvError> {
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

    /// The stored value of `key`.
    fn stored(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(DATA).map_err(backend)?;
        Ok(table
            .get((ns, key))
            .map_err(backend)?
            .map(|v| v.value().to_vec()))
    }

    /// The stored keys of `ns`, sorted.
    fn stored_keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        let txn = self.db.begin_read().map_err(backend)?;
        keys_in(&txn.open_table(DATA).map_err(backend)?, ns)
    }

    /// Entry bytes of `key` now (in memory or stored), if it is set.
    fn entry_now(&self, locked: &Locked<'_>, ns: &str, key: &str) -> Result<Option<u64>, KvError> {
        Ok(match locked.value(ns, key) {
            Some(value) => value.map(|v| entry_bytes(key, v.len())),
            None => self.stored(ns, key)?.map(|v| entry_bytes(key, v.len())),
        })
    }

    /// Usage of `ns` now (in memory or stored).
    fn usage_now(&self, locked: &Locked<'_>, ns: &str) -> Result<KvUsage, KvError> {
        match locked.usage(ns) {
            Some(usage) => Ok(usage),
            None => self.stored_usage(ns),
        }
    }
}

impl RedbStore {
    /// [`KvStore::commit`] with group commit: every namespace checked, then
    /// every write put in memory, under one hold of the overlay's lock, so
    /// the commit thread takes all of them into one transaction or none.
    fn commit_in_memory(&self, locked: &mut Locked<'_>, batch: &[KvWrites]) -> Result<(), KvError> {
        let mut staged = Vec::new();
        for writes in batch {
            writes.check_expected(|key| match locked.value(&writes.ns, key) {
                Some(value) => Ok(value.map(<[u8]>::to_vec)),
                None => self.stored(&writes.ns, key),
            })?;
            let before = self.usage_now(locked, &writes.ns)?;
            let usage =
                writes.usage_after(before, |key| self.entry_now(locked, &writes.ns, key))?;
            let mut puts: Vec<(String, Option<&[u8]>)> = Vec::new();
            if writes.clear {
                let stored = self.stored_keys(&writes.ns)?;
                let gone = locked.keys(&writes.ns, stored).into_iter();
                puts.extend(
                    gone.filter(|k| !writes.entries.contains_key(k))
                        .map(|k| (k, None)),
                );
            }
            puts.extend(
                writes
                    .entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_deref())),
            );
            staged.push((writes.ns.as_str(), puts, usage));
        }
        for (ns, puts, usage) in staged {
            for (key, value) in puts {
                locked.put(ns, &key, value, usage);
                self.cache.forget(ns, &key);
            }
        }
        Ok(())
    }
}

/// [`KvStore::commit`] without group commit: one durable transaction,
/// dropped (aborted) at the first refusal.
fn commit_durably(db: &Database, batch: &[KvWrites]) -> Result<(), KvError> {
    let txn = db.begin_write().map_err(backend)?;
    {
        let mut data = txn.open_table(DATA).map_err(backend)?;
        let mut usage = txn.open_table(USAGE).map_err(backend)?;
        for writes in batch {
            let ns = writes.ns.as_str();
            writes.check_expected(|key| {
                let value = data.get((ns, key)).map_err(backend)?;
                Ok(value.map(|v| v.value().to_vec()))
            })?;
            let before = (usage.get(ns).map_err(backend)?)
                .map(|u| {
                    let (keys, bytes) = u.value();
                    KvUsage { keys, bytes }
                })
                .unwrap_or_default();
            let old = |key: &str| {
                let value = data.get((ns, key)).map_err(backend)?;
                Ok(value.map(|v| entry_bytes(key, v.value().len())))
            };
            let after = writes.usage_after(before, old)?;
            if writes.clear {
                for key in &keys_in(&data, ns)? {
                    data.remove((ns, key.as_str())).map_err(backend)?;
                }
            }
            for (key, value) in &writes.entries {
                match value {
                    Some(value) => data.insert((ns, key.as_str()), value.as_slice()).map(drop),
                    None => data.remove((ns, key.as_str())).map(drop),
                }
                .map_err(backend)?;
            }
            match after.keys {
                0 => usage.remove(ns).map(drop),
                _ => usage.insert(ns, (after.keys, after.bytes)).map(drop),
            }
            .map_err(backend)?;
        }
    }
    txn.commit().map_err(backend)
}

/// The keys of `ns` in `table`, sorted.
fn keys_in(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    ns: &str,
) -> Result<Vec<String>, KvError> {
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

fn entry_bytes(key: &str, value_len: usize) -> u64 {
    (key.len() + value_len) as u64
}

impl KvStore for RedbStore {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let reading = self.cache.start();
        if let Some(group) = &self.group
            && let Some(value) = group.overlay.lock()?.value(ns, key)
        {
            return Ok(value.map(<[u8]>::to_vec));
        }
        if let Some(value) = self.cache.get(ns, key) {
            return Ok(value);
        }
        let value = self.stored(ns, key)?;
        self.cache.fill(reading, ns, key, value.as_deref());
        Ok(value)
    }

    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError> {
        if let Some(group) = &self.group {
            let mut locked = group.overlay.lock()?;
            let used = self.usage_now(&locked, ns)?;
            let old = self.entry_now(&locked, ns, key)?;
            let keys = used.keys + u64::from(old.is_none());
            let bytes = used.bytes.saturating_sub(old.unwrap_or(0)) + entry_bytes(key, value.len());
            limits.check(keys, bytes)?;
            locked.put(ns, key, Some(value), KvUsage { keys, bytes });
            self.cache.forget(ns, key);
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(backend)?;
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
        let committed = txn.commit().map_err(backend);
        self.cache.forget(ns, key);
        committed
    }

    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError> {
        if let Some(group) = &self.group {
            let mut locked = group.overlay.lock()?;
            if let Some(size) = self.entry_now(&locked, ns, key)? {
                let used = self.usage_now(&locked, ns)?;
                let usage = KvUsage {
                    keys: used.keys.saturating_sub(1),
                    bytes: used.bytes.saturating_sub(size),
                };
                locked.put(ns, key, None, usage);
                self.cache.forget(ns, key);
            }
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(backend)?;
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
        let committed = txn.commit().map_err(backend);
        self.cache.forget(ns, key);
        committed
    }

    fn commit(&self, batch: &[KvWrites]) -> Result<(), KvError> {
        KvWrites::check_batch(batch)?;
        let committed = match &self.group {
            Some(group) => self.commit_in_memory(&mut group.overlay.lock()?, batch),
            None => commit_durably(&self.db, batch),
        };
        for writes in batch {
            if writes.clear {
                self.cache.forget_namespace(&writes.ns);
            }
            for key in writes.entries.keys() {
                self.cache.forget(&writes.ns, key);
            }
        }
        committed
    }

    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        match &self.group {
            // The database is read under the lock: the batch being
            // committed is either still in memory or stored, never neither.
            Some(group) => {
                let locked = group.overlay.lock()?;
                Ok(locked.keys(ns, self.stored_keys(ns)?))
            }
            None => self.stored_keys(ns),
        }
    }

    fn clear(&self, ns: &str) -> Result<(), KvError> {
        if let Some(group) = &self.group {
            let mut locked = group.overlay.lock()?;
            for key in locked.keys(ns, self.stored_keys(ns)?) {
                locked.put(ns, &key, None, KvUsage::default());
            }
            self.cache.forget_namespace(ns);
            return Ok(());
        }
        // The keys are listed inside the write transaction, so a write that
        // lands between listing and removing cannot survive the clear (or
        // leave the namespace's usage miscounted).
        let txn = self.db.begin_write().map_err(backend)?;
        {
            let mut data = txn.open_table(DATA).map_err(backend)?;
            for key in &keys_in(&data, ns)? {
                data.remove((ns, key.as_str())).map_err(backend)?;
            }
            let mut usage = txn.open_table(USAGE).map_err(backend)?;
            usage.remove(ns).map_err(backend)?;
        }
        let committed = txn.commit().map_err(backend);
        self.cache.forget_namespace(ns);
        committed
    }

    fn usage(&self, ns: &str) -> Result<KvUsage, KvError> {
        if let Some(group) = &self.group
            && let Some(usage) = group.overlay.lock()?.usage(ns)
        {
            return Ok(usage);
        }
        self.stored_usage(ns)
    }

    fn check(&self) -> Result<(), KvError> {
        match &self.group {
            Some(group) => group.overlay.lock().map(drop),
            None => Ok(()),
        }
    }

    fn failures(&self) -> u64 {
        self.group.as_ref().map_or(0, |g| g.overlay.failures())
    }

    fn writes_are_quick(&self) -> bool {
        self.group.is_some()
    }

    fn persist(&self) -> Persisting {
        let Some(requests) = self.group.as_ref().and_then(|g| g.requests.as_ref()) else {
            return Box::pin(std::future::ready(Ok(())));
        };
        let (send, durable) = tokio::sync::oneshot::channel();
        let asked = requests.send(send);
        Box::pin(async move {
            asked.map_err(|_| KvError::Backend("the commit thread stopped".into()))?;
            durable
                .await
                .map_err(|_| KvError::Backend("the commit thread stopped".into()))?
        })
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
    /// A read keeps the stored value in memory; every kind of write,
    /// direct or group-committed, is seen by the next read (never the
    /// value read before it).
    #[tokio::test]
    async fn a_read_after_a_write_sees_the_write_not_the_value_read_before() {
        let dir = tempfile::tempdir().unwrap();
        let direct = RedbStore::open(&dir.path().join("direct.redb")).unwrap();
        let grouped = RedbStore::open_group_committed(&dir.path().join("group.redb")).unwrap();
        for store in [&direct, &grouped] {
            store.set("ns", "k", b"one", ROOMY).unwrap();
            store.persist().await.unwrap();
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"one"[..]));
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"one"[..]));
            store.set("ns", "k", b"two", ROOMY).unwrap();
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"two"[..]));
            store.persist().await.unwrap();
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"two"[..]));
            store.remove("ns", "k").unwrap();
            assert_eq!(store.get("ns", "k").unwrap(), None);
            store.set("ns", "k", b"three", ROOMY).unwrap();
            assert_eq!(
                store.get("ns", "k").unwrap().as_deref(),
                Some(&b"three"[..])
            );
            let batch = KvWrites::new("ns", ROOMY).with("k", b"four".to_vec());
            store.commit(&[batch]).unwrap();
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"four"[..]));
            store.persist().await.unwrap();
            assert_eq!(store.get("ns", "k").unwrap().as_deref(), Some(&b"four"[..]));
            store.clear("ns").unwrap();
            assert_eq!(store.get("ns", "k").unwrap(), None);
            store.persist().await.unwrap();
            assert_eq!(store.get("ns", "k").unwrap(), None);
        }
    }

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

    /// Writes wait in memory, where reads see them, until persisted; what
    /// nobody persisted is committed when the store is dropped.
    #[tokio::test]
    async fn group_committed_reads_see_writes_before_they_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.redb");
        {
            let store = RedbStore::open_group_committed(&path).unwrap();
            store.set("a", "k", b"one", ROOMY).unwrap();
            store.persist().await.unwrap();
            store.set("a", "k", b"two", ROOMY).unwrap();
            store.set("a", "j", b"3", ROOMY).unwrap();
            store.remove("a", "k").unwrap();
            assert_eq!(store.get("a", "k").unwrap(), None);
            assert_eq!(store.keys("a").unwrap(), ["j"]);
            assert_eq!(store.usage("a").unwrap(), KvUsage { keys: 1, bytes: 2 });
            store.set("a", "k", b"four", ROOMY).unwrap();
            store.clear("b").unwrap();
        }
        let store = RedbStore::open(&path).unwrap();
        assert_eq!(store.keys("a").unwrap(), ["j", "k"]);
        assert_eq!(store.get("a", "k").unwrap().unwrap(), b"four");
        assert_eq!(store.usage("a").unwrap(), KvUsage { keys: 2, bytes: 7 });
    }

    /// Many writers at once, persisting as they go: what is stored at the
    /// end is what they wrote, and every namespace's usage adds up.
    #[test]
    fn concurrent_group_committed_writers_keep_usage_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.redb");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        {
            let store = Arc::new(RedbStore::open_group_committed(&path).unwrap());
            let writers: Vec<_> = (0..4)
                .map(|w| {
                    let store = store.clone();
                    let handle = runtime.handle().clone();
                    std::thread::spawn(move || {
                        for i in 0..300u32 {
                            let ns = ["shared", "own"][(i % 2) as usize];
                            let key = format!("k{}", (i * 7 + w) % 23);
                            match i % 5 {
                                0 => store.remove(ns, &key).unwrap(),
                                3 if i % 60 == 3 => store.clear(ns).unwrap(),
                                _ => {
                                    let value = vec![b'x'; (i % 17) as usize];
                                    store.set(ns, &key, &value, ROOMY).unwrap()
                                }
                            }
                            if i % 10 == 0 {
                                handle.block_on(store.persist()).unwrap();
                            }
                        }
                    })
                })
                .collect();
            for writer in writers {
                writer.join().unwrap();
            }
            runtime.block_on(store.persist()).unwrap();
        }
        let store = RedbStore::open(&path).unwrap();
        for ns in ["shared", "own"] {
            let keys = store.keys(ns).unwrap();
            let bytes: u64 = (keys.iter())
                .map(|k| entry_bytes(k, store.get(ns, k).unwrap().unwrap().len()))
                .sum();
            let usage = KvUsage {
                keys: keys.len() as u64,
                bytes,
            };
            assert_eq!(store.usage(ns).unwrap(), usage, "namespace {ns}");
        }
    }

    async fn futures_join<A: std::future::Future, B: std::future::Future>(
        a: A,
        b: B,
    ) -> (A::Output, B::Output) {
        tokio::join!(a, b)
    }
}
