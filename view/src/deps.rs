//! What a template reads and what changed in the data: the two halves of
//! incremental rendering ([`render_changed`](crate::render::render_changed)).
//!
//! A *path* is a place in the page's data: a field, then fields and
//! indices (`todos[500].done` is `todos`, `500`, `done`). Each `wx:for`
//! knows, from parse time, which paths its body reads from outside its own
//! item ([`Reads`]); a render knows which paths changed since the previous
//! one ([`Changes`]). An item of a loop over an array can be kept from the
//! previous render when no change touches its own item nor anything its
//! body reads from outside: a change *touches* a path when one of the two
//! paths starts with the other (setting `todos` touches `todos[3].done`,
//! setting `todos[3].done` touches `todos[3]`).
//!
//! Reads are conservative: `list.length` reads all of `list` (appending an
//! item changes it), `list[i]` with a computed `i` reads all of `list`, and
//! an `<include>` reads anything ([`Reads::opaque`]).

use std::collections::BTreeMap;

use crate::ast::{Element, Expr, Field, Item, Node, Template, Value};
use crate::eval;

pub use crate::paths::{ReadPath, Reads, Root, Step};

/// The data place an expression's value is: its root and steps, and
/// whether the value is exactly the one there (`a.b`) or only depends on it
/// (`a.length`, `a.length.x`).
pub fn location(expr: &Expr) -> Option<(Root, Vec<Step>, bool)> {
    let (base, name) = match expr {
        Expr::Data(name) => return Some((Root::Data, vec![Step::key(name)], true)),
        Expr::Scope(depth) => return Some((Root::Var(*depth), Vec::new(), true)),
        Expr::Member(base, name) => (base, name.clone()),
        Expr::Index(base, key) => match &**key {
            Expr::Str(name) => (base, name.clone()),
            Expr::Number(n) => (base, eval::format_number(*n)),
            _ => return None,
        },
        _ => return None,
    };
    let (root, mut steps, exact) = location(base)?;
    if !exact || name == "length" {
        return Some((root, steps, false));
    }
    steps.push(Step::key(&name));
    Some((root, steps, true))
}

/// Add the paths `expr` reads to `out`.
pub fn expr_reads(expr: &Expr, out: &mut Vec<ReadPath>) {
    if let Some((root, steps, _)) = location(expr) {
        out.push(ReadPath { root, steps });
        return;
    }
    match expr {
        Expr::Member(base, _) | Expr::Not(base) | Expr::Neg(base) | Expr::ToNumber(base) => {
            expr_reads(base, out)
        }
        Expr::Text(base) => expr_reads(base, out),
        Expr::Index(base, key) | Expr::Binary(_, base, key) => {
            expr_reads(base, out);
            expr_reads(key, out);
        }
        Expr::Cond(a, b, c) => {
            for e in [a, b, c] {
                expr_reads(e, out);
            }
        }
        Expr::Array(items) => {
            for Item::One(e) | Item::Spread(e) in items {
                expr_reads(e, out);
            }
        }
        Expr::Object(fields) => {
            for Field::Named(_, e) | Field::Spread(e) in fields {
                expr_reads(e, out);
            }
        }
        Expr::Data(_)
        | Expr::Scope(_)
        | Expr::Undefined
        | Expr::Null
        | Expr::Bool(_)
        | Expr::Number(_)
        | Expr::Str(_) => {}
    }
}

fn value_reads(value: &Value, out: &mut Vec<ReadPath>) {
    if let Value::Dynamic(expr) = value {
        expr_reads(expr, out);
    }
}

/// Set the [`Reads`] of every `wx:for` of `template` (its page nodes and
/// its `<template name>` bodies, each with a scope of its own).
pub fn annotate(template: &mut Template) {
    let mut sink = Reads::default();
    annotate_nodes(&mut template.nodes, 0, &mut sink);
    for nodes in template.templates.values_mut() {
        annotate_nodes(nodes, 0, &mut Reads::default());
    }
}

/// Add what `nodes` (inside `loops` loops) read to `out`, and set the reads
/// of the loops among them.
fn annotate_nodes(nodes: &mut [Node], loops: usize, out: &mut Reads) {
    for node in nodes {
        match node {
            Node::Text(value) => value_reads(value, &mut out.paths),
            Node::Element(element) => annotate_element(element, loops, out),
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, nodes) in branches {
                    expr_reads(condition, &mut out.paths);
                    annotate_nodes(nodes, loops, out);
                }
                if let Some(nodes) = otherwise {
                    annotate_nodes(nodes, loops, out);
                }
            }
            Node::Block(nodes) => annotate_nodes(nodes, loops, out),
            Node::For {
                list, nodes, reads, ..
            } => {
                expr_reads(list, &mut out.paths);
                let mut body = Reads::default();
                annotate_nodes(nodes, loops + 1, &mut body);
                // The loop's own item and index are at depth 2 * loops.
                body.paths
                    .retain(|p| !matches!(p.root, Root::Var(d) if d >= 2 * loops));
                body.paths.sort_unstable();
                body.paths.dedup();
                out.paths.extend(body.paths.iter().cloned());
                out.opaque |= body.opaque;
                *reads = body;
            }
            // A template sees only its data: its output is a function of
            // its name and its data.
            Node::Use { is, data, .. } => {
                value_reads(is, &mut out.paths);
                if let Some(data) = data {
                    expr_reads(data, &mut out.paths);
                }
            }
            // What a slot shows is the caller's.
            Node::Include { .. } | Node::Slot { .. } => out.opaque = true,
        }
    }
}

fn annotate_element(element: &mut Element, loops: usize, out: &mut Reads) {
    // A component's subtree follows its instance's data too, which no page
    // change names.
    if element.custom.is_some() {
        out.opaque = true;
    }
    for (_, value) in element.attrs.iter().chain(&element.dataset) {
        value_reads(value, &mut out.paths);
    }
    annotate_nodes(&mut element.children, loops, out);
}

/// Parse a `set-data` key as the runtime does: dotted fields and `[index]`
/// steps (`todos[500].done`, `user.name`, `grid[1][2]`); `None` if it is
/// not one.
pub fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for (i, part) in path.split('.').enumerate() {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() && (i > 0 || rest.is_empty()) {
            return None;
        }
        if !key.is_empty() {
            steps.push(Step::key(key));
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            steps.push(Step::Index(rest[1..close].parse().ok()?));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    matches!(steps.first(), Some(Step::Key(_))).then_some(steps)
}

/// The data paths changed since a render: what
/// [`render_changed`](crate::render::render_changed) may not reuse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    all: bool,
    count: usize,
    root: Trie,
}

/// Changed paths as a tree of steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Trie {
    /// A change ends here (everything below changed too).
    end: bool,
    next: BTreeMap<Step, Trie>,
}

impl Changes {
    /// Most paths kept; past this, everything counts as changed.
    pub const MAX_PATHS: usize = 256;

    /// Nothing changed.
    pub fn none() -> Changes {
        Changes::default()
    }

    /// Everything may have changed: render it all again.
    pub fn all() -> Changes {
        Changes {
            all: true,
            ..Changes::default()
        }
    }

    /// The changes of `set-data` patch keys (`todos[500].done`, `title`).
    /// A key that is not a data path, or more than [`Changes::MAX_PATHS`]
    /// keys, make it [`Changes::all`].
    pub fn from_keys<K: AsRef<str>>(keys: impl IntoIterator<Item = K>) -> Changes {
        let mut changes = Changes::none();
        for key in keys {
            changes.add(key.as_ref());
        }
        changes
    }

    /// Add the change of one patch key.
    pub fn add(&mut self, key: &str) {
        match parse_path(key) {
            Some(steps) => self.add_path(&steps),
            None => self.all = true,
        }
    }

    /// Add a changed path (of at least one step; an empty one is all).
    pub fn add_path(&mut self, steps: &[Step]) {
        self.count += 1;
        if self.all || steps.is_empty() || self.count > Self::MAX_PATHS {
            *self = Changes::all();
            return;
        }
        let mut node = &mut self.root;
        for step in steps {
            node = node.next.entry(step.clone()).or_default();
        }
        node.end = true;
        node.next.clear();
    }

    /// Whether everything counts as changed.
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.all && self.root.next.is_empty()
    }

    /// The items of the array at `list` that a change touches, sorted:
    /// `None` when every item may be (a change at or above `list`, or
    /// [`Changes::all`]). What [`Changes::touches`] says of each item's
    /// path, found in one walk rather than one per item.
    pub fn items_touched(&self, list: &[Step]) -> Option<Vec<usize>> {
        let node = match self.below(list) {
            Ok(node) if !node.end => node,
            Err(false) => return Some(Vec::new()),
            Ok(_) | Err(true) => return None,
        };
        // Fields sort before indices; the indices come in order.
        let indices = node.next.keys().filter_map(|step| match step {
            Step::Index(i) => Some(*i),
            Step::Key(_) => None,
        });
        Some(indices.collect())
    }

    /// Whether a change touches the path `steps`: it is at, above or below
    /// it.
    pub fn touches<'s>(&self, steps: impl IntoIterator<Item = &'s Step>) -> bool {
        match self.below(steps) {
            Ok(node) => node.end || !node.next.is_empty(),
            Err(touched) => touched,
        }
    }

    /// The changes at and below the path `steps`; else whether a change is
    /// above it (`Err(true)`) or none is near it (`Err(false)`).
    fn below<'s>(&self, steps: impl IntoIterator<Item = &'s Step>) -> Result<&Trie, bool> {
        if self.all {
            return Err(true);
        }
        let mut node = &self.root;
        for step in steps {
            if node.end {
                return Err(true);
            }
            node = node.next.get(step).ok_or(false)?;
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, parse};

    fn path(p: &str) -> Vec<Step> {
        parse_path(p).unwrap()
    }

    #[test]
    fn keys_parse_as_the_runtime_reads_them() {
        assert_eq!(
            path("todos[500].done"),
            [
                Step::Key("todos".into()),
                Step::Index(500),
                Step::Key("done".into())
            ]
        );
        assert_eq!(path("a.5"), path("a[5]"));
        assert_eq!(path("g[1][2]").len(), 3);
        for bad in ["", "[1]", "a.", "a..b", "a[x]", "a[1]b", ".a", "a.[1]"] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_change_touches_its_ancestors_and_descendants_only() {
        let changes = Changes::from_keys(["todos[500].done", "title"]);
        assert!(changes.touches(&path("todos")));
        assert!(changes.touches(&path("todos[500]")));
        assert!(changes.touches(&path("todos[500].done.x")));
        assert!(!changes.touches(&path("todos[500].title")));
        assert!(!changes.touches(&path("todos[499]")));
        assert!(changes.touches(&path("title.length")));
        assert!(!changes.touches(&path("left")));
        assert!(Changes::from_keys(["a[x]"]).is_all());
        assert!(Changes::from_keys((0..300).map(|i| format!("a[{i}]"))).is_all());
        assert!(!Changes::none().touches(&path("a")));
    }

    #[test]
    fn the_items_a_change_touches_are_those_touches_names() {
        let changes = Changes::from_keys(["todos[500].done", "todos[7]", "todos.x", "rows"]);
        assert_eq!(changes.items_touched(&path("todos")), Some(vec![7, 500]));
        assert_eq!(changes.items_touched(&path("left")), Some(vec![]));
        assert_eq!(
            changes.items_touched(&path("todos[500].tags")),
            Some(vec![])
        );
        assert_eq!(changes.items_touched(&path("rows")), None);
        assert_eq!(changes.items_touched(&path("rows[2].cells")), None);
        assert_eq!(Changes::all().items_touched(&path("todos")), None);
        // The same answer as asking `touches` of each item.
        for list in ["todos", "left", "rows", "todos[500]"] {
            let list = path(list);
            let touched = changes.items_touched(&list);
            for i in 0..600 {
                let item: Vec<Step> = list.iter().cloned().chain([Step::Index(i)]).collect();
                let listed = touched.as_ref().is_none_or(|t| t.contains(&i));
                assert_eq!(changes.touches(&item), listed, "{list:?} {i}");
            }
        }
    }

    #[test]
    fn a_loop_knows_what_its_body_reads_from_outside() {
        let t = parse(
            "p.wxml",
            r#"<view wx:for="{{rows}}" wx:for-item="row" class="{{filter}} {{row.x}} {{a.length}} {{b[k]}}">
                 <text wx:for="{{row.cells}}">{{item}}{{row.y}}{{index}}{{c.d[0]}}</text>
                 <template is="t" data="{{e}}"/>
               </view>"#,
            &Limits::default(),
        )
        .unwrap();
        let Node::For { reads, nodes, .. } = &t.nodes[0] else {
            panic!()
        };
        let data = |p: &str| ReadPath {
            root: Root::Data,
            steps: path(p),
        };
        let mut expected = vec![
            data("filter"),
            data("a"),
            data("b"),
            data("k"),
            data("c.d[0]"),
            data("e"),
        ];
        expected.sort();
        assert_eq!(reads.paths, expected);
        assert!(!reads.opaque);
        let Node::Element(row) = &nodes[0] else {
            panic!()
        };
        let Some(Node::For { reads: inner, .. }) =
            row.children.iter().find(|n| matches!(n, Node::For { .. }))
        else {
            panic!()
        };
        assert_eq!(
            inner.paths,
            [
                data("c.d[0]"),
                ReadPath {
                    root: Root::Var(0),
                    steps: path("y")
                }
            ]
        );
    }
}
