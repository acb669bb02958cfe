//! What every view of the host API shares: the call's context (the app's
//! core, the call's deadline, the event's gesture and audit, the user's
//! consent), and the one view type a capability's state is seen through.
//!
//! A capability never names the store's type: it links its interface with
//! a function that makes its view from the store (`fn(&mut T) -> View<'_,
//! C>`), as `wasmtime-wasi-config` does. The store says what it holds by
//! implementing [`Holds`] for each capability's state.

use std::marker::PhantomData;
use std::sync::Arc;

use wasmtime::component::HasData;

use super::gesture::Gesture;
use super::pending::Pending;
use super::permission::ConsentCtx;
use super::{CallError, record_refusal};
use crate::app_core::AppCore;
use crate::audit::EventAudit;
use crate::bindings::types;
use crate::limits::{Deadline, HostMemory};

/// What every host call of one instance sees beside its capability's own
/// state.
pub(crate) struct CallCtx {
    /// The app the instance runs.
    pub app: Arc<AppCore>,
    /// The current call's wall-clock budget.
    pub deadline: Deadline,
    /// The current event's user gesture, if any.
    pub gesture: Gesture,
    /// The audit records of the current callback (within its disk budget).
    pub audit: EventAudit,
    /// The consent of the instance's user.
    pub consent: ConsentCtx,
    /// The instance's calls that complete later, and its timers.
    pub pending: Pending,
    /// What the current callback has asked the host to draw around the
    /// page (`host_ui_per_event`).
    pub host_ui_drawn: u32,
    /// The app called `frame.start-pull-down-refresh` in the current
    /// callback: the page's `pull-down-refresh` follows it.
    pub pull_down_started: bool,
    /// The tab bar's badges, red dots and hidden flag, as the app set them.
    pub tab_marks: super::frame::TabMarks,
    /// The instance's recording (or the one it replays).
    pub tape: crate::replay::Tape,
}

impl CallCtx {
    /// The context of a new instance of `app` for `user`, whose gestures
    /// live `gesture_ttl`, its pending calls charged to `host_memory`.
    pub fn new(
        app: &Arc<AppCore>,
        user: Option<&str>,
        deadline: Deadline,
        gesture_ttl: std::time::Duration,
        host_memory: Arc<HostMemory>,
    ) -> CallCtx {
        CallCtx {
            pending: Pending::new(app, host_memory),
            consent: ConsentCtx::new(app, user),
            app: app.clone(),
            deadline,
            gesture: Gesture::new(gesture_ttl),
            audit: EventAudit::default(),
            host_ui_drawn: 0,
            pull_down_started: false,
            tab_marks: Default::default(),
            tape: Default::default(),
        }
    }
}

/// A capability's state `C` as one host call sees it, with the call's
/// context. Each interface's generated `Host` trait is implemented on the
/// view of its capability's state.
pub(crate) struct View<'a, C> {
    /// The capability's state in this instance.
    pub ctx: &'a mut C,
    /// What every call shares.
    pub call: &'a mut CallCtx,
}

/// The [`HasData`] of the views of state `C`.
pub(crate) struct Viewed<C>(PhantomData<fn() -> C>);

impl<C: 'static> HasData for Viewed<C> {
    type Data<'a> = View<'a, C>;
}

/// Every refusal a view returns passes through here (the conversion of
/// `types.error`): counted and audited in one place.
impl<C> types::Host for View<'_, C> {
    fn convert_error(&mut self, err: CallError) -> wasmtime::Result<types::Error> {
        record_refusal(&self.call.app, &self.call.audit, err)
    }
}

/// Refusals of the calls whose view is the call's context alone
/// (`permission`).
impl types::Host for CallCtx {
    fn convert_error(&mut self, err: CallError) -> wasmtime::Result<types::Error> {
        record_refusal(&self.app, &self.audit, err)
    }
}

/// A store whose state holds a capability's state `C` beside the call's
/// context.
pub(crate) trait Holds<C> {
    /// The capability's state and the call's context, borrowed together.
    fn parts(&mut self) -> (&mut C, &mut CallCtx);
}

/// A store that holds the call's context.
pub(crate) trait Calls {
    /// The call's context.
    fn call(&mut self) -> &mut CallCtx;
}

/// The view of the state `C` that `store` holds: the view function every
/// capability is linked with.
pub(crate) fn view_of<T: Holds<C>, C>(store: &mut T) -> View<'_, C> {
    let (ctx, call) = store.parts();
    View { ctx, call }
}

/// Write a capability's linker function, in the module of the interface
/// `$interface` (its generated bindings): `add_to_linker<T>(linker, view)`,
/// linking the interface for any store `T` with `view`, which makes the
/// view of the state `$state` from the store (`view of`), or finds the
/// call's context in it (`calls`: the interface's `Host` is implemented on
/// [`CallCtx`]).
macro_rules! linked_by {
    (view of $state:ty, $interface:ident) => {
        /// Link the interface, its view made from the store by `view`.
        pub(crate) fn add_to_linker<T: Send + 'static>(
            linker: &mut wasmtime::component::Linker<T>,
            view: fn(&mut T) -> $crate::capability::View<'_, $state>,
        ) -> wasmtime::Result<()> {
            $interface::add_to_linker::<_, $crate::capability::Viewed<$state>>(linker, view)
        }
    };
    (calls, $interface:ident) => {
        /// Link the interface, its view (the call's context) found in the
        /// store by `view`.
        pub(crate) fn add_to_linker<T: Send + 'static>(
            linker: &mut wasmtime::component::Linker<T>,
            view: fn(&mut T) -> &mut $crate::capability::CallCtx,
        ) -> wasmtime::Result<()> {
            $interface::add_to_linker::<_, wasmtime::component::HasSelf<$crate::capability::CallCtx>>(
                linker, view,
            )
        }
    };
}
pub(crate) use linked_by;
