//! Page events example: a feed built on WeChat's page events. Pull the
//! feed down to refresh it (`onPullDownRefresh`, ended with
//! `stopPullDownRefresh`), scroll to its bottom to load the next posts
//! (`onReachBottom`), scroll past the first screen and a back-to-top
//! button appears (`onPageScroll`), share it and the card says what the
//! feed holds (`onShareAppMessage`). The detail page counts how often it
//! is shown (`onShow`/`onHide`); it does not scroll (`disableScroll`) and is not pulled down.
//!
//! The app logs every page hook and event (`load ROUTE`, `show ROUTE`,
//! `hide ROUTE`, `ready ROUTE`, `unload ROUTE`, `pull ROUTE`, `bottom
//! ROUTE`, `scroll ROUTE TOP`, `error MESSAGE`, `not found PATH`) so the
//! order the host calls them in can be read.

use miniapp_sdk::page_events::{PageNotFound, PageScroll, Resize, Share, ShareFrom};
use miniapp_sdk::{App, Error, Event, PageLoad, Result, frame, json, log, nav, view};

/// Posts loaded per page of the feed.
const PAGE: u32 = 10;
/// Posts the feed holds in all.
const ALL: u32 = 30;
/// How far the page scrolls before the back-to-top button shows, px.
const TOP_AFTER: f64 = 400.0;

#[derive(Default)]
struct Feed {
    /// Posts loaded.
    loaded: u32,
    /// Times the feed was refreshed.
    refreshes: u32,
    /// Times the detail page was shown.
    detail_shown: u32,
    /// Whether the back-to-top button shows.
    top_shown: bool,
}

impl Feed {
    /// The feed's first page again.
    fn reload(&mut self) -> Result<()> {
        self.loaded = PAGE;
        self.show_posts()
    }

    /// Show the posts loaded.
    fn show_posts(&self) -> Result<()> {
        let posts: Vec<_> = (1..=self.loaded)
            .map(|id| json!({"id": id, "title": format!("Post {id}")}))
            .collect();
        view::set_data(json!({
            "posts": posts,
            "refreshes": self.refreshes,
            "done": self.loaded >= ALL,
            "loading": false,
        }))
    }
}

impl App for Feed {
    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "open" => nav::navigate_to(&format!("detail?id={}", event.id()?)),
            "toTop" => frame::page_scroll_to(0, 300),
            // WeChat's startPullDownRefresh: the dots show and the page's
            // onPullDownRefresh follows, as if the user pulled.
            "refresh" => frame::start_pull_down_refresh(),
            "back" => nav::navigate_back(1),
            // A handler that fails, for onError.
            "fail" => Err(Error::app("the feed could not be saved")),
            other => Err(Error::app(format!("unknown handler {other}"))),
        }
    }

    fn on_show(&mut self) -> Result<()> {
        log::info("app show");
        Ok(())
    }

    fn on_hide(&mut self) -> Result<()> {
        log::info("app hide");
        Ok(())
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        log::info(format!("load {}", page.route));
        match page.route.as_str() {
            "index" => self.reload(),
            _ => view::set("id", page.query("id").unwrap_or("?")),
        }
    }

    fn on_ready(&mut self, route: &str) -> Result<()> {
        log::info(format!("ready {route}"));
        Ok(())
    }

    fn on_unload(&mut self, route: &str) -> Result<()> {
        log::info(format!("unload {route}"));
        Ok(())
    }

    fn on_page_show(&mut self, route: &str) -> Result<()> {
        log::info(format!("show {route}"));
        if route == "detail" {
            self.detail_shown += 1;
            view::set("shown", self.detail_shown)?;
        }
        Ok(())
    }

    fn on_page_hide(&mut self, route: &str) -> Result<()> {
        log::info(format!("hide {route}"));
        Ok(())
    }

    fn on_pull_down_refresh(&mut self, route: &str) -> Result<()> {
        log::info(format!("pull {route}"));
        self.refreshes += 1;
        self.reload()?;
        frame::stop_pull_down_refresh()
    }

    fn on_reach_bottom(&mut self, route: &str) -> Result<()> {
        log::info(format!("bottom {route}"));
        if self.loaded < ALL {
            self.loaded = (self.loaded + PAGE).min(ALL);
            self.show_posts()?;
        }
        Ok(())
    }

    fn on_page_scroll(&mut self, route: &str, scroll: &PageScroll) -> Result<()> {
        log::info(format!("scroll {route} {}", scroll.scroll_top));
        let show = scroll.scroll_top > TOP_AFTER;
        if show != self.top_shown {
            self.top_shown = show;
            view::set("showTop", show)?;
        }
        Ok(())
    }

    fn on_resize(&mut self, route: &str, resize: &Resize) -> Result<()> {
        log::info(format!(
            "resize {route} {}x{} {}",
            resize.size.window_width, resize.size.window_height, resize.device_orientation
        ));
        Ok(())
    }

    fn on_theme_change(&mut self, theme: &str) -> Result<()> {
        log::info(format!("theme {theme}"));
        view::set("theme", theme)
    }

    fn on_share_app_message(&mut self, route: &str, from: &ShareFrom) -> Result<Option<Share>> {
        // A share button is the target: its id and dataset.
        let button = (from.target.as_ref())
            .and_then(|target| target["id"].as_str())
            .map(|id| format!(" #{id}"));
        log::info(format!(
            "share {route} from {}{}",
            from.from,
            button.unwrap_or_default()
        ));
        if route != "index" {
            // WeChat's default card: the app's name and this page.
            return Ok(None);
        }
        Ok(Some(Share {
            title: Some(format!("{} posts worth reading", self.loaded)),
            path: Some("index?from=share".into()),
            ..Share::default()
        }))
    }

    fn on_error(&mut self, message: &str) -> Result<()> {
        log::info(format!("error {message}"));
        view::set("lastError", message)
    }

    fn on_page_not_found(&mut self, missing: &PageNotFound) -> Result<bool> {
        log::info(format!("not found {}", missing.path));
        Ok(true)
    }
}

miniapp_sdk::export_app!(Feed);
