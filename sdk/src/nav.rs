//! Navigation between the app's pages, and to other mini-programs.
//!
//! URLs are a page route with an optional query: `detail?id=3`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bindings::miniapp::host::nav as host;
use crate::{Error, Result};

/// A page on the stack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Route, e.g. `detail`.
    pub route: String,
    /// Query parameters the page was opened with.
    pub query: BTreeMap<String, String>,
}

/// Push the page at `url` (`detail?id=3`); the stack has a maximum depth.
#[doc(alias = "navigateTo")]
pub fn navigate_to(url: &str) -> Result<()> {
    host::navigate_to(url).map_err(Error::from)
}

/// Replace the current page with the page at `url`.
#[doc(alias = "redirectTo")]
pub fn redirect_to(url: &str) -> Result<()> {
    host::redirect_to(url).map_err(Error::from)
}

/// Pop `delta` pages, as WeChat's `navigateBack({delta})`: 0 counts as 1,
/// and a `delta` past the stack goes back to the first page, which always
/// stays (on the first page this is an error).
#[doc(alias = "navigateBack")]
pub fn navigate_back(delta: u32) -> Result<()> {
    host::navigate_back(delta).map_err(Error::from)
}

/// Close every page and open the page at `url` (`index?tab=2`), as
/// WeChat's `reLaunch`: each page on the stack gets its
/// [`on_unload`](crate::App::on_unload), top first, and its pending calls
/// end `cancelled`; then `url` gets its [`on_load`](crate::App::on_load).
/// A `url` that is not a page of the app is an error and changes nothing.
///
/// Needs host API 0.2.0: ask [`can_i_use("nav.re-launch")`](crate::system::can_i_use).
#[doc(alias = "reLaunch")]
pub fn re_launch(url: &str) -> Result<()> {
    host::re_launch(url).map_err(Error::from)
}

/// Show the tab page at `url` (`cart`: a page of app.json's `tabBar`, with
/// no query), as WeChat's `switchTab`: every other page on the stack gets
/// its [`on_unload`](crate::App::on_unload), top first; the tab page shown
/// before is kept alive, hidden (its data, pending calls and timers go on);
/// the target shows as it was kept, or gets its
/// [`on_load`](crate::App::on_load) the first time. A page that is not a
/// tab page, or a query, is an error and changes nothing; [`navigate_to`]
/// and [`redirect_to`] refuse a tab page.
///
/// Needs host API 0.2.0: ask [`can_i_use("nav.switch-tab")`](crate::system::can_i_use).
#[doc(alias = "switchTab")]
pub fn switch_tab(url: &str) -> Result<()> {
    host::switch_tab(url).map_err(Error::from)
}

/// A page on the stack, as [`current_pages`] tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackedPage {
    /// Route, e.g. `detail`.
    pub route: String,
    /// Query parameters the page was opened with.
    pub query: BTreeMap<String, String>,
    /// Which page this is: unique in the instance's life, so a page opened
    /// again (after `navigate_back` or [`re_launch`]) has a new serial.
    pub serial: u64,
}

/// The page stack with each page's serial, bottom (home) first, top
/// (current page) last: WeChat's `getCurrentPages()`.
///
/// Needs host API 0.2.0: ask [`can_i_use("nav.current-pages")`](crate::system::can_i_use);
/// [`pages`] works on every host.
#[doc(alias = "getCurrentPages")]
pub fn current_pages() -> Vec<StackedPage> {
    host::current_pages()
        .into_iter()
        .map(|p| StackedPage {
            route: p.route,
            query: p.query.into_iter().collect(),
            serial: p.serial,
        })
        .collect()
}

/// The page stack, bottom (home) first, top (current page) last.
#[doc(alias = "getCurrentPages")]
pub fn pages() -> Vec<Page> {
    host::pages()
        .into_iter()
        .map(|p| Page {
            route: p.route,
            query: p.query.into_iter().collect(),
        })
        .collect()
}

/// Open another mini-program by app id, optionally on `path` and with
/// `extra_data` for it. The target must be listed in this app's manifest.
///
/// Needs a live user gesture: call it while handling an [`Event`](crate::Event)
/// whose [`gesture`](crate::Event::gesture) is set (a tap); otherwise the
/// host refuses it.
#[doc(alias = "navigateToMiniProgram")]
pub fn open_mini_program(
    app_id: &str,
    path: Option<&str>,
    extra_data: Option<&Value>,
) -> Result<()> {
    let extra = extra_data.map(serde_json::to_string).transpose()?;
    host::open_mini_program(app_id, path, extra.as_deref()).map_err(Error::from)
}
