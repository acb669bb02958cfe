//! `selector-query`: WeChat's `wx.createSelectorQuery()`, answered from
//! the layout of the page as last rendered. A host with no screen answers
//! with the estimate of [`estimate`] (every element a block the window's
//! width, stacked); the answer comes as a pending call's completion, as
//! WeChat's `exec` callback does.

mod estimate;
mod selector;

use miniapp_view::render::VNode;
use serde_json::{Map, Value};

use super::pending::Answer;
use super::{CallError, CallResult, View};
use crate::bindings::selector_query::{self, NodeFields, NodeInfo, NodeRequest};
use crate::limits::Held;
use estimate::{Placed, lay_out};
use selector::Selector;

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
    /// The window's width, CSS pixels.
    window_width: u32,
}

impl SelectorQueryCtx {
    /// The context of an instance shown in a window `window_width` wide.
    pub fn new(window_width: u32) -> SelectorQueryCtx {
        SelectorQueryCtx {
            shown: Vec::new(),
            window_width,
        }
    }

    /// The top page was rendered as `nodes` (none: it has no view).
    pub fn rendered(&mut self, nodes: Option<&[VNode]>) {
        self.shown = nodes.map(<[VNode]>::to_vec).unwrap_or_default();
    }

    /// The answer to `requests`, from the estimated layout.
    fn answer(&self, requests: &[(Selector, bool, NodeFields)]) -> CallResult<Vec<Vec<NodeInfo>>> {
        let placed = lay_out(&self.shown, f64::from(self.window_width));
        let mut answer = Vec::with_capacity(requests.len());
        let mut nodes = 0;
        for (selector, all, fields) in requests {
            let matched = placed.iter().filter(|p| selector.matches(&p.path));
            let infos: Vec<NodeInfo> = match all {
                true => matched.map(|p| info(p, *fields)).collect(),
                false => matched.take(1).map(|p| info(p, *fields)).collect(),
            };
            nodes += infos.len();
            if nodes > NODES {
                return Err(CallError::failed(format!(
                    "the query matched more than {NODES} nodes; ask fewer with narrower selectors"
                )));
            }
            answer.push(infos);
        }
        Ok(answer)
    }
}

/// What `fields` asks of the placed element `p`.
fn info(p: &Placed<'_>, fields: NodeFields) -> NodeInfo {
    let element = p.path.last().expect("a placed element is on its path");
    let (left, top, width, height) = p.rect;
    let id = (element.attrs.iter()).find(|(name, _)| &**name == "id");
    let dataset = || {
        let map: Map<String, Value> = (element.dataset.iter())
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Value::Object(map).to_string()
    };
    NodeInfo {
        id: (fields.contains(NodeFields::ID))
            .then(|| id.map(|(_, v)| v.to_string()).unwrap_or_default()),
        dataset: fields.contains(NodeFields::DATASET).then(dataset),
        rect: (fields.contains(NodeFields::RECT)).then_some((
            left,
            top,
            left + width,
            top + height,
        )),
        size: fields.contains(NodeFields::SIZE).then_some((width, height)),
        scroll_offset: fields
            .contains(NodeFields::SCROLL_OFFSET)
            .then_some((0.0, 0.0)),
    }
}

/// The answer of a query, typed apart from any other call's answer, and
/// its bytes charged to the instance's host memory while it is held.
struct Measured(Vec<Vec<NodeInfo>>, Held);

/// What `answer` holds, bytes (an estimate of memory).
fn answer_bytes(answer: &[Vec<NodeInfo>]) -> u64 {
    let node = |n: &NodeInfo| {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        (NODE_BYTES + text(&n.id) + text(&n.dataset)) as u64
    };
    answer.iter().flatten().map(node).sum()
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

impl selector_query::Host for View<'_, SelectorQueryCtx> {
    fn query_start(&mut self, requests: Vec<NodeRequest>) -> CallResult<u64> {
        let requests = checked(requests)?;
        self.call.pending.room_for(false)?;
        let answer = self.ctx.answer(&requests)?;
        let memory = self.call.pending.host_memory();
        let held = (memory.hold(answer_bytes(&answer), "a selector query's answer"))
            .map_err(CallError::quota)?;
        let measured = Measured(answer, held);
        (self.call.pending).start(async move { Ok(Some(Box::new(measured) as Answer)) })
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
