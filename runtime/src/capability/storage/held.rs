//! An instance's storage writes held for its embedder: they go to a write
//! set that the instance's own reads see, checked against the quotas as
//! they are made, and reach the store only when the embedder commits them,
//! in one transaction with whatever it adds (its record that the event was
//! applied). A crash before the commit leaves neither; after, both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::kv::{KvError, KvLimits, KvStore, KvUsage, KvWrites};

/// A storage call that writes.
pub(crate) enum Write {
    /// Set a key.
    Set(String, Vec<u8>),
    /// Remove a key.
    Remove(String),
    /// Remove every key.
    Clear,
}

impl Write {
    /// Make it in `ns` of `kv` at once.
    pub(crate) fn make(self, kv: &dyn KvStore, ns: &str, limits: KvLimits) -> Result<(), KvError> {
        match self {
            Write::Set(key, value) => kv.set(ns, &key, &value, limits),
            Write::Remove(key) => kv.remove(ns, &key),
            Write::Clear => kv.clear(ns),
        }
    }
}

/// The write set, and the namespace's usage with it (`None` until a write
/// needed it).
pub(crate) struct Held {
    writes: KvWrites,
    usage: Option<KvUsage>,
}

pub(crate) fn lock(held: &Mutex<Option<Held>>) -> MutexGuard<'_, Option<Held>> {
    held.lock().unwrap_or_else(|e| e.into_inner())
}

impl Held {
    pub(crate) fn new(writes: KvWrites) -> Held {
        Held {
            writes,
            usage: None,
        }
    }

    /// The value of `key`: held, or stored.
    pub(crate) fn value(&self, kv: &dyn KvStore, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        match self.writes.entries.get(key) {
            Some(value) => Ok(value.clone()),
            None if self.writes.clear => Ok(None),
            None => kv.get(&self.writes.ns, key),
        }
    }

    /// The namespace's keys with the held writes, sorted.
    pub(crate) fn keys(&self, kv: &dyn KvStore) -> Result<Vec<String>, KvError> {
        let mut keys: std::collections::BTreeSet<String> = match self.writes.clear {
            true => Default::default(),
            false => kv.keys(&self.writes.ns)?.into_iter().collect(),
        };
        for (key, value) in &self.writes.entries {
            match value {
                Some(_) => keys.insert(key.clone()),
                None => keys.remove(key),
            };
        }
        Ok(keys.into_iter().collect())
    }

    /// The namespace's usage with the held writes.
    pub(crate) fn usage(&self, kv: &dyn KvStore) -> Result<KvUsage, KvError> {
        match self.usage {
            Some(usage) => Ok(usage),
            None => kv.usage(&self.writes.ns),
        }
    }

    /// Hold `write`, refused (nothing held) where the store would refuse
    /// it now.
    pub(crate) fn write(&mut self, kv: &dyn KvStore, write: Write) -> Result<(), KvError> {
        let (key, value) = match write {
            Write::Clear => {
                self.writes.clear = true;
                self.writes.entries.clear();
                self.usage = Some(KvUsage::default());
                return Ok(());
            }
            Write::Set(key, value) => (key, Some(value)),
            Write::Remove(key) => (key, None),
        };
        let before = self.usage(kv)?;
        let mut one = KvWrites::new(self.writes.ns.clone(), self.writes.limits);
        one.entries.insert(key.clone(), value.clone());
        let old = |key: &str| {
            let value = self.value(kv, key)?;
            Ok(value.map(|v| (key.len() + v.len()) as u64))
        };
        let usage = one.usage_after(before, old)?;
        match value {
            Some(_) => {
                self.writes.entries.insert(key, value);
            }
            // Only a key the store holds needs its removal held: an event
            // that sets and removes key after key, or removes keys that
            // are not there, holds no more than the quotas bound.
            None if !self.writes.clear && kv.get(&self.writes.ns, &key)?.is_some() => {
                self.writes.entries.insert(key, None);
            }
            None => {
                self.writes.entries.remove(&key);
            }
        }
        self.usage = Some(usage);
        Ok(())
    }
}

/// The storage writes of an instance, held until its embedder commits them
/// ([`HeldWrites::commit`]) or drops them (with the instance); taken by
/// `AppInstance::hold_storage_writes`. Outlives the instance's store (a
/// trap drops it): what the event wrote before it trapped can still be
/// committed with the record of the event.
#[derive(Clone)]
pub(crate) struct HeldWrites {
    kv: Arc<dyn KvStore>,
    seen: Arc<AtomicU64>,
    held: Arc<Mutex<Option<Held>>>,
}

impl HeldWrites {
    pub(crate) fn new(
        kv: Arc<dyn KvStore>,
        seen: Arc<AtomicU64>,
        held: Arc<Mutex<Option<Held>>>,
    ) -> HeldWrites {
        HeldWrites { kv, seen, held }
    }

    /// Commit the held writes with `also` in one transaction
    /// ([`KvStore::commit`]), all or none; the instance writes at once
    /// again either way.
    pub(crate) async fn commit(&self, also: Vec<KvWrites>) -> Result<(), KvError> {
        let writes = lock(&self.held).take().map(|held| held.writes);
        let ns = writes
            .as_ref()
            .filter(|w| !w.is_empty())
            .map(|w| w.ns.clone());
        let batch: Vec<KvWrites> = (writes.into_iter().chain(also))
            .filter(|w| !w.is_empty())
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        let seen = self.seen.clone();
        crate::kv::call(&self.kv, move |kv| {
            kv.commit(&batch)?;
            // What this instance wrote is what it holds.
            if let Some(ns) = ns {
                seen.store(kv.revision(&ns)?, Ordering::Relaxed);
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::bindings::storage::Host;
    use crate::capability::Granted;
    use crate::capability::storage::StorageCtx;
    use crate::kv::{KvLimits, KvWrites};
    use crate::testing::TestHost;

    use super::{HeldWrites, lock};

    const NOTES: &str = r#"
        id = "demo.notes"
        name = "Notes"
        version = "1.0.0"
        pages = ["index"]
        permissions = ["storage"]
    "#;
    const POLICY: &str = r#"
        [defaults]
        permissions = ["storage"]
        quotas = { storage_keys = 2 }
    "#;

    /// Held writes: the instance reads them, the store does not see them,
    /// the quotas refuse as the store would; then one commit makes them
    /// and the embedder's record together.
    #[tokio::test]
    async fn held_writes_are_seen_by_their_instance_and_committed_with_a_record() {
        let mut host = TestHost::new(NOTES, POLICY, &[]);
        let kv = host.state.app.services.kv.clone();
        kv.set("data:demo.notes", "old", b"1", KvLimits::NONE)
            .unwrap();
        let held = host.state.storage.as_ref().ok().unwrap().hold();
        let mut storage = host.view::<Granted<StorageCtx>>();
        storage.set("k".into(), b"v".to_vec()).await.unwrap();
        let over = storage.set("j".into(), b"v".to_vec()).await;
        storage.remove("old".into()).await.unwrap();
        storage.set("j".into(), b"w".to_vec()).await.unwrap();
        assert_eq!(storage.get("k".into()).unwrap(), Some(b"v".to_vec()));
        assert_eq!(storage.keys().unwrap(), ["j", "k"]);
        assert_eq!(storage.info().unwrap().keys, 2);
        let over = host.guest(over).unwrap_err();
        assert!(
            over.to_string().contains("storage keys would be 3"),
            "{over}"
        );
        assert_eq!(
            kv.keys("data:demo.notes").unwrap(),
            ["old"],
            "nothing written yet"
        );

        let record = KvWrites::new("events", KvLimits::NONE).with("applied", b"e1".to_vec());
        held.commit(vec![record]).await.unwrap();
        assert_eq!(kv.keys("data:demo.notes").unwrap(), ["j", "k"]);
        assert_eq!(kv.get("events", "applied").unwrap().unwrap(), b"e1");
        // Not held any more: a write is made at once.
        let mut storage = host.view::<Granted<StorageCtx>>();
        storage.clear().await.unwrap();
        assert!(kv.keys("data:demo.notes").unwrap().is_empty());
    }

    /// Removing a key the store does not hold holds nothing: an event that
    /// sets and removes key after key, or removes keys that are not there,
    /// holds no more than the quotas bound (before, each such removal was
    /// held: one event could make the host hold any number of keys).
    #[tokio::test]
    async fn removes_of_keys_the_store_lacks_are_not_held() {
        let mut host = TestHost::new(NOTES, POLICY, &[]);
        let kv = host.state.app.services.kv.clone();
        kv.set("data:demo.notes", "old", b"1", KvLimits::NONE)
            .unwrap();
        let held = host.state.storage.as_ref().ok().unwrap().hold();
        let entries = |held: &HeldWrites| {
            let held = lock(&held.held);
            held.as_ref().map_or(0, |h| h.writes.entries.len())
        };
        let mut storage = host.view::<Granted<StorageCtx>>();
        for n in 0..1_000 {
            storage.set(format!("k{n}"), b"v".to_vec()).await.unwrap();
            storage.remove(format!("k{n}")).await.unwrap();
            storage.remove(format!("never{n}")).await.unwrap();
        }
        storage.remove("old".into()).await.unwrap();
        assert_eq!(entries(&held), 1, "only the removal of `old` is held");
        assert!(storage.keys().unwrap().is_empty());
        assert_eq!(storage.get("old".into()).unwrap(), None);
        // After a clear, a removal holds nothing either.
        storage.set("k".into(), b"v".to_vec()).await.unwrap();
        storage.clear().await.unwrap();
        storage.remove("old".into()).await.unwrap();
        assert_eq!(entries(&held), 0);
        held.commit(Vec::new()).await.unwrap();
        assert!(kv.keys("data:demo.notes").unwrap().is_empty());
    }
}
