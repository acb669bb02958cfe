//! `storage`: key-value storage isolated per app (and per user where the
//! operator says so), durable in the runtime's [`KvStore`](crate::kv::KvStore).

use std::sync::Arc;

use wasmtime::component::{HasData, Linker};

use super::{CallError, CallResult, Capability, Granted, context, refusals_recorded};
use crate::app::AppShared;
use crate::bindings::storage;
use crate::instance::InstanceState;
use crate::kv::{KvError, KvLimits, KvStore};

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
    limits: KvLimits,
    key_bytes: u64,
    value_bytes: u64,
}

impl StorageCtx {
    /// The context of an instance of `app` for `user`, if storage is granted.
    pub fn new(app: &AppShared, user: Option<&str>) -> Granted<StorageCtx> {
        super::grant(app, Capability::Storage)?;
        let quotas = &app.grants.quotas;
        let user = user.filter(|_| app.grants.per_user_storage);
        Ok(StorageCtx {
            kv: app.services.kv.clone(),
            ns: namespace(&app.manifest.id, user),
            limits: KvLimits {
                max_bytes: quotas.storage_bytes,
                max_keys: quotas.storage_keys,
            },
            key_bytes: quotas.storage_key_bytes,
            value_bytes: quotas.storage_value_bytes,
        })
    }

    /// What the namespace uses now.
    pub fn usage(&self) -> Result<crate::kv::KvUsage, KvError> {
        self.kv.usage(&self.ns)
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
            KvError::Backend(_) => CallError::failed(e.to_string()),
        }
    }
}

/// The `storage` interface as one host call sees it.
pub(crate) struct Storage<'a> {
    ctx: &'a mut Granted<StorageCtx>,
    app: &'a AppShared,
}

refusals_recorded!(Storage);

struct HasStorage;

impl HasData for HasStorage {
    type Data<'a> = Storage<'a>;
}

/// The `storage` view of an instance's state.
pub(crate) fn storage_view(s: &mut InstanceState) -> Storage<'_> {
    Storage {
        ctx: &mut s.storage,
        app: &s.app,
    }
}

/// Link `storage`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    storage::add_to_linker::<_, HasStorage>(linker, storage_view)
}

impl storage::Host for Storage<'_> {
    fn get(&mut self, key: String) -> CallResult<Option<Vec<u8>>> {
        let ctx = context(self.ctx)?;
        ctx.check_key(&key)?;
        Ok(ctx.kv.get(&ctx.ns, &key)?)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        ctx.check_key(&key)?;
        if value.len() as u64 > ctx.value_bytes {
            return Err(CallError::quota(format!(
                "storage value of {} bytes is over the limit of {} bytes",
                value.len(),
                ctx.value_bytes
            )));
        }
        Ok(ctx.kv.set(&ctx.ns, &key, &value, ctx.limits)?)
    }

    fn remove(&mut self, key: String) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        ctx.check_key(&key)?;
        Ok(ctx.kv.remove(&ctx.ns, &key)?)
    }

    fn keys(&mut self) -> CallResult<Vec<String>> {
        let ctx = context(self.ctx)?;
        Ok(ctx.kv.keys(&ctx.ns)?)
    }

    fn clear(&mut self) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        Ok(ctx.kv.clear(&ctx.ns)?)
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
