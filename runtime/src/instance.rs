//! A running app instance: one wasmtime store with the app's host state,
//! driven through its lifecycle and events.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap};
use wasmtime_wasi::WasiCtx;

use crate::bindings::{Miniapp, MiniappPre, lifecycle};
use crate::capability::log::{AppLog, LogRecord, SharedLog};
use crate::capability::nav::{OpenRequest, Page, PageStack, parse_url};
use crate::capability::wasi::sandboxed_ctx;
use crate::error::Error;
use crate::runtime::{AppShared, EPOCH_TICK};

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
}

impl Event {
    /// An event with no detail and no dataset.
    pub fn new(page: impl Into<String>, handler: impl Into<String>) -> Event {
        Event {
            page: page.into(),
            handler: handler.into(),
            detail: Value::Null,
            dataset: Vec::new(),
        }
    }

    /// The same event with `detail`.
    pub fn with_detail(mut self, detail: Value) -> Event {
        self.detail = detail;
        self
    }
}

/// Most core instances, tables and memories one app instance may create.
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 16;
/// Most elements of one table.
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Bounds the memory of an instance (all memories together) and records a
/// refusal so a trap that follows can be explained.
struct Limiter {
    memory_limit: usize,
    memory_total: usize,
    refused: Option<String>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.memory_total - current.min(self.memory_total) + desired;
        if total > self.memory_limit {
            self.refused = Some(format!(
                "memory quota of {} bytes exceeded (asked for {total} bytes)",
                self.memory_limit
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
        if desired > MAX_TABLE_ELEMENTS {
            self.refused = Some(format!(
                "table limit of {MAX_TABLE_ELEMENTS} elements exceeded"
            ));
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }
    fn tables(&self) -> usize {
        MAX_TABLES
    }
    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

/// The host state of one app instance: what its host calls see.
pub struct InstanceState {
    pub(crate) app: Arc<AppShared>,
    pub(crate) user: Option<String>,
    pub(crate) data_ns: String,
    pub(crate) consent_ns: String,
    pub(crate) pages: PageStack,
    pub(crate) log: SharedLog,
    pub(crate) opened: Vec<OpenRequest>,
    limiter: Limiter,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
}

/// A running instance of an app. A trap discards it: later calls fail with
/// [`Error::Discarded`] and the embedder launches a new one; stored data is
/// unaffected.
pub struct AppInstance {
    app: Arc<AppShared>,
    store: Store<InstanceState>,
    guest: Miniapp,
    discarded: bool,
}

impl AppInstance {
    pub(crate) async fn launch(
        app: Arc<AppShared>,
        pre: &MiniappPre<InstanceState>,
        options: LaunchOptions,
    ) -> Result<AppInstance, Error> {
        let manifest = &app.manifest;
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
        let user_part = options
            .user
            .as_deref()
            .map(|u| format!(":{u}"))
            .unwrap_or_default();
        let data_ns = if app.grants.per_user_storage {
            format!("data:{}{user_part}", manifest.id)
        } else {
            format!("data:{}", manifest.id)
        };
        let state = InstanceState {
            consent_ns: format!("consent:{}{user_part}", manifest.id),
            data_ns,
            user: options.user.clone(),
            pages: PageStack::new(route.clone(), query.clone(), quotas.page_stack as usize),
            wasi: sandboxed_ctx(&log),
            log,
            opened: Vec::new(),
            limiter: Limiter {
                memory_limit: usize::try_from(quotas.memory_bytes).unwrap_or(usize::MAX),
                memory_total: 0,
                refused: None,
            },
            table: ResourceTable::new(),
            app: app.clone(),
        };
        let mut store = Store::new(&app.engine, state);
        store.limiter(|s| &mut s.limiter);
        let timeout = Duration::from_millis(quotas.event_timeout_ms);
        store.set_epoch_deadline(deadline_ticks(timeout));
        let guest = match tokio::time::timeout(timeout, pre.instantiate_async(&mut store)).await {
            Ok(Ok(guest)) => guest,
            Ok(Err(trap)) => {
                let reason = explain(&trap, store.data(), timeout);
                return Err(Error::Trapped {
                    app: app.manifest.id.clone(),
                    hook: "instantiation".into(),
                    reason,
                });
            }
            Err(_) => {
                return Err(Error::Trapped {
                    app: app.manifest.id.clone(),
                    hook: "instantiation".into(),
                    reason: time_limit(timeout),
                });
            }
        };
        let mut instance = AppInstance {
            app,
            store,
            guest,
            discarded: false,
        };
        let launch = lifecycle::LaunchOptions {
            path: route,
            query,
            scene: options.scene,
            referrer: options.referrer,
        };
        instance.enter("on-launch")?;
        let lifecycle = instance.guest.miniapp_host_lifecycle();
        let result = tokio::time::timeout(
            timeout,
            lifecycle.call_on_launch(&mut instance.store, &launch),
        )
        .await;
        instance.finish("on-launch", result)?;
        instance.show().await?;
        Ok(instance)
    }

    /// Bring the app to the foreground (`on-show`).
    pub async fn show(&mut self) -> Result<(), Error> {
        self.enter("on-show")?;
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let result =
            tokio::time::timeout(self.timeout(), lifecycle.call_on_show(&mut self.store)).await;
        self.finish("on-show", result)
    }

    /// Send the app to the background (`on-hide`).
    pub async fn hide(&mut self) -> Result<(), Error> {
        self.enter("on-hide")?;
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let result =
            tokio::time::timeout(self.timeout(), lifecycle.call_on_hide(&mut self.store)).await;
        self.finish("on-hide", result)
    }

    /// Dispatch a user event (`on-event`).
    pub async fn dispatch(&mut self, event: &Event) -> Result<(), Error> {
        let hook = format!("on-event {}:{}", event.page, event.handler);
        let wit_event = lifecycle::Event {
            page: event.page.clone(),
            handler: event.handler.clone(),
            detail: event.detail.to_string(),
            dataset: event.dataset.clone(),
        };
        self.enter(&hook)?;
        let lifecycle = self.guest.miniapp_host_lifecycle();
        let result = tokio::time::timeout(
            self.timeout(),
            lifecycle.call_on_event(&mut self.store, &wit_event),
        )
        .await;
        self.finish(&hook, result)
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

    /// Whether a trap discarded this instance.
    pub fn is_discarded(&self) -> bool {
        self.discarded
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.app.grants.quotas.event_timeout_ms)
    }

    /// Prepare a call into the guest: refuse a discarded instance, start the
    /// event's log volume and CPU deadline.
    fn enter(&mut self, _hook: &str) -> Result<(), Error> {
        if self.discarded {
            return Err(Error::Discarded {
                app: self.app.manifest.id.clone(),
            });
        }
        self.store
            .data()
            .log
            .lock()
            .expect("log lock")
            .start_event();
        let ticks = deadline_ticks(self.timeout());
        self.store.set_epoch_deadline(ticks);
        Ok(())
    }

    /// Turn a call's result into the embedder's: the app's own error, or a
    /// trap (which discards the instance).
    fn finish(
        &mut self,
        hook: &str,
        result: Result<wasmtime::Result<Result<(), String>>, tokio::time::error::Elapsed>,
    ) -> Result<(), Error> {
        let app = self.app.manifest.id.clone();
        let reason = match result {
            Ok(Ok(Ok(()))) => return Ok(()),
            Ok(Ok(Err(message))) => {
                return Err(Error::AppFailed {
                    app,
                    hook: hook.to_string(),
                    message,
                });
            }
            Ok(Err(trap)) => explain(&trap, self.store.data(), self.timeout()),
            Err(_) => time_limit(self.timeout()),
        };
        self.discarded = true;
        Err(Error::Trapped {
            app,
            hook: hook.to_string(),
            reason,
        })
    }
}

fn deadline_ticks(timeout: Duration) -> u64 {
    (timeout.as_millis() / EPOCH_TICK.as_millis()) as u64 + 1
}

fn time_limit(timeout: Duration) -> String {
    format!(
        "time limit of {} ms per event exceeded",
        timeout.as_millis()
    )
}

/// Say why a call trapped, naming the limit where one was hit.
fn explain(error: &wasmtime::Error, state: &InstanceState, timeout: Duration) -> String {
    if let Some(refused) = &state.limiter.refused {
        return refused.clone();
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return format!("the app exited with status {}", exit.0);
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => time_limit(timeout),
        Some(Trap::StackOverflow) => "wasm stack overflow".into(),
        Some(trap) => format!("{trap}"),
        None => format!("{error:#}"),
    }
}
