//! `storage`: key-value storage isolated per app (and per user where the
//! operator says so), durable in the runtime's [`KvStore`](crate::kv::KvStore).

use std::sync::Arc;

use super::{CallError, CallResult, Capability, Granted, View, context};
use crate::app_core::AppCore;
use crate::bindings::storage;
use crate::kv::{KvError, KvLimits, KvStore, KvUsage, KvWrites};

mod held;

pub(crate) use held::HeldWrites;
use held::{Held, Write};

/// The storage namespace of `app` (and `user`, where storage is per user).
pub fn namespace(app: &str, user: Option<&str>) -> String {
    match user {
        Some(user) => format!("data:{app}:{user}"),
        None => format!("data:{app}"),
    }
}

/// Storage of one instance: the store and the namespace it may touch.
pub(crate) struct StorageCtx {
    kv: Arc<dyn KvStore>,
    ns: String,
    /// The namespace's revision as this instance last saw it (at launch,
    /// after each of its writes).
    seen: Arc<std::sync::atomic::AtomicU64>,
    limits: KvLimits,
    key_bytes: u64,
    value_bytes: u64,
    /// The writes held for the embedder to commit, while it holds them
    /// (`None`: each write is made at once).
    held: Arc<std::sync::Mutex<Option<Held>>>,
}

impl StorageCtx {
    /// The context of an instance of `app` for `user`, if storage is granted.
    pub fn new(app: &AppCore, user: Option<&str>) -> Granted<StorageCtx> {
        super::grant(app, Capability::Storage)?;
        let quotas = &app.grants.quotas;
        let user = user.filter(|_| app.grants.per_user_storage);
        let kv = app.services.kv.clone();
        let ns = namespace(&app.manifest.id, user);
        // Unreadable now: 0, and the first check finds the instance stale.
        let seen = kv.revision(&ns).unwrap_or(0);
        Ok(StorageCtx {
            kv,
            ns,
            seen: Arc::new(seen.into()),
            limits: KvLimits {
                max_bytes: quotas.storage_bytes,
                max_keys: quotas.storage_keys,
            },
            key_bytes: quotas.storage_key_bytes,
            value_bytes: quotas.storage_value_bytes,
            held: Arc::default(),
        })
    }

    /// What the namespace uses now (with the writes held).
    pub fn usage(&self) -> Result<KvUsage, KvError> {
        match &*held::lock(&self.held) {
            Some(held) => held.usage(&*self.kv),
            None => self.kv.usage(&self.ns),
        }
    }

    /// Hold this instance's writes from now on (see [`HeldWrites`]).
    pub fn hold(&self) -> HeldWrites {
        let mut held = held::lock(&self.held);
        if held.is_none() {
            *held = Some(Held::new(KvWrites::new(self.ns.clone(), self.limits)));
        }
        HeldWrites::new(self.kv.clone(), self.seen.clone(), self.held.clone())
    }

    /// Whether nothing but this instance wrote the namespace since it last
    /// looked (false when the store cannot say).
    pub fn is_current(&self) -> bool {
        let seen = self.seen.load(std::sync::atomic::Ordering::Relaxed);
        self.kv.revision(&self.ns).is_ok_and(|now| now == seen)
    }

    fn check_key(&self, key: &str) -> CallResult<()> {
        if key.is_empty() {
            return Err(CallError::invalid("storage key must not be empty"));
        }
        if key.len() as u64 > self.key_bytes {
            return Err(CallError::quota(format!(
                "storage key of {} bytes is over the limit of {} bytes",
                key.len(),
                self.key_bytes
            )));
        }
        Ok(())
    }
}

impl From<KvError> for CallError {
    fn from(e: KvError) -> Self {
        match e {
            KvError::QuotaExceeded { .. } => CallError::quota(e.to_string()),
            KvError::Backend(_) | KvError::Changed { .. } => CallError::failed(e.to_string()),
        }
    }
}

super::linked_by!(view of Granted<StorageCtx>, storage);

impl StorageCtx {
    fn get(&self, key: &str) -> CallResult<Option<Vec<u8>>> {
        self.check_key(key)?;
        Ok(match &*held::lock(&self.held) {
            Some(held) => held.value(&*self.kv, key)?,
            None => self.kv.get(&self.ns, key)?,
        })
    }

    fn check_value(&self, value: &[u8]) -> CallResult<()> {
        if value.len() as u64 > self.value_bytes {
            return Err(CallError::quota(format!(
                "storage value of {} bytes is over the limit of {} bytes",
                value.len(),
                self.value_bytes
            )));
        }
        Ok(())
    }

    fn set(&self, key: &str, value: &[u8]) -> CallResult<()> {
        self.check_key(key)?;
        self.check_value(value)?;
        Ok(self.kv.set(&self.ns, key, value, self.limits)?)
    }

    fn remove(&self, key: &str) -> CallResult<()> {
        self.check_key(key)?;
        Ok(self.kv.remove(&self.ns, key)?)
    }

    /// Make `write` (through [`crate::kv::call`]: off the async workers
    /// unless the store's writes are quick); the call waits. Held writes
    /// go to the write set, checked against the quotas as the store would.
    async fn write(&self, write: Write) -> CallResult<()> {
        let (ns, limits, seen) = (self.ns.clone(), self.limits, self.seen.clone());
        let held = self.held.clone();
        let written = crate::kv::call(&self.kv, move |kv| {
            if let Some(held) = &mut *held::lock(&held) {
                return held.write(kv, write);
            }
            write.make(kv, &ns, limits)?;
            // What this instance wrote is what it holds.
            let now = kv.revision(&ns)?;
            seen.store(now, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        });
        Ok(written.await?)
    }

    fn keys(&self) -> CallResult<Vec<String>> {
        Ok(match &*held::lock(&self.held) {
            Some(held) => held.keys(&*self.kv)?,
            None => self.kv.keys(&self.ns)?,
        })
    }

    fn clear(&self) -> CallResult<()> {
        Ok(self.kv.clear(&self.ns)?)
    }
}

#[miniapp_runtime_macros::recorded]
impl storage::Host for View<'_, Granted<StorageCtx>> {
    fn get(&mut self, key: String) -> CallResult<Option<Vec<u8>>> {
        context(self.ctx)?.get(&key)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        ctx.check_key(&key)?;
        ctx.check_value(&value)?;
        ctx.write(Write::Set(key, value)).await
    }

    async fn remove(&mut self, key: String) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        ctx.check_key(&key)?;
        ctx.write(Write::Remove(key)).await
    }

    fn keys(&mut self) -> CallResult<Vec<String>> {
        context(self.ctx)?.keys()
    }

    async fn clear(&mut self) -> CallResult<()> {
        context(self.ctx)?.write(Write::Clear).await
    }

    fn info(&mut self) -> CallResult<storage::StorageInfo> {
        let ctx = context(self.ctx)?;
        let usage = ctx.usage()?;
        Ok(storage::StorageInfo {
            keys: usage.keys.min(u64::from(u32::MAX)) as u32,
            used_bytes: usage.bytes,
            limit_bytes: ctx.limits.max_bytes,
        })
    }
}

/// An app's storage as its developer tools see it (a simulator's Storage
/// panel): the same namespace, checks and quotas as the app's own calls.
pub struct AppStorage {
    ctx: StorageCtx,
    app: String,
}

/// Usage of an app's storage against its quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StorageUsage {
    /// Bytes of keys and values.
    pub used: u64,
    /// The most it may use.
    pub limit: u64,
    /// Keys stored.
    pub keys: u64,
    /// The most keys it may store.
    pub keys_limit: u64,
}

impl AppStorage {
    /// The storage of `app` for `user` (where storage is per user); an
    /// error if the app has no storage grant.
    pub(crate) fn new(app: &AppCore, user: Option<&str>) -> Result<AppStorage, crate::Error> {
        let ctx = StorageCtx::new(app, user).map_err(|denial| crate::Error::BadRequest {
            app: app.manifest.id.clone(),
            reason: denial.refusal().message(),
        })?;
        Ok(AppStorage {
            ctx,
            app: app.manifest.id.clone(),
        })
    }

    fn refused(&self, e: CallError) -> crate::Error {
        crate::Error::BadRequest {
            app: self.app.clone(),
            reason: e.message(),
        }
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Result<Vec<String>, crate::Error> {
        self.ctx.keys().map_err(|e| self.refused(e))
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::Error> {
        self.ctx.get(key).map_err(|e| self.refused(e))
    }

    /// Set `key` to `value`, within the app's quotas.
    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), crate::Error> {
        self.ctx.set(key, value).map_err(|e| self.refused(e))
    }

    /// Remove `key`.
    pub fn remove(&self, key: &str) -> Result<(), crate::Error> {
        self.ctx.remove(key).map_err(|e| self.refused(e))
    }

    /// Remove every key.
    pub fn clear(&self) -> Result<(), crate::Error> {
        self.ctx.clear().map_err(|e| self.refused(e))
    }

    /// What it uses, against its quotas.
    pub fn usage(&self) -> Result<StorageUsage, crate::Error> {
        let usage = self.ctx.usage().map_err(|e| self.refused(e.into()))?;
        Ok(StorageUsage {
            used: usage.bytes,
            limit: self.ctx.limits.max_bytes,
            keys: usage.keys,
            keys_limit: self.ctx.limits.max_keys,
        })
    }
}
