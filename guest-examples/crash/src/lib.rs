//! Crash: an app with a bug on purpose. `tap` counts; `crash` panics, as an
//! app with a bug does (an `unwrap` on nothing, an index out of range). The
//! host ends the instance and names the panic's own message; a relaunch
//! starts it again. Launched with `?panic=launch`, it panics in `on_launch`.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

#[derive(Default)]
struct Crash {
    count: u32,
}

impl App for Crash {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        if launch.query("panic") == Some("launch") {
            panic!("asked to panic at launch");
        }
        view::set_data(json!({ "count": self.count }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "tap") => {
                self.count += 1;
                view::set("count", self.count)
            }
            ("index", "crash") => {
                let orders: Vec<u32> = Vec::new();
                let first = orders.first().copied();
                let first = first.expect("the order list is empty after 0 taps");
                view::set("first", first)
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Crash);
