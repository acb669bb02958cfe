//! Hostile: a timer storm that feeds itself.
//!
//! On `index:attack` it sets 0 ms intervals and 0 ms timeouts, one of each
//! in turn, until the host refuses (the `timers` quota). From every
//! completion it sets two more 0 ms timeouts and one more 0 ms interval:
//! a timeout that fired has left the table, so one of them takes its
//! place and the storm never ends by itself. After `index:spin`, the next
//! completion spins without end.
//!
//! A correct host refuses the timers past the quota by name
//! (`quota-exceeded`, audited), delivers at most `timer_firings_per_second`
//! firings a second whatever is due, gives each completion an event's
//! budget (a spinning one traps on its fuel), and serves other apps
//! between the storm's callbacks.
//!
//! Page data after `index:attack`: `intervals` and `timeouts` set,
//! `outcome` (`refused` when the host refused one), `error_kind`, `error`.
//! After each completion: `completions` (received so far), `last_id`,
//! `rearmed` (timers set from completions), `rearm_refused` (refused
//! there), `rearm_error` (the last refusal).

use hostile_fixture::{RawAttack, add_errors, refused, unknown_handler};
use miniapp_sdk::bindings::exports::miniapp::host::completions::Outcome;
use miniapp_sdk::bindings::miniapp::host::pending;
use miniapp_sdk::{Error, Event, Result, json, view};

/// Timers the attack tries to set at most (the host refuses far sooner).
const MOST: u32 = 100_000;

#[derive(Default)]
struct TimerStorm {
    completions: u64,
    rearmed: u64,
    rearm_refused: u64,
    rearm_error: Option<Error>,
    spin: bool,
}

impl TimerStorm {
    /// Set one more 0 ms timer (an interval if `every`), counted.
    fn rearm(&mut self, every: bool) {
        let set = match every {
            true => pending::set_interval(0),
            false => pending::set_timeout(0),
        };
        match set.map_err(Error::from) {
            Ok(_) => self.rearmed += 1,
            Err(e) => {
                self.rearm_refused += 1;
                self.rearm_error = Some(e);
            }
        }
    }
}

impl RawAttack for TimerStorm {
    const NAME: &'static str = "timer-storm";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let (mut intervals, mut timeouts) = (0u32, 0u32);
        let mut error = None;
        for i in 0..MOST {
            let set = match i % 2 {
                0 => pending::set_interval(0).map(|_| intervals += 1),
                _ => pending::set_timeout(0).map(|_| timeouts += 1),
            };
            if let Err(e) = set {
                error = Some(Error::from(e));
                break;
            }
        }
        let mut data = match &error {
            Some(e) => refused(Self::NAME, e),
            None => json!({ "attack": Self::NAME, "outcome": "succeeded" }),
        };
        data["intervals"] = json!(intervals);
        data["timeouts"] = json!(timeouts);
        view::set_data(data)
    }

    fn other(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "spin") => {
                self.spin = true;
                Ok(())
            }
            _ => Err(unknown_handler()),
        }
    }

    fn complete(&mut self, id: u64, _outcome: &Outcome) -> Result<()> {
        self.completions += 1;
        if self.spin {
            // Only the host's budget ends this callback.
            let mut turns = 0u64;
            loop {
                turns = std::hint::black_box(turns.wrapping_add(1));
            }
        }
        self.rearm(false);
        self.rearm(false);
        self.rearm(true);
        let mut data = json!({
            "completions": self.completions,
            "last_id": id,
            "rearmed": self.rearmed,
            "rearm_refused": self.rearm_refused,
        });
        add_errors(&mut data, [("rearm", self.rearm_error.as_ref())]);
        view::set_data(data)
    }
}

hostile_fixture::export_raw_attack!(TimerStorm);
