//! `component`: custom component instances. The host keeps each instance's
//! data (its own data with its properties merged, WeChat's `this.data`) on
//! the page it is on, charged to the instance's host memory as page data
//! is, each within `page_data_bytes`; the app changes it with `set-data`
//! on a target (a page by serial, an instance by id) and reads it with
//! `get-data`. The instances themselves come and go with the page's
//! renders (`instance::components`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use miniapp_view::component::{InstanceKey, Instances, ModelBinding};
use miniapp_view::events::{CustomOptions, resolve_custom};
use miniapp_view::render::Tree;
use serde_json::Value;
use wasmtime::component::{ComponentType, Lower};

use super::data_size::DataSize;
use super::nav::{DataTarget, NavCtx, Page};
use super::pending::Owner;
use super::view::set_data_on;
use super::{CallError, CallResult, View};
use crate::bindings::component::{self, EventOptions, Listener, NodeRef, Target};
use crate::limits::HostMemory;

/// Bytes the host holds for an instance besides its texts and data.
const INSTANCE_BYTES: u64 = 160;

/// `trigger-event` calls at most in one callback.
pub(crate) const TRIGGERS_PER_CALLBACK: u32 = 256;

/// Longest event name `trigger-event` takes.
const MAX_EVENT_NAME: usize = 64;

/// Longest selector `select-component` takes.
const MAX_SELECTOR: usize = 256;

/// An instance was created (`lifetimes.created`).
#[derive(Debug, Clone, PartialEq, ComponentType, Lower)]
#[component(record)]
pub(crate) struct Created {
    pub id: u32,
    pub page: u64,
    pub definition: String,
    pub parent: Option<u32>,
    pub properties: String,
}

/// A property of an instance changed (`lifetimes.property-change`).
#[derive(Debug, Clone, PartialEq, ComponentType, Lower)]
#[component(record)]
pub(crate) struct PropertyChange {
    pub id: u32,
    pub name: String,
    pub value: String,
    pub old: String,
}

/// A page lifetime a component listens to (`lifetimes.page-lifetime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ComponentType, Lower)]
#[component(enum)]
#[repr(u8)]
pub(crate) enum PageLifetime {
    #[component(name = "show")]
    Show,
    #[component(name = "hide")]
    Hide,
    #[component(name = "resize")]
    Resize,
}

/// One side of a relation (`lifetimes.relation-event`).
#[derive(Debug, Clone, PartialEq, ComponentType, Lower)]
#[component(record)]
pub(crate) struct RelationEvent {
    pub id: u32,
    pub relation: String,
    pub other: u32,
}

/// Two instances linked by their relations (WeChat's `relations`): the
/// upper (a `child` or `descendant` relation names the lower) and the
/// lower (its `parent` or `ancestor` relation names the upper), with the
/// keys their meta's `relations` write.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Link {
    pub upper: u32,
    pub upper_relation: String,
    pub lower: u32,
    pub lower_relation: String,
}

/// What happened to the instances of the top page (`lifetimes.notice`),
/// queued by each render until the host delivers them.
#[derive(Debug, Clone, PartialEq, ComponentType, Lower)]
#[component(variant)]
pub(crate) enum Notice {
    #[component(name = "created")]
    Created(Created),
    #[component(name = "attached")]
    Attached(u32),
    #[component(name = "ready")]
    Ready(u32),
    #[component(name = "moved")]
    Moved(u32),
    #[component(name = "detached")]
    Detached(u32),
    #[component(name = "properties")]
    Properties(PropertyChange),
    #[component(name = "page-lifetime")]
    PageLifetime((u32, PageLifetime, String)),
    #[component(name = "linked")]
    Linked(RelationEvent),
    #[component(name = "link-changed")]
    LinkChanged(RelationEvent),
    #[component(name = "unlinked")]
    Unlinked(RelationEvent),
}

/// The instance's component state beside its pages: the next instance id
/// (never given twice in its life) and the notices not yet delivered.
#[derive(Debug)]
pub(crate) struct ComponentCtx {
    next_id: u32,
    /// The top page as last rendered, while it has instances: its serial
    /// and its nodes (shared with the render), for `trigger-event` and
    /// `select-component`.
    shown: Option<(u64, Tree)>,
    /// `trigger-event` calls in the callback under way.
    pub triggered: u32,
    /// Notices of the renders since the last delivery, in order.
    pub notices: Vec<Notice>,
    /// Why the last comparison left instances out, until reported.
    pub failed: Option<String>,
    /// The listeners this guest call's `trigger-event` calls returned,
    /// which `act-for` may name (a page by serial, an instance by id).
    granted: BTreeSet<Granted>,
    /// What this guest call acted on before its first `act-for`, to go
    /// back to with `act-for(none)`.
    own: Option<(DataTarget, Owner)>,
}

/// A listener `act-for` may name: a page (serial) or an instance (id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Granted {
    Page(u64),
    Component(u32),
}

impl From<&Target> for Granted {
    fn from(target: &Target) -> Granted {
        match *target {
            Target::Page(serial) => Granted::Page(serial),
            Target::Component(id) => Granted::Component(id),
        }
    }
}

impl Default for ComponentCtx {
    fn default() -> Self {
        ComponentCtx {
            next_id: 1,
            shown: None,
            triggered: 0,
            notices: Vec::new(),
            failed: None,
            granted: BTreeSet::new(),
            own: None,
        }
    }
}

impl ComponentCtx {
    /// A new instance id; an error once every id was given.
    pub fn new_id(&mut self) -> Result<u32, String> {
        let id = self.next_id;
        self.next_id = id.checked_add(1).ok_or_else(|| {
            format!("this app instance has created {id} component instances: no ids are left")
        })?;
        Ok(id)
    }

    /// A guest call starts: the listeners an earlier one was given are
    /// no longer its to act for.
    pub fn call_starts(&mut self) {
        self.granted.clear();
        self.own = None;
    }

    /// The top page (`serial`) was rendered as `tree`: kept (its nodes
    /// shared) while it draws instances.
    pub fn rendered(&mut self, serial: u64, tree: Option<&Tree>) {
        self.shown = tree.filter(|t| !t.instances.is_empty()).map(|t| {
            let mut nodes = Tree::default();
            nodes.nodes = t.nodes.clone();
            (serial, nodes)
        });
    }
}

/// Element `id` of `tree` as an event names it: its `id` attribute and its
/// dataset.
pub(crate) fn node_ref(tree: &Tree, id: u32) -> NodeRef {
    let element = miniapp_view::events::element(tree, id);
    let attribute = element.and_then(|e| e.attrs.iter().find(|(name, _)| &**name == "id"));
    let dataset: serde_json::Map<String, Value> = (element.into_iter())
        .flat_map(|e| e.dataset.iter())
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    NodeRef {
        id: attribute.map_or_else(String::new, |(_, value)| value.to_string()),
        dataset: Value::Object(dataset).to_string(),
    }
}

/// One component instance on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ComponentData {
    /// Its key in the page's renders (stable while it lives).
    pub key: InstanceKey,
    /// Its definition's path (`components/card/card`).
    pub definition: Arc<str>,
    /// The instance whose template holds it (`None`: the page's).
    pub parent: Option<u32>,
    /// Its data: own data with its properties merged.
    pub data: Value,
    /// Size of `data`, kept up to date by `set-data`.
    pub size: DataSize,
    /// Its properties as last rendered, to tell what changed.
    pub properties: Value,
    /// Bytes of `properties` (held beside the data).
    properties_size: DataSize,
    /// Whether `set-data` changed its data since the page was last rendered.
    pub changed: bool,
    /// The `model:` bindings on its tag, as last rendered.
    pub models: Vec<ModelBinding>,
}

impl ComponentData {
    /// An instance of `definition` under `key` starting with `data` and
    /// `properties`.
    pub fn new(
        key: InstanceKey,
        definition: Arc<str>,
        parent: Option<u32>,
        data: Value,
        properties: Value,
    ) -> ComponentData {
        ComponentData {
            key,
            definition,
            parent,
            size: DataSize::of(&data),
            data,
            properties_size: DataSize::of(&properties),
            properties,
            changed: false,
            models: Vec::new(),
        }
    }

    /// What the host holds for it, bytes (an estimate of memory).
    pub fn held(&self) -> u64 {
        INSTANCE_BYTES
            + (self.key.len() + self.definition.len()) as u64
            + self.size.held()
            + self.properties_size.held()
    }

    /// Take `properties` as its rendered ones and `data` as its data (its
    /// own with them merged), charging `budget` for what it holds more
    /// (releasing what less); returns that change, bytes. Over the budget,
    /// nothing changes.
    pub fn set_properties(
        &mut self,
        properties: Value,
        data: Value,
        budget: &HostMemory,
    ) -> Result<i64, String> {
        let before = self.held();
        let (properties_size, size) = (DataSize::of(&properties), DataSize::of(&data));
        let after = INSTANCE_BYTES
            + (self.key.len() + self.definition.len()) as u64
            + size.held()
            + properties_size.held();
        match after.checked_sub(before) {
            Some(grew) => budget.charge(grew, "component properties")?,
            None => budget.release(before - after),
        }
        (self.properties, self.properties_size) = (properties, properties_size);
        (self.data, self.size) = (data, size);
        Ok(after as i64 - before as i64)
    }
}

/// The component instances of one page, by id and by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PageComponents {
    by_id: BTreeMap<u32, ComponentData>,
    by_key: BTreeMap<InstanceKey, u32>,
    /// Their ids in the last render's document order.
    order: Vec<u32>,
    /// What they hold together, bytes (charged to the instance's budget).
    held: u64,
    /// The links between them after the last render, in the document
    /// order of their lower sides.
    pub links: Vec<Link>,
    /// The relation keys each definition drawn declares (from the meta).
    pub relations: BTreeMap<Arc<str>, Vec<String>>,
}

impl PageComponents {
    /// What the host holds for them, bytes.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// The instance with `id`.
    pub fn get(&self, id: u32) -> Option<&ComponentData> {
        self.by_id.get(&id)
    }

    /// Their ids in the last render's document order.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Take `order` as the last render's document order.
    pub fn set_order(&mut self, order: Vec<u32>) {
        self.order = order;
    }

    /// Each instance's id and key.
    pub fn keys(&self) -> impl Iterator<Item = (u32, &InstanceKey)> {
        self.by_key.iter().map(|(key, id)| (*id, key))
    }

    /// The id of the instance under `key`.
    pub fn id_of(&self, key: &InstanceKey) -> Option<u32> {
        self.by_key.get(key).copied()
    }

    /// Whether the page has none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Add `instance` as `id`, charging `budget` for it.
    pub fn insert(
        &mut self,
        id: u32,
        instance: ComponentData,
        budget: &HostMemory,
    ) -> Result<(), String> {
        let held = instance.held();
        budget.charge(held, "a component instance")?;
        self.held += held;
        self.by_key.insert(instance.key.clone(), id);
        self.by_id.insert(id, instance);
        Ok(())
    }

    /// Remove instance `id`, releasing what it held.
    pub fn remove(&mut self, id: u32, budget: &HostMemory) -> Option<ComponentData> {
        let instance = self.by_id.remove(&id)?;
        self.by_key.remove(&instance.key);
        self.held -= instance.held();
        budget.release(instance.held());
        Some(instance)
    }

    /// Change instance `id` with `change`, which returns the change of
    /// what it holds (already charged or released); kept in the total.
    pub fn update<T>(
        &mut self,
        id: u32,
        change: impl FnOnce(&mut ComponentData) -> (T, i64),
    ) -> Option<T> {
        let instance = self.by_id.get_mut(&id)?;
        let (out, delta) = change(instance);
        self.held = self.held.saturating_add_signed(delta);
        Some(out)
    }

    /// Take `models` as the `model:` bindings on instance `id`'s tag.
    pub fn set_models(&mut self, id: u32, models: &[ModelBinding]) {
        if let Some(instance) = self.by_id.get_mut(&id)
            && instance.models != models
        {
            instance.models = models.to_vec();
        }
    }

    /// Every instance's data changed by `set-data` is rendered now.
    pub fn rendered(&mut self) {
        self.by_id.values_mut().for_each(|c| c.changed = false);
    }
}

impl Instances for PageComponents {
    fn data(&self, key: &InstanceKey) -> Option<&Value> {
        let id = self.by_key.get(key)?;
        self.by_id.get(id).map(|c| &c.data)
    }
}

/// The page that holds instance `id`, with the budget it is charged to.
fn page_of(nav: &mut NavCtx, id: u32) -> Option<(&mut Page, &HostMemory)> {
    let serial = nav
        .pages
        .live()
        .find(|p| p.components.get(id).is_some())?
        .serial;
    nav.pages.page_mut(serial)
}

/// A target as errors name it.
fn named(target: &Target) -> String {
    match target {
        Target::Page(serial) => format!("page {serial}"),
        Target::Component(id) => format!("component instance {id}"),
    }
}

/// The refusal of a target that is not there.
fn gone(target: &Target) -> CallError {
    CallError::invalid(match target {
        Target::Page(serial) => format!("page {serial} is not on the page stack"),
        Target::Component(id) => {
            format!("component instance {id} is not on any page (detached, or never created)")
        }
    })
}

impl View<'_, NavCtx> {
    /// What `view.set-data` acts on and whom calls belong to while the
    /// app acts for listener `target` (a page on the stack, or an
    /// instance on one).
    fn acting_for(&self, target: &Target) -> CallResult<(DataTarget, Owner)> {
        match *target {
            Target::Page(serial) => {
                self.ctx.pages.page(serial).ok_or_else(|| gone(target))?;
                Ok((DataTarget::Page(serial), Owner::Page(serial)))
            }
            Target::Component(id) => {
                let page = (self.ctx.pages.live())
                    .find(|p| p.components.get(id).is_some())
                    .ok_or_else(|| gone(target))?;
                let owner = Owner::Component {
                    page: page.serial,
                    id,
                };
                Ok((DataTarget::Component(id), owner))
            }
        }
    }

    /// The page shown and its tree, if instance `id` is on it.
    fn shown_with(&self, id: u32) -> CallResult<(&Page, &Tree)> {
        let page = self
            .ctx
            .pages
            .live()
            .find(|p| p.components.get(id).is_some())
            .ok_or_else(|| gone(&Target::Component(id)))?;
        match &self.ctx.components.shown {
            Some((serial, tree)) if *serial == page.serial => Ok((page, tree)),
            _ => Err(CallError::failed(format!(
                "component instance {id} is on page `{}`, which is not shown: \
                 its events reach no one",
                page.route
            ))),
        }
    }
}

/// Apply `patch` to the data of component instance `id` within `quotas`
/// (as a page's, each instance within `page_data_bytes`); the page renders
/// its subtree again.
pub(crate) fn set_component_data(
    nav: &mut NavCtx,
    quotas: &miniapp_config::Quotas,
    id: u32,
    patch: &str,
) -> CallResult<()> {
    let (page, budget) = page_of(nav, id).ok_or_else(|| gone(&Target::Component(id)))?;
    let keys = patch_instance(page, budget, quotas, id, patch)?;
    write_back(page, budget, quotas, id, keys)
}

/// Apply `patch` to instance `id`'s data; the paths it changed.
fn patch_instance(
    page: &mut Page,
    budget: &HostMemory,
    quotas: &miniapp_config::Quotas,
    id: u32,
    patch: &str,
) -> CallResult<Vec<String>> {
    let changed = page.components.update(id, |c| {
        let before = c.held() as i64;
        let definition = c.definition.clone();
        let what = || format!("component `{definition}` ({id})");
        let set = set_data_on(&mut c.data, &mut c.size, what, patch, quotas, budget);
        c.changed |= set.is_ok();
        (set, c.held() as i64 - before)
    });
    let keys = changed.ok_or_else(|| gone(&Target::Component(id)))??;
    page.changed_component();
    Ok(keys)
}

/// WeChat's `model:` on a custom component: each property of instance
/// `id` bound with `model:` whose value a `set-data` of `keys` changed is
/// written back to its path in the caller's data (the page's, or the
/// enclosing instance's, and on up while that is a bound property there
/// too). The instance keeps the value as its caller's, so the render
/// that follows tells it of no property change.
fn write_back(
    page: &mut Page,
    budget: &HostMemory,
    quotas: &miniapp_config::Quotas,
    mut id: u32,
    mut keys: Vec<String>,
) -> CallResult<()> {
    let root = |key: &str| key.split(['.', '[']).next().unwrap_or_default().to_string();
    loop {
        let Some(instance) = page.components.get(id) else {
            return Ok(());
        };
        let roots: Vec<String> = keys.iter().map(|k| root(k)).collect();
        let bound: Vec<(&ModelBinding, Value)> = (instance.models.iter())
            .filter(|m| roots.contains(&m.property))
            .map(|m| {
                (
                    m,
                    instance.data.get(&m.property).cloned().unwrap_or_default(),
                )
            })
            .collect();
        if bound.is_empty() {
            return Ok(());
        }
        let mut properties = instance.properties.clone();
        let mut patch = serde_json::Map::new();
        for (model, value) in bound {
            if let Value::Object(properties) = &mut properties {
                properties.insert(model.property.clone(), value.clone());
            }
            patch.insert(model.path.clone(), value);
        }
        let patch = Value::Object(patch).to_string();
        let parent = instance.parent;
        let kept = page.components.update(id, |c| {
            match c.set_properties(properties, c.data.clone(), budget) {
                Ok(delta) => (Ok(()), delta),
                Err(e) => (Err(CallError::quota(e)), 0),
            }
        });
        kept.unwrap_or(Ok(()))?;
        let Some(parent) = parent else {
            let route = &page.route;
            let what = || format!("page `{route}`");
            let keys = set_data_on(&mut page.data, &mut page.size, what, &patch, quotas, budget)?;
            keys.iter().for_each(|key| page.changed(key));
            return Ok(());
        };
        keys = patch_instance(page, budget, quotas, parent, &patch)?;
        id = parent;
    }
}

/// The data of component instance `id`, if it is on a page.
pub(crate) fn component_data(nav: &NavCtx, id: u32) -> Option<&Value> {
    let mut pages = nav.pages.live();
    pages.find_map(|p| p.components.get(id)).map(|c| &c.data)
}

super::linked_by!(view of NavCtx, component);

#[miniapp_runtime_macros::recorded(output)]
impl component::Host for View<'_, NavCtx> {
    fn set_data(&mut self, to: Target, patch: String) -> CallResult<()> {
        let quotas = &self.call.app.grants.quotas;
        match to {
            Target::Page(serial) => {
                let (page, budget) = self.ctx.pages.page_mut(serial).ok_or_else(|| gone(&to))?;
                let route = &page.route;
                let what = || format!("page `{route}`");
                let keys =
                    set_data_on(&mut page.data, &mut page.size, what, &patch, quotas, budget)?;
                keys.iter().for_each(|key| page.changed(key));
                Ok(())
            }
            Target::Component(id) => set_component_data(self.ctx, quotas, id, &patch),
        }
    }

    fn trigger_event(
        &mut self,
        source: u32,
        name: String,
        detail: String,
        options: EventOptions,
    ) -> CallResult<Vec<Listener>> {
        let ctx = &mut self.ctx.components;
        if ctx.triggered >= TRIGGERS_PER_CALLBACK {
            return Err(CallError::quota(format!(
                "trigger-event was called {TRIGGERS_PER_CALLBACK} times in this callback, \
                 the most one callback may"
            )));
        }
        ctx.triggered += 1;
        let name_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':');
        if name.is_empty() || name.len() > MAX_EVENT_NAME || !name.chars().all(name_ok) {
            return Err(CallError::invalid(format!(
                "`{}` is not an event name (letters, digits, `_`, `-`, `:`; 1 to {MAX_EVENT_NAME} bytes)",
                name.escape_debug()
            )));
        }
        let limit = miniapp_view::events::MAX_DETAIL_BYTES;
        if detail.len() > limit {
            return Err(CallError::quota(format!(
                "trigger-event detail of {} bytes is over the limit of {limit} bytes",
                detail.len()
            )));
        }
        let detail: Value = serde_json::from_str(&detail)
            .map_err(|e| CallError::invalid(format!("trigger-event detail is not JSON: {e}")))?;
        let (page, tree) = self.shown_with(source)?;
        let key = &page
            .components
            .get(source)
            .expect("shown_with found it")
            .key;
        let options = CustomOptions {
            bubbles: options.contains(EventOptions::BUBBLES),
            composed: options.contains(EventOptions::COMPOSED),
            capture_phase: options.contains(EventOptions::CAPTURE_PHASE),
        };
        let dispatches = resolve_custom(tree, key, &name, &detail, options);
        let listeners = dispatches.iter().map(|d| {
            let to = match &d.owner {
                None => Some(Target::Page(page.serial)),
                Some(owner) => page.components.id_of(owner).map(Target::Component),
            };
            to.map(|to| Listener {
                to,
                handler: d.handler.clone(),
                target: node_ref(tree, d.target),
                current_target: NodeRef {
                    dataset: Value::Object(d.dataset.clone()).to_string(),
                    ..node_ref(tree, d.current_target)
                },
            })
        });
        let listeners: Vec<Listener> = listeners.flatten().collect();
        let granted = &mut self.ctx.components.granted;
        granted.extend(listeners.iter().map(|l| Granted::from(&l.to)));
        Ok(listeners)
    }

    fn act_for(&mut self, listener: Option<Target>) -> CallResult<()> {
        let (data_target, owner) = match &listener {
            None => match self.ctx.components.own.take() {
                Some(own) => own,
                // Never left: it acts for its own target already.
                None => return Ok(()),
            },
            Some(target) => {
                if !self.ctx.components.granted.contains(&Granted::from(target)) {
                    return Err(CallError::invalid(format!(
                        "act-for {}: no trigger-event of this callback returned it as a listener",
                        named(target)
                    )));
                }
                self.acting_for(target)?
            }
        };
        if listener.is_some() && self.ctx.components.own.is_none() {
            let own = (self.ctx.data_target.clone(), self.call.pending.owner);
            self.ctx.components.own = Some(own);
        }
        self.ctx.data_target = data_target;
        self.call.pending.owner = owner;
        Ok(())
    }

    fn select_component(
        &mut self,
        scope: Target,
        selector: String,
        all: bool,
    ) -> CallResult<Vec<u32>> {
        if selector.len() > MAX_SELECTOR {
            return Err(CallError::invalid(format!(
                "a selector is at most {MAX_SELECTOR} bytes"
            )));
        }
        let (page, tree, key) = match scope {
            Target::Component(id) => {
                let (page, tree) = self.shown_with(id)?;
                (
                    page,
                    tree,
                    Some(page.components.get(id).expect("found").key.clone()),
                )
            }
            Target::Page(serial) => {
                let page = self.ctx.pages.page(serial).ok_or_else(|| gone(&scope))?;
                match &self.ctx.components.shown {
                    Some((shown, tree)) if *shown == serial => (page, tree, None),
                    // The page shown draws no instances: none to select.
                    _ if self.ctx.pages.top().serial == serial => return Ok(Vec::new()),
                    _ => {
                        return Err(CallError::failed(format!(
                            "page `{}` is not shown: its components cannot be selected",
                            page.route
                        )));
                    }
                }
            }
        };
        let keys = miniapp_view::select::components(tree, key.as_ref(), &selector, all)
            .map_err(CallError::invalid)?;
        Ok(keys
            .iter()
            .filter_map(|k| page.components.id_of(k))
            .collect())
    }

    fn relation_nodes(&mut self, of: u32, relation: String) -> CallResult<Vec<u32>> {
        let page = (self.ctx.pages.live())
            .find(|p| p.components.get(of).is_some())
            .ok_or_else(|| gone(&Target::Component(of)))?;
        let components = &page.components;
        let definition = &components.get(of).expect("found").definition;
        let declared = components.relations.get(definition);
        if !declared.is_some_and(|keys| keys.contains(&relation)) {
            return Err(CallError::invalid(format!(
                "component `{definition}` declares no relation `{}`",
                relation.escape_debug()
            )));
        }
        let linked = components.links.iter().filter_map(|link| {
            if link.upper == of && link.upper_relation == relation {
                Some(link.lower)
            } else if link.lower == of && link.lower_relation == relation {
                Some(link.upper)
            } else {
                None
            }
        });
        Ok(linked.collect())
    }

    fn get_data(&mut self, of: Target) -> CallResult<String> {
        let data = match of {
            Target::Page(serial) => self.ctx.pages.page(serial).map(|p| &p.data),
            Target::Component(id) => component_data(self.ctx, id),
        };
        Ok(data.ok_or_else(|| gone(&of))?.to_string())
    }
}
