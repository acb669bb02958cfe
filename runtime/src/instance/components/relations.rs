//! WeChat's component `relations`: after each render the host links the
//! instances whose relations name each other (`child` on one side and
//! `parent` on the other for an instance directly inside it, `descendant`
//! and `ancestor` for one anywhere inside it, the nearest such ancestor)
//! over the tree as composed: an instance given through a slot is inside
//! the instance that draws the slot, as on WeChat. A relation's key is a
//! path relative to its component's folder (`../item/item`, `./item`) or
//! from the package root (`/components/item/item`); a relation with a
//! `target` links any component that has that behavior instead. What changed since the
//! last render is queued as notices, one per side (the lower's first):
//! `linked` after the batch's `attached`, `link-changed` after its
//! `moved`, `unlinked` after its `detached`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use miniapp_config::Meta;
use miniapp_config::meta::{Relation, RelationKind};
use miniapp_view::render::{Tree, VNode};

use crate::capability::component::{Link, Notice, PageComponents, RelationEvent};

/// The definition `key` names from `definition` (`components/list/list`
/// and `../item/item` name `components/item/item`); `None` when it climbs
/// above the package.
pub(crate) fn resolve(definition: &str, key: &str) -> Option<String> {
    let mut parts: Vec<&str> = match key.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => definition.split('/').collect(),
    };
    if !key.starts_with('/') {
        parts.pop();
    }
    for part in key.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    Some(parts.join("/"))
}

/// Whether relation `key` of `definition` names component `other`: by the
/// path its key resolves to, or (with a `target`) by a behavior `other`
/// has.
fn names(meta: &Meta, definition: &str, key: &str, relation: &Relation, other: &str) -> bool {
    match &relation.target {
        Some(behavior) => {
            (meta.component(other)).is_some_and(|m| m.behavior_names.contains(behavior))
        }
        None => resolve(definition, key).as_deref() == Some(other),
    }
}

/// Each instance's composed ancestors, nearest first: the instances whose
/// host elements hold its own (an instance with no host element, a
/// `virtualHost` one, takes its template's parents).
fn ancestors(components: &PageComponents, tree: &Tree) -> BTreeMap<u32, Vec<u32>> {
    let hosts: BTreeMap<u32, u32> = (tree.instances.iter())
        .filter(|i| i.host != 0)
        .filter_map(|i| Some((i.host, components.id_of(&i.key)?)))
        .collect();
    let mut out = BTreeMap::new();
    let mut stack = Vec::new();
    let mut walking: Vec<(&VNode, bool)> = tree.nodes.iter().rev().map(|n| (n, false)).collect();
    // Depth first without recursion: a node is visited, then left.
    while let Some((node, leaving)) = walking.pop() {
        let VNode::Element(element) = node else {
            continue;
        };
        let host = hosts.get(&element.id).copied();
        if leaving {
            stack.pop();
            continue;
        }
        if let Some(id) = host {
            out.insert(id, stack.iter().rev().copied().collect::<Vec<u32>>());
            stack.push(id);
            walking.push((node, true));
        }
        walking.extend(element.children.iter().rev().map(|n| (n, false)));
    }
    for id in components.order() {
        if out.contains_key(id) {
            continue;
        }
        let mut chain = Vec::new();
        let mut at = components.get(*id).and_then(|c| c.parent);
        while let Some(parent) = at {
            chain.push(parent);
            at = components.get(parent).and_then(|c| c.parent);
        }
        out.insert(*id, chain);
    }
    out
}

/// The links between `components` as `tree` composes them, by `meta`'s
/// relations, in the document order of their lower sides.
fn links(components: &PageComponents, tree: &Tree, meta: &Meta) -> Vec<Link> {
    let ancestors = ancestors(components, tree);
    let definition = |id: u32| components.get(id).map(|c| c.definition.clone());
    let mut links = Vec::new();
    for lower in components.order() {
        let Some(lower_definition) = definition(*lower) else {
            continue;
        };
        let Some(lower_meta) = meta.component(&lower_definition) else {
            continue;
        };
        let above = ancestors.get(lower).map_or(&[][..], Vec::as_slice);
        for (lower_relation, relation) in &lower_meta.relations {
            let (candidates, wanted) = match relation.kind {
                RelationKind::Parent => (above.get(..1).unwrap_or_default(), RelationKind::Child),
                RelationKind::Ancestor => (above, RelationKind::Descendant),
                RelationKind::Child | RelationKind::Descendant => continue,
            };
            let found = candidates.iter().find_map(|upper| {
                let upper_definition = definition(*upper)?;
                if !names(
                    meta,
                    &lower_definition,
                    lower_relation,
                    relation,
                    &upper_definition,
                ) {
                    return None;
                }
                let upper_meta = meta.component(&upper_definition)?;
                let (upper_relation, _) = upper_meta.relations.iter().find(|(key, r)| {
                    r.kind == wanted && names(meta, &upper_definition, key, r, &lower_definition)
                })?;
                Some(Link {
                    upper: *upper,
                    upper_relation: upper_relation.clone(),
                    lower: *lower,
                    lower_relation: lower_relation.clone(),
                })
            });
            links.extend(found);
        }
    }
    links
}

/// Both sides of `link`, the lower's first, as `notice` makes them.
fn sides(link: &Link, notice: fn(RelationEvent) -> Notice) -> [Notice; 2] {
    [
        notice(RelationEvent {
            id: link.lower,
            relation: link.lower_relation.clone(),
            other: link.upper,
        }),
        notice(RelationEvent {
            id: link.upper,
            relation: link.upper_relation.clone(),
            other: link.lower,
        }),
    ]
}

/// Insert `added` into `batch` after its last notice `after` matches
/// (at its end when none does).
fn insert_after(batch: &mut Vec<Notice>, after: fn(&Notice) -> bool, added: Vec<Notice>) {
    let at = batch.iter().rposition(after).map_or(batch.len(), |i| i + 1);
    batch.splice(at..at, added);
}

/// Link `components` again after a render as `tree`, queuing what changed
/// into `batch` (this render's notices, whose `moved` tell which linked
/// instances moved), and keep each drawn definition's relation keys.
pub(crate) fn relink(
    components: &mut PageComponents,
    tree: &Tree,
    meta: &Meta,
    batch: &mut Vec<Notice>,
) {
    // An app none of whose components declares a relation: nothing to walk.
    if components.links.is_empty() && meta.components.values().all(|c| c.relations.is_empty()) {
        return;
    }
    let now = links(components, tree, meta);
    let before: BTreeSet<&Link> = components.links.iter().collect();
    let kept: BTreeSet<&Link> = now.iter().collect();
    let moved: BTreeSet<u32> = (batch.iter())
        .filter_map(|n| match n {
            Notice::Moved(id) => Some(*id),
            _ => None,
        })
        .collect();
    let (mut linked, mut changed, mut unlinked) = (Vec::new(), Vec::new(), Vec::new());
    for link in &now {
        if !before.contains(link) {
            linked.extend(sides(link, Notice::Linked));
        } else if moved.contains(&link.lower) || moved.contains(&link.upper) {
            changed.extend(sides(link, Notice::LinkChanged));
        }
    }
    for link in components.links.iter().filter(|l| !kept.contains(l)) {
        unlinked.extend(sides(link, Notice::Unlinked));
    }
    insert_after(batch, |n| matches!(n, Notice::Attached(_)), linked);
    insert_after(batch, |n| matches!(n, Notice::Moved(_)), changed);
    insert_after(batch, |n| matches!(n, Notice::Detached(_)), unlinked);
    components.links = now;
    let drawn: BTreeSet<Arc<str>> = (components.order().iter())
        .filter_map(|id| components.get(*id).map(|c| c.definition.clone()))
        .collect();
    components.relations = (drawn.into_iter())
        .map(|definition| {
            let keys = meta.component(&definition).map_or_else(Vec::new, |m| {
                m.relations.keys().cloned().collect::<Vec<String>>()
            });
            (definition, keys)
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn relation_keys_resolve_from_their_components_folder() {
        let list = "components/list/list";
        assert_eq!(
            resolve(list, "../item/item").unwrap(),
            "components/item/item"
        );
        assert_eq!(resolve(list, "./item").unwrap(), "components/list/item");
        assert_eq!(resolve(list, "item").unwrap(), "components/list/item");
        assert_eq!(resolve(list, "/components/x/x").unwrap(), "components/x/x");
        assert_eq!(resolve(list, "../../../x"), None);
    }
}
