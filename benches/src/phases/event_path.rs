//! The steps of an event's cost on a live instance, each beside its
//! baseline measured in the same run, interleaved sample by sample (a
//! machine busier during one part of the run weighs on both alike):
//!
//! - `event_set_data`: an event whose handler sets one page data path
//!   (`tap`: the patch parsed and applied, the changed page rendered and
//!   diffed) against an event whose handler does nothing (`noop`: dispatch,
//!   metering, audit, fair slot, and the render of the unchanged page,
//!   which the runtime skips), on the same instance;
//! - `host_call_storage_get_vs_log`: one `storage.get` of a hot key
//!   against one constant host call of ours (`log.write` of a short debug
//!   line), each from an event making 1,000 calls minus a `noop` event, on
//!   the same instance (issue 23's row: storage get against a constant host
//!   call).
//!
//! Both need the bench example's `noop`, `tap`, `seed`, `get` and `log`
//! handlers.

use std::time::{Duration, Instant};

use miniapp_runtime::{AppInstance, Event, LaunchOptions};
use serde_json::json;

use super::{CALLS_PER_EVENT, Subject, tokio};
use crate::report::PhaseReport;

/// Rounds run before samples are kept.
const WARM_UP: usize = 50;

/// The time of each of `events` dispatched in turn on `instance`, `n`
/// rounds after the warm-up: one sample list per event.
async fn rounds(
    instance: &mut AppInstance,
    events: &[&Event],
    n: usize,
) -> anyhow::Result<Vec<Vec<Duration>>> {
    let mut samples = vec![Vec::with_capacity(n); events.len()];
    for round in 0..WARM_UP + n {
        for (event, kept) in events.iter().zip(&mut samples) {
            let start = Instant::now();
            instance.dispatch(event).await?;
            if round >= WARM_UP {
                kept.push(start.elapsed());
            }
        }
    }
    Ok(samples)
}

/// The median of `samples`.
fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// One host call per sample: each of `calls` less the median `noop`, over
/// the calls an event makes.
fn per_call(calls: &[Duration], noops: &[Duration]) -> Vec<Duration> {
    let floor = median(noops);
    (calls.iter())
        .map(|t| t.saturating_sub(floor) / CALLS_PER_EVENT)
        .collect()
}

impl Subject {
    /// `event_set_data` and `host_call_storage_get_vs_log` (see the module
    /// docs); `None` for an app without the bench example's handlers.
    pub fn event_path(&self, n: usize) -> anyhow::Result<Option<[PhaseReport; 2]>> {
        let noop = Event::new("index", "noop");
        let tap = Event::new("index", "tap");
        let calls = |handler: &str| {
            Event::new("index", handler).with_detail(json!({ "n": CALLS_PER_EVENT }))
        };
        let (get, log) = (calls("get"), calls("log"));
        if ![&noop, &tap, &get, &log]
            .into_iter()
            .all(|e| self.handles(e))
        {
            return Ok(None);
        }
        let rt = tokio();
        let mut instance = rt.block_on(self.app.launch(LaunchOptions::default()))?;
        rt.block_on(instance.dispatch(&Event::new("index", "seed")))?;
        let [taps, noops] = <[Vec<Duration>; 2]>::try_from(rt.block_on(rounds(
            &mut instance,
            &[&tap, &noop],
            n,
        ))?)
        .map_err(|_| anyhow::anyhow!("two sample lists"))?;
        let step = median(&taps).saturating_sub(median(&noops));
        let set_data = self.beside(
            "event_set_data",
            taps,
            ("noop-event-same-instance", noops),
            format!(
                "a tap setting one data path (parse, apply, render, diff) against a noop \
                 event on the same instance: {:.2} us more",
                step.as_nanos() as f64 / 1000.0,
            ),
        );
        let iterations = (n / 10).max(20);
        let [gets, logs, noops] = <[Vec<Duration>; 3]>::try_from(rt.block_on(rounds(
            &mut instance,
            &[&get, &log, &noop],
            iterations,
        ))?)
        .map_err(|_| anyhow::anyhow!("three sample lists"))?;
        let storage = self.beside(
            "host_call_storage_get_vs_log",
            per_call(&gets, &noops),
            ("host-call-log-ours", per_call(&logs, &noops)),
            "one storage.get of a hot key against one log.write (a constant host call of \
             ours), each from 1,000 calls in an event minus a noop event"
                .into(),
        );
        Ok(Some([set_data, storage]))
    }

    fn beside(
        &self,
        phase: &str,
        ours: Vec<Duration>,
        (name, base): (&str, Vec<Duration>),
        note: String,
    ) -> PhaseReport {
        let mut report = PhaseReport::timed(self.id(), phase, ours, Some((name, base)));
        report.note = Some(note);
        report
    }
}
