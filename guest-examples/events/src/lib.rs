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

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// An input's event detail, as WeChat sends it.
#[derive(Deserialize)]
struct Typed {
    value: String,
}

#[derive(Default)]
struct Events {
    /// The tap handlers called so far, in order.
    order: Vec<String>,
}

/// The tap handlers of the nested views.
const TAP_HANDLERS: &[&str] = &[
    "outerDown",
    "outerUp",
    "middleDown",
    "middleMut",
    "innerMut",
    "innerUp",
    "guardDown",
    "guardUp",
    "guardedUp",
];

impl App for Events {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "order": [], "name": "", "shout": "", "loud": false, "level": 0 }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "shouted") => {
                let typed = event.detail_as::<Typed>()?;
                view::set("shout", typed.value.to_uppercase())
            }
            ("index", handler) if TAP_HANDLERS.contains(&handler) => {
                self.order.push(handler.to_string());
                view::set("order", &self.order)
            }
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Events);
