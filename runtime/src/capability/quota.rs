//! `quota`: an app asks how much of each budget is left, so it can degrade
//! before it hits a limit. It reads the gauges of every capability: the
//! store gathers them in [`Gauges`], its view.

use wasmtime::AsContext;
use wasmtime::component::{Access, HasData, Linker};

use super::http::AppHttp;
use super::log::SharedLog;
use super::nav::NavCtx;
use super::storage::StorageCtx;
use super::{CallCtx, Granted};
use crate::bindings::quota;
use crate::limits::HostMemory;

/// What `quota.remaining` reads of one instance.
pub(crate) struct Gauges<'a> {
    pub call: &'a CallCtx,
    /// The guest's linear memories, bytes.
    pub memory_used: u64,
    pub host_memory: &'a HostMemory,
    pub storage: &'a Granted<StorageCtx>,
    pub http: &'a AppHttp,
    pub log: &'a SharedLog,
    pub nav: &'a NavCtx,
}

/// A store that gathers its [`Gauges`].
pub(crate) trait Gauged {
    /// The instance's gauges now.
    fn gauges(&self) -> Gauges<'_>;
}

/// The view of `quota`: the store's gauges.
pub(super) fn gauges<T: Gauged>(store: &mut T) -> Gauges<'_> {
    store.gauges()
}

/// The [`HasData`] of [`Gauges`].
pub(super) struct HasGauges;

impl HasData for HasGauges {
    type Data<'a> = Gauges<'a>;
}

/// Link `quota`, its view gathered by the store.
pub(crate) fn add_to_linker<T: Gauged + Send + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    quota::add_to_linker::<_, HasGauges>(linker, gauges::<T>)
}

impl quota::Host for Gauges<'_> {}

impl<T: 'static> quota::HostWithStore<T> for HasGauges {
    fn remaining(mut access: Access<'_, T, Self>) -> wasmtime::Result<quota::Budget> {
        // Recorded by hand: `#[recorded]` wraps views, this reads the store.
        const NAME: &str = "quota.remaining";
        let tape = access.get().call.tape.clone();
        if let Some(answer) = crate::replay::answer(&tape, NAME) {
            return answer;
        }
        // Without fuel metering, fuel is not what limits the app.
        let fuel_left = access.as_context().get_fuel().unwrap_or(u64::MAX);
        let budget = Ok(access.get().budget(fuel_left));
        crate::replay::record(&tape, NAME, &budget);
        budget
    }
}

impl Gauges<'_> {
    /// The budgets (with `fuel_left` in the store).
    pub fn budget(&self, fuel_left: u64) -> quota::Budget {
        let quotas = &self.call.app.grants.quotas;
        // Only an app with storage has any (and the store stays closed for the rest).
        let storage = match self.storage {
            Ok(storage) => storage.usage().unwrap_or_default(),
            Err(_) => Default::default(),
        };
        let log_used = self.log.lock().map(|l| l.event_bytes()).unwrap_or_default();
        quota::Budget {
            memory_used: self.memory_used,
            memory_limit: quotas.memory_bytes,
            host_memory_used: self.host_memory.used(),
            host_memory_limit: self.host_memory.limit(),
            fuel_left,
            time_left_ms: self.call.deadline.left().as_millis() as u64,
            storage_used: storage.bytes,
            storage_limit: quotas.storage_bytes,
            storage_keys: storage.keys,
            storage_keys_limit: quotas.storage_keys,
            http_requests_left: self.http.requests_left(),
            log_bytes_left: quotas.log_bytes_per_event.saturating_sub(log_used),
            page_stack: self.nav.pages.pages().len() as u32,
            page_stack_limit: quotas.page_stack,
            timers: self.call.pending.timers(),
            timers_limit: quotas.timers,
            pending_calls: self.call.pending.calls(),
            pending_calls_limit: quotas.pending_calls,
            sockets: self.call.pending.streams(),
            sockets_limit: quotas.sockets,
        }
    }
}
