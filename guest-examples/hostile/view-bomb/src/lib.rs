//! Hostile: page data that makes its own (valid) template render without
//! end. `index:attack` asks for a 1,000 x 1,000 grid (a million nodes),
//! `index:text` for five copies of a 900 KiB string, and the `recursion` page
//! uses a template that uses itself.
//!
//! A correct host stops each render at its named limit (nodes, output,
//! template nesting), keeps the last good view, and keeps the app running.

use hostile_fixture::{Attack, ready, unknown_handler};
use miniapp_sdk::{Event, Launch, Result, json, view};

#[derive(Default)]
struct ViewBomb;

impl Attack for ViewBomb {
    const NAME: &'static str = "view-bomb";

    fn launch(&mut self, _launch: &Launch) -> Result<()> {
        ready(Self::NAME, json!({ "title": "calm", "n": 2 }))
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        view::set_data(json!({ "n": 1000, "title": "bomb" }))
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "text" => view::set_data(json!({ "n": 0, "big": "x".repeat(900 * 1024) })),
            "calm" => view::set_data(json!({ "n": 2, "big": "", "title": "calm again" })),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(ViewBomb);
