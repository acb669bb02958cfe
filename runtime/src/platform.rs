//! For miniapp's own serving crates (`miniapp-serve`, `miniapp-pg`,
//! `miniapp-dev`, `miniapp-protocol`, the `miniapp` CLI) and their tests:
//! the durable store's seam, the artifact cache, the session table, the
//! views' checks and the audit files. No stability promise: an embedder
//! needs none of it (the crate root has what it uses).

pub use crate::audit::file::{KEPT_DAYS, ROTATE_BYTES, RotatingFile, reopen_files};
pub use crate::audit::logged::{LoggedAudit, in_session};
pub use crate::load::component_imports;

/// The meta a built component carries (what its macros wrote of its pages'
/// and components' handlers and properties), as load reads it: `None`
/// when it has none; an error names what is wrong.
pub fn component_meta(
    component: &[u8],
    manifest: &miniapp_config::Manifest,
) -> Result<Option<miniapp_config::meta::Meta>, String> {
    crate::meta::read(component, manifest)
}

/// Run a built component's init as the runtime will when it compiles the
/// package (see the README's "Pre-initialised snapshots"): every import
/// traps, within `quotas`' memory and fuel. `Ok` when it exports no init
/// or its init can be kept; an error names the import it called, or why it
/// failed. `miniapp build` runs it so the developer hears it before load.
pub fn check_init(component: &[u8], quotas: &miniapp_config::Quotas) -> Result<(), String> {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    // A quick compile: only the init runs, once.
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    let engine = wasmtime::Engine::new(&config).map_err(|e| format!("{e:#}"))?;
    crate::snapshot::pre_initialise(&engine, component, quotas).map(drop)
}

/// The pre-initialised snapshot of `component` the runtime compiles in its
/// place ([`check_init`]'s run, on `engine`): `None` when it exports no
/// init. For benchmarks that run the snapshot on a bare host.
pub fn pre_initialise(
    engine: &wasmtime::Engine,
    component: &[u8],
    quotas: &miniapp_config::Quotas,
) -> Result<Option<Vec<u8>>, String> {
    crate::snapshot::pre_initialise(engine, component, quotas)
}

/// The durable key-value store every app's storage goes through, and its
/// implementations (redb on disk, in memory).
pub mod kv {
    pub use crate::kv::*;
}

/// The artifact cache: compiled components on disk, keyed by hash.
pub mod cache {
    pub use crate::cache::*;
}

/// The table of live sessions of a host, with their idle policy.
pub mod sessions {
    pub use crate::sessions::*;
}

/// A package's WeChat config files (`app.json`, `pages/ROUTE.json`):
/// checked, each page's window resolved.
pub mod app_config {
    pub use crate::app_config::*;
}

/// A package's views: compiled, checked against the component's pages.
pub mod views {
    pub use crate::views::*;
}
