//! Timers against the fake host (`pending::fake`), with WeChat's semantics.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::*;
use crate::pending::fake;
use crate::task::{complete, finish, spawn};

fn fresh() {
    task::reset();
    fake::host(|h| *h = fake::Host::default());
    TIMERS.with(|t| *t.borrow_mut() = IdMap::default());
}

/// Counts the calls of a callback, and whether the callback was dropped.
#[derive(Clone, Default)]
struct Probe {
    calls: Rc<Cell<u32>>,
    dropped: Rc<Cell<bool>>,
}

struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

impl Probe {
    fn callback(&self) -> impl FnMut() -> Result<()> + 'static {
        let calls = self.calls.clone();
        let flag = DropFlag(self.dropped.clone());
        move || {
            let _keep = &flag;
            calls.set(calls.get() + 1);
            Ok(())
        }
    }
}

#[test]
fn a_timeout_calls_its_callback_once_when_it_fires() {
    fresh();
    let probe = Probe::default();
    let id = set_timeout(250, probe.callback()).unwrap();
    assert_eq!(fake::host(|h| h.timers.clone()), [(id.get(), 250, false)]);
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(probe.calls.get(), 0, "not before it fires");
    complete(id.get(), Ok(()));
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!((probe.calls.get(), probe.dropped.get()), (1, true));
    complete(id.get(), Ok(()));
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(probe.calls.get(), 1, "a stale firing calls nothing");
    clear_timeout(id);
    assert!(
        fake::host(|h| h.cancelled.is_empty()),
        "clearing a fired timer is a no-op"
    );
}

#[test]
fn a_cleared_timeout_is_cancelled_and_its_callback_dropped_uncalled() {
    // Cleared in the handler that set it (before its task was first
    // polled), and in a later one.
    for polled_first in [false, true] {
        fresh();
        let probe = Probe::default();
        let id = set_timeout(1_000, probe.callback()).unwrap();
        if polled_first {
            assert_eq!(finish(Ok(())), Ok(()));
        }
        clear_timeout(id);
        clear_timeout(id);
        clear_interval(TimerId(12_345));
        assert_eq!(finish(Ok(())), Ok(()));
        assert_eq!(fake::host(|h| h.cancelled.clone()), [id.get()]);
        assert_eq!((probe.calls.get(), probe.dropped.get()), (0, true));
    }
}

#[test]
fn a_timeout_the_host_cancels_drops_its_callback_without_an_error() {
    fresh();
    let probe = Probe::default();
    let id = set_timeout(1_000, probe.callback()).unwrap();
    assert_eq!(finish(Ok(())), Ok(()));
    complete(id.get(), Err(Error::Cancelled("page unloaded".into())));
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!((probe.calls.get(), probe.dropped.get()), (0, true));
    assert!(
        fake::host(|h| h.cancelled.is_empty()),
        "the host ended it already"
    );
    assert!(TIMERS.with(|t| t.borrow().is_empty()));
}

#[test]
fn an_interval_fires_with_the_same_id_until_its_callback_clears_it() {
    fresh();
    let fired = Rc::new(Cell::new(0));
    let me = Rc::new(Cell::new(None));
    let (f, m) = (fired.clone(), me.clone());
    let id = set_interval(100, move || {
        f.set(f.get() + 1);
        if f.get() == 3 {
            clear_interval(m.get().unwrap());
        }
        Ok(())
    })
    .unwrap();
    me.set(Some(id));
    assert_eq!(fake::host(|h| h.timers.clone()), [(id.get(), 100, true)]);
    for _ in 0..4 {
        assert_eq!(finish(Ok(())), Ok(()));
        complete(id.get(), Ok(()));
    }
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(fired.get(), 3, "no firing after it cleared itself");
    assert_eq!(fake::host(|h| h.cancelled.clone()), [id.get()]);
    assert!(TIMERS.with(|t| t.borrow().is_empty()));
}

#[test]
fn an_intervals_error_is_reported_and_it_goes_on() {
    fresh();
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    let id = set_interval(100, move || {
        f.set(f.get() + 1);
        Err(Error::app(format!("firing {}", f.get())))
    })
    .unwrap();
    assert_eq!(finish(Ok(())), Ok(()));
    complete(id.get(), Ok(()));
    assert_eq!(finish(Ok(())), Err(Error::app("firing 1")));
    complete(id.get(), Ok(()));
    assert_eq!(finish(Ok(())), Err(Error::app("firing 2")));
    clear_interval(id);
    assert_eq!(fake::host(|h| h.cancelled.clone()), [id.get()]);
}

#[test]
fn sleep_starts_its_timer_when_polled_and_resolves_with_how_it_ended() {
    fresh();
    let ended = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..2 {
        let e = ended.clone();
        spawn(async move {
            let outcome = sleep(60_000).await;
            e.borrow_mut().push(outcome);
            Ok(())
        });
    }
    assert!(
        fake::host(|h| h.timers.is_empty()),
        "not started before it is polled"
    );
    assert_eq!(finish(Ok(())), Ok(()));
    let ids: Vec<_> = fake::host(|h| h.timers.iter().map(|t| t.0).collect());
    assert_eq!(ids.len(), 2);
    complete(ids[0], Ok(()));
    complete(ids[1], Err(Error::Cancelled("page unloaded".into())));
    assert_eq!(finish(Ok(())), Ok(()));
    assert_eq!(
        *ended.borrow(),
        [Ok(()), Err(Error::Cancelled("page unloaded".into()))]
    );
    assert!(fake::host(|h| h.cancelled.is_empty()));
}

#[test]
fn a_refused_timer_is_the_hosts_error() {
    fresh();
    fake::host(|h| h.timers_allowed = Some(1));
    let first = set_timeout(10, || Ok(()));
    assert!(first.is_ok());
    let refused = set_interval(10, || Ok(())).unwrap_err();
    assert_eq!(refused.kind(), "quota-exceeded");
    spawn(async { sleep(10).await });
    assert_eq!(finish(Ok(())).map_err(|e| e.kind()), Err("quota-exceeded"));
}
