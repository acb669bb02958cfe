//! The list of capabilities: every `miniapp:host` interface an app may
//! import, one line each, with the capability it needs (none for the core
//! ones), how it is linked, its functions with the options `can-i-use`
//! answers for, and the quotas it consumes. The linker, the load-time import
//! check, `system.can-i-use` and `docs/compatibility.md` all come from it;
//! a test compares it with `wit/miniapp.wit`.

use miniapp_config::{Capability, HostProfile, Quotas};
use wasmtime::component::Linker;
use wasmtime_wasi::WasiView;

use super::clipboard::ClipboardCtx;
use super::device::DeviceCtx;
use super::http::HttpCtx;
use super::identity::IdentityCtx;
use super::location::LocationCtx;
use super::log::SharedLog;
use super::nav::NavCtx;
use super::payment::PaymentCtx;
use super::quota::Gauged;
use super::selector_query::SelectorQueryCtx;
use super::socket::SocketCtx;
use super::storage::StorageCtx;
use super::{Calls, Granted, Holds, Viewed, view_of};

/// The version of the host API (the WIT package) this runtime implements.
pub const HOST_API_VERSION: &str = "0.2.0";

/// The older host API this runtime still serves, beside
/// [`HOST_API_VERSION`] (`capability::v0_1` links it).
pub(crate) const V0_1_VERSION: &str = "0.1.0";

/// The interfaces of 0.1.0 (`types` has no functions and needs no link).
pub(crate) const V0_1_INTERFACES: &[&str] = &[
    "types",
    "view",
    "nav",
    "storage",
    "http",
    "log",
    "system",
    "permission",
    "identity",
    "location",
    "payment",
    "quota",
];

/// The functions 0.2.0 added to interfaces 0.1.0 had, as
/// `interface.function`: a 0.1.0 package cannot import them, and
/// `can-i-use` says no to it.
pub(crate) const ADDED_AFTER_0_1: &[&str] = &[
    "http.fetch-start",
    "http.take-response",
    "http.download-file-start",
    "http.take-download",
    "http.upload-file-start",
    "http.read-temp-file",
    "http.remove-temp-file",
    "http.transfer-progress",
    "nav.re-launch",
    "nav.current-pages",
    "nav.switch-tab",
];

/// One imported interface of the host API.
#[derive(Debug)]
pub(crate) struct Interface {
    /// Its WIT name (`storage`).
    pub name: &'static str,
    /// The capability an app must hold to use it; `None` for core interfaces.
    pub capability: Option<Capability>,
    /// Its functions, and options of them as `function.option`.
    pub functions: &'static [&'static str],
    /// The [`Quotas`] it consumes, by field name (for the docs).
    #[cfg_attr(not(test), allow(dead_code))]
    pub quotas: &'static [&'static str],
}

/// `core` interfaces need no capability; the others need theirs.
macro_rules! needs {
    (core) => {
        None
    };
    ($capability:ident) => {
        Some(Capability::$capability)
    };
}

/// An interface's WIT name: its module's, or the one given for a name
/// with a hyphen (`device_api("device-api")`).
macro_rules! wit_name {
    ($name:ident) => {
        stringify!($name)
    };
    ($name:ident, $wit:literal) => {
        $wit
    };
}

/// The list: for each interface, `name: needs, linked by <how>,
/// [functions], [quotas];`. `linked by view of S` links it with the view of
/// the store's state `S` (the store [`Holds`] it); `linked by calls` with
/// the call's context; `linked by store` links it with a view of its own.
/// From it come [`INTERFACES`], [`HostState`] (what a store must hold) and
/// [`add_to_linker`].
macro_rules! host_api {
    ($(
        $name:ident $(($wit:literal))?: $needs:ident, linked by $how:tt $(of $state:ty)?,
            [$($function:literal),* $(,)?],
            [$($quota:ident),* $(,)?];
    )*) => {
        /// Every interface of the host API.
        pub(crate) const INTERFACES: &[Interface] = &[$(Interface {
            name: wit_name!($name $(, $wit)?),
            capability: needs!($needs),
            functions: &[$($function),*],
            quotas: &[$(stringify!($quota)),*],
        }),*];

        /// What a store's state must give for the whole host API to be
        /// linked: each capability's state, the call's context, the
        /// gauges, and the WASI context.
        pub(crate) trait HostState:
            WasiView + Calls + Gauged + Send + 'static $($( + Holds<$state> )?)* {}

        impl<T> HostState for T where
            T: WasiView + Calls + Gauged + Send + 'static $($( + Holds<$state> )?)* {}

        /// Link the whole host API (and the sandboxed WASI), one interface
        /// at a time.
        pub(crate) fn add_to_linker<T: HostState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
            super::wasi::add_to_linker(linker)?;
            $( link!($name, $how $(, $state)?, linker, T); )*
            Ok(())
        }

        /// Every quota named is a field of [`Quotas`] (checked when this compiles).
        #[allow(dead_code)]
        fn quotas_exist(quotas: &Quotas) {
            $($( let _ = &quotas.$quota; )*)*
        }
    };
}

/// Link one interface of the list.
macro_rules! link {
    // `types` has no functions, only the conversion of refusals.
    (types, view, $state:ty, $linker:ident, $T:ident) => {
        crate::bindings::types::add_to_linker::<_, Viewed<$state>>($linker, view_of::<$T, $state>)?
    };
    ($name:ident, view, $state:ty, $linker:ident, $T:ident) => {
        super::$name::add_to_linker($linker, view_of::<$T, $state>)?
    };
    ($name:ident, calls, $linker:ident, $T:ident) => {
        super::$name::add_to_linker($linker, <$T as Calls>::call)?
    };
    ($name:ident, store, $linker:ident, $T:ident) => {
        super::$name::add_to_linker($linker)?
    };
}

host_api! {
    types: core, linked by view of SharedLog, [], [];
    view: core, linked by view of NavCtx,
        ["set-data", "get-data"],
        [set_data_bytes, page_data_bytes, host_memory_bytes];
    nav: core, linked by view of NavCtx,
        [
            "navigate-to",
            "redirect-to",
            "navigate-back",
            "pages",
            "re-launch",
            "current-pages",
            "switch-tab",
            "open-mini-program",
            "open-mini-program.path",
            "open-mini-program.extra-data",
        ],
        [page_stack, host_memory_bytes, gesture_ttl_ms];
    log: core, linked by view of SharedLog, ["write"], [log_bytes_per_event, host_memory_bytes];
    system: core, linked by calls, ["get-host-info", "can-i-use"], [];
    permission: core, linked by calls, ["get-setting", "authorize"], [];
    quota: core, linked by store, ["remaining"], [];
    storage: Storage, linked by view of Granted<StorageCtx>,
        ["get", "set", "remove", "keys", "clear", "info"],
        [storage_bytes, storage_keys, storage_key_bytes, storage_value_bytes];
    http: Http, linked by view of Granted<HttpCtx>,
        [
            "fetch",
            "fetch.method",
            "fetch.headers",
            "fetch.body",
            "fetch.timeout-ms",
            "fetch-start",
            "take-response",
            "download-file-start",
            "take-download",
            "upload-file-start",
            "read-temp-file",
            "remove-temp-file",
            "transfer-progress",
        ],
        [
            http_concurrency,
            http_requests_per_minute,
            http_timeout_ms,
            http_response_bytes,
            host_memory_bytes,
            pending_calls,
            temp_bytes,
            temp_files,
        ];
    identity: Identity, linked by view of Granted<IdentityCtx>,
        ["login", "get-profile"],
        [gesture_ttl_ms];
    location: Location, linked by view of Granted<LocationCtx>, ["get-location"], [];
    payment: Payment, linked by view of Granted<PaymentCtx>,
        ["request-payment"],
        [gesture_ttl_ms];
    clipboard: Clipboard, linked by view of Granted<ClipboardCtx>,
        ["set-clipboard-data", "get-clipboard-data"],
        [clipboard_bytes, gesture_ttl_ms];
    device: core, linked by view of DeviceCtx,
        ["get-window-info", "get-device-info", "get-app-base-info"],
        [];
    pending: core, linked by calls,
        ["set-timeout", "set-interval", "cancel"],
        [timers, pending_calls, timer_firings_per_second, host_memory_bytes];
    feedback: core, linked by calls,
        [
            "show-toast",
            "hide-toast",
            "show-loading",
            "hide-loading",
            "show-modal",
            "take-modal-answer",
            "show-action-sheet",
            "take-action-sheet-answer",
        ],
        [host_ui_per_event, pending_calls, host_memory_bytes];
    frame: core, linked by calls,
        [
            "set-navigation-bar-title",
            "set-navigation-bar-color",
            "show-navigation-bar-loading",
            "hide-navigation-bar-loading",
            "page-scroll-to",
            "set-tab-bar-badge",
            "remove-tab-bar-badge",
            "show-tab-bar-red-dot",
            "hide-tab-bar-red-dot",
            "show-tab-bar",
            "hide-tab-bar",
            "start-pull-down-refresh",
            "stop-pull-down-refresh",
            "media-context",
        ],
        [host_ui_per_event];
    device_api("device-api"): core, linked by view of DeviceCtx,
        [
            "get-network-type",
            "on-network-status-change-start",
            "vibrate-short",
            "vibrate-long",
            "set-keep-screen-on",
            "set-screen-brightness",
            "get-screen-brightness",
            "get-menu-button-bounding-client-rect",
            "make-phone-call",
            "open-setting",
            "take-setting",
            "scan-code",
            "take-scan-result",
            "choose-location",
            "take-place",
            "open-location",
            "choose-address",
            "take-address",
            "preview-image",
            "choose-image",
            "take-chosen-images",
            "get-image-info",
            "save-image-to-photos-album",
            "choose-media",
            "take-chosen-media",
        ],
        [
            pending_calls,
            host_memory_bytes,
            gesture_ttl_ms,
            host_ui_per_event,
            temp_bytes,
            temp_files,
            http_response_bytes,
        ];
    socket: Socket, linked by view of Granted<SocketCtx>,
        [
            "connect-start",
            "take-event",
            "send",
            "close",
            "set-tag",
            "closed-before-launch",
            "take-closed",
        ],
        [
            sockets,
            socket_message_bytes,
            socket_messages_per_minute,
            pending_calls,
            host_memory_bytes,
            http_timeout_ms,
        ];
    selector_query("selector-query"): core, linked by view of SelectorQueryCtx,
        ["query-start", "query-start-in", "take-nodes"],
        [pending_calls, host_memory_bytes];
    component: core, linked by view of NavCtx,
        ["set-data", "get-data", "trigger-event", "select-component", "act-for", "relation-nodes"],
        [set_data_bytes, page_data_bytes, host_memory_bytes, view_components];
}

/// The interface named `name`.
pub(crate) fn interface(name: &str) -> Option<&'static Interface> {
    INTERFACES.iter().find(|i| i.name == name)
}

/// Whether a package built against host API `version` can import
/// interface `name`: every interface of the current version; of 0.1.0, those
/// [0.1.0 had](V0_1_INTERFACES).
pub(crate) fn serves(name: &str, version: &str) -> bool {
    match version {
        HOST_API_VERSION => interface(name).is_some(),
        V0_1_VERSION => V0_1_INTERFACES.contains(&name),
        _ => false,
    }
}

/// The host API version `interface` arrived in: the oldest this host serves
/// that has it. (0.2.0 added interfaces beside 0.1.0's and changed none of
/// 0.1.0's functions; the functions it added to them are
/// [`ADDED_AFTER_0_1`]; the tests check that against the frozen 0.1.0 WIT.)
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn arrived_in(interface: &Interface) -> &'static str {
    match serves(interface.name, V0_1_VERSION) {
        true => V0_1_VERSION,
        false => HOST_API_VERSION,
    }
}

/// Whether `host` offers `schema` to a package built against host API
/// `version`: an interface (`storage`), a function (`storage.set`) or an
/// option of one (`http.fetch.timeout-ms`). An interface that arrived after
/// `version` is not offered: the package cannot import it.
pub(crate) fn can_i_use(host: &HostProfile, version: &str, schema: &str) -> bool {
    let (name, rest) = schema.split_once('.').unwrap_or((schema, ""));
    let Some(interface) = interface(name).filter(|i| !i.functions.is_empty()) else {
        return false;
    };
    let offered = interface
        .capability
        .is_none_or(|c| host.capabilities.contains(&c));
    let function = rest.split('.').next().unwrap_or_default();
    let added_later =
        version == V0_1_VERSION && ADDED_AFTER_0_1.contains(&format!("{name}.{function}").as_str());
    offered
        && serves(name, version)
        && !added_later
        && (rest.is_empty() || interface.functions.contains(&rest))
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// The version of the WIT package at `path` (a directory or a file),
    /// and the interfaces its `miniapp` world imports with their functions.
    pub(in crate::capability) fn wit_imports(
        path: &str,
    ) -> (String, BTreeMap<String, BTreeSet<String>>) {
        let mut resolve = wit_parser::Resolve::default();
        let (package, _) = resolve.push_path(path).expect("the WIT parses");
        let version = resolve.packages[package].name.version.as_ref().unwrap();
        let world = resolve.select_world(&[package], Some("miniapp")).unwrap();
        let imports = (resolve.worlds[world].imports.values())
            .filter_map(|item| match item {
                wit_parser::WorldItem::Interface { id, .. } => Some(&resolve.interfaces[*id]),
                _ => None,
            })
            .map(|wit| {
                (
                    wit.name.clone().unwrap(),
                    wit.functions.keys().cloned().collect(),
                )
            })
            .collect();
        (version.to_string(), imports)
    }

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
            assert!(can_i_use(&full, HOST_API_VERSION, schema), "{schema}");
        }
        assert!(can_i_use(&lite, HOST_API_VERSION, "storage.set"));
        assert!(can_i_use(&lite, HOST_API_VERSION, "quota.remaining"));
        assert!(!can_i_use(
            &lite,
            HOST_API_VERSION,
            "payment.request-payment"
        ));
        assert!(!can_i_use(&lite, HOST_API_VERSION, "http"));
        assert!(!can_i_use(&full, HOST_API_VERSION, "storage.teleport"));
        assert!(!can_i_use(&full, HOST_API_VERSION, "bluetooth"));
        assert!(!can_i_use(&full, HOST_API_VERSION, "types"));
        assert!(!can_i_use(&full, HOST_API_VERSION, ""));
    }

    /// A package built against 0.1.0 is offered what 0.1.0 had, the same
    /// functions and options, and not what arrived later.
    #[test]
    fn answers_for_the_version_a_package_was_built_against() {
        let full = HostProfile::default();
        let old = V0_1_VERSION;
        for schema in [
            "storage.set",
            "http.fetch.timeout-ms",
            "quota.remaining",
            "nav.navigate-back",
            "nav.pages",
        ] {
            assert!(can_i_use(&full, old, schema), "{schema}");
        }
        for schema in [
            "http.fetch-start",
            "http.take-response",
            "nav.re-launch",
            "nav.current-pages",
        ] {
            assert!(can_i_use(&full, HOST_API_VERSION, schema), "{schema}");
            assert!(!can_i_use(&full, old, schema), "{schema}");
        }
        for schema in [
            "clipboard",
            "clipboard.get-clipboard-data",
            "device",
            "device.get-window-info",
        ] {
            assert!(can_i_use(&full, HOST_API_VERSION, schema), "{schema}");
            assert!(!can_i_use(&full, old, schema), "{schema}");
        }
        assert!(!can_i_use(&full, "0.0.9", "storage"));
        assert_eq!(
            arrived_in(interface("clipboard").unwrap()),
            HOST_API_VERSION
        );
        assert_eq!(arrived_in(interface("device").unwrap()), HOST_API_VERSION);
        assert_eq!(arrived_in(interface("storage").unwrap()), old);
    }

    /// Each interface 0.1.0 had has the same functions in the frozen WIT as
    /// in the table, so what [`arrived_in`] says of an interface holds for
    /// its functions.
    #[test]
    fn an_interface_of_0_1_0_has_not_changed_its_functions() {
        let frozen = concat!(env!("CARGO_MANIFEST_DIR"), "/compat/0.1.0/miniapp.wit");
        let (_, wit) = wit_imports(frozen);
        for (name, functions) in wit {
            let row = interface(&name).unwrap_or_else(|| panic!("`{name}` left the table"));
            assert_eq!(arrived_in(row), V0_1_VERSION, "{name}");
            let functions: BTreeSet<&str> = functions.iter().map(String::as_str).collect();
            let added = |f: &&str| ADDED_AFTER_0_1.contains(&format!("{name}.{f}").as_str());
            let listed: BTreeSet<&str> = (row.functions.iter())
                .filter(|f| !f.contains('.') && !added(f))
                .copied()
                .collect();
            assert_eq!(listed, functions, "functions of `{name}` at 0.1.0");
        }
    }

    /// The table and `wit/miniapp.wit` list the same interfaces and
    /// functions, and every gated interface is named after its capability.
    #[test]
    fn the_table_matches_the_wit() {
        let (version, wit) = wit_imports(concat!(env!("CARGO_MANIFEST_DIR"), "/../wit"));
        assert_eq!(version, HOST_API_VERSION);
        let mut imported = BTreeSet::new();
        for (name, functions) in wit {
            let row = interface(&name).unwrap_or_else(|| panic!("`{name}` is not in the table"));
            let functions: BTreeSet<&str> = functions.iter().map(String::as_str).collect();
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

    /// A capability never names the instance's store type or the app's
    /// shared state: it sees them only through its view (the seam that
    /// keeps capability/ out of any import circle with the instance).
    #[test]
    fn no_capability_names_the_store() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("capability/ is readable") {
                let path = entry.expect("a directory entry").path();
                match path.is_dir() {
                    true => files(&path, out),
                    false => out.push(path),
                }
            }
        }
        let mut found = Vec::new();
        files(
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/capability").as_ref(),
            &mut found,
        );
        assert!(found.len() > 10, "{found:?}");
        for path in found {
            let text = std::fs::read_to_string(&path).unwrap();
            // Spelt in pieces, so that this file does not name them either.
            for name in [concat!("Instance", "State"), concat!("App", "Shared")] {
                assert!(
                    !text.contains(name),
                    "{} names `{name}`: link with a view function instead",
                    path.display()
                );
            }
        }
    }
}
