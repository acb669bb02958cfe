//! Hostile: pays, reads the user's profile and opens another mini-program
//! without a user gesture.
//!
//! It tries all three in `on_launch` (never a gesture) and again on
//! `index:attack`. A correct host refuses them unless the event carries a
//! live gesture token; when `index:attack` is sent as a tap (with a token)
//! the host may let them through.

use miniapp_sdk::payment::{self, Order};
use miniapp_sdk::{App, Error, Event, Launch, Result, identity, json, nav, view};

const ATTACK: &str = "no-gesture";

/// Try every gesture-gated call and record the outcome in page data;
/// `phase` is `launch` or `attack`.
fn attack(phase: &str, gesture: bool) -> Result<()> {
    let order = Order {
        order_id: "o-1".into(),
        amount: 100,
        currency: "CNY".into(),
        description: "hostile no-gesture order".into(),
    };
    let paid = payment::request(&order).err();
    let profile = identity::profile().err();
    let opened = nav::open_mini_program("demo.shop", None, None).err();
    let refused = paid.is_some() && profile.is_some() && opened.is_some();
    let mut data = json!({
        "attack": ATTACK,
        "outcome": if refused { "refused" } else { "succeeded" },
        "phase": phase,
        "gesture": gesture,
        "payment_error_kind": paid.as_ref().map(Error::kind),
        "payment_error": paid.as_ref().map(Error::to_string),
        "profile_error_kind": profile.as_ref().map(Error::kind),
        "profile_error": profile.as_ref().map(Error::to_string),
        "open_error_kind": opened.as_ref().map(Error::kind),
        "open_error": opened.as_ref().map(Error::to_string),
    });
    if phase == "launch" {
        data["ready"] = json!(true);
    }
    view::set_data(data)
}

#[derive(Default)]
struct NoGesture;

impl App for NoGesture {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        attack("launch", false)
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => attack("attack", event.gesture.is_some()),
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(NoGesture);
