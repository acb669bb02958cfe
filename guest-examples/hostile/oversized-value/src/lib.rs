//! Hostile: stores a 2 MiB value, then a 4096-byte key, on `index:attack`.
//!
//! A correct host refuses both with an error value (`quota-exceeded` or
//! `invalid-argument`), not a trap, and stores nothing.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};

const ATTACK: &str = "oversized-value";

#[derive(Default)]
struct OversizedValue;

impl App for OversizedValue {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        let value = storage::set_bytes("big", &vec![7u8; 2 * 1024 * 1024]);
        let key = storage::set_bytes(&"k".repeat(4096), b"1");
        let refused = value.is_err() && key.is_err();
        let (value_err, key_err) = (value.err(), key.err());
        view::set_data(json!({
            "attack": ATTACK,
            "outcome": if refused { "refused" } else { "succeeded" },
            "error_kind": value_err.as_ref().map(Error::kind),
            "error": value_err.as_ref().map(Error::to_string),
            "key_error_kind": key_err.as_ref().map(Error::kind),
            "key_error": key_err.as_ref().map(Error::to_string),
        }))
    }
}

miniapp_sdk::export_app!(OversizedValue);
