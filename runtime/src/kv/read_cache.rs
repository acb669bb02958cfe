//! Values read from the database, kept in memory so that a hot key is read
//! without a database transaction. The database has one writer, this
//! process (redb locks its file), so the cache only has to follow this
//! store's own writes: each write forgets what it touches once it has
//! landed, and a read that raced with a write (the write's generation came
//! between the read's start and its filling the cache) is not kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of keys and values kept; past this the cache starts again empty
/// (the hot keys come back with their next reads).
const MAX_BYTES: usize = 8 << 20;

/// What an entry costs beside its key and value (headers, the map's slot).
const ENTRY_OVERHEAD: usize = 64;

/// The cache: per namespace, per key, the stored value (`None`: not set).
#[derive(Default)]
pub(super) struct ReadCache {
    /// Bumped by every write, before it forgets what it touched.
    generation: AtomicU64,
    entries: Mutex<Entries>,
}

/// One namespace's values by key (`None`: known not to be set).
type Namespace = HashMap<String, Option<Box<[u8]>>>;

#[derive(Default)]
struct Entries {
    by_ns: HashMap<String, Namespace>,
    bytes: usize,
}

/// Where a read stands: the generation it started at, to fill the cache
/// with what it then read from the database.
#[derive(Clone, Copy)]
pub(super) struct Reading(u64);

impl ReadCache {
    /// Start a read: before looking anywhere else.
    pub fn start(&self) -> Reading {
        Reading(self.generation.load(Ordering::Acquire))
    }

    /// The cached value of `key`: `Some(None)` if known not to be set,
    /// `None` if the database must be read.
    pub fn get(&self, ns: &str, key: &str) -> Option<Option<Vec<u8>>> {
        let entries = self.lock();
        let value = entries.by_ns.get(ns)?.get(key)?;
        Some(value.as_deref().map(<[u8]>::to_vec))
    }

    /// Keep what a read that started at `reading` found in the database,
    /// unless a write came since.
    pub fn fill(&self, reading: Reading, ns: &str, key: &str, value: Option<&[u8]>) {
        let size = ns.len() + key.len() + value.map_or(0, <[u8]>::len) + ENTRY_OVERHEAD;
        if size > MAX_BYTES / 64 {
            // Too big to be worth keeping: read from the database each time.
            return;
        }
        let mut entries = self.lock();
        if self.generation.load(Ordering::Acquire) != reading.0 {
            return;
        }
        if entries.bytes + size > MAX_BYTES {
            *entries = Entries::default();
        }
        let namespace = entries.by_ns.entry(ns.to_string()).or_default();
        if namespace
            .insert(key.to_string(), value.map(Box::from))
            .is_none()
        {
            entries.bytes += size;
        }
    }

    /// A write of `key` has landed: forget it (and any read under way).
    pub fn forget(&self, ns: &str, key: &str) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(namespace) = entries.by_ns.get_mut(ns)
            && let Some(value) = namespace.remove(key)
        {
            let size = ns.len() + key.len() + value.map_or(0, |v| v.len()) + ENTRY_OVERHEAD;
            entries.bytes = entries.bytes.saturating_sub(size);
        }
    }

    /// A write of the whole namespace (a clear) has landed: forget it.
    pub fn forget_namespace(&self, ns: &str) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(namespace) = entries.by_ns.remove(ns) {
            let size: usize = (namespace.iter())
                .map(|(k, v)| ns.len() + k.len() + v.as_ref().map_or(0, |v| v.len()))
                .map(|n| n + ENTRY_OVERHEAD)
                .sum();
            entries.bytes = entries.bytes.saturating_sub(size);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_keeps_what_it_found_and_a_write_forgets_it() {
        let cache = ReadCache::default();
        assert_eq!(cache.get("ns", "k"), None);
        let reading = cache.start();
        cache.fill(reading, "ns", "k", Some(b"old"));
        assert_eq!(cache.get("ns", "k"), Some(Some(b"old".to_vec())));
        cache.forget("ns", "k");
        assert_eq!(cache.get("ns", "k"), None);
        // Known missing is kept too.
        cache.fill(cache.start(), "ns", "gone", None);
        assert_eq!(cache.get("ns", "gone"), Some(None));
        cache.forget_namespace("ns");
        assert_eq!(cache.get("ns", "gone"), None);
        assert_eq!(cache.lock().bytes, 0);
    }

    #[test]
    fn a_read_that_raced_with_a_write_is_not_kept() {
        let cache = ReadCache::default();
        let reading = cache.start();
        // A write lands between the read's start and its filling.
        cache.forget("ns", "k");
        cache.fill(reading, "ns", "k", Some(b"stale"));
        assert_eq!(cache.get("ns", "k"), None);
    }

    #[test]
    fn past_its_bound_the_cache_starts_again() {
        let cache = ReadCache::default();
        let value = vec![7u8; MAX_BYTES / 128];
        for i in 0..200 {
            cache.fill(cache.start(), "ns", &format!("k{i}"), Some(&value));
            assert!(cache.lock().bytes <= MAX_BYTES);
        }
        assert_eq!(cache.get("ns", "k199"), Some(Some(value.clone())));
    }
}
