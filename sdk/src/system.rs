//! Facts about the host, and feature detection.

use crate::bindings::miniapp::host::system as host;

// Which host app the mini-program runs in is the host API's own type (the
// WIT is its one definition; `lib.rs` adds its derives).
pub use host::HostInfo;

/// Facts about the host.
pub fn host_info() -> HostInfo {
    host::get_host_info()
}

/// Whether this host offers an API, e.g. `storage`, `http.fetch.timeout-ms`,
/// `payment.request-payment`.
pub fn can_i_use(schema: &str) -> bool {
    host::can_i_use(schema)
}
