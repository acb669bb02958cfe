//! The runtime: one wasmtime engine and linker, the durable store and the
//! host's providers, shared by every app it loads; and the operator's
//! actions on them (consent, quarantine, precompiling).

use std::path::PathBuf;
use std::sync::Arc;

use miniapp_config::{Policy, Scope};
use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::audit::{AuditEvent, AuditRecord, AuditSink, JsonLinesAudit};
use crate::cache::ArtifactCache;
use crate::consent::Consent;
use crate::engine::LiveInstances;
use crate::error::Error;
use crate::instance::InstanceState;
use crate::kv::{KvStore, LazyRedbStore};
use crate::package::{Package, PackageLimits};
use crate::providers::Providers;
use crate::quarantine::QuarantineBook;
use crate::services::Services;

/// A host of mini-programs. Cheap to clone; clones share the engine.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    pub engine: Engine,
    pub linker: Linker<InstanceState>,
    pub policy: Policy,
    pub package_limits: PackageLimits,
    pub services: Arc<Services>,
    pub cache: Option<ArtifactCache>,
    pub live: Arc<LiveInstances>,
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
    execution_slots: Option<usize>,
    fuel: bool,
    http_observer: Option<Arc<dyn crate::capability::http::HttpObserver>>,
    recording: bool,
}

/// Default wasm stack of every instance (wasmtime's default).
pub const DEFAULT_WASM_STACK: usize = 512 * 1024;

impl RuntimeBuilder {
    /// Something to see every HTTP call of the apps when it ends (a
    /// simulator's Network panel). None by default.
    pub fn http_observer(
        mut self,
        observer: Arc<dyn crate::capability::http::HttpObserver>,
    ) -> Self {
        self.http_observer = Some(observer);
        self
    }

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

    /// Meter guest code in fuel, bounding each call by the `fuel_per_event`
    /// quota (default on). Fuel is deterministic (the same code costs the
    /// same on any machine) and its checks are compiled into guest code;
    /// off, a call's CPU is bounded by `cpu_ms_per_event` (poll time, which
    /// also counts host calls) and `event_timeout_ms` alone. An engine
    /// setting: the same for every app of this runtime.
    pub fn fuel(mut self, on: bool) -> Self {
        self.fuel = on;
        self
    }

    /// How many guest calls run at once (default: one per core). Calls
    /// wait for a slot in weighted fair order across apps (each app's
    /// `cpu_weight`). A call still running at an epoch tick (every 10 ms)
    /// 1 ms or more after it started is long: it gives its slot back at
    /// every tick and queues again, and long calls hold at most all slots
    /// but one, so a spinning app delays another app's short event by
    /// microseconds rather than by ticks.
    pub fn execution_slots(mut self, n: usize) -> Self {
        self.execution_slots = Some(n.max(1));
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

    /// Record what each instance sees from outside (its inputs, host call
    /// results, clocks and randomness) in a ring bounded by the quotas
    /// `recording_bytes` and `recording_entries`, so an event that traps
    /// or is refused can be replayed (`AppInstance::take_recording`,
    /// `replay::replay`; docs/replay.md). Off by default.
    pub fn recording(mut self, on: bool) -> Self {
        self.recording = on;
        self
    }

    /// A key-value store to use instead of the redb database in the data
    /// directory (the seam is [`platform::kv`](crate::platform::kv), where
    /// `miniapp-pg` plugs in).
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
        let pooling = self.pooling.then_some(self.max_live_instances);
        let config = crate::engine::config(&self.policy, self.fuel, self.max_wasm_stack, pooling)?;
        let engine = Engine::new(&config).map_err(|e| Error::Setup(format!("engine: {e}")))?;
        let cache = match &self.cache_dir {
            Some(dir) => Some(ArtifactCache::open(dir, &engine).map_err(|e| {
                Error::Setup(format!("cannot open artifact cache {}: {e}", dir.display()))
            })?),
            None => None,
        };
        let linker = crate::engine::linker(&engine)?;
        let regions = match &self.policy.host.region_table {
            Some(path) => crate::services::RegionTable::custom(Arc::new(
                miniapp_view::region::Regions::read(path)
                    .map_err(|e| Error::Setup(format!("policy `host.region_table`: {e}")))?,
            )),
            None => crate::services::RegionTable::default(),
        };
        let epoch = crate::epoch::EpochTicker::start(engine.clone())?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                policy: self.policy,
                package_limits: self.package_limits,
                services: Arc::new(Services {
                    kv: kv.clone(),
                    providers: self.providers,
                    audit,
                    disk: Default::default(),
                    quarantine: QuarantineBook::new(kv.clone()),
                    slots: crate::fair::FairSlots::new(
                        self.execution_slots
                            .unwrap_or_else(crate::engine::default_execution_slots),
                    ),
                    http_observer: self.http_observer,
                    recording: self.recording,
                    temp: crate::capability::temp_area::TempAreas::new(self.data_dir.join("tmp")),
                    regions,
                    _epoch: epoch,
                }),
                cache,
                live: LiveInstances::new(self.max_live_instances),
            }),
        })
    }
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
            execution_slots: None,
            fuel: true,
            http_observer: None,
            recording: false,
        }
    }

    /// Forget the components loaded in this process, so the next load of a
    /// package reads the artifact cache on disk (for cold-start benchmarks).
    #[cfg(feature = "bench-hooks")]
    pub fn forget_loaded(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.forget_loaded();
        }
    }

    /// The wasmtime engine (for benchmarks that compare against a bare host).
    #[cfg(feature = "bench-hooks")]
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Compile a package ahead of time into the artifact cache (unless a
    /// verified artifact is there). Returns whether it compiled.
    pub fn precompile(&self, package: &Package) -> Result<bool, Error> {
        let Some(cache) = &self.inner.cache else {
            return Err(Error::Setup("this runtime has no artifact cache".into()));
        };
        let quotas = self.inner.policy.grants_for(&package.manifest)?.quotas;
        cache
            .precompile(
                &self.inner.engine,
                &package.hash,
                &package.component,
                &quotas,
            )
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

    /// The region picker's table in force (the policy's
    /// `host.region_table`, else the one miniapp ships), against which a
    /// region picker's change is checked.
    pub fn regions(&self) -> &miniapp_view::region::Regions {
        &self.inner.services.regions
    }

    /// The package size bounds.
    pub fn package_limits(&self) -> &PackageLimits {
        &self.inner.package_limits
    }
}
