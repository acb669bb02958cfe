//! The size of page data, kept up to date by each `set-data` patch and
//! charged to the instance's host memory budget.

use std::io::Write;

use serde_json::Value;

/// What one JSON value costs the host beyond its JSON text, bytes (an
/// estimate: a `serde_json::Value` and its allocation).
const NODE_OVERHEAD: u64 = 48;

/// The size of some page data: its compact JSON text and its values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DataSize {
    /// Bytes of compact JSON.
    pub json: u64,
    /// JSON values (every object, array, string, number...).
    pub nodes: u64,
}

impl DataSize {
    /// `{}`.
    pub const EMPTY_OBJECT: DataSize = DataSize { json: 2, nodes: 1 };

    /// The size of `value`.
    pub fn of(value: &Value) -> DataSize {
        let json = match value {
            Value::Array(items) => {
                let mut size = DataSize {
                    json: 2 + items.len().saturating_sub(1) as u64,
                    nodes: 1,
                };
                for item in items {
                    size = size.plus(DataSize::of(item));
                }
                return size;
            }
            Value::Object(map) => {
                let mut size = DataSize {
                    json: 2 + map.len().saturating_sub(1) as u64,
                    nodes: 1,
                };
                for (key, item) in map {
                    size.json += json_len(key) + 1;
                    size = size.plus(DataSize::of(item));
                }
                return size;
            }
            leaf => json_len(leaf),
        };
        DataSize { json, nodes: 1 }
    }

    /// What the host holds for data of this size, bytes (an estimate).
    pub fn held(self) -> u64 {
        self.json + self.nodes * NODE_OVERHEAD
    }

    pub(super) fn plus(self, other: DataSize) -> DataSize {
        DataSize {
            json: self.json + other.json,
            nodes: self.nodes + other.nodes,
        }
    }

    /// `self + added - removed`, saturating (sizes never go below zero).
    pub(super) fn changed(self, added: DataSize, removed: DataSize) -> DataSize {
        DataSize {
            json: (self.json + added.json).saturating_sub(removed.json),
            nodes: (self.nodes + added.nodes).saturating_sub(removed.nodes),
        }
    }
}

/// Bytes of `value` as compact JSON.
pub(crate) fn json_len(value: &impl serde::Serialize) -> u64 {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Serializing a JSON value or a string cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
