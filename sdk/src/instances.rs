//! The component instances of an app that registers components
//! (`export_app!(A, pages = [..], components = [..])`): one value per
//! instance by id, made on the host's `created` notice (after the SDK set
//! the component's `Data::default()`), dropped after its `detached`; the
//! host's notices and handler calls routed to them; the listeners a
//! `trigger_event` reaches called at once. An instance is taken out of
//! the registry for its own call, so a listener of another instance (or
//! of a page) can run nested in it, and a call reaching the running
//! instance is an error naming it.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::bindings::exports::miniapp::host::handlers::HandlerEvent;
use crate::bindings::exports::miniapp::host::lifetimes::{Notice, PageLifetime};
use crate::bindings::miniapp::host::component::{self as host, EventOptions as Flags, Target};
use crate::component::{Component, EventOptions, Instance, Lifetime, Shared};
use crate::{App, Error, Event, Result, nav};

/// A change of an instance's data: the path set and its value, with the
/// old value when it was a property.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub(crate) path: String,
    pub(crate) value: Value,
    pub(crate) old: Option<Value>,
}

/// Most rounds of observers setting data after one call.
const MAX_ROUNDS: usize = 16;

/// What the host said of a new instance.
#[doc(hidden)]
pub struct Made<'a> {
    id: u32,
    page: u64,
    properties: &'a str,
}

/// A new instance, when the component is registered: made, or why not.
#[doc(hidden)]
pub type Opened = Option<Result<Box<dyn AnyComponent>>>;

/// The components an app registers (`export_app!` makes it).
#[doc(hidden)]
pub trait Components: 'static {
    /// Their paths.
    const PATHS: &'static [&'static str];
    /// A new instance of the component at `path`, if one of them has it.
    fn open(path: &str, made: &Made<'_>) -> Opened;
}

impl Components for () {
    const PATHS: &'static [&'static str] = &[];
    fn open(_: &str, _: &Made<'_>) -> Opened {
        None
    }
}

/// A [`Component`] instance behind a pointer: what the registry holds.
#[doc(hidden)]
pub trait AnyComponent: Any {
    /// Itself, to reach its type ([`with`]).
    fn as_any(&mut self) -> &mut dyn Any;
    /// Set its initial data and call `created`.
    fn created(&mut self) -> Result<()>;
    /// A lifetime (`attached`, `ready`, `moved`, `detached`).
    fn lifetime(&mut self, notice: &Notice) -> Result<()>;
    /// A property changed.
    fn property(&mut self, name: &str, value: Value, old: Value) -> Result<()>;
    /// A relation's `linked`, `link-changed` or `unlinked`.
    fn relation(&mut self, notice: &Notice) -> Result<()>;
    /// A page lifetime.
    fn page_lifetime(&mut self, lifetime: PageLifetime, detail: &str) -> Result<()>;
    /// A handler of its template.
    fn handle(&mut self, event: &Event) -> Result<()>;
    /// Run the observers its changes reach, until none are left.
    fn settle(&mut self) -> Result<()>;
    /// Whether changes wait for [`AnyComponent::settle`].
    fn pending(&self) -> bool;
}

/// An instance of `C`: its value, its `this`, its properties as JSON.
#[doc(hidden)]
pub struct Mounted<C: Component> {
    state: C,
    this: Instance<C>,
    properties: Map<String, Value>,
}

impl<C: Component> Mounted<C> {
    /// The instance `made` of `C`: its properties are the meta's defaults
    /// with the host's values over them; each that differs from its
    /// default is a change its observers see after `created` (WeChat's
    /// property observer for the first value, the default as the old).
    pub fn open(made: &Made<'_>) -> Result<Box<dyn AnyComponent>> {
        let mut state = C::default();
        let mut properties = defaults(<C::Properties as crate::component::Properties>::META);
        for behavior in state.behaviors() {
            properties.extend(defaults(behavior.properties_meta()));
        }
        // The component's own declaration wins over a behavior's.
        properties.extend(defaults(
            <C::Properties as crate::component::Properties>::META,
        ));
        let mut first = Vec::new();
        let given: Value = serde_json::from_str(made.properties)?;
        if let Value::Object(given) = given {
            for (name, value) in given {
                let default = properties.insert(name.clone(), value.clone());
                if default.as_ref() != Some(&value) {
                    let old = Some(default.unwrap_or(Value::Null));
                    first.push(Changed {
                        path: name,
                        value,
                        old,
                    });
                }
            }
        }
        let this = Instance {
            id: made.id,
            page: made.page,
            properties: typed::<C>(made.id, &properties)?,
            changes: RefCell::new(first),
        };
        Ok(Box::new(Mounted {
            state,
            this,
            properties,
        }))
    }
}

/// What its behaviors' methods get of instance `this` with JSON
/// `properties`.
fn shared<'a, C: Component>(
    this: &'a Instance<C>,
    properties: &'a Map<String, Value>,
) -> Shared<'a> {
    Shared {
        id: this.id,
        page: this.page,
        properties,
        changes: &this.changes,
    }
}

impl<C: Component> Mounted<C> {
    /// Lifetime `which` of each of its behaviors, in order (before the
    /// component's own, as WeChat's).
    fn behaviors_first(&mut self, which: Lifetime) -> Result<()> {
        let shared = shared(&self.this, &self.properties);
        for behavior in self.state.behaviors() {
            behavior.lifetime(which, &shared)?;
        }
        Ok(())
    }
}

/// Each property of meta list `meta` at its default (the type's empty
/// value without one).
fn defaults(meta: &str) -> Map<String, Value> {
    #[derive(serde::Deserialize)]
    struct Declared {
        name: String,
        #[serde(rename = "type")]
        kind: String,
        default: Value,
    }
    let declared: Vec<Declared> =
        serde_json::from_str(meta).expect("the Properties derive writes a valid list");
    (declared.into_iter())
        .map(|p| {
            let value = match (p.default, p.kind.as_str()) {
                (Value::Null, "String") => Value::from(""),
                (Value::Null, "Number") => Value::from(0),
                (Value::Null, "Boolean") => Value::Bool(false),
                (Value::Null, "Array") => Value::Array(Vec::new()),
                (value, _) => value,
            };
            (p.name, value)
        })
        .collect()
}

fn typed<C: Component>(id: u32, properties: &Map<String, Value>) -> Result<C::Properties> {
    serde::Deserialize::deserialize(Value::Object(properties.clone())).map_err(|e| {
        Error::InvalidArgument(format!(
            "component `{}` (instance {id}) properties: {e}",
            C::PATH
        ))
    })
}

impl<C: Component> AnyComponent for Mounted<C> {
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn created(&mut self) -> Result<()> {
        let id = self.this.id;
        for behavior in self.state.behaviors() {
            host::set_data(Target::Component(id), &behavior.initial_data()?)?;
        }
        let data = serde_json::to_string(&C::Data::default())?;
        host::set_data(Target::Component(id), &data)?;
        self.behaviors_first(Lifetime::Created)?;
        self.state.created(&self.this)
    }

    fn lifetime(&mut self, notice: &Notice) -> Result<()> {
        let which = match notice {
            Notice::Attached(_) => Lifetime::Attached,
            Notice::Ready(_) => Lifetime::Ready,
            Notice::Moved(_) => Lifetime::Moved,
            Notice::Detached(_) => Lifetime::Detached,
            _ => return Ok(()),
        };
        self.behaviors_first(which)?;
        match notice {
            Notice::Attached(_) => self.state.attached(&self.this),
            Notice::Ready(_) => self.state.ready(&self.this),
            Notice::Moved(_) => self.state.moved(&self.this),
            Notice::Detached(_) => self.state.detached(&self.this),
            _ => Ok(()),
        }
    }

    fn property(&mut self, name: &str, value: Value, old: Value) -> Result<()> {
        self.properties.insert(name.to_owned(), value.clone());
        self.this.properties = typed::<C>(self.this.id, &self.properties)?;
        let change = Changed {
            path: name.to_owned(),
            value,
            old: Some(old),
        };
        self.this.changes.borrow_mut().push(change);
        Ok(())
    }

    fn relation(&mut self, notice: &Notice) -> Result<()> {
        let this = &self.this;
        match notice {
            Notice::Linked(r) => self.state.linked(this, &r.relation, r.other),
            Notice::LinkChanged(r) => self.state.link_changed(this, &r.relation, r.other),
            Notice::Unlinked(r) => self.state.unlinked(this, &r.relation, r.other),
            _ => Ok(()),
        }
    }

    fn page_lifetime(&mut self, lifetime: PageLifetime, detail: &str) -> Result<()> {
        match lifetime {
            PageLifetime::Show => self.state.on_page_show(&self.this),
            PageLifetime::Hide => self.state.on_page_hide(&self.this),
            PageLifetime::Resize => {
                let size = serde_json::from_str(detail)
                    .map_err(|e| Error::InvalidArgument(format!("the page resize detail: {e}")))?;
                self.state.on_page_resize(&self.this, &size)
            }
        }
    }

    fn handle(&mut self, event: &Event) -> Result<()> {
        if !C::HANDLERS.contains(&event.handler.as_str()) {
            let shared = shared(&self.this, &self.properties);
            // The last behavior that has it (a later one's wins, as WeChat).
            for behavior in self.state.behaviors().into_iter().rev() {
                if let Some(done) = behavior.handle(&shared, event) {
                    return done;
                }
            }
        }
        self.state.handle(&self.this, event)
    }

    fn settle(&mut self) -> Result<()> {
        for _ in 0..MAX_ROUNDS {
            let mut changed = std::mem::take(&mut *self.this.changes.borrow_mut());
            if changed.is_empty() {
                return Ok(());
            }
            let mut retyped = false;
            for change in changed.iter_mut().filter(|c| c.old.is_none()) {
                if let Some(value) = self.properties.get_mut(&change.path) {
                    change.old = Some(std::mem::replace(value, change.value.clone()));
                    retyped = true;
                }
            }
            if retyped {
                self.this.properties = typed::<C>(self.this.id, &self.properties)?;
            }
            let shared = shared(&self.this, &self.properties);
            for behavior in self.state.behaviors() {
                behavior.observe(&shared, &changed)?;
            }
            self.state.observe(&self.this, &changed)?;
        }
        Err(Error::app(format!(
            "the observers of component `{}` (instance {}) set data {MAX_ROUNDS} rounds in a row",
            C::PATH,
            self.this.id
        )))
    }

    fn pending(&self) -> bool {
        !self.this.changes.borrow().is_empty()
    }
}

/// One instance in the registry: its component's path and its value
/// (`None` while it runs its own call).
struct Entry {
    path: &'static str,
    slot: Option<Box<dyn AnyComponent>>,
}

/// Where calls the registry cannot type go: the registered components and
/// the app's page listeners.
#[derive(Clone, Copy)]
struct Router {
    paths: &'static [&'static str],
    open: fn(&str, &Made<'_>) -> Opened,
    page: fn(u64, &Event) -> Result<()>,
}

thread_local! {
    static INSTANCES: RefCell<BTreeMap<u32, Entry>> = const { RefCell::new(BTreeMap::new()) };
    static ROUTER: Cell<Option<Router>> = const { Cell::new(None) };
    /// The gesture token of the host's handler call running, which the
    /// listeners of the events it triggers get too (one user gesture).
    static GESTURE: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Events for a page that arrived while a page's or the app's hook
    /// ran (a page handler called a component that triggered one back):
    /// delivered when that hook returns.
    static DEFERRED: RefCell<std::collections::VecDeque<(u64, Event)>> =
        const { RefCell::new(std::collections::VecDeque::new()) };
    /// The listener the app acts for now (`None`: the host's callback's
    /// own target).
    static ACTING: RefCell<Option<Target>> = const { RefCell::new(None) };
}

/// Run `f`, a listener of `to` that a `trigger_event` reached, with the
/// host acting for `to` (its setData and the calls it starts are `to`'s,
/// as WeChat's page method called from `triggerEvent` starts page work),
/// then acting again for what it acted for before.
fn acting_for<R>(to: Target, f: impl FnOnce() -> Result<R>) -> Result<R> {
    host::act_for(Some(to))?;
    let before = ACTING.with(|a| a.replace(Some(to)));
    let out = f();
    ACTING.with(|a| a.replace(before));
    let back = host::act_for(before);
    let out = out?;
    back?;
    Ok(out)
}

/// Most events for pages delivered after one hook.
const MAX_DEFERRED: usize = 256;

/// Deliver the events for pages that waited for the hook that just
/// returned, in order (and those they trigger); the first error stops
/// them and is returned.
pub(crate) fn deliver_deferred() -> Result<()> {
    for _ in 0..MAX_DEFERRED {
        let Some((serial, event)) = DEFERRED.with(|d| d.borrow_mut().pop_front()) else {
            return Ok(());
        };
        if let Err(e) = on_page(serial, event) {
            DEFERRED.with(|d| d.borrow_mut().clear());
            return Err(e);
        }
    }
    DEFERRED.with(|d| d.borrow_mut().clear());
    Err(Error::app(format!(
        "more than {MAX_DEFERRED} component events waited for their page in one call"
    )))
}

/// Route the registry's calls for app `A` with components `K`.
pub(crate) fn install<A: App, K: Components>() {
    let router = Router {
        paths: K::PATHS,
        open: K::open,
        page: page_listener::<A>,
    };
    ROUTER.with(|r| r.set(Some(router)));
}

/// Whether the installed app registers components.
pub(crate) fn registers_components() -> bool {
    ROUTER
        .with(|r| r.get())
        .is_some_and(|r| !r.paths.is_empty())
}

/// A listener on page `serial`: its typed page's handler, else the app's
/// `on_event`.
fn page_listener<A: App>(serial: u64, event: &Event) -> Result<()> {
    match crate::handler::page_call(serial, event) {
        Some(done) => done,
        None => crate::export::app_call(|app: &mut A| app.on_event(event)),
    }
}

/// Call `f` with instance `id` taken out of the registry, then put it back.
fn with_taken<R>(
    id: u32,
    f: impl FnOnce(&'static str, &mut dyn AnyComponent) -> Result<R>,
) -> Result<R> {
    let (path, mut taken) = INSTANCES.with(|all| {
        let mut all = all.borrow_mut();
        let entry = all
            .get_mut(&id)
            .ok_or_else(|| Error::app(format!("component instance {id} is unknown")))?;
        let taken = entry.slot.take().ok_or_else(|| {
            Error::app(format!(
                "component `{}` (instance {id}) is running its own call",
                entry.path
            ))
        })?;
        Ok::<_, Error>((entry.path, taken))
    })?;
    let out = f(path, taken.as_mut());
    INSTANCES.with(|all| {
        if let Some(entry) = all.borrow_mut().get_mut(&id) {
            entry.slot = Some(taken);
        }
    });
    out
}

/// [`crate::component::with`].
pub(crate) fn with<C: Component, R>(
    id: u32,
    f: impl FnOnce(&mut C, &Instance<C>) -> R,
) -> Result<R> {
    with_taken(id, |path, taken| {
        let Some(mounted) = taken.as_any().downcast_mut::<Mounted<C>>() else {
            return Err(Error::app(format!(
                "component instance {id} is a `{path}`, not a `{}`",
                C::PATH
            )));
        };
        let out = f(&mut mounted.state, &mounted.this);
        mounted.settle()?;
        Ok(out)
    })
}

/// Deliver `event` to a handler of instance `id`, then its observers.
fn deliver(id: u32, mut event: Event) -> Result<()> {
    with_taken(id, |path, taken| {
        event.page = path.to_owned();
        taken.handle(&event)?;
        taken.settle()
    })
}

/// [`Instance::trigger_event`]: the host's listeners, each called at once.
pub(crate) fn trigger(id: u32, name: &str, detail: Value, options: EventOptions) -> Result<()> {
    let mut flags = Flags::empty();
    for (on, flag) in [
        (options.bubbles, Flags::BUBBLES),
        (options.composed, Flags::COMPOSED),
        (options.capture_phase, Flags::CAPTURE_PHASE),
    ] {
        if on {
            flags |= flag;
        }
    }
    let listeners = host::trigger_event(id, name, &detail.to_string(), flags)?;
    for listener in listeners {
        let event = Event {
            page: String::new(),
            handler: listener.handler,
            detail: detail.clone(),
            dataset: dataset(&listener.current_target.dataset),
            gesture: GESTURE.with(|g| g.borrow().clone()),
        };
        match listener.to {
            Target::Component(to) => acting_for(listener.to, || deliver(to, event))?,
            Target::Page(serial) => on_page(serial, event)?,
        }
    }
    Ok(())
}

/// A triggered event for a handler of page `serial`.
fn on_page(serial: u64, mut event: Event) -> Result<()> {
    let route = (nav::current_pages().into_iter())
        .find(|p| p.serial == serial)
        .map(|p| p.route)
        .ok_or_else(|| Error::app(format!("page {serial} is not on the stack")))?;
    event.page = route;
    // A page's handler (or the app's hook) is running: it gets the event
    // when it returns.
    if crate::handler::page_busy() || crate::export::app_busy() {
        DEFERRED.with(|d| d.borrow_mut().push_back((serial, event)));
        return Ok(());
    }
    let router = ROUTER
        .with(|r| r.get())
        .ok_or_else(|| Error::app("no app is exported"))?;
    acting_for(Target::Page(serial), || {
        crate::view::for_page(serial, || (router.page)(serial, &event))
    })
}

/// A dataset as the page events take it: text values as they are, others
/// as JSON.
fn dataset(json: &str) -> BTreeMap<String, String> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
        return BTreeMap::new();
    };
    (map.into_iter())
        .map(|(name, value)| match value {
            Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect()
}

/// `handlers.on-handler` for a component instance.
pub(crate) fn on_handler(id: u32, event: HandlerEvent) -> Result<()> {
    let typed = Event {
        page: String::new(),
        handler: event.handler,
        detail: serde_json::from_str(&event.detail).unwrap_or_default(),
        dataset: dataset(&event.current_target.dataset),
        gesture: event.gesture,
    };
    GESTURE.with(|g| g.replace(typed.gesture.clone()));
    let done = deliver(id, typed);
    GESTURE.with(|g| g.take());
    done
}

/// `lifetimes.on-notices`: each notice in order (the first error is kept,
/// the rest still delivered; an instance detached stays for the
/// `unlinked` after its `detached`), then the observers of every instance
/// whose data changed, once.
pub(crate) fn on_notices(notices: Vec<Notice>) -> Result<()> {
    let mut outcome = Ok(());
    for notice in &notices {
        let step = notice_step(notice);
        if outcome.is_ok() {
            outcome = step;
        } else if let Err(also) = step {
            crate::pending::warn(&format!("also failed in these notices: {also}"));
        }
    }
    for notice in &notices {
        if let Notice::Detached(id) = notice {
            INSTANCES.with(|all| all.borrow_mut().remove(id));
        }
    }
    let pending: Vec<u32> = INSTANCES.with(|all| {
        (all.borrow().iter())
            .filter(|(_, e)| e.slot.as_ref().is_some_and(|c| c.pending()))
            .map(|(id, _)| *id)
            .collect()
    });
    for id in pending {
        let settled = with_taken(id, |_, taken| taken.settle());
        if outcome.is_ok() {
            outcome = settled;
        }
    }
    outcome
}

fn notice_step(notice: &Notice) -> Result<()> {
    match notice {
        Notice::Created(created) => {
            let router = ROUTER
                .with(|r| r.get())
                .ok_or_else(|| Error::app("no app is exported"))?;
            let made = Made {
                id: created.id,
                page: created.page,
                properties: &created.properties,
            };
            let definition = created.definition.as_str();
            let Some(opened) = (router.open)(definition, &made) else {
                return Err(Error::app(format!(
                    "component `{definition}` is not registered (the app registers `{}`)",
                    router.paths.join("`, `")
                )));
            };
            let path = router
                .paths
                .iter()
                .find(|p| **p == definition)
                .copied()
                .unwrap_or("?");
            let entry = Entry {
                path,
                slot: Some(opened?),
            };
            INSTANCES.with(|all| all.borrow_mut().insert(created.id, entry));
            // The observers of the first values run after `created`, before
            // `attached` (as WeChat's).
            with_taken(created.id, |_, taken| {
                taken.created()?;
                taken.settle()
            })
        }
        Notice::Attached(id) | Notice::Ready(id) | Notice::Moved(id) => {
            with_taken(*id, |_, taken| taken.lifetime(notice))
        }
        Notice::Detached(id) => with_taken(*id, |_, taken| taken.lifetime(notice)),
        Notice::Linked(r) | Notice::LinkChanged(r) | Notice::Unlinked(r) => {
            with_taken(r.id, |_, taken| taken.relation(notice))
        }
        Notice::Properties(change) => {
            let parse = |json: &str| serde_json::from_str(json).unwrap_or(Value::Null);
            let (value, old) = (parse(&change.value), parse(&change.old));
            with_taken(change.id, |_, taken| {
                taken.property(&change.name, value, old)
            })
        }
        Notice::PageLifetime((id, lifetime, detail)) => {
            with_taken(*id, |_, taken| taken.page_lifetime(*lifetime, detail))
        }
    }
}

#[cfg(test)]
mod tests;
