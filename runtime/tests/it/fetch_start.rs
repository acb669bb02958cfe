//! Requests that do not hold the callback (`http.fetch-start`) with a real
//! guest (the news example's `index:fetch-both`, `index:fetch`,
//! `index:abort`, `index:tap` and `article:fetch`) against a loopback fixture: two requests the
//! fixture answers only once both have arrived both complete, with a tap
//! handled while they wait; a refused origin is refused at once; a request
//! past its time fails with the timeout; a response body is held in host
//! memory only until its completion takes it; a page that leaves aborts its
//! request, and so does an aborted one.

use std::sync::Arc;

use miniapp_runtime::{App, AppInstance, LaunchOptions, Providers};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, Notify, mpsc};

use crate::common::{runtime, told_page_unloaded};
use crate::http::{allowed_and_granted, news_declaring};
use crate::pending::{HANG, deliver_until, dispatch};

/// What the fixture saw of a request, by its path.
#[derive(Debug, PartialEq)]
enum Seen {
    /// The request arrived.
    Arrived(String),
    /// The client went away from a request the fixture never answers.
    Closed(String),
}

/// A loopback HTTP server: `/both/NAME` answers `NAME` once two `/both/`
/// requests have arrived (neither before), and `/both/late-NAME` only
/// after that when the test [releases](Fixture::release) it; `/hold/NAME`
/// never answers, `/bytes/N` answers N bytes, anything else 404. It
/// reports what it sees.
struct Fixture {
    origin: String,
    seen: mpsc::UnboundedReceiver<Seen>,
    late: Arc<Notify>,
}

impl Fixture {
    async fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (report, seen) = mpsc::unbounded_channel();
        let gates = Gates {
            both: Arc::new(Barrier::new(2)),
            late: Arc::default(),
        };
        let late = gates.late.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(socket, gates.clone(), report.clone()));
            }
        });
        Fixture { origin, seen, late }
    }

    /// Let the `late-` request answer.
    fn release(&self) {
        self.late.notify_one();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Wait (within the hang guard) until the fixture sees `what`.
    async fn saw(&mut self, what: Seen) {
        let wait = async {
            while let Some(seen) = self.seen.recv().await {
                if seen == what {
                    return;
                }
            }
            panic!("the fixture stopped before it saw {what:?}");
        };
        (tokio::time::timeout(HANG, wait).await)
            .unwrap_or_else(|_| panic!("the fixture never saw {what:?}"));
    }
}

/// What `/both/` requests wait for.
#[derive(Clone)]
struct Gates {
    both: Arc<Barrier>,
    late: Arc<Notify>,
}

async fn answer(mut socket: TcpStream, gates: Gates, report: mpsc::UnboundedSender<Seen>) {
    let Some(path) = request_path(&mut socket).await else {
        return;
    };
    let _ = report.send(Seen::Arrived(path.clone()));
    let (status, body) = if let Some(name) = path.strip_prefix("/both/") {
        gates.both.wait().await;
        if name.starts_with("late-") {
            gates.late.notified().await;
        }
        ("200 OK", name.to_string())
    } else if path.starts_with("/hold/") {
        // Read until the client goes: it ends the request, not the fixture.
        let mut rest = [0u8; 1024];
        while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
        let _ = report.send(Seen::Closed(path));
        return;
    } else if let Some(n) = path.strip_prefix("/bytes/") {
        ("200 OK", "x".repeat(n.parse().unwrap()))
    } else {
        ("404 Not Found", String::new())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
}

/// The path of the request on `socket`, once its head has arrived.
async fn request_path(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    head.split_whitespace().nth(1).map(str::to_string)
}

/// The app's pending calls, completions delivered and calls cancelled.
fn calls(app: &App) -> (u64, u64, u64) {
    let usage = app.usage().unwrap();
    (
        usage.pending_calls,
        usage.completions,
        usage.calls_cancelled,
    )
}

/// The news example reaching `fixture` (its API there), launched, with its
/// loaded app (for the usage figures); the data directory lives as long as
/// the guard.
async fn news(fixture: &Fixture) -> (tempfile::TempDir, App, AppInstance) {
    let package = news_declaring(&fixture.origin);
    let policy = allowed_and_granted(&package);
    let dir = tempfile::tempdir().unwrap();
    let app = (runtime(dir.path(), policy, Providers::default()).load(package)).unwrap();
    let launch = LaunchOptions {
        path: Some(format!("index?api={}", fixture.origin)),
        ..LaunchOptions::default()
    };
    let inst = app.launch(launch).await.unwrap();
    (dir, app, inst)
}

#[tokio::test]
async fn two_requests_answered_only_together_both_complete_while_a_tap_is_handled() {
    let fixture = Fixture::start().await;
    let (_dir, app, mut inst) = news(&fixture).await;
    let urls = [fixture.url("/both/late-first"), fixture.url("/both/second")];
    // Were either request to hold the callback, the fixture would never
    // answer it (it waits for the other) and this would hang.
    dispatch(&mut inst, "index", "fetch-both", json!({ "urls": urls })).await;
    dispatch(&mut inst, "index", "tap", json!({})).await;
    assert_eq!(inst.page_data()["tapped"], true, "the tap is handled");
    assert_eq!(
        inst.page_data()["both"],
        Value::Null,
        "nothing delivered yet"
    );
    // The second answers first: its response is taken in its own
    // completion, while the guest still awaits the first.
    let second = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(second.is_ok(), "the second response never came");
    inst.complete_next()
        .await
        .expect("the second is due")
        .unwrap();
    assert_eq!(
        inst.page_data()["both"],
        Value::Null,
        "the first is awaited"
    );
    fixture.release();
    let delivered = deliver_until(&mut inst, |data| data["both"].is_array()).await;
    assert_eq!(inst.page_data()["both"], json!(["late-first", "second"]));
    assert_eq!(delivered, 1, "one completion per request");
    assert_eq!(calls(&app), (0, 2, 0), "pending, completions, cancelled");
}

#[tokio::test]
async fn a_request_to_a_refused_origin_is_refused_at_once_and_audited() {
    let fixture = Fixture::start().await;
    let (_dir, _app, mut inst) = news(&fixture).await;
    let before = inst.refusals();
    // The first is sent; the second is refused, and the handler drops both.
    let urls = [
        fixture.url("/hold/sent"),
        "https://elsewhere.example/".into(),
    ];
    dispatch(&mut inst, "index", "fetch-both", json!({ "urls": urls })).await;
    let data = inst.page_data().clone();
    assert_eq!(data["error_kind"], "permission-denied", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("origin https://elsewhere.example:443 is not allowed for app `demo.news`"),
        "{error}"
    );
    assert_eq!(inst.refusals().since(before).denied, 1);
    assert!(inst.complete_next().await.is_none(), "nothing to deliver");
    // The callbacks' form: `fail` and `complete` run in the same callback.
    let url = "https://elsewhere.example/callbacks";
    dispatch(&mut inst, "index", "fetch", json!({ "url": url })).await;
    assert_eq!(inst.page_data()["fetch_complete"], true);
    assert_eq!(inst.page_data()["error_kind"], "permission-denied");
    assert_eq!(inst.refusals().since(before).denied, 2);
}

#[tokio::test]
async fn a_request_never_answered_fails_with_its_timeout() {
    let mut fixture = Fixture::start().await;
    let (_dir, _app, mut inst) = news(&fixture).await;
    let url = fixture.url("/hold/slow");
    dispatch(
        &mut inst,
        "index",
        "fetch",
        json!({ "url": url, "timeout_ms": 50 }),
    )
    .await;
    assert_eq!(inst.page_data()["fetch_complete"], false);
    deliver_until(&mut inst, |data| data["fetch_complete"] == true).await;
    let data = inst.page_data().clone();
    assert_eq!(data["error_kind"], "failed", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains(&format!(
            "request to {} timed out after 50 ms",
            fixture.origin
        )),
        "{error}"
    );
    fixture.saw(Seen::Closed("/hold/slow".into())).await;
}

#[tokio::test]
async fn a_response_body_is_held_in_host_memory_only_until_taken() {
    const BODY: u64 = 256 * 1024;
    let fixture = Fixture::start().await;
    let (_dir, _app, mut inst) = news(&fixture).await;
    let (before, _) = inst.host_memory();
    let url = fixture.url(&format!("/bytes/{BODY}"));
    dispatch(&mut inst, "index", "fetch", json!({ "url": url })).await;
    // The host task has the whole body once it finishes.
    let arrived = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(arrived.is_ok(), "the response never came");
    let (held, _) = inst.host_memory();
    assert!(held >= before + BODY, "held {held}, before {before}");
    let delivered = inst.complete_next().await.expect("the response is due");
    delivered.unwrap();
    assert_eq!(
        inst.page_data()["fetched"],
        json!({ "status": 200, "bytes": BODY })
    );
    // What stays is the page's new data, not the body.
    let (after, _) = inst.host_memory();
    assert!(after < before + 1024, "after {after}, before {before}");
}

#[tokio::test]
async fn a_page_that_leaves_aborts_its_request_and_the_guest_gets_cancelled() {
    let mut fixture = Fixture::start().await;
    let (_dir, app, mut inst) = news(&fixture).await;
    dispatch(&mut inst, "index", "open", json!({ "id": 2 })).await;
    assert_eq!(inst.pages().last().unwrap().route, "article");
    let url = fixture.url("/hold/article");
    dispatch(&mut inst, "article", "fetch", json!({ "url": url })).await;
    fixture.saw(Seen::Arrived("/hold/article".into())).await;
    dispatch(&mut inst, "article", "back", json!({})).await;
    fixture.saw(Seen::Closed("/hold/article".into())).await;
    told_page_unloaded(&mut inst, "article fetch").await;
    assert_eq!(calls(&app), (0, 0, 1), "pending, completions, cancelled");
}

#[tokio::test]
async fn an_aborted_request_ends_on_the_host_and_calls_none_of_its_callbacks() {
    let mut fixture = Fixture::start().await;
    let (_dir, app, mut inst) = news(&fixture).await;
    let url = fixture.url("/hold/aborted");
    dispatch(&mut inst, "index", "fetch", json!({ "url": url })).await;
    fixture.saw(Seen::Arrived("/hold/aborted".into())).await;
    dispatch(&mut inst, "index", "abort", json!({})).await;
    fixture.saw(Seen::Closed("/hold/aborted".into())).await;
    assert!(inst.complete_next().await.is_none(), "nothing to deliver");
    let data = inst.page_data();
    assert_eq!(
        (&data["aborted"], &data["fetch_complete"], &data["fetched"]),
        (&json!(true), &json!(false), &Value::Null),
        "{data}"
    );
    assert_eq!(calls(&app), (0, 0, 0), "pending, completions, cancelled");
}
