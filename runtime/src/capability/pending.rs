//! `pending`: host calls that complete later, and timers (WeChat's
//! `setTimeout`, `setInterval`, `clearTimeout`). Each call gets an id at
//! once; its outcome is a completion the instance delivers to the app's
//! `completions.on-complete` as a callback of its own (`instance/
//! completions.rs`), with an event's budget, audit and fair turn.
//!
//! The table of one instance's calls lives in the call's context
//! ([`CallCtx::pending`](super::CallCtx)), so every capability that starts
//! work which completes later (a request, a dialog) registers it here, under
//! the same quotas: `timers` and `pending_calls` per instance, and
//! `timer_firings_per_second`. Each entry is charged to the instance's
//! [`HostMemory`]. A call belongs to the page whose callback started it
//! ([`Owner`]); when that page leaves the stack its calls end with
//! `cancelled("page unloaded")`. While the app is hidden nothing is
//! delivered and timers keep the time they had left. Dropping the table
//! (the instance ends) aborts its host tasks.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{CallCtx, CallError, CallResult};
use crate::app_core::AppCore;
use crate::bindings::{pending, types};
use crate::limits::HostMemory;
use crate::usage::UsageCounters;

/// Host memory charged per pending call or timer: its entry in the table
/// and in the ready queue. A call has one charge while it lives: the
/// table's while it is in it, then its completion's while that waits in
/// the ready queue (a finished call, or one cancelled with its page), so
/// completions nobody delivers are bounded by the budget.
const ENTRY_BYTES: u64 = 128;

/// Who a pending call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Owner {
    /// The app (started by `on-launch`, `on-show`, `on-hide`, `on-unload`):
    /// its completion's `set-data` acts on the top page.
    App,
    /// The page with this serial: its completion's `set-data` acts on it.
    Page(u64),
    /// Component instance `id` on the page with serial `page` (started by
    /// one of its handlers): it ends when the instance detaches; its
    /// completion's `view.set-data` acts on the instance.
    Component { page: u64, id: u32 },
}

/// How a pending call ended: `completions.outcome`, as the guest receives
/// it (the `completions` export is found by name, so its type is written
/// here rather than generated).
#[derive(
    Debug,
    Clone,
    wasmtime::component::ComponentType,
    wasmtime::component::Lower,
    serde::Serialize,
    serde::Deserialize,
)]
#[component(variant)]
pub enum Outcome {
    /// A timer fired, or the call succeeded.
    #[component(name = "done")]
    Done,
    /// The call failed or was refused.
    #[component(name = "failed")]
    Failed(types::Error),
    /// The call ended before it completed (its page left the stack).
    #[component(name = "cancelled")]
    Cancelled(String),
}

/// A completion ready to deliver.
#[derive(Debug)]
pub(crate) struct Completion {
    /// The call's id.
    pub id: u64,
    /// What the app receives.
    pub outcome: Outcome,
    /// Whose it is; `None` when its page has left the stack (the call was
    /// cancelled with it).
    pub owner: Option<Owner>,
}

/// What one pending call is.
enum Kind {
    /// A timer: when it fires next, how often (an interval), and whether a
    /// firing waits in the ready queue.
    Timer {
        due: Instant,
        every: Option<Duration>,
        queued: bool,
    },
    /// Host work running on the runtime's tasks.
    Task(tokio::task::AbortHandle),
    /// Host work that completes once per answer it sends (a socket's
    /// events): whether a completion of it waits in the ready queue, and
    /// whether its work has ended (the call ends after its last answer).
    Stream {
        abort: tokio::task::AbortHandle,
        queued: bool,
        ended: bool,
    },
}

struct Call {
    owner: Owner,
    kind: Kind,
}

/// What a finished call hands its capability, held until the app takes it
/// during the call's completion (`http.take-response`) and dropped after.
pub(crate) type Answer = Box<dyn Any + Send>;

/// What a finished host task hands back, from outside the store.
#[derive(Default)]
struct Inbox {
    finished: Mutex<Vec<(u64, Outcome, Option<Answer>)>>,
    /// A stream's answers; `None` when its work has ended.
    streamed: Mutex<Vec<(u64, Option<Answer>)>>,
    notify: Notify,
}

impl Inbox {
    /// Whether a task finished or a stream sent something since last taken.
    fn has_news(&self) -> bool {
        let finished = !(self.finished.lock())
            .unwrap_or_else(|e| e.into_inner())
            .is_empty();
        finished
            || !(self.streamed.lock())
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
    }
}

/// How a stream's work ([`Pending::start_stream`]) hands the app its
/// answers, each delivered as a completion of the stream's id.
pub(crate) struct StreamSender {
    id: u64,
    inbox: Arc<Inbox>,
}

impl StreamSender {
    /// Deliver `answer` as the stream's next completion.
    pub fn send(&self, answer: Answer) {
        self.push(Some(answer));
    }

    fn push(&self, answer: Option<Answer>) {
        let mut streamed = (self.inbox.streamed.lock()).unwrap_or_else(|e| e.into_inner());
        streamed.push((self.id, answer));
        drop(streamed);
        self.inbox.notify.notify_one();
    }
}

/// The limits of one instance's table, from its quotas.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingLimits {
    pub timers: u32,
    pub calls: u32,
    pub firings_per_second: u32,
}

/// The pending calls and timers of one instance.
pub(crate) struct Pending {
    next_id: u64,
    calls: HashMap<u64, Call>,
    ready: VecDeque<Completion>,
    /// Answers of finished calls (a stream's, in order), until delivered.
    answers: HashMap<u64, VecDeque<Answer>>,
    /// The answer of the completion being delivered, until it ends.
    delivering: Option<(u64, Answer)>,
    inbox: Arc<Inbox>,
    /// The owner of calls started by the callback running now.
    pub owner: Owner,
    /// Whether the instance exports `on-complete`.
    deliverable: bool,
    /// When the app was hidden, while it is.
    hidden_since: Option<Instant>,
    /// Timer firings in the current second: its start, and the count.
    window: (Instant, u32),
    limits: PendingLimits,
    host_memory: Arc<HostMemory>,
    /// Its app: the usage figures count every instance's calls.
    app: Arc<AppCore>,
}

impl Pending {
    /// An empty table of an instance of `app`, shown, under its quotas,
    /// charging `host_memory`.
    pub fn new(app: &Arc<AppCore>, host_memory: Arc<HostMemory>) -> Pending {
        let quotas = &app.grants.quotas;
        let limits = PendingLimits {
            timers: quotas.timers,
            calls: quotas.pending_calls,
            firings_per_second: quotas.timer_firings_per_second,
        };
        Pending {
            next_id: 1,
            calls: HashMap::new(),
            ready: VecDeque::new(),
            answers: HashMap::new(),
            delivering: None,
            inbox: Arc::default(),
            owner: Owner::App,
            deliverable: false,
            hidden_since: None,
            window: (Instant::now(), 0),
            limits,
            host_memory,
            app: app.clone(),
        }
    }

    fn count(&self, timers: bool) -> u32 {
        let is_timer = |c: &&Call| matches!(c.kind, Kind::Timer { .. });
        self.calls
            .values()
            .filter(|c| is_timer(c) == timers)
            .count() as u32
    }

    /// The instance's host memory, which an answer held for a call
    /// charges too while it is held.
    pub fn host_memory(&self) -> &Arc<HostMemory> {
        &self.host_memory
    }

    /// Streams (sockets) open now; each is one of [`Pending::calls`] too.
    pub fn streams(&self) -> u32 {
        let is_stream = |c: &&Call| matches!(c.kind, Kind::Stream { .. });
        self.calls.values().filter(is_stream).count() as u32
    }

    /// Whether call `id` is pending (not ended, not cancelled).
    pub fn is_pending(&self, id: u64) -> bool {
        self.calls.contains_key(&id)
    }

    /// Timers set now.
    pub fn timers(&self) -> u32 {
        self.count(true)
    }

    /// Other calls pending now.
    pub fn calls(&self) -> u32 {
        self.count(false)
    }

    fn gauge(&self, timer: bool) -> &AtomicU64 {
        match timer {
            true => &self.app.usage.timers,
            false => &self.app.usage.pending_calls,
        }
    }

    /// Add a call for the current owner, within its quota: a timer, or the
    /// kind `make` gives for its id.
    fn add(&mut self, timer: bool, make: impl FnOnce(u64) -> Kind) -> CallResult<u64> {
        self.room_for(timer)?;
        (self.host_memory)
            .charge(ENTRY_BYTES, "a pending call")
            .map_err(CallError::quota)?;
        let id = self.next_id;
        self.next_id += 1;
        let owner = self.owner;
        let kind = make(id);
        self.calls.insert(id, Call { owner, kind });
        self.gauge(timer).fetch_add(1, Ordering::Relaxed);
        Ok(id)
    }

    /// Refuse a new call (a timer if `timer`) the instance could never be
    /// told about, or past its quota. A capability that spends something
    /// before it starts a call (an HTTP request of the minute) asks first.
    pub fn room_for(&self, timer: bool) -> CallResult<()> {
        if !self.deliverable {
            return Err(CallError::unsupported(format!(
                "app `{}` does not export `completions`: nothing it starts could complete (build it with the SDK of host API 0.2.0 or later)",
                self.app.manifest.id
            )));
        }
        let (used, limit, quota) = match timer {
            true => (self.timers(), self.limits.timers, "timers"),
            false => (self.calls(), self.limits.calls, "pending_calls"),
        };
        if used >= limit {
            let what = if timer { "timers set" } else { "calls pending" };
            return Err(CallError::quota(format!(
                "{used} {what} already, the most one instance of this app may have at once (quota `{quota}`)"
            )));
        }
        Ok(())
    }

    /// Say whether the instance exports `completions.on-complete` (until
    /// then it cannot start a call).
    pub fn set_deliverable(&mut self, deliverable: bool) {
        self.deliverable = deliverable;
    }

    /// Take call `id` out of the table (its charge and gauge go with it).
    fn remove(&mut self, id: u64) -> Option<Call> {
        let call = self.detach(id)?;
        self.host_memory.release(ENTRY_BYTES);
        Some(call)
    }

    /// Take call `id` out of the table, its charge kept for the completion
    /// it leaves in the ready queue (its gauge goes).
    fn detach(&mut self, id: u64) -> Option<Call> {
        let call = self.calls.remove(&id)?;
        let timer = matches!(call.kind, Kind::Timer { .. });
        let gauge = self.gauge(timer);
        let _ = gauge.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(n.saturating_sub(1))
        });
        if let Kind::Task(abort) | Kind::Stream { abort, .. } = &call.kind {
            abort.abort();
        }
        Some(call)
    }

    /// A timer firing after `ms`, and every `ms` after if `repeat`.
    pub fn set_timer(&mut self, ms: u32, repeat: bool) -> CallResult<u64> {
        let every = Duration::from_millis(u64::from(ms));
        let now = self.hidden_since.unwrap_or_else(Instant::now);
        self.add(true, |_| Kind::Timer {
            due: now + every,
            every: repeat.then_some(every),
            queued: false,
        })
    }

    /// Run `work` on the runtime's tasks as a pending call of the current
    /// owner; its outcome is delivered as a completion, its answer (if
    /// any) held for [`Pending::take_answer`] during that completion.
    pub fn start(
        &mut self,
        work: impl Future<Output = CallResult<Option<Answer>>> + Send + 'static,
    ) -> CallResult<u64> {
        let inbox = self.inbox.clone();
        self.add(false, move |id| {
            let task = tokio::spawn(async move {
                let (outcome, answer) = match work.await {
                    Ok(answer) => (Outcome::Done, answer),
                    Err(CallError::Guest(e)) => (Outcome::Failed(e), None),
                    Err(CallError::Trap(e)) => {
                        (Outcome::Failed(types::Error::Failed(e.to_string())), None)
                    }
                };
                let mut finished = inbox.finished.lock().unwrap_or_else(|e| e.into_inner());
                finished.push((id, outcome, answer));
                drop(finished);
                inbox.notify.notify_one();
            });
            Kind::Task(task.abort_handle())
        })
    }

    /// Run `work` on the runtime's tasks as a pending call of the current
    /// owner that completes once per answer it sends through the
    /// [`StreamSender`] it is given (with [`Outcome::Done`], the answer
    /// held for [`Pending::take_answer`] during that completion); the call
    /// ends after the last answer sent before `work` returned.
    pub fn start_stream<F>(&mut self, work: impl FnOnce(StreamSender) -> F) -> CallResult<u64>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let inbox = self.inbox.clone();
        self.add(false, move |id| {
            let sender = StreamSender { id, inbox };
            let work = work(StreamSender {
                id,
                inbox: sender.inbox.clone(),
            });
            let task = tokio::spawn(async move {
                work.await;
                sender.push(None);
            });
            Kind::Stream {
                abort: task.abort_handle(),
                queued: false,
                ended: false,
            }
        })
    }

    /// The answer of call `id`, once, while its completion is delivered.
    pub fn take_answer<T: 'static>(&mut self, id: u64) -> Option<T> {
        match self.delivering.take() {
            Some((held, answer)) if held == id => match answer.downcast::<T>() {
                Ok(answer) => Some(*answer),
                Err(answer) => {
                    self.delivering = Some((held, answer));
                    None
                }
            },
            other => {
                self.delivering = other;
                None
            }
        }
    }

    /// The completion being delivered has ended: an answer it did not take
    /// is dropped (and its memory given back).
    pub fn delivered(&mut self) {
        self.delivering = None;
    }

    /// End call `id`: nothing is delivered for it after this (an id not
    /// pending is ignored).
    pub fn cancel(&mut self, id: u64) {
        let in_table = self.detach(id).is_some();
        let queued = self.ready.len();
        self.ready.retain(|c| c.id != id);
        // Its one charge: the table's, or its queued completion's.
        if in_table || self.ready.len() < queued {
            self.host_memory.release(ENTRY_BYTES);
        }
        self.answers.remove(&id);
    }

    /// The page with `serial` left the stack: its calls end, each with a
    /// `cancelled("page unloaded")` completion delivered to no page, and
    /// its component instances' with `cancelled("component detached")`
    /// (its instances leave with it).
    pub fn page_left(&mut self, serial: u64) {
        let of_instance = |owner| matches!(owner, Owner::Component { page, .. } if page == serial);
        self.end_calls(of_instance, "component detached");
        self.end_calls(|owner| owner == Owner::Page(serial), "page unloaded");
    }

    /// Component instance `id` detached: its calls end, each with a
    /// `cancelled("component detached")` completion delivered to no page.
    pub fn component_left(&mut self, id: u32) {
        let of = |owner: Owner| matches!(owner, Owner::Component { id: of, .. } if of == id);
        self.end_calls(of, "component detached");
    }

    /// End every call whose owner is `of`, with `cancelled(why)`.
    fn end_calls(&mut self, of: impl Fn(Owner) -> bool, why: &str) {
        let mut ids: Vec<u64> = (self.calls.iter())
            .filter(|(_, c)| of(c.owner))
            .map(|(id, _)| *id)
            .collect();
        // Calls that finished and wait to be delivered end too.
        ids.extend(
            (self.ready.iter())
                .filter(|c| c.owner.is_some_and(&of))
                .map(|c| c.id),
        );
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            // Its one charge (the table's, or its finished completion's)
            // stays with its cancellation until that is delivered.
            self.detach(id);
            self.ready.retain(|c| c.id != id);
            self.answers.remove(&id);
            UsageCounters::add(&self.app.usage.calls_cancelled, 1);
            self.ready.push_back(Completion {
                id,
                outcome: Outcome::Cancelled(why.into()),
                owner: None,
            });
        }
    }

    /// The app went to the background: timers stop where they are and
    /// nothing is delivered until [`Pending::shown`].
    pub fn hidden(&mut self, now: Instant) {
        self.hidden_since.get_or_insert(now);
    }

    /// The app came back: timers go on with the time they had left.
    pub fn shown(&mut self, now: Instant) {
        let Some(since) = self.hidden_since.take() else {
            return;
        };
        let paused = now.saturating_duration_since(since);
        for call in self.calls.values_mut() {
            if let Kind::Timer { due, .. } = &mut call.kind {
                *due += paused;
            }
        }
    }

    /// Move what is due at `now` to the ready queue: finished tasks, then
    /// timers in the order they fall due, within the firings per second.
    fn collect(&mut self, now: Instant) {
        let finished = std::mem::take(
            &mut *self
                .inbox
                .finished
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for (id, outcome, answer) in finished {
            // A task cancelled after it finished delivers nothing.
            if let Some(call) = self.detach(id) {
                if let Some(answer) = answer {
                    self.answers.entry(id).or_default().push_back(answer);
                }
                self.ready.push_back(Completion {
                    id,
                    outcome,
                    owner: Some(call.owner),
                });
            }
        }
        self.collect_streams();
        if now.saturating_duration_since(self.window.0) >= Duration::from_secs(1) {
            self.window = (now, 0);
        }
        let mut due: Vec<(Instant, u64)> = (self.calls.iter())
            .filter_map(|(id, call)| match call.kind {
                Kind::Timer {
                    due, queued: false, ..
                } if due <= now => Some((due, *id)),
                _ => None,
            })
            .collect();
        due.sort();
        for (_, id) in due {
            if self.window.1 >= self.limits.firings_per_second {
                break;
            }
            self.window.1 += 1;
            let Some(call) = self.calls.get_mut(&id) else {
                continue;
            };
            if let Kind::Timer { due, every, queued } = &mut call.kind {
                *queued = true;
                if let Some(every) = every {
                    // The next firing counts from this one; a slow app
                    // skips the firings it missed.
                    let next = *due + *every;
                    *due = if next > now { next } else { now + *every };
                }
            }
            let owner = Some(call.owner);
            self.ready.push_back(Completion {
                id,
                outcome: Outcome::Done,
                owner,
            });
        }
    }

    /// Take the streams' answers, and queue one completion for each stream
    /// with answers and none queued; a stream that ended with none left
    /// ends.
    fn collect_streams(&mut self) {
        let streamed =
            std::mem::take(&mut *(self.inbox.streamed.lock()).unwrap_or_else(|e| e.into_inner()));
        for (id, answer) in streamed {
            let Some(Call {
                kind: Kind::Stream { ended, .. },
                ..
            }) = self.calls.get_mut(&id)
            else {
                // Cancelled: what it sent goes.
                continue;
            };
            match answer {
                Some(answer) => self.answers.entry(id).or_default().push_back(answer),
                None => *ended = true,
            }
        }
        let mut due: Vec<u64> = (self.calls.iter())
            .filter_map(|(id, call)| match call.kind {
                Kind::Stream { queued: false, .. } => Some(*id),
                _ => None,
            })
            .collect();
        due.sort_unstable();
        for id in due {
            let has_answer = self.answers.get(&id).is_some_and(|a| !a.is_empty());
            let Some(Call {
                owner,
                kind: Kind::Stream { queued, ended, .. },
            }) = self.calls.get_mut(&id)
            else {
                continue;
            };
            match (has_answer, *ended) {
                (true, _) => {
                    *queued = true;
                    let owner = Some(*owner);
                    self.ready.push_back(Completion {
                        id,
                        outcome: Outcome::Done,
                        owner,
                    });
                }
                (false, true) => {
                    self.remove(id);
                }
                (false, false) => {}
            }
        }
    }

    /// The next completion to deliver at `now`, if any (none while hidden).
    pub fn next(&mut self, now: Instant) -> Option<Completion> {
        if self.hidden_since.is_some() {
            return None;
        }
        self.collect(now);
        let completion = self.ready.pop_front()?;
        let answers = self.answers.get_mut(&completion.id);
        self.delivering = (answers.and_then(VecDeque::pop_front)).map(|a| (completion.id, a));
        if self
            .answers
            .get(&completion.id)
            .is_some_and(VecDeque::is_empty)
        {
            self.answers.remove(&completion.id);
        }
        match self.calls.get_mut(&completion.id) {
            // A stream stays until its work ended and its answers are
            // delivered (`collect_streams`).
            Some(Call {
                kind: Kind::Stream { queued, .. },
                ..
            }) => *queued = false,
            Some(Call {
                kind:
                    Kind::Timer {
                        every: Some(_),
                        queued,
                        ..
                    },
                ..
            }) => *queued = false,
            Some(_) => {
                self.remove(completion.id);
            }
            // A finished or cancelled call: its completion held its charge.
            None => self.host_memory.release(ENTRY_BYTES),
        }
        if !matches!(completion.outcome, Outcome::Cancelled(_)) {
            UsageCounters::add(&self.app.usage.completions, 1);
        }
        Some(completion)
    }

    /// Whether a stream has answers, or has ended, with no completion queued.
    fn stream_due(&self) -> bool {
        (self.calls.iter()).any(|(id, call)| match call.kind {
            Kind::Stream {
                queued: false,
                ended,
                ..
            } => ended || self.answers.contains_key(id),
            _ => false,
        })
    }

    /// When there may next be something to deliver, and the signal of host
    /// tasks finishing before that: nothing while hidden. Tasks that have
    /// finished already make it now (their signal may have been taken by a
    /// wake that came while the app was hidden).
    pub fn wake(&self, now: Instant) -> Wake {
        if self.hidden_since.is_some() {
            return Wake::never();
        }
        let finished = self.inbox.has_news() || self.stream_due();
        let at = match self.ready.is_empty() && !finished {
            false => Some(now),
            true => (self.calls.values())
                .filter_map(|call| match call.kind {
                    Kind::Timer {
                        due, queued: false, ..
                    } => Some(due),
                    _ => None,
                })
                .min()
                .map(
                    |due| match self.window.1 >= self.limits.firings_per_second {
                        true => due.max(self.window.0 + Duration::from_secs(1)),
                        false => due,
                    },
                ),
        };
        Wake {
            at,
            inbox: Some(self.inbox.clone()),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let ids: Vec<u64> = (self.calls.keys().copied())
            .chain(self.ready.iter().map(|c| c.id))
            .collect();
        for id in ids {
            self.cancel(id);
        }
    }
}

/// When an instance may next have a completion to deliver: at a timer's
/// due time, or when one of its host tasks finishes. Owned, so an embedder
/// can wait on it while it is free to call the instance for other reasons
/// (then it asks again: a call may set or clear timers).
pub struct Wake {
    at: Option<Instant>,
    inbox: Option<Arc<Inbox>>,
}

impl Wake {
    /// A wake that never comes (a hidden or discarded instance).
    pub(crate) fn never() -> Wake {
        Wake {
            at: None,
            inbox: None,
        }
    }

    /// When a completion is next due: now if one is ready or a host task
    /// has finished, else when the next timer falls due, if one is set (a
    /// host task may finish before).
    pub fn at(&self) -> Option<Instant> {
        self.at
    }

    /// Wait until then (forever if nothing is pending).
    pub async fn wait(self) {
        let timer = async {
            match self.at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let task = async {
            match &self.inbox {
                Some(inbox) => inbox.notify.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = timer => {}
            () = task => {}
        }
    }
}

super::linked_by!(calls, pending);

#[miniapp_runtime_macros::recorded]
impl pending::Host for CallCtx {
    fn set_timeout(&mut self, ms: u32) -> CallResult<u64> {
        self.pending.set_timer(ms, false)
    }

    fn set_interval(&mut self, ms: u32) -> CallResult<u64> {
        self.pending.set_timer(ms, true)
    }

    fn cancel(&mut self, id: u64) -> wasmtime::Result<()> {
        self.pending.cancel(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Outcome, Owner};
    use crate::bindings::types;
    use crate::testing::TestHost;

    const MANIFEST: &str =
        "id = \"demo.t\"\nname = \"T\"\nversion = \"0.1.0\"\npages = [\"index\"]\n";

    fn host(quotas: &str) -> TestHost {
        let policy = format!("[defaults.quotas]\n{quotas}\n");
        TestHost::new(MANIFEST, &policy, &[])
    }

    /// A runtime for the tests whose calls run host tasks.
    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    fn later(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    /// The ids of what is delivered at `now`, in order.
    fn delivered(host: &mut TestHost, now: Instant) -> Vec<(u64, bool)> {
        let pending = &mut host.state.call.pending;
        std::iter::from_fn(|| pending.next(now))
            .map(|c| (c.id, matches!(c.outcome, Outcome::Done)))
            .collect()
    }

    #[test]
    fn a_timeout_fires_once_when_due_and_an_interval_keeps_its_id() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        let once = pending.set_timer(50, false).unwrap();
        let every = pending.set_timer(20, true).unwrap();
        assert_ne!(once, every);
        assert!(pending.next(Instant::now()).is_none(), "nothing is due yet");
        assert_eq!(
            delivered(&mut host, later(1_000)),
            [(every, true), (once, true)]
        );
        // The timeout is gone; the interval fires again, with its id.
        assert_eq!(delivered(&mut host, later(2_000)), [(every, true)]);
        assert_eq!(host.state.call.pending.timers(), 1);
    }

    #[test]
    fn an_app_without_on_complete_cannot_start_a_call() {
        let mut host = host("");
        host.state.call.pending.set_deliverable(false);
        let refused = host.state.call.pending.set_timer(10, false);
        let Err(types::Error::Unsupported(message)) = host.guest(refused) else {
            panic!("a timer was set");
        };
        assert!(
            message.contains("does not export `completions`"),
            "{message}"
        );
        assert_eq!(host.state.call.pending.timers(), 0);
    }

    #[test]
    fn an_interval_not_yet_delivered_is_not_queued_twice() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        let id = pending.set_timer(1, true).unwrap();
        pending.collect(later(1_000));
        pending.collect(later(2_000));
        pending.collect(later(3_000));
        let queued: Vec<u64> = pending.ready.iter().map(|c| c.id).collect();
        assert_eq!(queued, [id]);
    }

    /// The app's gauge of timers set, all instances together.
    fn timers_set(host: &TestHost) -> u64 {
        let usage = &host.state.call.app.usage;
        usage.timers.load(std::sync::atomic::Ordering::Relaxed)
    }

    #[test]
    fn timers_are_bounded_by_the_quota_and_charged_to_host_memory() {
        let mut host = host("timers = 2");
        let memory = host.state.host_memory.used();
        let pending = &mut host.state.call.pending;
        pending.set_timer(10, false).unwrap();
        pending.set_timer(10, true).unwrap();
        let third = host.state.call.pending.set_timer(10, false);
        let refused = host.guest(third);
        let Err(types::Error::QuotaExceeded(message)) = refused else {
            panic!("{refused:?}");
        };
        assert!(message.contains("quota `timers`"), "{message}");
        assert_eq!(
            host.state.host_memory.used(),
            memory + 2 * super::ENTRY_BYTES
        );
        assert_eq!(timers_set(&host), 2);
        host.state.call.pending =
            super::Pending::new(&host.state.call.app, host.state.host_memory.clone());
        assert_eq!(
            host.state.host_memory.used(),
            memory,
            "a dropped table gives its memory back"
        );
        assert_eq!(timers_set(&host), 0);
    }

    #[test]
    fn firings_past_the_per_second_limit_wait_for_the_next_second() {
        let mut host = host("timer_firings_per_second = 2");
        let pending = &mut host.state.call.pending;
        for _ in 0..3 {
            pending.set_timer(0, false).unwrap();
        }
        let now = later(10);
        pending.window = (now, 0);
        assert_eq!(delivered(&mut host, now).len(), 2);
        let wake = host.state.call.pending.wake(now).at().unwrap();
        assert!(
            wake >= now + Duration::from_secs(1),
            "the third waits a second"
        );
        assert_eq!(delivered(&mut host, now + Duration::from_secs(1)).len(), 1);
    }

    #[test]
    fn a_cancelled_call_delivers_nothing_even_when_already_due() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        let id = pending.set_timer(0, false).unwrap();
        pending.collect(later(100));
        pending.cancel(id);
        pending.cancel(9_999);
        assert_eq!(delivered(&mut host, later(100)), []);
        assert_eq!(host.state.call.pending.timers(), 0);
    }

    #[test]
    fn a_page_leaving_cancels_its_calls_and_keeps_the_apps() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        pending.owner = Owner::Page(7);
        let page = pending.set_timer(60_000, true).unwrap();
        pending.owner = Owner::App;
        let app = pending.set_timer(60_000, false).unwrap();
        pending.page_left(7);
        let next = pending.next(Instant::now()).unwrap();
        assert_eq!((next.id, next.owner), (page, None));
        assert!(matches!(&next.outcome, Outcome::Cancelled(m) if m == "page unloaded"));
        assert_eq!(pending.timers(), 1);
        assert_eq!(delivered(&mut host, later(120_000)), [(app, true)]);
    }

    #[test]
    fn a_component_detaching_cancels_its_calls_and_its_page_leaving_the_rest() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        pending.owner = Owner::Component { page: 7, id: 3 };
        let detaching = pending.set_timer(60_000, false).unwrap();
        pending.owner = Owner::Component { page: 7, id: 4 };
        let staying = pending.set_timer(60_000, true).unwrap();
        pending.owner = Owner::Page(8);
        let other_page = pending.set_timer(60_000, false).unwrap();
        pending.component_left(3);
        let next = pending.next(Instant::now()).unwrap();
        assert_eq!((next.id, next.owner), (detaching, None));
        assert!(matches!(&next.outcome, Outcome::Cancelled(m) if m == "component detached"));
        assert_eq!(pending.timers(), 2);
        pending.delivered();
        // Its page leaving takes the other instance with it.
        pending.page_left(7);
        let next = pending.next(Instant::now()).unwrap();
        assert_eq!(next.id, staying);
        assert!(matches!(&next.outcome, Outcome::Cancelled(m) if m == "component detached"));
        pending.delivered();
        assert_eq!(pending.timers(), 1);
        assert_eq!(delivered(&mut host, later(120_000)), [(other_page, true)]);
    }

    #[test]
    fn cancellations_nobody_delivers_keep_their_charge_until_delivered() {
        let mut host = host("timers = 4");
        let memory = host.state.host_memory.used();
        let pending = &mut host.state.call.pending;
        pending.owner = Owner::Page(7);
        let ids: Vec<u64> = (0..4)
            .map(|_| pending.set_timer(60_000, false).unwrap())
            .collect();
        pending.page_left(7);
        assert_eq!(pending.timers(), 0, "the quota is free again");
        let charged = |host: &TestHost| host.state.host_memory.used() - memory;
        assert_eq!(
            charged(&host),
            4 * super::ENTRY_BYTES,
            "held while they wait"
        );
        let pending = &mut host.state.call.pending;
        assert_eq!(pending.next(Instant::now()).unwrap().id, ids[0]);
        pending.cancel(ids[1]);
        assert_eq!(charged(&host), 2 * super::ENTRY_BYTES);
        host.state.call.pending =
            super::Pending::new(&host.state.call.app, host.state.host_memory.clone());
        assert_eq!(charged(&host), 0, "a dropped table gives them back");
    }

    #[test]
    fn a_task_that_finished_while_hidden_is_due_as_soon_as_shown() {
        let mut host = host("");
        let runtime = current_thread();
        let start = Instant::now();
        let id = runtime.block_on(async {
            let pending = &mut host.state.call.pending;
            let id = pending.start(async { Ok(None) }).unwrap();
            pending.hidden(start);
            while pending.inbox.finished.lock().unwrap().is_empty() {
                tokio::task::yield_now().await;
            }
            // A wake taken before the app was hidden uses up the signal.
            let notified = pending.inbox.notify.notified();
            notified.await;
            id
        });
        let pending = &mut host.state.call.pending;
        assert!(pending.wake(start).at().is_none(), "nothing while hidden");
        pending.shown(start);
        assert_eq!(pending.wake(start).at(), Some(start));
        assert_eq!(delivered(&mut host, start), [(id, true)]);
    }

    #[test]
    fn a_stream_completes_once_per_answer_in_order_and_ends_after_its_last() {
        let mut host = host("");
        let memory = host.state.host_memory.used();
        let runtime = current_thread();
        let id = runtime.block_on(async {
            let pending = &mut host.state.call.pending;
            let id = (pending.start_stream(|sender| async move {
                sender.send(Box::new(1u32));
                sender.send(Box::new(2u32));
            }))
            .unwrap();
            // Two answers and the end.
            while pending.inbox.streamed.lock().unwrap().len() < 3 {
                tokio::task::yield_now().await;
            }
            id
        });
        let pending = &mut host.state.call.pending;
        let now = Instant::now();
        assert_eq!((pending.streams(), pending.calls()), (1, 1));
        for expected in [1u32, 2] {
            let next = pending.next(now).unwrap();
            assert_eq!((next.id, next.owner), (id, Some(Owner::App)));
            assert!(matches!(next.outcome, Outcome::Done));
            assert_eq!(pending.take_answer::<u32>(id), Some(expected));
            pending.delivered();
        }
        assert!(pending.next(now).is_none(), "nothing after the last answer");
        assert!(!pending.is_pending(id), "the stream ended");
        assert_eq!(pending.streams(), 0);
        assert_eq!(host.state.host_memory.used(), memory);
    }

    #[test]
    fn a_stream_ends_with_its_page_and_what_it_sent_goes() {
        let mut host = host("");
        let runtime = current_thread();
        let pending = &mut host.state.call.pending;
        pending.owner = Owner::Page(7);
        let id = runtime.block_on(async {
            let id = (pending.start_stream(|sender| async move {
                sender.send(Box::new(1u32));
                std::future::pending::<()>().await;
            }))
            .unwrap();
            while pending.inbox.streamed.lock().unwrap().is_empty() {
                tokio::task::yield_now().await;
            }
            id
        });
        pending.page_left(7);
        let next = pending.next(Instant::now()).unwrap();
        assert_eq!((next.id, next.owner), (id, None));
        assert!(matches!(&next.outcome, Outcome::Cancelled(m) if m == "page unloaded"));
        assert_eq!(pending.take_answer::<u32>(id), None, "its answer went");
        assert!(pending.next(Instant::now()).is_none());
        assert_eq!(pending.streams(), 0);
    }

    #[test]
    fn a_hidden_app_gets_nothing_and_its_timers_keep_the_time_left() {
        let mut host = host("");
        let pending = &mut host.state.call.pending;
        let start = Instant::now();
        let id = pending.set_timer(1_000, false).unwrap();
        pending.hidden(start + Duration::from_millis(400));
        assert!(pending.next(start + Duration::from_secs(60)).is_none());
        assert!(pending.wake(start).at().is_none());
        // Shown again 60 s later: 600 ms were left.
        let back = start + Duration::from_secs(60);
        pending.shown(back);
        assert!(pending.next(back + Duration::from_millis(500)).is_none());
        assert_eq!(
            delivered(&mut host, back + Duration::from_millis(700)),
            [(id, true)]
        );
    }
}
