//! `steady_event_recording`: what recording an instance's inputs for
//! replay (`miniapp_runtime::replay`) costs a steady event: the same event
//! on an instance of a runtime that records, against one of a runtime that
//! does not, interleaved in the same run (target: at most 1.05x).

use std::time::{Duration, Instant};

use miniapp_runtime::{Event, LaunchOptions, Runtime};

use super::{Subject, tokio};
use crate::report::PhaseReport;

/// Events run on both instances before the samples are kept.
const WARM_UP: usize = 100;

impl Subject {
    /// `steady_event_recording`: `n` events (`noop`, else the first event)
    /// on an instance that records, each beside one on an instance of the
    /// same app that does not (the baseline), alternating. The ring is
    /// sized to hold every sample's inputs, so each is recorded whole; the
    /// phase fails if it was not.
    pub fn steady_event_recording(&self, n: usize) -> anyhow::Result<PhaseReport> {
        let event = self.steady_subject_event();
        let mut policy = self.policy.clone();
        let app = policy.apps.entry(self.id().to_string()).or_default();
        app.quotas.recording_bytes = Some(u64::MAX);
        app.quotas.recording_entries = Some(u32::MAX);
        app.quotas.host_memory_bytes = Some(u64::MAX / 2);
        let recording = Runtime::builder(self.dir.path().join("recording"))
            .policy(policy.clone())
            .pooling(true)
            .max_live_instances(4)
            .recording(true)
            .build()?;
        let plain = Runtime::builder(self.dir.path().join("plain"))
            .policy(policy)
            .pooling(true)
            .max_live_instances(4)
            .build()?;
        let rt = tokio();
        let (ours, base) = rt.block_on(async {
            let options = LaunchOptions::default;
            let mut taped = recording
                .load(self.package.clone())?
                .launch(options())
                .await?;
            let mut bare = plain.load(self.package.clone())?.launch(options()).await?;
            let mut ours = Vec::with_capacity(n);
            let mut base = Vec::with_capacity(n);
            for i in 0..WARM_UP + n {
                let start = Instant::now();
                taped.dispatch(&event).await?;
                let between = Instant::now();
                bare.dispatch(&event).await?;
                if i >= WARM_UP {
                    ours.push(between - start);
                    base.push(between.elapsed());
                }
            }
            // An event the app refuses keeps the recording: whole, or the
            // samples did not all record.
            let refused = Event::new("index", "no-such-handler-in-the-bench");
            let note = match taped.dispatch(&refused).await {
                Ok(()) => Some("the app handles every event: the ring was not checked".into()),
                Err(_) => {
                    let kept = taped.take_recording();
                    let kept = kept.ok_or_else(|| anyhow::anyhow!("no recording was kept"))?;
                    if let Some(why) = kept.not_replayable {
                        anyhow::bail!("the ring did not hold the samples: {why}");
                    }
                    None
                }
            };
            anyhow::Ok(((ours, note), base))
        })?;
        let (ours, note) = ours;
        let base: Vec<Duration> = base;
        let mut report = PhaseReport::timed(
            self.id(),
            "steady_event_recording",
            ours,
            Some(("no-recording", base)),
        );
        report.note = note;
        Ok(report)
    }
}
