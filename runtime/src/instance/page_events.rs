//! Page events and the app's error hooks (`miniapp:host/page-events`:
//! `on-page-event`, `on-app-error`, `on-page-not-found`). Optional: a
//! component built before them does not export the interface and keeps
//! working, so the host finds it by name, as it finds the page hooks.
//!
//! Every page event goes through one function, [`AppInstance::fire`]: the
//! page's serial and route, the event and its detail in WeChat's shape.
//! `show` and `hide` follow the page stack ([`AppInstance::settle_pages`]
//! calls them when the top page changes) and the app's own `on-show` and
//! `on-hide`; the embedder's page events (scroll, pull-down, resize,
//! theme, share) arrive through [`AppInstance::page_event`] as callbacks
//! of their own.

use wasmtime::component::{
    Component, ComponentExportIndex, ComponentType, Instance, Lower, TypedFunc,
};
use wasmtime::{AsContextMut, Store};

pub(crate) use client::Scrolling;
pub use client::{ClientPageEvent, PageEventOutcome, SCROLLS_PER_SECOND, ShareCard};

use super::pages::StackEntry;
use super::{AppInstance, Hook, InstanceState};
use crate::app_shared::AppShared;
use crate::error::Error;

mod client;

/// A page's query.
type Query = Vec<(String, String)>;

/// What happened to a page, as WeChat's page handlers name it (the WIT's
/// `page-event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ComponentType, Lower)]
#[component(enum)]
#[repr(u8)]
pub enum PageEvent {
    /// `onShow`.
    #[component(name = "show")]
    Show,
    /// `onHide`.
    #[component(name = "hide")]
    Hide,
    /// `onPullDownRefresh`.
    #[component(name = "pull-down-refresh")]
    PullDownRefresh,
    /// `onReachBottom`.
    #[component(name = "reach-bottom")]
    ReachBottom,
    /// `onPageScroll`.
    #[component(name = "page-scroll")]
    PageScroll,
    /// `onResize`.
    #[component(name = "resize")]
    Resize,
    /// `onTabItemTap`.
    #[component(name = "tab-item-tap")]
    TabItemTap,
    /// `onShareAppMessage`.
    #[component(name = "share-app-message")]
    ShareAppMessage,
    /// `onShareTimeline`.
    #[component(name = "share-timeline")]
    ShareTimeline,
    /// `wx.onThemeChange`.
    #[component(name = "theme-change")]
    ThemeChange,
}

impl PageEvent {
    /// The WIT's name of the event (`pull-down-refresh`).
    pub fn name(self) -> &'static str {
        match self {
            PageEvent::Show => "show",
            PageEvent::Hide => "hide",
            PageEvent::PullDownRefresh => "pull-down-refresh",
            PageEvent::ReachBottom => "reach-bottom",
            PageEvent::PageScroll => "page-scroll",
            PageEvent::Resize => "resize",
            PageEvent::TabItemTap => "tab-item-tap",
            PageEvent::ShareAppMessage => "share-app-message",
            PageEvent::ShareTimeline => "share-timeline",
            PageEvent::ThemeChange => "theme-change",
        }
    }
}

/// Where a component exports the page events, found once at load.
#[derive(Clone, Copy)]
pub(crate) struct PageEventIndices {
    on_page_event: ComponentExportIndex,
    on_app_error: ComponentExportIndex,
    on_page_not_found: ComponentExportIndex,
}

impl PageEventIndices {
    /// The page events of `component`, built against host API `version`:
    /// `None` if it does not export the interface; an error naming the
    /// missing hook if it exports only part of it.
    pub fn find(component: &Component, version: &str) -> Result<Option<Self>, String> {
        let name = format!("miniapp:host/page-events@{version}");
        let Some((_, interface)) = component.get_export(None, &name) else {
            return Ok(None);
        };
        let hook = |hook: &str| {
            (component.get_export_index(Some(&interface), hook))
                .ok_or_else(|| format!("it exports `{name}` without `{hook}`"))
        };
        Ok(Some(PageEventIndices {
            on_page_event: hook("on-page-event")?,
            on_app_error: hook("on-app-error")?,
            on_page_not_found: hook("on-page-not-found")?,
        }))
    }
}

/// `on-page-event`'s arguments: the page's serial and route, the event,
/// its detail.
type PageEventArgs = (u64, String, PageEvent, String);

/// The page events of one live instance, typed.
#[derive(Clone, Copy)]
pub(crate) struct PageEventHooks {
    on_page_event: TypedFunc<PageEventArgs, (Result<Option<String>, String>,)>,
    on_app_error: TypedFunc<(String,), (Result<(), String>,)>,
    on_page_not_found: TypedFunc<(String, Query, bool), (Result<bool, String>,)>,
}

/// What a page-events hook answered besides success.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Nothing (every event but a share; a share left unanswered).
    #[default]
    Nothing,
    /// A share event's answer, JSON as the app wrote it.
    Json(String),
    /// `on-page-not-found` said the app handled the missing page.
    Handled,
}

impl PageEventHooks {
    /// The hooks of `instance`, typed (a hook whose type does not match the
    /// WIT fails here, as the app lifecycle's hooks do).
    pub fn load(
        indices: &PageEventIndices,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<PageEventHooks> {
        Ok(PageEventHooks {
            on_page_event: instance.get_typed_func(&mut store, indices.on_page_event)?,
            on_app_error: instance.get_typed_func(&mut store, indices.on_app_error)?,
            on_page_not_found: instance.get_typed_func(&mut store, indices.on_page_not_found)?,
        })
    }

    /// Call the hook `hook` is, putting what it answered in `answer`.
    pub async fn call(
        self,
        store: &mut Store<InstanceState>,
        hook: &Hook<'_>,
        answer: &mut Answer,
    ) -> wasmtime::Result<Result<(), String>> {
        Ok(match hook {
            Hook::PageEvent(fired) => {
                let args = (
                    fired.serial,
                    fired.route.clone(),
                    fired.event,
                    fired.detail.clone(),
                );
                let (result,) = self.on_page_event.call_async(store, args).await?;
                result.map(|json| *answer = json.map_or(Answer::Nothing, Answer::Json))
            }
            Hook::AppError(message) => {
                let (result,) = self
                    .on_app_error
                    .call_async(store, (message.clone(),))
                    .await?;
                result
            }
            Hook::PageNotFound { path, query } => {
                let args = (path.clone(), query.clone(), true);
                let (result,) = self.on_page_not_found.call_async(store, args).await?;
                result.map(|handled| {
                    if handled {
                        *answer = Answer::Handled;
                    }
                })
            }
            _ => Ok(()),
        })
    }
}

/// A page event the host fires: to which page, what, with which detail.
#[derive(Debug, Clone)]
pub(crate) struct Fired {
    /// The page's serial.
    pub serial: u64,
    /// Its route.
    pub route: String,
    /// The event.
    pub event: PageEvent,
    /// Its detail, a JSON object.
    pub detail: String,
    /// Whether it is a callback of its own (an embedder's event) rather
    /// than one that follows the callback that led to it (a `show` after
    /// a navigation), within that callback's budget.
    pub fresh: bool,
}

/// A launch path that is not a page of the app, for `on-page-not-found`.
#[derive(Debug, Clone)]
pub(crate) struct NotFound {
    /// The route asked for, as given (without its query).
    pub path: String,
    /// Its query.
    pub query: Query,
    /// Why it is not a page (the refusal if the app does not handle it).
    reason: String,
}

impl NotFound {
    /// The launch path `url` that `parse_url` refused with `reason`, if the
    /// app may be told (it exports the page events and the url is within
    /// bounds); else the refusal.
    pub fn of(app: &AppShared, url: &str, reason: String) -> Result<NotFound, String> {
        if app.page_events.is_none() || url.len() > MAX_URL {
            return Err(reason);
        }
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let query = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let path = path.to_string();
        Ok(NotFound {
            path,
            query,
            reason,
        })
    }
}

/// Longest launch path told to `on-page-not-found` (as `nav` bounds urls).
const MAX_URL: usize = 2048;

impl AppInstance {
    /// WeChat's `onPageNotFound` for a launch path that is not a page:
    /// the app is told (the home page on the stack); unless it answers
    /// that it handled it, the launch is refused as before.
    pub(super) async fn page_not_found(&mut self, missing: NotFound) -> Result<(), Error> {
        let hook = Hook::PageNotFound {
            path: missing.path,
            query: missing.query,
        };
        match self.call_answered(hook).await? {
            Answer::Handled => Ok(()),
            _ => Err(Error::BadRequest {
                app: self.app.manifest.id.clone(),
                reason: missing.reason,
            }),
        }
    }

    /// Fire `event` on page `serial` (of `route`) with `detail` (a JSON
    /// object in WeChat's shape), within the budget of the callback under
    /// way (the navigation, tab switch or app show that led to it), its
    /// `set-data` acting on that page. Nothing happens for an app that
    /// does not export the page events. Returns a share event's answer.
    pub(crate) async fn fire(
        &mut self,
        serial: u64,
        route: &str,
        event: PageEvent,
        detail: &serde_json::Value,
    ) -> Result<Option<String>, Error> {
        let fired = Fired {
            serial,
            route: route.to_string(),
            event,
            detail: detail.to_string(),
            fresh: false,
        };
        let answer = self.call_answered(Hook::PageEvent(fired)).await?;
        Ok(match answer {
            Answer::Json(json) => Some(json),
            _ => None,
        })
    }

    /// Fire `event` on the top page with an empty detail: a callback of
    /// its own if `fresh`, else within the callback under way.
    pub(super) async fn fire_on_top(&mut self, event: PageEvent, fresh: bool) -> Result<(), Error> {
        let Some(top) = self.pages().last() else {
            return Ok(());
        };
        let fired = Fired {
            serial: top.serial,
            route: top.route.clone(),
            event,
            detail: "{}".into(),
            fresh,
        };
        self.call(Hook::PageEvent(fired)).await
    }

    /// The page's `pull-down-refresh` when the callback that just ran
    /// called `frame.start-pull-down-refresh` (WeChat's
    /// `startPullDownRefresh` fires `onPullDownRefresh` as a user's pull
    /// does), within that callback's budget.
    pub(super) async fn pull_down_asked(&mut self) -> Result<(), Error> {
        let Some(live) = &mut self.live else {
            return Ok(());
        };
        match std::mem::take(&mut live.store.data_mut().call.pull_down_started) {
            true => self.fire_on_top(PageEvent::PullDownRefresh, false).await,
            false => Ok(()),
        }
    }

    /// `hide` of the page that was on top in `before` if a navigation
    /// covered it (it is still on the stack, not on top), as WeChat calls
    /// `onHide` on `navigateTo`.
    pub(super) async fn hide_covered(
        &mut self,
        before: &[StackEntry],
        after: &[StackEntry],
    ) -> Result<(), Error> {
        let Some((serial, route, _)) = before.last() else {
            return Ok(());
        };
        let covered = after.last().is_some_and(|top| top.0 != *serial)
            && after.iter().any(|p| p.0 == *serial);
        match covered {
            true => self.fire_on(*serial, route, PageEvent::Hide).await,
            false => Ok(()),
        }
    }

    /// `show` of the page on top in `after` if it was not on top in
    /// `before` (after its `on-load`, or uncovered by `navigateBack`), if
    /// it is still on top.
    pub(super) async fn show_new_top(
        &mut self,
        before: &[StackEntry],
        after: &[StackEntry],
    ) -> Result<(), Error> {
        let Some((serial, route, _)) = after.last() else {
            return Ok(());
        };
        let still_top = self.pages().last().is_some_and(|top| top.serial == *serial);
        match before.last().is_none_or(|old| old.0 != *serial) && still_top {
            true => self.fire_on(*serial, route, PageEvent::Show).await,
            false => Ok(()),
        }
    }

    /// `event` on page `serial` with an empty detail, within the callback
    /// under way.
    async fn fire_on(&mut self, serial: u64, route: &str, event: PageEvent) -> Result<(), Error> {
        let detail = serde_json::json!({});
        self.fire(serial, route, event, &detail).await.map(drop)
    }

    /// Call `hook` and take what it answered.
    pub(super) async fn call_answered(&mut self, hook: Hook<'_>) -> Result<Answer, Error> {
        self.answer = Answer::Nothing;
        self.call(hook).await?;
        Ok(std::mem::take(&mut self.answer))
    }
}
