//! Custom component instances after each render of the top page: the host
//! compares the instances the render drew (`Tree.instances`, in document
//! order, each under a key stable across renders) with the page's last
//! ones and queues what happened as notices (created, attached, ready,
//! moved, detached, property changes with their old values: WeChat's
//! observers), then delivers them in ONE `lifetimes.on-notices` call per
//! round, rendering again after it (at most `MAX_PAGE_ROUNDS` rounds a
//! callback, within its budget). A batch is in this order: created (in
//! document order, parents first), attached, ready, property changes,
//! moved, detached (children first).
//!
//! Handlers bound in a component's template go to the component's
//! `handlers.on-handler`; a page whose template uses a component needs an
//! app exporting `lifetimes` and `handlers` (both optional, found by name).

mod relations;

use std::collections::{BTreeMap, BTreeSet};

use miniapp_view::component::{InstanceKey, RenderedInstance};
use miniapp_view::events::Dispatch;
use serde_json::Value;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentType, Instance, Lower, TypedFunc,
};
use wasmtime::{AsContextMut, Store};

use super::pages::{MAX_PAGE_ROUNDS, keep_first};
use super::{AppInstance, Hook, InstanceState};
use crate::bindings::component::{NodeRef, Target};
use crate::capability::component::{
    ComponentCtx, ComponentData, Created, Notice, PageComponents, PageLifetime, PropertyChange,
    node_ref,
};
use crate::capability::nav::{DataTarget, Page};
use crate::capability::pending::Owner;
use crate::error::Error;
use crate::limits::HostMemory;
use miniapp_config::meta::PageLifetime as MetaLifetime;

/// An event a template binds to a handler (`handlers.handler-event`).
#[derive(Debug, Clone, ComponentType, Lower)]
#[component(record)]
pub(crate) struct HandlerEvent {
    pub kind: String,
    pub handler: String,
    pub target: NodeRef,
    #[component(name = "current-target")]
    pub current_target: NodeRef,
    pub detail: String,
    pub gesture: Option<String>,
}

/// Where a component exports `lifetimes.on-notices` and
/// `handlers.on-handler`, found once at load.
#[derive(Clone, Copy)]
pub(crate) struct ComponentIndices {
    on_notices: ComponentExportIndex,
    on_handler: ComponentExportIndex,
}

impl ComponentIndices {
    /// The component hooks of `component`, built against host API
    /// `version`: `None` if it exports neither interface; an error if it
    /// exports one without the other, or without its function.
    pub fn find(component: &Component, version: &str) -> Result<Option<Self>, String> {
        let find = |interface: &str, function: &str| {
            let name = format!("miniapp:host/{interface}@{version}");
            let Some((_, exported)) = component.get_export(None, &name) else {
                return Ok(None);
            };
            (component.get_export_index(Some(&exported), function))
                .map(Some)
                .ok_or_else(|| format!("it exports `{name}` without `{function}`"))
        };
        match (
            find("lifetimes", "on-notices")?,
            find("handlers", "on-handler")?,
        ) {
            (Some(on_notices), Some(on_handler)) => Ok(Some(ComponentIndices {
                on_notices,
                on_handler,
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(format!(
                "it exports `miniapp:host/lifetimes@{version}` without `miniapp:host/handlers@{version}`"
            )),
            (None, Some(_)) => Err(format!(
                "it exports `miniapp:host/handlers@{version}` without `miniapp:host/lifetimes@{version}`"
            )),
        }
    }
}

/// The component hooks of one live instance, typed.
#[derive(Clone, Copy)]
pub(crate) struct ComponentHooks {
    on_notices: TypedFunc<(Vec<Notice>,), (Result<(), String>,)>,
    on_handler: TypedFunc<(Target, HandlerEvent), (Result<(), String>,)>,
}

impl ComponentHooks {
    /// The hooks of `instance` (a hook whose type does not match the WIT
    /// fails here, as the app lifecycle's hooks do).
    pub fn load(
        indices: &ComponentIndices,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<ComponentHooks> {
        Ok(ComponentHooks {
            on_notices: instance.get_typed_func(&mut store, indices.on_notices)?,
            on_handler: instance.get_typed_func(&mut store, indices.on_handler)?,
        })
    }

    /// Deliver `notices`.
    pub async fn notices(
        self,
        store: &mut Store<InstanceState>,
        notices: Vec<Notice>,
    ) -> wasmtime::Result<Result<(), String>> {
        Ok(self.on_notices.call_async(store, (notices,)).await?.0)
    }

    /// Call handler `event.handler` of `to`.
    pub async fn handler(
        self,
        store: &mut Store<InstanceState>,
        to: Target,
        event: HandlerEvent,
    ) -> wasmtime::Result<Result<(), String>> {
        Ok(self.on_handler.call_async(store, (to, event)).await?.0)
    }
}

/// What a render's instances are compared with: the page's instances, the
/// ids and notice queue, the budget and each instance's data limit, and
/// the data a new instance starts with (its definition's data with its
/// properties merged).
pub(crate) struct Comparing<'a, F: Fn(&str, &Value) -> Value> {
    pub page: &'a mut Page,
    pub ctx: &'a mut ComponentCtx,
    pub budget: &'a HostMemory,
    pub data_limit: u64,
    pub initial: F,
}

impl<F: Fn(&str, &Value) -> Value> Comparing<'_, F> {
    /// Compare `rendered` (a render's instances, in document order) with
    /// the page's, updating them and queuing the notices; an error (ids
    /// or memory run out, an instance's data over its limit) leaves the
    /// instances it names out.
    pub fn compare(self, rendered: &[RenderedInstance]) -> Result<(), String> {
        let Comparing {
            page,
            ctx,
            budget,
            data_limit,
            initial,
        } = self;
        let serial = page.serial;
        let keys: BTreeSet<&InstanceKey> = rendered.iter().map(|r| &r.key).collect();
        let components = &mut page.components;
        // Detached: those the render no longer draws, children first.
        let before: Vec<u32> = components.order().to_vec();
        let mut detached = Vec::new();
        for id in before.iter().rev() {
            let gone = components.get(*id).is_some_and(|c| !keys.contains(&c.key));
            if gone && components.remove(*id, budget).is_some() {
                detached.push(Notice::Detached(*id));
            }
        }
        let (mut created, mut attached, mut ready) = (Vec::new(), Vec::new(), Vec::new());
        let mut changes = Vec::new();
        let mut order = Vec::with_capacity(rendered.len());
        let mut outcome = Ok(());
        for instance in rendered {
            let step = match components.id_of(&instance.key) {
                Some(id) => properties_changed(components, id, instance, budget, &mut changes),
                None => {
                    let parent = instance.parent.as_ref().and_then(|p| components.id_of(p));
                    let data = merged(
                        (initial)(&instance.definition, &instance.properties),
                        instance,
                    );
                    let made = ComponentData::new(
                        instance.key.clone(),
                        instance.definition.clone(),
                        parent,
                        data,
                        instance.properties.clone(),
                    );
                    new_instance(ctx, components, made, budget, data_limit).inspect(|&id| {
                        created.push(Notice::Created(Created {
                            id,
                            page: serial,
                            definition: instance.definition.to_string(),
                            parent,
                            properties: instance.properties.to_string(),
                        }));
                        attached.push(Notice::Attached(id));
                        ready.push(Notice::Ready(id));
                    })
                }
            };
            match step {
                Ok(id) => {
                    components.set_models(id, &instance.models);
                    order.push(id);
                }
                Err(e) => {
                    outcome = outcome.and(Err(e));
                }
            }
        }
        let moved = moved(&before, &order, components);
        components.set_order(order);
        let notices = &mut ctx.notices;
        notices.extend(created);
        notices.extend(attached);
        notices.extend(ready);
        notices.extend(changes);
        notices.extend(moved.into_iter().map(Notice::Moved));
        notices.extend(detached);
        outcome
    }
}

/// The data an instance of `definition` starts with before its properties:
/// its meta's own data and property defaults (`{}` without a meta).
fn initial_data(meta: Option<&miniapp_config::Meta>, definition: &str) -> Value {
    (meta.and_then(|m| m.component(definition)))
        .map_or_else(|| Value::Object(Default::default()), |c| c.initial_data())
}

/// `data` with `instance`'s properties set on it (WeChat's `this.data`
/// holds the properties).
fn merged(mut data: Value, instance: &RenderedInstance) -> Value {
    if let (Value::Object(data), Value::Object(properties)) = (&mut data, &instance.properties) {
        for (name, value) in properties {
            data.insert(name.clone(), value.clone());
        }
    }
    data
}

/// Give `made` an id and put it on the page, within its data limit.
fn new_instance(
    ctx: &mut ComponentCtx,
    components: &mut PageComponents,
    made: ComponentData,
    budget: &HostMemory,
    data_limit: u64,
) -> Result<u32, String> {
    if made.size.json > data_limit {
        return Err(format!(
            "component `{}` data would be {} bytes, over the limit of {data_limit} bytes",
            made.definition, made.size.json
        ));
    }
    let id = ctx.new_id()?;
    components.insert(id, made, budget)?;
    Ok(id)
}

/// Instance `id` was drawn again with `instance`'s properties: each that
/// changed is set on its data (charged to `budget`) and noted.
fn properties_changed(
    components: &mut PageComponents,
    id: u32,
    instance: &RenderedInstance,
    budget: &HostMemory,
    changes: &mut Vec<Notice>,
) -> Result<u32, String> {
    let result = components.update(id, |c| {
        let (Value::Object(old), Value::Object(new)) = (&c.properties, &instance.properties) else {
            return (Ok(()), 0);
        };
        let changed: Vec<PropertyChange> = (new.iter())
            .filter(|(name, value)| old.get(*name) != Some(*value))
            .map(|(name, value)| PropertyChange {
                id,
                name: name.clone(),
                value: value.to_string(),
                old: old.get(name).unwrap_or(&Value::Null).to_string(),
            })
            .collect();
        if changed.is_empty() {
            return (Ok(()), 0);
        }
        // Only the properties the caller changed overwrite the instance's
        // data: one the component set itself keeps its value until then.
        let mut data = c.data.clone();
        if let Value::Object(data) = &mut data {
            for change in &changed {
                data.insert(change.name.clone(), new[&change.name].clone());
            }
        }
        match c.set_properties(instance.properties.clone(), data, budget) {
            Ok(delta) => {
                changes.extend(changed.into_iter().map(Notice::Properties));
                (Ok(()), delta)
            }
            Err(e) => (Err(e), 0),
        }
    });
    result.unwrap_or(Ok(())).map(|()| id)
}

/// The instances that kept their place among their siblings (same parent)
/// in `before` but not in `after`: moved by a keyed `wx:for`.
fn moved(before: &[u32], after: &[u32], components: &PageComponents) -> Vec<u32> {
    let drawn: BTreeSet<u32> = after.iter().copied().collect();
    let kept: BTreeSet<u32> = (before.iter().copied())
        .filter(|id| drawn.contains(id))
        .collect();
    let places = |order: &[u32]| {
        let mut places: BTreeMap<u32, usize> = BTreeMap::new();
        let mut counts: BTreeMap<Option<u32>, usize> = BTreeMap::new();
        for id in order.iter().filter(|id| kept.contains(id)) {
            let parent = components.get(*id).and_then(|c| c.parent);
            let count = counts.entry(parent).or_default();
            places.insert(*id, *count);
            *count += 1;
        }
        places
    };
    let (old, new) = (places(before), places(after));
    (after.iter())
        .filter(|id| kept.contains(id) && old.get(id) != new.get(id))
        .copied()
        .collect()
}

/// A handler call of a view event (or of a triggered event the host
/// resolved), for `handlers.on-handler`.
pub(crate) struct Handler {
    /// The serial of the page it happened on.
    pub page: u64,
    /// Whose handler it is, as errors name it (`index`,
    /// `index: components/card/card 3`).
    owner_name: String,
    /// Whose handler it is.
    pub to: Target,
    /// The event as the handler receives it (its gesture token is set
    /// when called).
    pub event: HandlerEvent,
    /// Whether it is a user gesture.
    pub gesture: bool,
}

impl Handler {
    /// `handler` of `to` on the page with serial `page`, for `dispatch`,
    /// its elements read from `tree`.
    pub fn of(
        page: &Page,
        to: Target,
        dispatch: &Dispatch,
        tree: &miniapp_view::render::Tree,
    ) -> Handler {
        let owner_name = match to {
            Target::Page(_) => page.route.clone(),
            Target::Component(id) => {
                let definition = page.components.get(id).map(|c| c.definition.clone());
                format!("{}: {} {id}", page.route, definition.unwrap_or_default())
            }
        };
        let node = |id: u32| node_ref(tree, id);
        Handler {
            page: page.serial,
            owner_name,
            to,
            event: HandlerEvent {
                kind: dispatch.kind.clone(),
                handler: dispatch.handler.clone(),
                target: node(dispatch.target),
                current_target: NodeRef {
                    dataset: Value::Object(dispatch.dataset.clone()).to_string(),
                    ..node(dispatch.current_target)
                },
                detail: dispatch.detail.to_string(),
                gesture: None,
            },
            gesture: dispatch.gesture,
        }
    }

    /// Its name in errors and logs (`on-handler index:add`,
    /// `on-handler index: components/card/card 3:tap`).
    pub fn name(&self) -> String {
        format!("on-handler {}:{}", self.owner_name, self.event.handler)
    }

    /// What `view.set-data` acts on during it: its component, or its page.
    pub fn data_target(&self) -> DataTarget {
        match self.to {
            Target::Component(id) => DataTarget::Component(id),
            Target::Page(_) => DataTarget::Page(self.page),
        }
    }

    /// Whom the calls it starts belong to: its component instance (they
    /// end when it detaches), or its page.
    pub fn owner(&self) -> Owner {
        match self.to {
            Target::Component(id) => Owner::Component {
                page: self.page,
                id,
            },
            Target::Page(_) => Owner::Page(self.page),
        }
    }

    /// Call it through `hooks`, with the gesture `token` if it is one.
    pub async fn call(
        &self,
        hooks: ComponentHooks,
        store: &mut Store<InstanceState>,
        token: Option<String>,
    ) -> wasmtime::Result<Result<(), String>> {
        let event = HandlerEvent {
            gesture: token,
            ..self.event.clone()
        };
        hooks.handler(store, self.to, event).await
    }
}

impl AppInstance {
    /// After a render of the top page that the view took: compare the
    /// instances it drew with the page's, queuing the notices (an error
    /// is kept for [`AppInstance::settle_components`] to return).
    pub(super) fn compare_instances(&mut self) {
        let Some(live) = &mut self.live else {
            return;
        };
        let Some(tree) = &self.view.tree else {
            return;
        };
        let app = &self.app;
        let state = live.store.data_mut();
        let budget = &state.host_memory;
        let nav = &mut state.nav;
        let (page, _) = nav.pages.top_mut();
        if tree.instances.is_empty() && page.components.is_empty() {
            return;
        }
        let detached_before = nav.components.notices.len();
        let comparing = Comparing {
            page,
            ctx: &mut nav.components,
            budget,
            data_limit: app.grants.quotas.page_data_bytes,
            initial: |definition: &str, _: &Value| initial_data(app.meta.as_deref(), definition),
        };
        if let Err(e) = comparing.compare(&tree.instances) {
            nav.components.failed.get_or_insert(e);
        }
        if let Some(meta) = app.meta.as_deref() {
            let mut batch = nav.components.notices.split_off(detached_before);
            relations::relink(&mut page.components, tree, meta, &mut batch);
            nav.components.notices.extend(batch);
        }
        let detached: Vec<u32> = (nav.components.notices[detached_before..].iter())
            .filter_map(|n| match n {
                Notice::Detached(id) => Some(*id),
                _ => None,
            })
            .collect();
        for id in detached {
            state.call.pending.component_left(id);
        }
    }

    /// Deliver the notices the renders queued: one `lifetimes.on-notices`
    /// call per round, each followed by the page hooks of the stack
    /// changes it made and a render (which may queue more), at most
    /// [`MAX_PAGE_ROUNDS`] rounds, within the budget of the callback that
    /// led to them.
    pub(super) async fn settle_components(&mut self) -> Result<(), Error> {
        let mut outcome = Ok(());
        for round in 0..=MAX_PAGE_ROUNDS {
            let Some(live) = &mut self.live else {
                break;
            };
            let exported = live.components.is_some();
            let ctx = &mut live.store.data_mut().nav.components;
            let failed = ctx.failed.take();
            let notices = std::mem::take(&mut ctx.notices);
            if let Some(message) = failed {
                let app = self.app.manifest.id.clone();
                let hook = "component instances".into();
                keep_first(&mut outcome, Err(Error::AppFailed { app, hook, message }));
            }
            if notices.is_empty() || !exported {
                break;
            }
            if round == MAX_PAGE_ROUNDS {
                let message = format!(
                    "on-notices changed the page's components {MAX_PAGE_ROUNDS} times in a row; \
                     the host stopped calling it"
                );
                let app = self.app.manifest.id.clone();
                let hook = "on-notices".into();
                keep_first(&mut outcome, Err(Error::AppFailed { app, hook, message }));
                break;
            }
            let before = self.stack();
            keep_first(&mut outcome, self.call(Hook::Notices(notices)).await);
            keep_first(&mut outcome, self.settle_pages(before).await);
            self.render();
        }
        outcome
    }
}

impl AppInstance {
    /// For each of `calls` (resolved on the top page as last rendered), the
    /// `handlers.on-handler` call it is: a component's handler always; a
    /// page's only for an app that exports `handlers` but not
    /// `page-events` (an app built with the SDK's page events takes its
    /// page handlers through `lifecycle.on-event`: `None` for them). `None`
    /// in all for an app that does not export `handlers`; a component's
    /// handler is then refused. The package check made sure, where the
    /// app's meta describes them, that each handler is declared.
    pub(super) fn handlers_of(
        &self,
        calls: &[Dispatch],
    ) -> Result<Option<Vec<Option<Handler>>>, Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let (Some(live), Some(tree)) = (&self.live, &self.view.tree) else {
            return Ok(None);
        };
        if live.components.is_none() {
            return match calls.iter().find_map(|c| c.owner.as_ref()) {
                Some(key) => Err(refused(format!(
                    "a handler of component instance `{key}`: the app does not export \
                     `handlers` (it needs an SDK with components)"
                ))),
                None => Ok(None),
            };
        }
        let page = live.store.data().nav.pages.top();
        let pages_too = live.page_events.is_none();
        let handler = |call: &Dispatch| {
            let to = match &call.owner {
                None if pages_too => Target::Page(page.serial),
                None => return Ok(None),
                Some(key) => Target::Component(page.components.id_of(key).ok_or_else(|| {
                    refused(format!("component instance `{key}` is not on the page"))
                })?),
            };
            Ok(Some(Handler::of(page, to, call, tree)))
        };
        calls
            .iter()
            .map(handler)
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Call `handler` (one of a view event's, in `dispatch_view`'s chain)
    /// as a callback, then the page hooks and a render as after any.
    pub(super) async fn dispatch_handler(&mut self, handler: Handler) -> Result<(), Error> {
        self.ready().await?;
        let before = self.stack();
        self.callback(Some(Hook::Handler(handler)), before).await
    }
}

impl AppInstance {
    /// Page event `fired` on its page: a `show`, `hide` or `resize` is
    /// queued as a page-lifetime notice for each instance on that page
    /// whose meta lists it in `pageLifetimes` (each instance, without a
    /// meta), delivered after the callback's render.
    pub(super) fn queue_page_lifetime(&mut self, fired: &super::page_events::Fired) {
        use super::page_events::PageEvent;
        let (lifetime, listed) = match fired.event {
            PageEvent::Show => (PageLifetime::Show, MetaLifetime::Show),
            PageEvent::Hide => (PageLifetime::Hide, MetaLifetime::Hide),
            PageEvent::Resize => (PageLifetime::Resize, MetaLifetime::Resize),
            _ => return,
        };
        let Some(live) = &mut self.live else {
            return;
        };
        if live.components.is_none() {
            return;
        }
        let meta = self.app.meta.as_deref();
        let nav = &mut live.store.data_mut().nav;
        let Some(page) = nav.pages.page(fired.serial) else {
            return;
        };
        let listens = |definition: &str| match meta.and_then(|m| m.component(definition)) {
            Some(component) => component.page_lifetimes.contains(&listed),
            None => meta.is_none(),
        };
        let notices: Vec<Notice> = (page.components.order().iter())
            .filter(|id| {
                page.components
                    .get(**id)
                    .is_some_and(|c| listens(&c.definition))
            })
            .map(|id| Notice::PageLifetime((*id, lifetime, fired.detail.clone())))
            .collect();
        nav.components.notices.extend(notices);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use miniapp_view::component::RenderedInstance;
    use serde_json::{Value, json};

    use super::*;
    use crate::capability::nav::PageStack;

    /// An instance as a render draws it.
    fn drawn(
        key: &str,
        definition: &str,
        parent: Option<&str>,
        properties: Value,
    ) -> RenderedInstance {
        RenderedInstance {
            key: key.into(),
            definition: definition.into(),
            parent: parent.map(Into::into),
            host: 1,
            properties,
            models: Vec::new(),
        }
    }

    /// A page, its ids and queue, and its budget, compared round by round.
    struct Rounds {
        stack: PageStack,
        ctx: ComponentCtx,
        budget: Arc<HostMemory>,
        data_limit: u64,
    }

    impl Rounds {
        fn new(budget: u64) -> Rounds {
            let budget = HostMemory::new(budget);
            let stack = PageStack::new("index".into(), Vec::new(), 10, budget.clone()).unwrap();
            Rounds {
                stack,
                ctx: ComponentCtx::default(),
                budget,
                data_limit: 1024,
            }
        }

        /// Compare `rendered`; the notices it queued, as text.
        fn round(&mut self, rendered: &[RenderedInstance]) -> Result<Vec<String>, String> {
            let (page, _) = self.stack.top_mut();
            let comparing = Comparing {
                page,
                ctx: &mut self.ctx,
                budget: &self.budget,
                data_limit: self.data_limit,
                initial: |definition: &str, _: &Value| json!({"own": definition.len()}),
            };
            let outcome = comparing.compare(rendered);
            let notices = std::mem::take(&mut self.ctx.notices);
            outcome.map(|()| notices.iter().map(text).collect())
        }

        fn data(&self, id: u32) -> Value {
            self.stack.top().components.get(id).unwrap().data.clone()
        }
    }

    fn text(notice: &Notice) -> String {
        match notice {
            Notice::Created(c) => format!(
                "created {} {} {:?} {}",
                c.id, c.definition, c.parent, c.properties
            ),
            Notice::Attached(id) => format!("attached {id}"),
            Notice::Ready(id) => format!("ready {id}"),
            Notice::Moved(id) => format!("moved {id}"),
            Notice::Detached(id) => format!("detached {id}"),
            Notice::Properties(p) => {
                format!("property {} {} {} (was {})", p.id, p.name, p.value, p.old)
            }
            Notice::PageLifetime((id, lifetime, _)) => format!("{lifetime:?} {id}"),
            Notice::Linked(r) => format!("linked {} {} {}", r.id, r.relation, r.other),
            Notice::LinkChanged(r) => format!("link-changed {} {} {}", r.id, r.relation, r.other),
            Notice::Unlinked(r) => format!("unlinked {} {} {}", r.id, r.relation, r.other),
        }
    }

    #[test]
    fn created_attached_ready_then_properties_then_detached() {
        let mut rounds = Rounds::new(1 << 20);
        let card = drawn("0.1", "c/card", None, json!({"title": "Hi"}));
        let badge = drawn("0.1/0.0", "c/badge", Some("0.1"), json!({"label": "Hi"}));
        let first = rounds.round(&[card.clone(), badge.clone()]).unwrap();
        assert_eq!(
            first,
            [
                r#"created 1 c/card None {"title":"Hi"}"#,
                r#"created 2 c/badge Some(1) {"label":"Hi"}"#,
                "attached 1",
                "attached 2",
                "ready 1",
                "ready 2",
            ]
        );
        // Own data with the properties merged (WeChat's `this.data`).
        assert_eq!(rounds.data(1), json!({"own": 6, "title": "Hi"}));
        assert_eq!(
            rounds.round(&[card.clone(), badge.clone()]).unwrap(),
            Vec::<String>::new()
        );
        let card = drawn("0.1", "c/card", None, json!({"title": "Ho"}));
        let changed = rounds.round(&[card.clone(), badge]).unwrap();
        assert_eq!(changed, [r#"property 1 title "Ho" (was "Hi")"#]);
        assert_eq!(rounds.data(1)["title"], "Ho");
        // The badge leaves; then the card, children first.
        assert_eq!(
            rounds.round(std::slice::from_ref(&card)).unwrap(),
            ["detached 2"]
        );
        assert_eq!(rounds.round(&[]).unwrap(), ["detached 1"]);
        // A new instance under an old key is a new id: ids are never reused.
        let again = rounds.round(&[card]).unwrap();
        assert_eq!(again[0], r#"created 3 c/card None {"title":"Ho"}"#);
    }

    #[test]
    fn a_property_the_component_set_keeps_its_value_until_the_caller_changes_it() {
        let mut rounds = Rounds::new(1 << 20);
        let drawn_with = |a: i32, b: i32| [drawn("0.0", "c/pair", None, json!({"a": a, "b": b}))];
        rounds.round(&drawn_with(1, 1)).unwrap();
        // The component sets `a` itself (WeChat's this.setData({a: 5})).
        let (page, _) = rounds.stack.top_mut();
        page.components.update(1, |c| {
            c.data["a"] = json!(5);
            ((), 0)
        });
        assert_eq!(
            rounds.round(&drawn_with(1, 2)).unwrap(),
            ["property 1 b 2 (was 1)"]
        );
        assert_eq!(rounds.data(1), json!({"own": 6, "a": 5, "b": 2}));
        assert_eq!(
            rounds.round(&drawn_with(3, 2)).unwrap(),
            ["property 1 a 3 (was 1)"]
        );
        assert_eq!(rounds.data(1)["a"], 3);
    }

    #[test]
    fn a_keyed_move_is_moved_not_detached() {
        let mut rounds = Rounds::new(1 << 20);
        let item = |key: &str| drawn(key, "c/item", None, json!({"label": key}));
        let (a, b, c) = (item("for:a"), item("for:b"), item("for:c"));
        rounds.round(&[a.clone(), b.clone(), c.clone()]).unwrap();
        let reversed = rounds.round(&[c.clone(), b.clone(), a.clone()]).unwrap();
        // `b` kept its place among its siblings.
        assert_eq!(reversed, ["moved 3", "moved 1"]);
        let dropped = rounds.round(&[c, a]).unwrap();
        assert_eq!(dropped, ["detached 2"]);
    }

    #[test]
    fn budgets_bound_instances_and_are_released() {
        let mut rounds = Rounds::new(1 << 20);
        rounds.data_limit = 16;
        let big = drawn(
            "0.0",
            "c/card",
            None,
            json!({"title": "a title longer than sixteen"}),
        );
        let err = rounds.round(&[big]).unwrap_err();
        assert!(err.contains("component `c/card` data would be"), "{err}");
        assert!(err.contains("over the limit of 16 bytes"), "{err}");
        assert!(rounds.stack.top().components.is_empty());
        // Host memory: every instance is charged, and released on detach.
        let mut rounds = Rounds::new(4096);
        let base = rounds.budget.used();
        let many: Vec<RenderedInstance> = (0..100)
            .map(|i| drawn(&format!("for:{i}"), "c/item", None, json!({"label": i})))
            .collect();
        let err = rounds.round(&many).unwrap_err();
        assert!(err.contains("a component instance"), "{err}");
        let kept = rounds.stack.top().components.order().len();
        assert!(kept > 0 && kept < 100, "{kept}");
        assert!(rounds.budget.used() <= 4096);
        rounds.round(&[]).unwrap();
        assert_eq!(rounds.budget.used(), base, "all released");
    }
}
