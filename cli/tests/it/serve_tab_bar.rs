//! `miniapp serve` and the tabs example: the page frame carries app.json's
//! tab bar (the tab shown, badges, hidden flag); a client's tab tap, over
//! the socket or HTTP, is checked against the bar (an index past its list
//! refused naming it) and switches the page, the kept tab page's data kept.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, post_json, session_socket, until_frame};

/// Send a tap on tab `index` as frame `id`; its `result` frame.
async fn tap_tab(socket: &mut Socket, id: u64, index: u64) -> Value {
    let frame = json!({ "type": "tab", "id": id, "index": index });
    socket.send(Message::text(frame.to_string())).await.unwrap();
    until_frame(socket, |f| f["type"] == "result" && f["id"] == id).await
}

/// The page frame a refresh sends now.
async fn page(socket: &mut Socket) -> Value {
    let refresh = json!({ "type": "refresh" }).to_string();
    socket.send(Message::text(refresh)).await.unwrap();
    until_frame(socket, |f| f["type"] == "page").await
}

#[tokio::test]
async fn a_client_tab_tap_is_checked_against_the_bar_and_switches_tabs() {
    let served = Served::start(&["tabs"], &[]);
    let ada = served.session("demo.tabs", "ada").await;
    let mut socket = session_socket(&served, &ada).await;
    let home = page(&mut socket).await;
    let bar = &home["tab_bar"];
    assert_eq!(bar["selected"], 0, "{home}");
    assert_eq!(bar["hidden"], false);
    assert_eq!(bar["badges"], json!([null, null, null]));
    assert_eq!(bar["list"][2]["text"], "Me");
    assert_eq!(bar["list"][0]["selectedIconPath"], "icons/home-on.png");

    let refused = tap_tab(&mut socket, 1, 5).await;
    assert_eq!(refused["ok"], false, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("a tab tap on tab 5: the tab bar has 3 tabs, counted from 0"),
        "{refused}"
    );
    let taken = tap_tab(&mut socket, 2, 1).await;
    assert_eq!(taken["ok"], true, "{taken}");
    let list = page(&mut socket).await;
    assert_eq!(list["route"], "list");
    assert_eq!(list["tab_bar"]["selected"], 1);

    // Over HTTP: the same check, and the frames of the switch.
    let url = format!("{}/v1/sessions/{ada}/tab", served.public);
    let response = post_json(url.clone(), &json!({ "index": 3 })).await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the tab bar has 3 tabs")),
        "{body}"
    );
    let response = post_json(url, &json!({ "index": 0 })).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let frames = body["frames"].as_array().unwrap();
    let shown = frames
        .iter()
        .find(|f| f["type"] == "page")
        .expect("a page frame");
    assert_eq!(shown["route"], "home");
    assert_eq!(shown["tab_bar"]["selected"], 0);
    served.stop();
}
