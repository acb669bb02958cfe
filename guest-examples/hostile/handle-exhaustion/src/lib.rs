//! Hostile: creates host resource handles and never drops them, on
//! `index:attack`.
//!
//! Calls `wasi:cli/stdout.get-stdout` a million times and forgets every
//! returned stream. A correct host caps the live handles of an instance and
//! traps it when the cap is reached, rather than growing its tables without
//! bound.

use miniapp_sdk::{Event, Result, json, view};

const ATTACK: &str = "handle-exhaustion";
const HANDLES: u32 = 1_000_000;

fn attack(_event: &Event) -> Result<()> {
    for _ in 0..HANDLES {
        std::mem::forget(wasi::cli::stdout::get_stdout());
    }
    // Only reached if the host let every handle live.
    view::set_data(json!({ "attack": ATTACK, "outcome": "succeeded", "handles": HANDLES }))
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
