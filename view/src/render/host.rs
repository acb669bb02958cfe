//! Custom components in a render: the host element of each instance, its
//! properties evaluated in the caller's scope, its template drawn against
//! the instance's data with the instance as owner, and the caller's
//! children drawn into its slots in the caller's scope and owner. A
//! component subtree whose properties, host attributes and instance data
//! did not change is taken from the previous render as it is.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::{Counts, Host, RenderError, Run, VElement, VNode, to_json};
use crate::ast::{CUSTOM, Element, Node, Pos, Template, Value};
use crate::component::{Definition, InstanceKey, ModelBinding, RenderedInstance};
use crate::eval::{self, Scope, Val};

/// How each instance of a render was drawn, by key.
pub(super) type DrawnMap = BTreeMap<InstanceKey, Arc<Record>>;

/// [`DrawnMap`], shared by a tree and its clones.
pub(super) type Drawn = Arc<DrawnMap>;

/// How one instance was drawn: what a later render compares to reuse it.
#[derive(Debug)]
pub(super) struct Record {
    /// The instance, its evaluated properties included.
    instance: RenderedInstance,
    /// A digest of the data the runtime held for it (`None`: none yet).
    data: Option<u64>,
    /// What it put in the caller's list: its host element, or a virtual
    /// host's nodes.
    nodes: Vec<VNode>,
    /// What it counted, host included.
    counts: Counts,
    /// The instances drawn in its subtree, itself first, in order.
    inner: Vec<InstanceKey>,
}

/// Where in the render a node is drawn.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    /// `<template is>` and `<include>` nesting.
    pub depth: usize,
    /// Inside a component (or its slots): loops are not recorded for reuse.
    plain: bool,
    /// The slots of the component whose template is drawn.
    slots: Option<&'a Slots<'a>>,
    /// At the top of a slot's content: only nodes for slot `name` (`""`
    /// for the default slot).
    filter: Option<&'a str>,
}

impl At<'_> {
    /// The page's own template.
    pub const PAGE: At<'static> = At {
        depth: 0,
        plain: false,
        slots: None,
        filter: None,
    };

    /// One `<template is>` or `<include>` deeper.
    pub fn nested(self) -> Self {
        At {
            depth: self.depth + 1,
            ..self
        }
    }

    /// Inside an element: below the top of a slot's content.
    pub fn inside(self) -> Self {
        At {
            filter: None,
            ..self
        }
    }

    /// Whether loops here are recorded for reuse (the page's own template).
    pub fn records(self) -> bool {
        self.depth == 0 && !self.plain
    }

    /// Whether a node for slot `slot` (`None`: the default) is drawn here.
    pub fn takes(self, slot: Option<&str>) -> bool {
        self.filter.is_none_or(|name| slot.unwrap_or("") == name)
    }

    /// Whether nodes are filtered by their slot here.
    pub fn filters(self) -> bool {
        self.filter.is_some()
    }
}

/// The caller's side of a component being drawn: what its slots show.
pub(super) struct Slots<'a> {
    file: &'a Template,
    children: &'a [Node],
    scope: &'a Scope<'a>,
    at: At<'a>,
    owner: Option<InstanceKey>,
    using_of: Option<Arc<str>>,
    externals: Vec<(String, Arc<str>)>,
    /// Whether the component takes named slots.
    multiple: bool,
}

/// The caller's part of an instance: what it gives the component.
struct Given {
    properties: Map<String, Json>,
    /// The properties the caller writes (the others have their defaults).
    written: Vec<String>,
    /// The external classes it gives, as the caller's classes.
    externals: Vec<(String, Arc<str>)>,
    attrs: Vec<super::Attribute>,
    dataset: Vec<(Arc<str>, Json)>,
}

/// Attributes a host element shows.
fn is_host_attribute(name: &str) -> bool {
    matches!(name, "id" | "class" | "style" | "hidden")
}

impl<'c> Run<'c, '_> {
    /// The slot `element` goes in, evaluated (`None`: the default slot).
    pub(super) fn slot_of(
        &mut self,
        element: &Element,
        scope: &Scope<'_>,
    ) -> Result<Option<Arc<str>>, RenderError> {
        match &element.slot {
            None => Ok(None),
            Some(value) => self.text(value, scope).map(Some),
        }
    }

    /// Append `segment` to the render's site; returns where to truncate it
    /// back to.
    pub(super) fn enter_site(&mut self, segment: std::fmt::Arguments<'_>) -> usize {
        use std::fmt::Write;
        let mark = self.site.len();
        let _ = self.site.write_fmt(segment);
        mark
    }

    /// Append a `wx:for` item's segment: its key as JSON, else its index.
    pub(super) fn item_site(&mut self, key: Option<&Val<'_>>, index: usize) -> usize {
        match key.and_then(|k| k.as_json()) {
            Some(key) => self.enter_site(format_args!("[{key}]")),
            None => self.enter_site(format_args!("[{index}]")),
        }
    }

    /// The definition a custom `element` of `file` names.
    fn definition(
        &self,
        file: &Template,
        element: &Element,
    ) -> Result<&'c Definition, RenderError> {
        let tag = element.custom.as_deref().unwrap_or(CUSTOM);
        let problem = |problem: String| RenderError::Component {
            file: file.file.clone(),
            line: element.pos.line,
            tag: tag.to_string(),
            problem,
        };
        let components = self.context.components;
        let using = match &self.using_of {
            None => self.context.using,
            Some(path) => {
                &components
                    .get(path)
                    .ok_or_else(|| problem(format!("no component `{path}`")))?
                    .using
            }
        };
        let path = using
            .get(tag)
            .ok_or_else(|| problem("not declared in usingComponents".into()))?;
        components.get(path).ok_or_else(|| {
            problem(format!(
                "declared as `{path}`, which is not a component of the package"
            ))
        })
    }

    /// A custom component's instance: its host element (none for a
    /// virtual host) holding what its template draws.
    pub(super) fn component(
        &mut self,
        file: &Template,
        element: &Element,
        scope: &Scope<'_>,
        at: At<'_>,
        key: Option<&Val<'_>>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        if at.filters() && !at.takes(self.slot_of(element, scope)?.as_deref()) {
            return Ok(());
        }
        let definition = self.definition(file, element)?;
        let limits = self.context.limits;
        if self.component_depth >= limits.component_depth {
            return Err(self.limit(
                "custom components inside one another",
                limits.component_depth,
            ));
        }
        if self.instances.len() >= limits.components {
            return Err(self.limit("custom component instances per page", limits.components));
        }
        let mut instance = format!("{}{}:{}", self.site, element.pos.line, element.pos.col);
        // Two items of a wx:for with the same wx:key (or none where one is
        // named) draw at one site: the later ones are told apart by their
        // place in the render, so no two instances share a key.
        if self.drawn.contains_key(instance.as_str()) {
            use std::fmt::Write;
            let _ = write!(instance, "~{}", self.instances.len());
        }
        let instance: InstanceKey = instance.into();
        let before = self.counts;
        self.count_bytes(instance.len())?;
        let given = self.given(file, element, definition, scope)?;
        if self.reuse(&instance, &given, definition, element, before, out)? {
            return Ok(());
        }
        let host = match definition.options.virtual_host {
            true => 0,
            false => self.count_node()?,
        };
        let first = self.instances.len();
        self.instances.push(RenderedInstance {
            key: instance.clone(),
            definition: definition.path.clone(),
            parent: self.owner.clone(),
            host,
            properties: Json::Object(given.properties.clone()),
            models: models(element, definition),
        });
        let held = self.context.instances.data(&instance);
        let data = match held {
            Some(Json::Object(fields)) => {
                let mut fields = fields.clone();
                fields.extend(self.changed_properties(&instance, &given));
                Json::Object(fields)
            }
            _ => definition.initial_data(&given.properties),
        };
        let digest = held.map(digest);
        let template = (self.context.files.get(&definition.template)).ok_or_else(|| {
            RenderError::Component {
                file: file.file.clone(),
                line: element.pos.line,
                tag: element.custom.as_deref().unwrap_or(CUSTOM).to_string(),
                problem: format!("its template {} is not in the package", definition.template),
            }
        })?;
        let slots = Slots {
            file,
            children: &element.children,
            scope,
            at,
            owner: self.owner.clone(),
            using_of: self.using_of.clone(),
            externals: self.externals.clone(),
            multiple: definition.options.multiple_slots,
        };
        let inner = Scope::new(&data);
        let inside = At {
            depth: at.depth,
            plain: true,
            slots: Some(&slots),
            filter: None,
        };
        let mut children = Vec::new();
        let owner = self.owner.replace(instance.clone());
        let using_of = self.using_of.replace(definition.path.clone());
        let site = std::mem::replace(&mut self.site, format!("{instance}/"));
        let externals = std::mem::replace(&mut self.externals, given.externals);
        self.component_depth += 1;
        let drawn = self.nodes(
            template,
            &template.nodes,
            &inner,
            inside,
            None,
            &mut children,
        );
        self.component_depth -= 1;
        self.externals = externals;
        self.site = site;
        self.using_of = using_of;
        self.owner = owner;
        drawn?;
        let start = out.len();
        if definition.options.virtual_host {
            out.extend(children);
            // The caller's list no longer lines up with the previous one.
            self.prev = None;
        } else {
            out.push(VNode::Element(Arc::new(VElement {
                id: host,
                tag: CUSTOM,
                attrs: given.attrs,
                dataset: given.dataset,
                events: element.events.clone(),
                key: key.map(eval::to_text),
                children,
                loops: None,
                owner: self.owner.clone(),
                host: Some(Arc::new(Host {
                    tag: element.custom.clone().unwrap_or_else(|| CUSTOM.into()),
                    key: instance.clone(),
                    definition: definition.path.clone(),
                })),
                range_shape: std::sync::OnceLock::new(),
                held: std::sync::OnceLock::new(),
            })));
        }
        let record = Record {
            instance: self.instances[first].clone(),
            data: digest,
            nodes: out[start..].to_vec(),
            counts: self.counts.since(before),
            inner: self.instances[first..]
                .iter()
                .map(|i| i.key.clone())
                .collect(),
        };
        self.drawn.insert(instance, Arc::new(record));
        Ok(())
    }

    /// The properties the caller writes whose values differ from the
    /// previous render's (all it writes, without one): what the instance's
    /// data takes at once, as WeChat sets a property when its caller's
    /// value changes (a property the component set itself otherwise keeps
    /// its value).
    fn changed_properties(&self, key: &InstanceKey, given: &Given) -> Map<String, Json> {
        let before = self.drawn_before.and_then(|drawn| drawn.get(key));
        let written = given
            .properties
            .iter()
            .filter(|(name, _)| given.written.contains(name));
        written
            .filter(|(name, value)| {
                before.is_none_or(|r| r.instance.properties.get(name.as_str()) != Some(value))
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// What the caller gives an instance: its properties (every declared
    /// one, coerced to its type), and its host's attributes and dataset.
    fn given(
        &mut self,
        file: &Template,
        element: &Element,
        definition: &Definition,
        scope: &Scope<'_>,
    ) -> Result<Given, RenderError> {
        let mut properties = Map::new();
        let mut written = Vec::new();
        for (name, value) in &element.attrs {
            let Some(property) = definition.property(name) else {
                continue;
            };
            let value = match value {
                Value::Static(text) => Json::String(text.to_string()),
                Value::Dynamic(expr) => to_json(self.eval(expr, scope)?),
            };
            let value = property.coerce(value);
            self.count_bytes(serde_json::to_string(&value).map_or(0, |s| s.len()))?;
            properties.insert(property.name.clone(), value);
            written.push(property.name.clone());
        }
        for property in &definition.properties {
            if !properties.contains_key(&property.name) {
                properties.insert(property.name.clone(), property.initial());
            }
        }
        let mut externals = Vec::new();
        for (name, value) in &element.attrs {
            if definition.external_classes.iter().any(|c| c == &**name) {
                let classes = self.text(value, scope)?;
                externals.push((name.to_string(), self.scoped_class(classes)));
            }
        }
        let attrs = match definition.options.virtual_host {
            true => Vec::new(),
            false => {
                let mut attrs = self.attributes_where(file, element, scope, is_host_attribute)?;
                host_class(&mut attrs, &definition.scope);
                attrs
            }
        };
        let dataset = self.dataset(element, scope)?;
        Ok(Given {
            properties,
            written,
            externals,
            attrs,
            dataset,
        })
    }

    /// Take instance `key` from the previous render when nothing it shows
    /// can have changed: the same properties and host attributes, no
    /// content for its slots, and no instance of its subtree whose data
    /// changed. True when it was taken.
    fn reuse(
        &mut self,
        key: &InstanceKey,
        given: &Given,
        definition: &Definition,
        element: &Element,
        before: Counts,
        out: &mut Vec<VNode>,
    ) -> Result<bool, RenderError> {
        let (Some(_), Some(drawn)) = (self.changes, self.drawn_before) else {
            return Ok(false);
        };
        let Some(record) = drawn.get(key) else {
            return Ok(false);
        };
        let host_same = match (definition.options.virtual_host, record.nodes.first()) {
            (true, _) => true,
            (false, Some(VNode::Element(host))) => {
                host.attrs == given.attrs && host.dataset == given.dataset
            }
            (false, _) => false,
        };
        let unchanged = |key: &InstanceKey| {
            let now = self.context.instances.data(key).map(digest);
            drawn.get(key).is_some_and(|r| r.data == now)
        };
        if !element.children.is_empty()
            || !host_same
            || record.instance.properties.as_object() != Some(&given.properties)
            || !record.inner.iter().all(unchanged)
        {
            return Ok(false);
        }
        let limit = self.context.limits.components;
        if self.instances.len() + record.inner.len() > limit {
            return Err(self.limit("custom component instances per page", limit));
        }
        self.counts = before;
        self.count_reused(record.counts)?;
        out.extend(record.nodes.iter().cloned());
        if definition.options.virtual_host {
            self.prev = None;
        }
        for key in &record.inner {
            if let Some(inner) = drawn.get(key) {
                self.instances.push(inner.instance.clone());
                self.drawn.insert(key.clone(), inner.clone());
            }
        }
        Ok(true)
    }

    /// A `<slot>` of the component being drawn: the caller's children for
    /// it, in the caller's scope and owner.
    pub(super) fn slot(
        &mut self,
        name: &Value,
        pos: Pos,
        scope: &Scope<'_>,
        at: At<'_>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        let Some(slots) = at.slots else {
            return Ok(());
        };
        let name = self.text(name, scope)?;
        let mark = self.enter_site(format_args!("<{}:{}>", pos.line, pos.col));
        let content = At {
            depth: slots.at.depth,
            plain: true,
            slots: slots.at.slots,
            filter: slots.multiple.then_some(&*name),
        };
        let owner = std::mem::replace(&mut self.owner, slots.owner.clone());
        let using_of = std::mem::replace(&mut self.using_of, slots.using_of.clone());
        let externals = std::mem::replace(&mut self.externals, slots.externals.clone());
        let drawn = self.nodes(slots.file, slots.children, slots.scope, content, None, out);
        self.externals = externals;
        self.using_of = using_of;
        self.owner = owner;
        self.site.truncate(mark);
        drawn
    }
}

/// The `model:` bindings of `element`'s properties (one naming no
/// property of `definition` binds nothing: the package check refuses it
/// when the logic's meta is known).
fn models(element: &Element, definition: &Definition) -> Vec<ModelBinding> {
    (element.events.iter())
        .filter(|b| b.kind == crate::ast::BindingKind::Model)
        .filter_map(|b| {
            Some(ModelBinding {
                property: definition.property(&b.event)?.name.clone(),
                path: b.handler.clone(),
            })
        })
        .collect()
}

/// Mark a host element's class with its definition's `scope` (what a
/// component's `:host` rules select).
fn host_class(attrs: &mut Vec<super::Attribute>, scope: &str) {
    if scope.is_empty() {
        return;
    }
    match attrs.iter_mut().find(|(name, _)| &**name == "class") {
        Some((_, value)) if value.is_empty() => *value = scope.into(),
        Some((_, value)) => *value = format!("{value} {scope}").into(),
        None => attrs.push(("class".into(), scope.into())),
    }
}

impl Run<'_, '_> {
    /// The `class` text of an element of the template being drawn: a page's
    /// as it is; a component's each class scoped to it (and also as it is
    /// when page classes reach it), an external class the caller's classes.
    pub(super) fn scoped_class(&self, classes: Arc<str>) -> Arc<str> {
        let definition = (self.using_of.as_ref()).and_then(|p| self.context.components.get(p));
        let Some(definition) = definition.filter(|d| !d.scope.is_empty()) else {
            return classes;
        };
        let mut out = String::with_capacity(classes.len() * 2);
        for class in classes.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            if let Some((_, given)) = self.externals.iter().find(|(name, _)| name == class) {
                out.push_str(given);
                continue;
            }
            out.push_str(&definition.scope);
            out.push_str(class);
            if definition.options.takes_page_classes() {
                out.push(' ');
                out.push_str(class);
            }
        }
        out.into()
    }
}

/// A digest of a JSON value (its kind, contents and order).
fn digest(value: &Json) -> u64 {
    fn feed(value: &Json, hasher: &mut std::collections::hash_map::DefaultHasher) {
        match value {
            Json::Null => 0u8.hash(hasher),
            Json::Bool(b) => (1u8, b).hash(hasher),
            Json::Number(n) => (2u8, n.to_string()).hash(hasher),
            Json::String(s) => (3u8, s).hash(hasher),
            Json::Array(items) => {
                (4u8, items.len()).hash(hasher);
                items.iter().for_each(|item| feed(item, hasher));
            }
            Json::Object(fields) => {
                (5u8, fields.len()).hash(hasher);
                for (name, field) in fields {
                    name.hash(hasher);
                    feed(field, hasher);
                }
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    feed(value, &mut hasher);
    hasher.finish()
}

/// Set each instance's `host` to its host element's id in `tree` (after a
/// diff renumbered the elements drawn anew).
pub(crate) fn renumber(tree: &mut super::Tree) {
    fn walk(nodes: &[VNode], out: &mut BTreeMap<InstanceKey, u32>) {
        for node in nodes {
            if let VNode::Element(element) = node {
                if let Some(host) = &element.host {
                    out.insert(host.key.clone(), element.id);
                }
                walk(&element.children, out);
            }
        }
    }
    if tree.instances.is_empty() {
        return;
    }
    let mut hosts = BTreeMap::new();
    walk(&tree.nodes, &mut hosts);
    for instance in &mut tree.instances {
        if let Some(id) = hosts.get(&instance.key) {
            instance.host = *id;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
