//! Hostile: fills storage with 64 KiB values on `index:attack`.
//!
//! Writes `k0`, `k1`, ... until a write fails. A correct host refuses the
//! write that would pass the app's storage quota with `quota-exceeded` (an
//! error value, not a trap) and keeps what was stored before intact.

use hostile_fixture::refused;
use miniapp_sdk::{Event, Result, json, storage, view};

const ATTACK: &str = "storage-flood";
const VALUE_LEN: usize = 64 * 1024;

fn attack(_event: &Event) -> Result<()> {
    let value = vec![b'x'; VALUE_LEN];
    let mut stored: u64 = 0;
    let error = loop {
        match storage::set_bytes(&format!("k{stored}"), &value) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
    };
    let first_key_intact =
        stored > 0 && matches!(storage::get_bytes("k0"), Ok(Some(v)) if v == value);
    let mut data = refused(ATTACK, &error);
    data["stored"] = json!(stored);
    data["first_key_intact"] = json!(first_key_intact);
    view::set_data(data)
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
