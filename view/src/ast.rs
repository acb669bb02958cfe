//! A page template as the host keeps it: checked, with every binding an
//! [`Expr`] tree. Parsing and checking make it (`crate::parse`); rendering
//! walks it against the page's data.

use std::collections::BTreeMap;

/// A position in a template file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub col: u32,
}

/// A parsed and checked template file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    /// The file's name, as errors name it (`pages/index.wxml`).
    pub file: String,
    /// What the file renders.
    pub nodes: Vec<Node>,
    /// Its `<template name="...">` definitions, by name.
    pub templates: BTreeMap<String, Vec<Node>>,
    /// Files its `<import src>` names (their templates become usable).
    pub imports: Vec<String>,
    /// What parsing accepted with a warning: an attribute WeChat does not
    /// document on its component (dropped), at its place.
    pub warnings: Vec<crate::TemplateError>,
}

/// A node of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text, with its bindings.
    Text(Value),
    /// A component: `view`, `text`, `button`...
    Element(Element),
    /// `wx:if` / `wx:elif` / `wx:else`: the first branch whose condition
    /// is truthy renders.
    If {
        /// Conditions and their nodes, in order.
        branches: Vec<(Expr, Vec<Node>)>,
        /// The `wx:else` nodes.
        otherwise: Option<Vec<Node>>,
    },
    /// `wx:for`: the nodes once per item of `list` (an array's elements, a
    /// string's characters (code points), an object's values, or `0..n` for
    /// a number), with the item and its index in a new scope.
    For {
        /// The list.
        list: Expr,
        /// The item's name (`wx:for-item`, default `item`).
        item: String,
        /// The index's name (`wx:for-index`, default `index`).
        index: String,
        /// How items keep their identity across renders.
        key: Key,
        /// What each item renders.
        nodes: Vec<Node>,
        /// What `nodes` read from outside the item (set by parsing).
        reads: crate::paths::Reads,
        /// Where the loop is.
        pos: Pos,
    },
    /// `<block>`: its children, without an element of its own.
    Block(Vec<Node>),
    /// `<template is="..." data="...">`: a named template rendered with
    /// `data` (an object) as its whole scope.
    Use {
        /// The template's name.
        is: Value,
        /// Its data.
        data: Option<Expr>,
        /// Where it is used.
        pos: Pos,
    },
    /// `<include src="...">`: another file's nodes (not its templates).
    Include {
        /// The file.
        src: String,
        /// Where it is included.
        pos: Pos,
    },
    /// `<slot>` or `<slot name="...">` in a component's template: where
    /// the caller's children go (those whose `slot` attribute names it;
    /// the default slot takes those without one).
    Slot {
        /// Its name (empty for the default slot).
        name: Value,
        /// Where it is.
        pos: Pos,
    },
}

impl Node {
    /// The lists of nodes inside this one: an element's children, each
    /// `wx:if` branch and the `wx:else`, a `<block>`'s or a `wx:for`'s
    /// nodes (none for a text, a `<template is>`, an `<include>`, a slot).
    pub fn inner(&self) -> Vec<&[Node]> {
        match self {
            Node::Element(element) => vec![&element.children],
            Node::If {
                branches,
                otherwise,
            } => (branches.iter().map(|(_, nodes)| nodes.as_slice()))
                .chain(otherwise.as_deref())
                .collect(),
            Node::Block(nodes) | Node::For { nodes, .. } => vec![nodes],
            Node::Text(_) | Node::Use { .. } | Node::Include { .. } | Node::Slot { .. } => {
                Vec::new()
            }
        }
    }
}

/// How the items of a `wx:for` keep their identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// No `wx:key`: by position.
    Index,
    /// `wx:key="*this"`: the item itself (a string or a number).
    This,
    /// `wx:key="id"`: a property of the item.
    Property(String),
}

/// The tag of an element of a custom component ([`Element::custom`]
/// names which).
pub const CUSTOM: &str = "custom-component";

/// A component with its attributes, bindings and children.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// The tag: one of [`COMPONENTS`](crate::COMPONENTS) (see
    /// [`crate::builtins`]), or [`CUSTOM`] for a custom component.
    pub tag: &'static str,
    /// The tag as written, for a custom component (`my-card`): which one
    /// the using template's `usingComponents` declares under that name.
    pub custom: Option<std::sync::Arc<str>>,
    /// Its `slot` attribute: which slot of the component around it the
    /// element goes in (`None`: the default slot).
    pub slot: Option<Value>,
    /// Plain attributes (`class`, `style`, `id`, `src`, `hidden`...), in order.
    pub attrs: Vec<(std::sync::Arc<str>, Value)>,
    /// `data-*` attributes, by dataset name (`data-foo-bar` is `fooBar`).
    pub dataset: Vec<(std::sync::Arc<str>, Value)>,
    /// Event bindings (`bindtap`, `catch:input`...), shared with every
    /// render of the element.
    pub events: std::sync::Arc<[Binding]>,
    /// Its children.
    pub children: Vec<Node>,
    /// Where its tag starts.
    pub pos: Pos,
}

/// An event binding on an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The event type: `tap`, `input`, `submit`...
    pub event: String,
    /// When it runs: on the way down (`capture-bind`, `capture-catch`) or
    /// on the way up (`bind`, `catch`, `mut-bind`).
    pub phase: Phase,
    /// What it does to the rest of the event's way.
    pub kind: BindingKind,
    /// The handler the app exports for it.
    pub handler: String,
}

/// The phase an event binding runs in: WeChat delivers a tap, longpress
/// or touch event from the root down to its target (capture), then from
/// the target up to the root (bubble).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Root to target, before any bubble handler (`capture-bind`, `capture-catch`).
    Capture,
    /// Target to root (`bind`, `catch`, `mut-bind`).
    Bubble,
}

/// How an event binding affects the handlers after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// `bind`, `capture-bind`: the event goes on.
    Bind,
    /// `catch`, `capture-catch`: no handler after this element's runs.
    Catch,
    /// `mut-bind`: once one ran, later `mut-bind` handlers on the way are
    /// skipped; `bind` and `catch` ones still run.
    Mut,
    /// `model:value="{{path}}"`: no handler; the binding's `handler` is the
    /// page data path (`form.name`, `items[2].title`) the host sets to
    /// the event's value before the target's handlers run.
    Model,
}

/// An attribute value or a text: static, or with bindings.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No binding (shared with every render of it).
    Static(std::sync::Arc<str>),
    /// One `{{ }}` binding alone keeps its type (`{{false}}` is false); text
    /// mixed with bindings is a string.
    Dynamic(Expr),
}

/// An expression inside `{{ }}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A field of the page's data (or of a template's data).
    Data(String),
    /// A variable of an enclosing scope (`wx:for` item or index), by its
    /// depth from the outermost.
    Scope(usize),
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(String),
    /// `[a, b, ...c]`.
    Array(Vec<Item>),
    /// `{a: 1, ...b}`.
    Object(Vec<Field>),
    /// `a.b`.
    Member(Box<Expr>, String),
    /// `a[b]`.
    Index(Box<Expr>, Box<Expr>),
    /// `!a`.
    Not(Box<Expr>),
    /// `-a`.
    Neg(Box<Expr>),
    /// `+a`.
    ToNumber(Box<Expr>),
    /// `a OP b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a ? b : c`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// The text of a value inside mixed text: `undefined` is empty.
    Text(Box<Expr>),
}

/// An element of an array literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One value.
    One(Expr),
    /// `...list`.
    Spread(Expr),
}

/// A field of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `name: value`.
    Named(String, Expr),
    /// `...object`.
    Spread(Expr),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`: numbers add, anything with a string concatenates.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `==` (JavaScript's loose equality).
    Eq,
    /// `!=`.
    Ne,
    /// `===`.
    StrictEq,
    /// `!==`.
    StrictNe,
    /// `&&`: the left value if falsy, else the right.
    And,
    /// `||`: the left value if truthy, else the right.
    Or,
}
