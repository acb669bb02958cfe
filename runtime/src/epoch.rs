//! The epoch: how often it ticks, what a tick means to a long call, and the
//! thread that advances it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::Engine;

use crate::error::Error;

/// How often the epoch ticks: deadlines and CPU budgets are checked, and a
/// long call gives its execution slot back, at each tick. A spinning guest
/// holds a slot for one tick at a time: at 10 ms, 8 spinners beside 1,000
/// paced sessions had raised their p99 from 4.4 to 40 ms; at 1 ms, to 11 ms.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(1);

/// How much CPU a call uses (time polled, not time waiting for I/O or a
/// prompt) before an epoch tick makes it queue again for an execution slot,
/// as a long call. Short enough that a spinning guest takes a slot at its
/// first tick, long enough that a short call a tick happens to interrupt
/// does not queue behind the long ones.
pub(crate) const LONG_CALL: Duration = Duration::from_millis(1);

/// The thread that advances the engine's epoch: deadlines and CPU budgets
/// hold only while it ticks, so whatever can run guest code (the runtime,
/// and each app through its services) holds it, and the last one dropped
/// stops it.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    /// Advance `engine`'s epoch on a dedicated OS thread (a tokio task
    /// would starve while guests spin on every worker).
    pub fn start(engine: Engine) -> Result<Self, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("miniapp-epoch".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .map_err(|e| Error::Setup(format!("cannot start the epoch thread: {e}")))?;
        Ok(Self { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
