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
//! A typed page: each handler is a method of `Index`, bound by the name
//! the template uses.

use miniapp_sdk::{App, Input, PageData, Result, page, set};
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

impl Index {
    /// A tap handler ran: show it after the others.
    fn ran(&mut self, handler: &str) -> Result<()> {
        self.order.push(handler.to_string());
        set(IndexData::order(), &self.order)
    }
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

    #[handler("outerDown")]
    fn outer_down(&mut self) -> Result<()> {
        self.ran("outerDown")
    }

    #[handler("outerUp")]
    fn outer_up(&mut self) -> Result<()> {
        self.ran("outerUp")
    }

    #[handler("middleDown")]
    fn middle_down(&mut self) -> Result<()> {
        self.ran("middleDown")
    }

    #[handler("middleMut")]
    fn middle_mut(&mut self) -> Result<()> {
        self.ran("middleMut")
    }

    #[handler("innerMut")]
    fn inner_mut(&mut self) -> Result<()> {
        self.ran("innerMut")
    }

    #[handler("innerUp")]
    fn inner_up(&mut self) -> Result<()> {
        self.ran("innerUp")
    }

    #[handler("guardDown")]
    fn guard_down(&mut self) -> Result<()> {
        self.ran("guardDown")
    }

    #[handler("guardUp")]
    fn guard_up(&mut self) -> Result<()> {
        self.ran("guardUp")
    }

    #[handler("guardedUp")]
    fn guarded_up(&mut self) -> Result<()> {
        self.ran("guardedUp")
    }
}

miniapp_sdk::export_app!(Events, pages = [Index]);
