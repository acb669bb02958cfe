//! `system`: host facts, and `can-i-use` feature detection so one app runs on
//! hosts that offer different capability sets.

use super::Capability;
use crate::bindings::system;
use crate::instance::InstanceState;
use crate::policy::HostProfile;

/// Version of the host API (the WIT package) this runtime implements.
pub const SDK_VERSION: &str = "0.1.0";

/// Functions (and options, as `function.option`) of every interface.
const SCHEMAS: &[(&str, &[&str])] = &[
    ("view", &["set-data", "get-data"]),
    (
        "nav",
        &[
            "navigate-to",
            "redirect-to",
            "navigate-back",
            "pages",
            "open-mini-program",
            "open-mini-program.path",
            "open-mini-program.extra-data",
        ],
    ),
    (
        "storage",
        &["get", "set", "remove", "keys", "clear", "info"],
    ),
    (
        "http",
        &[
            "fetch",
            "fetch.method",
            "fetch.headers",
            "fetch.body",
            "fetch.timeout-ms",
        ],
    ),
    ("log", &["write"]),
    ("system", &["get-host-info", "can-i-use"]),
    ("permission", &["get-setting", "authorize"]),
    ("identity", &["login", "get-profile"]),
    ("location", &["get-location"]),
    ("payment", &["request-payment"]),
];

/// Whether `host` offers `schema`: an interface (`storage`), a function
/// (`storage.set`) or an option of one (`http.fetch.timeout-ms`).
pub fn can_i_use(host: &HostProfile, schema: &str) -> bool {
    let (interface, rest) = schema.split_once('.').unwrap_or((schema, ""));
    let Some((_, functions)) = SCHEMAS.iter().find(|(name, _)| *name == interface) else {
        return false;
    };
    let offered = match Capability::of_interface(interface) {
        Some(capability) => host.capabilities.contains(&capability),
        None => true,
    };
    offered && (rest.is_empty() || functions.contains(&rest))
}

impl system::Host for InstanceState {
    fn get_host_info(&mut self) -> wasmtime::Result<system::HostInfo> {
        let host = &self.app.host;
        Ok(system::HostInfo {
            host_name: host.name.clone(),
            host_version: host.version.clone(),
            platform: host.platform.clone(),
            sdk_version: SDK_VERSION.into(),
        })
    }

    fn can_i_use(&mut self, schema: String) -> wasmtime::Result<bool> {
        Ok(can_i_use(&self.app.host, &schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_per_host_profile() {
        let full = HostProfile::default();
        let lite = HostProfile {
            capabilities: [Capability::Storage].into_iter().collect(),
            ..HostProfile::default()
        };
        for schema in [
            "view",
            "view.set-data",
            "nav.open-mini-program.path",
            "http.fetch.timeout-ms",
        ] {
            assert!(can_i_use(&full, schema), "{schema}");
        }
        assert!(can_i_use(&lite, "storage.set"));
        assert!(!can_i_use(&lite, "payment.request-payment"));
        assert!(!can_i_use(&lite, "http"));
        assert!(!can_i_use(&full, "storage.teleport"));
        assert!(!can_i_use(&full, "bluetooth"));
        assert!(!can_i_use(&full, ""));
    }
}
