//! Slider: a volume slider. While it is dragged the page shows where it is
//! going (`changing`); on release the value is kept (`change`). The host
//! checks each value against the slider's rendered `min`, `max` and `step`
//! before this app sees it, so a value off the grid never arrives here.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// A slider's event detail, as WeChat sends it.
#[derive(Deserialize)]
struct Slid {
    value: u32,
}

#[derive(Default)]
struct Slider {
    volume: u32,
}

impl App for Slider {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        self.volume = 20;
        view::set_data(json!({ "volume": self.volume, "dragging": null }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "set") => {
                self.volume = event.detail_as::<Slid>()?.value;
                view::set_data(json!({ "volume": self.volume, "dragging": null }))
            }
            ("index", "drag") => view::set("dragging", event.detail_as::<Slid>()?.value),
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Slider);
