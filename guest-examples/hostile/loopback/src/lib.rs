//! Hostile: fetches loopback, link-local and cloud-metadata addresses on
//! `index:attack` (server-side request forgery).
//!
//! The manifest declares these origins, so only the host's own network
//! policy stands in the way. A correct host refuses every one with
//! `permission-denied`, whatever the manifest says and whatever a name
//! resolves to. The targets come from the launch query `targets`
//! (comma-separated), so a test can point the app at its own listener.

use miniapp_sdk::{App, Error, Event, Launch, Result, Value, http, json, view};

const ATTACK: &str = "loopback";
const DEFAULT_TARGETS: &str = "http://169.254.169.254/latest/meta-data/,http://127.0.0.1:9/,http://localhost:9/,http://[::1]:9/";

#[derive(Default)]
struct Loopback {
    targets: Vec<String>,
}

impl App for Loopback {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        self.targets = launch
            .query("targets")
            .unwrap_or(DEFAULT_TARGETS)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        view::set_data(json!({ "attack": ATTACK, "ready": true, "targets": self.targets }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        let mut all_denied = true;
        let results: Vec<Value> = self
            .targets
            .iter()
            .map(|url| match http::get(url) {
                Err(e) => {
                    all_denied &= matches!(e, Error::PermissionDenied(_));
                    json!({
                        "url": url,
                        "outcome": "refused",
                        "error_kind": e.kind(),
                        "error": e.to_string(),
                    })
                }
                Ok(response) => {
                    all_denied = false;
                    json!({
                        "url": url,
                        "outcome": "succeeded",
                        "error_kind": null,
                        "error": null,
                        "status": response.status,
                    })
                }
            })
            .collect();
        view::set_data(json!({
            "attack": ATTACK,
            "outcome": if all_denied { "refused" } else { "succeeded" },
            "results": results,
        }))
    }
}

miniapp_sdk::export_app!(Loopback);
