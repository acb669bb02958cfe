//! `storage`: key-value storage isolated per app (and per user where the
//! operator says so), durable in the runtime's [`KvStore`](crate::kv::KvStore).

use super::{CallError, CallResult, Capability};
use crate::bindings::storage;
use crate::instance::InstanceState;
use crate::kv::{KvError, KvLimits};

/// The storage namespace of `app` (and `user`, where storage is per user).
pub fn namespace(app: &str, user: Option<&str>) -> String {
    match user {
        Some(user) => format!("data:{app}:{user}"),
        None => format!("data:{app}"),
    }
}

impl From<KvError> for CallError {
    fn from(e: KvError) -> Self {
        match e {
            KvError::QuotaExceeded { .. } => CallError::quota(e.to_string()),
            KvError::Backend(_) => CallError::failed(e.to_string()),
        }
    }
}

impl InstanceState {
    fn storage_ready(&self) -> CallResult<()> {
        self.require(Capability::Storage)
    }

    fn check_key(&self, key: &str) -> CallResult<()> {
        let limit = self.app.grants.quotas.storage_key_bytes;
        if key.is_empty() {
            return Err(CallError::invalid("storage key must not be empty"));
        }
        if key.len() as u64 > limit {
            return Err(CallError::quota(format!(
                "storage key of {} bytes is over the limit of {limit} bytes",
                key.len()
            )));
        }
        Ok(())
    }
}

impl storage::Host for InstanceState {
    fn get(&mut self, key: String) -> CallResult<Option<Vec<u8>>> {
        self.storage_ready()?;
        self.check_key(&key)?;
        Ok(self.app.services.kv.get(&self.data_ns, &key)?)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> CallResult<()> {
        self.storage_ready()?;
        self.check_key(&key)?;
        let quotas = &self.app.grants.quotas;
        if value.len() as u64 > quotas.storage_value_bytes {
            return Err(CallError::quota(format!(
                "storage value of {} bytes is over the limit of {} bytes",
                value.len(),
                quotas.storage_value_bytes
            )));
        }
        let limits = KvLimits {
            max_bytes: quotas.storage_bytes,
            max_keys: quotas.storage_keys,
        };
        Ok(self
            .app
            .services
            .kv
            .set(&self.data_ns, &key, &value, limits)?)
    }

    fn remove(&mut self, key: String) -> CallResult<()> {
        self.storage_ready()?;
        self.check_key(&key)?;
        Ok(self.app.services.kv.remove(&self.data_ns, &key)?)
    }

    fn keys(&mut self) -> CallResult<Vec<String>> {
        self.storage_ready()?;
        Ok(self.app.services.kv.keys(&self.data_ns)?)
    }

    fn clear(&mut self) -> CallResult<()> {
        self.storage_ready()?;
        Ok(self.app.services.kv.clear(&self.data_ns)?)
    }

    fn info(&mut self) -> CallResult<storage::StorageInfo> {
        self.storage_ready()?;
        let usage = self.app.services.kv.usage(&self.data_ns)?;
        Ok(storage::StorageInfo {
            keys: usage.keys.min(u64::from(u32::MAX)) as u32,
            used_bytes: usage.bytes,
            limit_bytes: self.app.grants.quotas.storage_bytes,
        })
    }
}
