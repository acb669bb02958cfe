//! `miniapp serve` and the sockets of an instance that ends: the chat
//! example's sockets are kept with its session (url and tag), so the
//! session's next instance, on this node after an eviction or on another
//! node after the session moved there (two nodes on PostgreSQL), is told
//! after its launch that each closed (1001, and why) and joins its rooms
//! again, with no client event.

use serde_json::{Value, json};

use crate::cluster::Postgres;
use crate::serve::{HANG, Served, post_json};
use crate::serve_chat::{chat_policy, chat_server, in_lobby, serve_chat};
use crate::serve_timers::{poll, shown};

const LIVE: &str = "miniapp_app_sessions_live{app=\"demo.chat\"}";

/// Ada's chat session in the lobby of `origin`, with the room `news`
/// joined too: its id.
async fn in_lobby_and_news(served: &Served, origin: &str) -> String {
    let session = in_lobby(served, origin).await;
    let detail = json!({ "value": "news" });
    let (status, answer) = served
        .event(&session, "j1", "#room", "confirm", detail)
        .await;
    assert_eq!(status, 200, "{answer}");
    let texts = shown(&answer["frames"]);
    assert!(
        texts.iter().any(|t| t.contains("Also in: news")),
        "{texts:?}"
    );
    session
}

/// Poll `session`'s pushes after `after` until they show `text`: every
/// text they showed, and the `host-ui` frames they carried (a client
/// without a socket gets them there).
async fn shown_until(
    served: &Served,
    session: &str,
    after: u64,
    text: &str,
) -> (Vec<String>, Vec<Value>) {
    let mut seen = Vec::new();
    let mut drawn = Vec::new();
    let mut from = after;
    let deadline = std::time::Instant::now() + HANG;
    while !seen.iter().any(|t: &String| t.contains(text)) {
        assert!(
            std::time::Instant::now() < deadline,
            "`{text}` never shown: {seen:?}"
        );
        let (status, body) = poll(served, session, &from.to_string()).await;
        assert_eq!(status, 200, "{body}");
        for push in body["frames"].as_array().into_iter().flatten() {
            from = push["seq"].as_u64().unwrap();
            seen.extend(shown(&push["frames"]));
            let frames = push["frames"].as_array().into_iter().flatten();
            drawn.extend(frames.filter(|f| f["type"] == "host-ui").cloned());
        }
    }
    (seen, drawn)
}

/// The session's next action (`show`) launches its next instance: the
/// push count it was answered at.
async fn next_action(served: &Served, session: &str) -> u64 {
    let url = format!("{}/v1/sessions/{session}/show", served.public);
    let response = post_json(url, &json!({})).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["frames"][0]["type"], "page", "launched: {answer}");
    answer["pushed"].as_u64().unwrap()
}

#[tokio::test]
async fn an_evicted_chat_is_told_its_sockets_closed_and_joins_its_room_again() {
    let origin = chat_server().await;
    let dir = tempfile::tempdir().unwrap();
    let served = serve_chat(&origin, dir.path(), &["--idle-secs", "1"]);
    let ada = in_lobby_and_news(&served, &origin).await;
    served.until_metric(LIVE, |n| n == 0.0).await;
    let pushed = next_action(&served, &ada).await;
    // One completion per socket (the lobby's, then the room joined
    // besides, joined again).
    let (seen, drawn) = shown_until(&served, &ada, pushed, "Also in: news").await;
    let told = "Reconnected after: 1001 the app's instance was ended by the host";
    assert!(seen.iter().any(|t| t.contains(told)), "{seen:?}");
    // The toast the app showed in that completion reaches this client,
    // which has no socket, in the push.
    let toast = json!({ "type": "host-ui", "ui": "toast", "title": "Reconnected",
        "icon": "success", "duration_ms": 1500, "mask": false });
    assert_eq!(drawn, [toast]);
    served.stop();
}

#[tokio::test]
async fn a_chat_taken_up_by_another_node_is_told_there_its_sockets_closed() {
    let origin = chat_server().await;
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let database = ["--database", pg.url.as_str()];
    let first = serve_chat(
        &origin,
        dir.path(),
        &[database[0], database[1], "--migrate"],
    );
    let second = Served::start_with_policy(&chat_policy(&origin), &[], &database);
    let ada = in_lobby_and_news(&first, &origin).await;
    // The session's next event reaches the second node (the balancer's
    // choice, or the first node died): it knows the sockets from the
    // session's committed state alone.
    let pushed = next_action(&second, &ada).await;
    // One completion per socket (the lobby's, then the room joined
    // besides, joined again).
    let (seen, _) = shown_until(&second, &ada, pushed, "Also in: news").await;
    let told = "Reconnected after: 1001 the session moved to another node";
    assert!(seen.iter().any(|t| t.contains(told)), "{seen:?}");
    first.stop();
    second.stop();
}
