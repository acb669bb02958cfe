//! Hostile: pays, reads the user's profile and opens another mini-program
//! without a user gesture.
//!
//! It tries all three in `on_launch` (never a gesture) and again on
//! `index:attack`. A correct host refuses them unless the event carries a
//! live gesture token; when `index:attack` is sent as a tap (with a token)
//! the host may let them through.

use hostile_fixture::{Attack, refusals};
use miniapp_sdk::payment::{self, Order};
use miniapp_sdk::{Event, Launch, Result, identity, json, nav, view};

#[derive(Default)]
struct NoGesture;

impl Attack for NoGesture {
    const NAME: &'static str = "no-gesture";

    fn launch(&mut self, _launch: &Launch) -> Result<()> {
        try_gated("launch", false)
    }

    fn attack(&mut self, event: &Event) -> Result<()> {
        try_gated("attack", event.gesture.is_some())
    }
}

/// Try every gesture-gated call and record the outcome in page data;
/// `phase` is `launch` or `attack`.
fn try_gated(phase: &str, gesture: bool) -> Result<()> {
    let order = Order {
        order_id: "o-1".into(),
        amount: 100,
        currency: "CNY".into(),
        description: "hostile no-gesture order".into(),
    };
    let paid = payment::request(&order).err();
    let profile = identity::profile().err();
    let opened = nav::open_mini_program("demo.shop", None, None).err();
    let mut data = refusals(
        NoGesture::NAME,
        [("payment", &paid), ("profile", &profile), ("open", &opened)],
    );
    data["phase"] = json!(phase);
    data["gesture"] = json!(gesture);
    if phase == "launch" {
        data["ready"] = json!(true);
    }
    view::set_data(data)
}

hostile_fixture::export_attack!(NoGesture);
