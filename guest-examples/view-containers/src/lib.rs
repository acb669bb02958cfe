//! View containers: `match-media` blocks that the simulator shows only
//! while the window matches them (a two-column layout from 500px wide, a
//! one-column one below, a landscape note, a portrait one at least 300px
//! tall), and one whose `min-width` the app lowers from 800px to 300px with
//! a button, so the block appears without a resize.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

/// The first bound of the `#sized` block, above every preset's width but
/// the largest's.
const FIRST_MIN_WIDTH: u32 = 800;
/// The bound the button sets, below every preset's width.
const LOWERED_MIN_WIDTH: u32 = 300;

#[derive(Default)]
struct ViewContainers;

impl App for ViewContainers {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "minWidth": FIRST_MIN_WIDTH }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "lower") => view::set("minWidth", LOWERED_MIN_WIDTH),
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler `{handler}` on page `{page}`"
            ))),
        }
    }
}

miniapp_sdk::export_app!(ViewContainers);
