//! Sockets across an instance's end, with the chat example: what an
//! instance has open (url and the app's tag) is read by the embedder; the
//! next instance, given them as closed, is told of each after its launch,
//! one completion each, and joins again the rooms it had joined; what it
//! is given is bounded (the `sockets` quota, the url's and the reason's
//! lengths) and charged until told.

use miniapp_runtime::{ClosedSocket, Error, LaunchOptions, OpenSocket};
use serde_json::json;

use crate::pending::{deliver_until, dispatch};
use crate::socket::{Fixture, Seen, chat};

/// The chat's launch on room `lobby` of `server`, told of `closed`.
fn relaunch(server: &str, closed: Vec<ClosedSocket>) -> LaunchOptions {
    LaunchOptions {
        path: Some(format!("index?server={server}&room=lobby&retry_ms=60000")),
        closed_sockets: closed,
        ..LaunchOptions::default()
    }
}

#[tokio::test]
async fn the_next_instance_is_told_of_the_sockets_its_predecessor_had_open_and_rejoins() {
    let mut fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let mut chat = chat(Some(&origin), &origin, "lobby", "").await;
    let inst = &mut chat.inst;
    dispatch(inst, "index", "join", json!({ "room": "news" })).await;
    fixture.saw(Seen::Joined("news".into())).await;
    let open = inst.open_sockets().unwrap();
    let room = |name: &str| format!("{origin}/room/{name}");
    assert_eq!(
        open,
        [
            OpenSocket {
                url: room("lobby"),
                tag: "room:lobby".into()
            },
            OpenSocket {
                url: room("news"),
                tag: "join:news".into()
            },
        ]
    );
    // The embedder ends the instance (an eviction) and launches the next,
    // telling it what was open.
    drop(chat.inst);
    fixture.saw(Seen::Gone).await;
    let closed: Vec<ClosedSocket> = (open.into_iter())
        .map(|s| ClosedSocket::going_away(s, "the instance was evicted"))
        .collect();
    let mut next = chat.app.launch(relaunch(&origin, closed)).await.unwrap();
    assert_eq!(next.page_data()["dropped"], "", "told after its launch");
    deliver_until(&mut next, |d| d["joined"] == "news").await;
    assert_eq!(next.page_data()["dropped"], "1001 the instance was evicted");
    fixture.saw(Seen::Joined("news".into())).await;
    // Both closes were told, each as its own completion; nothing is told
    // twice, and the next instance has its own sockets open again.
    deliver_until(&mut next, |d| d["status"] == "open").await;
    let usage = chat.app.usage().unwrap();
    assert!(usage.completions >= 2, "{usage:?}");
    let open = next.open_sockets().unwrap();
    let tags: Vec<&str> = open.iter().map(|s| s.tag.as_str()).collect();
    assert_eq!(tags, ["room:lobby", "join:news"]);
}

#[tokio::test]
async fn what_a_next_instance_is_told_is_bounded_and_a_bad_record_refuses_the_launch() {
    let fixture = Fixture::start().await;
    let origin = fixture.origin.clone();
    let chat = chat(Some(&origin), &origin, "lobby", "sockets = 2").await;
    let socket = |url: String| {
        let open = OpenSocket {
            url,
            tag: "join:x".into(),
        };
        ClosedSocket::going_away(open, "the session moved to another node")
    };
    let url = format!("{origin}/room/x");
    let refused = |options| async {
        match chat.app.launch(options).await {
            Err(Error::BadRequest { reason, .. }) => reason,
            Err(e) => panic!("refused for another reason: {e}"),
            Ok(_) => panic!("launched"),
        }
    };
    let three = vec![
        socket(url.clone()),
        socket(url.clone()),
        socket(url.clone()),
    ];
    let reason = refused(relaunch(&origin, three)).await;
    assert!(reason.contains("quota `sockets`"), "{reason}");
    let long = format!("{url}?{}", "x".repeat(2048));
    let reason = refused(relaunch(&origin, vec![socket(long)])).await;
    assert!(reason.contains("over 2048 bytes"), "{reason}");
    let mut odd = socket(url.clone());
    odd.reason = "r".repeat(124);
    let reason = refused(relaunch(&origin, vec![odd])).await;
    assert!(reason.contains("over 123 bytes"), "{reason}");
    // Held until told: the instance's host memory carries it (launched on
    // a server it may not reach, so that no socket of its own differs).
    let away = "ws://127.0.0.1:9";
    let told = chat.app.launch(relaunch(away, vec![socket(url.clone())]));
    let plain = chat.app.launch(relaunch(away, Vec::new()));
    let (told, plain) = (told.await.unwrap(), plain.await.unwrap());
    let charged = told.host_memory().0 - plain.host_memory().0;
    let record = (url.len() + "join:x".len() + "the session moved to another node".len()) as u64;
    assert!(charged >= record, "{charged} bytes charged for {record}");
}
