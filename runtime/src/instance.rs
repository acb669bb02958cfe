//! A running app instance: one wasmtime store holding the app's host state
//! (one context per capability), driven through its lifecycle and events.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use wasmtime::component::ResourceTable;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::WasiCtx;

use crate::app::{App, AppShared};
use crate::audit::EventAudit;
use crate::bindings::{Miniapp, MiniappPre, lifecycle};
use crate::capability::Granted;
use crate::capability::gesture::Gesture;
use crate::capability::http::HttpCtx;
use crate::capability::identity::IdentityCtx;
use crate::capability::location::LocationCtx;
use crate::capability::log::{AppLog, LogRecord, SharedLog};
use crate::capability::nav::{DataTarget, NavCtx, OpenRequest, Page, PageStack, parse_url};
use crate::capability::payment::PaymentCtx;
use crate::capability::permission::ConsentCtx;
use crate::capability::storage::StorageCtx;
use crate::capability::wasi::sandboxed_ctx;
use crate::engine::{EPOCH_TICK, LONG_CALL, LiveSlot};
use crate::error::Error;
use crate::event::{Event, LaunchOptions};
use crate::limits::{CpuMeter, CpuTimeExceeded, Deadline, ExecSlot, HostMemory, Limiter};
use crate::page_view::PageView;
use crate::trap::{explain, trapped};
use crate::usage::UsageCounters;
use miniapp_view::events::{EventError, Resolved, ViewEvent, resolve_with_fields};
use pages::{PageHooks, keep_first};

mod pages;
mod storage_writes;

pub(crate) use pages::PageHookIndices;

/// Longest error message of an app's hook kept (the rest is cut).
const MAX_APP_MESSAGE: usize = 4096;

/// The host state of one app instance: one context per capability (a gated
/// one only where its grant holds), and the limits of the current call.
pub struct InstanceState {
    pub(crate) app: Arc<AppShared>,
    /// The current call's wall-clock budget.
    pub(crate) deadline: Deadline,
    /// The current call's CPU time.
    pub(crate) cpu: Arc<CpuMeter>,
    /// The current call's long-call slot, while it holds one.
    slot: ExecSlot,
    /// The current event's user gesture, if any.
    pub(crate) gesture: Gesture,
    /// What the host holds on this instance's behalf.
    pub(crate) host_memory: Arc<HostMemory>,
    /// The audit records of the current callback (within its disk budget).
    pub(crate) audit: EventAudit,
    pub(crate) limiter: Limiter,
    pub(crate) log: SharedLog,
    pub(crate) nav: NavCtx,
    pub(crate) consent: ConsentCtx,
    pub(crate) storage: Granted<StorageCtx>,
    pub(crate) http: Granted<HttpCtx>,
    pub(crate) identity: Granted<IdentityCtx>,
    pub(crate) location: Granted<LocationCtx>,
    pub(crate) payment: Granted<PaymentCtx>,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    /// This instance's place under the runtime's live-instance cap.
    _live: LiveSlot,
}

impl InstanceState {
    /// The state of a new instance of `app`, opened on `route`.
    pub(crate) fn new(
        app: &Arc<AppShared>,
        options: &LaunchOptions,
        (route, query): (String, Vec<(String, String)>),
        live: LiveSlot,
    ) -> Result<InstanceState, String> {
        let quotas = &app.grants.quotas;
        let user = options.user.as_deref();
        let host_memory = HostMemory::new(quotas.host_memory_bytes);
        let log = AppLog::shared(quotas.log_bytes_per_event, host_memory.clone());
        let pages = PageStack::new(
            route,
            query,
            quotas.page_stack as usize,
            host_memory.clone(),
        )?;
        let mut table = ResourceTable::new();
        table.set_max_capacity(quotas.resource_handles as usize);
        let slot = ExecSlot::new(
            app.services.slots.clone(),
            app.slot_key.clone(),
            quotas.cpu_weight,
        );
        Ok(InstanceState {
            deadline: Deadline::new(
                Duration::from_millis(quotas.event_timeout_ms),
                slot.waited(),
            ),
            cpu: CpuMeter::new(),
            slot,
            gesture: Gesture::new(Duration::from_millis(quotas.gesture_ttl_ms)),
            limiter: Limiter::new(quotas),
            wasi: sandboxed_ctx(&log),
            log,
            nav: NavCtx::new(pages),
            consent: ConsentCtx::new(app, user),
            storage: StorageCtx::new(app, user),
            http: HttpCtx::new(app, &host_memory),
            identity: IdentityCtx::new(app, user),
            location: LocationCtx::new(app),
            payment: PaymentCtx::new(app),
            host_memory,
            audit: EventAudit::default(),
            table,
            app: app.clone(),
            _live: live,
        })
    }
}

/// A running instance of an app. A trap discards it: its store is dropped
/// at once (its memory, pool slot and place under the live-instance cap go
/// with it); the next call launches a fresh instance with the same launch
/// options (`on-launch`, `on-show`) before handling it. Stored data is
/// unaffected.
pub struct AppInstance {
    app: Arc<AppShared>,
    pre: MiniappPre<InstanceState>,
    options: LaunchOptions,
    /// The store and the guest; `None` once a trap discarded them.
    live: Option<Live>,
    /// Log lines of a discarded store, kept for the embedder to drain.
    orphaned_logs: Vec<LogRecord>,
    /// The top page's rendered view.
    view: PageView,
    /// Where a chain of handlers of one view event is.
    chain: Chain,
    /// Its storage writes, while the embedder holds them.
    held: Option<crate::capability::storage::HeldWrites>,
}

/// The handlers one view event resolves to (a tap bubbling through
/// several bindings, a submit after the tap) are one user action: one
/// gesture, one budget.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chain {
    /// Not in a chain.
    Off,
    /// The first handler: it starts the gesture and the budget.
    First,
    /// A later handler: it continues them.
    Later,
}

/// A live instance: its store and the guest's exports.
pub(crate) struct Live {
    store: Store<InstanceState>,
    guest: Miniapp,
    /// The page hooks, if the app exports them.
    pages: Option<PageHooks>,
}

/// A lifecycle call into the guest.
enum Hook<'a> {
    Launch(lifecycle::LaunchOptions),
    Show,
    Hide,
    Event(&'a Event),
    /// `on-load` of the page with this serial.
    Load {
        serial: u64,
        route: String,
        query: Vec<(String, String)>,
    },
    Ready(String),
    Unload(String),
}

impl Hook<'_> {
    fn name(&self) -> String {
        match self {
            Hook::Launch(_) => "on-launch".into(),
            Hook::Show => "on-show".into(),
            Hook::Hide => "on-hide".into(),
            Hook::Event(e) => format!("on-event {}:{}", e.page, e.handler),
            Hook::Load { route, .. } => format!("on-load {route}"),
            Hook::Ready(route) => format!("on-ready {route}"),
            Hook::Unload(route) => format!("on-unload {route}"),
        }
    }

    /// Whether this is a page hook, which runs within the budget (time,
    /// CPU, fuel, log volume) of the callback that led to it.
    fn follows_a_callback(&self) -> bool {
        matches!(self, Hook::Load { .. } | Hook::Ready(_) | Hook::Unload(_))
    }

    /// The page `set-data` acts on during this hook.
    fn data_target(&self) -> DataTarget {
        match self {
            Hook::Load { serial, .. } => DataTarget::Loading(*serial),
            Hook::Unload(route) => DataTarget::Unloading(route.clone()),
            _ => DataTarget::Top,
        }
    }
}

/// What a guest call returned, before it is turned into the embedder's result.
type CallOutcome = wasmtime::Result<Result<(), String>>;

/// An empty page's data, for a discarded instance.
static NO_DATA: Value = Value::Null;

impl AppInstance {
    pub(crate) async fn launch(
        app: Arc<AppShared>,
        pre: &MiniappPre<InstanceState>,
        options: LaunchOptions,
    ) -> Result<AppInstance, Error> {
        let live = instantiate(&app, pre, &options).await?;
        let mut instance = AppInstance {
            app,
            pre: pre.clone(),
            options,
            live: Some(live),
            orphaned_logs: Vec::new(),
            view: PageView::default(),
            chain: Chain::Off,
            held: None,
        };
        instance.start().await?;
        Ok(instance)
    }

    /// `on-launch` then `on-show` of a new instance, then the first page's
    /// `on-load`, its render and its `on-ready`.
    async fn start(&mut self) -> Result<(), Error> {
        let Some(live) = &self.live else {
            return Err(self.discarded());
        };
        let pages = live.store.data().nav.pages.pages();
        let launch = lifecycle::LaunchOptions {
            path: pages[0].route.clone(),
            query: pages[0].query.clone(),
            scene: self.options.scene,
            referrer: self.options.referrer.clone(),
        };
        self.call(Hook::Launch(launch)).await?;
        // Every page on the stack is new to the app.
        let shown = self.callback(Some(Hook::Show), Vec::new()).await;
        if let Some(live) = &self.live {
            live.store.data().slot.launched();
        }
        shown
    }

    /// A callback the user sees: `hook`, the page hooks for the changes it
    /// made to the stack since `before`, one render, and `on-ready` of a
    /// page rendered for the first time. The first error is returned; the
    /// render happens whatever the outcome.
    async fn callback(
        &mut self,
        hook: Option<Hook<'_>>,
        before: Vec<pages::StackEntry>,
    ) -> Result<(), Error> {
        let mut outcome = match hook {
            Some(hook) => self.call(hook).await,
            None => Ok(()),
        };
        keep_first(&mut outcome, self.settle_pages(before).await);
        keep_first(&mut outcome, self.render_and_ready().await);
        outcome
    }

    /// Bring the app to the foreground (`on-show`; a discarded instance is
    /// relaunched, which shows it).
    pub async fn show(&mut self) -> Result<(), Error> {
        if self.ready().await? {
            return Ok(());
        }
        let before = self.stack();
        self.callback(Some(Hook::Show), before).await
    }

    /// Send the app to the background (`on-hide`).
    pub async fn hide(&mut self) -> Result<(), Error> {
        self.ready().await?;
        let before = self.stack();
        let mut outcome = self.call(Hook::Hide).await;
        // Pages it loads are rendered, and ready, when the app shows again.
        keep_first(&mut outcome, self.settle_pages(before).await);
        outcome
    }

    /// Dispatch a user event (`on-event`). If a trap discarded this instance,
    /// a fresh one is launched first.
    pub async fn dispatch(&mut self, event: &Event) -> Result<(), Error> {
        self.ready().await?;
        let before = self.stack();
        self.callback(Some(Hook::Event(event)), before).await
    }

    /// Call `hook` in the live guest, within its limits.
    async fn call(&mut self, hook: Hook<'_>) -> Result<(), Error> {
        let fuel = self.app.grants.quotas.fuel_per_event;
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        if hook.follows_a_callback() && live.pages.is_none() {
            // An app without page hooks: nothing to call, nothing to set up.
            return Ok(());
        }
        let tap = matches!(&hook, Hook::Event(e) if e.gesture);
        // The next handler of one view event shares its gesture and budget.
        let continues = matches!(hook, Hook::Event(_)) && self.chain == Chain::Later;
        let fresh = !hook.follows_a_callback() && !continues;
        let spent = Spent::before(&mut live.store, fresh);
        let gesturing = match continues {
            true => Gesturing::Continue(tap),
            false => Gesturing::Start(tap),
        };
        let (token, meters) = enter(&mut live.store, gesturing, fresh.then_some(fuel));
        live.store.data_mut().nav.data_target = hook.data_target();
        let limit = live.store.data().deadline.left() + EPOCH_TICK;
        let lifecycle = live.guest.miniapp_host_lifecycle();
        let page_hooks = live.pages;
        let store = &mut live.store;
        let (result, cpu) = match &hook {
            Hook::Launch(options) => {
                timed(&meters, limit, lifecycle.call_on_launch(store, options)).await
            }
            Hook::Show => timed(&meters, limit, lifecycle.call_on_show(store)).await,
            Hook::Hide => timed(&meters, limit, lifecycle.call_on_hide(store)).await,
            Hook::Event(event) => {
                let wit_event = lifecycle::Event {
                    page: event.page.clone(),
                    handler: event.handler.clone(),
                    detail: event.detail.to_string(),
                    dataset: event.dataset.clone(),
                    gesture: token,
                };
                timed(&meters, limit, lifecycle.call_on_event(store, &wit_event)).await
            }
            Hook::Load { route, .. } | Hook::Ready(route) | Hook::Unload(route) => {
                // Present: checked before entering.
                let call = async {
                    match page_hooks {
                        Some(hooks) => hooks.call(store, &hook, route, query_of(&hook)).await,
                        None => Ok(Ok(())),
                    }
                };
                timed(&meters, limit, call).await
            }
        };
        if self.chain == Chain::Off {
            live.store.data_mut().gesture.start_event(false);
        }
        live.store.data_mut().nav.data_target = DataTarget::Top;
        let lost = live.store.data().audit.flush(&self.app.audit_target());
        UsageCounters::add(&self.app.usage.audit_dropped, lost);
        let result = self.finish(&hook, result, cpu - spent.cpu, spent.fuel);
        if self.live.is_none() {
            // A trap: nothing of the instance stays on screen.
            self.render();
        }
        result
    }

    /// Render the top page from its template and data, if it has a template:
    /// from its previous render and the data paths changed since, when the
    /// view holds one of this page.
    fn render(&mut self) {
        let Some(live) = &mut self.live else {
            self.view.clear();
            return;
        };
        // The host's rendering and diffing are the app's CPU too (bounded
        // per render by the render limits).
        let start = std::time::Instant::now();
        let state = live.store.data_mut();
        let depth = state.nav.pages.pages().len();
        let budget = &state.host_memory;
        let (top, _) = state.nav.pages.top_mut();
        let previous = (self.view.previous(&top.route, depth)).map(|tree| (tree, &top.changes));
        match self.app.render(&top.route, &top.data, previous) {
            Some(rendered) => {
                if self.view.update(&top.route, depth, rendered, budget) {
                    top.rendered();
                }
            }
            None => self.view.clear(),
        }
        UsageCounters::add(&self.app.usage.cpu_ns, start.elapsed().as_nanos() as u64);
    }

    /// The top page as HTML, as last rendered (`None` if it has no
    /// template, or while a trap has discarded the instance).
    pub fn view_html(&self) -> Option<String> {
        self.view.tree.as_ref().map(miniapp_view::html::to_html)
    }

    /// The top page's stylesheet (`app.wxss` and its own, compiled and made
    /// safe at load), if it has one. Written for a view drawn apart from the
    /// embedder's own UI (a shadow root or a frame): its selectors are not
    /// scoped.
    pub fn view_style(&self) -> Option<&str> {
        let top = self.pages().last()?;
        self.app.styles.get(&top.route).map(String::as_str)
    }

    /// The top page's view tree, as last rendered.
    pub fn view_tree(&self) -> Option<&miniapp_view::render::Tree> {
        self.view.tree.as_ref()
    }

    /// Why the last render of the top page failed (a render limit), if it did;
    /// the view then stays as it was.
    pub fn view_error(&self) -> Option<&str> {
        self.view.error.as_deref()
    }

    /// The diff operations since the last call, which turn the view the
    /// embedder has into the current one; `None` when it must paint the
    /// whole page again ([`view_html`](Self::view_html)): the first render,
    /// or another page.
    pub fn take_view_ops(&mut self) -> Option<Vec<miniapp_view::diff::Op>> {
        self.view.take_ops()
    }

    /// Dispatch an event the renderer reports (node, type, detail): the host
    /// finds the handlers bound on that node in its own tree and calls them,
    /// innermost first. An event for a node not on the page, or of a type
    /// nothing on its way binds, is refused ([`Error::BadRequest`]) and never
    /// reaches the app.
    pub async fn dispatch_view(&mut self, event: &ViewEvent) -> Result<(), Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let tree = self
            .view
            .tree
            .as_ref()
            .ok_or_else(|| refused("the page has no rendered view".into()))?;
        let route = self
            .pages()
            .last()
            .map(|p| p.route.clone())
            .unwrap_or_default();
        // What the user types is the renderer's state, kept for a form
        // submit whether or not the app listens to the input.
        let typed = event.kind == "input"
            && miniapp_view::events::element(tree, event.node)
                .is_some_and(|e| matches!(e.tag, "input" | "textarea"));
        if typed {
            let text = match &event.detail["value"] {
                serde_json::Value::String(text) => text.clone(),
                _ => {
                    return Err(refused(
                        "an input event's detail needs a string `value`".into(),
                    ));
                }
            };
            let limit = miniapp_view::events::MAX_DETAIL_BYTES;
            if text.len() > limit {
                return Err(refused(format!(
                    "an input event's value of {} bytes is over {limit} bytes",
                    text.len()
                )));
            }
            self.view.keep_typed(event.node, &text).map_err(refused)?;
        }
        let tree = self.view.tree.as_ref().expect("checked above");
        let calls = match resolve_with_fields(tree, event, &self.view.typed) {
            Err(EventError::NotBound { .. }) if typed => return Ok(()),
            resolved => resolved.map_err(|e| refused(e.to_string()))?,
        };
        let calls = match calls {
            Resolved::Handlers(calls) => calls,
            Resolved::Navigate {
                url,
                open_type,
                delta,
            } => return self.navigate_from_view(&url, &open_type, delta).await,
        };
        let top = self.stack().last().map(|page| page.0);
        let mut outcome = Ok(());
        for (i, call) in calls.into_iter().enumerate() {
            // A handler that changed the page ends the chain: the rest were
            // bound on a page the user no longer sees.
            if i > 0 && self.stack().last().map(|page| page.0) != top {
                break;
            }
            self.chain = if i == 0 { Chain::First } else { Chain::Later };
            let dataset = call
                .dataset
                .into_iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(text) => (name, text),
                    other => (name, other.to_string()),
                })
                .collect();
            let event = Event {
                page: route.clone(),
                handler: call.handler,
                detail: call.detail,
                dataset,
                gesture: call.gesture,
            };
            outcome = self.dispatch(&event).await;
            if outcome.is_err() {
                break;
            }
        }
        self.chain = Chain::Off;
        if let Some(live) = &mut self.live {
            live.store.data_mut().gesture.start_event(false);
        }
        outcome
    }

    fn discarded(&self) -> Error {
        Error::Discarded {
            app: self.app.manifest.id.clone(),
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.app.manifest.id
    }

    /// The page stack, bottom first, with each page's data (empty while a
    /// trap has discarded the instance).
    pub fn pages(&self) -> &[Page] {
        match &self.live {
            Some(live) => live.store.data().nav.pages.pages(),
            None => &[],
        }
    }

    /// The data of the page on top of the stack (null while a trap has
    /// discarded the instance).
    pub fn page_data(&self) -> &Value {
        match &self.live {
            Some(live) => &live.store.data().nav.pages.top().data,
            None => &NO_DATA,
        }
    }

    /// Memory the host holds on this instance's behalf now, bytes (page
    /// data, undrained log lines and open requests), and its budget.
    pub fn host_memory(&self) -> (u64, u64) {
        let limit = self.app.grants.quotas.host_memory_bytes;
        match &self.live {
            Some(live) => (live.store.data().host_memory.used(), limit),
            None => (0, limit),
        }
    }

    /// The host calls of this instance refused so far (denied for lack of
    /// a grant, or by a quota), counted even when their audit records were
    /// summarised or dropped; nothing once a trap has discarded it. An
    /// embedder compares two readings to tell a client what one event was
    /// refused.
    pub fn refusals(&self) -> crate::audit::Refusals {
        match &self.live {
            Some(live) => live.store.data().audit.refused(),
            None => crate::audit::Refusals::default(),
        }
    }

    /// Whether the app's storage is as this instance last saw it: false
    /// when something else wrote it since (another node's instance of the
    /// same user's app), and the instance's state may be stale. Always true
    /// for a store only one process uses, and for an app without storage.
    pub fn storage_is_current(&self) -> bool {
        match &self.live {
            Some(live) => match &live.store.data().storage {
                Ok(storage) => storage.is_current(),
                Err(_) => true,
            },
            None => true,
        }
    }

    /// Memory the instance holds now, bytes: its linear memories and what
    /// the host holds on its behalf (zero once discarded).
    pub fn memory_used(&self) -> u64 {
        match &self.live {
            Some(live) => {
                let state = live.store.data();
                state.limiter.memory_used() + state.host_memory.used()
            }
            None => 0,
        }
    }

    /// The instance's budgets, as the app's `quota.remaining()` reports them
    /// (`None` while a trap has discarded the instance).
    pub fn budget(&self) -> Option<crate::Budget> {
        let live = self.live.as_ref()?;
        let fuel_left = live.store.get_fuel().unwrap_or(u64::MAX);
        Some(crate::capability::quota::budget(
            live.store.data(),
            fuel_left,
        ))
    }

    /// Patch the top page's data from the host (a simulator's data editor):
    /// the same paths, checks and quotas as the app's `set-data`, then one
    /// render. The app is not called.
    pub fn patch_data(&mut self, patch: &str) -> Result<(), Error> {
        let app = self.app.manifest.id.clone();
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        let state = live.store.data_mut();
        state.nav.data_target = DataTarget::Top;
        let mut view = crate::capability::view::view_view(state);
        crate::bindings::view::Host::set_data(&mut view, patch.to_string()).map_err(|e| {
            Error::BadRequest {
                app,
                reason: e.message(),
            }
        })?;
        self.render();
        Ok(())
    }

    /// Take the templates and stylesheets of `app`, a reload of this
    /// instance's app from a package with the same component (the caller,
    /// which built both, knows) and the same manifest: a developer saved a
    /// template. The instance keeps its data and page stack, and its page is
    /// rendered again in full. Refused for another manifest (relaunch then).
    pub fn reload_views(&mut self, app: &App) -> Result<(), Error> {
        if app.shared.manifest != self.app.manifest {
            return Err(Error::BadRequest {
                app: self.app.manifest.id.clone(),
                reason: "the reloaded app has another manifest; relaunch it".into(),
            });
        }
        self.app = app.shared.clone();
        self.view.clear();
        self.render();
        Ok(())
    }

    /// Navigate as the host's own controls do (a back button, a simulator's
    /// page stack): `open_type` is `navigate` or `redirect` (to `url`), or
    /// `navigateBack` (by `delta`); the page hooks run and the page renders
    /// as after a navigator tap.
    pub async fn navigate(&mut self, open_type: &str, url: &str, delta: u32) -> Result<(), Error> {
        self.ready().await?;
        self.navigate_from_view(url, open_type, delta).await
    }

    /// Take the app's log lines written since the last call.
    pub fn drain_logs(&mut self) -> Vec<LogRecord> {
        let mut logs = std::mem::take(&mut self.orphaned_logs);
        if let Some(live) = &self.live {
            let log = &live.store.data().log;
            logs.extend(log.lock().unwrap_or_else(|e| e.into_inner()).drain());
        }
        logs
    }

    /// Take the requests to open other mini-programs made since the last call.
    pub fn take_open_requests(&mut self) -> Vec<OpenRequest> {
        match &mut self.live {
            Some(live) => live.store.data_mut().nav.take_open_requests(),
            None => Vec::new(),
        }
    }

    /// Whether a trap discarded this instance (the next call relaunches it).
    pub fn is_discarded(&self) -> bool {
        self.live.is_none()
    }

    /// Relaunch a discarded instance (a quarantined app refuses, as every
    /// launch does; a live instance is not interrupted by a quarantine).
    /// Returns whether it relaunched.
    async fn ready(&mut self) -> Result<bool, Error> {
        if self.live.is_some() {
            return Ok(false);
        }
        self.live = Some(instantiate(&self.app, &self.pre, &self.options).await?);
        self.start().await?;
        Ok(true)
    }

    /// Turn a call's result into the embedder's: the app's own error, or a
    /// trap (which drops the store, counts against the crash budget and is
    /// audited).
    fn finish(
        &mut self,
        hook: &Hook<'_>,
        result: CallOutcome,
        cpu: Duration,
        fuel_before: u64,
    ) -> Result<(), Error> {
        let app = self.app.clone();
        let Some(live) = &mut self.live else {
            return Err(self.discarded());
        };
        let usage = &app.usage;
        UsageCounters::add(&usage.events, 1);
        UsageCounters::add(&usage.cpu_ns, cpu.as_nanos() as u64);
        if let Ok(fuel_left) = live.store.get_fuel() {
            UsageCounters::add(&usage.fuel_consumed, fuel_before.saturating_sub(fuel_left));
        }
        let state = live.store.data();
        UsageCounters::max(&usage.memory_high_water, state.limiter.memory_used());
        UsageCounters::max(&usage.host_memory_high_water, state.host_memory.used());
        let trap = match result {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(message)) => {
                return Err(Error::AppFailed {
                    app: app.manifest.id.clone(),
                    hook: hook.name(),
                    message: truncate(message),
                });
            }
            Err(trap) => explain(&trap, state),
        };
        // Keep what the app logged, then let the store go: a store that
        // trapped (or was dropped mid-call) is never entered again.
        let logs = state.log.lock().unwrap_or_else(|e| e.into_inner()).drain();
        self.orphaned_logs.extend(logs);
        keep_latest(&mut self.orphaned_logs, app.grants.quotas.host_memory_bytes);
        self.live = None;
        Err(trapped(&app, &hook.name(), trap))
    }
}

/// Keep the latest `logs` that fit in `budget` bytes (text and a line's
/// overhead each): the logs of discarded stores wait for the embedder
/// outside any store's budget, so traps in a row must not pile them up.
fn keep_latest(logs: &mut Vec<LogRecord>, budget: u64) {
    let mut held = 0;
    let keep = logs
        .iter()
        .rev()
        .take_while(|line| {
            held += line.message.len() as u64 + 64;
            held <= budget
        })
        .count();
    logs.drain(..logs.len() - keep);
}

/// What a call's budget had spent before it: a page hook shares the budget
/// of the callback that led to it, and counts only its own share.
struct Spent {
    cpu: Duration,
    fuel: u64,
}

impl Spent {
    fn before(store: &mut Store<InstanceState>, fresh: bool) -> Spent {
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
enum Gesturing {
    Start(bool),
    Continue(bool),
}

/// Prepare a call into the guest: with `fuel` (a new callback), a fresh
/// budget: the event's log volume, CPU fuel, CPU time and wall-clock
/// deadline; without (a page hook), the budget as the callback left it.
/// For a user gesture, a gesture the app may spend on one sensitive action.
/// Returns the gesture token for the guest, and what the call is measured
/// by.
fn enter(
    store: &mut Store<InstanceState>,
    gesture: Gesturing,
    fuel: Option<u64>,
) -> (Option<String>, Meters) {
    let state = store.data_mut();
    let meters = (state.cpu.clone(), state.slot.clone());
    let gesture = match gesture {
        Gesturing::Start(tap) => {
            state.gesture.start_event(tap);
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
        state.deadline.start_call();
        state.limiter.start_call();
        state.audit.start_event();
        // Fails only when the runtime meters no fuel.
        let _ = store.set_fuel(fuel);
    }
    store.set_epoch_deadline(1);
    // The token tells the guest it holds a gesture; the host keeps the
    // gesture itself, so the token need not be secret, only fresh.
    (gesture.then(|| format!("g-{:x}", next_token())), meters)
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
) -> Result<Live, Error> {
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
    let bad_request = |reason| Error::BadRequest {
        app: manifest.id.clone(),
        reason,
    };
    let page = parse_url(manifest, &path).map_err(bad_request)?;
    let state = InstanceState::new(app, options, page, live).map_err(bad_request)?;
    let mut store = Store::new(&app.engine, state);
    store.limiter(|s| &mut s.limiter);
    store.data_mut().deadline.start_call();
    store.epoch_deadline_callback(at_epoch_tick);
    store.set_epoch_deadline(1);
    let _ = store.set_fuel(app.grants.quotas.fuel_per_event);
    let meters = (store.data().cpu.clone(), store.data().slot.clone());
    let limit = store.data().deadline.left() + EPOCH_TICK;
    let instance = timed(
        &meters,
        limit,
        pre.instance_pre().instantiate_async(&mut store),
    )
    .await
    .0;
    let live = instance.and_then(|instance| {
        let guest = Miniapp::new(&mut store, &instance)?;
        let pages = match &app.page_hooks {
            Some(indices) => Some(PageHooks::load(indices, &mut store, &instance)?),
            None => None,
        };
        Ok((guest, pages))
    });
    let trap = match live {
        Ok((guest, pages)) => {
            return Ok(Live {
                store,
                guest,
                pages,
            });
        }
        // The pooling allocator is full, or the host could not map memory
        // (the process's mappings or address space are exhausted): a
        // capacity refusal, not the app's fault, and no trap on its record.
        Err(e)
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                .is_some()
                || e.chain()
                    .any(|c| c.downcast_ref::<std::io::Error>().is_some()) =>
        {
            return Err(Error::Capacity {
                app: manifest.id.clone(),
                live: app.live.cap(),
            });
        }
        Err(trap) => explain(&trap, store.data()),
    };
    Err(trapped(app, "instantiation", trap))
}

/// What a call is measured by: its CPU meter and its long-call slot.
type Meters = (Arc<CpuMeter>, ExecSlot);

/// At every epoch tick (every [`EPOCH_TICK`]) that finds a store running
/// guest code:
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
fn at_epoch_tick(
    store: wasmtime::StoreContextMut<'_, InstanceState>,
) -> wasmtime::Result<UpdateDeadline> {
    let state = store.data();
    if state.deadline.passed() {
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
    let left = state.deadline.left();
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
async fn timed<T>(
    (meter, slot): &Meters,
    limit: Duration,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> (wasmtime::Result<T>, Duration) {
    struct Timed<'a, F> {
        call: Pin<Box<F>>,
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
    let output = Timed {
        call: Box::pin(call),
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

/// The query of an `on-load` (empty for the other hooks).
fn query_of<'h>(hook: &'h Hook<'_>) -> &'h [(String, String)] {
    match hook {
        Hook::Load { query, .. } => query,
        _ => &[],
    }
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
