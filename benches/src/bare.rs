//! A bare wasmtime host: the same component, the same calls, no policy layer.
//! No manifest, grants, quotas, fuel, epoch deadline, audit or page data:
//! `set-data` and `log.write` do nothing, `storage.get` returns a constant,
//! and `pending` gives timers ids that the host delivers when asked
//! ([`Instance::complete`]), with no table, quota or clock.
//! It implements what the bench example calls; other imports trap, so an app
//! that calls more is measured without this baseline.
//! It is the floor the runtime's policy layer adds to.

use std::path::Path;

use miniapp_runtime::HOST_API_VERSION;
use miniapp_runtime::bench_hooks::{MiniappPre, lifecycle, log, types};
use wasmtime::component::{Component, Linker, ResourceTable, ResourceType, TypedFunc};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The bare host's per-instance state: WASI, and the last call id given.
pub struct BareState {
    wasi: WasiCtx,
    table: ResourceTable,
    last_call: u64,
}

impl WasiView for BareState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A bare host with one component loaded and pre-instantiated.
pub struct BareHost {
    engine: Engine,
    linker: Linker<BareState>,
    pre: MiniappPre<BareState>,
}

type Status = Result<(), types::Error>;

/// `completions.outcome`, the runtime's own type.
pub use miniapp_runtime::bench_hooks::Outcome;

/// `completions.on-complete`, typed.
type OnComplete = TypedFunc<(u64, Outcome), (Result<(), String>,)>;

/// An engine like the runtime's, without fuel or epoch interruption; with
/// `pooling`, slots for that many live instances.
pub fn engine(pooling: Option<u32>) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    if let Some(live) = pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_component_instances(live)
            .total_core_instances(live * 8)
            .total_memories(live * 2)
            .total_tables(live * 4)
            .total_stacks(live)
            .max_memory_size(64 << 20)
            .decommit_batch_size(64)
            .table_keep_resident(16 * 1024);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        config.memory_reservation(64 << 20);
        config.memory_guard_size(64 * 1024);
        config.memory_reservation_for_growth(0);
    }
    Ok(Engine::new(&config)?)
}

/// The linker: WASI, and the few host functions the bench app calls.
pub fn linker(engine: &Engine) -> anyhow::Result<Linker<BareState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    let host = |interface: &str| format!("miniapp:host/{interface}@{HOST_API_VERSION}");
    linker.instance(&host("types"))?;
    linker
        .instance(&host("view"))?
        .func_wrap("set-data", |_, (_patch,): (String,)| Ok((Status::Ok(()),)))?;
    linker
        .instance(&host("log"))?
        .func_wrap("write", |_, (_level, _msg): (log::Level, String)| {
            Ok((Status::Ok(()),))
        })?;
    let mut storage = linker.instance(&host("storage"))?;
    storage.func_wrap("get", |_, (_key,): (String,)| {
        Ok((Result::<Option<Vec<u8>>, types::Error>::Ok(Some(
            b"value".to_vec(),
        )),))
    })?;
    storage.func_wrap("set", |_, (_key, _value): (String, Vec<u8>)| {
        Ok((Status::Ok(()),))
    })?;
    let mut pending = linker.instance(&host("pending"))?;
    for name in ["set-timeout", "set-interval"] {
        pending.func_wrap(name, |mut store, (_ms,): (u32,)| {
            let state: &mut BareState = store.data_mut();
            state.last_call += 1;
            Ok((Result::<u64, types::Error>::Ok(state.last_call),))
        })?;
    }
    pending.func_wrap("cancel", |_, (_id,): (u64,)| Ok(()))?;
    Ok(linker)
}

/// Make the host API's imports this bare host does not implement trap if
/// called (the bench example calls none of them). Only `miniapp:host`'s:
/// wasmtime's `define_unknown_imports_as_traps` would also stub a WASI import
/// the guest names at an older 0.2 version (std's hash seed,
/// `wasi:random/insecure-seed@0.2.6`) under that exact name, shadowing the
/// semver-compatible one `add_to_linker_async` defines.
fn trap_unknown_host_imports(
    linker: &mut Linker<BareState>,
    component: &Component,
    engine: &Engine,
) -> anyhow::Result<()> {
    use wasmtime::component::types::ComponentItem;
    for (name, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        if !name.starts_with("miniapp:host/") {
            continue;
        }
        let mut defined = linker.instance(name).map_err(anyhow::Error::from)?;
        for (export, item) in instance.exports(engine) {
            let what = format!("{name}#{export}");
            // A function or type this host defines is kept: defining it
            // again is refused, and that refusal is the answer wanted.
            let _: wasmtime::Result<()> = match item.ty {
                ComponentItem::ComponentFunc(_) => defined.func_new(export, move |_, _, _, _| {
                    wasmtime::bail!("`{what}` is not implemented by the bare host")
                }),
                ComponentItem::Resource(_) => {
                    defined.resource(export, ResourceType::host::<()>(), |_, _| Ok(()))
                }
                _ => Ok(()),
            };
        }
    }
    Ok(())
}

impl BareHost {
    /// Load a component from its bytes (compiling it).
    pub fn new(engine: &Engine, wasm: &[u8]) -> anyhow::Result<BareHost> {
        let component = Component::new(engine, wasm)?;
        Self::with_component(engine, component)
    }

    /// Load a precompiled artifact file, as `wasmtime run --allow-precompiled`
    /// would (mapped, no integrity check).
    pub fn from_artifact(engine: &Engine, path: &Path) -> anyhow::Result<BareHost> {
        // SAFETY: the file was written by `precompile` below, from this
        // engine, in this benchmark run.
        let component = unsafe { Component::deserialize_file(engine, path)? };
        Self::with_component(engine, component)
    }

    fn with_component(engine: &Engine, component: Component) -> anyhow::Result<BareHost> {
        let mut linker = linker(engine)?;
        trap_unknown_host_imports(&mut linker, &component, engine)?;
        let pre = MiniappPre::new(linker.instantiate_pre(&component)?)?;
        Ok(BareHost {
            engine: engine.clone(),
            linker,
            pre,
        })
    }

    /// The linker (to time `instantiate_pre` on a new component).
    pub fn linker(&self) -> &Linker<BareState> {
        &self.linker
    }

    fn store(&self) -> Store<BareState> {
        Store::new(
            &self.engine,
            BareState {
                wasi: WasiCtx::builder().build(),
                table: ResourceTable::new(),
                last_call: 0,
            },
        )
    }

    /// A new store and instance, no hooks.
    pub async fn instantiate(
        &self,
    ) -> anyhow::Result<(Store<BareState>, miniapp_runtime::bench_hooks::Miniapp)> {
        let mut store = self.store();
        let guest = self.pre.instantiate_async(&mut store).await?;
        Ok((store, guest))
    }

    /// Instantiate, `on-launch`, `on-show`, and one event.
    pub async fn launch_to_first_event(
        &self,
        event: &lifecycle::Event,
    ) -> anyhow::Result<Instance> {
        let (store, guest) = self.instantiate().await?;
        Self::launch(store, guest, None, event).await
    }

    /// [`BareHost::launch_to_first_event`] for an app that exports
    /// `completions`, so that [`Instance::complete`] can deliver its timers.
    pub async fn launch_with_completions(
        &self,
        event: &lifecycle::Event,
    ) -> anyhow::Result<Instance> {
        let mut store = self.store();
        let instance = self
            .pre
            .instance_pre()
            .instantiate_async(&mut store)
            .await?;
        let guest = miniapp_runtime::bench_hooks::Miniapp::new(&mut store, &instance)?;
        let name = format!("miniapp:host/completions@{HOST_API_VERSION}");
        let (_, interface) = (instance.get_export(&mut store, None, &name))
            .ok_or_else(|| anyhow::anyhow!("the app does not export `{name}`"))?;
        let hook = (instance.get_export_index(&mut store, Some(&interface), "on-complete"))
            .ok_or_else(|| anyhow::anyhow!("the app's `{name}` has no `on-complete`"))?;
        let on_complete = instance.get_typed_func(&mut store, hook)?;
        Self::launch(store, guest, Some(on_complete), event).await
    }

    async fn launch(
        mut store: Store<BareState>,
        guest: miniapp_runtime::bench_hooks::Miniapp,
        on_complete: Option<OnComplete>,
        event: &lifecycle::Event,
    ) -> anyhow::Result<Instance> {
        let life = guest.miniapp_host_lifecycle();
        let launch = lifecycle::LaunchOptions {
            path: "index".into(),
            query: Vec::new(),
            scene: 0,
            referrer: None,
        };
        life.call_on_launch(&mut store, &launch)
            .await?
            .map_err(anyhow::Error::msg)?;
        life.call_on_show(&mut store)
            .await?
            .map_err(anyhow::Error::msg)?;
        life.call_on_event(&mut store, event)
            .await?
            .map_err(anyhow::Error::msg)?;
        Ok(Instance {
            store,
            guest,
            on_complete,
        })
    }
}

/// A live bare instance.
pub struct Instance {
    store: Store<BareState>,
    guest: miniapp_runtime::bench_hooks::Miniapp,
    on_complete: Option<OnComplete>,
}

impl Instance {
    /// Dispatch one event.
    pub async fn dispatch(&mut self, event: &lifecycle::Event) -> anyhow::Result<()> {
        self.guest
            .miniapp_host_lifecycle()
            .call_on_event(&mut self.store, event)
            .await?
            .map_err(anyhow::Error::msg)
    }

    /// The id of the last timer the app set.
    pub fn last_call(&self) -> u64 {
        self.store.data().last_call
    }

    /// Deliver `outcome` for call `id` to the app's `on-complete` (needs an
    /// instance of [`BareHost::launch_with_completions`]).
    pub async fn complete(&mut self, id: u64, outcome: Outcome) -> anyhow::Result<()> {
        let hook = (self.on_complete)
            .ok_or_else(|| anyhow::anyhow!("launched without its `completions` export"))?;
        let (result,) = hook.call_async(&mut self.store, (id, outcome)).await?;
        result.map_err(anyhow::Error::msg)
    }
}

/// A WIT event.
pub fn event(handler: &str, detail: &str) -> lifecycle::Event {
    lifecycle::Event {
        page: "index".into(),
        handler: handler.into(),
        detail: detail.into(),
        dataset: Vec::new(),
        gesture: None,
    }
}
