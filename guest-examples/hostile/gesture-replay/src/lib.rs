//! Hostile: replays one user gesture for many sensitive actions.
//!
//! On `index:attack` (sent as a tap, so it carries one gesture token) it
//! asks for 20 payments (distinct order ids), then reads the profile 3
//! times, then opens `demo.shop` 16 times, without stopping at a refusal.
//! On `index:late` (a tap too) it spends the gesture on one payment and
//! then reads the profile. Its page binds `late` three times around one
//! button: one tap there bubbles through three handlers, which must share
//! that tap's one gesture.
//!
//! A correct host lets one gesture authorize ONE sensitive action (one
//! payment sheet, one profile read or one app opening): on `index:attack`
//! the first payment goes through and every later call is refused with an
//! error value (`sensitive_ok == 1`); on `index:late` the profile read is
//! refused. A refusal never fails the handler: every outcome is counted in
//! page data.
//!
//! Page data after `index:attack` (`phase: "attack"`): `gesture`,
//! `paid`, `cancelled`, `payments_refused`, `payment_error_kind`,
//! `payment_error` (the first refusal), the same for profile reads
//! (`profiles`, `profiles_refused`, `profile_error_kind`, `profile_error`)
//! and openings (`opened`, `opens_refused`, `open_error_kind`,
//! `open_error`), `sensitive_ok` (successes of all kinds together) and
//! `outcome` (`"one-action"` if at most one call succeeded, else
//! `"replayed"`). After `index:late` (`phase: "late"`): `late_payment`
//! (`"paid"`, `"cancelled"` or `"refused"`), `late_payment_error_kind`,
//! `late_payment_error`, `late_profile` (`true` if read),
//! `late_profile_error_kind`, `late_profile_error` and `late_outcome`
//! (`"refused"` if the profile read was refused).

use hostile_fixture::{Attack, add_errors, unknown_handler};
use miniapp_sdk::payment::{self, Order, Outcome};
use miniapp_sdk::{Error, Event, Result, identity, json, nav, view};

const PAYMENTS: usize = 20;
const PROFILES: usize = 3;
const OPENS: usize = 16;
const TARGET: &str = "demo.shop";

/// Successes and refusals of one kind of sensitive call.
#[derive(Default)]
struct Tally {
    ok: usize,
    refused: usize,
    first_error: Option<Error>,
}

impl Tally {
    fn record<T>(&mut self, result: &Result<T>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(e) => {
                self.refused += 1;
                self.first_error.get_or_insert_with(|| e.clone());
            }
        }
    }

    fn error_kind(&self) -> Option<&'static str> {
        self.first_error.as_ref().map(Error::kind)
    }

    fn error(&self) -> Option<String> {
        self.first_error.as_ref().map(Error::to_string)
    }
}

fn order(id: &str) -> Order {
    Order {
        order_id: id.into(),
        amount: 100,
        currency: "CNY".into(),
        description: "hostile gesture-replay order".into(),
    }
}

/// One payment, then a profile read on the same (spent) gesture.
fn late(gesture: bool) -> Result<()> {
    let payment = payment::request(&order("late-1"));
    let profile = identity::profile();
    let mut data = json!({
        "attack": GestureReplay::NAME,
        "phase": "late",
        "gesture": gesture,
        "late_payment": match &payment {
            Ok(Outcome::Paid { .. }) => "paid",
            Ok(Outcome::Cancelled) => "cancelled",
            Err(_) => "refused",
        },
        "late_profile": profile.is_ok(),
        "late_outcome": if profile.is_err() { "refused" } else { "replayed" },
    });
    add_errors(
        &mut data,
        [
            ("late_payment", payment.as_ref().err()),
            ("late_profile", profile.as_ref().err()),
        ],
    );
    view::set_data(data)
}

#[derive(Default)]
struct GestureReplay;

impl Attack for GestureReplay {
    const NAME: &'static str = "gesture-replay";

    /// One tap, every sensitive call it can get.
    fn attack(&mut self, event: &Event) -> Result<()> {
        let gesture = event.gesture.is_some();
        let mut payments = Tally::default();
        let (mut paid, mut cancelled) = (0, 0);
        for i in 0..PAYMENTS {
            let result = payment::request(&order(&format!("replay-{i}")));
            match &result {
                Ok(Outcome::Paid { .. }) => paid += 1,
                Ok(Outcome::Cancelled) => cancelled += 1,
                Err(_) => {}
            }
            payments.record(&result);
        }
        let mut profiles = Tally::default();
        for _ in 0..PROFILES {
            profiles.record(&identity::profile());
        }
        let mut opens = Tally::default();
        for i in 0..OPENS {
            let path = format!("index?replay={i}");
            opens.record(&nav::open_mini_program(TARGET, Some(&path), None));
        }
        let sensitive_ok = payments.ok + profiles.ok + opens.ok;
        view::set_data(json!({
            "attack": GestureReplay::NAME,
            "phase": "attack",
            "gesture": gesture,
            "outcome": if sensitive_ok <= 1 { "one-action" } else { "replayed" },
            "sensitive_ok": sensitive_ok,
            "payments_tried": PAYMENTS,
            "paid": paid,
            "cancelled": cancelled,
            "payments_refused": payments.refused,
            "payment_error_kind": payments.error_kind(),
            "payment_error": payments.error(),
            "profiles_tried": PROFILES,
            "profiles": profiles.ok,
            "profiles_refused": profiles.refused,
            "profile_error_kind": profiles.error_kind(),
            "profile_error": profiles.error(),
            "opens_tried": OPENS,
            "opened": opens.ok,
            "opens_refused": opens.refused,
            "open_error_kind": opens.error_kind(),
            "open_error": opens.error(),
        }))
    }

    fn other(&mut self, handler: &str, event: &Event) -> Result<()> {
        match handler {
            "late" => late(event.gesture.is_some()),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(GestureReplay);
