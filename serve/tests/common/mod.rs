//! What serve's tests share: a real node's host on an example.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use miniapp_runtime::platform::kv::{KvStore, RedbStore};
use miniapp_runtime::{PackageLimits, Policy, Runtime};
use miniapp_serve::catalog::{Catalog, FileCatalog};
use miniapp_serve::host::{Host, Limits};

/// A host over `dir` with the example `example` published, started `up` ago
/// (its eviction pass reads idleness as time since the start).
pub fn node(example: &str, dir: &Path, limits: Limits, up: Duration) -> Host {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples")
        .join(example);
    let built = miniapp_build::build(&crate_dir, None, &PackageLimits::default())
        .unwrap_or_else(|e| panic!("building the {example} example: {e}"));
    let mut policy = Policy::default();
    policy.grant_declared(&built.package.manifest);
    let storage: Arc<dyn KvStore> = Arc::new(RedbStore::open(&dir.join("storage.redb")).unwrap());
    let runtime = Runtime::builder(dir)
        .policy(policy)
        .kv_store(storage.clone())
        .build()
        .expect("the runtime builds");
    let catalog = FileCatalog::open(&dir.join("catalog")).unwrap();
    let catalog = Catalog::open(Box::new(catalog)).unwrap();
    let bytes = built.package.to_bytes().unwrap();
    catalog
        .publish(&runtime, None, &bytes, "startup", false)
        .unwrap_or_else(|e| panic!("publishing {example}: {e}"));
    let mut host = Host::new(runtime, storage, catalog, limits, [7; 32]);
    host.started = Instant::now()
        .checked_sub(up)
        .expect("an instant that long ago");
    host
}
