//! Hostile: makes refused host calls in a loop on `index:attack`, to make
//! the host write about each one.
//!
//! It asks for one undeclared origin `SAME` times (the same refusal each
//! time), then for `DISTINCT` different undeclared origins (a refusal with
//! a new message each time). A correct host refuses every call with
//! `permission-denied`, writes the repeated refusal once with a count, and
//! keeps what it writes about the event within the app's disk budget
//! (`disk_bytes_per_event`), dropping and counting the rest.
//!
//! Page data after the attack: `outcome` (`"refused"` when every call was
//! refused), `refused` (how many were), `error_kind` (the first refusal's).

use miniapp_sdk::{Event, Result, http, json, view};

const ATTACK: &str = "audit-flood";
const SAME: u32 = 50_000;
const DISTINCT: u32 = 10_000;

fn attack(_event: &Event) -> Result<()> {
    let same = (0..SAME).map(|_| "https://evil.example.com/steal".to_string());
    let distinct = (0..DISTINCT).map(|n| format!("https://evil-{n}.example.com/steal"));
    let mut refused = 0u32;
    let mut kind = None;
    for url in same.chain(distinct) {
        if let Err(e) = http::get(&url) {
            refused += 1;
            kind.get_or_insert(e.kind());
        }
    }
    let outcome = if refused == SAME + DISTINCT {
        "refused"
    } else {
        "succeeded"
    };
    view::set_data(json!({
        "attack": ATTACK,
        "outcome": outcome,
        "refused": refused,
        "error_kind": kind,
    }))
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
