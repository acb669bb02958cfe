//! Diff operations between two renders of a page: what turns the old view
//! into the new one. Nodes that stay keep their ids (a keyed `wx:for` item
//! that moves is moved, not recreated, so an input keeps its text); new
//! nodes get fresh ids. [`apply`] replays operations on a tree, as a
//! renderer does on its DOM.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::render::{Tree, VElement, VNode};

/// One change to the view. Positions are among the parent's children
/// (`parent: None` is the page's top level), counted after the operations
/// before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Insert `node` (with its subtree) at `index` of `parent`.
    Insert {
        /// The parent element, or the top level.
        parent: Option<u32>,
        /// Where among its children.
        index: usize,
        /// The new node and its subtree, as HTML.
        html: String,
        /// The new node's id.
        id: u32,
    },
    /// Remove node `id` and its subtree.
    Remove {
        /// The node.
        id: u32,
    },
    /// Move node `id` to `index` of `parent` (a keyed item that moved).
    Move {
        /// The node.
        id: u32,
        /// Its parent, or the top level.
        parent: Option<u32>,
        /// Where among the parent's children.
        index: usize,
    },
    /// Replace the text of text node `id`.
    SetText {
        /// The text node.
        id: u32,
        /// The new text.
        text: String,
    },
    /// Set attribute `name` of element `id`, or remove it (`value: None`).
    SetAttr {
        /// The element.
        id: u32,
        /// The attribute (the component's, as in the tree).
        name: String,
        /// Its new value.
        value: Option<String>,
    },
}

/// Diff `old` against `new`, a fresh render: rewrites `new`'s ids so that
/// nodes which stay keep `old`'s, gives new nodes ids above `next_id`
/// (updated), and returns the operations that turn `old` into `new`.
pub fn diff(old: &Tree, new: &mut Tree, next_id: &mut u32) -> Vec<Op> {
    let mut ops = Vec::new();
    children(None, &old.nodes, &mut new.nodes, next_id, &mut ops);
    crate::render::renumber_hosts(new);
    ops
}

/// The identity of a child for matching: keyed elements by key and tag,
/// others by kind and tag in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity<'a> {
    /// A component's host, by its instance.
    Host(&'a str),
    Keyed(&'a str, &'a str),
    Element(&'a str),
    /// A built-in whose `data-bound` lists its events, by tag and its
    /// template's bindings: another template's (a `wx:else`) is drawn anew
    /// with its own.
    Bound(&'a str, *const u8),
    Text,
}

/// Whether `new` is `old`'s element itself, reused by the render: the same
/// identity, nothing to compare.
fn shared(old: &VNode, new: &VNode) -> bool {
    matches!((old, new), (VNode::Element(o), VNode::Element(n)) if Arc::ptr_eq(o, n))
}

fn identity(node: &VNode) -> Identity<'_> {
    match node {
        VNode::Element(e) if e.host.is_some() => {
            Identity::Host(e.host.as_ref().map_or("", |h| &h.key))
        }
        VNode::Element(e) => match &e.key {
            Some(key) => Identity::Keyed(key, e.tag),
            None if crate::html::UNPROMPTED_EVENTS.contains(&e.tag) => {
                Identity::Bound(e.tag, Arc::as_ptr(&e.events).cast())
            }
            None => Identity::Element(e.tag),
        },
        VNode::Text(_) => Identity::Text,
    }
}

fn children(
    parent: Option<u32>,
    old: &[VNode],
    new: &mut [VNode],
    next_id: &mut u32,
    ops: &mut Vec<Op>,
) {
    // The same identities in the same order (a list where nothing was
    // added, removed or moved): each child stays where it is.
    if old.len() == new.len()
        && old
            .iter()
            .zip(new.iter())
            .all(|(o, n)| shared(o, n) || identity(o) == identity(n))
    {
        for (old, new) in old.iter().zip(new.iter_mut()) {
            update(old, new, next_id, ops);
        }
        return;
    }
    let matched = match_children(old, new);
    let mut used = vec![false; old.len()];
    for i in matched.iter().flatten() {
        used[*i] = true;
    }
    // Remove what has no match.
    // The matched nodes not yet put in place, in their order on the page:
    // after step `index`, the page's first `index` children are `new`'s.
    let mut remaining: VecDeque<u32> = VecDeque::with_capacity(old.len());
    for (i, node) in old.iter().enumerate() {
        if used[i] {
            remaining.push_back(node.id());
        } else {
            ops.push(Op::Remove { id: node.id() });
        }
    }
    // Moved nodes are skipped when they reach the front (linear, not
    // quadratic, in the number of children).
    let mut moved: HashSet<u32> = HashSet::new();
    // Then walk the new order: update matched nodes, move them into place,
    // insert new ones.
    for (index, (node, found)) in new.iter_mut().zip(matched).enumerate() {
        match found {
            Some(i) => {
                update(&old[i], node, next_id, ops);
                let id = node.id();
                while remaining.front().is_some_and(|f| moved.contains(f)) {
                    remaining.pop_front();
                }
                if remaining.front() == Some(&id) {
                    remaining.pop_front();
                } else {
                    moved.insert(id);
                    ops.push(Op::Move { id, parent, index });
                }
            }
            None => {
                renumber(node, next_id);
                let mut html = String::new();
                crate::html::node_into(node, &mut html);
                ops.push(Op::Insert {
                    parent,
                    index,
                    html,
                    id: node.id(),
                });
            }
        }
    }
}

/// The old child each new child stays as, if any: children of one
/// identity (a key and tag, or a kind and tag) are matched in order.
fn match_children(old: &[VNode], new: &[VNode]) -> Vec<Option<usize>> {
    let mut by_identity: HashMap<Identity<'_>, Vec<usize>> = HashMap::new();
    for (i, node) in old.iter().enumerate().rev() {
        by_identity.entry(identity(node)).or_default().push(i);
    }
    new.iter()
        .map(|node| by_identity.get_mut(&identity(node)).and_then(Vec::pop))
        .collect()
}

/// `new` stays `old`'s node: take its id, and diff text, attributes and
/// children. A shared element (reused from the render `old` is of) is
/// already `old`'s, ids included: nothing to do.
fn update(old: &VNode, new: &mut VNode, next_id: &mut u32, ops: &mut Vec<Op>) {
    match (old, new) {
        (VNode::Text(old), VNode::Text(new)) => {
            new.id = old.id;
            if old.text != new.text {
                ops.push(Op::SetText {
                    id: old.id,
                    text: new.text.to_string(),
                });
            }
        }
        (VNode::Element(old), VNode::Element(new)) => {
            if Arc::ptr_eq(old, new) {
                return;
            }
            let new = Arc::make_mut(new);
            new.id = old.id;
            if old.attrs != new.attrs {
                attributes(old, new, ops);
            }
            children(Some(old.id), &old.children, &mut new.children, next_id, ops);
        }
        // Matching pairs nodes of one kind only.
        _ => {}
    }
}

fn attributes(old: &VElement, new: &VElement, ops: &mut Vec<Op>) {
    for (name, value) in &new.attrs {
        let before = old.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        if before != Some(value) {
            ops.push(Op::SetAttr {
                id: old.id,
                name: name.to_string(),
                value: Some(value.to_string()),
            });
        }
    }
    for (name, _) in &old.attrs {
        if !new.attrs.iter().any(|(n, _)| n == name) {
            ops.push(Op::SetAttr {
                id: old.id,
                name: name.to_string(),
                value: None,
            });
        }
    }
}

/// Give `node` and its subtree fresh ids.
fn renumber(node: &mut VNode, next_id: &mut u32) {
    let fresh = |next_id: &mut u32| {
        let id = *next_id;
        *next_id += 1;
        id
    };
    match node {
        VNode::Text(text) => text.id = fresh(next_id),
        VNode::Element(element) => {
            let element = Arc::make_mut(element);
            element.id = fresh(next_id);
            for child in &mut element.children {
                renumber(child, next_id);
            }
        }
    }
}

/// The largest node id in `tree` (0 for an empty tree).
pub fn max_id(tree: &Tree) -> u32 {
    fn max(nodes: &[VNode]) -> u32 {
        nodes
            .iter()
            .map(|n| match n {
                VNode::Text(t) => t.id,
                VNode::Element(e) => e.id.max(max(&e.children)),
            })
            .max()
            .unwrap_or(0)
    }
    max(&tree.nodes)
}

/// Why operations could not be applied: they do not fit the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operation {index} does not fit the tree: {reason}")]
pub struct ApplyError {
    /// Which operation.
    pub index: usize,
    /// What did not fit.
    pub reason: String,
}

/// Replay `ops` on `tree`, as a renderer does on its DOM. Inserted nodes are
/// taken from `source` (the render the operations came from), by id. The
/// tree's memo of how it was rendered is dropped (its lists change).
pub fn apply(tree: &mut Tree, ops: &[Op], source: &Tree) -> Result<(), ApplyError> {
    tree.forget_memo();
    for (index, op) in ops.iter().enumerate() {
        let fail = |reason: String| ApplyError { index, reason };
        match op {
            Op::Remove { id } => {
                take(&mut tree.nodes, *id).ok_or_else(|| fail(format!("no node {id}")))?;
            }
            Op::Move {
                id,
                parent,
                index: at,
            } => {
                let node =
                    take(&mut tree.nodes, *id).ok_or_else(|| fail(format!("no node {id}")))?;
                let list = child_list(&mut tree.nodes, *parent)
                    .ok_or_else(|| fail(format!("no parent {parent:?}")))?;
                if *at > list.len() {
                    return Err(fail(format!("index {at} past {}", list.len())));
                }
                list.insert(*at, node);
            }
            Op::Insert {
                parent,
                index: at,
                id,
                ..
            } => {
                let node = find(&source.nodes, *id)
                    .cloned()
                    .ok_or_else(|| fail(format!("no node {id} in the source")))?;
                let list = child_list(&mut tree.nodes, *parent)
                    .ok_or_else(|| fail(format!("no parent {parent:?}")))?;
                if *at > list.len() {
                    return Err(fail(format!("index {at} past {}", list.len())));
                }
                list.insert(*at, node);
            }
            Op::SetText { id, text } => match find_mut(&mut tree.nodes, *id) {
                Some(VNode::Text(t)) => t.text = text.as_str().into(),
                _ => return Err(fail(format!("no text node {id}"))),
            },
            Op::SetAttr { id, name, value } => match find_mut(&mut tree.nodes, *id) {
                Some(VNode::Element(e)) => set_attribute(Arc::make_mut(e), name, value.as_deref()),
                _ => return Err(fail(format!("no element {id}"))),
            },
        }
    }
    Ok(())
}

fn set_attribute(e: &mut VElement, name: &str, value: Option<&str>) {
    e.held = std::sync::OnceLock::new();
    let at = e.attrs.iter().position(|(n, _)| &**n == name);
    match (at, value) {
        (Some(at), Some(v)) => e.attrs[at].1 = v.into(),
        (None, Some(v)) => e.attrs.push((name.into(), v.into())),
        (Some(at), None) => {
            e.attrs.remove(at);
        }
        (None, None) => {}
    }
}

/// Whether node `id` is `node` or in its subtree.
fn contains(node: &VNode, id: u32) -> bool {
    node.id() == id
        || match node {
            VNode::Element(e) => e.children.iter().any(|c| contains(c, id)),
            VNode::Text(_) => false,
        }
}

/// The element holding node `id` among its children (unshared, its memo
/// dropped), found from `nodes`.
fn parent_of(nodes: &mut [VNode], id: u32) -> Option<&mut VElement> {
    let node = nodes.iter_mut().find(|n| contains(n, id))?;
    let VNode::Element(e) = node else {
        return None;
    };
    let e = Arc::make_mut(e);
    // What it holds changes with its subtree.
    e.held = std::sync::OnceLock::new();
    if e.children.iter().any(|c| c.id() == id) {
        e.forget_memo();
        return Some(e);
    }
    parent_of(&mut e.children, id)
}

fn take(nodes: &mut Vec<VNode>, id: u32) -> Option<VNode> {
    if let Some(at) = nodes.iter().position(|n| n.id() == id) {
        return Some(nodes.remove(at));
    }
    let parent = parent_of(nodes, id)?;
    let at = parent.children.iter().position(|n| n.id() == id)?;
    Some(parent.children.remove(at))
}

fn find(nodes: &[VNode], id: u32) -> Option<&VNode> {
    nodes.iter().find_map(|n| {
        if n.id() == id {
            return Some(n);
        }
        match n {
            VNode::Element(e) => find(&e.children, id),
            VNode::Text(_) => None,
        }
    })
}

fn find_mut(nodes: &mut [VNode], id: u32) -> Option<&mut VNode> {
    if let Some(at) = nodes.iter().position(|n| n.id() == id) {
        return Some(&mut nodes[at]);
    }
    let parent = parent_of(nodes, id)?;
    parent.children.iter_mut().find(|n| n.id() == id)
}

fn child_list(nodes: &mut Vec<VNode>, parent: Option<u32>) -> Option<&mut Vec<VNode>> {
    match parent {
        None => Some(nodes),
        Some(id) => match find_mut(nodes, id)? {
            VNode::Element(e) => {
                let e = Arc::make_mut(e);
                e.forget_memo();
                Some(&mut e.children)
            }
            VNode::Text(_) => None,
        },
    }
}
