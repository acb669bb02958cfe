//! The page's layout as a client measures it (`selector-query`): the host
//! sends a `query` frame `{"type": "query", "id", "nodes": [NID...]}` to
//! the session's clients that measure (a socket opened with
//! `measure=true`), and the first answer, a `measured` frame
//! `{"type": "measured", "query", "nodes": [[left, top, width, height,
//! scroll_left, scroll_top] or null, ...]}`, one entry per node asked in
//! order, is the measurement (the runtime checks its numbers and bounds
//! the wait). With no client that measures, the runtime's estimate
//! answers, as on a host with no screen.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use miniapp_runtime::providers::{
    Asked, EstimatedLayout, LayoutNode, LayoutProvider, NodeLayout, ProviderError,
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};

use super::{Prompts, SimulatedHost};

/// A client's measurement, read, or why it could not be.
type Measurement = Result<Vec<Option<NodeLayout>>, ProviderError>;

/// The queries sent to a session's measuring clients, and those waiting:
/// how many nodes each asked, and where its measurement goes.
pub(super) struct Queries {
    /// `query` frames, to every client that measures (its subscription).
    frames: broadcast::Sender<String>,
    waiting: Mutex<HashMap<u64, (usize, oneshot::Sender<Measurement>)>>,
}

impl Default for Queries {
    fn default() -> Self {
        Queries {
            frames: broadcast::channel(16).0,
            waiting: Mutex::default(),
        }
    }
}

impl Queries {
    #[allow(clippy::type_complexity, reason = "a private map, named by its use")]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<u64, (usize, oneshot::Sender<Measurement>)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Prompts {
    /// The `query` frames for a client that measures the page: while the
    /// receiver lives, the session's selector queries are sent to it (and
    /// to every other such client) and answered by the first `measured`.
    pub fn measuring(&self) -> broadcast::Receiver<String> {
        self.queries.frames.subscribe()
    }

    /// A client's `measured` answer to query `id` (its `nodes`). An answer
    /// that is not one entry per node asked, each null or six numbers, is
    /// refused (the error says why) and fails the query with that error;
    /// so does an answer to no waiting query (answered already, timed out,
    /// or its call ended).
    pub fn measured(&self, id: u64, nodes: Value) -> Result<(), String> {
        let Some((asked, waiting)) = self.queries.lock().remove(&id) else {
            return Err(format!(
                "no query {id} waits: it was answered, timed out or its page left"
            ));
        };
        let measurement = read(nodes, asked);
        let refused = measurement.as_ref().err().map(|e| e.0.clone());
        let _ = waiting.send(measurement);
        refused.map_or(Ok(()), Err)
    }

    /// Whether client frame `frame` is a `measured` answer to a query that
    /// waits: such an answer is the host's own asking, so a client's frame
    /// rate does not refuse it (an app that measures in a loop would make
    /// its client pass the rate). Each query takes one answer, so these are
    /// bounded by the queries sent.
    pub fn answers_a_waiting_query(&self, frame: &str) -> bool {
        let Ok(answer) = serde_json::from_str::<Value>(frame) else {
            return false;
        };
        let query = (answer["type"] == "measured").then(|| answer["query"].as_u64());
        query
            .flatten()
            .is_some_and(|id| self.queries.lock().contains_key(&id))
    }

    /// Send query `nodes` to the measuring clients; `None` if there is none.
    fn ask_layout(self: &Arc<Self>, nodes: &[u32]) -> Option<WaitingQuery> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, answer) = oneshot::channel();
        self.queries.lock().insert(id, (nodes.len(), tx));
        let waiting = WaitingQuery {
            prompts: self.clone(),
            id,
            answer,
        };
        let frame = json!({ "type": "query", "id": id, "nodes": nodes });
        match self.queries.frames.send(frame.to_string()) {
            Ok(_) => Some(waiting),
            Err(_) => None,
        }
    }
}

/// A query sent and not yet answered: dropped (answered, or its call ended
/// or timed out), it leaves the waiting queries.
struct WaitingQuery {
    prompts: Arc<Prompts>,
    id: u64,
    answer: oneshot::Receiver<Measurement>,
}

impl Drop for WaitingQuery {
    fn drop(&mut self) {
        self.prompts.queries.lock().remove(&self.id);
    }
}

/// A client's `nodes` answer for `asked` nodes, read (the runtime checks
/// the numbers).
fn read(nodes: Value, asked: usize) -> Result<Vec<Option<NodeLayout>>, ProviderError> {
    let Value::Array(nodes) = nodes else {
        return Err(ProviderError(format!(
            "the client's measurement is a list of nodes, not {nodes}"
        )));
    };
    if nodes.len() != asked {
        return Err(ProviderError(format!(
            "the client measured {} nodes of the {asked} asked",
            nodes.len()
        )));
    }
    let node = |(i, node): (usize, Value)| {
        if node.is_null() {
            return Ok(None);
        }
        let numbers: Option<Vec<f64>> = (node.as_array())
            .filter(|n| n.len() == 6)
            .and_then(|n| n.iter().map(Value::as_f64).collect());
        match numbers.as_deref() {
            Some(&[left, top, width, height, scroll_left, scroll_top]) => Ok(Some(NodeLayout {
                left,
                top,
                width,
                height,
                scroll_left,
                scroll_top,
            })),
            _ => Err(ProviderError(format!(
                "the client's node {i} is not null nor six numbers \
                 [left, top, width, height, scroll left, scroll top]: {node}"
            ))),
        }
    };
    nodes.into_iter().enumerate().map(node).collect()
}

/// The client measures: asked in the call's session, answered when a
/// client that measures answers; with none, the runtime's estimate.
impl LayoutProvider for SimulatedHost {
    fn measure(&self, app_id: &str, nodes: Vec<LayoutNode>) -> Asked<Vec<Option<NodeLayout>>> {
        let Some(prompts) = self.prompts() else {
            return EstimatedLayout.measure(app_id, nodes);
        };
        let app_id = app_id.to_owned();
        Box::pin(async move {
            let ids: Vec<u32> = nodes.iter().map(|n| n.node).collect();
            let Some(mut waiting) = prompts.ask_layout(&ids) else {
                return EstimatedLayout.measure(&app_id, nodes).await;
            };
            let answer = (&mut waiting.answer).await;
            answer.map_err(|_| ProviderError("the query was dropped".into()))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_one_null_or_six_numbers_per_node_asked() {
        let read = |v: Value| read(v, 2);
        let nodes = read(json!([[1, 2.5, 3, 4, 0, 10], null])).unwrap();
        assert_eq!(nodes[0].unwrap().top, 2.5);
        assert_eq!(nodes[0].unwrap().scroll_top, 10.0);
        assert_eq!(nodes[1], None);
        let fewer = read(json!([null])).unwrap_err().0;
        assert_eq!(fewer, "the client measured 1 nodes of the 2 asked");
        let five = read(json!([[1, 2, 3, 4, 5], null])).unwrap_err().0;
        assert!(
            five.starts_with("the client's node 0 is not null"),
            "{five}"
        );
        let text = read(json!([null, ["1", 2, 3, 4, 5, 6]])).unwrap_err().0;
        assert!(text.starts_with("the client's node 1"), "{text}");
        let object = read(json!({ "nodes": [] })).unwrap_err().0;
        assert!(object.contains("a list of nodes"), "{object}");
    }

    #[tokio::test]
    async fn a_query_goes_to_measuring_clients_only_and_the_first_answer_counts() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let layout = super::super::providers(&prompts).layout;
        let node = |node, top| LayoutNode {
            node,
            estimate: NodeLayout {
                left: 0.0,
                top,
                width: 375.0,
                height: 22.0,
                scroll_left: 0.0,
                scroll_top: 0.0,
            },
        };
        // No client measures: the estimate.
        let estimated = layout.measure("demo.a", vec![node(4, 22.0)]).await;
        assert_eq!(estimated.unwrap(), vec![Some(node(4, 22.0).estimate)]);
        let mut client = prompts.measuring();
        let asked = tokio::spawn(layout.measure("demo.a", vec![node(4, 22.0), node(9, 44.0)]));
        let frame: Value = serde_json::from_str(&client.recv().await.unwrap()).unwrap();
        assert_eq!(frame["type"], "query");
        assert_eq!(frame["nodes"], json!([4, 9]));
        let id = frame["id"].as_u64().unwrap();
        prompts
            .measured(id, json!([[0, 60, 375, 30, 0, 0], null]))
            .unwrap();
        let again = prompts.measured(id, json!([null, null])).unwrap_err();
        assert!(
            again.starts_with(&format!("no query {id} waits")),
            "{again}"
        );
        let measured = asked.await.unwrap().unwrap();
        assert_eq!(measured[0].unwrap().top, 60.0);
        assert_eq!(measured[1], None);
        assert!(frames.try_recv().is_err(), "no frame for other clients");
        let answer = |id: u64| format!(r#"{{"type": "measured", "query": {id}, "nodes": [null]}}"#);
        assert!(
            !prompts.answers_a_waiting_query(&answer(id)),
            "answered already"
        );
        // A query whose call ended leaves nothing waiting.
        let dropped = tokio::spawn(layout.measure("demo.a", vec![node(4, 22.0)]));
        let frame: Value = serde_json::from_str(&client.recv().await.unwrap()).unwrap();
        dropped.abort();
        let _ = dropped.await;
        prompts
            .measured(frame["id"].as_u64().unwrap(), json!([null]))
            .unwrap_err();
        // A malformed answer fails the query, and its client is told why.
        let malformed = tokio::spawn(layout.measure("demo.a", vec![node(4, 22.0)]));
        let frame: Value = serde_json::from_str(&client.recv().await.unwrap()).unwrap();
        let id = frame["id"].as_u64().unwrap();
        assert!(prompts.answers_a_waiting_query(&answer(id)));
        let event = format!(r#"{{"type": "event", "query": {id}}}"#);
        assert!(!prompts.answers_a_waiting_query(&event));
        let told = prompts.measured(id, json!([[1, 2]])).unwrap_err();
        let failed = malformed.await.unwrap().unwrap_err().0;
        assert_eq!(told, failed);
        assert!(
            told.starts_with("the client's node 0 is not null"),
            "{told}"
        );
    }
}
