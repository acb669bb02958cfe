//! Pages example: WeChat's page navigation between three pages (index,
//! list, detail): `navigateTo`, `navigateBack` with a delta, `reLaunch`
//! and `getCurrentPages`, and app-wide state (WeChat's `globalData`): the
//! app's own fields, which every page reads, beside a note saved in storage,
//! the only thing that outlives the instance.
//!
//! Each page shows the stack (`nav::current_pages`) and the app-wide note;
//! the app logs every page hook (`load ROUTE`, `unload ROUTE`) so the order
//! the host calls them in can be read.

use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, json, log, nav, storage, task, timer, view,
};

/// The storage key of the saved note.
const SAVED: &str = "note";

#[derive(Default)]
struct Pages {
    /// App-wide state: set on one page, read on every other.
    note: String,
}

impl Pages {
    /// What every page shows: the stack, bottom first, and the notes.
    fn show(&self) -> Result<()> {
        let saved: Option<String> = storage::get(SAVED)?;
        view::set_data(json!({
            "stack": nav::current_pages(),
            "note": self.note,
            "saved": saved.unwrap_or_default(),
        }))
    }
}

/// The text `key` of the event: from its detail, else the element's
/// `data-` attribute.
fn text(event: &Event, key: &str) -> Result<String> {
    let detail = event.detail.get(key).and_then(|v| v.as_str());
    (detail.or(event.dataset.get(key).map(String::as_str)))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{}:{} needs `{key}` (detail {{\"{key}\": \"...\"}} or data-{key})",
                event.page, event.handler
            ))
        })
}

/// The delta of a back event: from its detail, else `data-delta`.
fn delta(event: &Event) -> Result<u32> {
    let shown = match event.detail.get("delta") {
        Some(value) => value.to_string(),
        None => text(event, "delta")?,
    };
    shown.parse().map_err(|_| {
        Error::InvalidArgument(format!(
            "{}:{} `delta` must be a whole number (32 bits), not {shown}",
            event.page, event.handler
        ))
    })
}

impl App for Pages {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        self.show()
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        log::info(format!("load {}", page.route));
        view::set_data(json!({
            "from": page.query.get("from"),
            "id": page.query.get("id"),
        }))?;
        if page.route == "detail" {
            // The host ends this sleep with `cancelled` when the page leaves.
            task::spawn(async {
                if let Err(e) = timer::sleep(60_000).await {
                    log::info(format!("detail sleep ended: {e}"));
                }
                Ok(())
            });
        }
        self.show()
    }

    fn on_unload(&mut self, route: &str) -> Result<()> {
        log::info(format!("unload {route}"));
        Ok(())
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "open" => nav::navigate_to(&text(event, "url")?),
            "relaunch" => nav::re_launch(&text(event, "url")?),
            "back" => nav::navigate_back(delta(event)?),
            "remember" => {
                self.note = text(event, "note")?;
                self.show()
            }
            "save" => {
                storage::set(SAVED, &text(event, "note")?)?;
                self.show()
            }
            "show" => self.show(),
            other => Err(Error::app(format!(
                "unknown handler {}:{other}",
                event.page
            ))),
        }
    }
}

miniapp_sdk::export_app!(Pages);
