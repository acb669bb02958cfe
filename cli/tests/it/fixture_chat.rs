//! `miniapp fixture chat`, the chat example's room server, run as a user
//! runs it and spoken to with plain WebSockets: its welcome and join
//! notices, a message relayed to the whole room, typing notices to the
//! others only, its limits (message size, clients per room, room names),
//! `--drop-after` and a clean close on SIGTERM.

use std::process::{Child, Command, ExitStatus};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::HANG;

/// A running `miniapp fixture chat`, killed when dropped.
pub(crate) struct ChatFixture {
    child: Option<Child>,
    /// `ws://127.0.0.1:PORT`.
    pub(crate) origin: String,
}

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl ChatFixture {
    /// `miniapp fixture chat` on a free loopback port, with `args`.
    pub(crate) fn start(args: &[&str]) -> ChatFixture {
        let (child, line) =
            crate::cli::fixture(&[&["chat", "--listen", "127.0.0.1:0"], args].concat());
        let origin = (line.as_str())
            .strip_prefix("miniapp fixture chat: rooms at ")
            .and_then(|rooms| rooms.strip_suffix("/room/NAME"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        ChatFixture {
            child: Some(child),
            origin,
        }
    }

    /// A client in `room`.
    pub(crate) async fn join(&self, room: &str) -> Client {
        let url = format!("{}/room/{room}", self.origin);
        tokio_tungstenite::connect_async(url).await.unwrap().0
    }

    /// SIGTERM, and the exit status.
    fn stop(mut self) -> ExitStatus {
        let child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(kill.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        child.wait_with_output().unwrap().status
    }
}

impl Drop for ChatFixture {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The next message `client` gets: a text, or `close CODE REASON`.
async fn next(client: &mut Client) -> String {
    let message = tokio::time::timeout(HANG, client.next()).await;
    match message.expect("a message in time") {
        Some(Ok(Message::Text(text))) => text.to_string(),
        Some(Ok(Message::Close(Some(frame)))) => {
            format!("close {} {}", u16::from(frame.code), frame.reason)
        }
        other => panic!("not a text or a close: {other:?}"),
    }
}

#[tokio::test]
async fn a_room_hears_each_message_and_the_others_hear_typing() {
    let fixture = ChatFixture::start(&[]);
    let mut ada = fixture.join("lobby").await;
    assert_eq!(
        next(&mut ada).await,
        "welcome to lobby, you are guest-1 (1 here)"
    );
    let mut bo = fixture.join("lobby").await;
    assert_eq!(
        next(&mut bo).await,
        "welcome to lobby, you are guest-2 (2 here)"
    );
    assert_eq!(next(&mut ada).await, "guest-2 joined");
    // Another room hears nothing of the lobby.
    let mut cy = fixture.join("kitchen").await;
    assert_eq!(
        next(&mut cy).await,
        "welcome to kitchen, you are guest-1 (1 here)"
    );

    // bo's typing notice reaches ada, and not bo: the next bo hears is
    // ada's message, which reaches her too.
    bo.send(Message::text("typing:me")).await.unwrap();
    assert_eq!(next(&mut ada).await, "typing:guest-2");
    ada.send(Message::text("hello")).await.unwrap();
    assert_eq!(next(&mut bo).await, "guest-1: hello");
    assert_eq!(next(&mut ada).await, "guest-1: hello");

    drop(ada);
    assert_eq!(next(&mut bo).await, "guest-1 left");
    cy.send(Message::text("anyone?")).await.unwrap();
    assert_eq!(next(&mut cy).await, "guest-1: anyone?");
}

#[tokio::test]
async fn a_message_over_the_limit_and_a_binary_one_close_their_socket_by_name() {
    let fixture = ChatFixture::start(&["--max-message-bytes", "10"]);
    let mut ada = fixture.join("lobby").await;
    next(&mut ada).await;
    ada.send(Message::text("0123456789")).await.unwrap();
    assert_eq!(next(&mut ada).await, "guest-1: 0123456789");
    ada.send(Message::text("0123456789A")).await.unwrap();
    assert_eq!(
        next(&mut ada).await,
        "close 1009 a message is at most 10 bytes (this one 11)"
    );

    let mut bo = fixture.join("lobby").await;
    next(&mut bo).await;
    bo.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(
        next(&mut bo).await,
        "close 1003 this room carries text messages only"
    );
}

#[tokio::test]
async fn a_full_room_and_a_bad_room_name_are_refused_with_why() {
    let fixture = ChatFixture::start(&["--max-clients-per-room", "2"]);
    let _ada = fixture.join("lobby").await;
    let _bo = fixture.join("lobby").await;
    let refused = |url: String| async move {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let body = response.body().clone().unwrap_or_default();
                (response.status().as_u16(), String::from_utf8(body).unwrap())
            }
            other => panic!("not refused: {:?}", other.map(|_| ())),
        }
    };
    let full = refused(format!("{}/room/lobby", fixture.origin)).await;
    assert_eq!(full, (503, "room lobby is full (2 clients)".to_string()));
    let lost = refused(format!("{}/chat", fixture.origin)).await;
    assert_eq!(
        lost,
        (404, "no room at /chat: rooms are at /room/NAME".to_string())
    );
    let (status, why) = refused(format!("{}/room/a%20b", fixture.origin)).await;
    assert_eq!(status, 404);
    assert!(why.contains("letters, digits"), "{why}");
    // A room other than the full one still opens.
    let mut cy = fixture.join("kitchen").await;
    assert_eq!(
        next(&mut cy).await,
        "welcome to kitchen, you are guest-1 (1 here)"
    );
}

#[tokio::test]
async fn drop_after_closes_the_room_and_its_clients_can_come_back() {
    let fixture = ChatFixture::start(&["--drop-after", "2"]);
    let mut ada = fixture.join("lobby").await;
    let mut bo = fixture.join("lobby").await;
    for text in ["one", "two"] {
        ada.send(Message::text(text)).await.unwrap();
    }
    let dropped = "close 1012 dropped after 2 messages (--drop-after)";
    let mut heard = Vec::new();
    while heard.last().map(String::as_str) != Some(dropped) {
        heard.push(next(&mut bo).await);
    }
    let welcome = "welcome to lobby, you are guest-2 (2 here)";
    assert_eq!(heard, [welcome, "guest-1: one", "guest-1: two", dropped]);
    assert_eq!(
        next(&mut ada).await,
        "welcome to lobby, you are guest-1 (1 here)"
    );
    assert_eq!(next(&mut ada).await, "guest-2 joined");
    let mut again = fixture.join("lobby").await;
    let welcome = next(&mut again).await;
    assert!(
        welcome.starts_with("welcome to lobby, you are guest-"),
        "{welcome}"
    );
}

#[tokio::test]
async fn sigterm_closes_every_client_with_1001_and_exits_0() {
    let fixture = ChatFixture::start(&[]);
    let mut ada = fixture.join("lobby").await;
    next(&mut ada).await;
    let status = fixture.stop();
    assert!(status.success(), "{status}");
    assert_eq!(
        next(&mut ada).await,
        "close 1001 the chat fixture is shutting down"
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped_and_the_room_told() {
    let fixture = ChatFixture::start(&[]);
    // ada never reads: once the socket's buffers and her queue of 256 are
    // full, the fixture drops her rather than hold more for her.
    let _ada = fixture.join("lobby").await;
    let mut bo = fixture.join("lobby").await;
    let text = "x".repeat(4_000);
    let echo = format!("guest-2: {text}");
    // bo says something and hears it back before the next, so his own
    // queue never fills; up to 100 MB, far past what any socket buffers.
    let told = tokio::time::timeout(HANG, async {
        for _ in 0..25_000 {
            bo.send(Message::text(text.clone())).await.unwrap();
            loop {
                let heard = next(&mut bo).await;
                if heard.starts_with("guest-1 left") {
                    return heard;
                }
                if heard == echo {
                    break;
                }
            }
        }
        panic!("ada was never dropped");
    });
    assert_eq!(
        told.await.expect("ada dropped in time"),
        "guest-1 left (too slow: 256 messages were waiting)"
    );
}
