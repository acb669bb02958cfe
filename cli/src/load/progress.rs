//! What a run is doing, said a line per phase and a line a second on a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a run is doing: its phase, and counts its tasks bump as they go.
pub(super) struct Progress {
    /// Prints a line (without the prefix the caller adds), if the run is
    /// shown; quiet, nothing is said.
    say: Option<fn(String)>,
    phase: std::sync::Mutex<Phase>,
    /// Sessions opened (spinners too).
    pub(super) opened: AtomicU64,
    /// Events answered ok (spinners' traps not).
    pub(super) answered: AtomicU64,
    /// Events answered with an error, and sessions ended by one.
    pub(super) errors: AtomicU64,
}

/// Where a run is.
#[derive(Clone, Copy)]
pub(super) enum Phase {
    Starting,
    Opening { wanted: usize },
    Events { start: Instant, duration: Duration },
    Closing,
}

impl Progress {
    /// Counted, never said.
    pub(super) fn quiet() -> Progress {
        Progress {
            say: None,
            phase: std::sync::Mutex::new(Phase::Starting),
            opened: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }
    }

    /// Said with `say`: a line as each phase starts, and a line a second
    /// from [`Progress::tick`].
    pub(super) fn shown(say: fn(String)) -> Progress {
        Progress {
            say: Some(say),
            ..Progress::quiet()
        }
    }

    /// Enter `phase`, saying `line`.
    pub(super) fn enter(&self, phase: Phase, line: String) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
        if let Some(say) = self.say {
            say(line);
        }
    }

    /// Say where the run is once a second (if shown), until aborted.
    pub(super) async fn tick(progress: Arc<Progress>) {
        let Some(say) = progress.say else {
            return;
        };
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let phase = *progress.phase.lock().unwrap_or_else(|e| e.into_inner());
            let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
            match phase {
                Phase::Opening { wanted } => {
                    say(format!(
                        "{} of {wanted} sessions opened",
                        count(&progress.opened)
                    ));
                }
                Phase::Events { start, duration } => say(format!(
                    "{:.0} of {} s: {} events answered ok, {} errors",
                    start.elapsed().as_secs_f64().min(duration.as_secs_f64()),
                    duration.as_secs_f64(),
                    count(&progress.answered),
                    count(&progress.errors),
                )),
                Phase::Starting | Phase::Closing => {}
            }
        }
    }
}
