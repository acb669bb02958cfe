//! Limits of one instance beyond what wasmtime enforces by itself: the
//! [`Limiter`] bounding guest memories and tables by the app's quotas, and
//! the [`HostMemory`] budget bounding what the host holds on the instance's
//! behalf.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use miniapp_config::Quotas;
use wasmtime::ResourceLimiter;

use crate::trap_kind::TrapKind;

/// Bounds an instance's memories (all together), tables and instances by its
/// quotas, and remembers a refusal so a trap that follows can be explained.
pub(crate) struct Limiter {
    quotas: Quotas,
    memory_total: usize,
    refused: Option<(TrapKind, String)>,
}

impl Limiter {
    /// A limiter for `quotas`.
    pub fn new(quotas: &Quotas) -> Limiter {
        Limiter {
            quotas: quotas.clone(),
            memory_total: 0,
            refused: None,
        }
    }

    /// Linear memory of the instance, bytes.
    pub fn memory_used(&self) -> u64 {
        self.memory_total as u64
    }

    /// The refusal recorded during the current call, if any.
    pub fn refused(&self) -> Option<&(TrapKind, String)> {
        self.refused.as_ref()
    }

    /// Forget the previous call's refusal (a refused growth the guest
    /// handled must not explain a later, unrelated trap).
    pub fn start_call(&mut self) {
        self.refused = None;
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.memory_total - current.min(self.memory_total) + desired;
        let limit = usize::try_from(self.quotas.memory_bytes).unwrap_or(usize::MAX);
        if total > limit {
            self.refused = Some((
                TrapKind::Memory,
                format!("memory quota of {limit} bytes exceeded (asked for {total} bytes)"),
            ));
            return Ok(false);
        }
        self.memory_total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let limit = self.quotas.table_elements;
        if desired as u64 > limit {
            self.refused = Some((
                TrapKind::Table,
                format!("table quota of {limit} elements exceeded (asked for {desired})"),
            ));
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.quotas.instances as usize
    }
    fn tables(&self) -> usize {
        self.quotas.tables as usize
    }
    fn memories(&self) -> usize {
        self.quotas.memories as usize
    }
}

/// Memory the host holds on one instance's behalf (page data over the whole
/// stack, undrained log lines, open requests, HTTP bodies being received),
/// bounded by the `host_memory_bytes` quota. Shared by the capabilities that
/// hold such memory; each charges before it holds and releases after.
#[derive(Debug)]
pub struct HostMemory {
    limit: u64,
    used: AtomicU64,
}

impl HostMemory {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Arc<HostMemory> {
        Arc::new(HostMemory {
            limit,
            used: AtomicU64::new(0),
        })
    }

    /// Charge `bytes` for `what`, or refuse with a message naming the budget.
    pub fn charge(&self, bytes: u64, what: &str) -> Result<(), String> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let after = used.saturating_add(bytes);
            if after > self.limit {
                return Err(format!(
                    "host memory budget of {} bytes per instance exceeded: {what} needs {bytes} bytes, {used} are in use (quota `host_memory_bytes`)",
                    self.limit
                ));
            }
            match self
                .used
                .compare_exchange_weak(used, after, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(now) => used = now,
            }
        }
    }

    /// Charge `bytes` for `what` while the returned guard lives.
    pub fn hold(self: &Arc<Self>, bytes: u64, what: &str) -> Result<Held, String> {
        self.charge(bytes, what)?;
        Ok(Held {
            budget: self.clone(),
            bytes,
        })
    }

    /// Give back `bytes` charged earlier.
    pub fn release(&self, bytes: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |u| {
                Some(u.saturating_sub(bytes))
            });
    }

    /// Bytes held now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The budget, bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_past_its_limit_and_frees_on_release() {
        let budget = HostMemory::new(100);
        budget.charge(60, "page data").unwrap();
        let err = budget.charge(50, "log lines").unwrap_err();
        assert!(
            err.contains("budget of 100 bytes") && err.contains("log lines needs 50"),
            "{err}"
        );
        assert_eq!(budget.used(), 60);
        budget.release(60);
        budget.charge(100, "page data").unwrap();
    }
}

/// Bytes charged to a [`HostMemory`] budget, given back when dropped.
#[derive(Debug)]
pub struct Held {
    budget: Arc<HostMemory>,
    bytes: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

/// When the current call's wall-clock budget ends; host-side waits (a
/// provider, the network) are bounded by what is left.
#[derive(Debug, Clone)]
pub(crate) struct Deadline {
    at: Option<std::time::Instant>,
    timeout: std::time::Duration,
    /// Time the current call waited for an execution slot (nanoseconds):
    /// the host's load, not the app's time, so it moves the deadline.
    waited: Arc<AtomicU64>,
}

impl Deadline {
    /// No call under way; a call gets `timeout`, plus what it waits for an
    /// execution slot (counted in `waited`).
    pub fn new(timeout: std::time::Duration, waited: Arc<AtomicU64>) -> Deadline {
        Deadline {
            at: None,
            timeout,
            waited,
        }
    }

    /// Start a call now.
    pub fn start_call(&mut self) {
        self.waited.store(0, Ordering::Relaxed);
        self.at = Some(std::time::Instant::now() + self.timeout);
    }

    /// When the current call's time is up.
    fn end(&self) -> Option<std::time::Instant> {
        let waited = std::time::Duration::from_nanos(self.waited.load(Ordering::Relaxed));
        self.at.map(|at| at + waited)
    }

    /// Whether the current call's time is up.
    pub fn passed(&self) -> bool {
        self.end()
            .is_some_and(|end| std::time::Instant::now() >= end)
    }

    /// Time left in the current call (the whole budget between calls).
    pub fn left(&self) -> std::time::Duration {
        self.end()
            .map(|end| end.saturating_duration_since(std::time::Instant::now()))
            .unwrap_or(self.timeout)
    }
}

/// CPU time of the current call: the time its future spends being polled
/// (guest code and synchronous host calls, not waits), readable while the
/// call runs so the epoch tick can enforce the CPU budget.
#[derive(Debug)]
pub(crate) struct CpuMeter {
    origin: std::time::Instant,
    spent_ns: AtomicU64,
    /// When the poll under way started (ns since `origin`, plus one); 0 if none.
    polling_since: AtomicU64,
}

impl CpuMeter {
    /// A meter at zero.
    pub fn new() -> Arc<CpuMeter> {
        Arc::new(CpuMeter {
            origin: std::time::Instant::now(),
            spent_ns: AtomicU64::new(0),
            polling_since: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64 + 1
    }

    /// Start a call at zero.
    pub fn start_call(&self) {
        self.spent_ns.store(0, Ordering::Relaxed);
    }

    /// A poll of the call begins.
    pub fn poll_started(&self) {
        self.polling_since.store(self.now(), Ordering::Relaxed);
    }

    /// The poll under way ended.
    pub fn poll_ended(&self) {
        let since = self.polling_since.swap(0, Ordering::Relaxed);
        if since != 0 {
            self.spent_ns
                .fetch_add(self.now().saturating_sub(since), Ordering::Relaxed);
        }
    }

    /// CPU time of the call so far, the poll under way included.
    pub fn used(&self) -> std::time::Duration {
        let since = self.polling_since.load(Ordering::Relaxed);
        let running = if since == 0 {
            0
        } else {
            self.now().saturating_sub(since)
        };
        std::time::Duration::from_nanos(self.spent_ns.load(Ordering::Relaxed) + running)
    }
}

/// The trap raised when a call's CPU time passes its budget.
#[derive(Debug, thiserror::Error)]
#[error("CPU time limit exceeded")]
pub(crate) struct CpuTimeExceeded;

/// A call's execution slot (see [`crate::fair`]), held only while its
/// guest runs: taken when a call starts, given back when it waits and when
/// it ends, and taken again as a long call at the epoch tick that finds it
/// running past `LONG_CALL` (see `instance::metering::at_epoch_tick`).
#[derive(Clone)]
pub(crate) struct ExecSlot {
    slots: Arc<crate::fair::FairSlots>,
    app: Arc<str>,
    weight: u32,
    held: Arc<std::sync::Mutex<Option<crate::fair::SlotPermit>>>,
    /// Nanoseconds the current call waited for a slot (see [`Deadline`]).
    waited: Arc<AtomicU64>,
    /// Until the instance's first view: its calls go first within the app.
    launching: Arc<std::sync::atomic::AtomicBool>,
}

impl ExecSlot {
    /// The slot of calls of `app` (by its id), with its `cpu_weight`.
    pub fn new(slots: Arc<crate::fair::FairSlots>, app: Arc<str>, weight: u32) -> ExecSlot {
        ExecSlot {
            slots,
            app,
            weight,
            held: Arc::default(),
            waited: Arc::default(),
            launching: Arc::new(true.into()),
        }
    }

    /// The instance has shown its first view: its calls queue as events.
    pub fn launched(&self) {
        self.launching.store(false, Ordering::Relaxed);
    }

    fn call(&self, long: bool) -> crate::fair::Call {
        use crate::fair::Call;
        match (long, self.launching.load(Ordering::Relaxed)) {
            (true, _) => Call::Long,
            (false, true) => Call::Launch,
            (false, false) => Call::Event,
        }
    }

    /// What the current call waited for a slot, nanoseconds (shared with
    /// its [`Deadline`]).
    pub fn waited(&self) -> Arc<AtomicU64> {
        self.waited.clone()
    }

    /// Take a slot if one is free now; `false` if the call must wait.
    pub fn try_take(&self, long: bool) -> bool {
        let permit = self
            .slots
            .try_acquire(&self.app, self.weight, self.call(long));
        let taken = permit.is_some();
        if taken {
            *self.held.lock().unwrap_or_else(|e| e.into_inner()) = permit;
        }
        taken
    }

    /// Wait for a slot (`long`: queue as a long call) and hold it.
    pub async fn take(&self, long: bool) {
        let asked = std::time::Instant::now();
        let permit = (self.slots)
            .acquire(&self.app, self.weight, self.call(long))
            .await;
        let waited = asked.elapsed().as_nanos() as u64;
        self.waited.fetch_add(waited, Ordering::Relaxed);
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(permit);
    }

    /// Give the slot back, if held (the app is charged for the time held).
    pub fn release(&self) {
        let permit = self.held.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(permit);
    }
}
