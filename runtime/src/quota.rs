//! Per-app quotas: platform defaults in the operator's policy, overridable per app.

use serde::{Deserialize, Serialize};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// The limits one app runs under. Every field has a default (see
/// [`Quotas::default`]); an operator's policy overrides any of them, for all
/// apps or for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quotas {
    /// Linear memory of one instance, all memories together (default 64 MiB).
    pub memory_bytes: u64,
    /// Core instances, tables and memories one instance may create
    /// (defaults 64, 64, 16); a component is several core instances.
    pub instances: u32,
    /// See `instances`.
    pub tables: u32,
    /// See `instances`.
    pub memories: u32,
    /// Elements of one table (default 100,000).
    pub table_elements: u64,
    /// CPU per lifecycle call or event, in fuel units (about one per wasm
    /// instruction; default 5,000,000,000, a few seconds of guest code).
    pub fuel_per_event: u64,
    /// Wall-clock time one lifecycle call or event may take (default 5000 ms).
    pub event_timeout_ms: u64,
    /// Live resource handles (streams, pollables...) of one instance (default 1024).
    pub resource_handles: u32,
    /// Storage: bytes of keys and values together (default 10 MiB).
    pub storage_bytes: u64,
    /// Storage: bytes of one value (default 1 MiB).
    pub storage_value_bytes: u64,
    /// Storage: bytes of one key (default 256).
    pub storage_key_bytes: u64,
    /// Storage: number of keys (default 10,000).
    pub storage_keys: u64,
    /// HTTP: requests of this app in flight at once (default 10).
    pub http_concurrency: u32,
    /// HTTP: requests of this app per minute (default 600).
    pub http_requests_per_minute: u32,
    /// HTTP: longest a request may take (default 60,000 ms, also the default timeout).
    pub http_timeout_ms: u64,
    /// HTTP: bytes of one response body (default 8 MiB).
    pub http_response_bytes: u64,
    /// Log: bytes one event may log, stdout and stderr included (default 64 KiB).
    pub log_bytes_per_event: u64,
    /// View: bytes of one `set-data` patch (default 1 MiB).
    pub set_data_bytes: u64,
    /// View: bytes of one page's whole data (default 4 MiB).
    pub page_data_bytes: u64,
    /// Nav: pages on the stack (default 10).
    pub page_stack: u32,
    /// Gesture: how long a user gesture's token stays live (default 1000 ms).
    pub gesture_ttl_ms: u64,
    /// Crash budget: traps allowed within `trap_window_secs` before the app
    /// is quarantined (default 5; 0 disables quarantine).
    pub trap_budget: u32,
    /// Crash budget window (default 600 s).
    pub trap_window_secs: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            memory_bytes: 64 * MIB,
            instances: 64,
            tables: 64,
            memories: 16,
            table_elements: 100_000,
            fuel_per_event: 5_000_000_000,
            event_timeout_ms: 5_000,
            resource_handles: 1024,
            storage_bytes: 10 * MIB,
            storage_value_bytes: MIB,
            storage_key_bytes: 256,
            storage_keys: 10_000,
            http_concurrency: 10,
            http_requests_per_minute: 600,
            http_timeout_ms: 60_000,
            http_response_bytes: 8 * MIB,
            log_bytes_per_event: 64 * KIB,
            set_data_bytes: MIB,
            page_data_bytes: 4 * MIB,
            page_stack: 10,
            gesture_ttl_ms: 1_000,
            trap_budget: 5,
            trap_window_secs: 600,
        }
    }
}

impl Quotas {
    /// These quotas with `overrides` (a partial table of the same fields) applied.
    pub fn with_overrides(&self, overrides: &toml::Table) -> Result<Quotas, String> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut table = toml::Table::try_from(self).map_err(|e| e.to_string())?;
        for (key, value) in overrides {
            table.insert(key.clone(), value.clone());
        }
        let quotas: Quotas = table
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        quotas.validate()?;
        Ok(quotas)
    }

    /// Refuse limits that cannot work (a zero page stack, no memory...).
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("memory_bytes", self.memory_bytes),
            ("instances", u64::from(self.instances)),
            ("memories", u64::from(self.memories)),
            ("fuel_per_event", self.fuel_per_event),
            ("resource_handles", u64::from(self.resource_handles)),
            ("event_timeout_ms", self.event_timeout_ms),
            ("http_timeout_ms", self.http_timeout_ms),
            ("set_data_bytes", self.set_data_bytes),
            ("page_data_bytes", self.page_data_bytes),
            ("page_stack", u64::from(self.page_stack)),
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
        let table: toml::Table = toml::from_str("storage_bytes = 1024\npage_stack = 3").unwrap();
        let q = Quotas::default().with_overrides(&table).unwrap();
        assert_eq!(q.storage_bytes, 1024);
        assert_eq!(q.page_stack, 3);
        assert_eq!(q.memory_bytes, Quotas::default().memory_bytes);
    }

    #[test]
    fn unknown_or_zero_quotas_are_refused() {
        let table: toml::Table = toml::from_str("cpu_cores = 4").unwrap();
        let err = Quotas::default().with_overrides(&table).unwrap_err();
        assert!(err.contains("cpu_cores"), "{err}");
        let table: toml::Table = toml::from_str("page_stack = 0").unwrap();
        let err = Quotas::default().with_overrides(&table).unwrap_err();
        assert!(err.contains("page_stack"), "{err}");
    }
}
