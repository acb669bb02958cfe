//! What a run measured, as JSON or a short table.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::LoadArgs;
use super::metrics::Sample;
use super::tally::{Tally, ms};

/// What a run of `miniapp load` measured. The well-behaved sessions'
/// figures; the spinners' apart.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Well-behaved sessions opened (socket connected, first page received).
    pub sessions: usize,
    /// Well-behaved sessions asked for.
    pub sessions_wanted: usize,
    /// Seconds the events ran.
    pub duration_s: f64,
    /// Events answered `ok` (all of them, also after the deadline).
    pub events: u64,
    /// Events answered `ok` within the duration, per second.
    pub events_per_s: f64,
    /// Event latency (send to `result`, ok events), milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Errors: failed opens, `result` errors, socket closes, timeouts.
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Refusals: opens answered 429 (each try), results of kind `busy`.
    pub refused: u64,
    pub refused_by_kind: BTreeMap<String, u64>,
    /// Answers 429 `busy` (an open's, a socket upgrade's, an event's or a
    /// `refresh`'s `busy`), well-behaved sessions' and spinners': counted
    /// apart from errors and time-outs.
    pub busy_429: u64,
    /// Events and pages not answered within 30 s (errors of a `timeout`
    /// kind), spinners' included.
    pub timeouts: u64,
    /// Waits the sessions made on a 429's `Retry-After` before their next
    /// open or event, and their seconds in all (waiting, not latency: no
    /// refused event counts in the latencies).
    pub retry_waits: u64,
    pub retry_wait_s: f64,
    /// The first message of each error and refusal kind.
    pub error_examples: BTreeMap<String, String>,
    /// A new session's first view while the events run: `POST
    /// /v1/sessions` to its 201, for a session of a new user opened every
    /// 20 ms (then closed), milliseconds.
    pub first_view_p50_ms: f64,
    pub first_view_p99_ms: f64,
    /// First views measured.
    pub first_views: u64,
    /// The same for the sessions opened at the start, all at once (a burst
    /// of `--sessions` opens, 64 at a time, before any event).
    pub open_burst_p50_ms: f64,
    pub open_burst_p99_ms: f64,
    /// Opens the server answered `"start": "warm"`.
    pub warm_starts: u64,
    /// (Resident after all sessions opened − before) / sessions opened
    /// (spinners included), KiB; with --metrics.
    pub rss_kib_per_session: Option<f64>,
    pub rss_before_bytes: Option<f64>,
    pub rss_after_bytes: Option<f64>,
    /// `miniapp_sessions_live` after all sessions opened.
    pub sessions_live: Option<f64>,
    /// Spinner sessions opened.
    pub spinners: usize,
    /// Spinner taps answered (a trap or otherwise).
    pub spinner_events: u64,
    /// Spinner taps answered with a `trap`.
    pub spinner_traps: u64,
    /// Spinners' other errors and refusals.
    pub spinner_errors_by_kind: BTreeMap<String, u64>,
    /// `DELETE /v1/sessions/{id}` at the end that failed.
    pub cleanup_errors: u64,
}

impl Summary {
    pub(super) fn new(args: &LoadArgs, duration: Duration, tally: Tally, spin: Tally) -> Summary {
        let busy_429 = tally.refused.values().sum::<u64>() + spin.refused.values().sum::<u64>();
        let timeouts = timeouts(&tally.errors) + timeouts(&spin.errors);
        let mut spinner_errors = spin.errors.clone();
        spinner_errors.extend(spin.refused.clone());
        let mut examples = tally.examples.clone();
        examples.extend(
            spin.examples
                .iter()
                .map(|(k, v)| (format!("spinner {k}"), v.clone())),
        );
        Summary {
            sessions: 0,
            sessions_wanted: args.sessions,
            duration_s: duration.as_secs_f64(),
            events: tally.latency.len(),
            events_per_s: (tally.ok_in_window as f64 / duration.as_secs_f64() * 10.0).round()
                / 10.0,
            p50_ms: ms(&tally.latency, 0.5),
            p99_ms: ms(&tally.latency, 0.99),
            p999_ms: ms(&tally.latency, 0.999),
            max_ms: ms(&tally.latency, 1.0),
            errors: tally.errors.values().sum(),
            errors_by_kind: tally.errors,
            refused: tally.refused.values().sum(),
            busy_429,
            timeouts,
            retry_waits: tally.waits + spin.waits,
            retry_wait_s: ((tally.waited + spin.waited).as_secs_f64() * 10.0).round() / 10.0,
            refused_by_kind: tally.refused,
            error_examples: examples,
            first_view_p50_ms: 0.0,
            first_view_p99_ms: 0.0,
            first_views: 0,
            open_burst_p50_ms: ms(&tally.first_view, 0.5),
            open_burst_p99_ms: ms(&tally.first_view, 0.99),
            warm_starts: tally.warm,
            rss_kib_per_session: None,
            rss_before_bytes: None,
            rss_after_bytes: None,
            sessions_live: None,
            spinners: 0,
            spinner_events: spin.latency.len() + spin.traps,
            spinner_traps: spin.traps,
            spinner_errors_by_kind: spinner_errors,
            cleanup_errors: 0,
        }
    }

    /// The server's memory before and after opening `sessions`.
    pub(super) fn memory(&mut self, before: Sample, after: Sample, sessions: usize) {
        self.rss_before_bytes = Some(before.resident);
        self.rss_after_bytes = Some(after.resident);
        self.sessions_live = after.live;
        self.rss_kib_per_session = Some(kib_per(before, after, sessions));
    }

    /// The summary as a short table.
    pub fn table(&self) -> String {
        let mut rows = vec![
            format!(
                "sessions        {} of {} ({} warm starts), {} spinners",
                self.sessions, self.sessions_wanted, self.warm_starts, self.spinners
            ),
            format!(
                "events          {} ({:.1}/s over {:.1} s)",
                self.events, self.events_per_s, self.duration_s
            ),
            format!(
                "latency ms      p50 {:.2}  p99 {:.2}  p999 {:.2}  max {:.2}",
                self.p50_ms, self.p99_ms, self.p999_ms, self.max_ms
            ),
            format!(
                "first view ms   p50 {:.2}  p99 {:.2} ({} new users during the load)",
                self.first_view_p50_ms, self.first_view_p99_ms, self.first_views
            ),
            format!(
                "opening burst   p50 {:.2}  p99 {:.2} (the sessions, before the load)",
                self.open_burst_p50_ms, self.open_burst_p99_ms
            ),
            format!("errors          {}", self.errors),
            format!("refused         {}", self.refused),
            format!(
                "429 busy        {} ({} waits on Retry-After, {:.1} s in all); {} time-outs",
                self.busy_429, self.retry_waits, self.retry_wait_s, self.timeouts
            ),
        ];
        if let Some(kib) = self.rss_kib_per_session {
            let live = self.sessions_live.map_or("?".into(), |l| l.to_string());
            rows.push(format!(
                "rss per session {kib:.1} KiB (server: {live} live sessions)"
            ));
        }
        if self.spinners > 0 {
            rows.push(format!(
                "spinners        {} taps answered, {} traps",
                self.spinner_events, self.spinner_traps
            ));
        }
        let kinds = (self.errors_by_kind.iter())
            .chain(&self.refused_by_kind)
            .chain(&self.spinner_errors_by_kind);
        for (kind, n) in kinds {
            let example = self.example(kind);
            rows.push(format!("  {kind}: {n}  ({example})"));
        }
        rows.join("\n")
    }

    fn example(&self, kind: &str) -> &str {
        (self.error_examples.get(kind))
            .or_else(|| self.error_examples.get(&format!("spinner {kind}")))
            .map_or("", String::as_str)
    }
}

pub(super) fn kib_per(before: Sample, after: Sample, sessions: usize) -> f64 {
    let kib = (after.resident - before.resident) / 1024.0 / sessions.max(1) as f64;
    (kib * 10.0).round() / 10.0
}

/// Errors of a time-out kind (`timeout`, `first-page-timeout`).
fn timeouts(errors: &BTreeMap<String, u64>) -> u64 {
    (errors.iter())
        .filter(|(kind, _)| kind.ends_with("timeout"))
        .map(|(_, n)| n)
        .sum()
}
