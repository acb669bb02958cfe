//! Hostile: logs 100,000 lines of 1 KiB through `log` and prints as many
//! to stdout on `index:attack`.
//!
//! A correct host keeps a per-event log budget: it drops the lines past it,
//! neither trapping the app nor buffering without bound, and the app then
//! finishes normally (`"outcome": "finished"`).

use miniapp_sdk::{App, Error, Event, Launch, Result, json, log, view};

const ATTACK: &str = "log-flood";
const LINES: usize = 100_000;
const LINE_LEN: usize = 1024;

#[derive(Default)]
struct LogFlood;

impl App for LogFlood {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        let line = "x".repeat(LINE_LEN);
        for _ in 0..LINES {
            log::info(&line);
        }
        for _ in 0..LINES {
            println!("{line}");
        }
        view::set_data(json!({
            "attack": ATTACK,
            "outcome": "finished",
            "log_lines": LINES,
            "print_lines": LINES,
        }))
    }
}

miniapp_sdk::export_app!(LogFlood);
