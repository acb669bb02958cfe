//! WeChat's callback shape over a host call that completes later:
//! `success` with its answer, `fail` with the error, `complete` either way
//! ([`http::request`](crate::http::request), [`feedback::modal`](crate::feedback::modal),
//! [`feedback::action_sheet`](crate::feedback::action_sheet)).

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
