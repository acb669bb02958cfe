//! Hostile: fills storage with 64 KiB values on `index:attack`.
//!
//! Writes `k0`, `k1`, ... until a write fails. A correct host refuses the
//! write that would pass the app's storage quota with `quota-exceeded` (an
//! error value, not a trap) and keeps what was stored before intact.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};

const ATTACK: &str = "storage-flood";
const VALUE_LEN: usize = 64 * 1024;

#[derive(Default)]
struct StorageFlood;

impl App for StorageFlood {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
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
        view::set_data(json!({
            "attack": ATTACK,
            "outcome": "refused",
            "error_kind": error.kind(),
            "error": error.to_string(),
            "stored": stored,
            "first_key_intact": first_key_intact,
        }))
    }
}

miniapp_sdk::export_app!(StorageFlood);
