//! What the host draws around the page: the navigation bar
//! (`wx.setNavigationBarTitle`, `wx.setNavigationBarColor`,
//! `wx.showNavigationBarLoading`), the tab bar's badges and red dots
//! (`wx.setTabBarBadge`...), the tab bar itself (`wx.showTabBar`,
//! `wx.hideTabBar`), the page's scroll position (`wx.pageScrollTo`),
//! its pull-down refresh (`wx.startPullDownRefresh`) and its videos and
//! audios (`wx.createVideoContext`, `wx.createAudioContext`). Each returns at
//! once; the host refuses what WeChat would (a colour not `#RRGGBB`, a
//! tab past the fifth).
//!
//! ```ignore
//! use miniapp_sdk::frame;
//!
//! frame::set_navigation_bar_title("Cart")?;
//! frame::set_navigation_bar_color(frame::FrontColor::White, "#07c160", 0)?;
//! frame::set_tab_bar_badge(2, "3")?;
//! ```

use crate::Result;
use crate::bindings::miniapp::host::frame as host;

pub use host::FrontColor;

/// Set the navigation bar's title (at most 64 characters).
#[doc(alias = "setNavigationBarTitle")]
pub fn set_navigation_bar_title(title: &str) -> Result<()> {
    Ok(host::set_navigation_bar_title(title)?)
}

/// Set the navigation bar's text colour and background (`#RRGGBB`),
/// changing over `duration_ms` (0: at once).
#[doc(alias = "setNavigationBarColor")]
pub fn set_navigation_bar_color(
    front: FrontColor,
    background: &str,
    duration_ms: u32,
) -> Result<()> {
    Ok(host::set_navigation_bar_color(
        front,
        background,
        duration_ms,
    )?)
}

/// Show the navigation bar's loading spinner.
#[doc(alias = "showNavigationBarLoading")]
pub fn show_navigation_bar_loading() -> Result<()> {
    Ok(host::show_navigation_bar_loading()?)
}

/// Hide the navigation bar's loading spinner.
#[doc(alias = "hideNavigationBarLoading")]
pub fn hide_navigation_bar_loading() -> Result<()> {
    Ok(host::hide_navigation_bar_loading()?)
}

/// Scroll the page to `scroll_top` CSS pixels over `duration_ms` (WeChat's
/// default is 300).
#[doc(alias = "pageScrollTo")]
pub fn page_scroll_to(scroll_top: u32, duration_ms: u32) -> Result<()> {
    Ok(host::page_scroll_to(scroll_top, duration_ms)?)
}

/// Put `text` as a badge on tab `index` (from 0; the host shows three
/// characters, then `...`).
#[doc(alias = "setTabBarBadge")]
pub fn set_tab_bar_badge(index: u32, text: &str) -> Result<()> {
    Ok(host::set_tab_bar_badge(index, text)?)
}

/// Remove the badge of tab `index`.
#[doc(alias = "removeTabBarBadge")]
pub fn remove_tab_bar_badge(index: u32) -> Result<()> {
    Ok(host::remove_tab_bar_badge(index)?)
}

/// Show a red dot on tab `index`.
#[doc(alias = "showTabBarRedDot")]
pub fn show_tab_bar_red_dot(index: u32) -> Result<()> {
    Ok(host::show_tab_bar_red_dot(index)?)
}

/// Hide the red dot of tab `index`.
#[doc(alias = "hideTabBarRedDot")]
pub fn hide_tab_bar_red_dot(index: u32) -> Result<()> {
    Ok(host::hide_tab_bar_red_dot(index)?)
}

/// Show the tab bar, sliding it in if `animation` (`wx.showTabBar`). The
/// manifest declares no tab bar yet: no page is refused as not a tab page.
#[doc(alias = "showTabBar")]
pub fn show_tab_bar(animation: bool) -> Result<()> {
    Ok(host::show_tab_bar(animation)?)
}

/// Hide the tab bar, sliding it out if `animation` (`wx.hideTabBar`); its
/// badges and red dots stay for when it shows again.
#[doc(alias = "hideTabBar")]
pub fn hide_tab_bar(animation: bool) -> Result<()> {
    Ok(host::hide_tab_bar(animation)?)
}

/// Start the page's pull-down refresh, as if the user pulled.
#[doc(alias = "startPullDownRefresh")]
pub fn start_pull_down_refresh() -> Result<()> {
    Ok(host::start_pull_down_refresh()?)
}

/// Stop the page's pull-down refresh.
#[doc(alias = "stopPullDownRefresh")]
pub fn stop_pull_down_refresh() -> Result<()> {
    Ok(host::stop_pull_down_refresh()?)
}

/// A video of the page, by its `id` (`wx.createVideoContext`): each method
/// asks the host's renderer to act on the `<video>` with that id; an id no
/// video of the page has does nothing, as on WeChat.
#[doc(alias = "createVideoContext")]
pub fn create_video_context(id: &str) -> MediaContext {
    MediaContext { id: id.to_string() }
}

/// An audio of the page (WeChat's legacy `<audio>`), by its `id`
/// (`wx.createAudioContext`).
#[doc(alias = "createAudioContext")]
pub fn create_audio_context(id: &str) -> MediaContext {
    MediaContext { id: id.to_string() }
}

/// A video or audio of the page ([`create_video_context`],
/// [`create_audio_context`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaContext {
    id: String,
}

impl MediaContext {
    fn act(&self, action: host::MediaAction) -> Result<()> {
        Ok(host::media_context(&self.id, action)?)
    }

    /// Play.
    pub fn play(&self) -> Result<()> {
        self.act(host::MediaAction::Play)
    }

    /// Pause.
    pub fn pause(&self) -> Result<()> {
        self.act(host::MediaAction::Pause)
    }

    /// Pause and go back to the start (a video's `stop`).
    pub fn stop(&self) -> Result<()> {
        self.act(host::MediaAction::Stop)
    }

    /// Go to `seconds` from the start.
    pub fn seek(&self, seconds: f64) -> Result<()> {
        self.act(host::MediaAction::Seek(seconds))
    }

    /// Play at `rate`: 0.5, 0.8, 1.0, 1.25, 1.5 or 2.0 (a video's
    /// `playbackRate`).
    pub fn playback_rate(&self, rate: f64) -> Result<()> {
        self.act(host::MediaAction::PlaybackRate(rate))
    }

    /// Fill the screen with the video (`requestFullScreen`).
    pub fn request_full_screen(&self) -> Result<()> {
        self.act(host::MediaAction::RequestFullScreen)
    }

    /// Leave the full screen (`exitFullScreen`).
    pub fn exit_full_screen(&self) -> Result<()> {
        self.act(host::MediaAction::ExitFullScreen)
    }
}
