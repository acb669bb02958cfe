//! Timers, as WeChat's `setTimeout`, `setInterval`, `clearTimeout` and
//! `clearInterval`, and [`sleep`] for tasks.
//!
//! A timer's callback runs in a host call of its own (a completion), with
//! the budget of an event, after the callbacks that came before it. The host
//! runs timers only while the app is shown (hiding it pauses them), bounds
//! how many may be set at once (a refusal is an
//! [`Error::QuotaExceeded`]), and ends a page's timers when the page leaves
//! the stack: the callback of such a timer is dropped without being called,
//! and a [`sleep`] resolves with [`Error::Cancelled`].
//!
//! ```ignore
//! use miniapp_sdk::{timer, view};
//!
//! // Count down from 10, once a second, and stop at 0.
//! let mut left = 10;
//! let id = timer::set_interval(1_000, move || {
//!     left -= 1;
//!     view::set("left", left)
//! })?;
//! timer::set_timeout(10_000, move || {
//!     timer::clear_interval(id);
//!     Ok(())
//! })?;
//! ```

use std::cell::RefCell;
use std::future::Future;

use crate::pending::{self, CallId};
use crate::task::{self, IdMap, TaskId};
use crate::{Error, Result};

/// A timer set by [`set_timeout`] or [`set_interval`], for
/// [`clear_timeout`] and [`clear_interval`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(CallId);

impl TimerId {
    /// The host's id of the timer (never reused within an instance).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Wait `ms` milliseconds (the host's `set-timeout`, started when the future
/// is first polled). Resolves with [`Error::Cancelled`] if the host ends the
/// timer first (its page left the stack), or with the host's refusal (too
/// many timers). Dropping the future clears the timer.
///
/// ```ignore
/// task::spawn(async {
///     timer::sleep(500).await?;
///     view::set("shown", true)
/// });
/// ```
pub async fn sleep(ms: u32) -> Result<()> {
    task::completion(pending::set_timeout(ms)?).await
}

/// Call `f` once, `ms` milliseconds from now (WeChat's `setTimeout`).
/// Refused by the host past the app's timer quota. If the timer is cleared,
/// or ended because its page left the stack, `f` is dropped uncalled.
#[doc(alias = "setTimeout")]
pub fn set_timeout(ms: u32, f: impl FnOnce() -> Result<()> + 'static) -> Result<TimerId> {
    let call = task::completion(pending::set_timeout(ms)?);
    let id = call.id();
    Ok(keep(id, async move {
        match call.await {
            Ok(()) => f(),
            Err(Error::Cancelled(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }))
}

/// Call `f` every `ms` milliseconds until the timer is cleared (WeChat's
/// `setInterval`); `f` may clear its own interval. An error from `f` is
/// reported by the host call it ran in, and the interval goes on. Refused
/// by the host past the app's timer quota; when its page leaves the stack,
/// the interval ends.
#[doc(alias = "setInterval")]
pub fn set_interval(ms: u32, mut f: impl FnMut() -> Result<()> + 'static) -> Result<TimerId> {
    let mut calls = task::completions(pending::set_interval(ms)?);
    let id = calls.id();
    Ok(keep(id, async move {
        loop {
            match calls.next().await {
                Ok(()) => {
                    if let Err(e) = f() {
                        task::report(e);
                    }
                }
                Err(Error::Cancelled(_)) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }))
}

/// Clear a timer of [`set_timeout`]: its callback is dropped uncalled. A
/// timer that fired, was cleared, or is unknown is ignored (as WeChat's
/// `clearTimeout`).
#[doc(alias = "clearTimeout")]
pub fn clear_timeout(id: TimerId) {
    clear(id);
}

/// Clear a timer of [`set_interval`]: it fires no more, even when called
/// from its own callback. A timer that was cleared or is unknown is ignored
/// (as WeChat's `clearInterval`).
#[doc(alias = "clearInterval")]
pub fn clear_interval(id: TimerId) {
    clear(id);
}

thread_local! {
    /// The task that waits for each timer still set.
    static TIMERS: RefCell<IdMap<TaskId>> = RefCell::new(IdMap::default());
}

/// Run `waiting` (a timer's wait and callback) as a task, found again by
/// its timer's id until it ends.
fn keep(id: CallId, waiting: impl Future<Output = Result<()>> + 'static) -> TimerId {
    let task = task::spawn_task(async move {
        let outcome = waiting.await;
        TIMERS.with(|t| t.borrow_mut().remove(id));
        outcome
    });
    TIMERS.with(|t| t.borrow_mut().insert(id, task));
    TimerId(id)
}

fn clear(id: TimerId) {
    // The borrow ends before the task drops (its drop cancels the timer).
    let task = TIMERS.with(|t| t.borrow_mut().remove(id.0));
    if let Some(task) = task {
        task::abort(task);
    }
}

#[cfg(test)]
mod tests;
