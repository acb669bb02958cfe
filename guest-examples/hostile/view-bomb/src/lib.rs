//! Hostile: page data that makes its own (valid) template render without
//! end. `index:attack` asks for a 1,000 x 1,000 grid (a million nodes),
//! `index:text` for five copies of a 900 KiB string, and the `recursion` page
//! uses a template that uses itself.
//!
//! A correct host stops each render at its named limit (nodes, output,
//! template nesting), keeps the last good view, and keeps the app running.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

const ATTACK: &str = "view-bomb";

#[derive(Default)]
struct ViewBomb;

impl App for ViewBomb {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true, "title": "calm", "n": 2 }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => view::set_data(json!({ "n": 1000, "title": "bomb" })),
            ("index", "text") => view::set_data(json!({ "n": 0, "big": "x".repeat(900 * 1024) })),
            ("index", "calm") => {
                view::set_data(json!({ "n": 2, "big": "", "title": "calm again" }))
            }
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(ViewBomb);
