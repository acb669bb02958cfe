//! Hostile: fetches loopback, link-local and cloud-metadata addresses on
//! `index:attack` (server-side request forgery).
//!
//! The manifest declares these origins, so only the host's own network
//! policy stands in the way. A correct host refuses every one with
//! `permission-denied`, whatever the manifest says and whatever a name
//! resolves to. The targets come from the launch query `targets`
//! (comma-separated), so a test can point the app at its own listener.

use hostile_fixture::{Attack, query_or, ready};
use miniapp_sdk::{Error, Event, Launch, Result, Value, http, json, view};

const DEFAULT_TARGETS: &str = "http://169.254.169.254/latest/meta-data/,http://127.0.0.1:9/,http://localhost:9/,http://[::1]:9/";

#[derive(Default)]
struct Loopback {
    targets: Vec<String>,
}

impl Attack for Loopback {
    const NAME: &'static str = "loopback";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        self.targets = query_or(launch, "targets", DEFAULT_TARGETS)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        ready(Self::NAME, json!({ "targets": self.targets }))
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
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
            "attack": Self::NAME,
            "outcome": if all_denied { "refused" } else { "succeeded" },
            "results": results,
        }))
    }
}

hostile_fixture::export_attack!(Loopback);
