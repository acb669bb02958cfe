//! Hostile: calls `storage` on `index:attack` without declaring it.
//!
//! The component imports `miniapp:host/storage` but the manifest lists no
//! permissions. A correct host refuses to load the package at all, naming
//! the undeclared import `miniapp:host/storage`; if it loads anyway, the call
//! must still be refused.

use hostile_fixture::refused;
use miniapp_sdk::{Event, Result, json, storage, view};

const ATTACK: &str = "undeclared-import";

fn attack(_event: &Event) -> Result<()> {
    view::set_data(match storage::set("k", &1) {
        Err(e) => refused(ATTACK, &e),
        Ok(()) => json!({ "attack": ATTACK, "outcome": "succeeded" }),
    })
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
