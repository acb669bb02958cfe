//! The guest's app lifecycle (`miniapp:host/lifecycle`: `on-launch`, `on-show`,
//! `on-hide`, `on-event`), which every mini-program exports under the
//! version of the host API it was built against. The host finds it by name
//! in that version and calls it with the current bindings' types (the
//! component model checks them by shape), so one host runs packages of
//! every version it serves.

use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre, TypedFunc};
use wasmtime::{AsContextMut, Store};

use super::InstanceState;
use crate::bindings::lifecycle::{Event, LaunchOptions};
use crate::capability::table::HOST_API_VERSION;
use crate::capability::v0_1;

/// The host API versions this host runs packages of, newest first.
pub(crate) const SERVED: [&str; 2] = [HOST_API_VERSION, v0_1::VERSION];

/// A hook's outcome: the app's own error, or a trap.
type Outcome = wasmtime::Result<Result<(), String>>;

/// A hook that takes nothing.
type PlainHook = TypedFunc<(), (Result<(), String>,)>;

/// A component pre-instantiated, with where it exports the app lifecycle.
#[derive(Clone)]
pub(crate) struct GuestPre {
    pre: InstancePre<InstanceState>,
    lifecycle: LifecycleIndices,
    /// The host API version it was built against.
    pub version: &'static str,
}

#[derive(Clone, Copy)]
struct LifecycleIndices {
    on_launch: ComponentExportIndex,
    on_show: ComponentExportIndex,
    on_hide: ComponentExportIndex,
    on_event: ComponentExportIndex,
}

impl GuestPre {
    /// `pre` of `component`, checked to export the app lifecycle of the
    /// host API version it imports (`imported`; for a component that
    /// imports none, the version whose lifecycle it exports) with that
    /// version's types.
    pub fn new(
        component: &Component,
        pre: InstancePre<InstanceState>,
        imported: Option<&'static str>,
    ) -> Result<GuestPre, String> {
        let exported = |version: &&str| {
            let name = format!("miniapp:host/lifecycle@{version}");
            component.get_export(None, &name).is_some()
        };
        let version =
            (imported.or_else(|| SERVED.into_iter().find(exported))).unwrap_or(HOST_API_VERSION);
        // The generated bindings of that version check the exported types.
        let checked = match version {
            v0_1::VERSION => v0_1::MiniappCorePre::new(pre.clone()).map(drop),
            _ => crate::bindings::MiniappPre::new(pre.clone()).map(drop),
        };
        checked.map_err(|e| format!("{e:#}"))?;
        let name = format!("miniapp:host/lifecycle@{version}");
        let (_, interface) = (component.get_export(None, &name))
            .ok_or_else(|| format!("it does not export `{name}`"))?;
        let hook = |hook: &str| {
            (component.get_export_index(Some(&interface), hook))
                .ok_or_else(|| format!("it exports `{name}` without `{hook}`"))
        };
        Ok(GuestPre {
            lifecycle: LifecycleIndices {
                on_launch: hook("on-launch")?,
                on_show: hook("on-show")?,
                on_hide: hook("on-hide")?,
                on_event: hook("on-event")?,
            },
            pre,
            version,
        })
    }

    /// The pre-instantiated component.
    pub fn instance_pre(&self) -> &InstancePre<InstanceState> {
        &self.pre
    }

    /// The lifecycle hooks of `instance`, typed.
    pub fn lifecycle(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<Lifecycle> {
        let indices = &self.lifecycle;
        Ok(Lifecycle {
            on_launch: instance.get_typed_func(&mut store, indices.on_launch)?,
            on_show: instance.get_typed_func(&mut store, indices.on_show)?,
            on_hide: instance.get_typed_func(&mut store, indices.on_hide)?,
            on_event: instance.get_typed_func(&mut store, indices.on_event)?,
        })
    }
}

/// The lifecycle hooks of one live instance.
#[derive(Clone, Copy)]
pub(crate) struct Lifecycle {
    on_launch: TypedFunc<(LaunchOptions,), (Result<(), String>,)>,
    on_show: PlainHook,
    on_hide: PlainHook,
    on_event: TypedFunc<(Event,), (Result<(), String>,)>,
}

impl Lifecycle {
    /// `on-launch` with `options`.
    pub async fn call_on_launch(
        self,
        store: &mut Store<InstanceState>,
        options: &LaunchOptions,
    ) -> Outcome {
        Ok(self
            .on_launch
            .call_async(store, (options.clone(),))
            .await?
            .0)
    }

    /// `on-show`.
    pub async fn call_on_show(self, store: &mut Store<InstanceState>) -> Outcome {
        Ok(self.on_show.call_async(store, ()).await?.0)
    }

    /// `on-hide`.
    pub async fn call_on_hide(self, store: &mut Store<InstanceState>) -> Outcome {
        Ok(self.on_hide.call_async(store, ()).await?.0)
    }

    /// `on-event` with `event`.
    pub async fn call_on_event(self, store: &mut Store<InstanceState>, event: Event) -> Outcome {
        Ok(self.on_event.call_async(store, (event,)).await?.0)
    }
}
