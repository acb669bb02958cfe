//! Pre-initialised snapshots: a component that exports [`INIT_EXPORT`] (the
//! SDK's world does) has it run once, when the runtime compiles the package
//! into its artifact cache, with every import trapping; wasmtime-wizer then
//! rewrites the component with the memory and globals the init left, and
//! that is what is compiled and cached. Every instance
//! starts from there. The package keeps the author's bytes (its hash and
//! signature stay as published).
//!
//! The init must not call the host: a call to any import (the host API,
//! and WASI, its clocks and randomness included, so that no seed, time or
//! secret is frozen into what every instance and user shares) traps, and
//! the package is refused naming the import.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use miniapp_config::Quotas;
use wasmparser::{Parser, Payload};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Instance, Lift, Linker, ResourceType, WasmList};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use crate::epoch::EPOCH_TICK;

/// The export a component pre-initialises with: `func() -> result<_, string>`.
pub(crate) const INIT_EXPORT: &str = "wizer-initialize";

/// Longest an init may run (wall clock, by epoch ticks) before it is
/// stopped and the package refused.
const INIT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The state of the store an init runs in: its memory limit.
struct InitState {
    limits: StoreLimits,
}

/// The component to compile for `wasm`: its snapshot after its init if it
/// exports [`INIT_EXPORT`], else `None` (compiled as it is). An error says
/// why the init cannot be kept (it called an import, trapped, failed, or
/// the component cannot be pre-initialised).
pub(crate) fn pre_initialise(
    engine: &Engine,
    wasm: &[u8],
    quotas: &Quotas,
) -> Result<Option<Vec<u8>>, String> {
    if !exports_init(wasm) {
        return Ok(None);
    }
    let mut wizer = Wizer::new();
    // Kept: wizer 48's rewrite drops the core export but not the
    // component's lift of it (the result is not valid wasm). Calling it
    // again is a no-op (the SDK's init runs once per memory).
    wizer.keep_init_func(true);
    let (context, instrumented) = wizer
        .instrument_component(wasm)
        .map_err(|e| format!("its component cannot be pre-initialised: {e:#}"))?;
    let component = Component::new(engine, &instrumented)
        .map_err(|e| format!("its component is not a valid WebAssembly component: {e:#}"))?;
    let called = Arc::new(Mutex::new(None));
    let linker = trapping_linker(engine, &component, &called)?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(usize::try_from(quotas.memory_bytes).unwrap_or(usize::MAX))
        .build();
    let mut store = Store::new(engine, InitState { limits });
    store.limiter(|s| &mut s.limits);
    // A fuel budget if the engine counts fuel (an error otherwise), and a
    // wall-clock deadline: an init that spins is stopped, not waited for.
    let _ = store.set_fuel(quotas.fuel_per_event);
    store.epoch_deadline_trap();
    store.set_epoch_deadline(
        u64::try_from(INIT_DEADLINE.as_millis() / EPOCH_TICK.as_millis().max(1))
            .unwrap_or(u64::MAX),
    );
    let ran = block_on(async {
        let instance = linker.instantiate_async(&mut store, &component).await?;
        let init = instance.get_typed_func::<(), (Result<(), String>,)>(&mut store, INIT_EXPORT)?;
        let (outcome,) = init.call_async(&mut store, ()).await?;
        Ok::<_, wasmtime::Error>((instance, outcome))
    });
    let import = called.lock().unwrap_or_else(|e| e.into_inner()).take();
    let instance = match (ran, import) {
        (_, Some(import)) => {
            return Err(format!(
                "an app's init must not call the host: `{import}` called at init{}",
                if import.starts_with("wasi:cli/std") {
                    " (did it panic? a panic's message goes to stderr)"
                } else {
                    ""
                }
            ));
        }
        (Err(trap), None) => return Err(format!("its init (`{INIT_EXPORT}`) trapped: {trap:#}")),
        (Ok((_, Err(reason))), None) => return Err(format!("its init failed: {reason}")),
        (Ok((instance, Ok(()))), None) => instance,
    };
    // Wizer's accessors read the state back: a fresh budget for them.
    let _ = store.set_fuel(quotas.fuel_per_event);
    store.set_epoch_deadline(
        u64::try_from(INIT_DEADLINE.as_millis() / EPOCH_TICK.as_millis().max(1))
            .unwrap_or(u64::MAX),
    );
    let snapshot = block_on(wizer.snapshot_component(
        &context,
        &mut InitInstance {
            store: &mut store,
            instance,
        },
    ))
    .map_err(|e| format!("its snapshot cannot be written: {e:#}"))?;
    Ok(Some(snapshot))
}

/// Whether the component (not one of its nested modules) exports
/// [`INIT_EXPORT`].
fn exports_init(wasm: &[u8]) -> bool {
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::Version { .. }) => depth += 1,
            Ok(Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(Payload::ComponentExportSection(exports)) if depth == 1 => {
                let named = |e: Result<wasmparser::ComponentExport<'_>, _>| {
                    e.is_ok_and(|e| e.name.name == INIT_EXPORT)
                };
                if exports.into_iter().any(named) {
                    return true;
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// A linker that defines every import of `component` as a trap recording
/// its name in `called`.
fn trapping_linker(
    engine: &Engine,
    component: &Component,
    called: &Arc<Mutex<Option<String>>>,
) -> Result<Linker<InitState>, String> {
    let mut linker = Linker::new(engine);
    let failed = |e: wasmtime::Error| format!("its init cannot be linked: {e:#}");
    for (name, item) in component.component_type().imports(engine) {
        match item.ty {
            ComponentItem::ComponentInstance(instance) => {
                let mut defined = linker.instance(name).map_err(failed)?;
                for (export, item) in instance.exports(engine) {
                    match item.ty {
                        ComponentItem::ComponentFunc(_) => {
                            let what = format!("{}.{export}", short_name(name));
                            let called = called.clone();
                            defined
                                .func_new(export, move |_, _, _, _| trap(&called, &what))
                                .map_err(failed)?;
                        }
                        ComponentItem::Resource(_) => defined
                            .resource(export, ResourceType::host::<InitState>(), |_, _| Ok(()))
                            .map_err(failed)?,
                        _ => {}
                    }
                }
            }
            ComponentItem::ComponentFunc(_) => {
                let what = short_name(name).to_string();
                let called = called.clone();
                (linker.root())
                    .func_new(name, move |_, _, _, _| trap(&called, &what))
                    .map_err(failed)?;
            }
            _ => {}
        }
    }
    Ok(linker)
}

/// Record the first import called, and trap.
fn trap(called: &Mutex<Option<String>>, what: &str) -> wasmtime::Result<()> {
    called
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(|| what.to_string());
    wasmtime::bail!("an app's init must not call the host: `{what}` called at init")
}

/// An import's name as an app's author knows it: `storage` for
/// `miniapp:host/storage@0.2.0`, `wasi:random/random` for WASI's.
fn short_name(import: &str) -> &str {
    let name = import.split_once('@').map_or(import, |(name, _)| name);
    name.strip_prefix("miniapp:host/").unwrap_or(name)
}

/// Run a future that never waits on anything outside this thread (wasmtime
/// calls into a guest whose imports all trap, with no epoch yields) to its
/// end.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut context) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// The instance wasmtime-wizer reads the initialised state of.
struct InitInstance<'a> {
    store: &'a mut Store<InitState>,
    instance: Instance,
}

impl InitInstance<'_> {
    /// Call `instance`'s `func` (one of the accessors wizer's
    /// instrumentation added) and hand its result to `read`.
    async fn call<R: Lift + Send + Sync + 'static, O>(
        &mut self,
        instance: &str,
        func: &str,
        read: impl FnOnce(&mut Store<InitState>, R) -> O,
    ) -> O {
        let store = &mut *self.store;
        let index = self
            .instance
            .get_export_index(&mut *store, None, instance)
            .and_then(|i| self.instance.get_export_index(&mut *store, Some(&i), func));
        let Some(index) = index else {
            panic!("wizer's instrumentation exports `{instance}#{func}`");
        };
        let typed = self.instance.get_typed_func::<(), (R,)>(&mut *store, index);
        let Ok(typed) = typed else {
            panic!("wizer's accessor `{instance}#{func}` has the type it declared");
        };
        let (value,) = match typed.call_async(&mut *store, ()).await {
            Ok(value) => value,
            Err(e) => panic!("wizer's accessor `{instance}#{func}` trapped: {e:#}"),
        };
        read(store, value)
    }
}

impl ComponentInstanceState for InitInstance<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        self.call(instance, func, |store, list: WasmList<u8>| {
            contents(list.as_le_slice(&*store))
        })
        .await
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func, |_, v| v).await
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func, |_, v| v).await
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call(instance, func, |_, v: f32| v.to_bits()).await
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call(instance, func, |_, v: f64| v.to_bits()).await
    }
}
