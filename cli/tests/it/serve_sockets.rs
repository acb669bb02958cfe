//! `miniapp serve`'s sockets (and the simulator's) and clients that stop
//! reading: what a socket has queued out is bounded in bytes, and a client
//! that does not read is dropped (its session stays).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::serve::{HANG, Served, receive};

/// Items of the todo list, and the length of each title: a page of about
/// 900 KB (under the default 1 MiB storage value and 4 MiB of page data).
const ITEMS: usize = 15;
const TITLE: usize = 60_000;

const NOT_READING: &str = "miniapp_refusals_total{app=\"demo.todo\",reason=\"not-reading\"}";
const RESIDENT: &str = "miniapp_process_resident_bytes";

fn socket_url(served: &Served, session: &str) -> String {
    let public = served.public.replace("http://", "ws://");
    format!("{public}/v1/sessions/{session}")
}

const MIB: f64 = 1024.0 * 1024.0;

/// A figure of the run, on stderr (shown with `--nocapture`).
#[allow(
    clippy::disallowed_macros,
    reason = "the test's own figures, no app text"
)]
fn report(line: &str) {
    eprintln!("{line}");
}

#[tokio::test]
async fn a_socket_that_never_reads_is_dropped_past_its_bound_and_its_session_reconnects() {
    let served = Served::start(&["todo"], &[]);
    let ada = served.session("demo.todo", "ada").await;
    for i in 0..ITEMS {
        let title = format!("{i:02}{}", "x".repeat(TITLE));
        let (status, body) = served.add_todo(&ada, &format!("add-{i}"), &title).await;
        assert_eq!(status, 200, "add {i}: {body}");
    }
    let before = served.metric(RESIDENT).await.unwrap_or(0.0);

    // A client that asks for the whole page 40 times a second (under the
    // limit of 50) and never reads what it is sent.
    let (socket, _) = tokio_tungstenite::connect_async(socket_url(&served, &ada))
        .await
        .unwrap();
    let (mut sink, mut stream) = socket.split();
    let refresh = Message::Text(json!({ "type": "refresh" }).to_string().into());
    let deadline = Instant::now() + 2 * HANG;
    let mut peak = before;
    let mut sent = 0;
    loop {
        if sent % 5 == 0 {
            let resident = served.metric(RESIDENT).await.unwrap_or(0.0);
            peak = peak.max(resident);
            if served.metric(NOT_READING).await.unwrap_or(0.0) >= 1.0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a client that never read {sent} pages of ~{} KB was never dropped; \
                 the server grew from {:.1} to {:.1} MiB",
                ITEMS * TITLE / 1000,
                before / MIB,
                resident / MIB,
            );
        }
        if sink.send(refresh.clone()).await.is_err() {
            // The server closed the connection: the metric follows.
            tokio::time::sleep(Duration::from_millis(100)).await;
            sent = 0;
            continue;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    report(&format!(
        "a socket that never read: the server grew from {:.1} to at most {:.1} MiB ({sent} refreshes sent)",
        before / MIB,
        peak / MIB
    ));

    // The connection ends: after what was in flight, a 1008 close saying
    // why, or the connection closed under it.
    ends_as_not_reading(&mut stream, "the server").await;

    // The session stays: a socket that reads gets hello and its page, with
    // every item.
    let (mut socket, _) = tokio_tungstenite::connect_async(socket_url(&served, &ada))
        .await
        .unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    let page = receive(&mut socket).await;
    assert_eq!(page["type"], "page");
    let text = page.to_string();
    assert!(
        text.contains(&format!("{:02}xxx", ITEMS - 1)),
        "the last item"
    );

    // And the server serves other sessions.
    let bob = served.session("demo.todo", "bob").await;
    let (status, body) = served.add_todo(&bob, "b1", "milk").await;
    assert_eq!(status, 200, "{body}");
    let after = served.metric(RESIDENT).await.unwrap_or(0.0);
    report(&format!("after the drop: {:.1} MiB", after / MIB));
}

#[tokio::test]
async fn the_simulator_drops_a_page_that_never_reads() {
    let sim = crate::dev::Simulator::example("todo");
    for i in 0..ITEMS {
        let title = format!("{i:02}{}", "x".repeat(TITLE));
        let answer = sim
            .dispatch("#new", "confirm", json!({ "value": title }))
            .await;
        assert_eq!(answer["ok"], true, "add {i}: {answer}");
    }
    let url = format!(
        "{}/ws?token={}",
        sim.base.replacen("http", "ws", 1),
        sim.token
    );
    let mut request = url.into_client_request().unwrap();
    let origin = sim.base.parse().unwrap();
    request.headers_mut().insert("origin", origin);
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let (mut sink, mut stream) = socket.split();
    // Each refresh sends the page and its data (~900 KB each): 100 of them
    // are far past what a page that does not read may have waiting.
    let refresh = Message::Text(json!({ "type": "refresh" }).to_string().into());
    for _ in 0..100 {
        if sink.send(refresh.clone()).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Then the page reads: what was in flight, then the end of the
    // connection (before, it stayed open with the frames it had missed).
    ends_as_not_reading(&mut stream, "the simulator").await;
    // The session goes on.
    assert!(
        sim.state().await.to_string().contains("14xxx"),
        "the items stay"
    );
}

/// Read what was in flight until the connection ends: by a 1008 close
/// saying the client was not reading, or closed under it; `who` never
/// closing it within [`HANG`] fails.
async fn ends_as_not_reading<S>(stream: &mut S, who: &str)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut close = None;
    loop {
        match tokio::time::timeout(HANG, stream.next()).await {
            Err(_) => panic!("{who} never closed the socket of a client not reading"),
            Ok(Some(Ok(Message::Close(frame)))) => {
                close = frame;
                break;
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => break,
        }
    }
    if let Some(close) = close {
        assert_eq!(close.code, CloseCode::Policy, "{close:?}");
        assert!(close.reason.contains("client not reading"), "{close:?}");
    }
}
