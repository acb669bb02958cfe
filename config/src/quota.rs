//! Per-app quotas: platform defaults, overridden by the operator's policy
//! for every app or for one ([`QuotaOverrides`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Declares [`Quotas`] (every limit, with its default) and
/// [`QuotaOverrides`] (the same fields, each optional) from one list, so the
/// two cannot drift apart.
macro_rules! quotas {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $default:expr, )*) => {
        /// The limits one app runs under. Every field has a default (see
        /// [`Quotas::default`]); an operator's policy overrides any of them,
        /// for all apps or for one. Unknown fields are errors.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields, default)]
        pub struct Quotas {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Default for Quotas {
            fn default() -> Self {
                Quotas { $( $name: $default, )* }
            }
        }

        /// Overrides of some [`Quotas`] fields, as a policy's `quotas` table
        /// holds them. Unknown fields are errors.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct QuotaOverrides {
            $(
                $(#[doc = $doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        impl Quotas {
            /// These quotas with `overrides` applied, checked.
            pub fn with(&self, overrides: &QuotaOverrides) -> Result<Quotas, String> {
                let mut quotas = self.clone();
                $( if let Some(value) = overrides.$name { quotas.$name = value; } )*
                quotas.validate()?;
                Ok(quotas)
            }
        }

        impl QuotaOverrides {
            /// Whether nothing is overridden.
            pub fn is_empty(&self) -> bool {
                true $( && self.$name.is_none() )*
            }

            /// These overrides, then `later`'s where it sets a field.
            pub fn then(&self, later: &QuotaOverrides) -> QuotaOverrides {
                QuotaOverrides { $( $name: later.$name.or(self.$name), )* }
            }
        }
    };
}

quotas! {
    /// Linear memory of one instance, all memories together (default 64 MiB).
    memory_bytes: u64 = 64 * MIB,
    /// Core instances one instance may create (default 64); a component is
    /// several core instances.
    instances: u32 = 64,
    /// Tables one instance may create (default 64).
    tables: u32 = 64,
    /// Memories one instance may create (default 16).
    memories: u32 = 16,
    /// Elements of one table (default 100,000).
    table_elements: u64 = 100_000,
    /// Memory the host holds on one instance's behalf, bytes: page data over
    /// the whole stack, the rendered view and the view operations not yet
    /// taken, log lines not yet drained, open requests, and HTTP bodies
    /// being received (default 4 MiB). The host holds at most
    /// `max_live_instances` times this for all instances together: size the
    /// two to the machine.
    host_memory_bytes: u64 = 4 * MIB,
    /// CPU per lifecycle call or event, in fuel units (about one per wasm
    /// instruction; default 5,000,000,000, a few seconds of guest code).
    fuel_per_event: u64 = 5_000_000_000,
    /// Wall-clock time one lifecycle call or event may take (default 5000 ms).
    event_timeout_ms: u64 = 5_000,
    /// CPU time one lifecycle call or event may take: the time it is being
    /// run, guest code and synchronous host calls, not the time it waits for
    /// the network, a provider or its turn (default 5000 ms). Checked at
    /// every epoch tick, unlike fuel it also bounds what the host burns
    /// inside host calls.
    cpu_ms_per_event: u64 = 5_000,
    /// The app's share of the runtime's execution slots when apps compete
    /// for them (default 100): slots go to the app that has used the least
    /// time for its weight (weighted fair queueing), so an app of weight 200
    /// gets twice the time of one of weight 100 when both are busy.
    cpu_weight: u32 = 100,
    /// Live resource handles (streams, pollables...) of one instance (default 1024).
    resource_handles: u32 = 1024,
    /// Storage: bytes of keys and values together (default 10 MiB).
    storage_bytes: u64 = 10 * MIB,
    /// Storage: bytes of one value (default 1 MiB).
    storage_value_bytes: u64 = MIB,
    /// Storage: bytes of one key (default 256).
    storage_key_bytes: u64 = 256,
    /// Storage: number of keys (default 10,000).
    storage_keys: u64 = 10_000,
    /// HTTP: requests of this app in flight at once (default 10).
    http_concurrency: u32 = 10,
    /// HTTP: requests of this app per minute (default 600).
    http_requests_per_minute: u32 = 600,
    /// HTTP: longest a request or a socket's handshake may take (default
    /// 60,000 ms, also the default timeout where the app's app.json
    /// `networkTimeout` gives none; it bounds that one too).
    http_timeout_ms: u64 = 60_000,
    /// HTTP: bytes of one response body (default 4 MiB; a body being
    /// received also counts against `host_memory_bytes`).
    http_response_bytes: u64 = 4 * MIB,
    /// Log: bytes one event may log, each line with its line break, stdout
    /// and stderr included (default 64 KiB).
    log_bytes_per_event: u64 = 64 * KIB,
    /// View: bytes of one `set-data` patch (default 1 MiB).
    set_data_bytes: u64 = MIB,
    /// View: bytes of one page's whole data as JSON (default 4 MiB).
    page_data_bytes: u64 = 4 * MIB,
    /// View: elements and texts of one rendered page (default 20,000).
    view_nodes: u64 = 20_000,
    /// View: items one `wx:for` renders (default 10,000).
    view_items_per_for: u64 = 10_000,
    /// View: nesting of `<template is>` and `<include>` in a render (default 16).
    view_template_depth: u32 = 16,
    /// View: bytes of text and attribute values in one render (default 4 MiB).
    view_output_bytes: u64 = 4 * MIB,
    /// View: expressions one render evaluates (default 1,000,000).
    view_steps: u64 = 1_000_000,
    /// View: nesting of elements in a template, checked at load (default 256).
    view_depth: u32 = 256,
    /// View: custom component instances one rendered page holds, all
    /// nesting levels together (default 2,000).
    view_components: u32 = 2_000,
    /// View: custom components rendered inside one another, a component
    /// using itself included (default 32).
    view_component_depth: u32 = 32,
    /// View: bytes of one `{{ }}` binding, checked at load (default 4 KiB).
    view_expression_bytes: u64 = 4 * KIB,
    /// Clipboard: bytes an app may put on the clipboard, or read from it,
    /// at once (default 64 KiB).
    clipboard_bytes: u64 = 64 * KIB,
    /// Host UI: toasts, loading toasts and changes to the bars around the
    /// page (`feedback`, `frame`) one lifecycle call or event may ask the
    /// host to draw (default 16). A page shows one toast at a time and a
    /// frame has a title, a colour, a spinner, a scroll, a refresh and five
    /// tabs' badges and dots: drawing each once fits; a loop of them is
    /// refused. Vibrations, screen changes and images saved to the album
    /// count here too. Dialogs are bounded by `pending_calls`.
    host_ui_per_event: u32 = 16,
    /// Nav: pages on the stack (default 10).
    page_stack: u32 = 10,
    /// Pending: timers one instance may have set at once, `set-timeout`s
    /// and `set-interval`s together (default 32).
    timers: u32 = 32,
    /// Pending: host calls of one instance started and not yet completed
    /// (requests, dialogs, choosers; timers are counted by `timers`),
    /// default 64.
    pending_calls: u32 = 64,
    /// Pending: timer firings delivered to one instance per second, all
    /// its timers together (default 100); firings past it wait for the
    /// next second, an interval's at most one.
    timer_firings_per_second: u32 = 100,
    /// Sockets: WebSockets one instance may have open at once
    /// (`socket.connect-start`; default 5, as WeChat).
    sockets: u32 = 5,
    /// Sockets: bytes of one message, sent or received (default 1 MiB); a
    /// socket also holds at most 4 times this in messages the app has not
    /// taken before the host closes it.
    socket_message_bytes: u64 = MIB,
    /// Sockets: messages the app may send per minute, all its instances and
    /// sockets together, as `http_requests_per_minute` (default 600).
    socket_messages_per_minute: u32 = 600,
    /// Temp files: bytes of the app's temp files on one node (what
    /// `http.download-file-start` writes), all its instances together
    /// (default 16 MiB). Kept apart from `storage_bytes`: storage is the
    /// user's and may live in a shared database, temp files are the node's
    /// disk and last an hour at most.
    temp_bytes: u64 = 16 * MIB,
    /// Temp files: files the app may keep at once on one node, all its
    /// instances together (default 64).
    temp_files: u32 = 64,
    /// Gesture: how long a user gesture stays usable (default 1000 ms). A
    /// gesture authorizes one sensitive action.
    gesture_ttl_ms: u64 = 1_000,
    /// Disk: bytes the host may write about one lifecycle call or event of
    /// one instance (its audit records, as JSON lines; default 1 MiB). A
    /// record repeated within the event is written once, then summarised
    /// with its count; records past the budget are dropped and counted.
    disk_bytes_per_event: u64 = MIB,
    /// Disk: bytes the host may write about the app per UTC day, all its
    /// instances together (default 64 MiB).
    disk_bytes_per_day: u64 = 64 * MIB,
    /// Recording: bytes of the ring that holds what one instance saw from
    /// outside since it launched, encoded (default 512 KiB), when the
    /// runtime records (`miniapp serve`, `miniapp dev`). Counted in
    /// `host_memory_bytes`. Past it the instance's recording is marked not
    /// replayable, saying why (docs/replay.md).
    recording_bytes: u64 = 512 * KIB,
    /// Recording: entries of that ring (default 32,768; an event is a few:
    /// the event, the hooks it led to, each host call and clock reading).
    recording_entries: u32 = 32_768,
    /// Crash budget: traps allowed within `trap_window_secs` before the app
    /// is quarantined (default 5; 0 disables quarantine).
    trap_budget: u32 = 5,
    /// Crash budget window (default 600 s).
    trap_window_secs: u64 = 600,
}

impl Quotas {
    /// Refuse limits that cannot work (a zero page stack, no memory...).
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("memory_bytes", self.memory_bytes),
            ("instances", u64::from(self.instances)),
            ("memories", u64::from(self.memories)),
            ("host_memory_bytes", self.host_memory_bytes),
            ("fuel_per_event", self.fuel_per_event),
            ("resource_handles", u64::from(self.resource_handles)),
            ("event_timeout_ms", self.event_timeout_ms),
            ("cpu_ms_per_event", self.cpu_ms_per_event),
            ("cpu_weight", u64::from(self.cpu_weight)),
            ("http_timeout_ms", self.http_timeout_ms),
            ("set_data_bytes", self.set_data_bytes),
            ("page_data_bytes", self.page_data_bytes),
            ("page_stack", u64::from(self.page_stack)),
            (
                "timer_firings_per_second",
                u64::from(self.timer_firings_per_second),
            ),
            ("socket_message_bytes", self.socket_message_bytes),
            ("view_nodes", self.view_nodes),
            ("view_items_per_for", self.view_items_per_for),
            ("view_output_bytes", self.view_output_bytes),
            ("view_steps", self.view_steps),
            ("view_depth", u64::from(self.view_depth)),
            ("view_expression_bytes", self.view_expression_bytes),
            ("view_components", u64::from(self.view_components)),
            ("view_component_depth", u64::from(self.view_component_depth)),
            ("disk_bytes_per_event", self.disk_bytes_per_event),
            ("disk_bytes_per_day", self.disk_bytes_per_day),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(format!("quota `{name}` must be greater than 0"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_the_named_fields() {
        let overrides: QuotaOverrides =
            toml::from_str("storage_bytes = 1024\npage_stack = 3").unwrap();
        let q = Quotas::default().with(&overrides).unwrap();
        assert_eq!(q.storage_bytes, 1024);
        assert_eq!(q.page_stack, 3);
        assert_eq!(q.memory_bytes, Quotas::default().memory_bytes);
        let later: QuotaOverrides = toml::from_str("page_stack = 5").unwrap();
        let both = overrides.then(&later);
        assert_eq!((both.storage_bytes, both.page_stack), (Some(1024), Some(5)));
    }

    #[test]
    fn unknown_or_zero_quotas_are_refused() {
        let err = toml::from_str::<QuotaOverrides>("cpu_cores = 4").unwrap_err();
        assert!(err.to_string().contains("cpu_cores"), "{err}");
        let overrides: QuotaOverrides = toml::from_str("page_stack = 0").unwrap();
        let err = Quotas::default().with(&overrides).unwrap_err();
        assert!(err.contains("page_stack"), "{err}");
    }
}
