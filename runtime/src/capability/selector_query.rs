//! `selector-query`: WeChat's `wx.createSelectorQuery()`, answered from
//! the page as last rendered: its selectors matched against the rendered
//! tree (ids and datasets read from it), the matched nodes' places
//! measured by the embedder's layout provider
//! ([`LayoutProvider`](crate::providers::LayoutProvider)), a screen where
//! it has one; a host with no screen answers the estimate of [`estimate`]
//! (every element a block the window's width, stacked). The answer comes
//! as a pending call's completion, as WeChat's `exec` callback does; a
//! provider's answer is checked first, and one that does not come within
//! [`MEASURE_TIMEOUT`] fails the call. A query asks the nodes one
//! template draws: the page's (`query-start`), or a component instance's
//! (`query-start-in`, WeChat's `this.createSelectorQuery()` in a
//! component), never those inside the components it uses, whose tags it
//! matches by the name the template gives them.

mod estimate;

use std::collections::BTreeMap;

use miniapp_view::component::InstanceKey;
use miniapp_view::render::VNode;
use miniapp_view::select::query::{Reach, Selector};
use serde_json::{Map, Value};

use super::pending::Answer;
use super::{CallError, CallResult, View};
use crate::bindings::component::Target;
use crate::bindings::selector_query::{self, NodeFields, NodeInfo, NodeRequest};
use crate::limits::Held;
use crate::providers::{Asked, LayoutNode, MEASURE_TIMEOUT, NodeLayout};
use estimate::{Placed, lay_out};

/// Requests at most in one query.
const REQUESTS: usize = 32;
/// Nodes at most in one query's answer.
const NODES: usize = 1024;
/// Bytes held per node answered, besides its texts.
const NODE_BYTES: usize = 128;

/// An instance's view of its page's layout: the top page as last rendered
/// and the window it is shown in.
#[derive(Debug)]
pub(crate) struct SelectorQueryCtx {
    /// The top-level nodes of the last render (shared with it).
    shown: Vec<VNode>,
    /// The top page's serial, as last rendered.
    serial: u64,
    /// Its component instances' keys, by id, as last rendered.
    instances: BTreeMap<u32, InstanceKey>,
    /// The window's width, CSS pixels.
    window_width: u32,
}

/// One node a request matched: what the rendered tree says of it, and its
/// estimated layout (measured by the provider if the request asks where
/// it is).
struct Found {
    node: u32,
    fields: NodeFields,
    id: Option<String>,
    dataset: Option<String>,
    estimate: NodeLayout,
}

impl Found {
    /// Whether the request asks where the node is (the provider measures it).
    fn placed(&self) -> bool {
        self.fields
            .intersects(NodeFields::RECT | NodeFields::SIZE | NodeFields::SCROLL_OFFSET)
    }

    /// What was asked of it, with its layout `at` (`None`: not placed).
    fn info(self, at: Option<NodeLayout>) -> NodeInfo {
        let asked = |field| self.fields.contains(field);
        let at = at.unwrap_or(self.estimate);
        let rect = (at.left, at.top, at.left + at.width, at.top + at.height);
        NodeInfo {
            id: self.id,
            dataset: self.dataset,
            rect: asked(NodeFields::RECT).then_some(rect),
            size: asked(NodeFields::SIZE).then_some((at.width, at.height)),
            scroll_offset: (asked(NodeFields::SCROLL_OFFSET))
                .then_some((at.scroll_left, at.scroll_top)),
        }
    }
}

impl SelectorQueryCtx {
    /// The context of an instance shown in a window `window_width` wide.
    pub fn new(window_width: u32) -> SelectorQueryCtx {
        SelectorQueryCtx {
            shown: Vec::new(),
            serial: 0,
            instances: BTreeMap::new(),
            window_width,
        }
    }

    /// The top page was rendered as `nodes` (none: it has no view).
    pub fn rendered(&mut self, nodes: Option<&[VNode]>) {
        self.shown = nodes.map(<[VNode]>::to_vec).unwrap_or_default();
    }

    /// The top page is page `serial`, drawing `instances` (ids and keys),
    /// the scopes `query-start-in` takes.
    pub fn scopes(&mut self, serial: u64, instances: BTreeMap<u32, InstanceKey>) {
        (self.serial, self.instances) = (serial, instances);
    }

    /// The template `scope` names: `None` for the page's, else the key of
    /// a component instance on the page shown.
    fn scope(&self, scope: Target) -> CallResult<Option<InstanceKey>> {
        match scope {
            Target::Page(serial) if serial == self.serial => Ok(None),
            Target::Page(serial) => Err(CallError::invalid(format!(
                "page {serial} is not the page shown: a query asks the nodes of the page shown"
            ))),
            Target::Component(id) => match self.instances.get(&id) {
                Some(key) => Ok(Some(key.clone())),
                None => Err(CallError::invalid(format!(
                    "component instance {id} is not on the page shown (detached, never \
                     created, or on a page under it)"
                ))),
            },
        }
    }

    /// The nodes each of `requests` matches among those `scope`'s template
    /// draws, with their estimated layout.
    fn find(
        &self,
        requests: &[(Selector, bool, NodeFields)],
        scope: Option<&InstanceKey>,
    ) -> CallResult<Vec<Vec<Found>>> {
        let placed = lay_out(&self.shown, f64::from(self.window_width));
        let drawn = in_template(&placed, scope);
        let mut found = Vec::with_capacity(requests.len());
        let mut nodes = 0;
        for (selector, all, fields) in requests {
            let matched = matching(selector, &placed, &drawn);
            let list: Vec<Found> = match all {
                true => matched.map(|p| facts(p, *fields)).collect(),
                false => matched.take(1).map(|p| facts(p, *fields)).collect(),
            };
            nodes += list.len();
            if nodes > NODES {
                return Err(CallError::failed(format!(
                    "the query matched more than {NODES} nodes; ask fewer with narrower selectors"
                )));
            }
            found.push(list);
        }
        Ok(found)
    }
}

/// For each placed element, its nearest ancestor or itself that `scope`'s
/// template draws (slot content a template passes is under the
/// component's tag there).
fn in_template(placed: &[Placed<'_>], scope: Option<&InstanceKey>) -> Vec<Option<usize>> {
    let mut drawn: Vec<Option<usize>> = Vec::with_capacity(placed.len());
    for (at, p) in placed.iter().enumerate() {
        let own = p.element.owner.as_ref() == scope;
        drawn.push(if own {
            Some(at)
        } else {
            p.parent.and_then(|up| drawn[up])
        });
    }
    drawn
}

/// The placed elements `scope`'s template draws (`drawn`, from
/// [`in_template`]) that `selector` matches, in document order: each
/// reached from its parent in that template, so the cost is the elements
/// times the selector's compounds, whatever the depth.
fn matching<'p, 'a>(
    selector: &Selector,
    placed: &'p [Placed<'a>],
    drawn: &[Option<usize>],
) -> impl Iterator<Item = &'p Placed<'a>> {
    let mut reached: Vec<Option<Reach>> = Vec::with_capacity(placed.len());
    for (at, p) in placed.iter().enumerate() {
        let reach = (drawn[at] == Some(at)).then(|| {
            let parent = p.parent.and_then(|up| drawn[up]);
            let parent = parent.and_then(|up| reached[up].as_ref());
            selector.reach(parent, p.element)
        });
        reached.push(reach);
    }
    let matched = reached.into_iter().map(|r| r.is_some_and(|r| r.matched()));
    placed
        .iter()
        .zip(matched)
        .filter(|(_, m)| *m)
        .map(|(p, _)| p)
}

/// What the tree says of the placed element `p` that `fields` asks.
fn facts(p: &Placed<'_>, fields: NodeFields) -> Found {
    let element = p.element;
    let (left, top, width, height) = p.rect;
    let id = (element.attrs.iter()).find(|(name, _)| &**name == "id");
    let dataset = || {
        let map: Map<String, Value> = (element.dataset.iter())
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Value::Object(map).to_string()
    };
    Found {
        node: element.id,
        fields,
        id: (fields.contains(NodeFields::ID))
            .then(|| id.map(|(_, v)| v.to_string()).unwrap_or_default()),
        dataset: fields.contains(NodeFields::DATASET).then(dataset),
        estimate: NodeLayout {
            left,
            top,
            width,
            height,
            scroll_left: 0.0,
            scroll_top: 0.0,
        },
    }
}

/// Pixels at most from the page's corner in a measured layout.
const FARTHEST: f64 = 10_000_000.0;

/// The provider's layout of `node`, if it is one the app may be given.
fn usable(node: u32, at: NodeLayout) -> CallResult<NodeLayout> {
    let numbers = [
        ("left", at.left),
        ("top", at.top),
        ("width", at.width),
        ("height", at.height),
        ("scroll left", at.scroll_left),
        ("scroll top", at.scroll_top),
    ];
    for (name, value) in numbers {
        let bad = match value {
            v if !v.is_finite() => Some("not a finite number"),
            v if v.abs() > FARTHEST => Some("over 10,000,000 pixels"),
            v if v < 0.0 && matches!(name, "width" | "height") => Some("negative"),
            _ => None,
        };
        if let Some(bad) = bad {
            let value = match value.abs() > FARTHEST {
                true => format!("{value:e}"),
                false => format!("{value}"),
            };
            return Err(CallError::failed(format!(
                "the host measured node {node}'s {name} as {value}, {bad}"
            )));
        }
    }
    Ok(at)
}

/// The answer: `found`, each placed node with its `measured` layout (one
/// per placed node, in order; a node the screen does not show is left out).
fn answered(
    found: Vec<Vec<Found>>,
    measured: Vec<Option<NodeLayout>>,
) -> CallResult<Vec<Vec<NodeInfo>>> {
    let asked = found.iter().flatten().filter(|f| f.placed()).count();
    if measured.len() != asked {
        return Err(CallError::failed(format!(
            "the host measured {} nodes of the {asked} asked; it answers one per node",
            measured.len()
        )));
    }
    let mut measured = measured.into_iter();
    let mut answer = Vec::with_capacity(found.len());
    for list in found {
        let mut infos = Vec::with_capacity(list.len());
        for found in list {
            match found.placed() {
                false => infos.push(found.info(None)),
                true => {
                    if let Some(at) = measured.next().flatten() {
                        let at = usable(found.node, at)?;
                        infos.push(found.info(Some(at)));
                    }
                }
            }
        }
        answer.push(infos);
    }
    Ok(answer)
}

/// What the provider measured, within [`MEASURE_TIMEOUT`].
async fn measured(
    measuring: Asked<Vec<Option<NodeLayout>>>,
) -> CallResult<Vec<Option<NodeLayout>>> {
    match tokio::time::timeout(MEASURE_TIMEOUT, measuring).await {
        Ok(Ok(measured)) => Ok(measured),
        Ok(Err(e)) => Err(CallError::failed(format!(
            "the host could not measure the page: {e}"
        ))),
        Err(_) => Err(CallError::failed(format!(
            "the host did not measure the page within {} s (its screen did not answer)",
            MEASURE_TIMEOUT.as_secs()
        ))),
    }
}

/// The answer of a query, typed apart from any other call's answer, and
/// its bytes charged to the instance's host memory while it is held.
struct Measured(Vec<Vec<NodeInfo>>, Held);

/// What the answer to `found` holds, bytes (an estimate of memory).
fn answer_bytes(found: &[Vec<Found>]) -> u64 {
    let node = |n: &Found| {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        (NODE_BYTES + text(&n.id) + text(&n.dataset)) as u64
    };
    found.iter().flatten().map(node).sum()
}

/// Parse `requests`, or say which is not one the host takes.
fn checked(requests: Vec<NodeRequest>) -> CallResult<Vec<(Selector, bool, NodeFields)>> {
    if !(1..=REQUESTS).contains(&requests.len()) {
        return Err(CallError::invalid(format!(
            "the query has {} requests; it takes 1 to {REQUESTS}",
            requests.len()
        )));
    }
    let parse = |(i, r): (usize, NodeRequest)| {
        if r.fields == NodeFields::empty() {
            return Err(CallError::invalid(format!(
                "request {i} (`{}`) asks no fields: ask id, dataset, rect, size or scroll-offset",
                r.selector
            )));
        }
        let selector = Selector::parse(&r.selector).map_err(CallError::invalid)?;
        Ok((selector, r.all, r.fields))
    };
    requests.into_iter().enumerate().map(parse).collect()
}

super::linked_by!(view of SelectorQueryCtx, selector_query);

#[miniapp_runtime_macros::recorded]
impl selector_query::Host for View<'_, SelectorQueryCtx> {
    fn query_start(&mut self, requests: Vec<NodeRequest>) -> CallResult<u64> {
        self.query(None, requests)
    }

    fn query_start_in(&mut self, scope: Target, requests: Vec<NodeRequest>) -> CallResult<u64> {
        let scope = self.ctx.scope(scope)?;
        self.query(scope, requests)
    }

    fn take_nodes(&mut self, id: u64) -> CallResult<Vec<Vec<NodeInfo>>> {
        match self.call.pending.take_answer::<Measured>(id) {
            Some(Measured(nodes, _held)) => Ok(nodes),
            None => Err(CallError::invalid(format!(
                "call {id} has no nodes to take: take them once, in the `on-complete` of a `query-start` that succeeded"
            ))),
        }
    }
}

impl View<'_, SelectorQueryCtx> {
    /// Start a query of `requests` among the nodes `scope`'s template
    /// draws (`None`: the page's).
    fn query(&mut self, scope: Option<InstanceKey>, requests: Vec<NodeRequest>) -> CallResult<u64> {
        let requests = checked(requests)?;
        self.call.pending.room_for(false)?;
        let found = self.ctx.find(&requests, scope.as_ref())?;
        let memory = self.call.pending.host_memory();
        let held = (memory.hold(answer_bytes(&found), "a selector query's answer"))
            .map_err(CallError::quota)?;
        let asked: Vec<LayoutNode> = (found.iter().flatten().filter(|f| f.placed()))
            .map(|f| LayoutNode {
                node: f.node,
                estimate: f.estimate,
            })
            .collect();
        let measuring = match asked.is_empty() {
            true => None,
            false => {
                let layout = &self.call.app.services.providers.layout;
                Some(layout.measure(&self.call.app.manifest.id, asked))
            }
        };
        (self.call.pending).start(async move {
            let measured = match measuring {
                None => Vec::new(),
                Some(measuring) => measured(measuring).await?,
            };
            let answer = answered(found, measured)?;
            Ok(Some(Box::new(Measured(answer, held)) as Answer))
        })
    }
}
