//! WeChat's callback shape over a host call that completes later:
//! `success` with its answer, `fail` with the error, `complete` either way
//! ([`http::request`](crate::http::request), [`feedback::modal`](crate::feedback::modal),
//! [`feedback::action_sheet`](crate::feedback::action_sheet)), and over a
//! call that answers at once, whose callbacks WeChat still runs later
//! ([`storage::get_storage`](crate::storage::get_storage),
//! [`device::get_system_info`](crate::device::get_system_info)...).

use std::future::Future;
use std::pin::Pin;

use crate::task::{self, TaskId};
use crate::{Error, Result};

/// The call's answer to come, once started.
type Started<T> = Pin<Box<dyn Future<Output = Result<T>>>>;
type OnSuccess<T> = Box<dyn FnOnce(T) -> Result<()>>;
type OnFail = Box<dyn FnOnce(Error) -> Result<()>>;
type OnComplete = Box<dyn FnOnce() -> Result<()>>;

/// A host call not yet started and the callbacks its end calls: add them,
/// then start it (`send` for a request, `show` for a dialog).
#[must_use = "nothing starts until .send() or .show()"]
pub struct Callbacks<T> {
    start: Box<dyn FnOnce() -> Started<T>>,
    success: Option<OnSuccess<T>>,
    fail: Option<OnFail>,
    complete: Option<OnComplete>,
}

impl<T: 'static> Callbacks<T> {
    /// The callbacks of the call `start` starts.
    pub(crate) fn new(start: impl FnOnce() -> Started<T> + 'static) -> Self {
        Callbacks {
            start: Box::new(start),
            success: None,
            fail: None,
            complete: None,
        }
    }

    /// The callbacks of `call`, a host call that answers at once, made
    /// when [`call`](Callbacks::call) is: not inline, but after the
    /// current handler (as WeChat runs an API's callbacks after the
    /// current JavaScript).
    pub(crate) fn later(call: impl FnOnce() -> Result<T> + 'static) -> Self {
        Callbacks::new(move || Box::pin(async move { call() }))
    }

    /// Make the call (`wx.getStorage({key, success, fail, complete})`):
    /// it runs, and its callbacks with it, right after the current
    /// handler returns, in the same host call, before any timer or event
    /// (a task's turn, [`task::spawn`]); nothing of it runs before this
    /// returns. A request's or a dialog's callbacks are made with their
    /// own `send` or `show`, which give its task.
    pub fn call(self) {
        self.start();
    }

    /// Called with the answer (a request's response, whatever its HTTP
    /// status; a modal's answer, confirmed or cancelled; an action sheet's
    /// item).
    pub fn success(mut self, f: impl FnOnce(T) -> Result<()> + 'static) -> Self {
        self.success = Some(Box::new(f));
        self
    }

    /// Called with the error if the call was refused or failed.
    pub fn fail(mut self, f: impl FnOnce(Error) -> Result<()> + 'static) -> Self {
        self.fail = Some(Box::new(f));
        self
    }

    /// Called after `success` or `fail`, either way.
    pub fn complete(mut self, f: impl FnOnce() -> Result<()> + 'static) -> Self {
        self.complete = Some(Box::new(f));
        self
    }

    /// Start the call now, and a task that calls the callbacks when it ends,
    /// in the completion that ends it (a refusal: right after the current
    /// handler, in the same callback). An error a callback returns is
    /// reported by that host call. If the call's page leaves the stack
    /// first, it ends with it and none of the callbacks is called (they
    /// belong to that page), as a timer's callback is not.
    pub(crate) fn start(self) -> TaskId {
        let Callbacks {
            start,
            success,
            fail,
            complete,
        } = self;
        let started = start();
        task::spawn_task(async move {
            let called = match started.await {
                Ok(answer) => success.map_or(Ok(()), |f| f(answer)),
                Err(Error::Cancelled(_)) => return Ok(()),
                Err(e) => fail.map_or(Ok(()), |f| f(e)),
            };
            let completed = complete.map_or(Ok(()), |f| f());
            called.and(completed)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;

    /// The lines a test's handler and callbacks write, in order.
    type Journal = Rc<RefCell<Vec<String>>>;

    fn note(journal: &Journal, line: impl Into<String>) -> Result<()> {
        journal.borrow_mut().push(line.into());
        Ok(())
    }

    /// A call that answers at once (`answer`), with every callback noted.
    fn later(journal: &Journal, answer: Result<u32>) -> Callbacks<u32> {
        let (j1, j2, j3, j4) = (
            journal.clone(),
            journal.clone(),
            journal.clone(),
            journal.clone(),
        );
        Callbacks::later(move || {
            note(&j1, "the call")?;
            answer
        })
        .success(move |n| note(&j2, format!("success {n}")))
        .fail(move |e| note(&j3, format!("fail {e}")))
        .complete(move || note(&j4, "complete"))
    }

    #[test]
    fn a_call_that_answers_at_once_runs_with_its_callbacks_after_the_handler() {
        task::reset();
        let journal = Journal::default();
        let handled = {
            later(&journal, Ok(7)).call();
            later(&journal, Err(Error::Failed("data not found".into()))).call();
            note(&journal, "the handler returns")
        };
        assert_eq!(task::finish(handled), Ok(()));
        assert_eq!(
            *journal.borrow(),
            [
                "the handler returns",
                "the call",
                "success 7",
                "complete",
                "the call",
                "fail failed: data not found",
                "complete",
            ]
        );
    }

    #[test]
    fn an_error_of_a_callback_is_the_host_call_s() {
        task::reset();
        Callbacks::later(|| Ok(1))
            .success(|_| Err(Error::app("the app's own")))
            .call();
        assert_eq!(task::finish(Ok(())), Err(Error::app("the app's own")));
    }
}
