//! `quota`: an app asks how much of each budget is left, so it can degrade
//! before it hits a limit. It reads the gauges of every capability, so its
//! view is the whole instance state.

use wasmtime::AsContext;
use wasmtime::component::{Access, HasSelf, Linker};

use crate::bindings::quota;
use crate::instance::InstanceState;

/// Link `quota`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    quota::add_to_linker::<_, HasSelf<InstanceState>>(linker, |s| s)
}

impl quota::Host for InstanceState {}

impl<T: 'static> quota::HostWithStore<T> for HasSelf<InstanceState> {
    fn remaining(mut access: Access<'_, T, Self>) -> wasmtime::Result<quota::Budget> {
        // Without fuel metering, fuel is not what limits the app.
        let fuel_left = access.as_context().get_fuel().unwrap_or(u64::MAX);
        let state: &mut InstanceState = access.get();
        Ok(budget(state, fuel_left))
    }
}

/// The budgets of `state` (with `fuel_left` in the store).
pub(crate) fn budget(state: &InstanceState, fuel_left: u64) -> quota::Budget {
    let quotas = &state.app.grants.quotas;
    // Only an app with storage has any (and the store stays closed for the rest).
    let storage = match &state.storage {
        Ok(storage) => storage.usage().unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let log_used = state
        .log
        .lock()
        .map(|l| l.event_bytes())
        .unwrap_or_default();
    quota::Budget {
        memory_used: state.limiter.memory_used(),
        memory_limit: quotas.memory_bytes,
        host_memory_used: state.host_memory.used(),
        host_memory_limit: state.host_memory.limit(),
        fuel_left,
        time_left_ms: state.deadline.left().as_millis() as u64,
        storage_used: storage.bytes,
        storage_limit: quotas.storage_bytes,
        storage_keys: storage.keys,
        storage_keys_limit: quotas.storage_keys,
        http_requests_left: state.app.http.requests_left(),
        log_bytes_left: quotas.log_bytes_per_event.saturating_sub(log_used),
        page_stack: state.nav.pages.pages().len() as u32,
        page_stack_limit: quotas.page_stack,
    }
}
