//! WebSockets (`socket`) with a real guest, the chat example, against a
//! loopback WebSocket fixture: the socket opens, a message the server sends
//! arrives with no client event, a sent message is echoed, a typing
//! indicator shows and a timer clears it; when the server drops the socket
//! the app sees `closed` and reconnects on a timer; the app's own close
//! reaches the server with its code and ends the call; a socket ends with
//! its instance (the server sees the connection go); sockets past the
//! quota are refused by name; an undeclared origin is refused and audited;
//! a server's flood is bounded: the host closes the socket (1008) and
//! holds no more than the bound.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use miniapp_runtime::audit::{AuditEvent, MemoryAudit};
use miniapp_runtime::{AppInstance, LaunchOptions, Providers, QuotaOverrides, Runtime};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::example;
use crate::http::{allowed_and_granted, declaring};
use crate::pending::{HANG, deliver_until, dispatch};

/// Messages the fixture's `flood` room sends, far past what a socket holds.
const FLOOD: usize = 5_000;
/// Bytes of the message the `big` room sends after its welcome.
const BIG: usize = 4_096;

/// What the fixture saw.
#[derive(Debug, PartialEq)]
pub(crate) enum Seen {
    /// A client joined room NAME.
    Joined(String),
    /// A client sent this text.
    Text(String),
    /// A client closed with this code and reason.
    Closed(u16, String),
    /// A client's connection ended without a close frame.
    Gone,
    /// The flood room sent this many messages before its client closed.
    Flooded(usize),
}

/// A WebSocket server on 127.0.0.1: `/room/NAME` says `welcome to NAME`
/// at once, echoes `TEXT` as `echo: TEXT`, answers `typing:me` with
/// `typing:bot`, and closes with 4001 when the test [drops](Fixture::drop_all)
/// its clients; `/room/big` sends a [`BIG`]-byte message after its welcome;
/// `/room/flood` sends [`FLOOD`] messages without reading.
pub(crate) struct Fixture {
    pub(crate) origin: String,
    seen: mpsc::UnboundedReceiver<Seen>,
    drop: broadcast::Sender<()>,
}

impl Fixture {
    pub(crate) async fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("ws://{}", listener.local_addr().unwrap());
        let (report, seen) = mpsc::unbounded_channel();
        let (drop, _) = broadcast::channel(4);
        let dropper = drop.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(room(tcp, report.clone(), dropper.subscribe()));
            }
        });
        Fixture { origin, seen, drop }
    }

    /// Close every client's socket, as a server that restarts.
    fn drop_all(&self) {
        self.drop.send(()).unwrap();
    }

    /// Wait (within the hang guard) until the fixture sees `what`.
    pub(crate) async fn saw(&mut self, what: Seen) {
        let wait = async {
            while let Some(seen) = self.seen.recv().await {
                if seen == what {
                    return;
                }
            }
        };
        (tokio::time::timeout(HANG, wait).await)
            .unwrap_or_else(|_| panic!("the fixture never saw {what:?}"));
    }

    /// Wait until the flood room's client closed: how many it sent.
    async fn flooded(&mut self) -> usize {
        let wait = async {
            loop {
                if let Some(Seen::Flooded(n)) = self.seen.recv().await {
                    return n;
                }
            }
        };
        (tokio::time::timeout(HANG, wait).await).expect("the flood never ended")
    }
}

async fn room(
    tcp: tokio::net::TcpStream,
    report: mpsc::UnboundedSender<Seen>,
    mut drop: broadcast::Receiver<()>,
) {
    let mut path = String::new();
    // The callback's type is tungstenite's (its error is a whole response).
    #[allow(clippy::result_large_err)]
    let callback = |request: &tokio_tungstenite::tungstenite::handshake::server::Request,
                    response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let name = path.trim_start_matches("/room/").to_owned();
    let _ = report.send(Seen::Joined(name.clone()));
    let (mut sink, mut frames) = socket.split();
    if name == "flood" {
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = frames.next().await {
                if let Message::Close(frame) = frame {
                    return frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                }
            }
            None
        });
        let mut sent = 0;
        while sent < FLOOD && !reader.is_finished() {
            if sink
                .send(Message::text(format!("flood {sent}")))
                .await
                .is_err()
            {
                break;
            }
            sent += 1;
        }
        if let Ok(Some((code, reason))) = reader.await {
            let _ = report.send(Seen::Closed(code, reason));
        }
        let _ = report.send(Seen::Flooded(sent));
        return;
    }
    let welcome = format!("welcome to {name}");
    if sink.send(Message::text(welcome)).await.is_err() {
        return;
    }
    if name == "big" {
        let _ = sink.send(Message::text("x".repeat(BIG))).await;
    }
    loop {
        tokio::select! {
            frame = frames.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let _ = report.send(Seen::Text(text.to_string()));
                    let answer = match text.as_str() {
                        "typing:me" => "typing:bot".to_owned(),
                        other => format!("echo: {other}"),
                    };
                    let _ = sink.send(Message::text(answer)).await;
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    });
                    let _ = report.send(Seen::Closed(code, reason));
                    return;
                }
                Some(Ok(_)) => {}
                _ => {
                    let _ = report.send(Seen::Gone);
                    return;
                }
            },
            _ = drop.recv() => {
                let frame = CloseFrame { code: CloseCode::from(4001), reason: "server restarting".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                return;
            }
        }
    }
}

/// The chat example and its runtime's audit.
pub(crate) struct Chat {
    _dir: tempfile::TempDir,
    _runtime: Runtime,
    audit: Arc<MemoryAudit>,
    pub(crate) app: miniapp_runtime::App,
    pub(crate) inst: AppInstance,
}

/// The chat example declaring `declared` (or its own manifest's origins),
/// launched on `room` of `server` under `quotas`, reconnecting a minute
/// after a close (never within a test).
pub(crate) async fn chat(declared: Option<&str>, server: &str, room: &str, quotas: &str) -> Chat {
    chat_retrying(declared, server, room, quotas, 60_000).await
}

/// [`chat`], reconnecting `retry_ms` after a close.
async fn chat_retrying(
    declared: Option<&str>,
    server: &str,
    room: &str,
    quotas: &str,
    retry_ms: u32,
) -> Chat {
    let package = match declared {
        Some(origin) => declaring("chat", origin),
        None => example("chat"),
    };
    let mut policy = allowed_and_granted(&package);
    policy.defaults.quotas = toml::from_str::<QuotaOverrides>(quotas).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::builder(dir.path())
        .policy(policy)
        .providers(Providers::default())
        .audit(audit.clone())
        .build()
        .unwrap();
    let app = runtime.load(package).unwrap();
    let options = LaunchOptions {
        path: Some(format!(
            "index?server={server}&room={room}&retry_ms={retry_ms}"
        )),
        ..LaunchOptions::default()
    };
    let inst = app.launch(options).await.unwrap();
    Chat {
        _dir: dir,
        _runtime: runtime,
        audit,
        app,
        inst,
    }
}

fn messages(data: &Value) -> Vec<String> {
    (data["messages"].as_array().into_iter().flatten())
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

fn shows(data: &Value, text: &str) -> bool {
    messages(data).iter().any(|m| m == text)
}

#[tokio::test]
async fn a_chat_talks_with_no_tap_and_reconnects_after_the_server_drops() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat_retrying(Some(&origin), &origin, "lobby", "", 10).await;
    let inst = &mut chat.inst;
    assert_eq!(inst.page_data()["status"], "connecting");
    fixture.saw(Seen::Joined("lobby".into())).await;
    deliver_until(inst, |d| shows(d, "welcome to lobby")).await;
    assert_eq!(inst.page_data()["status"], "open", "open came first");

    dispatch(inst, "index", "send", json!({ "text": "hi" })).await;
    fixture.saw(Seen::Text("hi".into())).await;
    deliver_until(inst, |d| shows(d, "echo: hi")).await;

    dispatch(inst, "index", "typing", json!({})).await;
    fixture.saw(Seen::Text("typing:me".into())).await;
    deliver_until(inst, |d| d["typing"] == "bot").await;
    deliver_until(inst, |d| d["typing"] == "").await;

    fixture.drop_all();
    deliver_until(inst, |d| d["closed"] == "4001 server restarting").await;
    // The reconnect waits on the app's timer, delivered here.
    deliver_until(inst, |d| d["reconnects"] == 1 && d["status"] == "open").await;
    let welcomes = |d: &Value| {
        messages(d)
            .iter()
            .filter(|m| *m == "welcome to lobby")
            .count()
    };
    deliver_until(inst, |d| welcomes(d) == 2).await;
    let usage = chat.app.usage().unwrap();
    assert_eq!(usage.pending_calls, 1, "one socket open: {usage:?}");
}

#[tokio::test]
async fn the_apps_close_reaches_the_server_and_ends_the_call() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat(Some(&origin), &origin, "lobby", "").await;
    let inst = &mut chat.inst;
    deliver_until(inst, |d| d["status"] == "open").await;
    let budget = inst.budget().unwrap();
    assert_eq!((budget.sockets, budget.sockets_limit), (1, 5));
    assert_eq!(budget.pending_calls, 1, "a socket is a pending call too");
    dispatch(inst, "index", "leave", json!({})).await;
    fixture
        .saw(Seen::Closed(1000, "left the room".into()))
        .await;
    deliver_until(inst, |d| d["status"] == "left").await;
    assert_eq!(inst.page_data()["closed"], "1000 left the room");
    let budget = inst.budget().unwrap();
    assert_eq!(
        (budget.pending_calls, budget.sockets),
        (0, 0),
        "the socket's call ended"
    );
    assert!(inst.complete_next().await.is_none());
}

#[tokio::test]
async fn a_socket_ends_with_its_instance() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat(Some(&origin), &origin, "lobby", "").await;
    deliver_until(&mut chat.inst, |d| d["status"] == "open").await;
    // Evicted, or lost to a trap: the host drops the instance, and its
    // socket goes with it; nothing is left pending for a next instance.
    drop(chat.inst);
    fixture.saw(Seen::Gone).await;
    assert_eq!(chat.app.usage().unwrap().pending_calls, 0);
}

#[tokio::test]
async fn a_message_over_socket_message_bytes_closes_the_socket_with_1009() {
    let fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let quotas = "socket_message_bytes = 1024";
    let mut chat = chat(Some(&origin), &origin, "big", quotas).await;
    let inst = &mut chat.inst;
    deliver_until(inst, |d| d["status"] == "closed").await;
    let data = inst.page_data();
    assert!(shows(data, "welcome to big"), "{data}");
    assert_eq!(messages(data).len(), 1, "the big one never reached the app");
    let closed = data["closed"].as_str().unwrap();
    assert!(closed.starts_with("1009 "), "{closed}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("over 1024 bytes (quota `socket_message_bytes`)"),
        "{error}"
    );
}

#[tokio::test]
async fn sockets_past_the_quota_are_refused_by_name() {
    let fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat(Some(&origin), &origin, "lobby", "sockets = 1").await;
    let inst = &mut chat.inst;
    dispatch(inst, "index", "join", json!({ "room": "second" })).await;
    let refused = inst.page_data()["refused"].as_str().unwrap().to_owned();
    assert!(refused.contains("quota `sockets`"), "{refused}");
    assert_eq!(inst.page_data()["joined"], "");
    assert_eq!(chat.app.usage().unwrap().quota_hits, 1);
}

#[tokio::test]
async fn an_undeclared_origin_is_refused_and_audited() {
    let fixture = Fixture::start().await;
    // The manifest declares only its own origin, not the fixture's.
    let chat = chat(None, &fixture.origin, "lobby", "").await;
    let data = chat.inst.page_data().clone();
    assert_eq!(data["status"], "offline", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("is not allowed for app `demo.chat`"),
        "{error}"
    );
    let denied = |r: &miniapp_runtime::audit::AuditRecord| matches!(&r.event, AuditEvent::Denied { message } if message.contains("is not allowed"));
    assert!(chat.audit.records().iter().any(denied), "audited");
    assert_eq!(chat.app.usage().unwrap().denials, 1);
}

#[tokio::test]
async fn a_flood_from_the_server_is_bounded_and_the_host_closes_the_socket() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat(Some(&origin), &origin, "flood", "").await;
    // The app delivers nothing while the server floods: the host holds what
    // arrives until the socket's bound, then closes it.
    fixture
        .saw(Seen::Closed(1008, "the app fell behind".into()))
        .await;
    let sent = fixture.flooded().await;
    assert!(sent >= 256, "the fixture sent {sent} before the close");
    let (held, _) = chat.inst.host_memory();
    assert!(held < 1024 * 1024, "{held} bytes held");
    let inst = &mut chat.inst;
    deliver_until(inst, |d| d["status"] == "closed").await;
    let data = inst.page_data();
    let received = messages(data).len();
    assert!(
        (1..=256).contains(&received),
        "{received} messages delivered of {sent}"
    );
    let closed = data["closed"].as_str().unwrap();
    assert!(closed.starts_with("1008 closed by the host"), "{closed}");
    assert!(closed.contains("quota `socket_message_bytes`"), "{closed}");
}

/// `hostile/socket-flood`: sockets past `sockets` and messages past
/// `socket_messages_per_minute` are refused by name and audited; the
/// server's flood of each socket is closed at its bound while nothing is
/// delivered (the instance holds less than its host-memory budget); a chat
/// in the same runtime talks meanwhile.
#[tokio::test]
pub(crate) async fn a_socket_flood_is_held_to_its_quotas_and_bounds() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let flood = declaring("hostile/socket-flood", &origin);
    let chat_package = declaring("chat", &origin);
    let mut policy = allowed_and_granted(&flood);
    policy.grant_declared(&chat_package.manifest);
    policy.defaults.quotas =
        toml::from_str("sockets = 3\nsocket_messages_per_minute = 10").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::builder(dir.path())
        .policy(policy)
        .audit(audit.clone())
        .build()
        .unwrap();
    let launch = |query: String| LaunchOptions {
        path: Some(format!("index?{query}")),
        ..LaunchOptions::default()
    };
    let app = runtime.load(flood).unwrap();
    let mut inst = app
        .launch(launch(format!("server={origin}")))
        .await
        .unwrap();
    dispatch(&mut inst, "index", "attack", json!({})).await;
    let data = inst.page_data().clone();
    assert_eq!(data["opened"], 3, "{data}");
    assert_eq!(data["open_error_kind"], "quota-exceeded", "{data}");
    let error = data["open_error"].as_str().unwrap();
    assert!(error.contains("quota `sockets`"), "{error}");
    assert_eq!(data["sent"], 10, "{data}");
    let error = data["send_error"].as_str().unwrap();
    assert!(
        error.contains("quota `socket_messages_per_minute`"),
        "{error}"
    );
    let quota_hits = |name: &str| {
        let hit = |r: &miniapp_runtime::audit::AuditRecord| matches!(&r.event, AuditEvent::QuotaExceeded { message } if message.contains(name));
        audit.records().iter().filter(|r| hit(r)).count()
    };
    assert_eq!(quota_hits("quota `sockets`"), 1);
    assert_eq!(quota_hits("quota `socket_messages_per_minute`"), 1);

    // Each flooded socket is closed by the host at its bound, with nothing
    // delivered meanwhile.
    for _ in 0..3 {
        fixture
            .saw(Seen::Closed(1008, "the app fell behind".into()))
            .await;
    }
    let (held, budget) = inst.host_memory();
    assert!(held < budget, "{held} of {budget} bytes held");

    // A neighbour in the same runtime talks meanwhile.
    let chat = runtime.load(chat_package).unwrap();
    let query = format!("server={origin}&room=lobby&retry_ms=60000");
    let mut neighbour = chat.launch(launch(query)).await.unwrap();
    deliver_until(&mut neighbour, |d| shows(d, "welcome to lobby")).await;

    // The app takes what the host held, then each socket's close.
    deliver_until(&mut inst, |d| {
        d["closed"].as_str().is_some_and(|c| c.starts_with("1008 "))
    })
    .await;
    let received = inst.page_data()["received"].as_u64().unwrap();
    assert!(received <= 3 * 256, "{received} messages delivered");
}

/// `socket_messages_per_minute` is the app's, as `http_requests_per_minute`
/// is: another instance of the app sends from the same minute's messages,
/// so many instances do not multiply it.
#[tokio::test]
async fn an_apps_instances_share_its_socket_messages_per_minute() {
    let fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let flood = declaring("hostile/socket-flood", &origin);
    let mut policy = allowed_and_granted(&flood);
    policy.defaults.quotas = toml::from_str("socket_messages_per_minute = 10").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runtime = Runtime::builder(dir.path()).policy(policy).build().unwrap();
    let app = runtime.load(flood).unwrap();
    let launch = || LaunchOptions {
        path: Some(format!("index?server={origin}&room=lobby")),
        ..LaunchOptions::default()
    };
    let mut first = app.launch(launch()).await.unwrap();
    dispatch(&mut first, "index", "attack", json!({})).await;
    assert_eq!(first.page_data()["sent"], 10, "{}", first.page_data());
    let mut second = app.launch(launch()).await.unwrap();
    dispatch(&mut second, "index", "attack", json!({})).await;
    let data = second.page_data();
    assert_eq!(data["sent"], 0, "{data}");
    assert_eq!(data["send_error_kind"], "quota-exceeded", "{data}");
    let error = data["send_error"].as_str().unwrap();
    assert!(
        error.contains("all its instances together (quota `socket_messages_per_minute`)"),
        "{error}"
    );
}
