//! The runtime: one wasmtime engine and linker, the durable store and the
//! host's providers, shared by every app it loads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::audit::{AuditEvent, AuditRecord, AuditSink, JsonLinesAudit};
use crate::bindings::{Miniapp, MiniappPre};
use crate::cache::{ArtifactCache, CacheOutcome};
use crate::capability::http::AppHttp;
use crate::capability::{CORE_INTERFACES, Capability, Scope};
use crate::consent::Consent;
use crate::error::Error;
use crate::instance::{AppInstance, InstanceState, LaunchOptions};
use crate::kv::{KvStore, LazyRedbStore};
use crate::manifest::Manifest;
use crate::package::{Package, PackageLimits};
use crate::policy::{Grants, HostProfile, Policy};
use crate::providers::Providers;
use crate::quarantine::QuarantineBook;
use crate::usage::{Usage, UsageCounters};

/// How often the epoch ticks; event deadlines are counted in ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The WASI interfaces a component may import (Rust's std imports these
/// even when unused). They are linked with nothing ambient behind them.
const WASI_PACKAGES: [&str; 5] = [
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

/// Services every app instance reaches through the runtime.
pub(crate) struct Services {
    pub kv: Arc<dyn KvStore>,
    pub providers: Providers,
    pub audit: Arc<dyn AuditSink>,
    pub quarantine: QuarantineBook,
    /// Long-call slots: a guest call still running at an epoch tick 1 ms or
    /// more after it started runs on only while it holds one (see
    /// `instance::at_epoch_tick`).
    pub long_calls: Arc<tokio::sync::Semaphore>,
}

/// A host of mini-programs. Cheap to clone; clones share the engine.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    linker: Linker<InstanceState>,
    policy: Policy,
    package_limits: PackageLimits,
    services: Arc<Services>,
    ticker_stop: Arc<AtomicBool>,
    cache: Option<ArtifactCache>,
    live: Arc<LiveInstances>,
}

impl Drop for RuntimeInner {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Configures a [`Runtime`].
pub struct RuntimeBuilder {
    data_dir: PathBuf,
    policy: Policy,
    package_limits: PackageLimits,
    providers: Providers,
    kv: Option<Arc<dyn KvStore>>,
    audit: Option<Arc<dyn AuditSink>>,
    max_wasm_stack: usize,
    cache_dir: Option<PathBuf>,
    pooling: bool,
    max_live_instances: u32,
    long_call_slots: Option<usize>,
}

/// Default wasm stack of every instance (wasmtime's default).
pub const DEFAULT_WASM_STACK: usize = 512 * 1024;

impl RuntimeBuilder {
    /// Where audit records go (default: `audit.jsonl` in the data directory).
    pub fn audit(mut self, audit: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Where compiled artifacts are kept (default: `cache/` in the data
    /// directory); `None` compiles every load.
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// Use wasmtime's pooling allocator, with slots for
    /// [`max_live_instances`](Self::max_live_instances) instances sized from the
    /// policy's quotas: instantiation then reuses pre-reserved memory
    /// (copy-on-write images) instead of mapping it. Creating the engine costs
    /// more (a few ms), so a short-lived process (one `miniapp run`) is faster
    /// without it (the default).
    pub fn pooling(mut self, on: bool) -> Self {
        self.pooling = on;
        self
    }

    /// Most live instances at once (default 10,000); past it, launches are
    /// refused with [`Error::Capacity`]. Keep it below what the OS allows
    /// (each live instance holds a few memory mappings; Linux's default
    /// `vm.max_map_count` allows about 16,000).
    pub fn max_live_instances(mut self, n: u32) -> Self {
        self.max_live_instances = n;
        self
    }

    /// How many long guest calls may run at once (default: the cores less
    /// one, at least 1). A call still running at an epoch tick (every
    /// 10 ms) 1 ms or more after it started is long: from then on it takes
    /// turns for these slots, a tick at a time, so the other cores
    /// stay free for short calls: a spinning app then delays another app's
    /// short event by microseconds rather than by ticks. More slots give
    /// long calls more of the machine and short calls less.
    pub fn long_call_slots(mut self, n: usize) -> Self {
        self.long_call_slots = Some(n.max(1));
        self
    }

    /// The wasm stack of every instance, bytes (default 512 KiB). An engine
    /// setting: the same for every app of this runtime.
    pub fn max_wasm_stack(mut self, bytes: usize) -> Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// The operator's policy (default: grants nothing beyond the core interfaces).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Package size bounds (default 20 MiB total, 2 MiB component).
    pub fn package_limits(mut self, limits: PackageLimits) -> Self {
        self.package_limits = limits;
        self
    }

    /// Host-side providers (default: see [`Providers::default`]).
    pub fn providers(mut self, providers: Providers) -> Self {
        self.providers = providers;
        self
    }

    /// A key-value store to use instead of the redb database in the data directory.
    pub fn kv_store(mut self, kv: Arc<dyn KvStore>) -> Self {
        self.kv = Some(kv);
        self
    }

    /// Build the runtime: create the data directory, open the store, set up
    /// the engine and link the host API once.
    pub fn build(self) -> Result<Runtime, Error> {
        self.policy.validate()?;
        let needs_dir = self.kv.is_none() || self.audit.is_none();
        if needs_dir {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                Error::Setup(format!(
                    "cannot create data directory {}: {e}",
                    self.data_dir.display()
                ))
            })?;
        }
        let kv = match self.kv {
            Some(kv) => kv,
            None => Arc::new(LazyRedbStore::new(self.data_dir.join("storage.redb"))),
        };
        let audit = match self.audit {
            Some(audit) => audit,
            None => {
                let path = self.data_dir.join("audit.jsonl");
                Arc::new(JsonLinesAudit::open(&path).map_err(|e| {
                    Error::Setup(format!("cannot open audit stream {}: {e}", path.display()))
                })?)
            }
        };
        let mut config = Config::new();
        // Wall-clock deadlines by epoch, CPU budgets by fuel (see Quotas).
        config.epoch_interruption(true);
        config.consume_fuel(true);
        config.max_wasm_stack(self.max_wasm_stack);
        config.wasm_component_model(true);
        if self.pooling {
            configure_pooling(&mut config, &self.policy, self.max_live_instances)?;
        }
        let engine = Engine::new(&config).map_err(|e| Error::Setup(format!("engine: {e}")))?;
        let cache = match &self.cache_dir {
            Some(dir) => Some(ArtifactCache::open(dir, &engine).map_err(|e| {
                Error::Setup(format!("cannot open artifact cache {}: {e}", dir.display()))
            })?),
            None => None,
        };
        let linker = build_linker(&engine).map_err(|e| Error::Setup(format!("linker: {e}")))?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        start_epoch_ticker(engine.clone(), ticker_stop.clone())?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                policy: self.policy,
                package_limits: self.package_limits,
                services: Arc::new(Services {
                    kv,
                    providers: self.providers,
                    audit,
                    quarantine: QuarantineBook::new(self.data_dir.join("quarantine")),
                    long_calls: Arc::new(tokio::sync::Semaphore::new(
                        self.long_call_slots.unwrap_or_else(default_long_call_slots),
                    )),
                }),
                ticker_stop,
                cache,
                live: Arc::new(LiveInstances {
                    count: AtomicU32::new(0),
                    cap: self.max_live_instances,
                }),
            }),
        })
    }
}

/// The cores less one (at least 1): one core stays free for short calls.
fn default_long_call_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Size the pooling allocator from the policy's largest quotas.
fn configure_pooling(config: &mut Config, policy: &Policy, max_live: u32) -> Result<(), Error> {
    let mut quotas = vec![policy.quotas_for("")?];
    for id in policy.apps.keys() {
        quotas.push(policy.quotas_for(id)?);
    }
    let max = |f: fn(&crate::quota::Quotas) -> u64| quotas.iter().map(f).max().unwrap_or(0);
    let memory = max(|q| q.memory_bytes) as usize;
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_component_instances(max_live)
        // A Rust component is one main core instance plus a few adapters.
        .total_core_instances(max_live.saturating_mul(8))
        .total_memories(max_live.saturating_mul(2))
        .total_tables(max_live.saturating_mul(4))
        // A store keeps its fiber stack between async calls: one per live instance.
        .total_stacks(max_live)
        .max_core_instances_per_component(max(|q| u64::from(q.instances)) as u32)
        .max_memories_per_component(max(|q| u64::from(q.memories)) as u32)
        .max_tables_per_component(max(|q| u64::from(q.tables)) as u32)
        .table_elements(max(|q| q.table_elements) as usize)
        .max_memory_size(memory)
        // Return slots to the OS in batches, not one madvise per instance.
        .decommit_batch_size(64)
        // Zero small tables with memset rather than a system call.
        .table_keep_resident(16 * 1024);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    // Reserve only what the memory quota allows (explicit bounds checks)
    // rather than 4 GiB per slot, so thousands of slots fit.
    config.memory_reservation(memory as u64);
    config.memory_guard_size(64 * 1024);
    config.memory_reservation_for_growth(0);
    Ok(())
}

/// Counts live instances against the runtime's cap.
pub(crate) struct LiveInstances {
    count: AtomicU32,
    cap: u32,
}

/// One live instance; releases its place when dropped.
pub(crate) struct LiveSlot(Arc<LiveInstances>);

impl LiveInstances {
    pub fn acquire(self: &Arc<Self>) -> Option<LiveSlot> {
        let mut now = self.count.load(Ordering::Relaxed);
        loop {
            if now >= self.cap {
                return None;
            }
            match self.count.compare_exchange_weak(
                now,
                now + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(LiveSlot(self.clone())),
                Err(actual) => now = actual,
            }
        }
    }

    pub fn cap(&self) -> u32 {
        self.cap
    }
}

impl Drop for LiveSlot {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::AcqRel);
    }
}

fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<InstanceState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Miniapp::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |state| state)?;
    Ok(linker)
}

/// Advance the engine's epoch on a dedicated OS thread (a tokio task would
/// starve while guests spin on every worker).
fn start_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) -> Result<(), Error> {
    std::thread::Builder::new()
        .name("miniapp-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .map(|_| ())
        .map_err(|e| Error::Setup(format!("cannot start the epoch thread: {e}")))
}

impl Runtime {
    /// Start configuring a runtime that keeps its data under `data_dir`.
    pub fn builder(data_dir: impl Into<PathBuf>) -> RuntimeBuilder {
        let data_dir = data_dir.into();
        RuntimeBuilder {
            cache_dir: Some(data_dir.join("cache")),
            data_dir,
            policy: Policy::default(),
            package_limits: PackageLimits::default(),
            providers: Providers::default(),
            kv: None,
            audit: None,
            max_wasm_stack: DEFAULT_WASM_STACK,
            pooling: false,
            max_live_instances: 10_000,
            long_call_slots: None,
        }
    }

    /// Forget the components loaded in this process, so the next load of a
    /// package reads the artifact cache on disk (for cold-start benchmarks).
    pub fn forget_loaded(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.forget_loaded();
        }
    }

    /// The wasmtime engine (for benchmarks that compare against a bare host).
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Compile a package ahead of time into the artifact cache (unless a
    /// verified artifact is there). Returns whether it compiled.
    pub fn precompile(&self, package: &Package) -> Result<bool, Error> {
        let Some(cache) = &self.inner.cache else {
            return Err(Error::Setup("this runtime has no artifact cache".into()));
        };
        cache
            .precompile(&self.inner.engine, &package.hash, &package.component)
            .map_err(|reason| Error::Refused {
                app: package.manifest.id.clone(),
                reason,
            })
    }

    /// Change a stored consent decision, as the host's settings page does
    /// for the user (or the operator for them): grant, deny, or forget it so
    /// the next use asks again. Audited.
    pub fn set_consent(
        &self,
        app_id: &str,
        user: Option<&str>,
        scope: Scope,
        consent: Consent,
    ) -> Result<(), Error> {
        let ns = crate::consent::namespace(app_id, user);
        crate::consent::store(&*self.inner.services.kv, &ns, scope, consent)?;
        let state = match consent {
            Consent::Granted => "granted",
            Consent::Denied => "denied",
            Consent::NotAsked => "not-asked",
        };
        let event = AuditEvent::ConsentChanged {
            scope,
            user: user.map(str::to_string),
            state,
        };
        self.inner
            .services
            .audit
            .record(&AuditRecord::now(app_id, "", event));
        Ok(())
    }

    /// Why app `app_id` is quarantined, if it is.
    pub fn quarantine_reason(&self, app_id: &str) -> Result<Option<String>, Error> {
        self.inner.services.quarantine.reason(app_id).map_err(|e| {
            Error::Setup(format!(
                "cannot read the quarantine record of {app_id}: {e}"
            ))
        })
    }

    /// Lift the quarantine of app `app_id` (an operator action, audited);
    /// `true` if it was quarantined.
    pub fn lift_quarantine(&self, app_id: &str) -> Result<bool, Error> {
        let lifted =
            self.inner.services.quarantine.lift(app_id).map_err(|e| {
                Error::Setup(format!("cannot lift the quarantine of {app_id}: {e}"))
            })?;
        if lifted {
            let record = AuditRecord::now(app_id, "", AuditEvent::QuarantineLifted);
            self.inner.services.audit.record(&record);
        }
        Ok(lifted)
    }

    /// The operator's policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The package size bounds.
    pub fn package_limits(&self) -> &PackageLimits {
        &self.inner.package_limits
    }

    /// Read, check and load a package file.
    pub fn load_file(&self, path: &Path) -> Result<App, Error> {
        let package =
            Package::read(path, &self.inner.package_limits).map_err(|source| Error::Package {
                path: path.display().to_string(),
                source,
            })?;
        self.load(package)
    }

    /// Load a checked package: compile its component, check its imports
    /// against its manifest, resolve its grants and pre-instantiate it.
    /// Nothing of the app runs.
    pub fn load(&self, package: Package) -> Result<App, Error> {
        let inner = &self.inner;
        let manifest = package.manifest;
        let refused = |reason: String| {
            let event = AuditEvent::Refused {
                reason: reason.clone(),
            };
            let record = AuditRecord::now(&manifest.id, &manifest.version, event);
            inner.services.audit.record(&record);
            Error::Refused {
                app: manifest.id.clone(),
                reason,
            }
        };
        let grants = inner.policy.grants_for(&manifest)?;
        let (component, compiled) = match &inner.cache {
            Some(cache) => cache
                .component(&inner.engine, &package.hash, &package.component)
                .map_err(refused)?,
            None => (
                Component::new(&inner.engine, &package.component).map_err(|e| {
                    refused(format!(
                        "its component is not a valid WebAssembly component: {e:#}"
                    ))
                })?,
                CacheOutcome::Compiled,
            ),
        };
        let imports = check_imports(&inner.engine, &component, &manifest).map_err(refused)?;
        let pre = inner
            .linker
            .instantiate_pre(&component)
            .and_then(MiniappPre::new)
            .map_err(|e| refused(format!("it does not fit the miniapp world: {e:#}")))?;
        Ok(App {
            shared: Arc::new(AppShared {
                http: AppHttp::new(&grants.quotas),
                usage: UsageCounters::default(),
                host: inner.policy.host.clone(),
                services: inner.services.clone(),
                engine: inner.engine.clone(),
                live: inner.live.clone(),
                compiled,
                hash: package.hash,
                imports,
                manifest,
                grants,
            }),
            pre,
        })
    }
}

/// Check that `component` imports only the host API it may use: the core
/// interfaces, the capabilities its manifest declares, and sandboxed WASI.
/// Returns the imported interface names.
fn check_imports(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<Vec<String>, String> {
    let mut imports = Vec::new();
    for (name, _) in component.component_type().imports(engine) {
        imports.push(name.to_string());
        if WASI_PACKAGES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let Some(rest) = name.strip_prefix("miniapp:host/") else {
            return Err(format!(
                "it imports `{name}`, which this host does not provide"
            ));
        };
        let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
        if version != crate::capability::system::SDK_VERSION {
            return Err(format!(
                "it imports `{name}`, but this host provides miniapp:host@{}",
                crate::capability::system::SDK_VERSION
            ));
        }
        if CORE_INTERFACES.contains(&interface) {
            continue;
        }
        match Capability::of_interface(interface) {
            Some(capability) if manifest.permissions.contains(&capability) => {}
            Some(capability) => {
                return Err(format!(
                    "it imports `{name}` but its manifest does not declare the `{capability}` permission"
                ));
            }
            None => {
                return Err(format!(
                    "it imports `{name}`, which this host does not provide"
                ));
            }
        }
    }
    Ok(imports)
}

/// What every instance of one loaded app shares.
pub(crate) struct AppShared {
    pub manifest: Manifest,
    pub grants: Grants,
    pub host: HostProfile,
    pub hash: String,
    pub imports: Vec<String>,
    pub http: AppHttp,
    pub usage: UsageCounters,
    pub services: Arc<Services>,
    pub engine: Engine,
    pub live: Arc<LiveInstances>,
    pub compiled: CacheOutcome,
}

impl AppShared {
    /// Record an audit event about this app.
    pub fn audit(&self, event: AuditEvent) {
        let record = AuditRecord::now(&self.manifest.id, &self.manifest.version, event);
        self.services.audit.record(&record);
    }
}

/// A loaded, checked app, ready to launch instances. Cheap to clone.
#[derive(Clone)]
pub struct App {
    shared: Arc<AppShared>,
    pre: MiniappPre<InstanceState>,
}

impl App {
    /// The app's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    /// What the app may do: its manifest intersected with the policy.
    pub fn grants(&self) -> &Grants {
        &self.shared.grants
    }

    /// BLAKE3 hash of its package body, hex.
    pub fn hash(&self) -> &str {
        &self.shared.hash
    }

    /// Where its compiled code came from: memory, the artifact cache, or a compile.
    pub fn compiled_from(&self) -> &CacheOutcome {
        &self.shared.compiled
    }

    /// The interfaces its component imports.
    pub fn imports(&self) -> &[String] {
        &self.shared.imports
    }

    /// What the app has used since it was loaded, with its storage now.
    pub fn usage(&self) -> Result<Usage, Error> {
        let mut usage = self.shared.usage.snapshot();
        let storage = self
            .shared
            .services
            .kv
            .usage(&crate::capability::storage::namespace(
                &self.shared.manifest.id,
                None,
            ))?;
        usage.storage_bytes = storage.bytes;
        usage.storage_keys = storage.keys;
        Ok(usage)
    }

    /// Instantiate with the app's store, limits and host state, and drop the
    /// instance without running any hook: the `instantiate` phase of the
    /// cold-start benchmarks.
    #[doc(hidden)]
    pub async fn instantiate_only(&self, options: LaunchOptions) -> Result<(), Error> {
        crate::instance::instantiate(&self.shared, &self.pre, &options)
            .await
            .map(drop)
    }

    /// Launch a new instance: instantiate, then `on-launch` and `on-show`.
    /// A quarantined app refuses with [`Error::Quarantined`].
    pub async fn launch(&self, options: LaunchOptions) -> Result<AppInstance, Error> {
        AppInstance::launch(self.shared.clone(), &self.pre, options).await
    }
}

/// The interfaces a component imports, without loading it as an app (for
/// inspection). Compiles the component with a default engine.
pub fn component_imports(component: &[u8]) -> Result<Vec<String>, String> {
    let engine = Engine::default();
    let component = Component::new(&engine, component)
        .map_err(|e| format!("not a valid WebAssembly component: {e:#}"))?;
    Ok(component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect())
}
