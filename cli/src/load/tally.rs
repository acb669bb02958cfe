//! Counts and latencies of some sessions (a tally), merged at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Counts and latencies of some sessions, merged at the end.
pub(super) struct Tally {
    /// Ok events' latencies, microseconds.
    pub(super) latency: Histogram<u64>,
    /// First views, microseconds.
    pub(super) first_view: Histogram<u64>,
    pub(super) ok_in_window: u64,
    pub(super) warm: u64,
    pub(super) traps: u64,
    pub(super) errors: BTreeMap<String, u64>,
    pub(super) refused: BTreeMap<String, u64>,
    pub(super) examples: BTreeMap<String, String>,
    /// Waits a session made on a 429's `Retry-After` before going on, and
    /// their time in all.
    pub(super) waits: u64,
    pub(super) waited: Duration,
}

impl Tally {
    pub(super) fn new() -> Tally {
        let histogram =
            || Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        Tally {
            latency: histogram(),
            first_view: histogram(),
            ok_in_window: 0,
            warm: 0,
            traps: 0,
            errors: BTreeMap::new(),
            refused: BTreeMap::new(),
            examples: BTreeMap::new(),
            waits: 0,
            waited: Duration::ZERO,
        }
    }

    pub(super) fn error(&mut self, kind: impl Into<String>, message: impl Into<String>) {
        let kind = kind.into();
        *self.errors.entry(kind.clone()).or_default() += 1;
        self.examples.entry(kind).or_insert_with(|| message.into());
    }

    /// `n` errors of `kind` at once.
    pub(super) fn errors_of(&mut self, kind: &str, n: u64, message: impl Into<String>) {
        *self.errors.entry(kind.to_string()).or_default() += n;
        self.examples
            .entry(kind.to_string())
            .or_insert_with(|| message.into());
    }

    pub(super) fn refusal(&mut self, kind: impl Into<String>, message: impl Into<String>) {
        let kind = kind.into();
        *self.refused.entry(kind.clone()).or_default() += 1;
        self.examples.entry(kind).or_insert_with(|| message.into());
    }

    /// A wait of `wait` on a 429's `Retry-After`.
    pub(super) fn waited(&mut self, wait: Duration) {
        self.waits += 1;
        self.waited += wait;
    }

    pub(super) fn ok(&mut self, latency: Duration, in_window: bool) {
        self.latency.saturating_record(micros(latency));
        self.ok_in_window += u64::from(in_window);
    }

    /// Both tallies in one.
    pub(super) fn and(mut self, other: Tally) -> Tally {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latency.add(&other.latency);
        let _ = self.first_view.add(&other.first_view);
        self.ok_in_window += other.ok_in_window;
        self.warm += other.warm;
        self.traps += other.traps;
        self.waits += other.waits;
        self.waited += other.waited;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        for (kind, n) in other.refused {
            *self.refused.entry(kind).or_default() += n;
        }
        for (kind, message) in other.examples {
            self.examples.entry(kind).or_insert(message);
        }
        self
    }
}

pub(super) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// A quantile of `h` in milliseconds, to the microsecond.
pub(super) fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        return 0.0;
    }
    h.value_at_quantile(q) as f64 / 1000.0
}
