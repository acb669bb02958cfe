//! Admission: how much work a node takes in before it refuses more.
//!
//! Each app has a queue of events waiting or running, and so has the node
//! (all apps together). A queue's bound is what it serves within the
//! latency budget at the rate it was measured to serve in the last second
//! (Little's law: bound = rate × budget), never below a floor (so an idle
//! app, whose rate reads 0, takes a burst, and the bound grows with the
//! rate it then serves) nor above the operator's ceiling (`--app-queue`,
//! `--node-queue`). Work past a bound is refused at once with 429 `busy`
//! and `Retry-After`: the seconds the queue takes to drain at its rate, at
//! least 1. Admitted work is answered within about the budget; nothing
//! waits unbounded until a client's deadline.
//!
//! One app's overload does not starve another's: when the node's queue is
//! full, only an app holding at least its even share of it (the node's
//! bound over the apps with work in it, rounded down) is refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How admission is sized (`docs/deploy.md`, "Admission").
#[derive(Debug, Clone, Copy)]
pub struct Sizing {
    /// How long admitted work may wait and run (default 200 ms): a queue's
    /// bound is its measured rate times this.
    pub budget: Duration,
    /// The most events one app may have waiting or running (`--app-queue`,
    /// default 512).
    pub app_ceiling: usize,
    /// The most events the node may have waiting or running
    /// (`--node-queue`, default 2,048).
    pub node_ceiling: usize,
    /// The smallest bound of a queue (default 64 for an app, 128 for the
    /// node, each at most its ceiling).
    pub app_floor: usize,
    /// See `app_floor`.
    pub node_floor: usize,
}

impl Default for Sizing {
    fn default() -> Self {
        Sizing {
            budget: Duration::from_millis(200),
            app_ceiling: 512,
            node_ceiling: 2048,
            app_floor: 64,
            node_floor: 128,
        }
    }
}

/// Why work was refused: which queue was full, its bound, and the seconds
/// to wait before retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full {
    /// `app` or `node`.
    pub queue: &'static str,
    /// The queue's bound when it refused.
    pub bound: usize,
    /// Seconds to wait (`Retry-After`): the queue's drain time, at least 1.
    pub retry_after: u32,
}

/// The admission queues of a node.
pub struct Admission {
    sizing: Sizing,
    started: Instant,
    queues: Mutex<Queues>,
}

#[derive(Default)]
struct Queues {
    apps: HashMap<String, Queue>,
    node: Queue,
}

/// One queue: the work in it, and what it served lately.
#[derive(Default)]
struct Queue {
    held: usize,
    served: Served,
}

/// Width of one bucket of the served counts.
const BUCKET_MS: u64 = 125;
/// Buckets in the window the rate is measured over (1 s).
const BUCKETS: usize = 8;

/// Work finished per bucket over the last second: a ring.
#[derive(Default)]
struct Served {
    counts: [u32; BUCKETS],
    /// The bucket the ring's newest count is in.
    at: u64,
}

impl Served {
    /// Move the ring to bucket `now`, zeroing the buckets passed.
    fn advance(&mut self, now: u64) {
        if now <= self.at {
            return;
        }
        let passed = (now - self.at).min(BUCKETS as u64);
        for step in 1..=passed {
            self.counts[((self.at + step) % BUCKETS as u64) as usize] = 0;
        }
        self.at = now;
    }

    fn count(&mut self, now: u64) {
        self.advance(now);
        let slot = &mut self.counts[(now % BUCKETS as u64) as usize];
        *slot = slot.saturating_add(1);
    }

    /// Work finished per second, over the last second.
    fn rate(&mut self, now: u64) -> f64 {
        self.advance(now);
        let sum: u64 = self.counts.iter().map(|&n| u64::from(n)).sum();
        sum as f64 * 1000.0 / (BUCKET_MS * BUCKETS as u64) as f64
    }
}

impl Queue {
    /// Its bound now, and the seconds it takes to drain when full: at its
    /// measured rate, or at the rate its floor assumes (the floor within
    /// the budget) when that is higher (an app idle until now reads 0).
    fn bound(&mut self, now: u64, budget: Duration, floor: usize, ceiling: usize) -> (usize, u32) {
        let rate = self.served.rate(now);
        let floor = floor.min(ceiling);
        let bound = ((rate * budget.as_secs_f64()) as usize).clamp(floor, ceiling);
        let assumed = floor as f64 / budget.as_secs_f64().max(0.001);
        let drain = (bound as f64 / rate.max(assumed)).ceil();
        (bound, (drain as u32).max(1))
    }
}

impl Admission {
    /// Queues sized by `sizing`.
    pub fn new(sizing: Sizing) -> Admission {
        let sizing = Sizing {
            app_ceiling: sizing.app_ceiling.max(1),
            node_ceiling: sizing.node_ceiling.max(1),
            app_floor: sizing.app_floor.max(1),
            node_floor: sizing.node_floor.max(1),
            ..sizing
        };
        Admission {
            sizing,
            started: Instant::now(),
            queues: Mutex::default(),
        }
    }

    /// How the queues are sized.
    pub fn sizing(&self) -> Sizing {
        self.sizing
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bucket(&self) -> u64 {
        self.started.elapsed().as_millis() as u64 / BUCKET_MS
    }

    /// Take one piece of work of `app` in: the work the app then holds, or
    /// which queue is full.
    pub fn enter(&self, app: &str) -> Result<usize, Full> {
        self.enter_at(app, self.bucket())
    }

    fn enter_at(&self, app: &str, now: u64) -> Result<usize, Full> {
        let s = self.sizing;
        let mut queues = self.lock();
        let Queues { apps, node } = &mut *queues;
        let (node_bound, node_drain) = node.bound(now, s.budget, s.node_floor, s.node_ceiling);
        let node_held = node.held;
        let busy_apps = apps.values().filter(|q| q.held > 0).count();
        let queue = apps.entry(app.to_string()).or_default();
        let (bound, drain) = queue.bound(now, s.budget, s.app_floor, s.app_ceiling);
        if queue.held >= bound {
            return Err(Full {
                queue: "app",
                bound,
                retry_after: drain,
            });
        }
        // Its even share: the node's bound over the apps with work in it,
        // this one included (none when there are more such apps than
        // places).
        let sharing = busy_apps + usize::from(queue.held == 0);
        let share = node_bound / sharing.max(1);
        if node_held >= node_bound && queue.held >= share {
            return Err(Full {
                queue: "node",
                bound: node_bound,
                retry_after: node_drain,
            });
        }
        queue.held += 1;
        let held = queue.held;
        node.held += 1;
        Ok(held)
    }

    /// One piece of work of `app` left (answered, or failed: it held its
    /// place as long): the work the app still holds. Each counts in the
    /// rates served.
    pub fn leave(&self, app: &str) -> usize {
        self.leave_at(app, self.bucket())
    }

    fn leave_at(&self, app: &str, now: u64) -> usize {
        let mut queues = self.lock();
        let Queues { apps, node } = &mut *queues;
        node.held = node.held.saturating_sub(1);
        node.served.count(now);
        let Some(queue) = apps.get_mut(app) else {
            return 0;
        };
        queue.held = queue.held.saturating_sub(1);
        queue.served.count(now);
        let held = queue.held;
        if held == 0 && queue.served.rate(now) == 0.0 {
            apps.remove(app);
        }
        held
    }

    /// The bound of `app`'s queue now.
    pub fn app_bound(&self, app: &str) -> usize {
        self.app_bound_at(app, self.bucket())
    }

    fn app_bound_at(&self, app: &str, now: u64) -> usize {
        let s = self.sizing;
        let mut queues = self.lock();
        match queues.apps.get_mut(app) {
            Some(queue) => queue.bound(now, s.budget, s.app_floor, s.app_ceiling).0,
            None => s.app_floor.min(s.app_ceiling),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sized(app_ceiling: usize, node_ceiling: usize) -> Admission {
        Admission::new(Sizing {
            budget: Duration::from_millis(200),
            app_ceiling,
            node_ceiling,
            app_floor: 2,
            node_floor: 3,
        })
    }

    /// An app past its bound is refused at once, saying to wait at least
    /// a second; its leaving work makes room again.
    #[test]
    fn an_app_past_its_bound_is_refused_until_work_leaves() {
        let admission = sized(512, 2048);
        assert_eq!(admission.enter("a"), Ok(1));
        assert_eq!(admission.enter("a"), Ok(2));
        let full = admission.enter("a").unwrap_err();
        assert_eq!((full.queue, full.bound), ("app", 2));
        assert!(full.retry_after >= 1);
        admission.leave("a");
        assert_eq!(admission.enter("a"), Ok(2));
    }

    /// The node's queue full refuses the app holding most of it, not an
    /// app with less than its share.
    #[test]
    fn a_full_node_refuses_the_app_over_its_share_only() {
        let admission = Admission::new(Sizing {
            app_floor: 4,
            node_floor: 4,
            ..Sizing::default()
        });
        for _ in 0..4 {
            admission.enter("spin").unwrap();
        }
        let full = admission.enter("spin").unwrap_err();
        assert_eq!(full.queue, "app");
        assert_eq!(admission.enter("todo"), Ok(1), "an app with nothing held");
        assert_eq!(admission.enter("todo"), Ok(2), "still within its half");
        assert_eq!(admission.enter("todo").unwrap_err().queue, "node");
    }

    /// A node of one place, held: a second app holds its share of none.
    #[test]
    fn a_node_of_fewer_places_than_apps_refuses_the_newcomer() {
        let admission = sized(4, 1);
        admission.enter("a").unwrap();
        let full = admission.enter("b").unwrap_err();
        assert_eq!((full.queue, full.bound), ("node", 1));
    }

    /// The ceiling holds whatever the rate, and the floor is never above it.
    #[test]
    fn the_ceiling_bounds_every_queue() {
        let admission = sized(1, 2048);
        assert_eq!(admission.app_bound("a"), 1);
        admission.enter("a").unwrap();
        assert_eq!(admission.enter("a").unwrap_err().bound, 1);
        for _ in 0..10_000 {
            admission.leave("a");
            admission.enter("a").unwrap();
        }
        assert_eq!(admission.app_bound("a"), 1);
    }

    /// Work answered in the last second raises the bound to rate × budget.
    #[test]
    fn the_bound_follows_the_rate_served() {
        let admission = sized(512, 2048);
        for _ in 0..1000 {
            admission.enter_at("a", 40).unwrap();
            admission.leave_at("a", 40);
        }
        // 1,000 answered within the last second: 1,000/s × 200 ms; the
        // drain time of a full queue is then under a second, said as 1.
        assert_eq!(admission.app_bound_at("a", 41), 200);
        for _ in 0..200 {
            admission.enter_at("a", 41).unwrap();
        }
        let full = admission.enter_at("a", 41).unwrap_err();
        assert_eq!((full.bound, full.retry_after), (200, 1));
        // A second without answers: back to the floor.
        assert_eq!(admission.app_bound_at("a", 41 + BUCKETS as u64), 2);
    }
}
