//! The durable key-value store behind app storage and consent decisions.
//!
//! [`KvStore`] is the seam: [`RedbStore`] keeps data in an embedded,
//! crash-safe database under the data directory; a networked backend can
//! implement the same trait. Keys live in namespaces (one per app, or per app
//! and user), and every namespace keeps its usage so quotas are checked in the
//! same transaction that writes.

mod group_commit;
mod read_cache;
mod redb_store;
mod redb_tables;
mod writes;

pub use redb_store::RedbStore;
pub use writes::KvWrites;

pub mod behaviour;

/// Bounds a write must respect, checked atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvLimits {
    /// Bytes of keys and values together in the namespace.
    pub max_bytes: u64,
    /// Keys in the namespace.
    pub max_keys: u64,
}

impl KvLimits {
    /// No bound: for the host's own records (quarantine, applied events),
    /// whose size the host bounds itself.
    pub const NONE: KvLimits = KvLimits {
        max_bytes: u64::MAX,
        max_keys: u64::MAX,
    };

    /// Refuse a write that would leave the namespace with `keys` keys of
    /// `bytes` bytes, naming the limit.
    pub fn check(&self, keys: u64, bytes: u64) -> Result<(), KvError> {
        if keys > self.max_keys {
            return Err(KvError::QuotaExceeded {
                what: "storage keys",
                would_be: keys,
                limit: self.max_keys,
            });
        }
        if bytes > self.max_bytes {
            return Err(KvError::QuotaExceeded {
                what: "storage bytes",
                would_be: bytes,
                limit: self.max_bytes,
            });
        }
        Ok(())
    }
}

/// What a namespace uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvUsage {
    /// Keys stored.
    pub keys: u64,
    /// Bytes of keys and values together.
    pub bytes: u64,
}

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KvError {
    /// The write would exceed a limit; nothing was written.
    #[error("{what} would be {would_be}, over the limit of {limit}")]
    QuotaExceeded {
        /// Which limit (`storage bytes`, `storage keys`).
        what: &'static str,
        /// The value after the write.
        would_be: u64,
        /// The limit.
        limit: u64,
    },
    /// The backend failed.
    #[error("storage backend: {0}")]
    Backend(String),
    /// A key a batch expected to hold a value ([`KvWrites::expecting`]) held
    /// another: another writer changed it since it was read; nothing was
    /// written.
    #[error("`{key}` of `{ns}` changed since it was read (another writer); nothing was written")]
    Changed {
        /// The namespace.
        ns: String,
        /// The key.
        key: String,
    },
}

/// A durable key-value store with per-namespace usage accounting.
pub trait KvStore: Send + Sync + 'static {
    /// The value of `key`, if set.
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Set `key` to `value` unless that would exceed `limits`.
    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError>;
    /// Remove `key`; removing a missing key is not an error.
    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError>;
    /// Make every write of `batch` in one transaction, or none of them:
    /// for each namespace (named once), a clear, then its entries set or
    /// removed, its limits checked on the usage they leave (see
    /// [`KvWrites`]). An event's storage writes and the record that it was
    /// applied go together here, so a crash cannot keep one without the
    /// other.
    fn commit(&self, batch: &[KvWrites]) -> Result<(), KvError>;
    /// Every key of the namespace, sorted.
    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError>;
    /// Remove every key of the namespace.
    fn clear(&self, ns: &str) -> Result<(), KvError>;
    /// What the namespace uses.
    fn usage(&self, ns: &str) -> Result<KvUsage, KvError>;
    /// Whether the store answers (a database reachable): checked by hosts
    /// that must stop taking work without it.
    fn check(&self) -> Result<(), KvError> {
        Ok(())
    }
    /// A number that changes with every write to the namespace. A host
    /// whose instances may hold stale state (several nodes serving one
    /// user's app in turn) compares it with what an instance last saw. A
    /// store only one process uses may answer 0 always.
    fn revision(&self, _ns: &str) -> Result<u64, KvError> {
        Ok(0)
    }
    /// How many calls failed in the backend so far (a host answers an
    /// event during which one failed as retryable: the database may have
    /// missed its writes).
    fn failures(&self) -> u64 {
        0
    }
    /// Whether `set`, `remove` and `clear` return without waiting for I/O
    /// or another writer (they land in memory, made durable by
    /// [`KvStore::persist`]): callers may make them on an async worker
    /// instead of the blocking pool. False unless a store says so.
    fn writes_are_quick(&self) -> bool {
        false
    }

    /// Make every write made so far durable. A store that commits each
    /// write durably (the default) has nothing left to do.
    fn persist(&self) -> Persisting {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Run `call` on `kv` from async code: at once when the store's writes are
/// quick (they land in memory), else on the blocking pool (a database round
/// trip, a write lock), so the async worker's other tasks go on meanwhile.
pub async fn call<T: Send + 'static>(
    kv: &std::sync::Arc<dyn KvStore>,
    call: impl FnOnce(&dyn KvStore) -> Result<T, KvError> + Send + 'static,
) -> Result<T, KvError> {
    if kv.writes_are_quick() {
        return call(&**kv);
    }
    let kv = kv.clone();
    let done = tokio::task::spawn_blocking(move || call(&*kv)).await;
    done.map_err(|e| KvError::Backend(format!("the storage call failed: {e}")))?
}

/// The end of [`KvStore::persist`].
pub type Persisting =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), KvError>> + Send>>;

/// A [`RedbStore`] opened on first use: a process that never writes
/// storage, consent or a quarantine record (most launches of most apps)
/// never pays for opening and closing the database (a durable write each);
/// reads before the database exists find nothing without creating it.
pub struct LazyRedbStore {
    path: std::path::PathBuf,
    store: std::sync::OnceLock<Result<RedbStore, String>>,
}

impl LazyRedbStore {
    /// A store at `path`, opened when first used.
    pub fn new(path: std::path::PathBuf) -> LazyRedbStore {
        LazyRedbStore {
            path,
            store: std::sync::OnceLock::new(),
        }
    }

    fn store(&self) -> Result<&RedbStore, KvError> {
        self.store
            .get_or_init(|| RedbStore::open(&self.path).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| KvError::Backend(e.clone()))
    }

    /// The store for a read: `None` while no database file exists (nothing
    /// was ever written), so a read never opens, let alone creates, it.
    /// The runtime reads on every launch (the app's quarantine record).
    fn store_to_read(&self) -> Result<Option<&RedbStore>, KvError> {
        if self.store.get().is_none() && !self.path.exists() {
            return Ok(None);
        }
        self.store().map(Some)
    }
}

impl KvStore for LazyRedbStore {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match self.store_to_read()? {
            Some(store) => store.get(ns, key),
            None => Ok(None),
        }
    }
    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError> {
        self.store()?.set(ns, key, value, limits)
    }
    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError> {
        self.store()?.remove(ns, key)
    }
    fn commit(&self, batch: &[KvWrites]) -> Result<(), KvError> {
        self.store()?.commit(batch)
    }
    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        match self.store_to_read()? {
            Some(store) => store.keys(ns),
            None => Ok(Vec::new()),
        }
    }
    fn clear(&self, ns: &str) -> Result<(), KvError> {
        self.store()?.clear(ns)
    }
    fn usage(&self, ns: &str) -> Result<KvUsage, KvError> {
        match self.store_to_read()? {
            Some(store) => store.usage(ns),
            None => Ok(KvUsage::default()),
        }
    }
    fn persist(&self) -> Persisting {
        match self.store() {
            Ok(store) => store.persist(),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }
}

/// A store in memory, lost with the process: for tests and hosts that keep
/// nothing. Same accounting and limits as the durable stores.
#[derive(Default)]
pub struct MemoryStore {
    namespaces: std::sync::Mutex<
        std::collections::HashMap<String, std::collections::BTreeMap<String, Vec<u8>>>,
    >,
}

impl MemoryStore {
    fn with<T>(
        &self,
        ns: &str,
        f: impl FnOnce(&mut std::collections::BTreeMap<String, Vec<u8>>) -> T,
    ) -> T {
        let mut all = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        f(all.entry(ns.to_string()).or_default())
    }
}

fn usage_of(map: &std::collections::BTreeMap<String, Vec<u8>>) -> KvUsage {
    KvUsage {
        keys: map.len() as u64,
        bytes: map.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum(),
    }
}

impl KvStore for MemoryStore {
    fn writes_are_quick(&self) -> bool {
        true
    }

    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.with(ns, |map| map.get(key).cloned()))
    }
    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError> {
        self.with(ns, |map| {
            let before = usage_of(map);
            let old = map.get(key).map_or(0, |v| (key.len() + v.len()) as u64);
            let keys = before.keys + u64::from(!map.contains_key(key));
            let bytes = before.bytes - old + (key.len() + value.len()) as u64;
            limits.check(keys, bytes)?;
            map.insert(key.to_string(), value.to_vec());
            Ok(())
        })
    }
    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError> {
        self.with(ns, |map| map.remove(key));
        Ok(())
    }
    fn commit(&self, batch: &[KvWrites]) -> Result<(), KvError> {
        KvWrites::check_batch(batch)?;
        let mut all = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        // Every namespace checked before any is written.
        for writes in batch {
            let map = all.get(&writes.ns);
            writes.check_expected(|key| Ok(map.and_then(|m| m.get(key)).cloned()))?;
            let before = map.map(usage_of).unwrap_or_default();
            let old = |key: &str| {
                let value = map.and_then(|m| m.get(key));
                Ok(value.map(|v| (key.len() + v.len()) as u64))
            };
            writes.usage_after(before, old)?;
        }
        for writes in batch {
            let map = all.entry(writes.ns.clone()).or_default();
            if writes.clear {
                map.clear();
            }
            for (key, value) in &writes.entries {
                match value {
                    Some(value) => map.insert(key.clone(), value.clone()),
                    None => map.remove(key),
                };
            }
        }
        Ok(())
    }
    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        Ok(self.with(ns, |map| map.keys().cloned().collect()))
    }
    fn clear(&self, ns: &str) -> Result<(), KvError> {
        self.with(ns, |map| map.clear());
        Ok(())
    }
    fn usage(&self, ns: &str) -> Result<KvUsage, KvError> {
        Ok(self.with(ns, |map| usage_of(map)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_memory_store_behaves_as_every_store_must() {
        super::behaviour::check(&super::MemoryStore::default());
    }
}
