//! Rendering: a checked [`Template`] evaluated against page data into a
//! view tree ([`Tree`]): elements with node ids, their attributes already
//! made safe, their dataset and event bindings, keyed list items. Every
//! render is bounded by [`RenderLimits`]; past one, the render fails with
//! the limit named (the app keeps running).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, OnceLock};

use serde_json::{Map, Value as Json};

use crate::ast::{Binding, Element, Expr, Key, Node, Template, Value};
use crate::component::{self, Definition, InstanceKey, Instances, NoInstances, RenderedInstance};
pub use crate::deps::Changes;
use crate::deps::{self, Reads, Root, Step};
use crate::eval::{self, Scope, Val};
use crate::events::details::picker::RangeShape;
use crate::{animation, rich_text, safety};

mod host;
use host::At;
pub(crate) use host::renumber as renumber_hosts;

/// The deepest a render draws node lists inside one another, whatever
/// the templates and components that nest them (each template parses at
/// most [`Limits::depth`](crate::Limits) deep, but components and
/// `<template is>` nest them further): the host walks a tree recursively,
/// and a deeper one would overflow its stack.
pub const MAX_NESTING: usize = 320;

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
    /// Custom component instances in the tree (default 2,000).
    pub components: usize,
    /// Custom components rendered inside one another (default 32).
    pub component_depth: usize,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            nodes: 20_000,
            items_per_for: 10_000,
            template_depth: 16,
            output_bytes: 4 * 1024 * 1024,
            steps: 1_000_000,
            components: 2_000,
            component_depth: 32,
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
    /// An attribute's value is not one it takes (an `animation` that is
    /// not an animation's export).
    #[error("{file}:{line}: attribute `{name}` of `<{tag}>`: {problem}")]
    Attribute {
        /// The file.
        file: String,
        /// The line of the element's tag.
        line: u32,
        /// The component.
        tag: &'static str,
        /// The attribute.
        name: String,
        /// What is wrong with its value.
        problem: String,
    },
    /// An expression failed (a result too large).
    #[error("{0}")]
    Eval(String),
    /// A custom component's tag that cannot be drawn: not declared by the
    /// template's `usingComponents`, or declared without its definition.
    #[error("{file}:{line}: `<{tag}>`: {problem}")]
    Component {
        /// The file.
        file: String,
        /// The line of the tag.
        line: u32,
        /// The tag as written.
        tag: String,
        /// What is wrong.
        problem: String,
    },
}

/// A rendered page.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The top-level nodes.
    pub nodes: Vec<VNode>,
    /// The custom component instances drawn, in document order.
    pub instances: Vec<RenderedInstance>,
    /// How it was rendered, for [`render_changed`].
    memo: Memo,
}

/// Trees are equal when their nodes are.
impl PartialEq for Tree {
    fn eq(&self, other: &Tree) -> bool {
        self.nodes == other.nodes
    }
}

/// What [`render_changed`] needs of a previous render besides its nodes.
#[derive(Debug, Clone, Default)]
struct Memo {
    /// The limits it was rendered under (`None`: not a render's tree).
    limits: Option<RenderLimits>,
    /// The loops that filled the top level.
    loops: Loops,
    /// What it counted against the limits.
    counts: Counts,
    /// How each component instance was drawn, by key (`None`: none was).
    components: Option<host::Drawn>,
}

/// The `wx:for` loops that filled one list of children (the top level or
/// an element's), in render order; `None` when there were none. Positions
/// are in that list, so they stay true while the list is not edited (a
/// [`diff`](crate::diff::diff) only renumbers).
pub(crate) type Loops = Option<Arc<[LoopRecord]>>;

/// One run of a `wx:for` of the page's own template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopRecord {
    /// The loop: the address of its node in the template.
    node: usize,
    /// The indices of the enclosing loops' items (with `node`, one run of
    /// the loop in the whole render).
    outer: Box<[u32]>,
    /// Where its first node is in the list.
    start: usize,
    /// Its items, in order.
    items: Box<[ItemRecord]>,
}

/// What one item of a loop rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ItemRecord {
    /// Nodes it put in the list.
    len: usize,
    /// What it counted against the limits.
    counts: Counts,
}

/// What a render (or a part of it) counts against the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    nodes: usize,
    bytes: usize,
    steps: usize,
}

impl Counts {
    fn plus(self, more: Counts) -> Counts {
        Counts {
            nodes: self.nodes + more.nodes,
            bytes: self.bytes + more.bytes,
            steps: self.steps + more.steps,
        }
    }

    fn since(self, before: Counts) -> Counts {
        Counts {
            nodes: self.nodes - before.nodes,
            bytes: self.bytes - before.bytes,
            steps: self.steps - before.steps,
        }
    }
}

impl Tree {
    /// Forget how the tree was rendered: the next [`render_changed`] from
    /// it renders everything. Call it after editing `nodes`.
    pub fn forget_memo(&mut self) {
        self.memo = Memo::default();
    }

    /// About how many bytes of HTML the tree makes, if it is a render's
    /// (known from what the render counted, without a walk).
    pub(crate) fn html_size_hint(&self) -> Option<usize> {
        self.memo.limits?;
        let Counts { nodes, bytes, .. } = self.memo.counts;
        Some(nodes.saturating_mul(64).saturating_add(bytes))
    }

    /// An estimate of the memory the tree holds, bytes: its texts and
    /// attribute values plus a fixed cost per node, attribute and dataset
    /// entry.
    pub fn held_bytes(&self) -> u64 {
        self.nodes.iter().map(VNode::held_bytes).sum()
    }
}

/// A node of a rendered page.
#[derive(Debug, Clone, PartialEq)]
pub enum VNode {
    /// An element, shared: a render that reuses a part of the previous
    /// one shares its elements, and [`diff`](crate::diff::diff) skips a
    /// shared element in O(1).
    Element(Arc<VElement>),
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

    /// [`Tree::held_bytes`] of this node and its subtree.
    pub fn held_bytes(&self) -> u64 {
        match self {
            VNode::Text(text) => 48 + text.text.len() as u64,
            VNode::Element(e) => *e.held.get_or_init(|| e.held_bytes_now()),
        }
    }
}

impl VElement {
    /// [`VNode::held_bytes`] of this element, counted (its children's
    /// as they know it: an element reused from a previous render knows its
    /// own, so a render that reused most of the page counts what it drew).
    fn held_bytes_now(&self) -> u64 {
        let attrs: u64 = (self.attrs.iter())
            .map(|(n, v)| 48 + (n.len() + v.len()) as u64)
            .sum();
        let dataset: u64 = (self.dataset.iter())
            .map(|(k, v)| 64 + k.len() as u64 + v.as_str().map_or(16, |s| s.len() as u64))
            .sum();
        let children: u64 = self.children.iter().map(VNode::held_bytes).sum();
        let key = self.key.as_ref().map_or(0, |k| k.len() as u64);
        128 + attrs + dataset + key + children
    }
}

/// A rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VText {
    /// Its node id, unique in the tree.
    pub id: u32,
    /// The text (shared with the template when it is a literal).
    pub text: Arc<str>,
}

/// A rendered attribute: its name and its value, both shared where they
/// can be (the name with the template, a literal value too).
pub type Attribute = (Arc<str>, Arc<str>);

/// A rendered element.
#[derive(Debug, Clone)]
pub struct VElement {
    /// Its node id, unique in the tree.
    pub id: u32,
    /// The component (`view`, `text`...).
    pub tag: &'static str,
    /// Its attributes, rendered and made safe (unsafe URLs and style
    /// declarations dropped), in template order; literal values are
    /// shared with the template.
    pub attrs: Vec<Attribute>,
    /// Its `data-*` values by dataset name (`data-user-id` is `userId`),
    /// with their types, in template order.
    pub dataset: Vec<(Arc<str>, Json)>,
    /// Its event bindings (shared with the template).
    pub events: Arc<[Binding]>,
    /// The key of the `wx:for` item it is the root of, if keyed.
    pub key: Option<String>,
    /// Its children.
    pub children: Vec<VNode>,
    /// The loops that filled `children`.
    pub(crate) loops: Loops,
    /// The component instance whose template drew it (`None`: the page's).
    pub owner: Option<InstanceKey>,
    /// The component instance it is the host element of, if it is one.
    pub host: Option<Arc<Host>>,
    /// A picker's `range` as its events check it, read on its first event:
    /// once per render, not once per event.
    pub(crate) range_shape: OnceLock<RangeShape>,
    /// Its [`VNode::held_bytes`], once counted (forgotten with the memo,
    /// when the element is edited).
    pub(crate) held: OnceLock<u64>,
}

/// What makes an element a custom component's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The tag as the caller wrote it (`my-card`), which HTML shows in
    /// `data-mp`.
    pub tag: Arc<str>,
    /// The instance's key, which HTML shows in `data-mpc`.
    pub key: InstanceKey,
    /// The path of its definition (`components/card/card`).
    pub definition: Arc<str>,
}

/// Elements are equal when all but how they were rendered is.
impl PartialEq for VElement {
    fn eq(&self, other: &VElement) -> bool {
        self.id == other.id
            && self.tag == other.tag
            && self.attrs == other.attrs
            && self.dataset == other.dataset
            && self.events == other.events
            && self.key == other.key
            && self.owner == other.owner
            && self.host == other.host
            && self.children == other.children
    }
}

impl VElement {
    /// Forget how its children were rendered (after editing them).
    pub fn forget_memo(&mut self) {
        self.loops = None;
        self.held = OnceLock::new();
    }
}

/// What a render may use beyond the page's own file.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Every template file of the package, by path (`pages/index.wxml`),
    /// for `<import>` and `<include>`.
    pub files: &'a BTreeMap<String, Template>,
    /// URLs a `src` or `url` may name besides package assets: the app's
    /// declared origins (`https://cdn.example.com`).
    pub origins: &'a [String],
    /// Limits of the render.
    pub limits: RenderLimits,
    /// The package's custom components, by path (`components/card/card`).
    pub components: &'a BTreeMap<Arc<str>, Definition>,
    /// The components the page's template uses: tag to definition path
    /// (its json's `usingComponents` over app.json's).
    pub using: &'a BTreeMap<String, Arc<str>>,
    /// The runtime's data of each instance.
    pub instances: &'a dyn Instances,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("origins", &self.origins)
            .field("limits", &self.limits)
            .field("components", &self.components.keys().collect::<Vec<_>>())
            .field("using", &self.using)
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    /// A context without custom components.
    pub fn new(
        files: &'a BTreeMap<String, Template>,
        origins: &'a [String],
        limits: RenderLimits,
    ) -> Context<'a> {
        Context {
            files,
            origins,
            limits,
            components: component::none(),
            using: no_using(),
            instances: &NoInstances,
        }
    }
}

/// No `usingComponents`.
fn no_using() -> &'static BTreeMap<String, Arc<str>> {
    static NONE: BTreeMap<String, Arc<str>> = BTreeMap::new();
    &NONE
}

/// Render `template` against `data` (the page's data, an object).
pub fn render(
    template: &Template,
    data: &Json,
    context: &Context<'_>,
) -> Result<Tree, RenderError> {
    Run::new(context, None).page(template, data)
}

/// Render `template` against `data` as [`render`] does, reusing what of
/// `previous` the `changes` cannot have touched: the items of a `wx:for`
/// over an array whose own item did not change and whose body reads
/// nothing else that changed (see [`crate::deps`]) are taken from
/// `previous` as they are, ids included; the rest is evaluated.
///
/// The result has the nodes, attributes and texts [`render`] would give;
/// its node ids are right only once [`diff`](crate::diff::diff)ed against
/// `previous` (reused parts keep theirs, the others are renumbered), which
/// gives the same tree and operations as diffing a full render.
///
/// `previous` must be a render (diffed or not) of the same `template` with
/// the same files and origins, and `changes` must name every data path
/// set since; with other limits, [`Changes::all`], or a tree that is not a
/// render's, everything is rendered. A render that fails is done again in
/// full, so that it fails as [`render`] does.
pub fn render_changed(
    template: &Template,
    data: &Json,
    context: &Context<'_>,
    previous: &Tree,
    changes: &Changes,
) -> Result<Tree, RenderError> {
    // Rendered in full, an instance still takes only the properties whose
    // caller value changed since `previous` (one the component set itself
    // keeps its value).
    let full = || {
        let mut run = Run::new(context, None);
        run.drawn_before = previous.memo.components.as_ref();
        run.page(template, data)
    };
    if changes.is_all() || previous.memo.limits != Some(context.limits) {
        return full();
    }
    let run = Run::new(context, Some(changes));
    run.page_from(template, data, previous).or_else(|_| full())
}

/// One render under way: its counters against the limits, and what it
/// needs to reuse the previous render.
struct Run<'c, 'p> {
    context: &'c Context<'c>,
    next_id: u32,
    counts: Counts,
    /// What changed, when rendering from a previous tree.
    changes: Option<&'p Changes>,
    /// The enclosing loops of the page's own template.
    frames: Vec<Frame>,
    /// The previous render of the list being filled, if known.
    prev: Option<Previous<'p>>,
    /// The loops that filled the list being filled so far.
    records: Vec<LoopRecord>,
    /// Where computed texts are written before they are shared (one
    /// buffer for the whole render).
    scratch: String,
    /// The instance whose template is being drawn (`None`: the page's).
    owner: Option<InstanceKey>,
    /// The component whose `usingComponents` names the tags of that
    /// template (`None`: the page's, [`Context::using`]).
    using_of: Option<Arc<str>>,
    /// Where in the render the current node is, as instance keys name it.
    site: String,
    /// Components being drawn inside one another.
    component_depth: usize,
    /// Node lists being drawn inside one another, across templates and
    /// components (at most [`MAX_NESTING`]).
    nesting: usize,
    /// The instances drawn so far, in document order.
    instances: Vec<RenderedInstance>,
    /// How each was drawn.
    drawn: host::DrawnMap,
    /// How the previous render drew them.
    drawn_before: Option<&'p host::Drawn>,
    /// The external classes the caller gave the component being drawn:
    /// each name and the caller's classes it stands for.
    externals: Vec<(String, Arc<str>)>,
}

/// An enclosing `wx:for` under way.
struct Frame {
    /// Where its list is in the page data (an array at a known path).
    list: Option<Vec<Step>>,
    /// The index of the item being rendered.
    index: usize,
}

/// The previous render of a list of children.
#[derive(Clone, Copy)]
struct Previous<'p> {
    nodes: &'p [VNode],
    loops: &'p [LoopRecord],
    /// Position in `nodes` minus position in the list being filled, where
    /// known to line up.
    offset: isize,
}

impl<'p> Previous<'p> {
    fn of(nodes: &'p [VNode], loops: &'p Loops) -> Previous<'p> {
        Previous {
            nodes,
            loops: loops.as_deref().unwrap_or(&[]),
            offset: 0,
        }
    }

    /// The previous element of `tag` at `position` of the list being
    /// filled, if there is one.
    fn element_at(&self, position: usize, tag: &str) -> Option<&'p VElement> {
        let at = usize::try_from(position as isize + self.offset).ok()?;
        match self.nodes.get(at)? {
            VNode::Element(e) if e.tag == tag => Some(e),
            _ => None,
        }
    }
}

impl<'c, 'p> Run<'c, 'p> {
    fn new(context: &'c Context<'c>, changes: Option<&'p Changes>) -> Self {
        Run {
            context,
            next_id: 1,
            counts: Counts::default(),
            changes,
            frames: Vec::new(),
            prev: None,
            records: Vec::new(),
            scratch: String::new(),
            owner: None,
            using_of: None,
            site: String::new(),
            component_depth: 0,
            nesting: 0,
            instances: Vec::new(),
            drawn: host::DrawnMap::new(),
            drawn_before: None,
            externals: Vec::new(),
        }
    }

    fn page(self, template: &Template, data: &Json) -> Result<Tree, RenderError> {
        self.page_from(template, data, &Tree::default())
    }

    fn page_from(
        mut self,
        template: &Template,
        data: &Json,
        previous: &'p Tree,
    ) -> Result<Tree, RenderError> {
        self.prev = Some(Previous::of(&previous.nodes, &previous.memo.loops));
        self.drawn_before = previous.memo.components.as_ref().or(self.drawn_before);
        let scope = Scope::new(data);
        let mut out = Vec::new();
        self.nodes(template, &template.nodes, &scope, At::PAGE, None, &mut out)?;
        Ok(Tree {
            nodes: out,
            instances: self.instances,
            memo: Memo {
                limits: Some(self.context.limits),
                loops: shared(self.records),
                counts: self.counts,
                components: (!self.drawn.is_empty()).then(|| Arc::new(self.drawn)),
            },
        })
    }

    fn limit(&self, what: &'static str, limit: usize) -> RenderError {
        RenderError::Limit { what, limit }
    }

    fn eval<'d>(&mut self, expr: &Expr, scope: &Scope<'d>) -> Result<Val<'d>, RenderError> {
        self.count_step()?;
        eval::eval(expr, scope).map_err(|e| RenderError::Eval(e.to_string()))
    }

    fn count_step(&mut self) -> Result<(), RenderError> {
        self.counts.steps += 1;
        let limit = self.context.limits.steps;
        if self.counts.steps > limit {
            return Err(self.limit("expressions evaluated per render", limit));
        }
        Ok(())
    }

    /// The text of a value, counted against the output limit.
    fn text(&mut self, value: &Value, scope: &Scope<'_>) -> Result<Arc<str>, RenderError> {
        let text = match value {
            Value::Static(text) => text.clone(),
            Value::Dynamic(expr) => self.computed_text(expr, scope)?,
        };
        self.count_bytes(text.len())?;
        Ok(text)
    }

    /// The text of an expression's value, written into the render's
    /// buffer and copied once into its own allocation.
    fn computed_text(&mut self, expr: &Expr, scope: &Scope<'_>) -> Result<Arc<str>, RenderError> {
        self.count_step()?;
        let mut buffer = std::mem::take(&mut self.scratch);
        buffer.clear();
        let written = eval::write_text_of(expr, scope, &mut buffer)
            .map(|()| shared_text(&buffer))
            .map_err(|e| RenderError::Eval(e.to_string()));
        self.scratch = buffer;
        written
    }

    fn count_bytes(&mut self, n: usize) -> Result<(), RenderError> {
        self.counts.bytes += n;
        let limit = self.context.limits.output_bytes;
        if self.counts.bytes > limit {
            return Err(self.limit("bytes of text and attributes per page", limit));
        }
        Ok(())
    }

    fn count_node(&mut self) -> Result<u32, RenderError> {
        self.counts.nodes += 1;
        let limit = self.context.limits.nodes;
        if self.counts.nodes > limit {
            return Err(self.limit("nodes per page", limit));
        }
        let id = self.next_id;
        self.next_id += 1;
        Ok(id)
    }

    /// Count what a reused part of the previous render counted.
    fn count_reused(&mut self, counts: Counts) -> Result<(), RenderError> {
        let limits = self.context.limits;
        self.counts.nodes += counts.nodes;
        self.counts.steps += counts.steps;
        if self.counts.nodes > limits.nodes {
            return Err(self.limit("nodes per page", limits.nodes));
        }
        if self.counts.steps > limits.steps {
            return Err(self.limit("expressions evaluated per render", limits.steps));
        }
        self.count_bytes(counts.bytes)
    }

    #[allow(clippy::too_many_arguments)]
    fn nodes(
        &mut self,
        file: &Template,
        nodes: &[Node],
        scope: &Scope<'_>,
        at: At<'_>,
        key: Option<&Val<'_>>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        if self.nesting >= MAX_NESTING {
            return Err(RenderError::Limit {
                what: "elements and blocks inside one another, across templates and components",
                limit: MAX_NESTING,
            });
        }
        self.nesting += 1;
        let drawn = nodes
            .iter()
            .try_for_each(|node| self.node(file, node, scope, at, key, out));
        self.nesting -= 1;
        drawn
    }

    fn node(
        &mut self,
        file: &Template,
        node: &Node,
        scope: &Scope<'_>,
        at: At<'_>,
        key: Option<&Val<'_>>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        match node {
            Node::Text(_) if !at.takes(None) => {}
            Node::Text(value) => {
                let text = self.text(value, scope)?;
                if !text.is_empty() {
                    let id = self.count_node()?;
                    out.push(VNode::Text(VText { id, text }));
                }
            }
            Node::Element(element) => {
                if element.custom.is_some() {
                    return self.component(file, element, scope, at, key, out);
                }
                if at.filters() && !at.takes(self.slot_of(element, scope)?.as_deref()) {
                    return Ok(());
                }
                let at = at.inside();
                let rendered = self.element(file, element, scope, at, key, out.len())?;
                out.push(VNode::Element(Arc::new(rendered)));
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, nodes) in branches {
                    if eval::truthy(&self.eval(condition, scope)?) {
                        return self.nodes(file, nodes, scope, at, key, out);
                    }
                }
                if let Some(nodes) = otherwise {
                    self.nodes(file, nodes, scope, at, key, out)?;
                }
            }
            Node::Block(nodes) => self.nodes(file, nodes, scope, at, key, out)?,
            Node::For { .. } => self.for_loop(file, node, scope, at, out)?,
            Node::Use { is, data, pos } => {
                let name = self.text(is, scope)?;
                let limit = self.context.limits.template_depth;
                if at.depth >= limit {
                    return Err(self.limit("template and include nesting", limit));
                }
                let (owner, nodes) =
                    self.find_template(file, &name)
                        .ok_or_else(|| RenderError::NoTemplate {
                            file: file.file.clone(),
                            line: pos.line,
                            name: name.to_string(),
                        })?;
                // A template sees only the data passed to it.
                let data = match data {
                    Some(expr) => to_json(self.eval(expr, scope)?),
                    None => Json::Object(Map::new()),
                };
                let inner = Scope::new(&data);
                // The template's name is part of the site: another template
                // shown at this `is` is another place, its instances others.
                let mark = self.enter_site(format_args!("@{}:{}:{name}>", pos.line, pos.col));
                self.nodes(owner, nodes, &inner, at.nested(), key, out)?;
                self.site.truncate(mark);
            }
            Node::Include { src, pos } => {
                let limit = self.context.limits.template_depth;
                if at.depth >= limit {
                    return Err(self.limit("template and include nesting", limit));
                }
                let included = resolve(&file.file, src)
                    .and_then(|path| self.context.files.get(&path))
                    .ok_or_else(|| RenderError::NoInclude {
                        file: file.file.clone(),
                        line: pos.line,
                        src: src.clone(),
                    })?;
                let mark = self.enter_site(format_args!("@{}:{}>", pos.line, pos.col));
                self.nodes(included, &included.nodes, scope, at.nested(), key, out)?;
                self.site.truncate(mark);
            }
            Node::Slot { name, pos } => self.slot(name, *pos, scope, at, out)?,
        }
        Ok(())
    }

    /// A `wx:for`: each item's nodes. In the page's own template (`depth`
    /// 0) the run is recorded, and items the changes cannot have touched
    /// are taken from the previous render.
    fn for_loop(
        &mut self,
        file: &Template,
        node: &Node,
        scope: &Scope<'_>,
        place: At<'_>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        let Node::For {
            list: list_expr,
            key: key_rule,
            nodes,
            reads,
            ..
        } = node
        else {
            return Ok(());
        };
        let list = self.eval(list_expr, scope)?;
        let limit = self.context.limits.items_per_for;
        let items = items(&list, limit).ok_or(RenderError::Limit {
            what: "items of one wx:for",
            limit,
        })?;
        if !place.records() {
            for (index, item) in items.into_iter().enumerate() {
                self.item(file, nodes, key_rule, scope, item, index, place, out)?;
            }
            return Ok(());
        }
        let location = match list.as_json() {
            Some(Json::Array(_)) => self.location(list_expr),
            _ => None,
        };
        let previous = self.previous_run(node);
        let reusable = previous.is_some() && location.is_some() && self.body_unchanged(reads);
        // The items a change touches (the others are taken as they were).
        let touched = match (reusable, self.changes, &location) {
            (true, Some(changes), Some(list)) => changes.items_touched(list),
            _ => None,
        };
        let start = out.len();
        let count = items.len();
        let mut records = Vec::with_capacity(count);
        let outer = self.frames.iter().map(|f| f.index as u32).collect();
        self.frames.push(Frame {
            list: location,
            index: 0,
        });
        // Where the previous run's current item starts.
        let mut at = previous.map(|(_, run)| run.start);
        let mut items = items.into_iter();
        let mut index = 0;
        let mut next_touched = touched.iter().flatten().copied().peekable();
        while index < count {
            while next_touched.next_if(|t| *t < index).is_some() {}
            // The untouched items from `index` on, taken in one piece.
            let reused = match (&touched, previous.zip(at)) {
                (Some(_), Some(((prev, run), from))) => {
                    let stop = next_touched.peek().map_or(count, |t| (*t).min(count));
                    let stop = stop.min(run.items.len());
                    let kept = run.items.get(index..stop).unwrap_or(&[]);
                    let len = kept.iter().map(|r| r.len).sum::<usize>();
                    prev.nodes
                        .get(from..from + len)
                        .map(|nodes| (nodes, kept, from + len))
                }
                _ => None,
            };
            if let Some((nodes, kept, end)) = reused.filter(|(_, kept, _)| !kept.is_empty()) {
                out.extend_from_slice(nodes);
                records.extend_from_slice(kept);
                let counts = kept
                    .iter()
                    .fold(Counts::default(), |sum, r| sum.plus(r.counts));
                self.count_reused(counts)?;
                items.nth(kept.len() - 1);
                index += kept.len();
                at = Some(end);
                continue;
            }
            let Some(item) = items.next() else { break };
            if let Some(frame) = self.frames.last_mut() {
                frame.index = index;
            }
            let before = (out.len(), self.counts);
            let old = previous.zip(at).and_then(|((prev, run), at)| {
                let record = run.items.get(index)?;
                prev.nodes.get(at..at + record.len)?;
                Some((record.len, at))
            });
            if let (Some(prev), Some((_, at))) = (&mut self.prev, old) {
                prev.offset = at as isize - out.len() as isize;
            }
            self.item(file, nodes, key_rule, scope, item, index, place, out)?;
            at = at.zip(old).map(|(at, (len, _))| at + len);
            records.push(ItemRecord {
                len: out.len() - before.0,
                counts: self.counts.since(before.1),
            });
            index += 1;
        }
        self.frames.pop();
        if let (Some(prev), Some((_, run))) = (&mut self.prev, previous) {
            let end = run.start + run.items.iter().map(|i| i.len).sum::<usize>();
            prev.offset = end as isize - out.len() as isize;
        }
        self.records.push(LoopRecord {
            node: std::ptr::from_ref(node) as usize,
            outer,
            start,
            items: records.into(),
        });
        Ok(())
    }

    /// Render one item of a loop.
    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        file: &Template,
        nodes: &[Node],
        key_rule: &Key,
        scope: &Scope<'_>,
        item: Val<'_>,
        index: usize,
        at: At<'_>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        let inner = scope.with_item(item, index);
        // The item as the scope holds it; its root elements make their
        // key's text from this value.
        let item = inner.var(inner.len() - 2);
        let key = match key_rule {
            Key::Index => None,
            Key::This => item.cloned(),
            Key::Property(p) => item.map(|item| member(item, p)),
        };
        let mark = match self.context.components.is_empty() {
            true => None,
            false => Some(self.item_site(key.as_ref(), index)),
        };
        let rendered = self.nodes(file, nodes, &inner, at, key.as_ref(), out);
        if let Some(mark) = mark {
            self.site.truncate(mark);
        }
        rendered
    }

    /// The previous run of loop `node` with the same enclosing items, and
    /// the list it filled.
    fn previous_run(&self, node: &Node) -> Option<(Previous<'p>, &'p LoopRecord)> {
        self.changes?;
        let prev = self.prev?;
        let address = std::ptr::from_ref(node) as usize;
        let run = prev.loops.iter().find(|run| {
            run.node == address
                && run.outer.len() == self.frames.len()
                && run
                    .outer
                    .iter()
                    .zip(&self.frames)
                    .all(|(i, f)| *i as usize == f.index)
        })?;
        Some((prev, run))
    }

    /// Where the value of `expr` is in the page data, if it is a path
    /// through the data or an enclosing item at a known place.
    fn location(&self, expr: &Expr) -> Option<Vec<Step>> {
        let (root, steps, exact) = deps::location(expr)?;
        if !exact {
            return None;
        }
        match root {
            Root::Data => Some(steps),
            Root::Var(depth) => {
                let frame = self.frames.get(depth / 2).filter(|_| depth % 2 == 0)?;
                let mut path = frame.list.clone()?;
                path.push(Step::Index(frame.index));
                path.extend(steps);
                Some(path)
            }
        }
    }

    /// Whether no change touches what a loop's body reads from outside its
    /// items.
    fn body_unchanged(&self, reads: &Reads) -> bool {
        let Some(changes) = self.changes else {
            return false;
        };
        !reads.opaque
            && reads.paths.iter().all(|read| match read.root {
                Root::Data => !changes.touches(&read.steps),
                // An enclosing index is the same: the run is found by them.
                Root::Var(depth) if depth % 2 == 1 => true,
                Root::Var(depth) => self.frames.get(depth / 2).is_some_and(|frame| {
                    frame.list.as_ref().is_some_and(|list| {
                        let at = Step::Index(frame.index);
                        !changes.touches(list.iter().chain([&at]).chain(&read.steps))
                    })
                }),
            })
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
        at: At<'_>,
        key: Option<&Val<'_>>,
        position: usize,
    ) -> Result<VElement, RenderError> {
        let id = self.count_node()?;
        let attrs = self.attributes(file, element, scope)?;
        let dataset = self.dataset(element, scope)?;
        // The children, with the previous render of this element's.
        let prev = match (at.records(), self.prev) {
            (true, Some(prev)) => prev
                .element_at(position, element.tag)
                .map(|e| Previous::of(&e.children, &e.loops)),
            _ => None,
        };
        let outer_prev = std::mem::replace(&mut self.prev, prev);
        let outer_records = std::mem::take(&mut self.records);
        let mut children = Vec::with_capacity(element.children.len());
        let rendered = if element.tag == "rich-text" {
            self.rich_text(file, element, scope, &mut children)
        } else {
            self.nodes(file, &element.children, scope, at, None, &mut children)
        };
        self.prev = outer_prev;
        let records = std::mem::replace(&mut self.records, outer_records);
        rendered?;
        Ok(VElement {
            id,
            tag: element.tag,
            attrs,
            dataset,
            events: element.events.clone(),
            key: key.map(eval::to_text),
            children,
            loops: shared(records),
            owner: self.owner.clone(),
            host: None,
            range_shape: OnceLock::new(),
            held: OnceLock::new(),
        })
    }

    /// The `data-*` values of `element`, evaluated.
    fn dataset(
        &mut self,
        element: &Element,
        scope: &Scope<'_>,
    ) -> Result<Vec<(Arc<str>, Json)>, RenderError> {
        let mut dataset = Vec::with_capacity(element.dataset.len());
        for (name, value) in &element.dataset {
            let value = match value {
                Value::Static(text) => Json::String(text.to_string()),
                Value::Dynamic(expr) => to_json(self.eval(expr, scope)?),
            };
            dataset.push((name.clone(), value));
        }
        Ok(dataset)
    }

    fn attributes(
        &mut self,
        file: &Template,
        element: &Element,
        scope: &Scope<'_>,
    ) -> Result<Vec<Attribute>, RenderError> {
        self.attributes_where(file, element, scope, |_| true)
    }

    /// The attributes of `element` whose names `keep` keeps.
    fn attributes_where(
        &mut self,
        file: &Template,
        element: &Element,
        scope: &Scope<'_>,
        keep: fn(&str) -> bool,
    ) -> Result<Vec<Attribute>, RenderError> {
        let mut attrs = Vec::with_capacity(element.attrs.len());
        for (name, value) in &element.attrs {
            if !keep(name) {
                continue;
            }
            // Drawn as the element's children (`rich_text`).
            if element.tag == "rich-text" && &**name == "nodes" {
                continue;
            }
            let rendered = match value {
                Value::Dynamic(expr)
                    if &**name == "animation" && !safety::is_flag(element.tag, name) =>
                {
                    match self.animation(file, element, expr, scope)? {
                        Some(steps) => steps,
                        None => continue,
                    }
                }
                // A picker's list or array value, as JSON text.
                Value::Dynamic(expr) if renders_json(element.tag, name) => {
                    match to_json(self.eval(expr, scope)?) {
                        Json::String(text) => shared_text(&text),
                        Json::Null => EMPTY.clone(),
                        other => Arc::from(other.to_string()),
                    }
                }
                // A flag on by default: "true" unless bound to a false value.
                Value::Static(_) if safety::is_flag(element.tag, name) => Arc::from("true"),
                Value::Dynamic(expr) if safety::is_flag(element.tag, name) => {
                    let on = eval::truthy(&self.eval(expr, scope)?);
                    Arc::from(if on { "true" } else { "false" })
                }
                // A boolean attribute written without a binding is present
                // (`hidden`, and `hidden="false"`: a non-empty string).
                Value::Static(_) if safety::is_boolean_attribute(name) => EMPTY.clone(),
                Value::Static(text) => text.clone(),
                // `hidden="{{false}}"` is false; `hidden="false"` is the
                // string "false", which is true.
                Value::Dynamic(expr) if safety::is_boolean_attribute(name) => {
                    if !eval::truthy(&self.eval(expr, scope)?) {
                        continue;
                    }
                    EMPTY.clone()
                }
                Value::Dynamic(expr) => self.computed_text(expr, scope)?,
            };
            let rendered = match &**name {
                "class" => self.scoped_class(rendered),
                _ => rendered,
            };
            self.count_bytes(name.len() + rendered.len())?;
            if let Some(safe) = safe_attribute(element.tag, name, rendered, self.context.origins) {
                attrs.push((name.clone(), safe));
            }
        }
        Ok(attrs)
    }
}

impl Run<'_, '_> {
    /// The steps of an `animation` binding as its rendered attribute
    /// ([`animation::to_attribute`]), `None` for nothing to play.
    fn animation(
        &mut self,
        file: &Template,
        element: &Element,
        expr: &Expr,
        scope: &Scope<'_>,
    ) -> Result<Option<Arc<str>>, RenderError> {
        let value = to_json(self.eval(expr, scope)?);
        let steps = animation::steps(&value).map_err(|problem| RenderError::Attribute {
            file: file.file.clone(),
            line: element.pos.line,
            tag: element.tag,
            name: "animation".into(),
            problem,
        })?;
        Ok(steps.map(|steps| Arc::from(animation::to_attribute(&steps))))
    }
}

impl Run<'_, '_> {
    /// A `<rich-text>`'s children: its `nodes` ([`rich_text::read`]), each
    /// node counted as the template's are.
    fn rich_text(
        &mut self,
        file: &Template,
        element: &Element,
        scope: &Scope<'_>,
        out: &mut Vec<VNode>,
    ) -> Result<(), RenderError> {
        let mut nodes = Json::Null;
        let mut space = None;
        for (name, value) in &element.attrs {
            let value = match value {
                Value::Static(text) => Json::String(text.to_string()),
                Value::Dynamic(expr) => to_json(self.eval(expr, scope)?),
            };
            match &**name {
                "nodes" => nodes = value,
                "space" => space = value.as_str().map(str::to_string),
                _ => {}
            }
        }
        let limits = self.context.limits;
        let read = rich_text::read(&nodes, space.as_deref(), self.context.origins, limits.nodes);
        let rich = read.map_err(|problem| match problem {
            rich_text::Problem::Limit(what, limit) => self.limit(what, limit),
            rich_text::Problem::Shape(problem) => RenderError::Attribute {
                file: file.file.clone(),
                line: element.pos.line,
                tag: element.tag,
                name: "nodes".into(),
                problem,
            },
        })?;
        for node in rich {
            out.push(self.rich_node(node)?);
        }
        Ok(())
    }

    fn rich_node(&mut self, node: rich_text::Rich) -> Result<VNode, RenderError> {
        let id = self.count_node()?;
        match node {
            rich_text::Rich::Text(text) => {
                self.count_bytes(text.len())?;
                Ok(VNode::Text(VText {
                    id,
                    text: shared_text(&text),
                }))
            }
            rich_text::Rich::Element {
                tag,
                attrs,
                children,
            } => {
                let bytes = attrs.iter().map(|(n, v)| n.len() + v.len()).sum();
                self.count_bytes(bytes)?;
                let children = children
                    .into_iter()
                    .map(|child| self.rich_node(child))
                    .collect::<Result<_, _>>()?;
                Ok(VNode::Element(Arc::new(VElement {
                    id,
                    tag,
                    attrs,
                    dataset: Vec::new(),
                    events: NO_EVENTS.clone(),
                    key: None,
                    children,
                    loops: None,
                    owner: self.owner.clone(),
                    host: None,
                    range_shape: OnceLock::new(),
                    held: OnceLock::new(),
                })))
            }
        }
    }
}

/// No event bindings: a rich-text node's (WeChat delivers none to them).
static NO_EVENTS: LazyLock<Arc<[Binding]>> = LazyLock::new(|| Arc::from(Vec::new()));

/// The empty text, shared.
static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

/// `text` in a shared allocation (the empty text costs none).
fn shared_text(text: &str) -> Arc<str> {
    if text.is_empty() {
        EMPTY.clone()
    } else {
        Arc::from(text)
    }
}

/// The safe form of attribute `name` of a `tag` ([`safety::attribute`]);
/// a value no rule rewrites is kept as it is, without a copy.
fn safe_attribute(tag: &str, name: &str, value: Arc<str>, origins: &[String]) -> Option<Arc<str>> {
    if !safety::is_checked(name) {
        return Some(value);
    }
    safety::attribute(tag, name, value.to_string(), origins).map(Arc::from)
}

/// Whether attribute `name` of `tag` is rendered as JSON text when bound
/// (a string as itself): a picker's `range` (a list, of lists for a
/// multiSelector) and `value` (an index, an array, a time or a date), a
/// picker-view's `value` (a row per column).
fn renders_json(tag: &str, name: &str) -> bool {
    match tag {
        "picker" => matches!(name, "range" | "value"),
        "picker-view" => name == "value",
        _ => false,
    }
}

/// Records as [`Loops`].
fn shared(records: Vec<LoopRecord>) -> Loops {
    (!records.is_empty()).then(|| records.into())
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
    let mut path = package_path(file, src)?;
    if !path.ends_with(".wxml") {
        path.push_str(".wxml");
    }
    Some(path)
}

/// The package path `src` names from `file` (`../x`, `/x`, `x`), `None` if
/// it leaves the package or names its root: the one walk of `..` and `.`
/// that templates and stylesheets share.
pub fn package_path(file: &str, src: &str) -> Option<String> {
    let mut parts: Vec<&str> = match src.starts_with('/') {
        true => Vec::new(),
        false => file.split('/').collect::<Vec<_>>().split_last()?.1.to_vec(),
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
    (!parts.is_empty()).then(|| parts.join("/"))
}
