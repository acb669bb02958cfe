//! Hostile: a toast loop.
//!
//! On `index:attack` it shows a toast, a loading toast and a navigation-bar
//! title in turn, in a tight loop, until the host refuses one; then it
//! sets a 0 ms interval, and from every firing it loops again the same
//! way. A page shows one toast at a time: a loop of them only floods the
//! host's UI layer and its clients.
//!
//! A correct host draws at most `host_ui_per_event` of them per callback
//! and refuses the rest by name (`quota-exceeded`, audited), gives each
//! completion a fresh allowance as it gives each event a fresh budget,
//! and serves other apps between the loop's callbacks.
//!
//! Page data after `index:attack`: `drawn` (calls the host accepted),
//! `outcome` (`refused` when it refused one), `error_kind`, `error`. After
//! each completion: `completions`, `drawn_last` (accepted in that
//! completion), `drawn_total` (in all of them), `loop_error_kind` and
//! `loop_error` (the last completion's refusal).

use hostile_fixture::{RawAttack, add_errors, refused};
use miniapp_sdk::bindings::exports::miniapp::host::completions::Outcome;
use miniapp_sdk::bindings::miniapp::host::pending;
use miniapp_sdk::feedback::{self, Toast};
use miniapp_sdk::{Error, Event, Result, frame, json, view};

/// Draws the loop tries at most in one callback (the host refuses far
/// sooner).
const MOST: u32 = 100_000;

/// Draw in a tight loop until the host refuses: how many it accepted,
/// and its refusal.
fn draw_until_refused() -> (u32, Option<Error>) {
    for i in 0..MOST {
        let drawn = match i % 3 {
            0 => feedback::show_toast(&Toast::new(format!("Toast {i}"))),
            1 => feedback::show_loading(&format!("Loading {i}"), true),
            _ => frame::set_navigation_bar_title(&format!("Title {i}")),
        };
        if let Err(e) = drawn {
            return (i, Some(e));
        }
    }
    (MOST, None)
}

#[derive(Default)]
struct ToastLoop {
    completions: u64,
    drawn_total: u64,
}

impl RawAttack for ToastLoop {
    const NAME: &'static str = "toast-loop";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let (drawn, error) = draw_until_refused();
        let mut data = match &error {
            Some(e) => refused(Self::NAME, e),
            None => json!({ "attack": Self::NAME, "outcome": "succeeded" }),
        };
        data["drawn"] = json!(drawn);
        pending::set_interval(0).map_err(Error::from)?;
        view::set_data(data)
    }

    fn complete(&mut self, _id: u64, _outcome: &Outcome) -> Result<()> {
        self.completions += 1;
        let (drawn, error) = draw_until_refused();
        self.drawn_total += u64::from(drawn);
        let mut data = json!({
            "completions": self.completions,
            "drawn_last": drawn,
            "drawn_total": self.drawn_total,
        });
        add_errors(&mut data, [("loop", error.as_ref())]);
        view::set_data(data)
    }
}

hostile_fixture::export_raw_attack!(ToastLoop);
