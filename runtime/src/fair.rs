//! Execution slots shared by weighted fair queueing across apps.
//!
//! Every guest call runs while it holds one of the runtime's slots (by
//! default one per core). When calls wait for a slot, the next free slot goes
//! to the app that has used the least slot time for its weight (start-time
//! fair queueing: each app has a virtual finish time, advanced by the time it
//! held a slot divided by its `cpu_weight`). A call that has used
//! [`crate::epoch::LONG_CALL`] of CPU gives its slot back at every epoch tick and
//! queues again, charged for what it used; long calls together hold at most
//! `slots - 1` slots, so one slot is always left to short calls and a busy
//! app's spinning call never makes another app's event wait a tick.
//!
//! Within an app, the calls of an instance that is launching (up to its
//! first render) go ahead of the app's other waiting calls: a new user's
//! first view waits for other apps' turns, not behind every event of its
//! own app's busy users. The app is charged for them as for any call.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::oneshot;

/// The runtime's execution slots.
pub(crate) struct FairSlots {
    state: Mutex<State>,
    slots: usize,
}

struct State {
    /// Slots nobody holds.
    free: usize,
    /// Slots held by long calls.
    long_held: usize,
    /// Calls waiting, all apps together.
    waiting: usize,
    /// The virtual time: the start tag of the last slot handed out.
    now: f64,
    /// Apps with calls waiting, or with a finish time ahead of `now`.
    apps: HashMap<Arc<str>, AppQueue>,
}

#[derive(Default)]
struct AppQueue {
    /// Virtual time at which this app's slot use so far ends.
    finish: f64,
    /// Short calls waiting (a new call), then long ones (a call that used
    /// its tick): short ones go first within the app.
    waiting: VecDeque<Waiter>,
}

struct Waiter {
    call: Call,
    weight: f64,
    send: oneshot::Sender<SlotPermit>,
}

/// What a call waiting for a slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// A call of an instance launching: ahead of its app's other calls.
    Launch,
    /// A new call of a running instance.
    Event,
    /// A call queueing again after running past its tick.
    Long,
}

/// One slot, held while a guest runs; dropping it charges the app for the
/// time held and hands the slot to the next waiter.
pub(crate) struct SlotPermit {
    slots: Arc<FairSlots>,
    app: Arc<str>,
    weight: f64,
    long: bool,
    since: Instant,
    /// Whether dropping it gives a slot back (not when it was never handed out).
    active: bool,
}

impl FairSlots {
    /// `slots` execution slots (at least 1).
    pub fn new(slots: usize) -> Arc<FairSlots> {
        let slots = slots.max(1);
        Arc::new(FairSlots {
            state: Mutex::new(State {
                free: slots,
                long_held: 0,
                waiting: 0,
                now: 0.0,
                apps: HashMap::new(),
            }),
            slots,
        })
    }

    /// Slots long calls may hold together: all but one (or the one there is).
    fn long_cap(&self) -> usize {
        (self.slots - 1).max(1)
    }

    /// A slot at once, if one is free and nobody waits.
    pub fn try_acquire(
        self: &Arc<Self>,
        app: &Arc<str>,
        weight: u32,
        call: Call,
    ) -> Option<SlotPermit> {
        let long = call == Call::Long;
        let mut state = self.lock();
        let free = state.waiting == 0 && state.free > 0;
        (free && (!long || state.long_held < self.long_cap()))
            .then(|| self.grant(&mut state, app.clone(), f64::from(weight.max(1)), long))
    }

    /// A slot for `call` of `app`, at once if one is free and nobody
    /// waits, else in fair order.
    pub async fn acquire(self: &Arc<Self>, app: &Arc<str>, weight: u32, call: Call) -> SlotPermit {
        let weight = f64::from(weight.max(1));
        let long = call == Call::Long;
        let receive = {
            let mut state = self.lock();
            if state.waiting == 0 && state.free > 0 && (!long || state.long_held < self.long_cap())
            {
                return self.grant(&mut state, app.clone(), weight, long);
            }
            let (send, receive) = oneshot::channel();
            let queue = state.apps.entry(app.clone()).or_default();
            let at = match call {
                Call::Launch => (queue.waiting.iter().position(|w| w.call != Call::Launch))
                    .unwrap_or(queue.waiting.len()),
                Call::Event | Call::Long => queue.waiting.len(),
            };
            queue.waiting.insert(at, Waiter { call, weight, send });
            state.waiting += 1;
            // A free slot the waiters ahead cannot take (long calls at
            // their cap) goes to this call at once, in fair order.
            self.hand_on(&mut state);
            receive
        };
        match receive.await {
            Ok(permit) => permit,
            // The sender is dropped only with the runtime: run without a slot.
            Err(_) => SlotPermit {
                slots: self.clone(),
                app: app.clone(),
                weight,
                long: false,
                since: Instant::now(),
                active: false,
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn grant(
        self: &Arc<Self>,
        state: &mut State,
        app: Arc<str>,
        weight: f64,
        long: bool,
    ) -> SlotPermit {
        state.free -= 1;
        if long {
            state.long_held += 1;
        }
        SlotPermit {
            slots: self.clone(),
            app,
            weight,
            long,
            since: Instant::now(),
            active: true,
        }
    }

    /// A slot came free: charge `done`'s app, then hand the slot to the
    /// waiting app with the smallest start tag (a long call only while
    /// long calls hold fewer than their cap).
    fn release(self: &Arc<Self>, done: &SlotPermit) {
        let mut state = self.lock();
        state.free += 1;
        if done.long {
            state.long_held -= 1;
        }
        if state.waiting == 0 {
            // Nobody competes: nothing to hand on, and no need to remember
            // this use (an app that was alone starts level when others come).
            return;
        }
        let used = done.since.elapsed().as_secs_f64() * 1e6 / done.weight;
        let now = state.now;
        let queue = state.apps.entry(done.app.clone()).or_default();
        queue.finish = queue.finish.max(now) + used;
        self.hand_on(&mut state);
        let now = state.now;
        state
            .apps
            .retain(|_, a| !a.waiting.is_empty() || a.finish > now);
    }

    fn hand_on(self: &Arc<Self>, state: &mut State) {
        while state.free > 0 {
            let long_allowed = state.long_held < self.long_cap();
            let now = state.now;
            let next = state
                .apps
                .iter()
                .filter(|(_, a)| (a.waiting.iter()).any(|w| w.call != Call::Long || long_allowed))
                .map(|(app, a)| (a.finish.max(now), app.clone()))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let Some((start, app)) = next else { return };
            let queue = state.apps.get_mut(&app).expect("present");
            let at = queue
                .waiting
                .iter()
                .position(|w| w.call != Call::Long || long_allowed)
                .expect("filtered");
            let waiter = queue.waiting.remove(at).expect("present");
            state.waiting -= 1;
            state.now = start;
            let long = waiter.call == Call::Long;
            let permit = self.grant(state, app, waiter.weight, long);
            if let Err(mut permit) = waiter.send.send(permit) {
                // The call stopped waiting (timed out, dropped): the slot
                // goes back without charging anyone.
                state.free += 1;
                if permit.long {
                    state.long_held -= 1;
                }
                permit.active = false;
            }
        }
    }
}

impl Drop for SlotPermit {
    fn drop(&mut self) {
        if self.active {
            let slots = self.slots.clone();
            slots.release(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_free_slot_is_granted_at_once_and_returned() {
        let slots = FairSlots::new(1);
        let app: Arc<str> = "a".into();
        let first = slots.acquire(&app, 100, Call::Event).await;
        drop(first);
        let _again = tokio::time::timeout(
            Duration::from_secs(1),
            slots.acquire(&app, 100, Call::Event),
        )
        .await
        .expect("the slot came back");
    }

    /// Two busy apps take turns, the one that used less first, whatever
    /// order they queued in.
    #[tokio::test]
    async fn the_app_that_used_less_goes_first() {
        let slots = FairSlots::new(1);
        let (heavy, light): (Arc<str>, Arc<str>) = ("heavy".into(), "light".into());
        // The heavy app holds the slot 5 ms while the light one waits.
        let held = slots.acquire(&heavy, 100, Call::Event).await;
        let waiting = tokio::spawn({
            let (slots, light) = (slots.clone(), light.clone());
            async move { slots.acquire(&light, 100, Call::Event).await }
        });
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(5));
        drop(held);
        let light_holds = waiting.await.unwrap();
        // Both queue again, the heavy one first: the light one goes first.
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for app in [heavy.clone(), light.clone()] {
            let (slots, order) = (slots.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = slots.acquire(&app, 100, Call::Event).await;
                order.lock().unwrap().push(app.to_string());
            }));
            tokio::task::yield_now().await;
        }
        drop(light_holds);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["light", "heavy"]);
    }

    /// A launching instance's call goes ahead of its app's waiting events
    /// (after other launches), not ahead of another app's turn.
    #[tokio::test]
    async fn a_launch_goes_ahead_of_its_apps_waiting_events() {
        let slots = FairSlots::new(1);
        let app: Arc<str> = "busy".into();
        let held = slots.acquire(&app, 100, Call::Event).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, call) in [
            ("event 1", Call::Event),
            ("launch 1", Call::Launch),
            ("event 2", Call::Event),
            ("launch 2", Call::Launch),
        ] {
            let (queued, app, order) = (slots.clone(), app.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = queued.acquire(&app, 100, call).await;
                order.lock().unwrap().push(name);
            }));
            while slots.lock().waiting < tasks.len() {
                tokio::task::yield_now().await;
            }
        }
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(order, ["launch 1", "launch 2", "event 1", "event 2"]);
    }

    /// Long calls never hold the last slot: a short call gets it.
    #[tokio::test]
    async fn long_calls_leave_a_slot_to_short_ones() {
        let slots = FairSlots::new(2);
        let spin: Arc<str> = "spin".into();
        let _long = slots.acquire(&spin, 100, Call::Long).await;
        let second_long = slots.acquire(&spin, 100, Call::Long);
        tokio::pin!(second_long);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut second_long)
                .await
                .is_err(),
            "a second long call waits"
        );
        let short: Arc<str> = "short".into();
        let _short = tokio::time::timeout(
            Duration::from_secs(1),
            slots.acquire(&short, 100, Call::Event),
        )
        .await
        .expect("the short call runs");
    }
}
