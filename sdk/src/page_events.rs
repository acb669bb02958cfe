//! Page events (WeChat's page handlers `onShow`, `onHide`,
//! `onPullDownRefresh`, `onReachBottom`, `onPageScroll`, `onResize`,
//! `onTabItemTap`, `onShareAppMessage`, `onShareTimeline` and
//! `wx.onThemeChange`) and the app's `onError` and `onPageNotFound`: what
//! the host passes to the [`App`] methods of the same names, and what a
//! share answers.
//!
//! ```ignore
//! impl App for Feed {
//!     fn on_pull_down_refresh(&mut self, _route: &str) -> Result<()> {
//!         self.reload()?;
//!         frame::stop_pull_down_refresh()
//!     }
//!     fn on_share_app_message(&mut self, _route: &str, _from: &ShareFrom) -> Result<Option<Share>> {
//!         Ok(Some(Share { title: Some("My feed".into()), ..Share::default() }))
//!     }
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::bindings::exports::miniapp::host::page_events::{Guest, PageEvent};
use crate::export::{Lifecycle, turn};
use crate::{App, Error, Result, Value};

/// `onPageScroll`'s detail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageScroll {
    /// How far the page is scrolled, px.
    pub scroll_top: f64,
}

/// `onResize`'s detail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resize {
    /// The window's new size.
    pub size: WindowSize,
    /// `portrait` or `landscape`.
    pub device_orientation: String,
}

/// A window's size, px.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowSize {
    /// Its width.
    pub window_width: f64,
    /// Its height.
    pub window_height: f64,
}

/// `onTabItemTap`'s detail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TabItemTap {
    /// The tab's index, from 0.
    pub index: u32,
    /// The tab's page, as `app.json` writes it.
    pub page_path: String,
    /// The tab's text.
    pub text: String,
}

/// Where a share came from (`onShareAppMessage`'s detail).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ShareFrom {
    /// `menu` (the capsule's menu) or `button` (a `<button open-type="share">`).
    pub from: String,
    /// The button tapped, for `button`: its `id` and `dataset`.
    #[serde(default)]
    pub target: Option<Value>,
}

/// What a share shows (`onShareAppMessage`'s and `onShareTimeline`'s
/// answer); a field left out takes WeChat's default (the app's name, the
/// current page, a picture of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// The card's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The page the card opens, with its query (`detail?id=3`); a page of
    /// the app (`onShareAppMessage` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The query the shared page opens with (`onShareTimeline` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The card's picture: a package asset or a temp file the host gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// A launch path that is not a page (`onPageNotFound`'s argument).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageNotFound {
    /// The path, as given.
    pub path: String,
    /// Its query.
    pub query: std::collections::BTreeMap<String, String>,
    /// Whether it was the page the app launched on.
    pub is_entry_page: bool,
}

/// `detail` as `T`; a mismatch is an [`Error::InvalidArgument`] naming the event.
fn detail<T: DeserializeOwned>(event: &str, detail: &str) -> Result<T> {
    serde_json::from_str(detail)
        .map_err(|e| Error::InvalidArgument(format!("the {event} event's detail: {e}")))
}

/// A share's answer as the host takes it.
fn answer(share: Option<Share>) -> Result<Option<String>> {
    share
        .map(|share| serde_json::to_string(&share))
        .transpose()
        .map_err(|e| Error::app(format!("the share answer: {e}")))
}

impl<A: App> Guest for Lifecycle<A> {
    fn on_page_event(
        _page: u64,
        route: String,
        event: PageEvent,
        json: String,
    ) -> Result<Option<String>, String> {
        let mut answered = None;
        let route = route.as_str();
        turn(|app: &mut A| {
            match event {
                PageEvent::Show => app.on_page_show(route)?,
                PageEvent::Hide => app.on_page_hide(route)?,
                PageEvent::PullDownRefresh => app.on_pull_down_refresh(route)?,
                PageEvent::ReachBottom => app.on_reach_bottom(route)?,
                PageEvent::PageScroll => {
                    app.on_page_scroll(route, &detail("page-scroll", &json)?)?
                }
                PageEvent::Resize => app.on_resize(route, &detail("resize", &json)?)?,
                PageEvent::TabItemTap => {
                    app.on_tab_item_tap(route, &detail("tab-item-tap", &json)?)?
                }
                PageEvent::ShareAppMessage => {
                    let from = detail("share-app-message", &json)?;
                    answered = answer(app.on_share_app_message(route, &from)?)?;
                }
                PageEvent::ShareTimeline => {
                    answered = answer(app.on_share_timeline(route)?)?;
                }
                PageEvent::ThemeChange => {
                    #[derive(Deserialize)]
                    struct Theme {
                        theme: String,
                    }
                    let theme: Theme = detail("theme-change", &json)?;
                    app.on_theme_change(&theme.theme)?
                }
            }
            Ok(())
        })?;
        Ok(answered)
    }

    fn on_app_error(message: String) -> Result<(), String> {
        turn(|app: &mut A| app.on_error(&message))
    }

    fn on_page_not_found(
        path: String,
        query: Vec<(String, String)>,
        is_entry_page: bool,
    ) -> Result<bool, String> {
        let missing = PageNotFound {
            path,
            query: query.into_iter().collect(),
            is_entry_page,
        };
        let mut handled = false;
        turn(|app: &mut A| {
            handled = app.on_page_not_found(&missing)?;
            Ok(())
        })?;
        Ok(handled)
    }
}
