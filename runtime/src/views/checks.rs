//! What templates ask of the package's components, checked before
//! anything runs: every custom tag declared by its template's
//! `usingComponents` (else the closest declared name), every attribute on a
//! custom tag one of its properties, external classes or the common ones,
//! every `slot="x"` a slot of that component's template, no `<slot>` in a
//! page; and when the logic's meta is known, every static handler a
//! template binds one its page or component has (in its own file, the
//! files it includes and the `<template>`s it draws, its own or imported).
//! Each problem at `file:line:col`.

use std::collections::BTreeMap;
use std::sync::Arc;

use miniapp_config::Meta;
use miniapp_view::ast::{BindingKind, Element, Node, Template, Value};
use miniapp_view::component::Definition;

use miniapp_view::builtins::closest;
use miniapp_view::render::resolve;

use super::resolve::Components;

/// Whose template a file is, and what it may use.
struct Owner<'a> {
    /// The tags its `usingComponents` declares.
    using: &'a BTreeMap<String, Arc<str>>,
    /// Its handlers, when its meta is known: (what it is, the names).
    handlers: Option<(String, &'a [String])>,
    /// Whether it is a page's (where `<slot>` has no place).
    page: bool,
}

/// Attributes any custom component's host takes.
fn is_common(name: &str) -> bool {
    matches!(name, "id" | "class" | "style" | "hidden" | "slot")
}

/// The checks under way: what the package holds, and the problems found.
struct Checks<'a> {
    templates: &'a BTreeMap<String, Template>,
    components: &'a Components,
    meta: Option<&'a Meta>,
    out: Vec<String>,
}

/// Check every page's and component's template (and the files they use)
/// against `components` and `meta`; the problems, each `file:line:col: what`.
pub fn check(
    templates: &BTreeMap<String, Template>,
    components: &Components,
    meta: Option<&Meta>,
) -> Vec<String> {
    let mut checks = Checks {
        templates,
        components,
        meta,
        out: Vec::new(),
    };
    let mut owned = Vec::new();
    for (route, using) in &components.pages {
        let handlers = meta
            .and_then(|m| m.page_handlers(route))
            .map(|h| (format!("page `{route}`"), h));
        let owner = Owner {
            using,
            handlers,
            page: true,
        };
        let stem = super::page_stem(route, |path| templates.contains_key(path));
        let file = format!("{stem}.wxml");
        if let Some(template) = templates.get(&file) {
            checks.walk(template, &template.nodes, &owner);
            checks.reached_handlers(&file, &owner);
            owned.push(file);
        }
    }
    for (path, definition) in &components.definitions {
        let handlers = (meta.and_then(|m| m.component(path)))
            .map(|c| (format!("component `{path}`"), c.handlers.as_slice()));
        let owner = Owner {
            using: &definition.using,
            handlers,
            page: false,
        };
        if let Some(template) = templates.get(&definition.template) {
            checks.walk(template, &template.nodes, &owner);
            checks.reached_handlers(&definition.template, &owner);
            owned.push(definition.template.clone());
        }
    }
    // A file others include or import: any declared tag, no handler check.
    let mut every = components.app.clone();
    for using in components.pages.values() {
        every.extend(using.iter().map(|(t, p)| (t.clone(), p.clone())));
    }
    for definition in components.definitions.values() {
        every.extend(definition.using.iter().map(|(t, p)| (t.clone(), p.clone())));
    }
    let shared = Owner {
        using: &every,
        handlers: None,
        page: false,
    };
    for (file, template) in templates {
        if !owned.contains(file) {
            checks.walk(template, &template.nodes, &shared);
        }
        for nodes in template.templates.values() {
            checks.walk(template, nodes, &shared);
        }
    }
    checks.out
}

impl Checks<'_> {
    fn walk(&mut self, file: &Template, nodes: &[Node], owner: &Owner<'_>) {
        for node in nodes {
            match node {
                Node::Element(element) => self.element(file, element, owner),
                Node::Slot { pos, .. } if owner.page => self.out.push(format!(
                    "{}:{}:{}: `<slot>` belongs in a component's template, not a page's",
                    file.file, pos.line, pos.col
                )),
                _ => {}
            }
            for inner in node.inner() {
                self.walk(file, inner, owner);
            }
        }
    }

    fn element(&mut self, file: &Template, element: &Element, owner: &Owner<'_>) {
        let at = |shift: u32| {
            format!(
                "{}:{}:{}",
                file.file,
                element.pos.line,
                element.pos.col + shift
            )
        };
        if let Some((what, handlers)) = &owner.handlers {
            self.bound(file, element, what, handlers);
        }
        let Some(tag) = &element.custom else {
            return;
        };
        let found = owner.using.get(&**tag);
        let Some(definition) = found.and_then(|p| self.components.definitions.get(p)) else {
            let near = closest(tag, owner.using.keys().map(String::as_str));
            self.out.push(format!(
                "{}: unknown component `<{tag}>` (not a built-in, and not declared in \
                 usingComponents){}",
                at(1),
                hint(near)
            ));
            return;
        };
        // Its properties are known from the logic's meta; without it, any
        // attribute may be one.
        let known = self
            .meta
            .and_then(|m| m.component(&definition.path))
            .is_some();
        for (name, _) in element.attrs.iter().filter(|_| known) {
            if is_common(name)
                || definition.property(name).is_some()
                || definition.external_classes.iter().any(|c| c == &**name)
            {
                continue;
            }
            let names = (definition.properties.iter().map(|p| p.name.as_str()))
                .chain(definition.external_classes.iter().map(String::as_str));
            let near = closest(&miniapp_view::component::camel_case(name), names);
            self.out.push(format!(
                "{}: `<{tag}>` has no property or external class `{name}`{}",
                at(0),
                hint(near)
            ));
        }
        self.slots(file, element, tag, definition);
    }

    /// Each static handler `element` (in `file`) binds is one of
    /// `handlers`, those of `what` (`page `index``).
    fn bound(&mut self, file: &Template, element: &Element, what: &str, handlers: &[String]) {
        let bound = element
            .events
            .iter()
            .filter(|b| b.kind != BindingKind::Model);
        for binding in bound.filter(|b| !handlers.contains(&b.handler)) {
            let hint = hint(closest(
                &binding.handler,
                handlers.iter().map(String::as_str),
            ));
            self.out.push(format!(
                "{}:{}:{}: no handler `{}` on {what}{hint}",
                file.file, element.pos.line, element.pos.col, binding.handler
            ));
        }
    }

    /// The handlers bound where template `file` draws from other than its
    /// own nodes (its `<template>`s, the files it includes, the templates
    /// of the files it imports) checked against `owner`'s, when known.
    fn reached_handlers(&mut self, file: &str, owner: &Owner<'_>) {
        let Some((what, handlers)) = &owner.handlers else {
            return;
        };
        for (template, nodes) in reached(file, self.templates).into_iter().skip(1) {
            self.handlers_in(template, nodes, what, handlers);
        }
    }

    fn handlers_in(&mut self, file: &Template, nodes: &[Node], what: &str, handlers: &[String]) {
        for node in nodes {
            if let Node::Element(element) = node {
                self.bound(file, element, what, handlers);
            }
            for inner in node.inner() {
                self.handlers_in(file, inner, what, handlers);
            }
        }
    }

    /// Each `slot="x"` among `element`'s children names a `<slot name="x">`
    /// of `definition`'s template.
    fn slots(&mut self, file: &Template, element: &Element, tag: &str, definition: &Definition) {
        let mut names = Vec::new();
        if let Some(template) = self.templates.get(&definition.template) {
            slot_names(&template.nodes, &mut names);
        }
        let mut children = Vec::new();
        elements_of(&element.children, &mut children);
        for child in children {
            let Some(Value::Static(name)) = &child.slot else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            if !definition.options.multiple_slots {
                self.out.push(format!(
                    "{}:{}:{}: `<{tag}>` takes no named slots (its options do not set \
                     multipleSlots), so `slot=\"{name}\"` names no slot",
                    file.file, child.pos.line, child.pos.col
                ));
                continue;
            }
            if names.contains(&&**name) {
                continue;
            }
            let has = match names.is_empty() {
                true => "it has no named slot".to_string(),
                false => {
                    let each: Vec<String> = names.iter().map(|s| format!("`{s}`")).collect();
                    format!("it has {}", each.join(", "))
                }
            };
            self.out.push(format!(
                "{}:{}:{}: `<{tag}>` has no slot named `{name}` ({has})",
                file.file, child.pos.line, child.pos.col
            ));
        }
    }
}

/// What template `file` draws, each list of nodes with its file: its own
/// nodes first, then the files it includes (whole, at any depth) and the
/// `<template>`s of its own, of those files and of the files they import
/// that one of those draws (`<template is="NAME">`; every one when an `is`
/// is computed): a template nothing draws binds nothing, as on WeChat.
/// Each file's nodes once and each template once.
fn reached<'t>(
    file: &str,
    templates: &'t BTreeMap<String, Template>,
) -> Vec<(&'t Template, &'t [Node])> {
    let mut out = Vec::new();
    // A file is read whole once (included) and its templates once
    // (imported or included), in whichever order the two come.
    let (mut whole_seen, mut templates_seen): (Vec<&str>, Vec<&str>) = Default::default();
    // The templates defined so far and not drawn yet: (file, name, nodes).
    let mut defined: Vec<(&'t str, &'t str, &'t [Node])> = Vec::new();
    let mut drawn = Drawn::default();
    let mut files: Vec<(String, bool)> = vec![(file.to_string(), true)];
    let mut lists: Vec<(&'t str, &'t [Node])> = Vec::new();
    loop {
        // What is drawn: the files it includes, the templates it draws.
        for (name, nodes) in lists.drain(..) {
            let mut includes = Vec::new();
            super::includes_of(nodes, &mut includes);
            files.extend(
                (includes.into_iter())
                    .filter_map(|(src, _)| resolve(name, src))
                    .map(|f| (f, true)),
            );
            drawn.read(nodes);
            out.push((&templates[name], nodes));
        }
        let Some((file, whole)) = files.pop() else {
            // Every file read: the templates drawn so far, then theirs.
            defined.retain(|&(file, name, nodes)| {
                let draw = drawn.any || drawn.names.contains(&name);
                if draw {
                    lists.push((file, nodes));
                }
                !draw
            });
            if lists.is_empty() {
                return out;
            }
            continue;
        };
        let Some((name, template)) = templates.get_key_value(&file) else {
            continue;
        };
        if whole && !whole_seen.contains(&name.as_str()) {
            whole_seen.push(name);
            lists.push((name, &template.nodes));
            for import in &template.imports {
                files.extend(resolve(name, import).map(|f| (f, false)));
            }
        }
        if !templates_seen.contains(&name.as_str()) {
            templates_seen.push(name);
            let each = template.templates.iter();
            defined.extend(each.map(|(t, nodes)| (name.as_str(), t.as_str(), nodes.as_slice())));
        }
    }
}

/// The templates a file's nodes draw: by name, or any (a computed `is`).
#[derive(Default)]
struct Drawn<'t> {
    names: Vec<&'t str>,
    any: bool,
}

impl<'t> Drawn<'t> {
    fn read(&mut self, nodes: &'t [Node]) {
        for node in nodes {
            match node {
                Node::Use {
                    is: Value::Static(name),
                    ..
                } => self.names.push(&**name),
                Node::Use { .. } => self.any = true,
                _ => {}
            }
            for inner in node.inner() {
                self.read(inner);
            }
        }
    }
}

/// The static names of the named `<slot>`s among `nodes`.
fn slot_names<'t>(nodes: &'t [Node], out: &mut Vec<&'t str>) {
    for node in nodes {
        if let Node::Slot {
            name: Value::Static(name),
            ..
        } = node
            && !name.is_empty()
        {
            out.push(name);
        }
        for inner in node.inner() {
            slot_names(inner, out);
        }
    }
}

/// The elements at the top of `nodes` (through `wx:if`, `wx:for` and
/// `<block>`), as slot content is.
fn elements_of<'t>(nodes: &'t [Node], out: &mut Vec<&'t Element>) {
    for node in nodes {
        match node {
            Node::Element(element) => out.push(element),
            other => {
                for inner in other.inner() {
                    elements_of(inner, out);
                }
            }
        }
    }
}

/// ` (did you mean `x`?)` for a close name, else nothing.
fn hint(near: Option<&str>) -> String {
    near.map(|near| format!(" (did you mean `{near}`?)"))
        .unwrap_or_default()
}
