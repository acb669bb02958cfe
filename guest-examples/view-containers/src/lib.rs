//! View containers: `match-media` blocks that the simulator shows only
//! while the window matches them (a two-column layout from 500px wide, a
//! one-column one below, a landscape note, a portrait one at least 300px
//! tall), and one whose `min-width` the app lowers from 800px to 300px with
//! a button, so the block appears without a resize; a feed in a
//! scroll-view that reports its drags and is pulled to refresh: a pull past
//! 60px adds a fresh item and keeps the refresher open
//! (`refresher-triggered`) until Done closes it, a shorter one aborts; a
//! sheet (`page-container`) the app opens and closes (Close, or a tap on
//! its overlay), which writes each step it is told of; a toast in a
//! `root-portal` inside a box of no height, drawn at the page's root while
//! the portal is on and clipped away when it is off.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// The first bound of the `#sized` block, above every preset's width but
/// the largest's.
const FIRST_MIN_WIDTH: u32 = 800;
/// The bound the button sets, below every preset's width.
const LOWERED_MIN_WIDTH: u32 = 300;

/// The page-container's handlers, each a step it is told of, written as
/// the step's name.
const SHEET_STEPS: &[(&str, &str)] = &[
    ("beforeEnter", "beforeenter"),
    ("enter", "enter"),
    ("afterEnter", "afterenter"),
    ("beforeLeave", "beforeleave"),
    ("leave", "leave"),
    ("afterLeave", "afterleave"),
];

/// A scroll-view's drag detail, as WeChat sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dragged {
    scroll_top: f64,
}

/// A refresher event's detail: how far the scroll-view is pulled.
#[derive(Deserialize)]
struct Pulled {
    dy: f64,
}

#[derive(Default)]
struct ViewContainers {
    /// How many refreshes added an item.
    fresh: u32,
    /// The sheet's steps since it was last opened.
    steps: Vec<&'static str>,
    /// Whether the toast's root-portal is on.
    portal_off: bool,
    /// Taps on the toast.
    toast_taps: u32,
}

impl App for ViewContainers {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let items: Vec<String> = (1..=12).map(|n| format!("Post {n}")).collect();
        view::set_data(json!({
            "minWidth": FIRST_MIN_WIDTH,
            "items": items,
            "refreshing": false,
            "feedState": "idle",
            "dragState": "still",
            "sheet": false,
            "sheetSteps": "",
            "portal": true,
            "toastTaps": 0,
        }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "lower") => view::set("minWidth", LOWERED_MIN_WIDTH),
            ("index", "onDragStart") => {
                let at = event.detail_as::<Dragged>()?.scroll_top;
                view::set("dragState", format!("dragging from {at}"))
            }
            ("index", "onDragEnd") => {
                let at = event.detail_as::<Dragged>()?.scroll_top;
                view::set("dragState", format!("dragged to {at}"))
            }
            ("index", "onPulling") => {
                let dy = event.detail_as::<Pulled>()?.dy;
                view::set("feedState", format!("pulled {dy}"))
            }
            ("index", "onRefresh") => {
                self.fresh += 1;
                view::set_data(json!({
                    "refreshing": true,
                    "feedState": "refreshing",
                    "items[0]": format!("Fresh {}", self.fresh),
                }))
            }
            ("index", "refreshed") => view::set("refreshing", false),
            ("index", "onRestore") => view::set("feedState", "restored"),
            ("index", "onAbort") => {
                let dy = event.detail_as::<Pulled>()?.dy;
                view::set("feedState", format!("aborted at {dy}"))
            }
            ("index", "openSheet") => {
                self.steps.clear();
                view::set_data(json!({ "sheet": true, "sheetSteps": "" }))
            }
            ("index", "closeSheet") => view::set("sheet", false),
            ("index", "togglePortal") => {
                self.portal_off = !self.portal_off;
                view::set("portal", !self.portal_off)
            }
            ("index", "toastTapped") => {
                self.toast_taps += 1;
                view::set("toastTaps", self.toast_taps)
            }
            ("index", handler) if SHEET_STEPS.iter().any(|(h, _)| *h == handler) => {
                let step = SHEET_STEPS.iter().find(|(h, _)| *h == handler);
                self.steps.extend(step.map(|(_, name)| *name));
                view::set("sheetSteps", self.steps.join(" "))
            }
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler `{handler}` on page `{page}`"
            ))),
        }
    }
}

miniapp_sdk::export_app!(ViewContainers);
