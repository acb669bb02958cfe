//! The app's exports: the host's calls into the app (lifecycle, page hooks,
//! completions), each run as one turn: the hook, then the tasks and
//! callbacks it leaves ([`task::finish`]); and [`with_app`], the app's state
//! for them.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use crate::bindings::exports::miniapp::host::completions::{Guest as CompletionsGuest, Outcome};
use crate::bindings::exports::miniapp::host::lifecycle::{self as wit, Guest};
use crate::bindings::exports::miniapp::host::page::Guest as PageGuest;
use crate::{App, Error, Event, Launch, PageLoad, Result, task};

thread_local! {
    static APP: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    /// Whether [`App::init`] ran: at the host's snapshot (then this is
    /// `true` in every instance's memory) or at an instance's first call.
    static INITIALISED: Cell<bool> = const { Cell::new(false) };
}

/// Run [`App::init`] unless it already ran in this instance (or in the
/// snapshot it started from).
pub(crate) fn initialise<A: App>() -> Result<(), String> {
    if INITIALISED.replace(true) {
        return Ok(());
    }
    A::init().map_err(|e| e.to_string())
}

impl<A: App> crate::bindings::Guest for Lifecycle<A> {
    fn wizer_initialize() -> Result<(), String> {
        initialise::<A>()
    }
}

/// Reach the app's state from a task or a timer's callback: calls `f` with
/// the app (of type `A`, the one [`export_app!`](crate::export_app)
/// exports) and gives its result.
///
/// An [`Error::App`] when a hook of the app is running (a hook has the app
/// as `&mut self`: call this from the tasks and callbacks it starts, which
/// run after it returns), when `with_app` is already running, when `A` is
/// not the exported type, or before the host first called the app.
///
/// ```ignore
/// timer::set_timeout(1_000, || {
///     let count = miniapp_sdk::with_app(|app: &mut Counter| {
///         app.count += 1;
///         app.count
///     })?;
///     view::set("count", count)
/// })?;
/// ```
pub fn with_app<A: App, R>(f: impl FnOnce(&mut A) -> R) -> Result<R> {
    APP.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return Err(Error::app(
                "with_app: the app is in use by a running hook (call with_app from the \
                 tasks and callbacks it starts)",
            ));
        };
        let Some(app) = slot.as_mut() else {
            return Err(Error::app("with_app: the host has not called the app yet"));
        };
        let Some(app) = app.downcast_mut::<A>() else {
            return Err(Error::app(format!(
                "with_app: the exported app is not a {}",
                std::any::type_name::<A>()
            )));
        };
        Ok(f(app))
    })
}

/// Implements the WIT exports for the app type `A` (used by
/// [`export_app!`](crate::export_app)).
pub struct Lifecycle<A>(PhantomData<A>);

/// One host call: the hook with the app (released when it returns), then
/// the tasks and callbacks; the outcome as the host takes it.
pub(crate) fn turn<A: App>(hook: impl FnOnce(&mut A) -> Result<()>) -> Result<(), String> {
    initialise::<A>()?;
    let handled = APP.with(|slot| {
        let mut slot = slot.borrow_mut();
        let app = slot
            .get_or_insert_with(|| Box::new(A::default()))
            .downcast_mut::<A>()
            .expect("one app type per component");
        hook(app)
    });
    // The events its components triggered back at a page while it ran.
    let handled = handled.and_then(|()| crate::instances::deliver_deferred());
    task::finish(handled).map_err(|e| e.to_string())
}

/// Whether a hook of the app is running (the app is borrowed).
pub(crate) fn app_busy() -> bool {
    APP.with(|slot| slot.try_borrow_mut().is_err())
}

/// Call `hook` with the app inside another call (a component's event
/// reaching a page the app handles): an [`Error::App`] when a hook of the
/// app is running.
pub(crate) fn app_call<A: App>(hook: impl FnOnce(&mut A) -> Result<()>) -> Result<()> {
    initialise::<A>().map_err(Error::app)?;
    APP.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return Err(Error::app(
                "a component's event reached the app while one of its hooks is running",
            ));
        };
        let app = slot.get_or_insert_with(|| Box::new(A::default()));
        let app = app
            .downcast_mut::<A>()
            .ok_or_else(|| Error::app("one app type per component"))?;
        hook(app)
    })
}

impl<A: App> Guest for Lifecycle<A> {
    fn on_launch(options: wit::LaunchOptions) -> Result<(), String> {
        let launch = Launch {
            path: options.path,
            query: options.query.into_iter().collect(),
            scene: options.scene,
            referrer: options.referrer,
        };
        crate::system::launched(&launch);
        turn(|app: &mut A| app.on_launch(&launch))
    }

    fn on_show() -> Result<(), String> {
        turn(A::on_show)
    }

    fn on_hide() -> Result<(), String> {
        turn(A::on_hide)
    }

    fn on_event(event: wit::Event) -> Result<(), String> {
        let event = Event::from(event);
        turn(|app: &mut A| app.on_event(&event))
    }
}

/// The host's event as the app reads it (its detail parsed, `null` when
/// the host sent none or invalid JSON).
impl From<wit::Event> for Event {
    fn from(event: wit::Event) -> Event {
        Event {
            detail: serde_json::from_str(&event.detail).unwrap_or_default(),
            page: event.page,
            handler: event.handler,
            dataset: event.dataset.into_iter().collect(),
            gesture: event.gesture,
        }
    }
}

impl<A: App> PageGuest for Lifecycle<A> {
    fn on_load(route: String, query: Vec<(String, String)>) -> Result<(), String> {
        let page = PageLoad {
            route,
            query: query.into_iter().collect(),
        };
        turn(|app: &mut A| app.on_load(&page))
    }

    fn on_ready(route: String) -> Result<(), String> {
        turn(|app: &mut A| app.on_ready(&route))
    }

    fn on_unload(route: String) -> Result<(), String> {
        turn(|app: &mut A| app.on_unload(&route))
    }
}

impl<A: App> CompletionsGuest for Lifecycle<A> {
    fn on_complete(id: u64, outcome: Outcome) -> Result<(), String> {
        let outcome = match outcome {
            Outcome::Done => Ok(()),
            Outcome::Failed(e) => Err(Error::from(e)),
            Outcome::Cancelled(why) => Err(Error::Cancelled(why)),
        };
        task::complete(id, outcome);
        task::finish(Ok(())).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counter {
        count: u32,
    }

    impl App for Counter {
        fn on_event(&mut self, _: &Event) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn with_app_reaches_the_app_between_hooks_and_refuses_during_one() {
        let before = with_app(|app: &mut Counter| app.count);
        assert!(matches!(before, Err(Error::App(m)) if m.contains("not called the app yet")));
        let during = turn(|app: &mut Counter| {
            app.count = 1;
            let during = with_app(|app: &mut Counter| app.count);
            assert!(matches!(during, Err(Error::App(m)) if m.contains("running hook")));
            task::next_tick(|| with_app(|app: &mut Counter| app.count += 1));
            Ok(())
        });
        assert_eq!(during, Ok(()));
        assert_eq!(with_app(|app: &mut Counter| app.count), Ok(2));
        let other = with_app(|n: &mut OtherApp| n.0);
        assert!(matches!(other, Err(Error::App(m)) if m.contains("not a")));
    }

    #[derive(Default)]
    struct OtherApp(u8);

    impl App for OtherApp {
        fn on_event(&mut self, _: &Event) -> Result<()> {
            Ok(())
        }
    }
}
