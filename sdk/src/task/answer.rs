//! The answer of a host call that completes later, taken during the
//! completion that delivers it (the only time the host holds it), by a task
//! of its own: so an app that awaits another call first loses nothing.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::{TaskId, abort, completion, spawn_task};
use crate::Result;
use crate::pending::CallId;

/// The answer of a call, once its completion has come: `take` ran then.
/// Dropped before it resolves, it cancels the call.
pub(crate) struct Answer<T> {
    /// The call's id, as the host gave it.
    id: CallId,
    slot: Rc<RefCell<Slot<T>>>,
    /// The task that takes the answer when the completion comes.
    taker: TaskId,
}

/// The answer once taken, and who awaits it.
struct Slot<T> {
    answer: Option<Result<T>>,
    waker: Option<Waker>,
}

/// The answer of call `id`, taken with `take` during its completion (an
/// error outcome is the answer as it is).
pub(crate) fn answer<T: 'static>(
    id: CallId,
    take: impl FnOnce(CallId) -> Result<T> + 'static,
) -> Answer<T> {
    let call = completion(id);
    let slot = Rc::new(RefCell::new(Slot {
        answer: None,
        waker: None,
    }));
    let filled = slot.clone();
    let taker = spawn_task(async move {
        let answer = call.await.and_then(|()| take(id));
        let waker = {
            let mut slot = filled.borrow_mut();
            slot.answer = Some(answer);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    });
    Answer { id, slot, taker }
}

impl<T> Answer<T> {
    /// The call's id, as the host gave it.
    pub(crate) fn id(&self) -> CallId {
        self.id
    }
}

impl<T> Future for Answer<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let mut slot = self.slot.borrow_mut();
        match slot.answer.take() {
            Some(answer) => Poll::Ready(answer),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Answer<T> {
    fn drop(&mut self) {
        // A call that has ended leaves no task: this is then a no-op.
        abort(self.taker);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::answer;
    use crate::pending::fake;
    use crate::task::{complete, finish, reset, spawn};
    use crate::{Error, Result};

    #[test]
    fn an_answer_is_taken_in_its_completion_while_another_is_awaited() {
        reset();
        fake::host(|h| *h = fake::Host::default());
        let taken = Rc::new(RefCell::new(Vec::new()));
        let got = Rc::new(RefCell::new(Vec::new()));
        let (t, g) = (taken.clone(), got.clone());
        let handler = move || {
            let take = |t: &Rc<RefCell<Vec<u64>>>| {
                let t = t.clone();
                move |id| {
                    t.borrow_mut().push(id);
                    Ok(id * 10)
                }
            };
            let first = answer(1, take(&t));
            let second = answer(2, take(&t));
            spawn(async move {
                let a = first.await?;
                let b = second.await?;
                g.borrow_mut().extend([a, b]);
                Ok(())
            });
            Ok(())
        };
        assert!(finish(handler()).is_ok());
        // The second completes first, while the task awaits the first.
        complete(2, Ok(()));
        assert!(finish(Ok(())).is_ok());
        assert_eq!(*taken.borrow(), [2], "taken in its own completion");
        complete(1, Ok(()));
        assert!(finish(Ok(())).is_ok());
        assert_eq!(*got.borrow(), [10, 20]);
    }

    #[test]
    fn a_failed_call_is_its_answer_and_a_dropped_one_is_cancelled() {
        reset();
        fake::host(|h| *h = fake::Host::default());
        let got: Rc<RefCell<Option<Result<u64>>>> = Rc::default();
        let g = got.clone();
        let failing = answer(1, |_| Ok(1));
        spawn(async move {
            *g.borrow_mut() = Some(failing.await);
            Ok(())
        });
        drop(answer(2, |_| Ok(2)));
        assert!(finish(Ok(())).is_ok());
        complete(1, Err(Error::Failed("refused".into())));
        assert!(finish(Ok(())).is_ok());
        let got = got.borrow_mut().take();
        assert!(
            matches!(&got, Some(Err(Error::Failed(m))) if m == "refused"),
            "{got:?}"
        );
        assert_eq!(fake::host(|h| h.cancelled.clone()), [2]);
    }

    #[test]
    fn a_thread_that_ends_with_an_answer_awaited_drops_it_quietly() {
        // The executor's tasks drop with the thread: an answer among them
        // must not reach the executor being destroyed (a panic there aborts
        // the whole process).
        let ended = std::thread::spawn(|| {
            let pending = answer(1, |_| Ok(1));
            spawn(async move {
                pending.await?;
                Ok(())
            });
            assert!(finish(Ok(())).is_ok());
        })
        .join();
        assert!(ended.is_ok());
    }
}
