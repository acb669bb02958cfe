//! Widgets: a swiper banner of three package images with dots (swiped,
//! autoplayed once the switch is on, or sent back to the first by a
//! button), a picker-view of a day and a time,
//! and a card moved about its movable-area (and pinched to scale it). The host checks every detail
//! against the rendered component before this app sees it: a banner that
//! does not exist, a row a column does not have or a card outside its area
//! never arrives here.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// A swiper's `change` and `animationfinish` detail, as WeChat sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Swiped {
    current: u32,
    source: String,
    #[serde(default)]
    current_item_id: String,
}

/// A picker-view's `change` detail: one row per column.
#[derive(Deserialize)]
struct Picked {
    value: Vec<u32>,
}

/// A movable-view's `scale` detail (its place as it scales, and how much).
#[derive(Deserialize)]
struct Scaled {
    scale: f64,
}

/// A movable-view's `change` detail.
#[derive(Deserialize)]
struct Moved {
    x: f64,
    y: f64,
    source: String,
}

#[derive(Default)]
struct Widgets;

impl App for Widgets {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let banners: Vec<_> = (1..=3)
            .map(|n| json!({ "id": format!("b{n}"), "src": format!("/banners/{n}.png") }))
            .collect();
        view::set_data(json!({
            "banners": banners,
            "current": 0,
            "bannerId": "b1",
            "bannerSource": "start",
            "settled": 0,
            "autoplay": false,
            "days": ["Today", "Tomorrow", "Saturday", "Sunday"],
            "times": ["09:00", "12:00", "15:00", "18:00", "21:00"],
            "when": [0, 1],
            "picking": false,
            "card": { "x": 20, "y": 20 },
            "moved": { "x": 20, "y": 20, "source": "start" },
            "zoom": 1,
        }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "onBanner") => {
                let swiped = event.detail_as::<Swiped>()?;
                view::set_data(json!({
                    "current": swiped.current,
                    "bannerId": swiped.current_item_id,
                    "bannerSource": swiped.source,
                }))
            }
            // The swiper moves to the first banner and reports it with an
            // empty source, as WeChat does for a change the app made.
            ("index", "toFirst") => view::set("current", 0),
            ("index", "onBannerSettled") => {
                view::set("settled", event.detail_as::<Swiped>()?.current)
            }
            ("index", "onPick") => view::set("when", event.detail_as::<Picked>()?.value),
            ("index", "onPickStart") => view::set("picking", true),
            ("index", "onPickEnd") => view::set("picking", false),
            ("index", "onMove") => {
                let moved = event.detail_as::<Moved>()?;
                let at = |v: f64| (v * 10.0).round() / 10.0;
                view::set(
                    "moved",
                    json!({ "x": at(moved.x), "y": at(moved.y), "source": moved.source }),
                )
            }
            ("index", "onScale") => {
                let scale = event.detail_as::<Scaled>()?.scale;
                view::set("zoom", (scale * 100.0).round() / 100.0)
            }
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Widgets);
