//! The interface table: every `miniapp:host` interface an app may import,
//! the capability it needs (none for the core ones), and its functions with
//! the options `can-i-use` answers for. The load-time import check and
//! `system.can-i-use` read it; a test compares it with `wit/miniapp.wit`.

use miniapp_config::{Capability, HostProfile};

/// The version of the host API (the WIT package) this runtime implements.
pub const HOST_API_VERSION: &str = "0.1.0";

/// One imported interface of the host API.
#[derive(Debug)]
pub(crate) struct Interface {
    /// Its WIT name (`storage`).
    pub name: &'static str,
    /// The capability an app must hold to use it; `None` for core interfaces.
    pub capability: Option<Capability>,
    /// Its functions, and options of them as `function.option`.
    pub functions: &'static [&'static str],
}

const fn core(name: &'static str, functions: &'static [&'static str]) -> Interface {
    Interface {
        name,
        capability: None,
        functions,
    }
}

const fn gated(
    name: &'static str,
    capability: Capability,
    functions: &'static [&'static str],
) -> Interface {
    Interface {
        name,
        capability: Some(capability),
        functions,
    }
}

/// Every interface of the host API.
pub(crate) const INTERFACES: &[Interface] = &[
    core("types", &[]),
    core("view", &["set-data", "get-data"]),
    core(
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
    core("log", &["write"]),
    core("system", &["get-host-info", "can-i-use"]),
    core("permission", &["get-setting", "authorize"]),
    core("quota", &["remaining"]),
    gated(
        "storage",
        Capability::Storage,
        &["get", "set", "remove", "keys", "clear", "info"],
    ),
    gated(
        "http",
        Capability::Http,
        &[
            "fetch",
            "fetch.method",
            "fetch.headers",
            "fetch.body",
            "fetch.timeout-ms",
        ],
    ),
    gated("identity", Capability::Identity, &["login", "get-profile"]),
    gated("location", Capability::Location, &["get-location"]),
    gated("payment", Capability::Payment, &["request-payment"]),
];

/// The interface named `name`.
pub(crate) fn interface(name: &str) -> Option<&'static Interface> {
    INTERFACES.iter().find(|i| i.name == name)
}

/// Whether `host` offers `schema`: an interface (`storage`), a function
/// (`storage.set`) or an option of one (`http.fetch.timeout-ms`).
pub(crate) fn can_i_use(host: &HostProfile, schema: &str) -> bool {
    let (name, rest) = schema.split_once('.').unwrap_or((schema, ""));
    let Some(interface) = interface(name).filter(|i| !i.functions.is_empty()) else {
        return false;
    };
    let offered = interface
        .capability
        .is_none_or(|c| host.capabilities.contains(&c));
    offered && (rest.is_empty() || interface.functions.contains(&rest))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

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
            "quota",
            "quota.remaining",
        ] {
            assert!(can_i_use(&full, schema), "{schema}");
        }
        assert!(can_i_use(&lite, "storage.set"));
        assert!(can_i_use(&lite, "quota.remaining"));
        assert!(!can_i_use(&lite, "payment.request-payment"));
        assert!(!can_i_use(&lite, "http"));
        assert!(!can_i_use(&full, "storage.teleport"));
        assert!(!can_i_use(&full, "bluetooth"));
        assert!(!can_i_use(&full, "types"));
        assert!(!can_i_use(&full, ""));
    }

    /// The table and `wit/miniapp.wit` list the same interfaces and
    /// functions, and every gated interface is named after its capability.
    #[test]
    fn the_table_matches_the_wit() {
        let mut resolve = wit_parser::Resolve::default();
        let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit");
        let (package, _) = resolve.push_dir(wit).expect("wit/ parses");
        let version = resolve.packages[package].name.version.as_ref().unwrap();
        assert_eq!(version.to_string(), HOST_API_VERSION);
        let world = resolve.select_world(&[package], Some("miniapp")).unwrap();
        let mut imported = BTreeSet::new();
        for item in resolve.worlds[world].imports.values() {
            let wit_parser::WorldItem::Interface { id, .. } = item else {
                continue;
            };
            let wit = &resolve.interfaces[*id];
            let name = wit.name.clone().unwrap();
            let row = interface(&name).unwrap_or_else(|| panic!("`{name}` is not in the table"));
            let functions: BTreeSet<&str> = wit.functions.keys().map(String::as_str).collect();
            let listed: BTreeSet<&str> = row
                .functions
                .iter()
                .filter(|f| !f.contains('.'))
                .copied()
                .collect();
            assert_eq!(listed, functions, "functions of `{name}`");
            for option in row.functions.iter().filter_map(|f| f.split_once('.')) {
                assert!(functions.contains(option.0), "`{name}.{}`", option.0);
            }
            if let Some(capability) = row.capability {
                assert_eq!(capability.name(), name);
            }
            imported.insert(name);
        }
        let table: BTreeSet<String> = INTERFACES.iter().map(|i| i.name.to_string()).collect();
        assert_eq!(table, imported);
    }
}
