//! Hostile: fetches an origin it did not declare on `index:attack`.
//!
//! The manifest declares only `https://news.example.com`; the app asks for
//! `https://evil.example.com/steal`. A correct host refuses with
//! `permission-denied` before any connection is made.

use miniapp_sdk::{App, Error, Event, Launch, Result, http, json, view};

const ATTACK: &str = "forbidden-origin";
const TARGET: &str = "https://evil.example.com/steal";

#[derive(Default)]
struct ForbiddenOrigin;

impl App for ForbiddenOrigin {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        view::set_data(match http::get(TARGET) {
            Err(e) => json!({
                "attack": ATTACK,
                "outcome": "refused",
                "error_kind": e.kind(),
                "error": e.to_string(),
            }),
            Ok(response) => json!({
                "attack": ATTACK,
                "outcome": "succeeded",
                "status": response.status,
            }),
        })
    }
}

miniapp_sdk::export_app!(ForbiddenOrigin);
