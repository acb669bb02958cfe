//! Hostile: fills the log in every event while the host never drains it.
//!
//! On every `index:attack` (a test dispatches many without calling
//! `drain_logs`) it:
//! 1. prints `line`-byte lines with `println!` until half of the event's
//!    log budget is used (a printed line cannot be refused, so acceptance
//!    is measured by `quota::remaining().log_bytes_left` going down),
//! 2. writes `line`-byte lines through the log API until the host refuses
//!    one (the per-event volume limit),
//! 3. writes `empty` empty lines through the log API (0 bytes each, so a
//!    byte budget alone never stops them), stopping at the first refusal.
//!
//! Today's host bounds log bytes per event but keeps every undrained line:
//! an instance that is never drained grows its log without bound. A
//! correct host bounds the undrained lines (and bytes) of an instance:
//! after enough events it refuses API lines with `quota-exceeded` (never a
//! trap) and drops printed lines.
//!
//! Launch query (optional): `line`, bytes per line (default 1024), and
//! `empty`, empty lines per event (default 1000). Lines read
//! `e<event> print|api <n> xxx...`.
//!
//! The log API is called through the raw `log.write` import, since
//! `log::info` hides refusals.
//!
//! Page data after each event: `events` (handled so far),
//! `first_starved_event` (the first event in which no API line was
//! accepted, or `null`), `history` (lines accepted per event, all kinds),
//! `last` (this event: `event`, `log_bytes_left_start`, `print_lines`,
//! `print_bytes`, `print_dropped`, `api_lines`, `api_bytes`,
//! `api_refused`, `api_error_kind`, `api_error`, `empty_lines`,
//! `empty_refused`, `empty_error_kind`, `empty_error`) and `totals` (over
//! all events: `lines`, `bytes`, `print_lines`, `print_bytes`,
//! `print_dropped`, `api_lines`, `api_bytes`, `api_refused`,
//! `empty_lines`, `empty_refused`).

use miniapp_sdk::bindings::miniapp::host::log::{Level, write};
use std::ops::AddAssign;

use hostile_fixture::{Attack, query_number, ready};
use miniapp_sdk::{Error, Event, Launch, Result, json, quota, view};
use serde::Serialize;

const DEFAULT_LINE: usize = 1024;
const DEFAULT_EMPTY: usize = 1000;
/// Gives up on lines of one kind in one event past this many (so a host
/// with no limit still ends the event).
const MAX_LINES: usize = 100_000;

/// Lines and bytes of each kind, in one event or over all.
#[derive(Default, Clone, Copy, Serialize)]
struct Counts {
    print_lines: u64,
    print_bytes: u64,
    print_dropped: u64,
    api_lines: u64,
    api_bytes: u64,
    api_refused: u64,
    empty_lines: u64,
    empty_refused: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.print_lines += other.print_lines;
        self.print_bytes += other.print_bytes;
        self.print_dropped += other.print_dropped;
        self.api_lines += other.api_lines;
        self.api_bytes += other.api_bytes;
        self.api_refused += other.api_refused;
        self.empty_lines += other.empty_lines;
        self.empty_refused += other.empty_refused;
    }
}

/// What one event got logged.
#[derive(Default, Serialize)]
struct EventLog {
    event: u64,
    log_bytes_left_start: u64,
    #[serde(flatten)]
    counts: Counts,
    api_error_kind: Option<&'static str>,
    api_error: Option<String>,
    empty_error_kind: Option<&'static str>,
    empty_error: Option<String>,
}

/// Sums over all events.
#[derive(Default, Serialize)]
struct Totals {
    lines: u64,
    bytes: u64,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Default)]
struct LogHoarder {
    line: usize,
    empty: usize,
    events: u64,
    first_starved_event: Option<u64>,
    history: Vec<u64>,
    totals: Totals,
}

/// A line of exactly `len` bytes (or just the prefix, if longer).
fn line(event: u64, kind: &str, n: u64, len: usize) -> String {
    let mut text = format!("e{event} {kind} {n} ");
    if text.len() < len {
        text.extend(std::iter::repeat_n('x', len - text.len()));
    }
    text
}

impl Attack for LogHoarder {
    const NAME: &'static str = "log-hoarder";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        self.line = query_number(launch, "line").unwrap_or(DEFAULT_LINE).max(1);
        self.empty = query_number(launch, "empty").unwrap_or(DEFAULT_EMPTY);
        ready(
            Self::NAME,
            json!({ "line": self.line, "empty": self.empty }),
        )
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        self.events += 1;
        let event = self.events;
        let start = quota::remaining().log_bytes_left;
        let mut log = EventLog {
            event,
            log_bytes_left_start: start,
            ..EventLog::default()
        };
        let c = &mut log.counts;

        // 1. stdout, up to half the event's budget.
        let mut left = start;
        while start - left < start / 2 && (c.print_lines as usize) < MAX_LINES {
            println!("{}", line(event, "print", c.print_lines, self.line));
            let now = quota::remaining().log_bytes_left;
            if now < left {
                c.print_lines += 1;
                c.print_bytes += left - now;
                left = now;
            } else {
                c.print_dropped += 1;
                break;
            }
        }

        // 2. The log API, until refused.
        while (c.api_lines as usize) < MAX_LINES {
            let text = line(event, "api", c.api_lines, self.line);
            match write(Level::Info, &text).map_err(Error::from) {
                Ok(()) => {
                    c.api_lines += 1;
                    c.api_bytes += text.len() as u64;
                }
                Err(e) => {
                    c.api_refused += 1;
                    log.api_error_kind = Some(e.kind());
                    log.api_error = Some(e.to_string());
                    break;
                }
            }
        }

        // 3. Empty lines: free under a byte budget.
        for _ in 0..self.empty {
            match write(Level::Debug, "").map_err(Error::from) {
                Ok(()) => c.empty_lines += 1,
                Err(e) => {
                    c.empty_refused += 1;
                    log.empty_error_kind = Some(e.kind());
                    log.empty_error = Some(e.to_string());
                    break;
                }
            }
        }

        let c = log.counts;
        let accepted = c.print_lines + c.api_lines + c.empty_lines;
        self.totals.lines += accepted;
        self.totals.bytes += c.print_bytes + c.api_bytes;
        self.totals.counts += c;
        self.history.push(accepted);
        if c.api_lines == 0 && self.first_starved_event.is_none() {
            self.first_starved_event = Some(event);
        }
        view::set_data(json!({
            "attack": Self::NAME,
            "events": self.events,
            "first_starved_event": self.first_starved_event,
            "history": self.history,
            "last": log,
            "totals": self.totals,
        }))
    }
}

hostile_fixture::export_attack!(LogHoarder);
