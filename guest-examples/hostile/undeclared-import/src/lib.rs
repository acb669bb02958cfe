//! Hostile: calls `storage` on `index:attack` without declaring it.
//!
//! The component imports `miniapp:host/storage` but the manifest lists no
//! permissions. A correct host refuses to load the package at all, naming
//! the undeclared import `miniapp:host/storage`; if it loads anyway, the call
//! must still be refused.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};

const ATTACK: &str = "undeclared-import";

#[derive(Default)]
struct UndeclaredImport;

impl App for UndeclaredImport {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        view::set_data(match storage::set("k", &1) {
            Err(e) => json!({
                "attack": ATTACK,
                "outcome": "refused",
                "error_kind": e.kind(),
                "error": e.to_string(),
            }),
            Ok(()) => json!({ "attack": ATTACK, "outcome": "succeeded" }),
        })
    }
}

miniapp_sdk::export_app!(UndeclaredImport);
