//! Well-behaved: shows its remaining budgets.
//!
//! On `index:budget` it sets page data `budget` to [`quota::remaining`], so a
//! host test can check the numbers the host reports (memory, fuel, time,
//! storage, HTTP, log and page-stack budgets).

use miniapp_sdk::{App, Error, Event, Launch, Result, json, quota, view};

#[derive(Default)]
struct QuotaProbe;

impl App for QuotaProbe {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "budget") => view::set("budget", quota::remaining()),
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(QuotaProbe);
