//! The tab bar as an embedder draws it (app.json's `tabBar` with the tab
//! shown, the app's badges, red dots and hidden flag) and the user's tap
//! on one of its tabs, which switches to that tab as `switch-tab` does.

use miniapp_config::TabBar;
use serde::Serialize;
use serde_json::json;

use super::pages::keep_first;
use super::{AppInstance, PageEvent};
use crate::error::Error;

/// The tab bar as a client draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownTabBar {
    /// app.json's `tabBar`, with WeChat's key names.
    #[serde(flatten)]
    pub config: TabBar,
    /// The tab whose page is shown; `None` when the page shown is not a
    /// tab page (WeChat draws no tab bar there).
    pub selected: Option<usize>,
    /// The app hid the bar (`hideTabBar`).
    pub hidden: bool,
    /// Each tab's badge text (`None`: none), in the list's order.
    pub badges: Vec<Option<String>>,
    /// Each tab's red dot, in the list's order.
    pub dots: Vec<bool>,
}

impl AppInstance {
    /// The tab bar as it shows now; `None` for an app without app.json's
    /// `tabBar` (or while a trap has discarded the instance).
    pub fn tab_bar(&self) -> Option<ShownTabBar> {
        let config = self.app.tab_bar.clone()?;
        let live = self.live.as_ref()?;
        let state = live.store.data();
        let pages = state.nav.pages.pages();
        let selected = (pages.len() == 1)
            .then(|| config.index_of(&pages[0].route))
            .flatten();
        let marks = &state.call.tab_marks;
        let tabs = config.list.len();
        Some(ShownTabBar {
            selected,
            hidden: marks.hidden,
            badges: marks.badges[..tabs].to_vec(),
            dots: marks.dots[..tabs].to_vec(),
            config,
        })
    }

    /// The user tapped tab `index` of the tab bar: the host switches to
    /// its page as `switch-tab` does (nothing moves for the tab shown), the
    /// page hooks run (WeChat's order: the hidden page's `onHide`, the
    /// target's `onLoad` the first time, its `onShow`), then that page's
    /// `onTabItemTap` {`index`, `pagePath`, `text`}, and the page renders.
    /// Refused when the app has no tab bar, the index is past its list, or
    /// the bar is not shown (the page shown is not a tab page, or the app
    /// hid it).
    pub async fn tap_tab(&mut self, index: u32) -> Result<(), Error> {
        self.ready().await?;
        self.tape_drive(crate::replay::Drive::TapTab(index));
        let (route, detail) = self.tab_to_tap(index)?;
        self.navigate_from_view(&route, "switchTab", 0).await?;
        // onTabItemTap on the tapped tab's page, now shown, within the
        // switch's budget; then what it changed, as after any callback.
        let before = self.stack();
        let Some((serial, shown)) = self.pages().last().map(|p| (p.serial, p.route.clone())) else {
            return Ok(());
        };
        let tapped = self
            .fire(serial, &shown, PageEvent::TabItemTap, &detail)
            .await;
        let mut outcome = tapped.map(drop);
        keep_first(&mut outcome, self.settle_pages(before).await);
        keep_first(&mut outcome, self.render_and_ready().await);
        outcome
    }

    /// The page of tab `index` and its `onTabItemTap` detail, if a tap on
    /// it can be taken now.
    fn tab_to_tap(&self, index: u32) -> Result<(String, serde_json::Value), Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let Some(bar) = self.tab_bar() else {
            return Err(refused(
                "a tab tap: this app has no tab bar (app.json's `tabBar`)".into(),
            ));
        };
        let Some(tab) = bar.config.list.get(index as usize) else {
            return Err(refused(format!(
                "a tab tap on tab {index}: the tab bar has {} tabs, counted from 0",
                bar.config.list.len()
            )));
        };
        if bar.selected.is_none() {
            let top = self
                .pages()
                .last()
                .map(|p| p.route.clone())
                .unwrap_or_default();
            return Err(refused(format!(
                "a tab tap on tab {index}: the tab bar is not shown on page `{top}`, which is not a tab page"
            )));
        }
        if bar.hidden {
            return Err(refused(format!(
                "a tab tap on tab {index}: the app hid the tab bar"
            )));
        }
        let detail = json!({ "index": index, "pagePath": tab.page_path, "text": tab.text });
        Ok((tab.route().to_string(), detail))
    }
}
