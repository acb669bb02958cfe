//! `frame`: what the host draws around the page, as WeChat's
//! `wx.setNavigationBarTitle`, `wx.setNavigationBarColor`,
//! `wx.showNavigationBarLoading`, `wx.pageScrollTo`, `wx.setTabBarBadge`
//! (and the other badge and red-dot calls), `wx.showTabBar`/`wx.hideTabBar`
//! and `wx.startPullDownRefresh`.
//! Core, as on WeChat. Each checks WeChat's bounds and hands the change to
//! the host's UI provider; none waits. A manifest has no tab bar yet, so a
//! tab is checked against WeChat's five at most: a client shows the badge
//! on its tab bar, if it draws one, and shows or hides that bar when asked
//! (no page is refused as not a tab page, as WeChat would). The navigation bar's title may not
//! hold the host's name (`feedback/host_name.rs`).

use super::feedback::{TITLE_CHARS, colour, duration, not_the_host, text};
use super::{CallCtx, CallError, CallResult};
use crate::bindings::frame;
use crate::providers::{FrontColor, HostUi};

mod media;

/// Tabs at most in a tab bar, as on WeChat.
const TABS: u32 = 5;
/// Characters at most in a badge (the host shows three, then `...`).
const BADGE_CHARS: usize = 16;
/// An animation (a colour change, a scroll) takes at most this long.
const ANIMATION_MS: u32 = 10_000;

/// Refuse a tab past the tab bar's five.
fn tab(index: u32) -> CallResult<u32> {
    match index < TABS {
        true => Ok(index),
        false => Err(CallError::invalid(format!(
            "tab {index} does not exist: a tab bar has at most {TABS} tabs, counted from 0"
        ))),
    }
}

super::linked_by!(calls, frame);

impl frame::Host for CallCtx {
    fn set_navigation_bar_title(&mut self, title: String) -> CallResult<()> {
        text("the navigation bar's title", &title, TITLE_CHARS, true)?;
        not_the_host("the navigation bar's title", &title)?;
        self.show(HostUi::NavigationBarTitle { title })
    }

    fn set_navigation_bar_color(
        &mut self,
        front: frame::FrontColor,
        background: String,
        duration_ms: u32,
    ) -> CallResult<()> {
        colour("the background colour", &background)?;
        duration("the colour change", duration_ms, ANIMATION_MS)?;
        let front = match front {
            frame::FrontColor::Black => FrontColor::Black,
            frame::FrontColor::White => FrontColor::White,
        };
        self.show(HostUi::NavigationBarColor {
            front,
            background,
            duration_ms,
        })
    }

    fn show_navigation_bar_loading(&mut self) -> CallResult<()> {
        self.show(HostUi::NavigationBarLoading { shown: true })
    }

    fn hide_navigation_bar_loading(&mut self) -> CallResult<()> {
        self.show(HostUi::NavigationBarLoading { shown: false })
    }

    fn page_scroll_to(&mut self, scroll_top: u32, duration_ms: u32) -> CallResult<()> {
        duration("the scroll", duration_ms, ANIMATION_MS)?;
        self.show(HostUi::PageScrollTo {
            scroll_top,
            duration_ms,
        })
    }

    fn set_tab_bar_badge(&mut self, index: u32, text_: String) -> CallResult<()> {
        let index = tab(index)?;
        text("the badge's text", &text_, BADGE_CHARS, false)?;
        let text = Some(text_);
        self.show(HostUi::TabBarBadge { index, text })
    }

    fn remove_tab_bar_badge(&mut self, index: u32) -> CallResult<()> {
        let index = tab(index)?;
        self.show(HostUi::TabBarBadge { index, text: None })
    }

    fn show_tab_bar_red_dot(&mut self, index: u32) -> CallResult<()> {
        let index = tab(index)?;
        self.show(HostUi::TabBarRedDot { index, shown: true })
    }

    fn hide_tab_bar_red_dot(&mut self, index: u32) -> CallResult<()> {
        let index = tab(index)?;
        self.show(HostUi::TabBarRedDot {
            index,
            shown: false,
        })
    }

    fn show_tab_bar(&mut self, animation: bool) -> CallResult<()> {
        self.show(HostUi::TabBar {
            shown: true,
            animation,
        })
    }

    fn hide_tab_bar(&mut self, animation: bool) -> CallResult<()> {
        self.show(HostUi::TabBar {
            shown: false,
            animation,
        })
    }

    fn start_pull_down_refresh(&mut self) -> CallResult<()> {
        self.show(HostUi::PullDownRefresh { started: true })?;
        // As the user's pull, it fires the page's onPullDownRefresh (after
        // this callback: the host never re-enters the guest).
        self.pull_down_started = true;
        Ok(())
    }

    fn stop_pull_down_refresh(&mut self) -> CallResult<()> {
        self.show(HostUi::PullDownRefresh { started: false })
    }

    fn media_context(&mut self, id: String, action: frame::MediaAction) -> CallResult<()> {
        self.act_on_media(id, action)
    }
}
