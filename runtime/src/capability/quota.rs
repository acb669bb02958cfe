//! `quota`: an app asks how much of its budgets is left, so it can degrade
//! before it hits a limit.

use wasmtime::AsContext;
use wasmtime::component::{Access, HasSelf};

use crate::bindings::quota;
use crate::instance::InstanceState;

impl quota::Host for InstanceState {}

impl<T: 'static> quota::HostWithStore<T> for HasSelf<InstanceState> {
    fn remaining(mut access: Access<'_, T, Self>) -> wasmtime::Result<quota::Budget> {
        let fuel_left = access.as_context().get_fuel().unwrap_or(0);
        let state: &mut InstanceState = access.get();
        let quotas = &state.app.grants.quotas;
        // Only an app with storage has any (and the store stays closed for the rest).
        let storage = match state.require(crate::capability::Capability::Storage) {
            Ok(()) => state
                .app
                .services
                .kv
                .usage(&state.data_ns)
                .unwrap_or_default(),
            Err(_) => Default::default(),
        };
        let log_used = state.log.lock().map(|l| l.event_bytes()).unwrap_or(0);
        Ok(quota::Budget {
            memory_used: state.memory_used(),
            memory_limit: quotas.memory_bytes,
            fuel_left,
            time_left_ms: state
                .event_deadline
                .map(|d| {
                    d.saturating_duration_since(std::time::Instant::now())
                        .as_millis() as u64
                })
                .unwrap_or(quotas.event_timeout_ms),
            storage_used: storage.bytes,
            storage_limit: quotas.storage_bytes,
            storage_keys: storage.keys,
            storage_keys_limit: quotas.storage_keys,
            http_requests_left: state.app.http.requests_left(),
            log_bytes_left: quotas.log_bytes_per_event.saturating_sub(log_used),
            page_stack: state.pages.pages().len() as u32,
            page_stack_limit: quotas.page_stack,
        })
    }
}
