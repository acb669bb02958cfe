//! Hostile: spins forever on `index:attack`.
//!
//! A correct host traps the call when the event's CPU fuel or wall-clock
//! deadline runs out, reports the trap, and stays responsive.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

const ATTACK: &str = "spin";

#[derive(Default)]
struct Spin;

impl App for Spin {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(Spin);
