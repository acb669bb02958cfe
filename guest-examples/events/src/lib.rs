//! Events: WeChat's event phases and two-way binding. Each tap handler of
//! the nested views appends its name to `order`, so the page (and a test)
//! sees the order the host called them in: capture handlers root first,
//! then bubble handlers target first, a `capture-catch` stopping the rest,
//! and only the first `mut-bind` on the way. The inputs, the switch and
//! the slider are bound with `model:`: the host keeps `name`, `shout`,
//! `loud` and `level` in the page's data as the user changes them, before
//! any handler runs: the shout handler upper-cases what was typed, and
//! since it runs after the host set the typed value, the page keeps the
//! upper-case one.
//!
//! A typed page: its handlers are methods of `Index`, bound by the names
//! the template uses (the nine tap handlers by one method that records
//! which name it was called by).

use miniapp_sdk::{App, Event, Input, PageData, Result, page, set};
use serde::Serialize;

#[derive(Default)]
struct Events;

impl App for Events {}

/// The page's data.
#[derive(Default, Serialize, PageData)]
struct IndexData {
    /// The tap handlers called so far, in order.
    order: Vec<String>,
    name: String,
    shout: String,
    loud: bool,
    level: u32,
}

#[derive(Default)]
struct Index {
    order: Vec<String>,
}

#[page("index", data = IndexData)]
impl Index {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        miniapp_sdk::view::set_data(IndexData::default())
    }

    #[handler]
    fn shouted(&mut self, typed: Input) -> Result<()> {
        set(IndexData::shout(), typed.value.to_uppercase())
    }

    /// The nested views' tap handlers, each bound by its own name.
    #[handler(
        "outerDown",
        "outerUp",
        "middleDown",
        "middleMut",
        "innerMut",
        "innerUp",
        "guardDown",
        "guardUp",
        "guardedUp"
    )]
    fn tapped(&mut self, event: &Event) -> Result<()> {
        self.order.push(event.handler.clone());
        set(IndexData::order(), &self.order)
    }
}

miniapp_sdk::export_app!(Events, pages = [Index]);
