//! The page events a client reports (the page scrolled, was pulled down,
//! the window resized, the theme changed, the user shared): untrusted, so
//! every number is checked finite and bounded and every event against the
//! page's window before the app hears of it. The host derives WeChat's
//! events from them: `page-scroll` at most [`SCROLLS_PER_SECOND`] a
//! second, `reach-bottom` once per reaching the bottom zone
//! (`onReachBottomDistance`, 50 px by default), `pull-down-refresh` only on
//! a page whose window enables it, nothing from a `disableScroll` page.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Answer, Fired, PageEvent};
use crate::capability::nav::parse_url;
use crate::error::Error;
use crate::instance::{AppInstance, Hook};

/// `page-scroll` events fired at most this many times a second (WeChat
/// throttles `onPageScroll` too); the reports in between are dropped.
pub const SCROLLS_PER_SECOND: u32 = 10;
/// WeChat's default `onReachBottomDistance`, px.
const REACH_BOTTOM_DISTANCE: u32 = 50;
/// No page is taller, or scrolled further, than this, px.
const MAX_PX: f64 = 10_000_000.0;
/// No window is wider or taller than this, px.
const MAX_WINDOW_PX: f64 = 100_000.0;
/// Longest share title, characters (WeChat cuts longer ones).
const MAX_TITLE: usize = 64;

/// A page event a client reports, about the page on top.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ClientPageEvent {
    /// The page scrolled: how far, how tall it is, how tall the window
    /// showing it is, px.
    #[serde(rename_all = "camelCase")]
    Scroll {
        /// `scrollTop`.
        scroll_top: f64,
        /// `scrollHeight`.
        scroll_height: f64,
        /// The window's height.
        viewport_height: f64,
    },
    /// The user pulled the page down.
    PullDown {},
    /// The window changed size (a device turned, the simulator's device
    /// switch), px.
    #[serde(rename_all = "camelCase")]
    Resize {
        /// Its width.
        window_width: f64,
        /// Its height.
        window_height: f64,
    },
    /// The system theme changed: `light` or `dark`.
    Theme {
        /// The new theme.
        theme: String,
    },
    /// The user chose "share" in the capsule's menu.
    Share {},
    /// The user chose "share to timeline" in the capsule's menu.
    ShareTimeline {},
}

/// The share card the host shows (its share sheet), the app's answer
/// checked, WeChat's defaults where it gave none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareCard {
    /// `app-message` or `timeline`.
    pub kind: &'static str,
    /// The card's title (default: the app's name).
    pub title: String,
    /// The page it opens with its query (default: the page shared).
    pub path: String,
    /// Its picture: a package file or the instance's temp file (default:
    /// none, the client draws the page's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// What a client's page event led to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageEventOutcome {
    /// The events fired at the app, in order (none: throttled, or outside
    /// the bottom zone).
    pub fired: Vec<&'static str>,
    /// Whether a share card is left for the embedder to show
    /// ([`AppInstance::take_share_sheet`]).
    pub shared: bool,
}

/// Where the top page's scrolling stands: for the throttle and the
/// bottom zone. Reset when another page comes on top.
#[derive(Debug, Default)]
pub(crate) struct Scrolling {
    /// The page it is about.
    serial: u64,
    /// When `page-scroll` last fired.
    last_fired: Option<Instant>,
    /// Whether the page was in its bottom zone at the last report.
    in_zone: bool,
}

/// `value` if finite and within `0..=max`, else the refusal naming `what`.
fn px(what: &str, value: f64, max: f64) -> Result<f64, String> {
    match value.is_finite() && (0.0..=max).contains(&value) {
        true => Ok(value),
        false => Err(format!(
            "{what} must be a number of px from 0 to {max}, not {value}"
        )),
    }
}

impl AppInstance {
    /// A page event the client reports about the top page: checked, then
    /// WeChat's events it leads to fired at the app, as a callback of its
    /// own (the first event with an event's budget, the next within it),
    /// then the page hooks for the stack changes they made and a render.
    /// A refused event changes nothing.
    pub async fn page_event(&mut self, event: &ClientPageEvent) -> Result<PageEventOutcome, Error> {
        self.ready().await?;
        self.tape_drive(crate::replay::Drive::PageEvent(std::borrow::Cow::Borrowed(
            event,
        )));
        let app = self.app.manifest.id.clone();
        let refused = |reason: String| Error::BadRequest {
            app: app.clone(),
            reason,
        };
        let (serial, route, query) = self.top_page()?;
        let window = self.app.windows.get(&route).cloned().unwrap_or_default();
        let due = self
            .due_events(event, serial, &route, &window)
            .map_err(refused)?;
        self.fire_due(serial, &route, &query, due).await
    }

    /// A tap on a `<button open-type="share">` (`target`: `{id, dataset}`):
    /// the page's `share-app-message` with `from: button`, as a callback of
    /// its own; the card is the embedder's to show
    /// ([`AppInstance::take_share_sheet`]).
    pub(in crate::instance) async fn share_from_button(
        &mut self,
        target: Value,
    ) -> Result<(), Error> {
        let (serial, route, query) = self.top_page()?;
        let detail = json!({"from": "button", "target": target});
        let due = vec![(PageEvent::ShareAppMessage, detail)];
        self.fire_due(serial, &route, &query, due).await.map(drop)
    }

    /// The top page's serial, route and query (no borrow of the instance
    /// is held across an await: embedders need the futures `Send`).
    fn top_page(&self) -> Result<(u64, String, super::Query), Error> {
        let top = self.pages().last().ok_or_else(|| self.discarded())?;
        Ok((top.serial, top.route.clone(), top.query.clone()))
    }

    /// The share card a share (from the menu's `page-event` or a share
    /// button's tap) led to since the last call, for the embedder to show
    /// (its share sheet).
    pub fn take_share_sheet(&mut self) -> Option<ShareCard> {
        self.share_sheet.take()
    }

    /// Fire `due` at page `serial` (`route`, `query`): the first as a
    /// callback of its own, the rest within it; then the page hooks and a
    /// render.
    async fn fire_due(
        &mut self,
        serial: u64,
        route: &str,
        query: &[(String, String)],
        due: Vec<(PageEvent, Value)>,
    ) -> Result<PageEventOutcome, Error> {
        let app = self.app.manifest.id.clone();
        let refused = |reason: String| Error::BadRequest {
            app: app.clone(),
            reason,
        };
        let route = route.to_string();
        let before = self.stack();
        let mut outcome = PageEventOutcome::default();
        let mut result = Ok(());
        for (index, (event, detail)) in due.into_iter().enumerate() {
            let fired = Fired {
                serial,
                route: route.clone(),
                event,
                detail: detail.to_string(),
                fresh: index == 0,
            };
            outcome.fired.push(event.name());
            let answer = self.call_answered(Hook::PageEvent(fired)).await;
            match answer {
                Ok(answer)
                    if matches!(event, PageEvent::ShareAppMessage | PageEvent::ShareTimeline) =>
                {
                    let card = self.share_card(event, &route, query, answer);
                    self.share_sheet = Some(card.map_err(refused)?);
                    outcome.shared = true;
                }
                Ok(_) => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let settled = self.settle_pages(before).await;
        let rendered = self.render_and_ready().await;
        result.and(settled).and(rendered).map(|()| outcome)
    }

    /// The events `event` leads to on page `serial` (`route`, its
    /// `window`), with their details; a refusal in words.
    fn due_events(
        &mut self,
        event: &ClientPageEvent,
        serial: u64,
        route: &str,
        window: &miniapp_config::Window,
    ) -> Result<Vec<(PageEvent, Value)>, String> {
        Ok(match event {
            ClientPageEvent::Scroll {
                scroll_top,
                scroll_height,
                viewport_height,
            } => {
                let top = px("scrollTop", *scroll_top, MAX_PX)?;
                let height = px("scrollHeight", *scroll_height, MAX_PX)?;
                let viewport = px("viewportHeight", *viewport_height, MAX_WINDOW_PX)?;
                if window.disable_scroll == Some(true) {
                    return Err(format!(
                        "page `{route}` does not scroll (`disableScroll` in its json): no scroll is reported for it"
                    ));
                }
                let distance = window
                    .on_reach_bottom_distance
                    .unwrap_or(REACH_BOTTOM_DISTANCE);
                self.scrolled(serial, top, height, viewport, f64::from(distance))
            }
            ClientPageEvent::PullDown {} => {
                if window.enable_pull_down_refresh != Some(true) {
                    return Err(format!(
                        "page `{route}` does not enable pull-down refresh \
                         (`enablePullDownRefresh` in its json or app.json's window)"
                    ));
                }
                vec![(PageEvent::PullDownRefresh, json!({}))]
            }
            ClientPageEvent::Resize {
                window_width,
                window_height,
            } => {
                let width = px("windowWidth", *window_width, MAX_WINDOW_PX)?;
                let height = px("windowHeight", *window_height, MAX_WINDOW_PX)?;
                let orientation = if width > height {
                    "landscape"
                } else {
                    "portrait"
                };
                let detail = json!({
                    "size": {"windowWidth": width, "windowHeight": height},
                    "deviceOrientation": orientation,
                });
                vec![(PageEvent::Resize, detail)]
            }
            ClientPageEvent::Theme { theme } => match theme.as_str() {
                "light" | "dark" => vec![(PageEvent::ThemeChange, json!({ "theme": theme }))],
                _ => return Err(format!("a theme is `light` or `dark`, not `{theme:.32}`")),
            },
            ClientPageEvent::Share {} => {
                vec![(PageEvent::ShareAppMessage, json!({"from": "menu"}))]
            }
            ClientPageEvent::ShareTimeline {} => vec![(PageEvent::ShareTimeline, json!({}))],
        })
    }

    /// The events a scroll of page `serial` to `top` (of `height`, seen
    /// through `viewport`) fires: `page-scroll` unless one fired within
    /// the last tenth of a second, `reach-bottom` if it entered the zone
    /// `distance` px from the bottom.
    fn scrolled(
        &mut self,
        serial: u64,
        top: f64,
        height: f64,
        viewport: f64,
        distance: f64,
    ) -> Vec<(PageEvent, Value)> {
        let now = Instant::now();
        let state = &mut self.scrolling;
        if state.serial != serial {
            *state = Scrolling {
                serial,
                ..Scrolling::default()
            };
        }
        let mut due = Vec::new();
        let gap = Duration::from_secs(1) / SCROLLS_PER_SECOND;
        if state
            .last_fired
            .is_none_or(|last| now.duration_since(last) >= gap)
        {
            state.last_fired = Some(now);
            due.push((PageEvent::PageScroll, json!({ "scrollTop": top })));
        }
        let in_zone = top + viewport >= height - distance;
        if in_zone && !state.in_zone {
            due.push((PageEvent::ReachBottom, json!({})));
        }
        state.in_zone = in_zone;
        due
    }

    /// The card a share shows: the app's `answer` checked (its path a page
    /// of the app, its picture a package file or this instance's temp
    /// file), WeChat's defaults for what it left out.
    fn share_card(
        &self,
        event: PageEvent,
        route: &str,
        query: &[(String, String)],
        answer: Answer,
    ) -> Result<ShareCard, String> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Answered {
            title: Option<String>,
            path: Option<String>,
            query: Option<String>,
            image_url: Option<String>,
        }
        let answered: Answered = match answer {
            Answer::Json(json) => serde_json::from_str(&json).map_err(|e| {
                format!("the app's share answer is not {{title, path, imageUrl}}: {e}")
            })?,
            _ => Answered::default(),
        };
        let timeline = event == PageEvent::ShareTimeline;
        let title = answered
            .title
            .unwrap_or_else(|| self.app.manifest.name.clone());
        if title.chars().count() > MAX_TITLE || title.chars().any(char::is_control) {
            return Err(format!(
                "the app's share title must be at most {MAX_TITLE} characters of plain text"
            ));
        }
        let page = |query: &[(String, String)]| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish();
            match query.is_empty() {
                true => route.to_string(),
                false => format!("{route}?{query}"),
            }
        };
        let path = match (timeline, answered.path, answered.query) {
            (false, Some(path), None) => {
                parse_url(&self.app.manifest, &path)
                    .map_err(|e| format!("the app's share path `{path:.64}`: {e}"))?;
                path
            }
            (true, None, Some(q)) => page(
                &url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect::<Vec<_>>(),
            ),
            (_, None, None) => page(query),
            (false, _, Some(_)) => {
                return Err(
                    "a share of a page answers `path`, not `query` (that is the timeline's)".into(),
                );
            }
            (true, Some(_), _) => {
                return Err(
                    "a timeline share answers `query`, not `path` (it opens the page shared)"
                        .into(),
                );
            }
        };
        let image_url = answered
            .image_url
            .map(|image| self.share_image(image))
            .transpose()?;
        Ok(ShareCard {
            kind: if timeline { "timeline" } else { "app-message" },
            title,
            path,
            image_url,
        })
    }

    /// A share's picture: a file of the package or a temp file of this
    /// instance, else refused naming it.
    fn share_image(&self, image: String) -> Result<String, String> {
        let asset = image.trim_start_matches('/');
        if self.app.asset_paths.contains(asset) {
            return Ok(asset.to_string());
        }
        let temp = self
            .live
            .as_ref()
            .map(|live| live.store.data().device.temp.size(&image));
        match temp {
            Some(Ok(_)) => Ok(image),
            _ => Err(format!(
                "the app's share imageUrl `{image:.64}` is neither a file of the package nor a temp file of this instance"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_page_event_reads_as_the_protocol_writes_it_and_refuses_the_rest() {
        let scroll: ClientPageEvent = serde_json::from_value(json!({
            "kind": "scroll", "scrollTop": 10.5, "scrollHeight": 900, "viewportHeight": 600
        }))
        .unwrap();
        let expected = ClientPageEvent::Scroll {
            scroll_top: 10.5,
            scroll_height: 900.0,
            viewport_height: 600.0,
        };
        assert_eq!(scroll, expected);
        let pull: ClientPageEvent = serde_json::from_value(json!({"kind": "pull-down"})).unwrap();
        assert_eq!(pull, ClientPageEvent::PullDown {});
        for bad in [
            json!({"kind": "scroll", "scrollTop": 1}),
            json!({"kind": "pull-down", "extra": 1}),
            json!({"kind": "share", "from": "button"}),
            json!({"kind": "launch-missiles"}),
        ] {
            assert!(
                serde_json::from_value::<ClientPageEvent>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_number_of_px_must_be_finite_and_within_its_bound() {
        assert_eq!(px("scrollTop", 12.0, MAX_PX), Ok(12.0));
        for bad in [f64::NAN, f64::INFINITY, -1.0, MAX_PX * 2.0] {
            let refused = px("scrollTop", bad, MAX_PX).unwrap_err();
            assert!(
                refused.starts_with("scrollTop must be a number of px from 0 to"),
                "{refused}"
            );
        }
    }
}
