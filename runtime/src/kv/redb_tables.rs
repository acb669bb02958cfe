//! The redb database's layout, shared by the store and its group-commit
//! thread: the two tables, and how a redb failure becomes a [`KvError`].

use redb::TableDefinition;

use super::KvError;

/// (namespace, key) -> value.
pub(super) const DATA: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("data");
/// namespace -> (keys, bytes).
pub(super) const USAGE: TableDefinition<&str, (u64, u64)> = TableDefinition::new("usage");

/// A redb failure, as the store reports it.
pub(super) fn backend(e: impl std::fmt::Display) -> KvError {
    KvError::Backend(e.to_string())
}
