//! Style isolation of custom components, seen in a browser: page `index`
//! styles `.tint` red and `.frame`; `<boxed>` (WeChat's default,
//! `isolated`) writes `class="tint label"` and the page's red does not
//! reach it, while its own `.tint` (underlined) and `.label` (bold) do, and
//! its `:host` rule draws its host's border; `<open-box>`
//! (`"styleIsolation": "apply-shared"` in its json) writes the same
//! classes and the page's red reaches it, with its own `.label` (italic).
//! Neither component's rules reach the page's own `.tint` text. The logic
//! does nothing: every export answers at once (wit-bindgen directly, as
//! `components-raw`).

mod bindings {
    wit_bindgen::generate!({ world: "miniapp-components", path: "../../wit" });
}

use bindings::exports::miniapp::host::completions::{Guest as Completions, Outcome};
use bindings::exports::miniapp::host::handlers::{Guest as Handlers, HandlerEvent};
use bindings::exports::miniapp::host::lifecycle::{Event, Guest as Lifecycle, LaunchOptions};
use bindings::exports::miniapp::host::lifetimes::{Guest as Lifetimes, Notice};
use bindings::exports::miniapp::host::page::Guest as Page;
use bindings::miniapp::host::component::Target;

/// The app.
struct Styles;

impl Lifecycle for Styles {
    fn on_launch(_: LaunchOptions) -> Result<(), String> {
        Ok(())
    }

    fn on_show() -> Result<(), String> {
        Ok(())
    }

    fn on_hide() -> Result<(), String> {
        Ok(())
    }

    fn on_event(event: Event) -> Result<(), String> {
        Err(format!("no handler `{}`", event.handler))
    }
}

impl Page for Styles {
    fn on_load(_: String, _: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn on_ready(_: String) -> Result<(), String> {
        Ok(())
    }

    fn on_unload(_: String) -> Result<(), String> {
        Ok(())
    }
}

impl Lifetimes for Styles {
    fn on_notices(_: Vec<Notice>) -> Result<(), String> {
        Ok(())
    }
}

impl Handlers for Styles {
    fn on_handler(_: Target, event: HandlerEvent) -> Result<(), String> {
        Err(format!("no handler `{}`", event.handler))
    }
}

impl Completions for Styles {
    fn on_complete(_: u64, _: Outcome) -> Result<(), String> {
        Ok(())
    }
}

bindings::export!(Styles with_types_in bindings);
