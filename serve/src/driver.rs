//! A session's driver: the task that delivers its instance's completions
//! (a timer falls due, a host call finishes) between client events, and
//! pushes what they show ([`Pushes`](crate::session::Pushes)).
//!
//! A session has a driver only while its instance has something pending
//! and is shown: [`Host::drive`] starts one after an action (an event,
//! opening, `show`) left timers or calls pending, and the driver stops as
//! soon as nothing is pending, the app is hidden, the instance is dropped
//! (evicted, trapped, killed, stale), the session ends or leaves this
//! node's table, or the node drains. Completions and events take turns on
//! the session's lock; each completion is admitted as an event is
//! ([`Host::admit`]), is a callback of its own (budget, audit, fair slot:
//! the runtime's [`AppInstance::complete_next`]), and its storage writes
//! are committed and made durable as an event's are. Completions do not
//! keep a session active: an instance without client events is evicted
//! after `idle`, and its timers end with it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use miniapp_runtime::{AppInstance, Wake};
use tokio::sync::Notify;

use crate::error::ApiError;
use crate::host::Host;
use crate::metrics::version_label;
use crate::session::{Session, State};

/// How often, at most, a driver asks the store whether another node applied
/// an event of its session (then the session lives there, and this node's
/// instance ends with its timers).
const MOVED_CHECK: Duration = Duration::from_secs(1);

/// How long a driver waits before trying again when its app's event queue
/// is full or the storage does not answer (the completions stay due
/// meanwhile).
const BUSY_PAUSE: Duration = Duration::from_millis(50);

/// A session's driver, as the session holds it.
#[derive(Default)]
pub struct Driver {
    /// Whether a driver task runs. Cleared by the task itself, under the
    /// session's lock, when it finds nothing to wait for; read by
    /// [`Host::drive`] after the session's lock was released.
    running: Mutex<bool>,
    /// Told when what the instance waits for may have changed.
    nudge: Notify,
}

impl Driver {
    fn running(&self) -> std::sync::MutexGuard<'_, bool> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a driver task runs now.
    pub fn is_running(&self) -> bool {
        *self.running()
    }

    /// Tell the driver, if one runs, to look again (an action set or
    /// cleared timers, the instance was dropped).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }
}

impl Host {
    /// After an action on `session` (its lock released): start its driver
    /// if its instance has something pending and none runs; else tell the
    /// running one to look again. Nothing on a draining node or for an
    /// ended session.
    pub fn drive(self: &Arc<Self>, session: &Arc<Session>) {
        if self.is_draining() || *session.ended.borrow() {
            return;
        }
        let mut running = session.driver.running();
        if *running {
            session.driver.nudge();
            return;
        }
        // Held by someone else now: the driver looks for itself.
        if let Ok(state) = session.state.try_lock()
            && waiting_for(self, session, &state).is_none()
        {
            return;
        }
        *running = true;
        tokio::spawn(run(self.clone(), session.clone()));
    }

    /// Deliver the next completion of `session` that is due, as a callback
    /// of its own, and push what it showed. One at a time: events take
    /// their turns on the session's lock between completions. With
    /// `moved_check`, an instance whose session another node took up (it
    /// applied an event there) is dropped instead, with its timers.
    async fn deliver(&self, session: &Session, moved_check: bool) {
        let Ok(_admitted) = self.admit(&session.app) else {
            return tokio::time::sleep(BUSY_PAUSE).await;
        };
        let mut state = session.state.lock().await;
        if self.drop_outdated(session, &mut state).await.is_err() {
            // The storage does not answer: not again at once.
            drop(state);
            return tokio::time::sleep(BUSY_PAUSE).await;
        }
        if session.is_hidden() {
            return;
        }
        if moved_check && self.moved(session, &mut state).await {
            return;
        }
        let Some(instance) = state.instance.as_mut() else {
            return;
        };
        instance.hold_storage_writes();
        let Some(outcome) = session.with_prompts(instance.complete_next()).await else {
            // Nothing was due after all (a call cancelled as it finished):
            // nothing is held.
            let _ = self.keep(session, &mut state, None, Ok(())).await;
            return;
        };
        let result = outcome.map_err(ApiError::from_runtime);
        let result = self.keep(session, &mut state, None, result).await;
        (self.metrics.completions)
            .get_or_create(&version_label(&state.app))
            .inc();
        let frames = crate::host::view_frames(&mut state, false);
        let drawn = session.prompts.take_drawn();
        let error = result.err().map(|e| e.json());
        if !frames.is_empty() || !drawn.is_empty() || error.is_some() {
            session.pushes.publish_drawn(frames, drawn, error);
        }
    }
}

impl Host {
    /// Whether another node applied an event of `session` since this node
    /// last did: then its instance here is dropped (the next event here
    /// relaunches it from storage, as for a stale one) and true. A store
    /// that does not answer is asked again at the next check.
    async fn moved(&self, session: &Session, state: &mut State) -> bool {
        match state.applied.applied_elsewhere(&self.storage).await {
            Ok(true) => {
                session.drop_instance(state);
                let _ = state.applied.read_again(&self.storage).await;
                true
            }
            Ok(false) | Err(_) => false,
        }
    }
}

/// The driver of `session`: wait for its instance's next completion,
/// deliver what is due, until nothing is pending.
async fn run(host: Arc<Host>, session: Arc<Session>) {
    let mut ended = session.ended.subscribe();
    let mut draining = host.draining.subscribe();
    let mut checked: Option<std::time::Instant> = None;
    loop {
        let wake = {
            let state = session.state.lock().await;
            match waiting_for(&host, &session, &state) {
                Some(wake) => wake,
                None => {
                    // Under the session's lock: an action that sets a timer
                    // after this finds no driver and starts one.
                    *session.driver.running() = false;
                    return;
                }
            }
        };
        let due = tokio::select! {
            () = wake.wait() => true,
            () = session.driver.nudge.notified() => false,
            _ = ended.wait_for(|ended| *ended) => break,
            _ = draining.wait_for(|draining| *draining) => break,
        };
        if due {
            // Boxed: a waiting driver holds only what it waits on (the
            // delivery's state, some 20 KiB in a debug build, only while
            // it runs).
            let check = checked.is_none_or(|at| at.elapsed() >= MOVED_CHECK);
            if check {
                checked = Some(std::time::Instant::now());
            }
            Box::pin(host.deliver(&session, check)).await;
        }
    }
    *session.driver.running() = false;
}

/// What `session`'s driver waits for: `None` when there is nothing to
/// deliver (no instance, hidden, nothing pending, or the session is no
/// longer this node's).
fn waiting_for(host: &Host, session: &Arc<Session>, state: &State) -> Option<Wake> {
    let instance: &AppInstance = state.instance.as_ref()?;
    let ours = host.sessions.get(&session.id);
    if session.is_hidden() || !ours.is_some_and(|s| Arc::ptr_eq(&s, session)) {
        return None;
    }
    let wake = instance.wake();
    let tasks = instance.budget().is_some_and(|b| b.pending_calls > 0);
    (wake.at().is_some() || tasks).then_some(wake)
}
