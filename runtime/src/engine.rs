//! The engine every app of a runtime shares: wasmtime's configuration
//! (epochs, fuel, pooling), the linker with the host API,
//! and the live-instance cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use miniapp_config::{Policy, Quotas};
use wasmtime::component::Linker;
use wasmtime::{Config, Engine};

use crate::capability::HostState;
use crate::error::Error;

/// One execution slot per core (at least 1).
pub(crate) fn default_execution_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// wasmtime's configuration: wall-clock deadlines, CPU time and yields by
/// epoch, instruction budgets by fuel if `fuel`, the wasm stack, and the
/// pooling allocator if asked.
pub(crate) fn config(
    policy: &Policy,
    fuel: bool,
    max_wasm_stack: usize,
    pooling: Option<u32>,
) -> Result<Config, Error> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.consume_fuel(fuel);
    config.max_wasm_stack(max_wasm_stack);
    config.wasm_component_model(true);
    if let Some(max_live) = pooling {
        configure_pooling(&mut config, policy, max_live)?;
    }
    Ok(config)
}

/// Size the pooling allocator from the policy's largest quotas.
fn configure_pooling(config: &mut Config, policy: &Policy, max_live: u32) -> Result<(), Error> {
    let mut quotas = vec![policy.quotas_for("")?];
    for id in policy.apps.keys() {
        quotas.push(policy.quotas_for(id)?);
    }
    let max = |f: fn(&Quotas) -> u64| quotas.iter().map(f).max().unwrap_or(0);
    let memory = max(|q| q.memory_bytes) as usize;
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_component_instances(max_live)
        // A Rust component is one main core instance plus a few adapters.
        .total_core_instances(max_live.saturating_mul(8))
        .total_memories(max_live.saturating_mul(2))
        .total_tables(max_live.saturating_mul(4))
        // A store keeps its fiber stack between async calls: one per live instance.
        .total_stacks(max_live)
        .max_core_instances_per_component(max(|q| u64::from(q.instances)) as u32)
        .max_memories_per_component(max(|q| u64::from(q.memories)) as u32)
        .max_tables_per_component(max(|q| u64::from(q.tables)) as u32)
        .table_elements(max(|q| q.table_elements) as usize)
        .max_memory_size(memory)
        // Return slots to the OS in batches, not one madvise per instance.
        .decommit_batch_size(64)
        // Zero small tables with memset rather than a system call.
        .table_keep_resident(16 * 1024);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    // Reserve only what the memory quota allows (explicit bounds checks)
    // rather than 4 GiB per slot, so thousands of slots fit.
    config.memory_reservation(memory as u64);
    config.memory_guard_size(64 * 1024);
    config.memory_reservation_for_growth(0);
    Ok(())
}

/// Counts live instances against the runtime's cap.
pub(crate) struct LiveInstances {
    count: AtomicU32,
    cap: u32,
}

/// One live instance; releases its place when dropped.
pub(crate) struct LiveSlot(Arc<LiveInstances>);

impl LiveInstances {
    /// A cap of `cap` live instances.
    pub fn new(cap: u32) -> Arc<LiveInstances> {
        Arc::new(LiveInstances {
            count: AtomicU32::new(0),
            cap,
        })
    }

    pub fn acquire(self: &Arc<Self>) -> Option<LiveSlot> {
        let mut now = self.count.load(Ordering::Relaxed);
        loop {
            if now >= self.cap {
                return None;
            }
            match self.count.compare_exchange_weak(
                now,
                now + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(LiveSlot(self.clone())),
                Err(actual) => now = actual,
            }
        }
    }

    pub fn cap(&self) -> u32 {
        self.cap
    }
}

impl Drop for LiveSlot {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The linker with the whole host API, built once per runtime, for a store
/// of state `T` (the instance's): the current version, and 0.1.0 under its
/// own names for the packages built against it.
pub(crate) fn linker<T: HostState>(engine: &Engine) -> Result<Linker<T>, Error> {
    let mut linker = Linker::new(engine);
    crate::capability::add_to_linker(&mut linker)
        .and_then(|()| crate::capability::v0_1::add_to_linker(&mut linker))
        .map_err(|e| Error::Setup(format!("linker: {e}")))?;
    Ok(linker)
}
