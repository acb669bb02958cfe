//! Subpackages example: app.json's `subPackages`. The main package has
//! two pages (index, about); subpackage `animals` (named `zoo`) has the
//! cat page, and subpackage `market` the fish page, each with its images
//! under its root. The home page's `preloadRule` has the host send `zoo`
//! once home is shown; `market` is sent when the fish page is first
//! shown. The logic of every package is this one component: a Rust app's
//! subpackages hold templates, styles and assets. The app logs every page
//! load (`load ROUTE`).

use miniapp_sdk::{App, Error, Event, Launch, PageLoad, Result, log, view};

#[derive(Default)]
struct Subpackages;

impl App for Subpackages {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        Ok(())
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        log::info(format!("load {}", page.route));
        match page.route.as_str() {
            "animals/pages/cat/cat" => view::set("name", page.query.get("name")),
            "market/pages/fish/fish" => view::set("price", 12),
            _ => Ok(()),
        }
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        Err(Error::app(format!(
            "unknown handler {}:{}",
            event.page, event.handler
        )))
    }
}

miniapp_sdk::export_app!(Subpackages);
