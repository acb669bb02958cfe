//! `miniapp serve` and the page-events example: a client's page events
//! over a session's socket are checked (a client is untrusted): a pull-down
//! on a page that does not enable it and a scroll that is not a number are
//! refused naming why, and the app keeps its data; a pull-down refreshes the
//! feed and a share brings the host's share sheet with the app's answer.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, page_now, post_json, session_socket, until_frame};

/// Send page event `event` as request `id`; its `result` frame.
async fn report(socket: &mut Socket, id: u64, event: Value) -> Value {
    let frame = json!({ "type": "page-event", "id": id, "event": event });
    socket.send(Message::text(frame.to_string())).await.unwrap();
    until_frame(socket, |f| f["type"] == "result" && f["id"] == id).await
}

#[tokio::test]
async fn page_events_over_the_socket_are_checked_then_reach_the_app() {
    let served = Served::start(&["page-events"], &[]);
    let ada = served.session("demo.page-events", "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    let refused = report(
        &mut socket,
        1,
        json!({"kind": "scroll", "scrollTop": "far", "scrollHeight": 1, "viewportHeight": 1}),
    )
    .await;
    assert_eq!(refused["ok"], false, "{refused}");
    let refused = report(&mut socket, 2, json!({"kind": "theme", "theme": "blue"})).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("a theme is `light` or `dark`, not `blue`"),
        "{refused}"
    );

    let pulled = report(&mut socket, 3, json!({"kind": "pull-down"})).await;
    assert_eq!(pulled["ok"], true, "{pulled}");
    assert!(
        page_now(&mut socket)
            .await
            .contains("Refreshed 1 times; 10 posts")
    );

    let share = json!({ "type": "page-event", "id": 4, "event": {"kind": "share"} });
    socket.send(Message::text(share.to_string())).await.unwrap();
    let sheet = until_frame(&mut socket, |f| f["type"] == "share-sheet").await;
    assert_eq!(
        sheet["card"],
        json!({"kind": "app-message", "title": "10 posts worth reading", "path": "index?from=share"})
    );

    // The detail page does not enable pull-down refresh.
    let open = json!({"type": "event", "id": 5, "cid": "open-2", "selector": "#post-2", "kind": "tap", "detail": {}});
    socket.send(Message::text(open.to_string())).await.unwrap();
    until_frame(&mut socket, |f| f["type"] == "result" && f["id"] == 5).await;
    let refused = report(&mut socket, 6, json!({"kind": "pull-down"})).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("page `detail` does not enable pull-down refresh"),
        "{refused}"
    );
    assert!(page_now(&mut socket).await.contains("Post 2"));
    served.stop();
}

#[tokio::test]
async fn a_page_event_over_http_is_taken_and_a_bad_one_refused() {
    let served = Served::start(&["page-events"], &[]);
    let ada = served.session("demo.page-events", "ada").await;
    let url = format!("{}/v1/sessions/{ada}/page-event", served.public);
    let response = post_json(url.clone(), &json!({"event": {"kind": "share"}})).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let frames = body["frames"].as_array().expect("the answer's frames");
    let sheet = frames
        .iter()
        .find(|f| f["type"] == "share-sheet")
        .expect("a share sheet");
    assert_eq!(sheet["card"]["title"], "10 posts worth reading");
    // An unknown field is a malformed body (422), a theme not WeChat's a
    // bad request (400).
    let response = post_json(
        url.clone(),
        &json!({"event": {"kind": "pull-down", "far": 1}}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 422);
    let response = post_json(url, &json!({"event": {"kind": "theme", "theme": "blue"}})).await;
    assert_eq!(response.status().as_u16(), 400);
    served.stop();
}
