//! Hostile: page hooks that change the page stack without end. `loop`'s
//! `on-load` redirects to `loop` again; `deep`'s pushes another `deep` until
//! the stack is full, then redirects; `ready`'s `on-ready` redirects to
//! `ready` again. The host must stop the cascade after
//! a bounded number of rounds, name it, and keep the app running.

use miniapp_sdk::{App, Event, PageLoad, Result, json, nav, view};

#[derive(Default)]
struct PageLoop {
    loads: u32,
}

impl App for PageLoop {
    fn on_launch(&mut self, _: &miniapp_sdk::Launch) -> Result<()> {
        view::set_data(json!({ "alive": true }))
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        self.loads += 1;
        match page.route.as_str() {
            "loop" => nav::redirect_to("loop"),
            "deep" => nav::navigate_to("deep").or_else(|_| nav::redirect_to("deep")),
            _ => Ok(()),
        }
    }

    fn on_ready(&mut self, route: &str) -> Result<()> {
        match route {
            "ready" => nav::redirect_to("ready"),
            _ => Ok(()),
        }
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "attack" => nav::navigate_to("loop"),
            "ready" => nav::navigate_to("ready"),
            "deep" => nav::navigate_to("deep"),
            "home" => nav::navigate_back(10),
            _ => view::set("loads", self.loads),
        }
    }
}

miniapp_sdk::export_app!(PageLoop);
