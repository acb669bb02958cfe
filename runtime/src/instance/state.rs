//! The host state of one instance: the call's context, one state per
//! capability (a gated one only where its grant holds), the limits of the
//! current call, and what the store must give the host API's views.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::app_shared::AppShared;
use crate::capability::clipboard::ClipboardCtx;
use crate::capability::device::DeviceCtx;
use crate::capability::http::HttpCtx;
use crate::capability::identity::IdentityCtx;
use crate::capability::location::LocationCtx;
use crate::capability::log::{AppLog, SharedLog};
use crate::capability::nav::{NavCtx, PageStack};
use crate::capability::payment::PaymentCtx;
use crate::capability::quota::{Gauged, Gauges};
use crate::capability::selector_query::SelectorQueryCtx;
use crate::capability::socket::SocketCtx;
use crate::capability::storage::StorageCtx;
use crate::capability::temp_area::InstanceTemp;
use crate::capability::wasi::sandboxed_ctx;
use crate::capability::{CallCtx, Calls, Granted, Holds};
use crate::engine::LiveSlot;
use crate::event::LaunchOptions;
use crate::limits::{CpuMeter, Deadline, ExecSlot, HostMemory, Limiter};
use crate::trap::TrapSite;

/// The host state of one app instance: one context per capability (a gated
/// one only where its grant holds), and the limits of the current call.
pub struct InstanceState {
    pub(crate) app: Arc<AppShared>,
    /// What every host call sees: the app's core, the call's deadline, the
    /// event's gesture and audit, the user's consent.
    pub(crate) call: CallCtx,
    /// The current call's CPU time.
    pub(crate) cpu: Arc<CpuMeter>,
    /// The current call's long-call slot, while it holds one.
    pub(super) slot: ExecSlot,
    /// What the host holds on this instance's behalf.
    pub(crate) host_memory: Arc<HostMemory>,
    pub(crate) limiter: Limiter,
    pub(crate) log: SharedLog,
    pub(crate) nav: NavCtx,
    pub(crate) storage: Granted<StorageCtx>,
    pub(crate) http: Granted<HttpCtx>,
    pub(crate) socket: Granted<SocketCtx>,
    pub(crate) identity: Granted<IdentityCtx>,
    pub(crate) location: Granted<LocationCtx>,
    pub(crate) payment: Granted<PaymentCtx>,
    pub(crate) clipboard: Granted<ClipboardCtx>,
    pub(crate) device: DeviceCtx,
    pub(crate) selector_query: SelectorQueryCtx,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    /// What the view's render of the top page was made from, while a
    /// render now would give the same (`None` until a render succeeds).
    pub(super) rendered_from: Option<super::view::RenderedFrom>,
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
        tape: &crate::replay::Tape,
    ) -> Result<InstanceState, String> {
        let quotas = &app.grants.quotas;
        let user = options.user.as_deref();
        let host_memory = HostMemory::new(quotas.host_memory_bytes);
        tape.charge_to(&host_memory);
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
        let deadline = Deadline::new(
            Duration::from_millis(quotas.event_timeout_ms),
            slot.waited(),
        );
        let core = &app.core;
        let mut call = CallCtx::new(
            core,
            user,
            deadline,
            Duration::from_millis(quotas.gesture_ttl_ms),
            host_memory.clone(),
        );
        call.pending.set_deliverable(app.on_complete.is_some());
        call.tape = tape.clone();
        let temp = InstanceTemp::new(app.http.temp.clone());
        Ok(InstanceState {
            call,
            cpu: CpuMeter::new(),
            slot,
            limiter: Limiter::new(quotas),
            wasi: sandboxed_ctx(&log, tape),
            log,
            nav: NavCtx::new(pages),
            storage: StorageCtx::new(core, user),
            http: HttpCtx::new(core, &app.http, &host_memory, &temp),
            socket: SocketCtx::new(core, &app.http, &host_memory, &options.closed_sockets)?,
            identity: IdentityCtx::new(core, user),
            location: LocationCtx::new(core),
            payment: PaymentCtx::new(core),
            clipboard: ClipboardCtx::new(core, user),
            device: DeviceCtx::new(options.device.as_ref(), &temp),
            selector_query: SelectorQueryCtx::new(
                (options.device.clone().unwrap_or_default()).window_width,
            ),
            host_memory,
            table,
            app: app.clone(),
            rendered_from: None,
            _live: live,
        })
    }
}

/// The capability states this store holds, each with the call's context:
/// the list in `capability::table` links their views from them.
macro_rules! holds {
    ($($field:ident: $state:ty),* $(,)?) => {$(
        impl Holds<$state> for InstanceState {
            fn parts(&mut self) -> (&mut $state, &mut CallCtx) {
                (&mut self.$field, &mut self.call)
            }
        }
    )*};
}

holds! {
    log: SharedLog,
    nav: NavCtx,
    storage: Granted<StorageCtx>,
    http: Granted<HttpCtx>,
    socket: Granted<SocketCtx>,
    identity: Granted<IdentityCtx>,
    location: Granted<LocationCtx>,
    payment: Granted<PaymentCtx>,
    clipboard: Granted<ClipboardCtx>,
    device: DeviceCtx,
    selector_query: SelectorQueryCtx,
}

impl InstanceState {
    /// What a trap of this instance is explained from.
    pub(crate) fn trap_site(&self) -> TrapSite<'_> {
        TrapSite {
            limiter: &self.limiter,
            log: &self.log,
            quotas: &self.call.app.grants.quotas,
        }
    }
}

impl Calls for InstanceState {
    fn call(&mut self) -> &mut CallCtx {
        &mut self.call
    }
}

impl Gauged for InstanceState {
    fn gauges(&self) -> Gauges<'_> {
        Gauges {
            call: &self.call,
            memory_used: self.limiter.memory_used(),
            host_memory: &self.host_memory,
            storage: &self.storage,
            http: &self.app.http,
            log: &self.log,
            nav: &self.nav,
        }
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
