//! Helpers shared by the benchmarks: the example packages, built once.

use std::path::Path;

use miniapp_runtime::{Package, PackageLimits};

/// Build example `name` from `guest-examples/` (release, wasm32-wasip2).
pub fn example(name: &str) -> anyhow::Result<Package> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples")
        .join(name);
    Ok(miniapp_runtime::builder::build(&dir, None, &PackageLimits::default())?.package)
}
