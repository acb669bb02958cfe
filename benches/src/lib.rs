//! The cold-start benchmark harness, shared by `cargo bench` (criterion) and
//! `miniapp bench`: the phases of a mini-program's start, measured through
//! the runtime and through a bare wasmtime host running the same component
//! (the floor the policy layer adds to), and the report.

pub mod bare;
pub mod phases;
pub mod report;
pub mod view;

use std::path::Path;

use miniapp_runtime::{Package, PackageLimits};

/// Build example `name` from `guest-examples/` (release, wasm32-wasip2).
pub fn example(name: &str) -> anyhow::Result<Package> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples")
        .join(name);
    Ok(miniapp_build::build(&dir, None, &PackageLimits::default())?.package)
}
