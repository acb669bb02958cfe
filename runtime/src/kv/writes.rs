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
    /// Values keys must hold when the writes are made (`None`: unset),
    /// else the whole batch is refused with [`KvError::Changed`]: a record
    /// read, changed and written back by one writer while another may
    /// write it too (a session's applied events, on two nodes).
    pub expect: BTreeMap<String, Option<Vec<u8>>>,
}

impl KvWrites {
    /// No writes yet to `ns`, within `limits`.
    pub fn new(ns: impl Into<String>, limits: KvLimits) -> KvWrites {
        KvWrites {
            ns: ns.into(),
            clear: false,
            entries: BTreeMap::new(),
            limits,
            expect: BTreeMap::new(),
        }
    }

    /// These writes, made only if `key` holds `value` then (`None`: unset).
    pub fn expecting(mut self, key: &str, value: Option<Vec<u8>>) -> KvWrites {
        self.expect.insert(key.to_string(), value);
        self
    }

    /// Refuse the writes if a key they expect holds another value `now`
    /// (before any write of the batch).
    pub fn check_expected(
        &self,
        mut now: impl FnMut(&str) -> Result<Option<Vec<u8>>, KvError>,
    ) -> Result<(), KvError> {
        for (key, value) in &self.expect {
            if now(key)? != *value {
                return Err(KvError::Changed {
                    ns: self.ns.clone(),
                    key: key.clone(),
                });
            }
        }
        Ok(())
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
