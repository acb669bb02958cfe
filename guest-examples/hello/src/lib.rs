//! Hello: the smallest tour of the SDK: lifecycle hooks, page data, events,
//! navigation, logging, feature detection and the device's facts.

use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, device, json, log, nav, system, view,
};
use serde::Deserialize;

/// Hooks kept in the `lifecycle` page data.
const MAX_HOOKS_SHOWN: usize = 32;

#[derive(Default)]
struct Hello {
    /// The latest hooks seen, in order; shown in page data as `lifecycle`.
    lifecycle: Vec<String>,
    count: u32,
    pushes: u32,
}

/// Who to greet: `{"name": ...}` sent directly, or `{"value": {"name": ...}}`
/// from the page's form.
#[derive(Deserialize)]
#[serde(untagged)]
enum Greet {
    Direct { name: String },
    Form { value: Named },
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

impl Hello {
    fn record(&mut self, hook: impl Into<String>) -> Result<()> {
        self.remember(hook);
        view::set("lifecycle", &self.lifecycle)
    }

    /// Keep the latest hooks only, so a long session's page data stays small.
    fn remember(&mut self, hook: impl Into<String>) {
        if self.lifecycle.len() == MAX_HOOKS_SHOWN {
            self.lifecycle.remove(0);
        }
        self.lifecycle.push(hook.into());
    }

    /// Push another detail page; a refusal (stack full) is shown, not raised.
    fn push(&mut self) -> Result<()> {
        self.pushes += 1;
        match nav::navigate_to(&format!("detail?n={}", self.pushes)) {
            Ok(()) => view::set("depth", nav::pages().len()),
            Err(e) => view::set_data(json!({
                "nav_error": e.kind(),
                "depth": nav::pages().len(),
            })),
        }
    }
}

impl App for Hello {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        println!("hello from stdout");
        log::info(format!(
            "hello launched on {} (scene {})",
            launch.path, launch.scene
        ));
        self.lifecycle.push("launch".into());
        view::set_data(json!({
            "lifecycle": self.lifecycle,
            "greeting": "Hello, miniapp!",
            "count": 0,
            "host": system::host_info().host_name,
            "can_pay": system::can_i_use("payment.request-payment"),
            "can_store": system::can_i_use("storage"),
        }))
    }

    fn on_show(&mut self) -> Result<()> {
        self.record("show")?;
        view::set("visible", true)
    }

    fn on_hide(&mut self) -> Result<()> {
        self.record("hide")?;
        view::set("visible", false)
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        // set-data acts on the page being loaded: each detail page shows the
        // `n` it was opened with.
        let n = page.query("n").unwrap_or("0");
        self.record(format!("load:{}:{n}", page.route))?;
        view::set_data(json!({ "n": n, "depth": nav::pages().len() }))
    }

    fn on_ready(&mut self, route: &str) -> Result<()> {
        self.record(format!("ready:{route}"))
    }

    fn on_unload(&mut self, route: &str) -> Result<()> {
        // The page is gone: nothing to set on it.
        self.remember(format!("unload:{route}"));
        Ok(())
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        self.record(format!("event:{}", event.handler))?;
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "tap") => {
                self.count += 1;
                view::set("count", self.count)
            }
            ("index", "greet") => {
                let name = match event.detail_as()? {
                    Greet::Direct { name }
                    | Greet::Form {
                        value: Named { name },
                    } => name,
                };
                view::set("greeting", format!("Hello, {name}!"))
            }
            ("index", "device") => view::set_data(json!({
                "system_info": device::system_info(),
                "can_read_device": system::can_i_use("device.get-window-info"),
            })),
            ("index" | "detail", "push") => self.push(),
            ("detail", "back") => nav::navigate_back(1),
            ("index", "open") => {
                // Open another mini-program; only apps listed in `open_apps` may be opened.
                let app_id = event.dataset.get("app").map_or("demo.shop", String::as_str);
                match nav::open_mini_program(app_id, Some("index"), None) {
                    Ok(()) => view::set("opened", app_id),
                    Err(e) => view::set("open_error", e.kind()),
                }
            }
            (_, "fail") => Err(Error::app("asked to fail")),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Hello);
