//! Hostile: tries to get completions it should not, through the raw WIT
//! (the SDK's executor would ignore a stale id for it).
//!
//! - `index:attack`: sets a 0 ms timeout and cancels it at once (it must
//!   never complete); cancels ids it never got (0, the largest, one far
//!   ahead, and the next id the host will give), which the host ignores;
//!   sets a 0 ms timeout (`live_id`, the id after the cancelled one: the
//!   early cancel must not touch it) and a 600 s one (`other_id`); asks
//!   `http.take-response` for ids it never got (`never_got`: 0,
//!   `never_given`: the largest), for a call still pending (`pending`)
//!   and for the cancelled one (`cancelled`). Page data: the three ids,
//!   `outcome` (`refused` when every take was refused), and
//!   `<take>_error_kind`, `<take>_error` for each.
//! - `index:fetch` with detail `{"urls": [...]}`: `http.fetch-start` for
//!   each; page data `fetch_ids`.
//! - Every completion is journaled: its id, `outcome` and `why`
//!   ([`outcome_report`]), and what the app tried in it, in this order:
//!   the response of `other_id` (`take_other`) and of every other fetch
//!   (`take_fetches`), then of its own id (`take_own`: a timer has none;
//!   `{"taken": body}` when answered), and a `set-data` of
//!   `last_completion` on the page the call belongs to (`set_data`: `ok`,
//!   or the refusal).
//! - `index:leave`: sets a 600 s timeout on `index` and redirects to
//!   `away` (the call must end `cancelled`, and reach no page); page data
//!   of `away`: `left_call`. `away:back` redirects to a new `index`.
//! - `index:report`: page data `journal`, `left_call`, and `taken_after`:
//!   the refusal of `take-response` for each journaled id, asked again
//!   now that it was delivered.
//! - `index:trap`: sets a 0 ms timeout and a 1 ms interval, then traps:
//!   the next instance must not receive them.
//! - `index:pile`: sets 600 s timeouts on `index` until refused, then
//!   redirects to a new `index`: every one of them ends `cancelled` and
//!   waits to be delivered. Page data of the new page: `set`, and
//!   `error_kind`, `error` of the refusal. `index:tally`: page data
//!   `piled` (timers `index:pile` set, all events together), `received`
//!   (completions) and `unloaded` (those `cancelled("page unloaded")`).

use hostile_fixture::{RawAttack, add_errors, outcome_report, refusals, unknown_handler};
use miniapp_sdk::bindings::exports::miniapp::host::completions::Outcome;
use miniapp_sdk::bindings::miniapp::host::{http, pending};
use miniapp_sdk::{Error, Event, Result, Value, json, nav, view};

/// Timers `index:pile` tries to set at most (the host refuses far sooner).
const MOST: u32 = 100_000;

#[derive(Default)]
struct StaleCompletion {
    /// Every completion received, as [`StaleCompletion::complete`] saw it.
    journal: Vec<Value>,
    /// The 600 s timeout of `index:attack`: pending while others complete.
    other: Option<u64>,
    /// The calls `index:fetch` started.
    fetches: Vec<u64>,
    /// The timeout `index:leave` left behind.
    left: Option<u64>,
    /// Timers `index:pile` set, all events together.
    piled: u64,
}

/// The refusal of `http.take-response` for `id`, `None` if it answered.
fn take(id: u64) -> Option<Error> {
    http::take_response(id).err().map(Error::from)
}

/// A refusal as a journal reports it (`taken` when there was none).
fn kind(error: Option<Error>) -> Value {
    match error {
        Some(e) => json!({ "kind": e.kind(), "error": e.to_string() }),
        None => json!("taken"),
    }
}

/// `http.take-response` for `id` as a journal reports it: the body taken,
/// or the refusal.
fn taken(id: u64) -> Value {
    match http::take_response(id) {
        Ok(response) => json!({ "taken": String::from_utf8_lossy(&response.body) }),
        Err(e) => kind(Some(Error::from(e))),
    }
}

impl StaleCompletion {
    fn leave(&mut self) -> Result<()> {
        self.left = Some(pending::set_timeout(600_000).map_err(Error::from)?);
        nav::redirect_to("away")?;
        view::set_data(json!({ "left_call": self.left }))
    }

    fn report(&self) -> Result<()> {
        let taken_after: Vec<Value> = (self.journal.iter())
            .map(|entry| kind(take(entry["id"].as_u64().unwrap_or(0))))
            .collect();
        view::set_data(json!({
            "journal": self.journal,
            "left_call": self.left,
            "taken_after": taken_after,
        }))
    }

    fn fetch(&mut self, event: &Event) -> Result<()> {
        let urls = event.detail["urls"].as_array();
        let urls = urls.ok_or_else(|| Error::InvalidArgument("detail needs `urls`".into()))?;
        for url in urls {
            let url = url
                .as_str()
                .ok_or_else(|| Error::InvalidArgument(format!("{url} is not a URL")))?;
            let request = http::Request {
                method: http::Method::Get,
                url: url.to_owned(),
                headers: Vec::new(),
                body: None,
                timeout_ms: None,
            };
            self.fetches
                .push(http::fetch_start(&request).map_err(Error::from)?);
        }
        view::set_data(json!({ "fetch_ids": self.fetches }))
    }

    fn tally(&self) -> Result<()> {
        let unloaded = (self.journal.iter())
            .filter(|e| e["outcome"] == "cancelled" && e["why"] == "page unloaded")
            .count();
        view::set_data(json!({
            "piled": self.piled,
            "received": self.journal.len(),
            "unloaded": unloaded,
        }))
    }

    fn trap(&mut self) -> Result<()> {
        pending::set_timeout(0).map_err(Error::from)?;
        pending::set_interval(1).map_err(Error::from)?;
        panic!("stale-completion traps with two timers set");
    }

    fn pile(&mut self) -> Result<()> {
        let mut set = 0u32;
        let mut error = None;
        while set < MOST {
            match pending::set_timeout(600_000) {
                Ok(_) => {
                    set += 1;
                    self.piled += 1;
                }
                Err(e) => {
                    error = Some(Error::from(e));
                    break;
                }
            }
        }
        nav::redirect_to("index")?;
        let mut data = json!({ "set": set });
        add_errors(&mut data, [("", error.as_ref())]);
        view::set_data(data)
    }
}

impl RawAttack for StaleCompletion {
    const NAME: &'static str = "stale-completion";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let cancelled = pending::set_timeout(0).map_err(Error::from)?;
        pending::cancel(cancelled);
        for never_got in [0, u64::MAX, cancelled + 1_000, cancelled + 1] {
            pending::cancel(never_got);
        }
        let live = pending::set_timeout(0).map_err(Error::from)?;
        let other = pending::set_timeout(600_000).map_err(Error::from)?;
        self.other = Some(other);
        let takes = [
            ("never_got", take(0)),
            ("never_given", take(u64::MAX)),
            ("pending", take(live)),
            ("cancelled", take(cancelled)),
        ];
        let mut data = refusals(Self::NAME, takes.iter().map(|(n, e)| (*n, e.as_ref())));
        data["cancelled_id"] = json!(cancelled);
        data["live_id"] = json!(live);
        data["other_id"] = json!(other);
        view::set_data(data)
    }

    fn other(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "leave") => self.leave(),
            ("away", "back") => nav::redirect_to("index"),
            ("index", "report") => self.report(),
            ("index", "trap") => self.trap(),
            ("index", "pile") => self.pile(),
            ("index", "tally") => self.tally(),
            ("index", "fetch") => self.fetch(event),
            _ => Err(unknown_handler()),
        }
    }

    fn complete(&mut self, id: u64, outcome: &Outcome) -> Result<()> {
        let mut entry = outcome_report(outcome);
        entry["id"] = json!(id);
        entry["take_other"] = match self.other {
            Some(other) => kind(take(other)),
            None => Value::Null,
        };
        let others = self.fetches.iter().filter(|f| **f != id);
        entry["take_fetches"] = others.map(|f| kind(take(*f))).collect();
        entry["take_own"] = taken(id);
        entry["set_data"] = match view::set_data(json!({ "last_completion": id })) {
            Ok(()) => json!("ok"),
            Err(e) => kind(Some(e)),
        };
        self.journal.push(entry);
        Ok(())
    }
}

hostile_fixture::export_raw_attack!(StaleCompletion);
