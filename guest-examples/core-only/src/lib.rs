//! A mini-program built against the `miniapp-core` world, without the SDK:
//! it exports the app lifecycle but not the page hooks, as every app built
//! before them. The host must launch it, render it and navigate it.

mod bindings {
    wit_bindgen::generate!({ world: "miniapp-core", path: "../../wit" });
}

use bindings::exports::miniapp::host::lifecycle::{Event, Guest, LaunchOptions};
use bindings::miniapp::host::{nav, view};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNT: AtomicU32 = AtomicU32::new(0);

struct CoreOnly;

impl Guest for CoreOnly {
    fn on_launch(_: LaunchOptions) -> Result<(), String> {
        view::set_data(r#"{"count": 0}"#).map_err(|e| format!("{e:?}"))
    }

    fn on_show() -> Result<(), String> {
        Ok(())
    }

    fn on_hide() -> Result<(), String> {
        Ok(())
    }

    fn on_event(event: Event) -> Result<(), String> {
        match event.handler.as_str() {
            "tap" => {
                let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
                view::set_data(&format!(r#"{{"count": {count}}}"#)).map_err(|e| format!("{e:?}"))
            }
            "push" => nav::navigate_to("detail").map_err(|e| format!("{e:?}")),
            other => Err(format!("unknown handler {other}")),
        }
    }
}

bindings::export!(CoreOnly with_types_in bindings);
