//! `docs/compatibility.md`, rendered from the list of capabilities
//! ([`INTERFACES`]): every interface and function with its options, the
//! permission it needs, the quotas it consumes, the host API version it
//! arrived in (from the versions the host serves), and whether each host
//! profile offers it. A test fails when the committed page differs;
//! `MINIAPP_BLESS=1` writes it.

use std::fmt::Write;

use miniapp_config::{Capability, HostProfile};

use super::table::{
    ADDED_AFTER_0_1, HOST_API_VERSION, INTERFACES, Interface, arrived_in, can_i_use,
};
use super::v0_1;

/// The host profiles the page answers for, with how to get each.
fn profiles() -> Vec<(&'static str, HostProfile)> {
    vec![
        (
            "default host (no `[host]` in the policy)",
            HostProfile::default(),
        ),
        (
            "core-only host (`[host] capabilities = []`)",
            HostProfile {
                capabilities: Default::default(),
                ..HostProfile::default()
            },
        ),
    ]
}

/// `` `http.fetch` (method, headers) ``: a function with the options listed
/// for it.
fn with_options(interface: &Interface, function: &str) -> String {
    let options: Vec<&str> = (interface.functions.iter())
        .filter_map(|f| f.strip_prefix(function)?.strip_prefix('.'))
        .collect();
    let name = format!("`{}.{function}`", interface.name);
    match options.is_empty() {
        true => name,
        false => format!("{name} ({})", options.join(", ")),
    }
}

fn permission(capability: Option<Capability>) -> String {
    capability.map_or("none (core)".into(), |c| format!("`{c}`"))
}

/// The page.
pub(crate) fn page() -> String {
    let profiles = profiles();
    let mut page = String::new();
    let _ = writeln!(
        page,
        "# Host API compatibility\n\n\
         <!-- Generated from runtime/src/capability/table.rs by\n     \
         `MINIAPP_BLESS=1 cargo test -p miniapp-runtime --lib compatibility`; do not edit. -->\n\n\
         `miniapp:host@{HOST_API_VERSION}`: every interface an app may import and its\n\
         functions (with the options `system.can-i-use` answers for, as\n\
         `function.option`), the permission the app's manifest must declare and\n\
         the operator grant, the quotas (policy `quotas`) each consumes, and\n\
         whether a host profile offers it (`can-i-use`). A host offers the gated\n\
         interfaces its policy's `[host] capabilities` lists; the core ones always.\n\n\
         A package built against an earlier host API it still runs\n\
         (`miniapp:host@{old}`) imports the interfaces that version had, those\n\
         whose *Since* is {old}, with the same functions and options;\n\
         `can-i-use` answers it for that version (a later interface: no), and\n\
         `get-host-info`'s `sdk-version` is the host's, {HOST_API_VERSION}.\n",
        old = v0_1::VERSION
    );
    let _ = writeln!(page, "## Interfaces\n");
    let _ = writeln!(
        page,
        "| Interface | Since | Permission | Quotas it consumes |"
    );
    let _ = writeln!(page, "|---|---|---|---|");
    for interface in INTERFACES.iter().filter(|i| !i.functions.is_empty()) {
        let quotas: Vec<String> = interface.quotas.iter().map(|q| format!("`{q}`")).collect();
        let quotas = if quotas.is_empty() {
            "none".to_string()
        } else {
            quotas.join(", ")
        };
        let added: Vec<String> = (ADDED_AFTER_0_1.iter())
            .filter_map(|f| f.strip_prefix(&format!("{}.", interface.name)))
            .map(|f| format!("`{f}`"))
            .collect();
        let since = match added.is_empty() {
            true => arrived_in(interface).to_string(),
            false => format!(
                "{} ({}: {HOST_API_VERSION})",
                arrived_in(interface),
                added.join(", ")
            ),
        };
        let _ = writeln!(
            page,
            "| `{}` | {since} | {} | {quotas} |",
            interface.name,
            permission(interface.capability)
        );
    }
    let _ = writeln!(page, "\n## Functions, per host profile\n");
    for (n, (label, _)) in profiles.iter().enumerate() {
        let _ = writeln!(page, "- ({}) {label}", n + 1);
    }
    let header: String = (1..=profiles.len()).map(|n| format!(" ({n}) |")).collect();
    let rule: String = profiles.iter().map(|_| "---|").collect();
    let _ = writeln!(
        page,
        "\n| Function (options) | Permission |{header}\n|---|---|{rule}"
    );
    for interface in INTERFACES {
        for function in interface.functions.iter().filter(|f| !f.contains('.')) {
            let schema = format!("{}.{function}", interface.name);
            let offered: String = (profiles.iter())
                .map(
                    |(_, host)| match can_i_use(host, HOST_API_VERSION, &schema) {
                        true => " yes |",
                        false => " no |",
                    },
                )
                .collect();
            let name = with_options(interface, function);
            let needs = permission(interface.capability);
            let _ = writeln!(page, "| {name} | {needs} |{offered}");
        }
    }
    page
}

#[cfg(test)]
mod tests {
    /// The committed page is what the list renders.
    #[test]
    fn compatibility_page_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/compatibility.md");
        let page = super::page();
        if std::env::var_os("MINIAPP_BLESS").is_some() {
            std::fs::write(path, &page).expect("write docs/compatibility.md");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == page,
            "docs/compatibility.md is not what runtime/src/capability/table.rs renders; \
             regenerate it with `MINIAPP_BLESS=1 cargo test -p miniapp-runtime --lib compatibility`"
        );
    }
}
