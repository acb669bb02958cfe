//! Tabs example: app.json's `tabBar` with three tab pages (home, list, me)
//! and a detail page that is not a tab. A tab page is kept alive while
//! another tab shows, as on WeChat: the home tab's tap counter keeps its
//! count across switches, and each tab page is loaded once (`loads`); a
//! wait started on it finishes while another tab shows. `switchTab` leaves
//! the detail page (it unloads); `navigateTo` a tab page is refused and the
//! refusal shown. The me tab marks the list tab with a badge
//! (`setTabBarBadge`), and may hide and show the bar. The app logs every
//! page hook and page event (`load ROUTE`, `unload ROUTE`, `show ROUTE`,
//! `hide ROUTE`, `tab-item-tap ROUTE INDEX PAGE TEXT`) so the order the
//! host calls them in can be read.

use std::collections::BTreeMap;

use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, frame, json, log, nav, page, task, timer, view,
};

#[derive(Default)]
struct Tabs {
    /// How many times each page was loaded (app-wide, by route).
    loads: BTreeMap<String, u32>,
}

/// The `url` of the event: its detail's, else the element's `data-url`.
fn url(event: &Event) -> Result<String> {
    let detail = event.detail.get("url").and_then(|v| v.as_str());
    (detail.or(event.dataset.get("url").map(String::as_str)))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{}:{} needs a url (detail {{\"url\": \"...\"}} or data-url)",
                event.page, event.handler
            ))
        })
}

/// A navigation's refusal shown on the page, not raised.
fn shown(result: Result<()>) -> Result<()> {
    match result {
        Ok(()) => view::set("error", ""),
        Err(e) => view::set("error", e.to_string()),
    }
}

impl App for Tabs {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        Ok(())
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        log::info(format!("load {}", page.route));
        let loads = self.loads.entry(page.route.clone()).or_default();
        *loads += 1;
        view::set_data(json!({ "loads": *loads }))?;
        match page.route.as_str() {
            "home" => view::set("count", 0),
            "list" => view::set(
                "items",
                json!([{"id": 1, "name": "Apples"}, {"id": 2, "name": "Pears"}]),
            ),
            "me" => view::set("stack", nav::current_pages()),
            "detail" => view::set("id", page.query.get("id")),
            _ => Ok(()),
        }
    }

    fn on_unload(&mut self, route: &str) -> Result<()> {
        log::info(format!("unload {route}"));
        Ok(())
    }

    fn on_page_show(&mut self, route: &str) -> Result<()> {
        log::info(format!("show {route}"));
        Ok(())
    }

    fn on_page_hide(&mut self, route: &str) -> Result<()> {
        log::info(format!("hide {route}"));
        Ok(())
    }

    fn on_tab_item_tap(&mut self, route: &str, tap: &page::TabItemTap) -> Result<()> {
        log::info(format!(
            "tab-item-tap {route} {} {} {}",
            tap.index, tap.page_path, tap.text
        ));
        view::set("tapped", tap.index)
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "add" => {
                let count = view::data()["count"].as_u64().unwrap_or(0);
                view::set("count", count + 1)
            }
            "wait" => {
                let ms = event
                    .detail
                    .get("ms")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(1000);
                task::spawn(async move {
                    let waited = match timer::sleep(ms as u32).await {
                        Ok(()) => "done".to_string(),
                        Err(e) => e.to_string(),
                    };
                    view::set("waited", waited)
                });
                view::set("waited", "waiting")
            }
            "badge" => {
                let index = event.detail.get("index").and_then(|v| v.as_u64());
                shown(frame::set_tab_bar_badge(index.unwrap_or(1) as u32, "new"))
            }
            "hide-bar" => frame::hide_tab_bar(false),
            "show-bar" => frame::show_tab_bar(false),
            "open" => shown(nav::navigate_to(&url(event)?)),
            "switch" => shown(nav::switch_tab(&url(event)?)),
            "relaunch" => nav::re_launch(&url(event)?),
            other => Err(Error::app(format!(
                "unknown handler {}:{other}",
                event.page
            ))),
        }
    }
}

miniapp_sdk::export_app!(Tabs);
