//! The phases of code that runs between events. `completion`: one timer
//! firing delivered through `AppInstance::complete_next` (its fair slot,
//! metering, audit and the render of an unchanged page) against one event on
//! the same instance, and against a bare wasmtime host calling the same
//! guest's `on-complete`. `timer_idle_memory`: what timers set and waiting
//! cost an idle instance. Both need the bench example's `tick`, `fired` and
//! `timers` handlers.

use std::time::Duration;

use miniapp_runtime::{AppInstance, Event, LaunchOptions};
use serde_json::json;

use super::{Subject, rss_kib, tokio, wit_event};
use crate::bare::{self, Outcome};
use crate::report::PhaseReport;

/// Timer firings a second the bench's policy allows the app under
/// benchmark (quota `timer_firings_per_second`, default 100), so that
/// `completion` delivers a 0 ms interval's firings without waiting for the
/// clock.
pub const FIRINGS_PER_SECOND: u32 = u32::MAX;

/// Pairs of an event and a completion run before the samples are kept.
const WARM_UP: usize = 100;

/// `index:tick`: a 0 ms interval whose callback changes no page data.
fn tick() -> Event {
    Event::new("index", "tick").with_detail(json!({ "ms": 0 }))
}

/// `index:timers`: `n` more one-hour timeouts.
fn timers(n: u32) -> Event {
    Event::new("index", "timers").with_detail(json!({ "n": n }))
}

/// `n` pairs after the warm-up: the time of one `event`, then of one
/// `completion`, on the same `subject` (interleaved, so that a machine
/// busier during one part of the run weighs on both alike).
async fn pairs<S>(
    subject: &mut S,
    n: usize,
    mut event: impl AsyncFnMut(&mut S) -> anyhow::Result<()>,
    mut completion: impl AsyncFnMut(&mut S) -> anyhow::Result<()>,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let mut events = Vec::with_capacity(n);
    let mut completions = Vec::with_capacity(n);
    for i in 0..WARM_UP + n {
        let start = std::time::Instant::now();
        event(subject).await?;
        let between = std::time::Instant::now();
        completion(subject).await?;
        if i >= WARM_UP {
            events.push(between - start);
            completions.push(between.elapsed());
        }
    }
    Ok((events, completions))
}

/// The median of `samples`, nanoseconds.
fn median_ns(samples: &[Duration]) -> u128 {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).map_or(0, Duration::as_nanos)
}

/// Deliver the completion that is due: the interval's next firing.
async fn deliver(instance: &mut AppInstance) -> anyhow::Result<()> {
    match instance.complete_next().await {
        Some(outcome) => Ok(outcome?),
        None => anyhow::bail!("no completion was due: the app's 0 ms interval did not fire"),
    }
}

/// What the live instances of `timer_idle_memory` hold, per instance.
struct Held {
    /// Resident memory of the process since before the launches, KiB.
    rss_kib: f64,
    /// Host memory the runtime accounts to the instance, bytes.
    host_bytes: f64,
    /// The instance's linear memories, bytes.
    linear_bytes: f64,
}

impl Held {
    fn of(instances: &[AppInstance], rss_before_kib: f64) -> Held {
        let live = instances.len().max(1) as f64;
        let host: u64 = instances.iter().map(|i| i.host_memory().0).sum();
        let used: u64 = instances.iter().map(AppInstance::memory_used).sum();
        Held {
            rss_kib: (rss_kib() - rss_before_kib) / live,
            host_bytes: host as f64 / live,
            linear_bytes: used.saturating_sub(host) as f64 / live,
        }
    }
}

impl Subject {
    /// `completion` and `completion_bare`: `n` firings of a 0 ms interval
    /// (`index:tick`), each delivered by `complete_next` as a callback of
    /// its own, interleaved with `n` `noop` events on the same instance;
    /// then the same with a bare wasmtime host calling the guest's
    /// `on-complete` and `on-event`. The app counts the firings it ran,
    /// and the phase fails unless it ran every one delivered.
    pub fn completion(&self, n: usize) -> anyhow::Result<Option<[PhaseReport; 2]>> {
        let noop = Event::new("index", "noop");
        if !self.handles(&tick()) || !self.handles(&noop) {
            return Ok(None);
        }
        let rt = tokio();
        let (events, completions) = rt.block_on(async {
            let mut instance = self.app.launch(LaunchOptions::default()).await?;
            instance.dispatch(&tick()).await?;
            let samples = pairs(
                &mut instance,
                n,
                async |i: &mut AppInstance| Ok(i.dispatch(&noop).await?),
                async |i: &mut AppInstance| deliver(i).await,
            )
            .await?;
            instance.dispatch(&Event::new("index", "fired")).await?;
            let fired = &instance.page_data()["fired"];
            anyhow::ensure!(
                fired.as_u64() == Some((WARM_UP + n) as u64),
                "the app ran {fired} interval callbacks of the {} completions delivered",
                WARM_UP + n
            );
            anyhow::Ok(samples)
        })?;
        let wit_noop = wit_event(&noop);
        // The bare host implements what the bench example calls; for
        // another app the baseline is left out.
        let base = rt
            .block_on(async {
                let mut bare = self
                    .bare
                    .launch_with_completions(&wit_event(&tick()))
                    .await?;
                let interval = bare.last_call();
                pairs(
                    &mut bare,
                    n,
                    async |b: &mut bare::Instance| b.dispatch(&wit_noop).await,
                    async |b: &mut bare::Instance| b.complete(interval, Outcome::Done).await,
                )
                .await
            })
            .map_err(|e| format!("{e:#}"));
        Ok(Some(self.completion_reports(events, completions, base)))
    }

    fn completion_reports(
        &self,
        events: Vec<Duration>,
        completions: Vec<Duration>,
        base: Result<(Vec<Duration>, Vec<Duration>), String>,
    ) -> [PhaseReport; 2] {
        let (ours, event) = (median_ns(&completions), median_ns(&events));
        let mut against_event = PhaseReport::timed(
            self.id(),
            "completion",
            completions.clone(),
            Some(("event", events)),
        );
        against_event.note = Some(format!(
            "a 0 ms interval's firing through complete_next (fair slot, metering, audit, \
             render of the unchanged page): {ours} ns, against a noop event on the same \
             instance, interleaved: {event} ns; timer_firings_per_second raised for the bench"
        ));
        let bare_event = base
            .as_ref()
            .map(|(events, _)| median_ns(events))
            .map_err(Clone::clone);
        let why = base.as_ref().err().cloned();
        let mut against_bare = self.beside_bare(
            "completion_bare",
            completions,
            base.ok().map(|(_, completions)| completions),
        );
        against_bare.note = Some(match (against_bare.baseline_p50_us, bare_event) {
            (Some(bare), Ok(bare_event)) => format!(
                "the same firing delivered to the same guest's on-complete by a bare wasmtime \
                 host: {:.0} ns; its noop on-event there: {bare_event} ns",
                bare * 1000.0
            ),
            _ => format!(
                "the bare host could not run this app's completions: {}",
                why.unwrap_or_else(|| "no baseline".into())
            ),
        });
        [against_event, against_bare]
    }

    /// `timer_idle_memory_K` for K = 1 and the app's timer quota: `live`
    /// idle instances (launched, first event handled, then an event that
    /// sets no timer), measured; then the same instances with K one-hour
    /// timeouts set and waiting, measured again. Resident memory per
    /// instance, beside the same instances with none; the note gives the
    /// difference per timer and the runtime's own accounting of it.
    pub fn timer_idle_memory(&self, live: usize) -> anyhow::Result<Option<Vec<PhaseReport>>> {
        if !self.handles(&timers(1)) {
            return Ok(None);
        }
        let quota = self.policy.quotas_for(self.id())?.timers;
        let mut counts = vec![1, quota];
        counts.dedup();
        let (_dir, app) = self.pooled(live, true)?;
        let rt = tokio();
        rt.block_on(async {
            let before = rss_kib();
            let mut kept = Vec::with_capacity(live);
            for _ in 0..live {
                let mut instance = app.launch(LaunchOptions::default()).await?;
                instance.dispatch(&self.event).await?;
                instance.dispatch(&timers(0)).await?;
                kept.push(instance);
            }
            let none = Held::of(&kept, before);
            let mut set = 0;
            let mut reports = Vec::new();
            for count in counts {
                for instance in &mut kept {
                    instance.dispatch(&timers(count - set)).await?;
                }
                set = count;
                let with = Held::of(&kept, before);
                reports.push(self.timer_memory_report(live, count, &none, &with));
            }
            drop(kept);
            Ok(Some(reports))
        })
    }

    fn timer_memory_report(
        &self,
        live: usize,
        count: u32,
        none: &Held,
        with: &Held,
    ) -> PhaseReport {
        let per_timer = |with: f64, none: f64| (with - none) / f64::from(count);
        let resident = (with.rss_kib - none.rss_kib) * 1024.0;
        let round = |kib: f64| (kib * 10.0).round() / 10.0;
        PhaseReport {
            app: self.id().to_string(),
            phase: format!("timer_idle_memory_{count}"),
            n: live,
            kib: Some(round(with.rss_kib)),
            baseline_kib: Some(round(none.rss_kib)),
            baseline: Some("no-timers".into()),
            ratio: (none.rss_kib > 0.0)
                .then(|| (with.rss_kib / none.rss_kib * 100.0).round() / 100.0),
            note: Some(format!(
                "resident per idle instance with {count} one-hour {} set, {live} live, against \
                 the same instances before: {resident:+.0} bytes each ({:+.0} per timer); the \
                 runtime accounts {:+.0} bytes of host memory per timer and {:+.0} bytes of \
                 guest linear memory per instance",
                if count == 1 { "timeout" } else { "timeouts" },
                resident / f64::from(count),
                per_timer(with.host_bytes, none.host_bytes),
                with.linear_bytes - none.linear_bytes,
            )),
            ..PhaseReport::default()
        }
    }
}
