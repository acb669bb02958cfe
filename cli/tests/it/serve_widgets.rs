//! `miniapp serve` and the widgets example: a client of a session is
//! untrusted, so a swiper change over the socket naming a banner the
//! rendered swiper does not have, or a card place outside its movable-area
//! (even at its smallest scale),
//! is refused naming the component and what is wrong, and the app keeps
//! its data; a possible one reaches the app.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, page_now, session_socket, until_frame};

/// Send `kind` with `detail` on `selector` as event `id`; its `result` frame.
async fn send(socket: &mut Socket, id: u64, selector: &str, detail: Value) -> Value {
    let event = json!({
        "type": "event", "id": id, "cid": format!("w{id}"),
        "selector": selector, "kind": "change", "detail": detail,
    });
    socket.send(Message::text(event.to_string())).await.unwrap();
    until_frame(socket, |f| f["type"] == "result" && f["id"] == id).await
}

/// The error message of a refused `result` frame.
fn refusal(result: &Value) -> &str {
    assert_eq!(result["ok"], false, "{result}");
    result["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_impossible_swipe_or_move_over_the_socket_is_refused_naming_it() {
    let served = Served::start(&["widgets"], &[]);
    let ada = served.session("demo.widgets", "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    let swipe = |current: u64| json!({"current": current, "source": "touch"});
    let refused = send(&mut socket, 1, "#banner", swipe(5)).await;
    assert!(
        refusal(&refused).contains("`change` on <swiper>: `current` 5 is outside its items 0 to 2"),
        "{refused}"
    );
    let moved = json!({"x": 260, "y": 0, "source": "touch"});
    let refused = send(&mut socket, 2, "#card", moved).await;
    assert!(
        refusal(&refused)
            .contains("`change` on <movable-view>: `x` 260 is outside its movable-area: 0 to 250"),
        "{refused}"
    );
    let page = page_now(&mut socket).await;
    assert!(page.contains("Banner 0 (b1, start)") && page.contains("Card at 20, 20 (start)"));

    let second = json!({"current": 1, "source": "touch", "currentItemId": "b2"});
    let taken = send(&mut socket, 3, "#banner", second).await;
    assert_eq!(taken["ok"], true, "{taken}");
    assert!(page_now(&mut socket).await.contains("Banner 1 (b2, touch)"));
    served.stop();
}
