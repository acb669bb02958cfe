//! The serve phase's reports: event latency alone and beside spinners, the rate, first views
//! and memory per active and per idle session.

use std::collections::BTreeMap;

use miniapp_benches::report::PhaseReport;

use crate::load::{IdleSummary, Summary};

/// The reports' app name.
const APP: &str = "serve";
/// Spinner sessions of the second load run.
pub(super) const SPINNERS: usize = 8;
/// Events per second in all of the paced overload run.
pub(super) const PACED_RATE: f64 = 1000.0;
/// Sessions of the closed loop the overload's rate is compared with.
pub(super) const FEW_SESSIONS: usize = 64;

/// The load runs: closed loop (as fast as answers come) and paced at
/// half that rate, each alone and beside spinners.
pub(super) struct Runs {
    pub(super) calm: Summary,
    pub(super) busy: Summary,
    pub(super) paced: Summary,
    pub(super) paced_busy: Summary,
    /// The sessions paced at [`PACED_RATE`].
    pub(super) paced_1000: Summary,
    /// [`FEW_SESSIONS`] in a closed loop.
    pub(super) few: Summary,
}

fn us(ms: f64) -> Option<f64> {
    Some((ms * 1000.0 * 100.0).round() / 100.0)
}

fn live(sessions: Option<f64>) -> String {
    sessions.map_or("server reports no live count".into(), |n| {
        format!("server: {n} live")
    })
}

fn counts(s: &Summary) -> String {
    let problems = problems(s.errors, s.refused, &s.errors_by_kind, &s.error_examples);
    format!(
        "{problems}; {} answered 429 ({:.1} s waited on Retry-After), {} time-outs",
        s.busy_429, s.retry_wait_s, s.timeouts
    )
}

/// Errors and refusals, with the most frequent error kind and its first
/// message.
fn problems(
    errors: u64,
    refused: u64,
    kinds: &BTreeMap<String, u64>,
    examples: &BTreeMap<String, String>,
) -> String {
    let mut text = format!("{errors} errors, {refused} refused");
    if let Some((kind, n)) = kinds.iter().max_by_key(|(_, n)| **n) {
        let example = examples.get(kind).map_or("", String::as_str);
        text.push_str(&format!(" (most: {n} {kind}: {example})"));
    }
    text
}

/// The phase's reports: event latency alone and beside spinners, the
/// rate, first views and memory per active and per idle session.
pub(super) fn reports(all: &Runs, idle: &IdleSummary) -> Vec<PhaseReport> {
    let (calm, busy) = (&all.calm, &all.busy);
    let runs = format!(
        "{} sessions over WebSockets, {:.0} s",
        calm.sessions, calm.duration_s
    );
    let paced = format!("{runs}, paced at {:.0} events/s", all.paced.events_per_s);
    let mut reports = vec![
        latency(
            calm,
            "serve_event",
            format!("{runs}; p999 {:.2} ms; {}", calm.p999_ms, counts(calm)),
        ),
        beside_spinners(calm, busy, "serve_event_spinners"),
        latency(
            &all.paced,
            "serve_event_paced",
            format!(
                "{paced}; p999 {:.2} ms; {}",
                all.paced.p999_ms,
                counts(&all.paced)
            ),
        ),
        beside_spinners(&all.paced, &all.paced_busy, "serve_event_paced_spinners"),
        PhaseReport {
            value: Some(calm.events_per_s),
            ..base(
                "serve_events_per_second",
                calm.sessions,
                format!(
                    "{runs}; beside {SPINNERS} spinners {:.0}/s",
                    busy.events_per_s
                ),
            )
        },
        first_view(&all.paced, "serve_first_view", &paced),
        first_view(
            calm,
            "serve_first_view_closed",
            &format!("{runs}, closed loop"),
        ),
    ];
    reports.extend(overload(all));
    reports.extend(memory(calm, idle));
    reports
}

/// The overload rows: the sessions paced at [`PACED_RATE`] (latency, with
/// 429s and time-outs), and the closed loop's rate against
/// [`FEW_SESSIONS`]' (ratio: the full run's events/s over theirs).
fn overload(all: &Runs) -> [PhaseReport; 2] {
    let (paced, calm, few) = (&all.paced_1000, &all.calm, &all.few);
    let paced_note = format!(
        "{} sessions over WebSockets, {:.0} s, paced at {PACED_RATE:.0} events/s in all \
         ({:.0}/s answered); p999 {:.2} ms; {}",
        paced.sessions,
        paced.duration_s,
        paced.events_per_s,
        paced.p999_ms,
        counts(paced)
    );
    let closed_note = format!(
        "{} sessions, closed loop, {:.0} s, against {} sessions ({:.0}/s, p99 {:.2} ms); {}",
        calm.sessions,
        calm.duration_s,
        few.sessions,
        few.events_per_s,
        few.p99_ms,
        counts(calm)
    );
    let ratio = (calm.events_per_s / few.events_per_s * 100.0).round() / 100.0;
    [
        PhaseReport {
            value: Some(paced.events_per_s),
            ..latency(paced, "serve_event_paced_1000", paced_note)
        },
        PhaseReport {
            value: Some(calm.events_per_s),
            baseline: Some(format!("serve-{}-sessions", few.sessions)),
            baseline_value: Some(few.events_per_s),
            baseline_p50_us: us(few.p50_ms),
            baseline_p99_us: us(few.p99_ms),
            baseline_n: Some(few.events as usize),
            ratio: (few.events_per_s > 0.0).then_some(ratio),
            ..latency(calm, "serve_overload_closed", closed_note)
        },
    ]
}

fn base(phase: &str, n: usize, note: String) -> PhaseReport {
    PhaseReport {
        app: APP.into(),
        phase: phase.into(),
        n,
        note: Some(note),
        ..PhaseReport::default()
    }
}

/// A new user's first view while a load run's events run.
fn first_view(s: &Summary, phase: &str, run: &str) -> PhaseReport {
    let note = format!(
        "POST /v1/sessions to its 201, a new user every 20 ms during the run ({run}); \
         the opening burst before it: p50 {:.2} ms, p99 {:.2} ms",
        s.open_burst_p50_ms, s.open_burst_p99_ms
    );
    PhaseReport {
        p50_us: us(s.first_view_p50_ms),
        p99_us: us(s.first_view_p99_ms),
        ..base(phase, s.first_views as usize, note)
    }
}

/// The event latency of a load run.
fn latency(s: &Summary, phase: &str, note: String) -> PhaseReport {
    PhaseReport {
        p50_us: us(s.p50_ms),
        p99_us: us(s.p99_ms),
        max_us: us(s.max_ms),
        ..base(phase, s.events as usize, note)
    }
}

/// The latency beside spinners; its ratio compares p99s: beside them
/// over without them.
fn beside_spinners(calm: &Summary, busy: &Summary, phase: &str) -> PhaseReport {
    let note = format!(
        "{SPINNERS} spinners, {} traps; p999 {:.2} ms; {}",
        busy.spinner_traps,
        busy.p999_ms,
        counts(busy)
    );
    let ratio = (busy.p99_ms / calm.p99_ms * 100.0).round() / 100.0;
    PhaseReport {
        baseline: Some("serve-no-spinners".into()),
        baseline_p50_us: us(calm.p50_ms),
        baseline_p99_us: us(calm.p99_ms),
        baseline_n: Some(calm.events as usize),
        ratio: (calm.p99_ms > 0.0).then_some(ratio),
        ..latency(busy, phase, note)
    }
}

/// Resident memory per session: with sockets and events, and idle.
fn memory(calm: &Summary, idle: &IdleSummary) -> [PhaseReport; 2] {
    let idle_note = format!(
        "POST only; first view p99 {:.2} ms; {}; {}",
        idle.first_view_p99_ms,
        problems(
            idle.errors,
            idle.refused,
            &idle.errors_by_kind,
            &idle.error_examples
        ),
        live(idle.sessions_live)
    );
    let note = format!(
        "resident after opening / sessions, sockets open; {}",
        live(calm.sessions_live)
    );
    [
        PhaseReport {
            kib: calm.rss_kib_per_session,
            ..base("serve_rss_per_session", calm.sessions, note)
        },
        PhaseReport {
            kib: Some(idle.rss_kib_per_session),
            ..base("serve_rss_idle_session", idle.sessions, idle_note)
        },
    ]
}
