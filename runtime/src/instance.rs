//! A running app instance: one wasmtime store with the app's host state,
//! driven through its lifecycle and events.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::component::{ResourceTable, ResourceTableError};
use wasmtime::{ResourceLimiter, Store, StoreContextMut, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtx;

use crate::audit::AuditEvent;
use crate::bindings::{Miniapp, MiniappPre, lifecycle};
use crate::capability::log::{AppLog, LogRecord, SharedLog};
use crate::capability::nav::{OpenRequest, Page, PageStack, parse_url};
use crate::capability::wasi::sandboxed_ctx;
use crate::error::Error;
use crate::quota::Quotas;
use crate::runtime::{AppShared, LiveSlot};
use crate::usage::UsageCounters;

/// How an app is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// The page to open, with its query (`detail?id=3`); default: the home page.
    pub path: Option<String>,
    /// Scene code: where the user came from.
    pub scene: u32,
    /// App id of the mini-program that opened this one.
    pub referrer: Option<String>,
    /// The user, for per-user storage and consent.
    pub user: Option<String>,
}

/// A user event from the renderer.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Route of the page the event happened on.
    pub page: String,
    /// Handler name bound in the page template.
    pub handler: String,
    /// Event detail.
    pub detail: Value,
    /// The element's `data-*` attributes.
    pub dataset: Vec<(String, String)>,
    /// Whether the event is a user gesture (a tap). Only then may the app
    /// pay, read the profile or open another mini-program while handling it.
    pub gesture: bool,
}

impl Event {
    /// An event with no detail and no dataset that is not a user gesture
    /// (a scroll, a timer, an input change).
    pub fn new(page: impl Into<String>, handler: impl Into<String>) -> Event {
        Event {
            page: page.into(),
            handler: handler.into(),
            detail: Value::Null,
            dataset: Vec::new(),
            gesture: false,
        }
    }

    /// A user tap: an event that carries a user gesture.
    pub fn tap(page: impl Into<String>, handler: impl Into<String>) -> Event {
        Event {
            gesture: true,
            ..Event::new(page, handler)
        }
    }

    /// The same event with `detail`.
    pub fn with_detail(mut self, detail: Value) -> Event {
        self.detail = detail;
        self
    }
}

/// Longest error message of an app's hook kept (the rest is cut).
const MAX_APP_MESSAGE: usize = 4096;

/// Bounds an instance's memories (all together), tables and instances by its
/// quotas, and records a refusal so a trap that follows can be explained.
struct Limiter {
    quotas: Quotas,
    memory_total: usize,
    refused: Option<(&'static str, String)>,
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
                "memory",
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
                "table",
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

/// The host state of one app instance: what its host calls see.
pub struct InstanceState {
    pub(crate) app: Arc<AppShared>,
    pub(crate) user: Option<String>,
    pub(crate) data_ns: String,
    pub(crate) consent_ns: String,
    /// Whether stored consent was checked against this version's requests.
    pub(crate) consent_refreshed: bool,
    pub(crate) pages: PageStack,
    pub(crate) log: SharedLog,
    pub(crate) opened: Vec<OpenRequest>,
    /// Until when the current event's user gesture is live.
    pub(crate) gesture_deadline: Option<Instant>,
    /// When the current call's wall-clock budget ends.
    pub(crate) event_deadline: Option<Instant>,
    /// When the current call started (see `at_epoch_tick`).
    call_start: Instant,
    /// The current call's long-call slot, while it holds one.
    slot: Slot,
    limiter: Limiter,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    /// This instance's place under the runtime's live-instance cap.
    _live: LiveSlot,
}

impl InstanceState {
    /// Linear memory of this instance, bytes.
    pub(crate) fn memory_used(&self) -> u64 {
        self.limiter.memory_total as u64
    }
}

/// A running instance of an app. A trap discards it (its store is dropped);
/// the next call launches a fresh instance with the same launch options
/// (`on-launch`, `on-show`) before handling it. Stored data is unaffected.
pub struct AppInstance {
    app: Arc<AppShared>,
    pre: MiniappPre<InstanceState>,
    options: LaunchOptions,
    store: Store<InstanceState>,
    guest: Miniapp,
    discarded: bool,
}

/// What a guest call returned, before it is turned into the embedder's result.
type CallOutcome = wasmtime::Result<Result<(), String>>;

impl AppInstance {
    pub(crate) async fn launch(
        app: Arc<AppShared>,
        pre: &MiniappPre<InstanceState>,
        options: LaunchOptions,
    ) -> Result<AppInstance, Error> {
        let (store, guest) = instantiate(&app, pre, &options).await?;
        let mut instance = AppInstance {
            app,
            pre: pre.clone(),
            options,
            store,
            guest,
            discarded: false,
        };
        instance.start().await?;
        Ok(instance)
    }

    /// `on-launch` then `on-show` of a new instance.
    async fn start(&mut self) -> Result<(), Error> {
        let pages = self.store.data().pages.pages();
        let launch = lifecycle::LaunchOptions {
            path: pages[0].route.clone(),
            query: pages[0].query.clone(),
            scene: self.options.scene,
            referrer: self.options.referrer.clone(),
        };
        self.enter(false);
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let slot = self.store.data().slot.clone();
        let result = polled(lifecycle.call_on_launch(&mut self.store, &launch), &slot).await;
        self.finish(|| "on-launch".into(), result)?;
        self.on_show().await
    }

    /// Replace a discarded instance by a fresh one.
    async fn relaunch(&mut self) -> Result<(), Error> {
        let (store, guest) = instantiate(&self.app, &self.pre, &self.options).await?;
        self.store = store;
        self.guest = guest;
        self.discarded = false;
        self.start().await
    }

    /// Bring the app to the foreground (`on-show`).
    pub async fn show(&mut self) -> Result<(), Error> {
        self.ready().await?;
        self.on_show().await
    }

    async fn on_show(&mut self) -> Result<(), Error> {
        self.enter(false);
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let slot = self.store.data().slot.clone();
        let result = polled(lifecycle.call_on_show(&mut self.store), &slot).await;
        self.finish(|| "on-show".into(), result)
    }

    /// Send the app to the background (`on-hide`).
    pub async fn hide(&mut self) -> Result<(), Error> {
        self.ready().await?;
        self.enter(false);
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let slot = self.store.data().slot.clone();
        let result = polled(lifecycle.call_on_hide(&mut self.store), &slot).await;
        self.finish(|| "on-hide".into(), result)
    }

    /// Dispatch a user event (`on-event`). If a trap discarded this instance,
    /// a fresh one is launched first.
    pub async fn dispatch(&mut self, event: &Event) -> Result<(), Error> {
        self.ready().await?;
        let gesture = self.enter(event.gesture);
        let wit_event = lifecycle::Event {
            page: event.page.clone(),
            handler: event.handler.clone(),
            detail: event.detail.to_string(),
            dataset: event.dataset.clone(),
            gesture,
        };
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let slot = self.store.data().slot.clone();
        let result = polled(lifecycle.call_on_event(&mut self.store, &wit_event), &slot).await;
        self.store.data_mut().gesture_deadline = None;
        self.finish(
            || format!("on-event {}:{}", event.page, event.handler),
            result,
        )
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.app.manifest.id
    }

    /// The page stack, bottom first, with each page's data.
    pub fn pages(&self) -> &[Page] {
        self.store.data().pages.pages()
    }

    /// The data of the page on top of the stack.
    pub fn page_data(&self) -> &Value {
        &self.store.data().pages.top().data
    }

    /// Take the app's log lines written since the last call.
    pub fn drain_logs(&mut self) -> Vec<LogRecord> {
        self.store.data().log.lock().expect("log lock").drain()
    }

    /// Take the requests to open other mini-programs made since the last call.
    pub fn take_open_requests(&mut self) -> Vec<OpenRequest> {
        std::mem::take(&mut self.store.data_mut().opened)
    }

    /// Whether a trap discarded this instance (the next call relaunches it).
    pub fn is_discarded(&self) -> bool {
        self.discarded
    }

    /// Relaunch a discarded instance (a quarantined app refuses, as every
    /// launch does; a live instance is not interrupted by a quarantine).
    async fn ready(&mut self) -> Result<(), Error> {
        if self.discarded {
            self.relaunch().await?;
        }
        Ok(())
    }

    /// Prepare a call into the guest: the event's log volume, CPU fuel,
    /// wall-clock deadline and, for a user gesture, a live gesture token.
    fn enter(&mut self, gesture: bool) -> Option<String> {
        let quotas = &self.app.grants.quotas;
        let now = Instant::now();
        // The token tells the guest it holds a gesture; the host keeps the
        // deadline, so the token need not be secret, only fresh.
        let token = gesture.then(|| format!("g-{:x}", next_token()));
        let state = self.store.data_mut();
        state.log.lock().expect("log lock").start_event();
        state.event_deadline = Some(now + Duration::from_millis(quotas.event_timeout_ms));
        state.call_start = now;
        state.gesture_deadline =
            gesture.then(|| now + Duration::from_millis(quotas.gesture_ttl_ms));
        let fuel = quotas.fuel_per_event;
        // Fuel is on for every store of this engine, so setting it cannot fail.
        let _ = self.store.set_fuel(fuel);
        // At the next epoch tick, `at_epoch_tick` checks the deadline.
        self.store.set_epoch_deadline(1);
        token
    }

    /// Turn a call's result and CPU time into the embedder's result: the
    /// app's own error, or a trap (which discards the instance, counts
    /// against the crash budget and is audited).
    fn finish(
        &mut self,
        hook: impl FnOnce() -> String,
        (result, cpu): (CallOutcome, Duration),
    ) -> Result<(), Error> {
        let app = self.app.clone();
        let usage = &app.usage;
        UsageCounters::add(&usage.events, 1);
        UsageCounters::add(
            &usage.cpu_ns,
            u64::try_from(cpu.as_nanos()).unwrap_or(u64::MAX),
        );
        let fuel_left = self.store.get_fuel().unwrap_or(0);
        UsageCounters::add(
            &usage.fuel_consumed,
            app.grants.quotas.fuel_per_event.saturating_sub(fuel_left),
        );
        usage.memory_high_water.fetch_max(
            self.store.data().memory_used(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let (kind, reason) = match result {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(message)) => {
                return Err(Error::AppFailed {
                    app: app.manifest.id.clone(),
                    hook: hook(),
                    message: truncate(message),
                });
            }
            Err(trap) => explain(&trap, self.store.data(), &app.grants.quotas),
        };
        self.discarded = true;
        Err(trapped(&app, &hook(), kind, reason))
    }
}

/// Record a trap of `app` (usage, audit, crash budget) and build its error.
fn trapped(app: &AppShared, hook: &str, kind: &'static str, reason: String) -> Error {
    app.usage.trap(kind);
    app.audit(AuditEvent::Trap {
        hook: hook.to_string(),
        trap: kind,
        reason: reason.clone(),
    });
    match app
        .services
        .quarantine
        .record_trap(&app.manifest.id, &app.grants.quotas)
    {
        Ok(Some(why)) => app.audit(AuditEvent::Quarantined { reason: why }),
        Ok(None) => {}
        Err(e) => tracing::error!("cannot record a trap of {}: {e}", app.manifest.id),
    }
    Error::Trapped {
        app: app.manifest.id.clone(),
        hook: hook.to_string(),
        reason,
    }
}

fn check_quarantine(app: &AppShared) -> Result<(), Error> {
    let reason = app
        .services
        .quarantine
        .reason(&app.manifest.id)
        .map_err(|e| {
            Error::Setup(format!(
                "cannot read the quarantine record of {}: {e}",
                app.manifest.id
            ))
        })?;
    match reason {
        Some(reason) => Err(Error::Quarantined {
            app: app.manifest.id.clone(),
            reason,
        }),
        None => Ok(()),
    }
}

/// A new store and instance of `app`, with its quotas in force.
pub(crate) async fn instantiate(
    app: &Arc<AppShared>,
    pre: &MiniappPre<InstanceState>,
    options: &LaunchOptions,
) -> Result<(Store<InstanceState>, Miniapp), Error> {
    check_quarantine(app)?;
    let manifest = &app.manifest;
    let live = app.live.acquire().ok_or_else(|| Error::Capacity {
        app: manifest.id.clone(),
        live: app.live.cap(),
    })?;
    let path = options
        .path
        .clone()
        .unwrap_or_else(|| manifest.home_page().to_string());
    let (route, query) = parse_url(manifest, &path).map_err(|reason| Error::BadRequest {
        app: manifest.id.clone(),
        reason,
    })?;
    let quotas = &app.grants.quotas;
    let log = AppLog::shared(quotas.log_bytes_per_event);
    let storage_user = options
        .user
        .as_deref()
        .filter(|_| app.grants.per_user_storage);
    let data_ns = crate::capability::storage::namespace(&manifest.id, storage_user);
    let mut table = ResourceTable::new();
    table.set_max_capacity(quotas.resource_handles as usize);
    let state = InstanceState {
        consent_ns: crate::consent::namespace(&manifest.id, options.user.as_deref()),
        consent_refreshed: false,
        data_ns,
        user: options.user.clone(),
        pages: PageStack::new(route, query, quotas.page_stack as usize),
        wasi: sandboxed_ctx(&log),
        log,
        opened: Vec::new(),
        gesture_deadline: None,
        // Instantiation runs guest code too: it gets an event's time.
        event_deadline: Some(Instant::now() + Duration::from_millis(quotas.event_timeout_ms)),
        call_start: Instant::now(),
        slot: Slot::default(),
        limiter: Limiter {
            quotas: quotas.clone(),
            memory_total: 0,
            refused: None,
        },
        table,
        app: app.clone(),
        _live: live,
    };
    let mut store = Store::new(&app.engine, state);
    store.limiter(|s| &mut s.limiter);
    store.epoch_deadline_callback(at_epoch_tick);
    store.set_epoch_deadline(1);
    let _ = store.set_fuel(quotas.fuel_per_event);
    let slot = store.data().slot.clone();
    let (kind, reason) = match polled(pre.instantiate_async(&mut store), &slot).await.0 {
        Ok(guest) => return Ok((store, guest)),
        // The pooling allocator is full: a capacity refusal, not the app's fault.
        Err(e)
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                .is_some() =>
        {
            return Err(Error::Capacity {
                app: manifest.id.clone(),
                live: app.live.cap(),
            });
        }
        Err(trap) => explain(&trap, store.data(), quotas),
    };
    Err(trapped(app, "instantiation", kind, reason))
}

/// A fresh number for gesture tokens.
fn next_token() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_APP_MESSAGE {
        let mut end = MAX_APP_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str("...");
    }
    message
}

/// The epoch deadline callback of every store: it runs at each epoch tick
/// (every `EPOCH_TICK`, 10 ms) that finds the store running guest code.
/// Past the call's wall-clock deadline it traps (`Trap::Interrupt`,
/// reported as the time limit). Before it, the guest yields to the tokio
/// scheduler so that other tasks run, and continues until the next tick:
///
/// - The yield is `tokio::task::yield_now`, not wasmtime's built-in
///   `UpdateDeadline::Yield`: that one wakes the task at once, tokio puts it
///   in the worker's LIFO slot and polls the same guest again straight away
///   (wasmtime issue 10667), so a spinning guest would keep its worker.
///   `yield_now` hands its waker to the scheduler, which wakes it only after
///   the worker has run every other ready task and polled its drivers.
/// - A long call (one that started [`LONG_CALL`] or more before the tick)
///   also gives up its long-call slot at each tick and waits for one
///   again, first come first served (`RuntimeBuilder::long_call_slots`,
///   default: the cores less one). Long calls then take turns on those
///   slots a tick at a time and leave the other workers to short calls,
///   which never wait a tick behind a spinning neighbour.
fn at_epoch_tick(
    mut store: StoreContextMut<'_, InstanceState>,
) -> wasmtime::Result<UpdateDeadline> {
    let state = store.data_mut();
    let now = Instant::now();
    match state.event_deadline {
        Some(deadline) if now < deadline => {}
        _ => return Ok(UpdateDeadline::Interrupt),
    }
    if now.duration_since(state.call_start) < LONG_CALL {
        return Ok(UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ));
    }
    let slot = state.slot.clone();
    let slots = state.app.services.long_calls.clone();
    Ok(UpdateDeadline::YieldCustom(
        1,
        Box::pin(async move {
            slot.release();
            tokio::task::yield_now().await;
            // The semaphore is never closed.
            if let Ok(permit) = slots.acquire_owned().await {
                slot.hold(permit);
            }
        }),
    ))
}

/// How long a call runs before an epoch tick makes it wait for a long-call
/// slot. Short enough that a spinning guest takes a slot at its first tick,
/// long enough that a short call a tick happens to interrupt does not queue
/// behind the long ones.
const LONG_CALL: Duration = Duration::from_millis(1);

/// A call's place among the runtime's long-call slots (see
/// `at_epoch_tick`), held only while its guest runs.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<Option<OwnedSemaphorePermit>>>);

impl Slot {
    fn hold(&self, permit: OwnedSemaphorePermit) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(permit);
    }

    fn release(&self) {
        drop(self.0.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}

/// Drive a guest call to its end and measure its CPU time: the wall time
/// spent inside its `poll` (guest code, and host calls made inline), not
/// the time it waits on the host (network, timers) or for a worker. While
/// the call waits, and when it ends, it holds no long-call slot.
async fn polled<F: Future>(call: F, slot: &Slot) -> (F::Output, Duration) {
    let mut call = std::pin::pin!(call);
    let mut busy = Duration::ZERO;
    let output = std::future::poll_fn(|cx| {
        let start = Instant::now();
        let poll = call.as_mut().poll(cx);
        busy += start.elapsed();
        if poll.is_pending() {
            slot.release();
        }
        poll
    })
    .await;
    slot.release();
    (output, busy)
}

fn time_limit(quotas: &Quotas) -> String {
    format!(
        "time limit of {} ms per event exceeded",
        quotas.event_timeout_ms
    )
}

/// Say why a call trapped, as a kind (time, cpu, memory, table, stack,
/// handles, exit, other) and a reason naming the limit where one was hit.
fn explain(
    error: &wasmtime::Error,
    state: &InstanceState,
    quotas: &Quotas,
) -> (&'static str, String) {
    if let Some((kind, refused)) = &state.limiter.refused {
        return (kind, refused.clone());
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return ("exit", format!("the app exited with status {}", exit.0));
    }
    if error
        .chain()
        .any(|e| e.downcast_ref::<ResourceTableError>().is_some())
    {
        return (
            "handles",
            format!(
                "resource handle quota of {} live handles exceeded",
                quotas.resource_handles
            ),
        );
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => ("time", time_limit(quotas)),
        Some(Trap::OutOfFuel) => (
            "cpu",
            format!(
                "CPU quota of {} fuel per event exceeded",
                quotas.fuel_per_event
            ),
        ),
        Some(Trap::StackOverflow) => ("stack", "wasm stack overflow".into()),
        Some(Trap::MemoryOutOfBounds) => (
            "other",
            "out-of-bounds memory access (a guest whose shadow stack overflows also traps so)"
                .into(),
        ),
        Some(trap) => ("other", format!("{trap}")),
        None => ("other", format!("{error:#}")),
    }
}
