//! The executor against the fake host (`pending::fake`): order, wakers,
//! errors, cancel on drop.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::*;
use crate::pending::fake;

/// A fresh executor and host for this test (each test has its thread, but
/// say so rather than rely on it).
fn fresh() {
    reset();
    fake::host(|h| *h = fake::Host::default());
}

/// A log the test's tasks and callbacks write to.
fn journal() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

fn note(journal: &Rc<RefCell<Vec<String>>>, line: &str) {
    journal.borrow_mut().push(line.to_owned());
}

/// Pending once, waking itself during that poll, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn tasks_and_ticks_run_after_the_handler_ticks_first_each_in_order() {
    fresh();
    let j = journal();
    let handler = || {
        for name in ["task 1", "task 2"] {
            let j = j.clone();
            spawn(async move {
                note(&j, name);
                Ok(())
            });
        }
        for name in ["tick 1", "tick 2"] {
            let j = j.clone();
            next_tick(move || {
                note(&j, name);
                Ok(())
            });
        }
        note(&j, "handler");
        Ok(())
    };
    let handled = handler();
    assert_eq!(
        *j.borrow(),
        ["handler"],
        "nothing runs before the turn ends"
    );
    assert_eq!(finish(handled), Ok(()));
    assert_eq!(
        *j.borrow(),
        ["handler", "tick 1", "tick 2", "task 1", "task 2"]
    );
}

#[test]
fn a_task_waits_for_its_completion_and_resumes_in_the_call_that_delivers_it() {
    fresh();
    let j = journal();
    let call = completion(7);
    let jt = j.clone();
    spawn(async move {
        note(&jt, "waiting");
        call.await?;
        note(&jt, "done");
        Ok(())
    });
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(*j.borrow(), ["waiting"]);
    complete(7, Ok(()));
    assert_eq!(
        *j.borrow(),
        ["waiting"],
        "woken, not polled, by the completion"
    );
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(*j.borrow(), ["waiting", "done"]);
    assert!(
        fake::host(|h| h.cancelled.is_empty()),
        "a call that ended is not cancelled"
    );
    assert!(with_executor(|e| e.tasks.is_empty() && e.calls.is_empty()));
}

#[test]
fn a_stale_or_unknown_completion_is_ignored() {
    fresh();
    complete(99, Ok(()));
    let call = completion(3);
    drop(call);
    complete(3, Err(Error::Cancelled("page unloaded".into())));
    assert_eq!(finish(Ok(())), Ok(()));
    assert!(with_executor(|e| e.calls.is_empty() && e.ready.is_empty()));
}

#[test]
fn a_call_dropped_before_it_completes_is_cancelled_once() {
    fresh();
    let call = completion(5);
    spawn(call);
    assert_eq!(finish(Ok(())), Ok(()));
    let task = with_executor(|e| e.tasks.0[0].0);
    abort(task);
    abort(task);
    assert_eq!(fake::host(|h| h.cancelled.clone()), [5]);
    complete(5, Ok(()));
    assert_eq!(finish(Ok(())), Ok(()));
}

#[test]
fn a_task_woken_during_its_own_poll_is_polled_again_once() {
    fresh();
    let polls = Rc::new(Cell::new(0));
    let p = polls.clone();
    spawn(async move {
        p.set(p.get() + 1);
        YieldOnce(false).await;
        p.set(p.get() + 1);
        Ok(())
    });
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(polls.get(), 2);
    assert!(with_executor(|e| e.tasks.is_empty() && e.ready.is_empty()));
}

#[test]
fn a_task_spawned_by_a_task_runs_in_the_same_turn() {
    fresh();
    let j = journal();
    let jt = j.clone();
    spawn(async move {
        let inner = jt.clone();
        spawn(async move {
            note(&inner, "inner");
            Ok(())
        });
        next_tick({
            let jt = jt.clone();
            move || {
                note(&jt, "tick");
                Ok(())
            }
        });
        note(&jt, "outer");
        Ok(())
    });
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(*j.borrow(), ["outer", "tick", "inner"]);
}

#[test]
fn the_handlers_error_wins_and_the_others_are_logged() {
    fresh();
    spawn(async { Err(Error::app("task failed")) });
    next_tick(|| Err(Error::app("tick failed")));
    assert_eq!(
        finish(Err(Error::app("handler failed"))),
        Err(Error::app("handler failed"))
    );
    assert_eq!(
        fake::host(|h| h.warnings.clone()),
        [
            "also failed in this callback: tick failed",
            "also failed in this callback: task failed"
        ]
    );
}

#[test]
fn without_a_handler_error_the_first_task_error_is_the_outcome() {
    fresh();
    spawn(async { Err(Error::Failed("first".into())) });
    spawn(async { Err(Error::Failed("second".into())) });
    assert_eq!(finish(Ok(())), Err(Error::Failed("first".into())));
    assert_eq!(
        fake::host(|h| h.warnings.clone()),
        ["also failed in this callback: failed: second"]
    );
    assert_eq!(finish(Ok(())), Ok(()), "errors belong to their own turn");
}

#[test]
fn a_task_that_aborts_itself_is_dropped_after_its_poll_and_its_call_cancelled() {
    fresh();
    let me = Rc::new(Cell::new(0));
    let m = me.clone();
    let polls = Rc::new(Cell::new(0));
    let p = polls.clone();
    let call = completion(11);
    let id = spawn_task(async move {
        p.set(p.get() + 1);
        abort(m.get());
        // Still pending: the abort drops it when this poll returns.
        YieldOnce(false).await;
        p.set(p.get() + 1);
        call.await
    });
    me.set(id);
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(polls.get(), 1, "not polled after it aborted itself");
    assert_eq!(fake::host(|h| h.cancelled.clone()), [11]);
    assert!(with_executor(|e| e.tasks.is_empty() && e.calls.is_empty()));
}

#[test]
fn a_cancellation_is_kept_over_a_later_firing_of_the_same_call() {
    fresh();
    let mut calls = completions(4);
    let outcomes = Rc::new(RefCell::new(Vec::new()));
    let o = outcomes.clone();
    spawn(async move {
        loop {
            let outcome = calls.next().await;
            let ended = outcome.is_err();
            o.borrow_mut().push(outcome);
            if ended {
                return Ok(());
            }
        }
    });
    assert_eq!(finish(Ok(())), Ok(()));
    complete(4, Ok(()));
    assert_eq!(finish(Ok(())), Ok(()));
    complete(4, Err(Error::Cancelled("page unloaded".into())));
    complete(4, Ok(()));
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(
        *outcomes.borrow(),
        [Ok(()), Err(Error::Cancelled("page unloaded".into()))]
    );
    assert!(
        fake::host(|h| h.cancelled.is_empty()),
        "a call that ended with an error is not cancelled"
    );
}

#[test]
fn a_task_ended_by_a_cancellation_is_not_an_error_of_the_call() {
    fresh();
    let call = completion(8);
    let after = Rc::new(Cell::new(false));
    let a = after.clone();
    spawn(async move {
        call.await?;
        a.set(true);
        Ok(())
    });
    assert_eq!(finish(Ok(())), Ok(()));
    complete(8, Err(Error::Cancelled("page unloaded".into())));
    assert_eq!(finish(Ok(())), Ok(()));
    assert!(!after.get(), "the task ended at its `?`");
    assert!(fake::host(
        |h| h.warnings.is_empty() && h.cancelled.is_empty()
    ));
    assert!(with_executor(|e| e.tasks.is_empty() && e.calls.is_empty()));
}
