//! `miniapp serve` and `createSelectorQuery` (the layout example): a socket
//! opened with `measure=true` gets the session's `query` frames (the node
//! ids the app's selectors matched) and its `measured` answer is what the
//! app's completion shows, ids and datasets from the host's page; an answer
//! the host cannot take is refused by name, to the client and to the app; a
//! client that never answers fails the query; a client that does not
//! measure gets no query, and the app the host's estimate.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{
    Served, Socket, of_type, page_now, session_socket, session_socket_with, until_frame,
};

const LAYOUT: &str = "demo.layout";

/// A socket on `session` that measures the page.
async fn measuring(served: &Served, session: &str) -> Socket {
    session_socket_with(served, session, "?measure=true").await
}

/// Tap Measure over HTTP; the tap is answered before the query is.
async fn tap_measure(served: &Served, session: &str, cid: &str) {
    let (status, body) = (served.event(session, cid, "#measure", "tap", json!({}))).await;
    assert_eq!(status, 200, "{body}");
}

/// Send `frame` on `socket`.
async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// The node id of the element whose `id` attribute is `id`, in a page's nodes.
fn node_id(nodes: &Value, id: &str) -> Option<u64> {
    for node in nodes.as_array().into_iter().flatten() {
        let attrs = node["attrs"].as_array().into_iter().flatten();
        if attrs.clone().any(|a| a[0] == "id" && a[1] == id) {
            return node["id"].as_u64();
        }
        if let Some(found) = node_id(&node["children"], id) {
            return Some(found);
        }
    }
    None
}

/// What the page shows after the query's push: its `measured` answer as
/// JSON, or the text after "failed: " when the query was refused.
async fn shown(socket: &mut Socket) -> Result<Value, String> {
    let push = until_frame(socket, of_type("push")).await;
    assert_eq!(push["error"], Value::Null, "{push}");
    answer_on(page_now(socket).await)
}

/// The `measured` answer a page's text shows, or the text.
fn answer_on(page: String) -> Result<Value, String> {
    match page.find("[[") {
        Some(at) => Ok(serde_json::from_str(&page[at..page.rfind("]]").unwrap() + 2]).unwrap()),
        None => Err(page),
    }
}

#[tokio::test]
async fn a_measuring_client_answers_the_query_and_the_app_shows_its_numbers() {
    let served = Served::start(&["layout"], &[]);
    let ada = served.session(LAYOUT, "ada").await;
    let mut socket = measuring(&served, &ada).await;
    send(&mut socket, json!({ "type": "refresh" })).await;
    let page = until_frame(&mut socket, of_type("page")).await;

    tap_measure(&served, &ada, "m1").await;
    let query = until_frame(&mut socket, of_type("query")).await;
    let nodes = query["nodes"].as_array().unwrap().clone();
    assert_eq!(nodes.len(), 5, "title, three items, photo: {query}");
    assert_eq!(nodes[0].as_u64(), node_id(&page["nodes"], "title"));
    assert_eq!(nodes[4].as_u64(), node_id(&page["nodes"], "photo"));
    // The client's own layout: a 300-wide column from 10, rows 30 high.
    let measured: Vec<Value> = (0..5)
        .map(|i| json!([10, 20 + 30 * i, 300, 30, 0, i]))
        .collect();
    let answer = json!({ "type": "measured", "query": query["id"], "nodes": measured });
    send(&mut socket, answer).await;
    let shown = shown(&mut socket).await.unwrap();
    let title = json!([{
        "id": "title", "dataset": { "kind": "heading" },
        "left": 10.0, "top": 20.0, "right": 310.0, "bottom": 50.0, "width": 300.0, "height": 30.0,
    }]);
    assert_eq!(shown[0], title);
    let widths: Vec<&Value> = shown[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["width"])
        .collect();
    assert_eq!(widths, [&json!(300.0); 3]);
    assert_eq!(shown[2][0]["scrollTop"], 4.0, "{shown}");
}

#[tokio::test]
async fn an_answer_the_host_cannot_take_is_refused_to_the_client_and_fails_the_query() {
    let served = Served::start(&["layout"], &[]);
    let ada = served.session(LAYOUT, "ada").await;
    let mut socket = measuring(&served, &ada).await;

    tap_measure(&served, &ada, "m1").await;
    let query = until_frame(&mut socket, of_type("query")).await;
    let short = json!({ "type": "measured", "query": query["id"], "nodes": [[1, 2]] });
    send(&mut socket, short).await;
    let error = until_frame(&mut socket, of_type("error")).await;
    let told = error["message"].as_str().unwrap().to_owned();
    assert!(
        told.contains("the client measured 1 nodes of the 5 asked"),
        "{told}"
    );
    let refused = shown(&mut socket).await.unwrap_err();
    assert!(refused.contains(&told), "{refused}");

    // Numbers JSON can carry but no screen has.
    tap_measure(&served, &ada, "m2").await;
    let query = until_frame(&mut socket, of_type("query")).await;
    let mut far = vec![json!(null); 5];
    far[0] = json!([0, 1e300, 375, 22, 0, 0]);
    send(
        &mut socket,
        json!({ "type": "measured", "query": query["id"], "nodes": far }),
    )
    .await;
    let refused = shown(&mut socket).await.unwrap_err();
    assert!(
        refused.contains("top as 1e300, over 10,000,000 pixels"),
        "{refused}"
    );

    // An answer to no query waiting.
    let stray = json!({ "type": "measured", "query": 999_999, "nodes": [] });
    send(&mut socket, stray).await;
    let error = until_frame(&mut socket, of_type("error")).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("no query 999999 waits"),
        "{error}"
    );
}

#[tokio::test]
async fn a_client_that_never_answers_fails_the_query_and_one_that_does_not_measure_gets_the_estimate()
 {
    let served = Served::start(&["layout"], &[]);
    let ada = served.session(LAYOUT, "ada").await;
    let mut socket = measuring(&served, &ada).await;
    tap_measure(&served, &ada, "m1").await;
    until_frame(&mut socket, of_type("query")).await;
    let refused = shown(&mut socket).await.unwrap_err();
    assert!(
        refused.contains("did not measure the page within 5 s"),
        "{refused}"
    );
    drop(socket);

    // A client that does not measure: no query frame, the estimate.
    let bob = served.session(LAYOUT, "bob").await;
    let mut socket = session_socket(&served, &bob).await;
    tap_measure(&served, &bob, "m1").await;
    let push = until_frame(&mut socket, |f| f["type"] == "push" || f["type"] == "query").await;
    assert_eq!(push["type"], "push", "{push}");
    let estimate = answer_on(page_now(&mut socket).await).unwrap();
    assert_eq!(estimate[0][0]["right"], 375.0, "{estimate}");
    assert_eq!(estimate[0][0]["bottom"], 22.0, "{estimate}");
}
