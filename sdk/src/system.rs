//! Facts about the host, and feature detection.

use serde::{Deserialize, Serialize};

use crate::bindings::miniapp::host::system as host;

/// Which host app the mini-program runs in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    /// Host app name, e.g. `WeChat`.
    pub host_name: String,
    /// Host app version.
    pub host_version: String,
    /// Platform, e.g. `ios`, `android`, `linux`.
    pub platform: String,
    /// Version of the miniapp host API.
    pub sdk_version: String,
}

/// Facts about the host.
pub fn host_info() -> HostInfo {
    let info = host::get_host_info();
    HostInfo {
        host_name: info.host_name,
        host_version: info.host_version,
        platform: info.platform,
        sdk_version: info.sdk_version,
    }
}

/// Whether this host offers an API, e.g. `storage`, `http.fetch.timeout-ms`,
/// `payment.request-payment`.
pub fn can_i_use(schema: &str) -> bool {
    host::can_i_use(schema)
}
