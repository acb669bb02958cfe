//! [`KvWrites`]: one namespace's share of a batch that
//! [`KvStore::commit`](super::KvStore::commit) makes all together or not
//! at all.

use std::collections::BTreeMap;

use super::{KvError, KvLimits, KvUsage};

/// Writes to one namespace, made together by
/// [`KvStore::commit`](super::KvStore::commit): first `clear` (every key
/// removed), then each entry set (`Some`) or removed (`None`). `limits`
/// bound the namespace's usage after them when they set a key (writes
/// that only remove always fit, as a remove does today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvWrites {
    /// The namespace.
    pub ns: String,
    /// Whether every key is removed first.
    pub clear: bool,
    /// Each key's value after the writes (`None`: removed).
    pub entries: BTreeMap<String, Option<Vec<u8>>>,
    /// Bounds of the namespace after the writes.
    pub limits: KvLimits,
}

impl KvWrites {
    /// No writes yet to `ns`, within `limits`.
    pub fn new(ns: impl Into<String>, limits: KvLimits) -> KvWrites {
        KvWrites {
            ns: ns.into(),
            clear: false,
            entries: BTreeMap::new(),
            limits,
        }
    }

    /// These writes with `key` set to `value`.
    pub fn with(mut self, key: &str, value: Vec<u8>) -> KvWrites {
        self.entries.insert(key.to_string(), Some(value));
        self
    }

    /// Whether they write nothing.
    pub fn is_empty(&self) -> bool {
        !self.clear && self.entries.is_empty()
    }

    /// Whether they set a key (and so must fit the limits).
    pub fn sets_a_key(&self) -> bool {
        self.entries.values().any(Option::is_some)
    }

    /// The namespace's usage after these writes, from its usage `before`
    /// and `old`, the bytes (key and value) a key holds before them (`None`:
    /// unset); refused, naming the limit, if they set a key and it would
    /// be over `limits`.
    pub fn usage_after(
        &self,
        before: KvUsage,
        mut old: impl FnMut(&str) -> Result<Option<u64>, KvError>,
    ) -> Result<KvUsage, KvError> {
        let mut usage = if self.clear {
            KvUsage::default()
        } else {
            before
        };
        for (key, value) in &self.entries {
            let was = if self.clear { None } else { old(key)? };
            let now = value.as_ref().map(|v| (key.len() + v.len()) as u64);
            usage.keys =
                usage.keys.saturating_sub(u64::from(was.is_some())) + u64::from(now.is_some());
            usage.bytes = usage.bytes.saturating_sub(was.unwrap_or(0)) + now.unwrap_or(0);
        }
        if self.sets_a_key() {
            self.limits.check(usage.keys, usage.bytes)?;
        }
        Ok(usage)
    }

    /// Refuse a batch that names a namespace twice (its writes would be
    /// checked apart but applied together): every store checks this first.
    pub fn check_batch(batch: &[KvWrites]) -> Result<(), KvError> {
        let mut seen = std::collections::HashSet::new();
        match batch.iter().find(|w| !seen.insert(w.ns.as_str())) {
            Some(twice) => Err(KvError::Backend(format!(
                "a batch of writes names namespace `{}` twice",
                twice.ns
            ))),
            None => Ok(()),
        }
    }
}
