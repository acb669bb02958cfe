//! `frame`: what the host draws around the page, as WeChat's
//! `wx.setNavigationBarTitle`, `wx.setNavigationBarColor`,
//! `wx.showNavigationBarLoading`, `wx.pageScrollTo`, `wx.setTabBarBadge`
//! (and the other badge and red-dot calls), `wx.showTabBar`/`wx.hideTabBar`
//! and `wx.startPullDownRefresh`.
//! Core, as on WeChat. Each checks WeChat's bounds and hands the change to
//! the host's UI provider; none waits. A tab is checked against app.json's
//! `tabBar` (an index past its list is refused); an app without one keeps
//! WeChat's five at most (numbered tabs a client draws once one is marked).
//! The tab bar's badges, red dots and hidden flag are also kept
//! ([`TabMarks`]) so the page frame carries them to a client that connects
//! later. The navigation bar's title may not hold the host's name
//! (`feedback/host_name.rs`).

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

/// What the app set on its tab bar: each tab's badge and red dot, and
/// whether it hid the bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TabMarks {
    /// Each tab's badge text, by index (`None`: no badge).
    pub badges: [Option<String>; TABS as usize],
    /// Each tab's red dot, by index.
    pub dots: [bool; TABS as usize],
    /// The app hid the bar (`hideTabBar`).
    pub hidden: bool,
}

impl CallCtx {
    /// Refuse a tab past app.json's `tabBar` list, or without one past
    /// WeChat's five.
    fn tab(&self, index: u32) -> CallResult<u32> {
        let (count, whose) = match &self.app.tab_bar {
            Some(bar) => (bar.list.len() as u32, "app.json's tabBar has"),
            None => (TABS, "a tab bar has at most"),
        };
        match index < count {
            true => Ok(index),
            false => Err(CallError::invalid(format!(
                "tab {index} does not exist: {whose} {count} tabs, counted from 0"
            ))),
        }
    }
}

super::linked_by!(calls, frame);

#[miniapp_runtime_macros::recorded(output)]
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
        let index = self.tab(index)?;
        text("the badge's text", &text_, BADGE_CHARS, false)?;
        let text = Some(text_);
        self.show(HostUi::TabBarBadge {
            index,
            text: text.clone(),
        })?;
        self.tab_marks.badges[index as usize] = text;
        Ok(())
    }

    fn remove_tab_bar_badge(&mut self, index: u32) -> CallResult<()> {
        let index = self.tab(index)?;
        self.show(HostUi::TabBarBadge { index, text: None })?;
        self.tab_marks.badges[index as usize] = None;
        Ok(())
    }

    fn show_tab_bar_red_dot(&mut self, index: u32) -> CallResult<()> {
        let index = self.tab(index)?;
        self.show(HostUi::TabBarRedDot { index, shown: true })?;
        self.tab_marks.dots[index as usize] = true;
        Ok(())
    }

    fn hide_tab_bar_red_dot(&mut self, index: u32) -> CallResult<()> {
        let index = self.tab(index)?;
        self.show(HostUi::TabBarRedDot {
            index,
            shown: false,
        })?;
        self.tab_marks.dots[index as usize] = false;
        Ok(())
    }

    fn show_tab_bar(&mut self, animation: bool) -> CallResult<()> {
        self.show(HostUi::TabBar {
            shown: true,
            animation,
        })?;
        self.tab_marks.hidden = false;
        Ok(())
    }

    fn hide_tab_bar(&mut self, animation: bool) -> CallResult<()> {
        self.show(HostUi::TabBar {
            shown: false,
            animation,
        })?;
        self.tab_marks.hidden = true;
        Ok(())
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
