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
