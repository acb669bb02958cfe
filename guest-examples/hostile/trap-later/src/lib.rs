//! Trap-later: a bug that shows only on the third tap. Each `tap` counts
//! into storage and the page; the third reads the count back from storage,
//! the wall clock and a random number, shows them on the page, then
//! panics naming them. `refuse` is refused (the app's own error). What a
//! recording of its session must replay: the same trap message and the
//! same page data, clock and random included.

use std::time::{SystemTime, UNIX_EPOCH};

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};

#[derive(Default)]
struct TrapLater;

impl App for TrapLater {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "taps": 0, "seen": "" }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "tap") => tap(),
            ("index", "refuse") => Err(Error::app("refused on purpose")),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

fn tap() -> Result<()> {
    let taps = storage::get::<u32>("taps")?.unwrap_or(0) + 1;
    storage::set("taps", &taps)?;
    view::set("taps", taps)?;
    if taps < 3 {
        return Ok(());
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    let millis = now.map(|d| d.as_millis()).unwrap_or_default();
    let random = wasip2::random::random::get_random_u64();
    let seen = format!("tap {taps} at {millis} ms, random {random}");
    view::set("seen", &seen)?;
    panic!("trap-later: {seen}");
}

miniapp_sdk::export_app!(TrapLater);
