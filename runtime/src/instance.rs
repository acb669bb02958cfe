//! A running app instance: one wasmtime store holding the app's host state
//! (`state`: one context per capability), driven through its lifecycle and
//! events.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use wasmtime::Store;

use crate::app_shared::AppShared;
use crate::bindings::lifecycle;
use crate::capability::log::LogRecord;
use crate::capability::nav::{DataTarget, OpenRequest, Page};
use crate::capability::pending::{Completion, Owner};
use crate::epoch::EPOCH_TICK;
use crate::error::Error;
use crate::event::{Event, LaunchOptions};
use crate::page_view::PageView;
use crate::replay::Drive;
use crate::trap::{explain, trapped};
use crate::usage::UsageCounters;
use completions::CompleteHook;
use metering::{Gesturing, Spent, enter, timed};
use pages::{PageHooks, keep_first};

mod completions;
mod components;
mod guest;
mod instantiate;
mod metering;
mod open_type;
mod page_events;
mod pages;
mod readings;
mod state;
mod storage_writes;
pub(crate) mod sub_packages;
mod tabs;
mod taped;
mod temp_files;
mod view;

pub(crate) use completions::CompleteHook as CompletionExport;
pub(crate) use components::ComponentIndices;
pub(crate) use guest::GuestPre;
#[cfg(feature = "bench-hooks")]
pub(crate) use instantiate::instantiate;
pub(crate) use page_events::PageEventIndices;
pub use page_events::{
    ClientPageEvent, PageEvent, PageEventOutcome, SCROLLS_PER_SECOND, ShareCard,
};
pub use state::InstanceState;
pub use sub_packages::{LoadCause, PackageLoad};
pub use tabs::ShownTabBar;
pub use temp_files::TempFiles;

/// Longest error message of an app's hook kept (the rest is cut).
const MAX_APP_MESSAGE: usize = 4096;

/// A running instance of an app. A trap discards it: its store is dropped
/// at once (its memory, pool slot and place under the live-instance cap go
/// with it); the next call launches a fresh instance with the same launch
/// options (`on-launch`, `on-show`) before handling it. Stored data is
/// unaffected.
pub struct AppInstance {
    app: Arc<AppShared>,
    pre: GuestPre,
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
    /// What the last page-events hook answered.
    answer: page_events::Answer,
    /// Where the top page's scrolling stands.
    scrolling: page_events::Scrolling,
    /// The card a share button's tap led to, until the embedder takes it.
    share_sheet: Option<ShareCard>,
    /// The subpackages sent to its clients.
    packages: sub_packages::Loaded,
    /// What it sees from outside, recorded (or answered on replay).
    taped: taped::Taped,
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
    guest: guest::Lifecycle,
    /// The page hooks, if the app exports them.
    pages: Option<PageHooks>,
    /// `on-complete`, if the app exports it.
    complete: Option<CompleteHook>,
    /// The page events, if the app exports them.
    page_events: Option<page_events::PageEventHooks>,
    /// The launch path that is not a page, until `on-page-not-found` is told.
    not_found: Option<page_events::NotFound>,
    /// The component lifetimes and handlers, if the app exports them.
    components: Option<components::ComponentHooks>,
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
    /// `on-complete` of a pending call.
    Complete(Completion),
    /// `on-page-event`.
    PageEvent(page_events::Fired),
    /// `on-app-error` with a hook's error.
    AppError(String),
    /// `on-page-not-found` of the launch path.
    PageNotFound {
        path: String,
        query: Vec<(String, String)>,
    },
    /// `lifetimes.on-notices` with what the renders since the last one did.
    Notices(Vec<crate::capability::component::Notice>),
    /// `handlers.on-handler` of a page's or component's handler, on the
    /// page with serial `page`.
    Handler(components::Handler),
}

/// The hook's name in words (`on-event index:tap`), written where it is
/// wanted (a recording's entry is written without a `String` of its own).
impl std::fmt::Display for Hook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hook::Launch(_) => f.write_str("on-launch"),
            Hook::Show => f.write_str("on-show"),
            Hook::Hide => f.write_str("on-hide"),
            Hook::Event(e) => write!(f, "on-event {}:{}", e.page, e.handler),
            Hook::Load { route, .. } => write!(f, "on-load {route}"),
            Hook::Ready(route) => write!(f, "on-ready {route}"),
            Hook::Unload(route) => write!(f, "on-unload {route}"),
            Hook::Complete(c) => write!(f, "on-complete #{}", c.id),
            Hook::PageEvent(p) => write!(f, "on-page-event {} {}", p.event.name(), p.route),
            Hook::AppError(_) => f.write_str("on-app-error"),
            Hook::PageNotFound { path, .. } => write!(f, "on-page-not-found {path}"),
            Hook::Notices(n) => write!(f, "on-notices ({} notices)", n.len()),
            Hook::Handler(h) => f.write_str(&h.name()),
        }
    }
}

impl Hook<'_> {
    fn name(&self) -> String {
        self.to_string()
    }

    /// Whether this is a page hook, which runs within the budget (time,
    /// CPU, fuel, log volume) of the callback that led to it.
    fn follows_a_callback(&self) -> bool {
        match self {
            Hook::PageEvent(fired) => !fired.fresh,
            Hook::AppError(_) | Hook::PageNotFound { .. } => true,
            Hook::Notices(_) => true,
            _ => matches!(self, Hook::Load { .. } | Hook::Ready(_) | Hook::Unload(_)),
        }
    }

    /// Whether this is a page-events hook (found by name, optional).
    fn of_page_events(&self) -> bool {
        matches!(
            self,
            Hook::PageEvent(_) | Hook::AppError(_) | Hook::PageNotFound { .. }
        )
    }

    /// The page `set-data` acts on during this hook.
    fn data_target(&self) -> DataTarget {
        match self {
            Hook::Load { serial, .. } => DataTarget::Page(*serial),
            Hook::PageEvent(fired) => DataTarget::Page(fired.serial),
            Hook::Handler(h) => h.data_target(),
            Hook::Unload(route) => DataTarget::Unloading(route.clone()),
            Hook::Complete(c) => match c.owner {
                Some(Owner::Page(serial)) => DataTarget::Page(serial),
                Some(Owner::Component { id, .. }) => DataTarget::Component(id),
                Some(Owner::App) => DataTarget::Top,
                None => DataTarget::Gone,
            },
            _ => DataTarget::Top,
        }
    }

    /// Whom the calls this hook starts belong to, with `top` the serial of
    /// the page on top: a page's callbacks start that page's calls; the
    /// app's (and a page's `on-unload`, and a completion whose page has
    /// gone) start the app's.
    fn owner(&self, top: u64) -> Owner {
        match self {
            Hook::Event(_) | Hook::Ready(_) => Owner::Page(top),
            Hook::Load { serial, .. } => Owner::Page(*serial),
            Hook::PageEvent(fired) => Owner::Page(fired.serial),
            Hook::Handler(h) => h.owner(),
            Hook::Notices(_) => Owner::Page(top),
            Hook::Complete(c) => c.owner.unwrap_or(Owner::App),
            Hook::Launch(_) | Hook::Show | Hook::Hide | Hook::Unload(_) => Owner::App,
            Hook::AppError(_) | Hook::PageNotFound { .. } => Owner::App,
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
        pre: &GuestPre,
        options: LaunchOptions,
    ) -> Result<AppInstance, Error> {
        let taped = taped::Taped::launching(&app, &options);
        let live = instantiate::instantiate_taped(&app, pre, &options, &taped.tape).await?;
        let mut instance = AppInstance::assemble(app, pre, options, live);
        instance.taped = taped;
        instance.start().await?;
        Ok(instance)
    }

    /// An instance around `live`, not started.
    fn assemble(
        app: Arc<AppShared>,
        pre: &GuestPre,
        mut options: LaunchOptions,
        live: Live,
    ) -> AppInstance {
        // Told to this instance only: a relaunch after a trap is not.
        options.closed_sockets.clear();
        AppInstance {
            app,
            pre: pre.clone(),
            options,
            live: Some(live),
            orphaned_logs: Vec::new(),
            view: PageView::default(),
            chain: Chain::Off,
            held: None,
            answer: Default::default(),
            scrolling: Default::default(),
            share_sheet: None,
            packages: Default::default(),
            taped: Default::default(),
        }
    }

    /// `on-launch` then `on-show` of a new instance, then the first page's
    /// `on-load`, its render and its `on-ready`.
    async fn start(&mut self) -> Result<(), Error> {
        let Some(live) = &mut self.live else {
            return Err(self.discarded());
        };
        let not_found = live.not_found.take();
        let pages = live.store.data().nav.pages.pages();
        let (path, query) = match &not_found {
            Some(missing) => (missing.path.clone(), missing.query.clone()),
            None => (pages[0].route.clone(), pages[0].query.clone()),
        };
        let launch = lifecycle::LaunchOptions {
            path,
            query,
            scene: self.options.scene,
            referrer: self.options.referrer.clone(),
        };
        self.call(Hook::Launch(launch)).await?;
        let mut shown = self.call(Hook::Show).await;
        if let Some(missing) = not_found {
            self.page_not_found(missing).await?;
        }
        // Every page on the stack is new to the app.
        keep_first(&mut shown, self.callback(None, Vec::new()).await);
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
        self.tape_drive(Drive::Show);
        if let Some(live) = &mut self.live {
            live.store
                .data_mut()
                .call
                .pending
                .shown(std::time::Instant::now());
        }
        let before = self.stack();
        // WeChat's order: the app's `onShow`, then its top page's.
        let mut outcome = self.call(Hook::Show).await;
        keep_first(&mut outcome, self.fire_on_top(PageEvent::Show, false).await);
        keep_first(&mut outcome, self.callback(None, before).await);
        outcome
    }

    /// Send the app to the background (`on-hide`).
    pub async fn hide(&mut self) -> Result<(), Error> {
        self.ready().await?;
        self.tape_drive(Drive::Hide);
        let before = self.stack();
        // WeChat's order: the top page's `onHide`, then the app's.
        let mut outcome = self.fire_on_top(PageEvent::Hide, true).await;
        keep_first(&mut outcome, self.call(Hook::Hide).await);
        if let Some(live) = &mut self.live {
            // Its timers stop, and nothing is delivered, until it shows.
            live.store
                .data_mut()
                .call
                .pending
                .hidden(std::time::Instant::now());
        }
        // Pages it loads are rendered, and ready, when the app shows again.
        keep_first(&mut outcome, self.settle_pages(before).await);
        outcome
    }

    /// Dispatch a user event (`on-event`). If a trap discarded this instance,
    /// a fresh one is launched first.
    pub async fn dispatch(&mut self, event: &Event) -> Result<(), Error> {
        self.ready().await?;
        self.tape_drive(Drive::Event(taped::lent(event)));
        self.dispatch_event(event).await
    }

    /// [`AppInstance::dispatch`] within another entry point (a view
    /// event's handler): recorded as part of that one.
    async fn dispatch_event(&mut self, event: &Event) -> Result<(), Error> {
        self.ready().await?;
        let before = self.stack();
        self.callback(Some(Hook::Event(event)), before).await
    }

    /// Call `hook` in the live guest, within its limits; an error the app
    /// returned is reported to its `on-app-error` (WeChat's `App.onError`),
    /// within the same budget, except an error of `on-app-error` itself.
    async fn call(&mut self, hook: Hook<'_>) -> Result<(), Error> {
        if let Hook::PageEvent(fired) = &hook {
            // The page's components hear of it too (`pageLifetimes`).
            self.queue_page_lifetime(fired);
        }
        let reported = !matches!(hook, Hook::AppError(_));
        let outcome = self.call_once(hook).await;
        self.taped.hook_ended(&outcome);
        if let Err(Error::AppFailed { hook, message, .. }) = &outcome
            && reported
        {
            let report = Hook::AppError(format!("{hook}: {message}"));
            // Its own error is the app's to log: the hook's error stands.
            let _ = self.call_once(report).await;
        }
        outcome
    }

    /// Call `hook` in the live guest, within its limits.
    async fn call_once(&mut self, hook: Hook<'_>) -> Result<(), Error> {
        let fuel = self.app.grants.quotas.fuel_per_event;
        if !self.tape_input(&hook) {
            // A replay that diverged: the guest is not called again.
            return Ok(());
        }
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        if hook.of_page_events() && live.page_events.is_none() {
            // An app without page events: nothing to call, nothing to set up.
            return Ok(());
        }
        if matches!(hook, Hook::Notices(_) | Hook::Handler(_)) {
            if live.components.is_none() {
                // Refused at load for a page that uses components.
                return Ok(());
            }
        } else if hook.follows_a_callback() && !hook.of_page_events() && live.pages.is_none() {
            // An app without page hooks: nothing to call, nothing to set up.
            return Ok(());
        }
        let tap = match &hook {
            Hook::Event(e) => e.gesture,
            Hook::Handler(h) => h.gesture,
            _ => false,
        };
        // The next handler of one view event shares its gesture and budget.
        let continues =
            matches!(hook, Hook::Event(_) | Hook::Handler(_)) && self.chain == Chain::Later;
        let fresh = !hook.follows_a_callback() && !continues;
        let spent = Spent::before(&mut live.store, fresh);
        let gesturing = match continues {
            true => Gesturing::Continue(tap),
            false => Gesturing::Start(tap),
        };
        let (token, meters) = enter(&mut live.store, gesturing, fresh.then_some(fuel));
        if fresh {
            // `trigger-event` is counted per callback.
            live.store.data_mut().nav.components.triggered = 0;
        }
        live.store.data_mut().nav.components.call_starts();
        live.store.data_mut().nav.data_target = hook.data_target();
        let top = live.store.data().nav.pages.top().serial;
        live.store.data_mut().call.pending.owner = hook.owner(top);
        let limit = live.store.data().call.deadline.left() + EPOCH_TICK;
        let lifecycle = live.guest;
        let page_hooks = live.pages;
        let complete = live.complete;
        let page_events = live.page_events;
        let component_hooks = live.components;
        let answer = &mut self.answer;
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
                timed(&meters, limit, lifecycle.call_on_event(store, wit_event)).await
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
            Hook::Complete(c) => {
                let call = async {
                    match complete {
                        Some(hook) => hook.call(store, c.id, c.outcome.clone()).await,
                        // An app that does not export it cannot start a
                        // call (`Pending::room_for`).
                        None => Ok(Ok(())),
                    }
                };
                timed(&meters, limit, call).await
            }
            Hook::PageEvent(_) | Hook::AppError(_) | Hook::PageNotFound { .. } => {
                let call = async {
                    match page_events {
                        Some(hooks) => hooks.call(store, &hook, answer).await,
                        None => Ok(Ok(())),
                    }
                };
                timed(&meters, limit, call).await
            }
            Hook::Notices(notices) => {
                // Present: checked before entering.
                let call = async {
                    match component_hooks {
                        Some(hooks) => hooks.notices(store, notices.clone()).await,
                        None => Ok(Ok(())),
                    }
                };
                timed(&meters, limit, call).await
            }
            Hook::Handler(handler) => {
                let call = async {
                    match component_hooks {
                        Some(hooks) => handler.call(hooks, store, token).await,
                        None => Ok(Ok(())),
                    }
                };
                timed(&meters, limit, call).await
            }
        };
        if self.chain == Chain::Off {
            live.store.data_mut().call.gesture.start_event(false);
        }
        live.store.data_mut().nav.data_target = DataTarget::Top;
        let lost = live.store.data().call.audit.flush(&self.app.audit_target());
        UsageCounters::add(&self.app.usage.audit_dropped, lost);
        let result = self.finish(&hook, result, cpu - spent.cpu, spent.fuel);
        if self.live.is_none() {
            // A trap: nothing of the instance stays on screen.
            self.render();
        }
        result
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

    /// The top page's window: `app.json`'s `window` overridden by the
    /// page's json, WeChat's keys (empty with neither, or with no page).
    pub fn window(&self) -> miniapp_config::Window {
        let route = self.pages().last().map(|p| p.route.as_str());
        (route.and_then(|route| self.app.windows.get(route)).cloned()).unwrap_or_default()
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

    /// Navigate as the host's own controls do (a back button, a simulator's
    /// page stack): `open_type` is `navigate` or `redirect` (to `url`), or
    /// `navigateBack` (by `delta`); the page hooks run and the page renders
    /// as after a navigator tap.
    pub async fn navigate(&mut self, open_type: &str, url: &str, delta: u32) -> Result<(), Error> {
        self.ready().await?;
        self.tape_drive(Drive::Navigate {
            open_type: open_type.into(),
            url: url.into(),
            delta,
        });
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
        // The trapped instance's recording is kept before a new one starts.
        self.taped.settle(&self.app.clone());
        let taped = taped::Taped::launching(&self.app, &self.options);
        let live = instantiate::instantiate_taped(&self.app, &self.pre, &self.options, &taped.tape);
        self.live = Some(live.await?);
        self.taped.replace(taped);
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
            Err(trap) => explain(&trap, state.trap_site()),
        };
        // Keep what the app logged, then let the store go: a store that
        // trapped (or was dropped mid-call) is never entered again.
        let logs = state.log.lock().unwrap_or_else(|e| e.into_inner()).drain();
        self.orphaned_logs.extend(logs);
        keep_latest(&mut self.orphaned_logs, app.grants.quotas.host_memory_bytes);
        self.tape_trap();
        self.live = None;
        Err(trapped(&app.core, &hook.name(), trap))
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

/// The query of an `on-load` (empty for the other hooks).
fn query_of<'h>(hook: &'h Hook<'_>) -> &'h [(String, String)] {
    match hook {
        Hook::Load { query, .. } => query,
        _ => &[],
    }
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
