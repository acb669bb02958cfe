//! Work that goes on after a handler returns: tasks ([`spawn`]) and
//! callbacks after the handler ([`next_tick`]).
//!
//! A mini-program runs only inside the host's calls (a launch, an event, a
//! page hook, a completion of a host call it started). Each of them ends the
//! same way: once the app's hook has returned (so the app is free again for
//! [`with_app`](crate::with_app)), the SDK runs every [`next_tick`] callback
//! and polls every task that can make progress, until none can, and then
//! returns to the host. A task waiting on the host (a [`timer::sleep`], a
//! request) is polled again in the host call that completes it, with that
//! call's budget. Nothing runs between host calls.
//!
//! Errors: the host call reports one error, the first of the hook's, the
//! callbacks' and the tasks' (in that order); the others are logged at warn
//! level, so none is lost. A task that ends with [`Error::Cancelled`] (it
//! passed on with `?` the cancellation of a call whose page left the stack)
//! has simply ended: that is not an error of the host call.
//!
//! ```ignore
//! use miniapp_sdk::{task, timer, view};
//!
//! // In a handler: show "saving", then "saved" a second later.
//! view::set("status", "saving")?;
//! task::spawn(async {
//!     timer::sleep(1_000).await?;
//!     view::set("status", "saved")
//! });
//! ```
//!
//! [`timer::sleep`]: crate::timer::sleep

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crate::pending::{self, CallId};
use crate::{Error, Result};

mod answer;
pub(crate) use answer::{Answer, answer};

/// Run `future` as a task: it is first polled after the current handler
/// returns, still within the same host call, and then whenever what it
/// awaits is ready. Its error, if any, is reported by the host call in which
/// it ends, unless it is [`Error::Cancelled`] (see the [module docs](self)).
pub fn spawn(future: impl Future<Output = Result<()>> + 'static) {
    spawn_task(future);
}

/// Call `f` after the current handler returns, within the same host call
/// (WeChat's `wx.nextTick`), before any task is polled again. Callbacks run
/// in the order they were queued.
#[doc(alias = "nextTick")]
pub fn next_tick(f: impl FnOnce() -> Result<()> + 'static) {
    with_executor(|e| e.ticks.push_back(Box::new(f)));
}

/// Which task: never reused.
pub(crate) type TaskId = u64;

/// Queue `future` as a new task and say which.
pub(crate) fn spawn_task(future: impl Future<Output = Result<()>> + 'static) -> TaskId {
    with_executor(|e| {
        e.last_task += 1;
        let id = e.last_task;
        e.tasks.insert(id, Box::pin(future));
        e.ready.push_back(Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(true),
        }));
        id
    })
}

/// Drop the task `id` without polling it again; its pending host calls are
/// cancelled as their futures drop. A task may abort itself: it is dropped
/// when its current poll returns. An unknown or finished task is ignored.
pub(crate) fn abort(id: TaskId) {
    // Without an executor (the thread is ending, and its tasks with it)
    // there is nothing to abort.
    let dropped = EXECUTOR.try_with(|e| {
        let mut e = e.borrow_mut();
        if e.running == Some(id) {
            e.abort_running = true;
        }
        e.tasks.remove(id)
    });
    // Dropped outside the borrow: its drop cancels host calls.
    drop(dropped);
}

/// Report an error of work that goes on (an interval's callback), as a
/// task's error is reported when it ends.
pub(crate) fn report(error: Error) {
    with_executor(|e| e.errors.push(error));
}

/// The end of every host call into the app: run callbacks and tasks until
/// none can progress, then give the host call's outcome: `handled` (the
/// hook's) unless it is `Ok` and a callback or task failed.
pub(crate) fn finish(handled: Result<()>) -> Result<()> {
    while let Some(step) = with_executor(Executor::next_step) {
        match step {
            Step::Tick(tick) => {
                if let Err(e) = tick() {
                    report(e);
                }
            }
            Step::Poll(waker) => poll(waker),
        }
    }
    let mut errors = with_executor(|e| std::mem::take(&mut e.errors)).into_iter();
    let outcome = match handled {
        Err(e) => Err(e),
        Ok(()) => errors.next().map_or(Ok(()), Err),
    };
    for also in errors {
        pending::warn(&format!("also failed in this callback: {also}"));
    }
    outcome
}

/// The host completed call `id` with `outcome`: wake what awaits it. An id
/// nothing awaits (its future was dropped, or it never existed) is ignored.
pub(crate) fn complete(id: CallId, outcome: Result<()>) {
    let waker = with_executor(|e| {
        let call = e.calls.get_mut(id)?;
        // A cancellation outweighs a firing not yet taken; a firing does
        // not replace an error.
        if call.outcome.as_ref().is_none_or(Result::is_ok) {
            call.outcome = Some(outcome);
        }
        call.waker.take()
    });
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// A host call that completes later, by its id: the one future every
/// asynchronous host call of the SDK awaits. Register it as soon as the host
/// gives the id. Dropped before its call has ended, it cancels the call
/// (`pending.cancel`), so the host delivers nothing more for it.
pub(crate) struct HostCall {
    id: CallId,
    /// The call completes again after an `Ok` (an interval).
    repeats: bool,
    /// The host will deliver nothing more for it.
    ended: bool,
}

/// The completion of call `id`, which completes once.
pub(crate) fn completion(id: CallId) -> HostCall {
    HostCall::new(id, false)
}

/// The completions of call `id`, which completes every time it fires until
/// cancelled (an interval); await each with [`HostCall::next`].
pub(crate) fn completions(id: CallId) -> HostCall {
    HostCall::new(id, true)
}

impl HostCall {
    fn new(id: CallId, repeats: bool) -> Self {
        with_executor(|e| e.calls.insert(id, Call::default()));
        HostCall {
            id,
            repeats,
            ended: false,
        }
    }

    /// The call's id, as the host gave it.
    pub(crate) fn id(&self) -> CallId {
        self.id
    }

    /// The next outcome of a repeating call.
    pub(crate) fn next(&mut self) -> impl Future<Output = Result<()>> + '_ {
        std::future::poll_fn(|cx| self.poll_outcome(cx))
    }

    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let id = self.id;
        let outcome = with_executor(|e| {
            let call = e.calls.get_or_default(id);
            let outcome = call.outcome.take();
            if outcome.is_none() {
                call.waker = Some(cx.waker().clone());
            }
            outcome
        });
        match outcome {
            Some(outcome) => {
                self.ended = !self.repeats || outcome.is_err();
                Poll::Ready(outcome)
            }
            None => Poll::Pending,
        }
    }
}

impl Future for HostCall {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().poll_outcome(cx)
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        let id = self.id;
        // The waker is dropped outside the borrow. Without an executor (the
        // thread is ending, and its tasks with it) nothing awaits the call.
        let forgotten = EXECUTOR.try_with(|e| e.borrow_mut().calls.remove(id));
        drop(forgotten);
        if !self.ended {
            pending::cancel(id);
        }
    }
}

type Task = Pin<Box<dyn Future<Output = Result<()>>>>;
type Tick = Box<dyn FnOnce() -> Result<()>>;

/// What one host call is waiting for, or what came for it.
#[derive(Default)]
struct Call {
    outcome: Option<Result<()>>,
    waker: Option<Waker>,
}

/// The app's tasks and callbacks, one per instance (a guest is one thread).
#[derive(Default)]
struct Executor {
    tasks: IdMap<Task>,
    last_task: TaskId,
    /// Woken tasks, in the order they were woken.
    ready: VecDeque<Arc<TaskWaker>>,
    ticks: VecDeque<Tick>,
    calls: IdMap<Call>,
    /// The task being polled (out of `tasks` meanwhile).
    running: Option<TaskId>,
    /// The running task aborted itself: drop it when its poll returns.
    abort_running: bool,
    /// Errors of this host call's callbacks and tasks, in order.
    errors: Vec<Error>,
}

/// Values by id (task or call ids, both `u64`): a list, as an app has few
/// at once (its quotas bound the calls), and smaller in the app's binary
/// than a map.
pub(crate) struct IdMap<V>(Vec<(u64, V)>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<V> IdMap<V> {
    pub(crate) fn insert(&mut self, id: u64, value: V) {
        // Dropped outside the caller's borrow if it replaced one: ids are
        // never reused, so it replaces none.
        self.0.retain(|(held, _)| *held != id);
        self.0.push((id, value));
    }

    pub(crate) fn remove(&mut self, id: u64) -> Option<V> {
        let at = self.0.iter().position(|(held, _)| *held == id)?;
        Some(self.0.swap_remove(at).1)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut V> {
        self.0
            .iter_mut()
            .find(|(held, _)| *held == id)
            .map(|(_, v)| v)
    }

    fn get_or_default(&mut self, id: u64) -> &mut V
    where
        V: Default,
    {
        match self.0.iter().position(|(held, _)| *held == id) {
            Some(at) => &mut self.0[at].1,
            None => {
                self.0.push((id, V::default()));
                &mut self.0.last_mut().expect("just pushed").1
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

enum Step {
    Tick(Tick),
    Poll(Arc<TaskWaker>),
}

impl Executor {
    /// Callbacks first, then woken tasks; `None` when nothing can progress.
    fn next_step(&mut self) -> Option<Step> {
        if let Some(tick) = self.ticks.pop_front() {
            return Some(Step::Tick(tick));
        }
        self.ready.pop_front().map(Step::Poll)
    }
}

thread_local! {
    static EXECUTOR: RefCell<Executor> = RefCell::new(Executor::default());
}

/// Every borrow of the executor is this short one: no future is polled, no
/// waker woken and nothing dropped that could reach the executor while it
/// is held.
fn with_executor<R>(f: impl FnOnce(&mut Executor) -> R) -> R {
    EXECUTOR.with(|e| f(&mut e.borrow_mut()))
}

/// Poll the task `waker` wakes, once, unless it ended or was aborted.
fn poll(waker: Arc<TaskWaker>) {
    let id = waker.id;
    // Cleared before the poll: a task that wakes itself is polled again.
    waker.queued.store(false, Ordering::Relaxed);
    let Some(mut task) = with_executor(|e| {
        let task = e.tasks.remove(id)?;
        e.running = Some(id);
        e.abort_running = false;
        Some(task)
    }) else {
        return;
    };
    let polled = task
        .as_mut()
        .poll(&mut Context::from_waker(&Waker::from(waker)));
    let aborted = with_executor(|e| {
        e.running = None;
        std::mem::take(&mut e.abort_running)
    });
    match polled {
        Poll::Ready(Err(Error::Cancelled(_))) => {}
        Poll::Ready(Err(e)) => report(e),
        Poll::Ready(Ok(())) => {}
        Poll::Pending if aborted => drop(task),
        Poll::Pending => with_executor(|e| {
            e.tasks.insert(id, task);
        }),
    }
}

/// Wakes one task: queues it once, however often it is woken before its
/// next poll.
struct TaskWaker {
    id: TaskId,
    queued: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        if !self.queued.swap(true, Ordering::Relaxed) {
            with_executor(|e| e.ready.push_back(self));
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Arc::clone(self).wake();
    }
}

/// A fresh executor, for the SDK's unit tests (the old one is dropped
/// outside the borrow: its tasks' drops reach the executor).
#[cfg(test)]
pub(crate) fn reset() {
    drop(with_executor(std::mem::take));
}

#[cfg(test)]
mod tests;
