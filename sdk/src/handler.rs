//! The host's calls routed to typed pages: the open pages (one value per
//! page on the stack, made on its load, dropped on its unload), each
//! event, load, ready and unload of a typed page's route given to it, the
//! rest to the app's [`App`] hooks as before. `export_app!(App, pages =
//! [...])` exports [`Typed`].

use std::cell::RefCell;
use std::marker::PhantomData;

use crate::bindings::exports::miniapp::host::completions::{Guest as CompletionsGuest, Outcome};
use crate::bindings::exports::miniapp::host::lifecycle::{self as wit, Guest};
use crate::bindings::exports::miniapp::host::page::Guest as PageGuest;
use crate::bindings::exports::miniapp::host::page_events::{Guest as PageEventsGuest, PageEvent};
use crate::export::Lifecycle;
use crate::instances::Components;
use crate::page::{AnyPage, Hook, Pages, Query};
use crate::{App, Error, Event, Page, Result, nav, task};

/// A page on the stack: its serial (as [`nav::current_pages`] gives it,
/// when the host said) and its value.
struct Open {
    serial: Option<u64>,
    page: Box<dyn AnyPage>,
}

thread_local! {
    static OPEN: RefCell<Vec<Open>> = const { RefCell::new(Vec::new()) };
}

/// Reach the open page of type `P` (the top-most, if it is on the stack
/// twice) from a task or a timer's callback, as [`with_app`](crate::with_app)
/// reaches the app.
///
/// An [`Error::App`] when no page of type `P` is open, or while a page's
/// hook or handler is running (it has its page as `&mut self`: call this
/// from the tasks and callbacks it starts).
pub fn with_page<P: Page, R>(f: impl FnOnce(&mut P) -> R) -> Result<R> {
    OPEN.with(|open| {
        let Ok(mut open) = open.try_borrow_mut() else {
            return Err(Error::app(
                "with_page: a page's hook or handler is running (call with_page from the \
                 tasks and callbacks it starts)",
            ));
        };
        let found = (open.iter_mut().rev()).find_map(|o| o.page.as_any().downcast_mut::<P>());
        match found {
            Some(page) => Ok(f(page)),
            None => Err(Error::app(format!(
                "with_page: no `{}` page is open",
                P::ROUTE
            ))),
        }
    })
}

/// Which open page a call is for.
enum Which<'a> {
    /// The page of this serial, else the top-most of this route.
    Serial(u64, &'a str),
    /// The top-most page of this route (an event: it is on screen).
    Route(&'a str),
    /// The page leaving: the top-most of this route no longer on the stack.
    Leaving(&'a str, Vec<u64>),
}

impl Which<'_> {
    fn matches(&self, open: &Open) -> bool {
        match self {
            Which::Serial(serial, route) => match open.serial {
                Some(known) => known == *serial,
                None => open.page.route() == *route,
            },
            Which::Route(route) => open.page.route() == *route,
            Which::Leaving(route, stack) => {
                open.page.route() == *route && open.serial.is_none_or(|s| !stack.contains(&s))
            }
        }
    }
}

/// One host call to an open page: `call` with the page (released when it
/// returns), then the tasks and callbacks it started; `None` when no open
/// page matches.
fn page_turn<R>(
    which: &Which<'_>,
    call: impl FnOnce(&mut dyn AnyPage) -> Result<R>,
) -> Option<Result<R, String>> {
    let handled = OPEN.with(|open| {
        let mut open = open.borrow_mut();
        let found = open.iter_mut().rev().find(|o| which.matches(o))?;
        Some(call(found.page.as_mut()))
    })?;
    // The events its components triggered back at a page while it ran.
    let handled = handled.and_then(|answer| crate::instances::deliver_deferred().map(|()| answer));
    let (handled, answer) = match handled {
        Ok(answer) => (Ok(()), Some(answer)),
        Err(e) => (Err(e), None),
    };
    Some(
        task::finish(handled)
            .map(|()| answer.expect("an answer when handled"))
            .map_err(|e| e.to_string()),
    )
}

/// The serial of a page of `route` the host just pushed: the lowest on
/// the stack no open page has.
fn new_serial(route: &str) -> Option<u64> {
    let stack = nav::current_pages();
    OPEN.with(|open| {
        let open = open.borrow();
        (stack.iter())
            .filter(|p| p.route == route)
            .map(|p| p.serial)
            .find(|s| !open.iter().any(|o| o.serial == Some(*s)))
    })
}

/// Whether a page's hook or handler is running (its page is borrowed).
pub(crate) fn page_busy() -> bool {
    OPEN.with(|open| open.try_borrow_mut().is_err())
}

/// Call the handler `event.handler` of the typed page of `serial` (a
/// listener of a component's triggered event), without finishing the
/// turn (the caller's does); `None` when no typed page has it.
pub(crate) fn page_call(serial: u64, event: &Event) -> Option<Result<()>> {
    OPEN.with(|open| {
        let Ok(mut open) = open.try_borrow_mut() else {
            return Some(Err(Error::app(format!(
                "handler `{}` of page `{}`: a page's hook or handler is running (a component's \
                 event reached a page from inside one)",
                event.handler, event.page
            ))));
        };
        let which = Which::Serial(serial, &event.page);
        let found = open.iter_mut().rev().find(|o| which.matches(o))?;
        Some(found.page.dispatch(event))
    })
}

/// The WIT exports of app `A` with typed pages `S` and components `K`
/// (what `export_app!(A, pages = [...], components = [...])` exports).
pub struct Typed<A, S, K = ()>(PhantomData<(A, S, K)>);

impl<A: App, S: Pages, K: Components> crate::bindings::Guest for Typed<A, S, K> {
    fn wizer_initialize() -> Result<(), String> {
        crate::export::initialise::<A>()
    }
}

impl<A: App, S: Pages, K: Components> Guest for Typed<A, S, K> {
    fn on_launch(options: wit::LaunchOptions) -> Result<(), String> {
        crate::export::initialise::<A>()?;
        crate::instances::install::<A, K>();
        <Lifecycle<A> as Guest>::on_launch(options)
    }

    fn on_show() -> Result<(), String> {
        <Lifecycle<A> as Guest>::on_show()
    }

    fn on_hide() -> Result<(), String> {
        <Lifecycle<A> as Guest>::on_hide()
    }

    fn on_event(event: wit::Event) -> Result<(), String> {
        let typed = Event::from(event.clone());
        let routed = page_turn(&Which::Route(&typed.page), |page| page.dispatch(&typed));
        match routed {
            Some(done) => done,
            None => <Lifecycle<A> as Guest>::on_event(event),
        }
    }
}

impl<A: App, S: Pages, K: Components> PageGuest for Typed<A, S, K> {
    fn on_load(route: String, query: Vec<(String, String)>) -> Result<(), String> {
        crate::instances::install::<A, K>();
        let Some(page) = S::open(&route) else {
            return <Lifecycle<A> as PageGuest>::on_load(route, query);
        };
        let serial = new_serial(&route);
        OPEN.with(|open| open.borrow_mut().push(Open { serial, page }));
        let query = Query(query.into_iter().collect());
        let loaded = page_turn(&Which::Route(&route), |page| page.hook(Hook::Load(&query)));
        loaded.expect("the page just opened").map(drop)
    }

    fn on_ready(route: String) -> Result<(), String> {
        match page_turn(&Which::Route(&route), |page| page.hook(Hook::Ready)) {
            Some(done) => done.map(drop),
            None => <Lifecycle<A> as PageGuest>::on_ready(route),
        }
    }

    fn on_unload(route: String) -> Result<(), String> {
        let stack = nav::current_pages().into_iter().map(|p| p.serial).collect();
        let leaving = Which::Leaving(&route, stack);
        let unloaded = page_turn(&leaving, |page| page.hook(Hook::Unload));
        let Some(unloaded) = unloaded else {
            return <Lifecycle<A> as PageGuest>::on_unload(route);
        };
        OPEN.with(|open| {
            let mut open = open.borrow_mut();
            if let Some(at) = open.iter().rposition(|o| leaving.matches(o)) {
                open.remove(at);
            }
        });
        unloaded.map(drop)
    }
}

impl<A: App, S: Pages, K: Components> CompletionsGuest for Typed<A, S, K> {
    fn on_complete(id: u64, outcome: Outcome) -> Result<(), String> {
        <Lifecycle<A> as CompletionsGuest>::on_complete(id, outcome)
    }
}

impl<A: App, S: Pages, K: Components> PageEventsGuest for Typed<A, S, K> {
    fn on_page_event(
        page: u64,
        route: String,
        event: PageEvent,
        json: String,
    ) -> Result<Option<String>, String> {
        let which = Which::Serial(page, &route);
        let routed = page_turn(&which, |open| page_event(open, event, &json));
        match routed {
            Some(done) => done,
            None => <Lifecycle<A> as PageEventsGuest>::on_page_event(page, route, event, json),
        }
    }

    fn on_app_error(message: String) -> Result<(), String> {
        <Lifecycle<A> as PageEventsGuest>::on_app_error(message)
    }

    fn on_page_not_found(
        path: String,
        query: Vec<(String, String)>,
        is_entry_page: bool,
    ) -> Result<bool, String> {
        <Lifecycle<A> as PageEventsGuest>::on_page_not_found(path, query, is_entry_page)
    }
}

/// Page event `event` with its `json` detail for a typed page; a share's
/// answer as the host takes it.
fn page_event(page: &mut dyn AnyPage, event: PageEvent, json: &str) -> Result<Option<String>> {
    fn detail<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
        serde_json::from_str(json)
            .map_err(|e| Error::InvalidArgument(format!("the page event's detail: {e}")))
    }
    let share = match event {
        PageEvent::Show => page.hook(Hook::Show)?,
        PageEvent::Hide => page.hook(Hook::Hide)?,
        PageEvent::PullDownRefresh => page.hook(Hook::PullDownRefresh)?,
        PageEvent::ReachBottom => page.hook(Hook::ReachBottom)?,
        PageEvent::PageScroll => page.hook(Hook::PageScroll(&detail(json)?))?,
        PageEvent::Resize => page.hook(Hook::Resize(&detail(json)?))?,
        PageEvent::TabItemTap => page.hook(Hook::TabItemTap(&detail(json)?))?,
        PageEvent::ThemeChange => {
            #[derive(serde::Deserialize)]
            struct Theme {
                theme: String,
            }
            page.hook(Hook::ThemeChange(&detail::<Theme>(json)?.theme))?
        }
        PageEvent::ShareAppMessage => page.hook(Hook::ShareAppMessage(&detail(json)?))?,
        PageEvent::ShareTimeline => page.hook(Hook::ShareTimeline)?,
    };
    share
        .map(|share| serde_json::to_string(&share))
        .transpose()
        .map_err(|e| Error::app(format!("the share answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Article {
        id: u32,
    }

    #[crate::page("detail")]
    impl Article {}

    fn open(serial: u64, id: u32) -> Open {
        Open {
            serial: Some(serial),
            page: Box::new(Article { id }),
        }
    }

    fn id_of(which: &Which<'_>) -> Option<u32> {
        let turned = page_turn(which, |page| {
            let detail = page
                .as_any()
                .downcast_mut::<Article>()
                .expect("a detail page");
            Ok(detail.id)
        });
        turned.map(|done| done.unwrap())
    }

    #[test]
    fn each_call_finds_its_own_page_of_the_stack() {
        OPEN.with(|o| *o.borrow_mut() = vec![open(1, 10), open(2, 20), open(3, 30)]);
        // An event: the top-most page of its route.
        assert_eq!(id_of(&Which::Route("detail")), Some(30));
        assert_eq!(id_of(&Which::Route("index")), None);
        // A page event: the page of its serial.
        assert_eq!(id_of(&Which::Serial(2, "detail")), Some(20));
        // An unload: the top-most page of its route no longer on the stack.
        assert_eq!(id_of(&Which::Leaving("detail", vec![1, 3])), Some(20));
        assert_eq!(with_page(|d: &mut Article| d.id), Ok(30));
        // While a page runs, no page is reached from it.
        let inside = page_turn(&Which::Route("detail"), |_| {
            Ok(with_page(|d: &mut Article| d.id))
        });
        let refused = inside.unwrap().unwrap().unwrap_err();
        assert!(
            refused.to_string().contains("hook or handler is running"),
            "{refused}"
        );
        OPEN.with(|o| o.borrow_mut().clear());
        let none = with_page(|d: &mut Article| d.id).unwrap_err();
        assert_eq!(none.to_string(), "with_page: no `detail` page is open");
    }
}
