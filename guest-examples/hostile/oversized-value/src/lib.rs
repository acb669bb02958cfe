//! Hostile: stores a 2 MiB value, then a 4096-byte key, on `index:attack`.
//!
//! A correct host refuses both with an error value (`quota-exceeded` or
//! `invalid-argument`), not a trap, and stores nothing.

use hostile_fixture::refusals;
use miniapp_sdk::{Event, Result, storage, view};

const ATTACK: &str = "oversized-value";

fn attack(_event: &Event) -> Result<()> {
    let value = storage::set_bytes("big", &vec![7u8; 2 * 1024 * 1024]).err();
    let key = storage::set_bytes(&"k".repeat(4096), b"1").err();
    view::set_data(refusals(ATTACK, [("", &value), ("key", &key)]))
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
