//! Typed custom components: a component is a Rust type, its properties a
//! `#[derive(Properties)]` struct, its data a `#[derive(PageData)]` one,
//! its lifetimes, observers and handlers its methods (WeChat's
//! `Component({...})`).
//!
//! ```ignore
//! use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, component};
//!
//! #[derive(serde::Deserialize, Properties)]
//! struct StepperProps {
//!     #[property(default = 1)]
//!     value: i64,
//!     #[property(default = 99)]
//!     max: i64,
//! }
//!
//! #[derive(Default, serde::Serialize, PageData)]
//! struct StepperData { count: i64 }
//!
//! #[derive(Default)]
//! struct Stepper { count: i64 }
//!
//! #[component("components/stepper/stepper", properties = StepperProps, data = StepperData)]
//! impl Stepper {
//!     fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
//!         self.count = this.properties().value;
//!         this.set(StepperData::count(), self.count)
//!     }
//!
//!     #[observer("value")]
//!     fn value_changed(&mut self, this: &Instance<Self>) -> Result<()> {
//!         self.count = this.properties().value;
//!         this.set(StepperData::count(), self.count)
//!     }
//!
//!     #[handler]
//!     fn plus(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
//!         self.count = (self.count + 1).min(this.properties().max);
//!         this.set(StepperData::count(), self.count)?;
//!         this.trigger_event("change", &self.count, EventOptions::default())
//!     }
//! }
//!
//! miniapp_sdk::export_app!(Shop, pages = [Index], components = [Stepper]);
//! ```
//!
//! - `#[component("PATH", properties = P, data = D)]` goes on the type's
//!   `impl` (the type is `Default`: one value per instance on a page, made
//!   when the host creates the instance, dropped after its `detached`).
//!   Options after those, WeChat's: `external_classes = ["item-class"]`,
//!   `multiple_slots`, `virtual_host`, `add_global_class`,
//!   `style_isolation = "apply-shared"`.
//! - `#[derive(Properties)]`: each field a property, its WeChat type from
//!   the Rust type (`String` → String, numbers → Number, `bool` → Boolean,
//!   `Vec`, arrays and slices → Array, `serde_json::Value` → any,
//!   `Option<T>` → `T`'s, anything else → Object), its default from
//!   `#[property(default = LITERAL)]` (else the type's empty value). The
//!   host evaluates and coerces the caller's attributes; [`Instance::properties`]
//!   holds them deserialized.
//! - Lifetimes, all optional, WeChat's names: `created`, `attached`,
//!   `ready`, `moved`, `detached`, each `fn(&mut self, this:
//!   &Instance<Self>) -> Result<()>`; the page's: `on_page_show`,
//!   `on_page_hide`, `on_page_resize(&mut self, this, size: &page::Resize)`.
//!   Before `created` the SDK sets `D::default()` as the instance's data.
//! - `#[observer("value")]`, `#[observer("a, b.c")]`, `#[observer("list[2]")]`,
//!   `#[observer("obj.**")]`, `#[observer("**")]`: called once after the
//!   changes of a batch (the host's property changes, or the instance's own
//!   setData during a call) that reach its keys, `this.properties()`
//!   already updated. One observing a single property may take the old
//!   value: `fn f(&mut self, this: &Instance<Self>, old: &Value)`. A
//!   property the caller gives a value other than its default at creation
//!   is a change too, seen after `created` and before `attached` with the
//!   default as the old value (WeChat's observer of the first value).
//! - `#[handler]` methods as a page's, with `this` first: `fn
//!   plus(&mut self, this: &Instance<Self>, tap: Tap) -> Result<()>`.
//!
//! - `relations = [("../item/item", child)]` (WeChat's `relations`: the
//!   other's path from this component's folder, or from the root with
//!   `/`; `parent`, `child`, `ancestor`, `descendant`; both sides declare
//!   it): the host links instances over the tree as composed (an item
//!   given through a list's slot is the list's child) and calls
//!   `linked`, `link_changed` and `unlinked` (`fn(&mut self, this,
//!   relation: &str, other: u32)`); [`Instance::relation_nodes`] lists
//!   the linked instances.
//!
//! - `#[behavior(properties = P, data = D)]` on a type's `impl` (WeChat's
//!   `Behavior({...})`): lifetimes and `#[handler]`s taking `this:
//!   &Shared` ([`Shared::properties`], [`Shared::set_data`]...). A
//!   component mixes it in with `behaviors = [field: Type]` and a field of
//!   that type: the behavior's properties, data and handlers join its own
//!   (a handler the component lacks goes to its behaviors), its lifetimes
//!   run before the component's, in the listed order.
//!
//! A behavior's `#[observer]`s run before the component's, as its
//! lifetimes do.
//!
//! Where this differs from WeChat: no `wx://form-field` yet, nor a relation's `target` (a behavior); a property
//! or handler both the component and a behavior declare is refused at
//! load (WeChat: the component's wins); a property the component
//! sets with its own setData reads as the new value in `this.properties()`
//! from its next call on (the data has it at once); `created` may set
//! data; an event a component triggers for a page whose handler is
//! running (the page called it through [`with`]) reaches that page when
//! its handler returns, not inside the call.
//!
//! A method of another shape is a compile error naming it:
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Badge;
//! #[miniapp_sdk::component("components/badge/badge")]
//! impl Badge {
//!     #[handler]
//!     fn tap(&mut self, tap: miniapp_sdk::Tap) -> miniapp_sdk::Result<()> { Ok(()) } // no `this`
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Badge;
//! #[miniapp_sdk::component("components/badge/badge")]
//! impl Badge {
//!     #[handler]
//!     async fn tap(&mut self, this: &miniapp_sdk::Instance<Self>) -> miniapp_sdk::Result<()> { Ok(()) }
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(serde::Deserialize, miniapp_sdk::Properties)]
//! struct BadgeProps {
//!     #[serde(rename = "label.text")] // a property name is one segment
//!     label: String,
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Badge;
//! #[miniapp_sdk::component("components/badge/badge")]
//! impl Badge {
//!     fn attached(&mut self) -> miniapp_sdk::Result<()> { Ok(()) } // no `this`
//! }
//! ```
//!
//! ```
//! #[derive(serde::Deserialize, miniapp_sdk::Properties)]
//! struct BadgeProps {
//!     #[property(default = "new")]
//!     label: String,
//!     count: Option<u32>,
//! }
//! #[derive(Default)]
//! struct Badge;
//! #[miniapp_sdk::component("components/badge/badge", properties = BadgeProps)]
//! impl Badge {
//!     #[handler]
//!     fn tap(&mut self, _this: &miniapp_sdk::Instance<Self>) -> miniapp_sdk::Result<()> { Ok(()) }
//! }
//! use miniapp_sdk::component::{Component, Properties};
//! assert_eq!(<Badge as Component>::HANDLERS, ["tap"]);
//! assert_eq!(
//!     <BadgeProps as Properties>::META,
//!     r#"[{"name":"label","type":"String","default":"new"},{"name":"count","type":"Number","default":null}]"#
//! );
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::bindings::miniapp::host::component::{self as host, Target};
use crate::data_path::{Path, ValueOf};
use crate::page::Resize;
use crate::{Error, Event, PageData, Result, instances, nav};

pub use crate::instances::Changed;

/// A typed component; `#[component("PATH")]` implements it (do not
/// implement it by hand: the build's checks read the attribute).
pub trait Component: Default + 'static {
    /// Its path (`components/stepper/stepper`).
    const PATH: &'static str;
    /// Its handlers' names, as its template binds them.
    const HANDLERS: &'static [&'static str];
    /// Its entry in the package's meta, in parts (`"PATH":{...}`).
    const META: &'static [&'static str];
    /// Its properties.
    type Properties: Properties + DeserializeOwned;
    /// Its own data.
    type Data: PageData + Serialize + Default;

    /// Call the handler `event.handler` with `event` (generated).
    fn handle(&mut self, this: &Instance<Self>, event: &Event) -> Result<()>;
    /// Call the observers `changed` reaches (generated).
    fn observe(&mut self, this: &Instance<Self>, changed: &[Changed]) -> Result<()>;

    /// `created`: the instance exists; its data is `Data::default()`.
    fn created(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `attached`: it is on the page.
    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `ready`: it was rendered for the first time.
    fn ready(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `moved`: a keyed `wx:for` moved it.
    fn moved(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `detached`: it left the page (the value is dropped after this).
    fn detached(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// A relation linked it to instance `other` (WeChat's relation
    /// `linked`): `relation` is the key as `relations = [..]` writes it.
    fn linked(&mut self, this: &Instance<Self>, relation: &str, other: u32) -> Result<()> {
        let _ = (this, relation, other);
        Ok(())
    }
    /// Linked instance `other` moved, still linked (`linkChanged`).
    fn link_changed(&mut self, this: &Instance<Self>, relation: &str, other: u32) -> Result<()> {
        let _ = (this, relation, other);
        Ok(())
    }
    /// The link to instance `other` ended (`unlinked`): one of them
    /// detached (this comes after the `detached`).
    fn unlinked(&mut self, this: &Instance<Self>, relation: &str, other: u32) -> Result<()> {
        let _ = (this, relation, other);
        Ok(())
    }
    /// Its behaviors, in the order `behaviors = [..]` lists them (generated).
    fn behaviors(&mut self) -> Vec<&mut dyn AnyBehavior> {
        Vec::new()
    }
    /// `pageLifetimes.show`.
    fn on_page_show(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `pageLifetimes.hide`.
    fn on_page_hide(&mut self, this: &Instance<Self>) -> Result<()> {
        let _ = this;
        Ok(())
    }
    /// `pageLifetimes.resize`.
    fn on_page_resize(&mut self, this: &Instance<Self>, size: &Resize) -> Result<()> {
        let _ = (this, size);
        Ok(())
    }
}

/// A behavior components mix in (WeChat's `Behavior({...})`):
/// `#[behavior(properties = P, data = D)]` on its `impl` implements it.
/// Its lifetimes and handlers take `this: &Shared`.
pub trait Behavior: Default + 'static {
    /// Its properties' meta list (JSON).
    const PROPERTIES: &'static str;
    /// Its handlers' names.
    const HANDLERS: &'static [&'static str];
    /// Its handlers' names as JSON list items (`"a","b"`).
    const HANDLERS_JSON: &'static str;
    /// Its data, set on an instance before the component's own.
    type Data: Serialize + Default;

    /// Call its handler `event.handler`; `None` if it has none of that name
    /// (generated).
    fn handle(&mut self, this: &Shared<'_>, event: &Event) -> Option<Result<()>>;
    /// Call its observers `changed` reaches, before the component's
    /// (generated).
    fn observe(&mut self, this: &Shared<'_>, changed: &[Changed]) -> Result<()>;
    /// Its lifetime `which` (`created`... `detached`), before the
    /// component's (generated).
    fn lifetime(&mut self, which: Lifetime, this: &Shared<'_>) -> Result<()>;
}

/// A lifetime of a component instance, for its behaviors.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Created,
    Attached,
    Ready,
    Moved,
    Detached,
}

/// A [`Behavior`] behind a pointer, as a component holds it.
#[doc(hidden)]
pub trait AnyBehavior {
    /// Its data's default, as JSON.
    fn initial_data(&self) -> Result<String>;
    /// Its properties' meta list.
    fn properties_meta(&self) -> &'static str;
    /// Call lifetime `which`.
    fn lifetime(&mut self, which: Lifetime, this: &Shared<'_>) -> Result<()>;
    /// Call its handler `event.handler`, if it has one.
    fn handle(&mut self, this: &Shared<'_>, event: &Event) -> Option<Result<()>>;
    /// Call its observers `changed` reaches.
    fn observe(&mut self, this: &Shared<'_>, changed: &[Changed]) -> Result<()>;
}

impl<B: Behavior> AnyBehavior for B {
    fn initial_data(&self) -> Result<String> {
        Ok(serde_json::to_string(&B::Data::default())?)
    }

    fn properties_meta(&self) -> &'static str {
        B::PROPERTIES
    }

    fn lifetime(&mut self, which: Lifetime, this: &Shared<'_>) -> Result<()> {
        Behavior::lifetime(self, which, this)
    }

    fn handle(&mut self, this: &Shared<'_>, event: &Event) -> Option<Result<()>> {
        Behavior::handle(self, this, event)
    }

    fn observe(&mut self, this: &Shared<'_>, changed: &[Changed]) -> Result<()> {
        Behavior::observe(self, this, changed)
    }
}

/// The instance a behavior's method runs for (WeChat's `this` in a
/// `Behavior`): its id and page, its properties (the component's and
/// every behavior's) and data.
pub struct Shared<'a> {
    pub(crate) id: u32,
    pub(crate) page: u64,
    pub(crate) properties: &'a Map<String, Value>,
    pub(crate) changes: &'a std::cell::RefCell<Vec<Changed>>,
}

impl Shared<'_> {
    /// Its instance id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The serial of its page.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// Its properties as `P` (the behavior's `properties = P`, or any type
    /// their JSON deserializes into).
    pub fn properties<P: DeserializeOwned>(&self) -> Result<P> {
        serde_json::from_value(Value::Object(self.properties.clone())).map_err(|e| {
            Error::InvalidArgument(format!("component instance {} properties: {e}", self.id))
        })
    }

    /// Apply `patch` (keys are data paths) to its data (WeChat's
    /// `this.setData`); the component's observers see it.
    pub fn set_data(&self, patch: impl Serialize) -> Result<()> {
        let Value::Object(patch) = serde_json::to_value(patch)? else {
            return Err(Error::InvalidArgument(
                "a behavior's set_data: the patch must be a JSON object".into(),
            ));
        };
        host::set_data(Target::Component(self.id), &serde_json::to_string(&patch)?)?;
        let changes = patch.into_iter().map(|(path, value)| Changed {
            path,
            value,
            old: None,
        });
        self.changes.borrow_mut().extend(changes);
        Ok(())
    }

    /// Its whole data (WeChat's `this.data`).
    pub fn data(&self) -> Result<Value> {
        data_of(self.id)
    }

    /// Trigger event `name` as [`Instance::trigger_event`] does.
    pub fn trigger_event(
        &self,
        name: &str,
        detail: &impl Serialize,
        options: EventOptions,
    ) -> Result<()> {
        instances::trigger(self.id, name, serde_json::to_value(detail)?, options)
    }
}

/// A component's properties; `#[derive(Properties)]` implements it.
pub trait Properties {
    /// The meta's `properties` list (JSON).
    const META: &'static str;
}

/// The properties of a component that declares none.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoProperties {}

impl Properties for NoProperties {
    const META: &'static str = "[]";
}

/// The data of a component that declares none.
#[derive(Debug, Default, Serialize)]
pub struct NoData {}

impl PageData for NoData {
    const FIELDS: &'static [&'static str] = &[];
}

/// How a triggered event travels (WeChat's `triggerEvent` options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventOptions {
    /// Up from the host element through its caller's template.
    pub bubbles: bool,
    /// Out of the caller's template into the ones around it.
    pub composed: bool,
    /// With a capture phase from the root down.
    pub capture_phase: bool,
}

/// One instance of component `C` as its methods see it (WeChat's `this`).
pub struct Instance<C: Component> {
    pub(crate) id: u32,
    pub(crate) page: u64,
    pub(crate) properties: C::Properties,
    pub(crate) changes: std::cell::RefCell<Vec<Changed>>,
}

impl<C: Component> Instance<C> {
    /// Its instance id (what [`select`] and [`with`] take).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The serial of its page ([`nav::current_pages`]).
    pub fn page(&self) -> u64 {
        self.page
    }

    /// Its properties as the caller gave them (WeChat's `this.properties`).
    pub fn properties(&self) -> &C::Properties {
        &self.properties
    }

    /// Apply `patch`, a JSON object whose keys are data paths, to its data
    /// (WeChat's `this.setData`); its subtree renders after the call.
    pub fn set_data(&self, patch: impl Serialize) -> Result<()> {
        let Value::Object(patch) = serde_json::to_value(patch)? else {
            return Err(Error::InvalidArgument(format!(
                "set_data of component `{}`: the patch must be a JSON object",
                C::PATH
            )));
        };
        self.send(patch)
    }

    /// Set its data at typed `path` to `value`.
    pub fn set<T: ?Sized>(&self, path: Path<T>, value: impl ValueOf<T>) -> Result<()> {
        let mut patch = Map::new();
        patch.insert(path.as_str().to_owned(), serde_json::to_value(value)?);
        self.send(patch)
    }

    /// Its whole data, properties included (WeChat's `this.data`).
    pub fn data(&self) -> Result<Value> {
        data_of(self.id)
    }

    /// Trigger event `name` with `detail` (WeChat's `this.triggerEvent`):
    /// each handler bound to it (`bind:NAME` on its host element, and with
    /// `options` the ones around) is called at once, in WeChat's order, a
    /// page's or another instance's; the first error stops them and is
    /// returned.
    pub fn trigger_event(
        &self,
        name: &str,
        detail: &impl Serialize,
        options: EventOptions,
    ) -> Result<()> {
        instances::trigger(self.id, name, serde_json::to_value(detail)?, options)
    }

    /// The first component instance `selector` matches in its own
    /// template (WeChat's `this.selectComponent`).
    pub fn select_component(&self, selector: &str) -> Result<Option<u32>> {
        Ok(selected(Target::Component(self.id), selector, false)?
            .first()
            .copied())
    }

    /// Every component instance `selector` matches in its own template.
    pub fn select_all_components(&self, selector: &str) -> Result<Vec<u32>> {
        selected(Target::Component(self.id), selector, true)
    }

    /// The instances linked to it by its relation `relation` (the key as
    /// `relations = [..]` writes it), in document order (WeChat's
    /// `this.getRelationNodes`); an undeclared relation is an error.
    #[doc(alias = "getRelationNodes")]
    pub fn relation_nodes(&self, relation: &str) -> Result<Vec<u32>> {
        Ok(host::relation_nodes(self.id, relation)?)
    }

    /// A selector query among the nodes of its own template (WeChat's
    /// `this.createSelectorQuery()` in a component).
    #[doc(alias = "createSelectorQuery")]
    pub fn create_selector_query(&self) -> crate::selector_query::SelectorQuery {
        crate::selector_query::create().in_component(self.id)
    }

    fn send(&self, patch: Map<String, Value>) -> Result<()> {
        host::set_data(Target::Component(self.id), &serde_json::to_string(&patch)?)?;
        let mut changes = self.changes.borrow_mut();
        changes.extend(patch.into_iter().map(|(path, value)| Changed {
            path,
            value,
            old: None,
        }));
        Ok(())
    }
}

/// The whole data of instance `id`.
fn data_of(id: u32) -> Result<Value> {
    let text = host::get_data(Target::Component(id))?;
    Ok(serde_json::from_str(&text)?)
}

fn selected(scope: Target, selector: &str, all: bool) -> Result<Vec<u32>> {
    Ok(host::select_component(scope, selector, all)?)
}

/// The current page's template's first component instance `selector`
/// matches (WeChat's page `this.selectComponent('#stepper')`).
pub fn select(selector: &str) -> Result<Option<u32>> {
    Ok(selected(current_page()?, selector, false)?.first().copied())
}

/// Every component instance `selector` matches in the current page's template.
pub fn select_all(selector: &str) -> Result<Vec<u32>> {
    selected(current_page()?, selector, true)
}

fn current_page() -> Result<Target> {
    let top = nav::current_pages().last().map(|p| p.serial);
    top.map(Target::Page)
        .ok_or_else(|| Error::app("component::select: no page is open"))
}

/// Call `f` with instance `id` of component `C` (WeChat's
/// `this.selectComponent('#s').reset()`); its observers run after it.
/// An [`Error::App`] when `id` is no instance, an instance of another
/// component, or one running its own call.
pub fn with<C: Component, R>(id: u32, f: impl FnOnce(&mut C, &Instance<C>) -> R) -> Result<R> {
    instances::with(id, f)
}

/// The error for an event naming a handler component `C` lacks.
#[doc(hidden)]
pub fn no_handler<C: Component>(handler: &str) -> Error {
    let owner = format!("component `{}`", C::PATH);
    crate::page::unknown_handler(handler, &owner, C::HANDLERS)
}

/// Whether one of `changed` reaches observer keys `keys` (generated code).
#[doc(hidden)]
pub fn observed(keys: &str, changed: &[Changed]) -> bool {
    changed
        .iter()
        .any(|c| crate::observers::reaches(keys, &c.path))
}

/// The old value of property `name` if one of `changed` is its change
/// (generated code).
#[doc(hidden)]
pub fn old_value(name: &str, changed: &[Changed]) -> Option<Value> {
    let change = changed.iter().find(|c| c.path == name)?;
    Some(change.old.clone().unwrap_or(Value::Null))
}
