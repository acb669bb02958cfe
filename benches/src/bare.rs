//! A bare wasmtime host: the same component, the same calls, no policy layer.
//! No manifest, grants, quotas, fuel, epoch deadline, audit or page data:
//! `set-data` and `log.write` do nothing and `storage.get` returns a constant.
//! It implements what the bench example calls; other imports trap, so an app
//! that calls more is measured without this baseline.
//! It is the floor the runtime's policy layer adds to.

use std::path::Path;

use miniapp_runtime::HOST_API_VERSION;
use miniapp_runtime::bench_hooks::{MiniappPre, lifecycle, log, types};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The bare host's per-instance state: WASI only.
pub struct BareState {
    wasi: WasiCtx,
    table: ResourceTable,
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
    Ok(linker)
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
        // Imports the bench example does not call trap if another app calls them.
        linker.define_unknown_imports_as_traps(&component)?;
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
        let (mut store, guest) = self.instantiate().await?;
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
        Ok(Instance { store, guest })
    }
}

/// A live bare instance.
pub struct Instance {
    store: Store<BareState>,
    guest: miniapp_runtime::bench_hooks::Miniapp,
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
