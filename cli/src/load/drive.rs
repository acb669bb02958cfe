//! Driving the open sessions: events one after the other until the deadline, at the global rate if one is set.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use miniapp_protocol::client;
use tokio::task::JoinSet;

use super::plan::Plan;
use super::progress::Progress;
use super::socket::{Answer, FRAME_TIMEOUT, Session};
use super::tally::Tally;
use super::workload::Workload;

/// The end of the events, and the pace of all sessions' events.
struct Clock {
    deadline: Instant,
    /// With `--rate`: the gap between two events and when the next may go.
    rate: Option<(Duration, std::sync::Mutex<Instant>)>,
    /// Where answers and errors are counted as they come.
    progress: Arc<Progress>,
}

impl Clock {
    /// Wait for this event's turn at the global rate.
    async fn turn(&self) {
        let Some((gap, next)) = &self.rate else {
            return;
        };
        let at = {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + *gap;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// What the sessions did.
pub(super) struct Driven {
    pub(super) ids: Vec<String>,
    pub(super) tally: Tally,
    pub(super) spin_tally: Tally,
}

/// Drive every session until the duration is over (a well-behaved one
/// waits for its last result; a spinner stops at once), then close it.
pub(super) async fn drive_all(
    sessions: Vec<Session>,
    plan: &Plan,
    progress: &Arc<Progress>,
) -> Driven {
    let start = Instant::now();
    let clock = Arc::new(Clock {
        deadline: start + plan.duration,
        rate: (plan.rate).map(|r| (Duration::from_secs_f64(1.0 / r), start.into())),
        progress: Arc::clone(progress),
    });
    let mut set = JoinSet::new();
    for mut session in sessions {
        let clock = Arc::clone(&clock);
        set.spawn(async move {
            let mut tally = Tally::new();
            let spinner = session.workload == Workload::Spin;
            let stop = if spinner {
                clock.deadline
            } else {
                clock.deadline + 2 * FRAME_TIMEOUT
            };
            let driving = drive(&mut session, &mut tally, &clock);
            let _ = tokio::time::timeout_at(stop.into(), driving).await;
            let _ = tokio::time::timeout(Duration::from_secs(1), session.socket.close(None)).await;
            (session.id, spinner, tally)
        });
    }
    let mut driven = Driven {
        ids: Vec::new(),
        tally: Tally::new(),
        spin_tally: Tally::new(),
    };
    while let Some(Ok((id, spinner, tally))) = set.join_next().await {
        driven.ids.push(id);
        let into = if spinner {
            &mut driven.spin_tally
        } else {
            &mut driven.tally
        };
        *into = std::mem::replace(into, Tally::new()).and(tally);
    }
    driven
}

/// Send events one after the other until the deadline.
async fn drive(session: &mut Session, tally: &mut Tally, clock: &Clock) {
    while Instant::now() < clock.deadline {
        if session.workload != Workload::Spin {
            clock.turn().await;
        }
        let (action, step) = session.model.next(&mut session.rng, session.serial + 1);
        let (answer, latency) = session.event(&action).await;
        if let Answer::Result { refused, .. } = &answer {
            refused.count_in(tally, &session.id, &action);
            let n = refused.denied + refused.quota;
            clock.progress.errors.fetch_add(n, Ordering::Relaxed);
        }
        match answer {
            Answer::Result { ok: true, .. } => {
                tally.ok(latency, Instant::now() <= clock.deadline);
                clock.progress.answered.fetch_add(1, Ordering::Relaxed);
                session.model.applied(step);
            }
            Answer::Result { kind, .. } if kind == "trap" && session.workload == Workload::Spin => {
                tally.traps += 1;
            }
            Answer::Result {
                kind,
                message,
                retry_after,
                ..
            } => {
                let message = format!(
                    "session {}: {} {}: {message}",
                    session.id, action.kind, action.selector
                );
                if let Some(wait) = retry_after {
                    // Refused at once (429 `busy`): not applied, so nothing
                    // to take in again; the session waits as it is told.
                    tally.refusal(kind, message);
                    tally.waited(wait);
                    tokio::time::sleep(wait).await;
                    continue;
                }
                tally.error(kind, message);
                clock.progress.errors.fetch_add(1, Ordering::Relaxed);
                if session.workload != Workload::Spin && !resync(session, tally).await {
                    return;
                }
            }
            Answer::End { kind, message } => {
                tally.error(kind, message);
                clock.progress.errors.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// After a failed event: `refresh`, and take in the page it sends.
async fn resync(session: &mut Session, tally: &mut Tally) -> bool {
    if let Err(e) = session.send(client::refresh()).await {
        tally.error(
            "socket",
            format!("session {}: cannot send refresh: {e}", session.id),
        );
        return false;
    }
    match session.page(tally).await {
        Ok(()) => true,
        Err(Answer::End { kind, message } | Answer::Result { kind, message, .. }) => {
            tally.error(kind, message);
            false
        }
    }
}
