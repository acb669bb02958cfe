//! `miniapp serve` between client events: the timers example's interval
//! ticks a served page with no client event, pushed to the session's
//! WebSocket and to HTTP clients' long poll; a hidden session gets nothing
//! until shown; pending timers end with their instance (evicted, or the
//! session taken up by another node), and the next instance starts from
//! its launch with none.

use serde_json::{Value, json};

use crate::cluster::Postgres;
use crate::serve::{HANG, Served, receive, texts};

const TIMERS: &str = "demo.timers";
const COMPLETIONS: &str = "miniapp_completions_total{app=\"demo.timers\"}";

/// An interval of 20 ms that stops itself after a million ticks (hours).
fn forever() -> Value {
    json!({ "ms": 20, "times": 1_000_000 })
}

/// The texts a push (or an answer's frames) shows: the whole page's, and
/// the texts its ops set or insert.
pub(crate) fn shown(frames: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for frame in frames.as_array().into_iter().flatten() {
        match frame["type"].as_str() {
            Some("page") => out.extend(texts(&frame["nodes"])),
            Some("ops") => {
                for op in frame["ops"].as_array().into_iter().flatten() {
                    match op["op"].as_str() {
                        Some("set-text") => out.push(op["text"].as_str().unwrap().to_string()),
                        Some("insert") => out.extend(texts(&json!([op["node"]]))),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The `Ticks: N` texts among `frames`.
fn ticks(frames: &Value) -> Vec<String> {
    let all = shown(frames).into_iter();
    all.filter(|t| t.starts_with("Ticks:")).collect()
}

/// `GET .../frames?after=AFTER`: the status and the body.
pub(crate) async fn poll(served: &Served, session: &str, after: &str) -> (u16, Value) {
    let url = format!(
        "{}/v1/sessions/{session}/frames?after={after}",
        served.public
    );
    let response = tokio::time::timeout(HANG, reqwest::get(url)).await;
    let response = response.expect("a poll answers within its wait").unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Poll until push `seq` has come: every push after `after` up to it.
async fn pushes_until(served: &Served, session: &str, after: u64, seq: u64) -> Vec<Value> {
    let mut got: Vec<Value> = Vec::new();
    let deadline = std::time::Instant::now() + HANG;
    while got.last().is_none_or(|p| p["seq"].as_u64() < Some(seq)) {
        assert!(
            std::time::Instant::now() < deadline,
            "push {seq} never came: {got:?}"
        );
        let from = got.last().map_or(after, |p| p["seq"].as_u64().unwrap());
        let (status, body) = poll(served, session, &from.to_string()).await;
        assert_eq!(status, 200, "{body}");
        got.extend(body["frames"].as_array().unwrap().iter().cloned());
    }
    got
}

/// `POST .../hide` or `.../show` over HTTP, which must succeed.
async fn post_action(served: &Served, session: &str, action: &str) -> Value {
    let url = format!("{}/v1/sessions/{session}/{action}", served.public);
    let response = crate::serve::post_json(url, &json!({})).await;
    assert_eq!(response.status(), 200, "{action}");
    response.json().await.unwrap()
}

/// An event on the timers page by its button's id, with `detail`, which
/// must succeed: the answer.
async fn tap(served: &Served, session: &str, cid: &str, button: &str, detail: Value) -> Value {
    let (status, body) = served
        .event(session, cid, &format!("#{button}"), "tap", detail)
        .await;
    assert_eq!(status, 200, "{button}: {body}");
    body
}

#[tokio::test]
async fn an_interval_ticks_a_served_page_over_the_socket_and_the_long_poll_with_no_client_event() {
    let served = Served::start(&["timers"], &[]);
    let (status, opened) = served.open(TIMERS, "ada").await;
    assert_eq!(
        (status, opened["pushed"].as_u64()),
        (201, Some(0)),
        "{opened}"
    );
    let ada = opened["session"].as_str().unwrap().to_string();
    let url = format!(
        "{}/v1/sessions/{ada}",
        served.public.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    assert_eq!(receive(&mut socket).await["type"], "page");

    // One event over HTTP starts the interval; the ticks come on their own.
    let started = tap(
        &served,
        &ada,
        "s1",
        "start",
        json!({ "ms": 20, "times": 3 }),
    )
    .await;
    assert_eq!(started["pushed"], 0, "{started}");
    let mut seen = Vec::new();
    for seq in 1..=3 {
        let push = receive(&mut socket).await;
        assert_eq!(
            (push["type"].as_str(), push["seq"].as_u64()),
            (Some("push"), Some(seq))
        );
        assert_eq!(push["error"], Value::Null, "{push}");
        seen.extend(ticks(&push["frames"]));
    }
    assert_eq!(seen, ["Ticks: 1", "Ticks: 2", "Ticks: 3"]);

    // The same pushes by long poll, at once.
    let (status, body) = poll(&served, &ada, "0").await;
    assert_eq!((status, body["last"].as_u64()), (200, Some(3)), "{body}");
    let polled: Vec<String> = (body["frames"].as_array().unwrap().iter())
        .flat_map(|push| ticks(&push["frames"]))
        .collect();
    assert_eq!(polled, seen);

    // A poll past the last push waits for the next: a timeout set after it
    // was sent.
    let waiting = poll(&served, &ada, "3");
    let timeout = async {
        tokio::task::yield_now().await;
        tap(&served, &ada, "o1", "once", json!({ "ms": 20 })).await
    };
    let ((status, body), _) = tokio::join!(waiting, timeout);
    assert_eq!(status, 200, "{body}");
    let push = &body["frames"][0];
    assert_eq!(push["seq"], 4, "{body}");
    assert!(
        shown(&push["frames"]).contains(&"Timeout: fired".to_string()),
        "{push}"
    );
    // The socket got it too, after the interval's three.
    assert_eq!(receive(&mut socket).await["seq"], 4);

    // A client that asks for pushes this node never made, or a malformed
    // number, is told so.
    let (status, body) = poll(&served, &ada, "99").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (410, Some("frames-lost")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("up to 4, not 99"), "{message}");
    let (status, body) = poll(&served, &ada, "x").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (400, Some("bad-request")),
        "{body}"
    );
    let delivered = served.metric(COMPLETIONS).await.unwrap_or(0.0);
    assert!(delivered >= 4.0, "{delivered}");
    served.stop();
}

#[tokio::test]
async fn a_hidden_session_gets_nothing_until_shown() {
    let served = Served::start(&["timers"], &[]);
    let ada = served.session(TIMERS, "ada").await;
    let bob = served.session(TIMERS, "bob").await;
    post_action(&served, &ada, "hide").await;
    let hidden = tap(
        &served,
        &ada,
        "s1",
        "start",
        json!({ "ms": 20, "times": 1 }),
    )
    .await;
    assert_eq!(hidden["pushed"], 0, "{hidden}");
    // Bob's interval, of the same period, started after Ada's timeout: his
    // third tick comes after Ada's would have been due twice over, on a
    // machine of any speed.
    tap(
        &served,
        &bob,
        "s1",
        "start",
        json!({ "ms": 20, "times": 3 }),
    )
    .await;
    let bobs = pushes_until(&served, &bob, 0, 3).await;
    assert_eq!(bobs.len(), 3);
    // Ada's timer waits, paused: none pushed, still set.
    let budget = tap(&served, &ada, "b1", "budget", Value::Null).await;
    assert_eq!(budget["pushed"], 0, "{budget}");
    let texts = shown(&budget["frames"]);
    assert!(
        texts.iter().any(|t| t.starts_with("Timers 1/")),
        "{texts:?}"
    );

    // Shown, it ticks.
    let shown_again = post_action(&served, &ada, "show").await;
    assert_eq!(shown_again["pushed"], 0, "{shown_again}");
    let pushed = pushes_until(&served, &ada, 0, 1).await;
    assert_eq!(ticks(&pushed[0]["frames"]), ["Ticks: 1"]);
    served.stop();
}

#[tokio::test]
async fn an_evicted_instance_takes_its_timers_with_it_and_the_next_starts_with_none() {
    let served = Served::start(&["timers"], &["--idle-secs", "1"]);
    let ada = served.session(TIMERS, "ada").await;
    // An interval that does not stop itself for hours (the button's own
    // `data-times` is 5); completions do not keep the session active, so
    // its instance goes idle and is evicted.
    tap(&served, &ada, "s1", "start", forever()).await;
    served
        .until_metric("miniapp_app_sessions_live{app=\"demo.timers\"}", |n| {
            n == 0.0
        })
        .await;
    let evictions = served
        .metric("miniapp_evictions_total{app=\"demo.timers\"}")
        .await;
    assert!(evictions.is_some_and(|n| n >= 1.0), "{evictions:?}");
    assert_the_next_instance_has_no_timers(&served, &ada, "Ticks: 0").await;
    served.stop();
}

/// The session's next event launches its app from `on-launch` (a page
/// showing `launched`), with no timer pending: what it pushes after are
/// its own timeouts, never the old interval's ticks.
async fn assert_the_next_instance_has_no_timers(served: &Served, session: &str, launched: &str) {
    let once = tap(served, session, "o1", "once", json!({ "ms": 20 })).await;
    assert_eq!(once["frames"][0]["type"], "page", "{once}");
    assert!(
        shown(&once["frames"]).contains(&launched.to_string()),
        "{once}"
    );
    let from = once["pushed"].as_u64().unwrap();
    let pushed = pushes_until(served, session, from, from + 1).await;
    assert!(ticks(&pushed[0]["frames"]).is_empty(), "{pushed:?}");
    let fired = shown(&pushed[0]["frames"]);
    assert!(fired.contains(&"Timeout: fired".to_string()), "{fired:?}");
    let budget = tap(served, session, "b1", "budget", Value::Null).await;
    let texts = shown(&budget["frames"]);
    assert!(
        texts.iter().any(|t| t.starts_with("Timers 0/")),
        "{texts:?}"
    );
}

/// Two nodes on one PostgreSQL, and Ada's session on the first with an
/// interval ticking there (two ticks pushed): the nodes, the database
/// (kept while they run) and the session's id.
async fn ticking_on_the_first_of_two_nodes() -> (Postgres, Served, Served, String) {
    let pg = Postgres::start();
    let database = ["--database", pg.url.as_str()];
    let first = Served::start(&["timers"], &[database[0], database[1], "--migrate"]);
    let second = Served::start(&[], &database);
    let ada = first.session(TIMERS, "ada").await;
    tap(&first, &ada, "s1", "start", forever()).await;
    let ticked = pushes_until(&first, &ada, 0, 2).await;
    assert_eq!(ticks(&ticked[1]["frames"]), ["Ticks: 2"]);
    (pg, first, second, ada)
}

#[tokio::test]
async fn a_session_taken_up_by_another_node_starts_there_with_no_timers() {
    let (_pg, first, second, ada) = ticking_on_the_first_of_two_nodes().await;
    // The second node never had the session: the pushes it has are none,
    // and a client polling after the first node's numbers is told to get
    // the page again.
    let (status, body) = poll(&second, &ada, "2").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (410, Some("frames-lost")),
        "{body}"
    );
    assert_the_next_instance_has_no_timers(&second, &ada, "Ticks: 0").await;
    // The first node learns at its interval's next firing that the second
    // applied the session's events: its instance ends there, and the
    // interval with it.
    let live = "miniapp_app_sessions_live{app=\"demo.timers\"}";
    first.until_metric(live, |n| n == 0.0).await;
    first.stop();
    second.stop();
}

#[tokio::test]
async fn a_node_that_takes_a_session_up_with_no_event_ends_the_old_nodes_instance() {
    let (_pg, first, second, ada) = ticking_on_the_first_of_two_nodes().await;
    // A client's socket reaches the second node by the session's id: it
    // launches the app there (a page, no event).
    let url = format!(
        "{}/v1/sessions/{ada}",
        second.public.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    let page = receive(&mut socket).await;
    assert!(
        ticks(&json!([page])).contains(&"Ticks: 0".to_string()),
        "{page}"
    );
    // The first node learns at its interval's next firing that the second
    // took the session up, and its instance ends there.
    let live = "miniapp_app_sessions_live{app=\"demo.timers\"}";
    first.until_metric(live, |n| n == 0.0).await;
    first.stop();
    second.stop();
}

/// A client's picture of the page: the text of each text node by id,
/// from a `page` and the ops that follow it, applied in the order they
/// come; an op on a node the page does not have fails.
#[derive(Default)]
struct Painted(std::collections::HashMap<u64, String>);

impl Painted {
    fn take(&mut self, nodes: &Value) {
        for node in nodes.as_array().into_iter().flatten() {
            if let (Some(id), Some(text)) = (node["id"].as_u64(), node["text"].as_str()) {
                self.0.insert(id, text.to_string());
            }
            self.take(&node["children"]);
        }
    }

    fn apply(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("page") => {
                self.0.clear();
                self.take(&frame["nodes"]);
            }
            Some("ops") => {
                for op in frame["ops"].as_array().into_iter().flatten() {
                    match op["op"].as_str() {
                        Some("set-text") => {
                            let id = op["id"].as_u64().unwrap();
                            let text = op["text"].as_str().unwrap();
                            // An op patches the page it was made for: the
                            // node is there, and the ticks' text is the
                            // ticks' node.
                            let old = self.0.get(&id);
                            let Some(old) = old else {
                                panic!("{op} on a node not on the painted page: out of order")
                            };
                            let ticks = |t: &str| t.starts_with("Ticks:");
                            assert_eq!(ticks(old), ticks(text), "{op} on {old:?}: out of order");
                            self.0.insert(id, text.into());
                        }
                        Some("insert") => self.take(&json!([op["node"]])),
                        _ => {}
                    }
                }
            }
            Some("push") => {
                (frame["frames"].as_array().into_iter().flatten()).for_each(|f| self.apply(f))
            }
            _ => {}
        }
    }

    fn texts(&self) -> std::collections::BTreeSet<String> {
        self.0.values().cloned().collect()
    }
}

#[tokio::test]
async fn a_socket_gets_pushes_and_its_events_frames_in_the_order_the_view_changed() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let served = Served::start(&["timers"], &[]);
    let ada = served.session(TIMERS, "ada").await;
    let url = format!(
        "{}/v1/sessions/{ada}",
        served.public.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    let mut painted = Painted::default();
    painted.apply(&receive(&mut socket).await);
    // Ticks change the index page while the socket's own events go to the
    // detail page and back (a whole page each time): a tick's ops sent
    // after the page they do not belong to would paint a stale text.
    let send = async |socket: &mut crate::serve::Socket, frame: Value| {
        let text = Message::Text(frame.to_string().into());
        socket.send(text).await.unwrap();
    };
    let start = json!({ "type": "event", "id": 1, "cid": "s1", "selector": "#start",
        "kind": "tap", "detail": { "ms": 5, "times": 60 } });
    send(&mut socket, start).await;
    for n in 1..=25 {
        for (i, button) in [(2 * n, "#open-detail"), (2 * n + 1, "#back")] {
            let tap = json!({ "type": "event", "id": i, "cid": format!("e{i}"),
                "selector": button, "kind": "tap" });
            send(&mut socket, tap).await;
        }
    }
    let mut results = 0;
    while results < 51 {
        let frame = receive(&mut socket).await;
        if frame["type"] == "result" {
            assert_eq!(frame["ok"], true, "{frame}");
            results += 1;
        }
        painted.apply(&frame);
    }
    // The page the client painted is the page the host holds.
    send(&mut socket, json!({ "type": "refresh" })).await;
    let page = loop {
        let frame = receive(&mut socket).await;
        if frame["type"] == "page" {
            break frame;
        }
        painted.apply(&frame);
    };
    let mut fresh = Painted::default();
    fresh.apply(&page);
    assert_eq!(painted.texts(), fresh.texts());
    assert!(
        painted.texts().iter().any(|t| t.starts_with("Ticks:")),
        "{:?}",
        painted.texts()
    );
    served.stop();
}
