//! `miniapp serve` and an app's own WebSocket (the chat example): a message
//! the app's server sends reaches the served page as a push, with no client
//! event; a message the user sends goes out and its echo comes back the
//! same way.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, post_json, receive, texts};

/// A chat server on 127.0.0.1: says `welcome` to each client, then echoes
/// each text as `echo: TEXT`. Its origin.
pub(crate) async fn chat_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                if socket.send(Message::text("welcome")).await.is_err() {
                    return;
                }
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    let echo = Message::text(format!("echo: {}", text.as_str()));
                    if socket.send(echo).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    origin
}

/// The texts of the pushes on `socket` until one shows `text`.
async fn pushed_until(socket: &mut Socket, text: &str) -> Vec<String> {
    let mut shown = Vec::new();
    while !shown.iter().any(|t| t == text) {
        let frame = receive(socket).await;
        if frame["type"] != "push" {
            continue;
        }
        assert_eq!(frame["error"], Value::Null, "{frame}");
        for frame in frame["frames"].as_array().into_iter().flatten() {
            shown.extend(texts(&frame["nodes"]));
            for op in frame["ops"].as_array().into_iter().flatten() {
                if let Some(text) = op["text"].as_str() {
                    shown.push(text.to_string());
                }
                shown.extend(texts(&json!([op["node"]])));
            }
        }
    }
    shown
}

/// The operator's policy letting the chat reach `origin`.
pub(crate) fn chat_policy(origin: &str) -> String {
    format!(
        "[apps.\"demo.chat\"]\npermissions = [\"socket\"]\norigins = [\"{origin}\"]\nallow_addresses = [\"127.0.0.1\"]\n"
    )
}

/// The chat, declaring `origin`, published and served with `args` (its
/// package written under `dir`).
pub(crate) fn serve_chat(origin: &str, dir: &std::path::Path, args: &[&str]) -> Served {
    let chat = crate::cli::declaring("chat", origin, dir);
    let mut args = args.to_vec();
    args.extend(["--publish", &chat]);
    Served::start_with_policy(&chat_policy(origin), &[], &args)
}

/// Ada's chat session in the lobby of `origin` (reconnecting a minute
/// after a drop): its id.
pub(crate) async fn in_lobby(served: &Served, origin: &str) -> String {
    let open = json!({
        "app": "demo.chat",
        "user": "ada",
        "path": format!("index?server={origin}&room=lobby&retry_ms=60000"),
    });
    let response = post_json(format!("{}/v1/sessions", served.public), &open).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["session"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_served_chat_shows_its_servers_messages_with_no_client_event() {
    let origin = chat_server().await;
    let dir = tempfile::tempdir().unwrap();
    let served = serve_chat(&origin, dir.path(), &[]);
    let session = in_lobby(&served, &origin).await;
    // The socket opens and the server's welcome arrives, with no event: in
    // the page the client's socket starts from if it came first (the
    // driver may deliver it before the client connects), else pushed.
    let public = served.public.replace("http://", "ws://");
    let url = format!("{public}/v1/sessions/{session}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    let page = receive(&mut socket).await;
    assert_eq!(page["type"], "page");
    if !texts(&page["nodes"]).iter().any(|t| t == "welcome") {
        pushed_until(&mut socket, "welcome").await;
    }

    let (status, answer) = served
        .event(
            &session,
            "s1",
            "#draft",
            "confirm",
            json!({ "value": "hi" }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    pushed_until(&mut socket, "echo: hi").await;
}
