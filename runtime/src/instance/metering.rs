//! A guest call's budget: entering a call (fuel, CPU time, deadline,
//! gesture), the epoch tick that traps or yields it, and the timing of
//! the CPU it takes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use wasmtime::{Store, UpdateDeadline};

use super::InstanceState;
use crate::epoch::LONG_CALL;
use crate::limits::{CpuMeter, CpuTimeExceeded, ExecSlot};

/// What a call's budget had spent before it: a page hook shares the budget
/// of the callback that led to it, and counts only its own share.
pub(super) struct Spent {
    pub(super) cpu: Duration,
    pub(super) fuel: u64,
}

impl Spent {
    pub(super) fn before(store: &mut Store<InstanceState>, fresh: bool) -> Spent {
        let fuel_per_event = store.data().app.grants.quotas.fuel_per_event;
        match fresh {
            true => Spent {
                cpu: Duration::ZERO,
                fuel: fuel_per_event,
            },
            false => Spent {
                cpu: store.data().cpu.used(),
                fuel: store.get_fuel().unwrap_or(fuel_per_event),
            },
        }
    }
}

/// Whether a call starts its event's gesture (a tap's, or none), or
/// continues the gesture of the call before it (the next handler of one
/// view event: one tap, one gesture), with whether the event is a tap.
#[derive(Clone, Copy)]
pub(super) enum Gesturing {
    Start(bool),
    Continue(bool),
}

/// Prepare a call into the guest: with `fuel` (a new callback), a fresh
/// budget: the event's log volume, CPU fuel, CPU time and wall-clock
/// deadline; without (a page hook), the budget as the callback left it.
/// For a user gesture, a gesture the app may spend on one sensitive action.
/// Returns the gesture token for the guest, and what the call is measured
/// by.
pub(super) fn enter(
    store: &mut Store<InstanceState>,
    gesture: Gesturing,
    fuel: Option<u64>,
) -> (Option<String>, Meters) {
    let state = store.data_mut();
    let meters = (state.cpu.clone(), state.slot.clone());
    let gesture = match gesture {
        Gesturing::Start(tap) => {
            state.call.gesture.start_event(tap);
            tap
        }
        Gesturing::Continue(tap) => tap,
    };
    if let Some(fuel) = fuel {
        state.cpu.start_call();
        state
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .start_event();
        state.call.deadline.start_call();
        state.limiter.start_call();
        state.call.audit.start_event();
        state.call.host_ui_drawn = 0;
        // Fails only when the runtime meters no fuel.
        let _ = store.set_fuel(fuel);
    }
    store.set_epoch_deadline(1);
    // The token tells the guest it holds a gesture; the host keeps the
    // gesture itself, so the token need not be secret, only fresh.
    (gesture.then(|| format!("g-{:x}", next_token())), meters)
}

/// What a call is measured by: its CPU meter and its long-call slot.
pub(super) type Meters = (Arc<CpuMeter>, ExecSlot);

/// At every epoch tick (every [`EPOCH_TICK`](crate::epoch::EPOCH_TICK))
/// that finds a store running guest code:
///
/// - past the call's wall-clock deadline or its CPU time budget, trap;
/// - a short call (less than [`LONG_CALL`] of CPU so far) goes on;
/// - a long call yields, so other tasks on this worker run. The yield is
///   `tokio::task::yield_now`, which hands the task to the scheduler to run
///   after the worker's other ready tasks; wasmtime's built-in `Yield` wakes
///   it at once into tokio's LIFO slot, which polls the same guest again
///   (wasmtime issue 10667). It also gives its execution slot back, charged
///   for the time it held it, and queues again as a long call, in weighted
///   fair order across apps
///   (`crate::fair`; `RuntimeBuilder::execution_slots`, default one per
///   core). Long calls take turns a tick at a time and hold all slots but
///   one at most, so short calls never wait a tick behind a spinning
///   neighbour.
pub(super) fn at_epoch_tick(
    store: wasmtime::StoreContextMut<'_, InstanceState>,
) -> wasmtime::Result<UpdateDeadline> {
    let state = store.data();
    if state.call.deadline.passed() {
        return Err(wasmtime::Trap::Interrupt.into());
    }
    if state.cpu.used() > Duration::from_millis(state.app.grants.quotas.cpu_ms_per_event) {
        return Err(CpuTimeExceeded.into());
    }
    if state.cpu.used() < LONG_CALL {
        // A short call runs on: it ends soon, or is long at a later tick.
        return Ok(UpdateDeadline::Continue(1));
    }
    let slot = state.slot.clone();
    let left = state.call.deadline.left();
    Ok(UpdateDeadline::YieldCustom(
        1,
        Box::pin(async move {
            slot.release();
            tokio::task::yield_now().await;
            // Past the deadline the call goes on without a slot, to trap at
            // its next tick.
            let _ = tokio::time::timeout(left, slot.take(true)).await;
        }),
    ))
}

/// Run `call`, measuring the time it spends being polled: the CPU it takes
/// on this thread, guest code and synchronous host calls, without the time
/// it waits (for the network, a provider, or its turn after a yield).
/// While it waits, and when it ends, it holds no long-call slot. Past
/// `limit` it is dropped and traps as past its deadline: the epoch check
/// only runs in guest code, and a guest can wait in WASI (a sleep, a poll)
/// for as long as it asks. The timer is armed only when the call first
/// waits: a call that runs straight through (most events, every cold start
/// of a simple app) costs no timer. Returns its output and its CPU time.
pub(super) async fn timed<T>(
    (meter, slot): &Meters,
    limit: Duration,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> (wasmtime::Result<T>, Duration) {
    struct Timed<'a, F> {
        call: Pin<&'a mut F>,
        meter: &'a CpuMeter,
        slot: &'a ExecSlot,
        started: std::time::Instant,
        limit: Duration,
        deadline: Option<Pin<Box<tokio::time::Sleep>>>,
        /// Waits for an execution slot already added to the limit, ns.
        credited: u64,
    }
    impl<T, F: Future<Output = wasmtime::Result<T>>> Future for Timed<'_, F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            self.meter.poll_started();
            let poll = self.call.as_mut().poll(cx);
            self.meter.poll_ended();
            if poll.is_ready() {
                return poll;
            }
            self.slot.release();
            let left = self.limit.saturating_sub(self.started.elapsed());
            let deadline = self
                .deadline
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(left)));
            if deadline.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Time spent waiting for a slot is the host's load: it moves
            // the limit, as it moves the call's deadline.
            let waited = self
                .slot
                .waited()
                .load(std::sync::atomic::Ordering::Relaxed);
            if waited > self.credited {
                let extra = Duration::from_nanos(waited - self.credited);
                self.credited = waited;
                let deadline = self.deadline.as_mut().expect("armed");
                let at = deadline.deadline() + extra;
                deadline.as_mut().reset(at);
                return match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(wasmtime::Trap::Interrupt.into())),
                    Poll::Pending => Poll::Pending,
                };
            }
            Poll::Ready(Err(wasmtime::Trap::Interrupt.into()))
        }
    }
    // A call waits its turn for a slot as long as its deadline allows; past
    // that it runs without one (admission control is the embedder's: a
    // server refuses work it cannot run in time).
    if !slot.try_take(false) {
        let _ = tokio::time::timeout(limit, slot.take(false)).await;
    }
    // Pinned where it is: no allocation per call.
    let call = std::pin::pin!(call);
    let output = Timed {
        call,
        meter,
        slot,
        started: std::time::Instant::now(),
        limit,
        deadline: None,
        credited: slot.waited().load(std::sync::atomic::Ordering::Relaxed),
    }
    .await;
    slot.release();
    (output, meter.used())
}

/// A fresh number for gesture tokens.
fn next_token() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
