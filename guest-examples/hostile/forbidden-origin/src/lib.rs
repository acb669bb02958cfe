//! Hostile: fetches an origin it did not declare on `index:attack`.
//!
//! The manifest declares only `https://news.example.com`; the app asks for
//! `https://evil.example.com/steal`. A correct host refuses with
//! `permission-denied` before any connection is made.

use hostile_fixture::refused;
use miniapp_sdk::{Event, Result, http, json, view};

const ATTACK: &str = "forbidden-origin";
const TARGET: &str = "https://evil.example.com/steal";

fn attack(_event: &Event) -> Result<()> {
    view::set_data(match http::get(TARGET) {
        Err(e) => refused(ATTACK, &e),
        Ok(response) => json!({
            "attack": ATTACK,
            "outcome": "succeeded",
            "status": response.status,
        }),
    })
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
