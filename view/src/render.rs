//! Rendering: a checked [`Template`] evaluated against page data into a
//! view tree ([`Tree`]): elements with node ids, their attributes already
//! made safe, their dataset and event bindings, keyed list items. Every
//! render is bounded by [`RenderLimits`]; past one, the render fails with
//! the limit named (the app keeps running).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::ast::{Binding, Element, Expr, Key, Node, Template, Value};
use crate::eval::{self, Scope, Val};
use crate::safety;

/// Limits of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderLimits {
    /// Elements and texts in the tree (default 20,000).
    pub nodes: usize,
    /// Items one `wx:for` renders (default 10,000).
    pub items_per_for: usize,
    /// `<template is>` and `<include>` nesting (default 16).
    pub template_depth: usize,
    /// Bytes of text and attribute values in the tree (default 4 MiB).
    pub output_bytes: usize,
    /// Expressions evaluated (default 1,000,000).
    pub steps: usize,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            nodes: 20_000,
            items_per_for: 10_000,
            template_depth: 16,
            output_bytes: 4 * 1024 * 1024,
            steps: 1_000_000,
        }
    }
}

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A limit was reached.
    #[error("render limit reached: {what} (limit {limit})")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// Its value.
        limit: usize,
    },
    /// `<template is>` names no template this file can use.
    #[error("{file}:{line}: no template named `{name}` (define it or import the file that does)")]
    NoTemplate {
        /// The file.
        file: String,
        /// The line of the `<template is>`.
        line: u32,
        /// The name.
        name: String,
    },
    /// `<include src>` names no file of the package.
    #[error("{file}:{line}: `{src}` is not a template of this package")]
    NoInclude {
        /// The including file.
        file: String,
        /// The line of the `<include>`.
        line: u32,
        /// The file named.
        src: String,
    },
    /// An expression failed (a result too large).
    #[error("{0}")]
    Eval(String),
}

/// A rendered page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    /// The top-level nodes.
    pub nodes: Vec<VNode>,
}

impl Tree {
    /// An estimate of the memory the tree holds, bytes: its texts and
    /// attribute values plus a fixed cost per node, attribute and dataset
    /// entry.
    pub fn held_bytes(&self) -> u64 {
        fn nodes(list: &[VNode]) -> u64 {
            list.iter()
                .map(|node| match node {
                    VNode::Text(text) => 48 + text.text.len() as u64,
                    VNode::Element(e) => {
                        let attrs: u64 = e
                            .attrs
                            .iter()
                            .map(|(n, v)| 48 + (n.len() + v.len()) as u64)
                            .sum();
                        let dataset: u64 = e
                            .dataset
                            .iter()
                            .map(|(k, v)| {
                                64 + k.len() as u64 + v.as_str().map_or(16, |s| s.len() as u64)
                            })
                            .sum();
                        128 + attrs
                            + dataset
                            + e.key.as_ref().map_or(0, |k| k.len() as u64)
                            + nodes(&e.children)
                    }
                })
                .sum()
        }
        nodes(&self.nodes)
    }
}

/// A node of a rendered page.
#[derive(Debug, Clone, PartialEq)]
pub enum VNode {
    /// An element.
    Element(VElement),
    /// A text.
    Text(VText),
}

impl VNode {
    /// Its node id.
    pub fn id(&self) -> u32 {
        match self {
            VNode::Element(e) => e.id,
            VNode::Text(t) => t.id,
        }
    }
}

/// A rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VText {
    /// Its node id, unique in the tree.
    pub id: u32,
    /// The text.
    pub text: String,
}

/// A rendered element.
#[derive(Debug, Clone, PartialEq)]
pub struct VElement {
    /// Its node id, unique in the tree.
    pub id: u32,
    /// The component (`view`, `text`...).
    pub tag: &'static str,
    /// Its attributes, rendered and made safe (unsafe URLs and style
    /// declarations dropped), in template order.
    pub attrs: Vec<(String, String)>,
    /// Its `data-*` values, with their types.
    pub dataset: Map<String, Json>,
    /// Its event bindings (shared with the template).
    pub events: std::sync::Arc<[Binding]>,
    /// The key of the `wx:for` item it is the root of, if keyed.
    pub key: Option<String>,
    /// Its children.
    pub children: Vec<VNode>,
}

/// What a render may use beyond the page's own file.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Every template file of the package, by path (`pages/index.wxml`),
    /// for `<import>` and `<include>`.
    pub files: &'a BTreeMap<String, Template>,
    /// URLs a `src` or `url` may name besides package assets: the app's
    /// declared origins (`https://cdn.example.com`).
    pub origins: &'a [String],
    /// Limits of the render.
    pub limits: RenderLimits,
}

/// Render `template` against `data` (the page's data, an object).
pub fn render(
    template: &Template,
    data: &Json,
    context: &Context<'_>,
) -> Result<Tree, RenderError> {
    let mut run = Run {
        context,
        next_id: 1,
        nodes: 0,
        bytes: 0,
        steps: 0,
    };
    let scope = Scope::new(data);
    let mut out = Vec::new();
    run.nodes(template, &template.nodes, &scope, 0, None, &mut out)?;
    Ok(Tree { nodes: out })
}

/// One render under way: its counters against the limits.
struct Run<'c> {
    context: &'c Context<'c>,
    next_id: u32,
    nodes: usize,
    bytes: usize,
    steps: usize,
}

impl Run<'_> {
    fn limit(&self, what: &'static str, limit: usize) -> RenderError {
        RenderError::Limit { what, limit }
    }

    fn eval<'d>(&mut self, expr: &Expr, scope: &Scope<'d>) -> Result<Val<'d>, RenderError> {
        self.steps += 1;
        let limits = self.context.limits;
        if self.steps > limits.steps {
            return Err(self.limit("expressions evaluated per render", limits.steps));
        }
        eval::eval(expr, scope).map_err(|e| RenderError::Eval(e.to_string()))
    }

    /// The text of a value, counted against the output limit.
    fn text(&mut self, value: &Value, scope: &Scope<'_>) -> Result<String, RenderError> {
        let text = match value {
            Value::Static(text) => text.clone(),
            Value::Dynamic(expr) => eval::to_text(&self.eval(expr, scope)?),
        };
        self.count_bytes(text.len())?;
        Ok(text)
    }

    fn count_bytes(&mut self, n: usize) -> Result<(), RenderError> {
        self.bytes += n;
        let limit = self.context.limits.output_bytes;
        if self.bytes > limit {
            return Err(self.limit("bytes of text and attributes per page", limit));
        }
        Ok(())
    }

    fn count_node(&mut self) -> Result<u32, RenderError> {
        self.nodes += 1;
        let limit = self.context.limits.nodes;
        if self.nodes > limit {
            return Err(self.limit("nodes per page", limit));
        }
        let id = self.next_id;
        self.next_id += 1;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn nodes(
        &mut self,
        file: &Template,
        nodes: &[Node],
        scope: &Scope<'_>,
        depth: usize,
        key: Option<&str>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        for node in nodes {
            self.node(file, node, scope, depth, key, out)?;
        }
        Ok(())
    }

    fn node(
        &mut self,
        file: &Template,
        node: &Node,
        scope: &Scope<'_>,
        depth: usize,
        key: Option<&str>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        match node {
            Node::Text(value) => {
                let text = self.text(value, scope)?;
                if !text.is_empty() {
                    let id = self.count_node()?;
                    out.push(VNode::Text(VText { id, text }));
                }
            }
            Node::Element(element) => {
                let rendered = self.element(file, element, scope, depth, key)?;
                if let Some(rendered) = rendered {
                    out.push(VNode::Element(rendered));
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, nodes) in branches {
                    if eval::truthy(&self.eval(condition, scope)?) {
                        return self.nodes(file, nodes, scope, depth, key, out);
                    }
                }
                if let Some(nodes) = otherwise {
                    self.nodes(file, nodes, scope, depth, key, out)?;
                }
            }
            Node::Block(nodes) => self.nodes(file, nodes, scope, depth, key, out)?,
            Node::For {
                list,
                key: key_rule,
                nodes,
                ..
            } => {
                let list = self.eval(list, scope)?;
                let limit = self.context.limits.items_per_for;
                let items = items(&list, limit).ok_or(RenderError::Limit {
                    what: "items of one wx:for",
                    limit,
                })?;
                for (index, item) in items.into_iter().enumerate() {
                    let item_key = match key_rule {
                        Key::Index => None,
                        Key::This => Some(eval::to_text(&item)),
                        Key::Property(p) => Some(eval::to_text(&member(&item, p))),
                    };
                    let inner = scope.with_item(item, index);
                    self.nodes(file, nodes, &inner, depth, item_key.as_deref(), out)?;
                }
            }
            Node::Use { is, data, pos } => {
                let name = self.text(is, scope)?;
                let limit = self.context.limits.template_depth;
                if depth >= limit {
                    return Err(self.limit("template and include nesting", limit));
                }
                let (owner, nodes) =
                    self.find_template(file, &name)
                        .ok_or_else(|| RenderError::NoTemplate {
                            file: file.file.clone(),
                            line: pos.line,
                            name: name.clone(),
                        })?;
                // A template sees only the data passed to it.
                let data = match data {
                    Some(expr) => to_json(self.eval(expr, scope)?),
                    None => Json::Object(Map::new()),
                };
                let inner = Scope::new(&data);
                self.nodes(owner, nodes, &inner, depth + 1, key, out)?;
            }
            Node::Include { src, pos } => {
                let limit = self.context.limits.template_depth;
                if depth >= limit {
                    return Err(self.limit("template and include nesting", limit));
                }
                let included = resolve(&file.file, src)
                    .and_then(|path| self.context.files.get(&path))
                    .ok_or_else(|| RenderError::NoInclude {
                        file: file.file.clone(),
                        line: pos.line,
                        src: src.clone(),
                    })?;
                self.nodes(included, &included.nodes, scope, depth + 1, key, out)?;
            }
        }
        Ok(())
    }

    /// The template `name` as `file` sees it: its own, then its imports'
    /// (imports are not transitive).
    fn find_template<'t>(
        &self,
        file: &'t Template,
        name: &str,
    ) -> Option<(&'t Template, &'t [Node])>
    where
        Self: 't,
    {
        if let Some(nodes) = file.templates.get(name) {
            return Some((file, nodes));
        }
        let files: &'t BTreeMap<String, Template> = self.context.files;
        file.imports.iter().find_map(|import| {
            let imported = files.get(&resolve(&file.file, import)?)?;
            imported
                .templates
                .get(name)
                .map(|nodes| (imported, nodes.as_slice()))
        })
    }

    fn element(
        &mut self,
        file: &Template,
        element: &Element,
        scope: &Scope<'_>,
        depth: usize,
        key: Option<&str>,
    ) -> Result<Option<VElement>, RenderError> {
        let id = self.count_node()?;
        let mut attrs = Vec::with_capacity(element.attrs.len());
        for (name, value) in &element.attrs {
            let rendered = match value {
                // A boolean attribute written without a binding is present
                // (`hidden`, and `hidden="false"`: a non-empty string).
                Value::Static(_) if safety::is_boolean_attribute(name) => String::new(),
                Value::Static(text) => text.clone(),
                Value::Dynamic(expr) => {
                    let value = self.eval(expr, scope)?;
                    if safety::is_boolean_attribute(name) {
                        // `hidden="{{false}}"` is false; `hidden="false"` is
                        // the string "false", which is true.
                        if !eval::truthy(&value) {
                            continue;
                        }
                        String::new()
                    } else {
                        eval::to_text(&value)
                    }
                }
            };
            self.count_bytes(name.len() + rendered.len())?;
            if let Some(safe) = safety::attribute(element.tag, name, rendered, self.context.origins)
            {
                attrs.push((name.clone(), safe));
            }
        }
        let mut dataset = Map::new();
        for (name, value) in &element.dataset {
            let value = match value {
                Value::Static(text) => Json::String(text.clone()),
                Value::Dynamic(expr) => to_json(self.eval(expr, scope)?),
            };
            dataset.insert(name.clone(), value);
        }
        let mut children = Vec::new();
        self.nodes(file, &element.children, scope, depth, None, &mut children)?;
        Ok(Some(VElement {
            id,
            tag: element.tag,
            attrs,
            dataset,
            events: element.events.clone(),
            key: key.map(str::to_string),
            children,
        }))
    }
}

/// The items a `wx:for` walks: an array's elements, a string's characters,
/// an object's values, `0..n` for a number n; nothing for anything else.
/// `None` past `limit` items (counted before any is made).
fn items<'v>(list: &'v Val<'_>, limit: usize) -> Option<Vec<Val<'v>>> {
    if let Some(n) = list
        .as_f64()
        .filter(|_| list.as_json().is_none_or(Json::is_number))
    {
        let n = if n.is_finite() && n > 0.0 {
            n as usize
        } else {
            0
        };
        return (n <= limit).then(|| (0..n).map(|i| Val::Number(i as f64)).collect());
    }
    let items: Vec<Val<'v>> = match list.as_json() {
        Some(Json::Array(items)) if items.len() <= limit => {
            items.iter().map(Val::borrowed).collect()
        }
        Some(Json::Object(fields)) if fields.len() <= limit => {
            fields.values().map(Val::borrowed).collect()
        }
        Some(Json::String(text)) => {
            if text.chars().count() > limit {
                return None;
            }
            text.chars()
                .map(|c| Val::owned(Json::String(c.to_string())))
                .collect()
        }
        Some(Json::Array(_) | Json::Object(_)) => return None,
        _ => Vec::new(),
    };
    Some(items)
}

/// Property `name` of `value`, or `undefined`.
fn member<'v>(value: &'v Val<'_>, name: &str) -> Val<'v> {
    match value.as_json().and_then(|v| v.get(name)) {
        Some(field) => Val::borrowed(field),
        None => Val::Undefined,
    }
}

/// A value as JSON (`undefined` as `null`).
fn to_json(value: Val<'_>) -> Json {
    value.into_json().unwrap_or(Json::Null)
}

/// The package path of `src` as named from `file` (`../common/x.wxml`,
/// `/common/x.wxml`, `item` with `.wxml` implied); `None` if it leaves the
/// package.
pub fn resolve(file: &str, src: &str) -> Option<String> {
    let mut parts: Vec<&str> = if src.starts_with('/') {
        Vec::new()
    } else {
        let mut dir: Vec<&str> = file.split('/').collect();
        dir.pop();
        dir
    };
    for part in src.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    let mut path = parts.join("/");
    if path.is_empty() {
        return None;
    }
    if !path.ends_with(".wxml") {
        path.push_str(".wxml");
    }
    Some(path)
}
