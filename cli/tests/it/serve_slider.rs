//! `miniapp serve` and the slider example: a client of a session is
//! untrusted, so a slider value over the socket that the rendered slider
//! could not produce is refused naming the slider, the attribute and the
//! value, and the app keeps its data; a value on the slider's grid reaches
//! the app.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, page_now, session_socket, until_frame};

/// Send a `change` of the volume slider to `value` as event `id`; its
/// `result` frame.
async fn change(socket: &mut Socket, id: u64, value: Value) -> Value {
    let event = json!({
        "type": "event", "id": id, "cid": format!("s{id}"),
        "selector": "#volume", "kind": "change", "detail": { "value": value },
    });
    socket.send(Message::text(event.to_string())).await.unwrap();
    until_frame(socket, |f| f["type"] == "result" && f["id"] == id).await
}

#[tokio::test]
async fn an_impossible_slider_value_over_the_socket_is_refused_naming_it() {
    let served = Served::start(&["slider"], &[]);
    let ada = served.session("demo.slider", "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    let refused = change(&mut socket, 1, json!(55)).await;
    assert_eq!(refused["ok"], false, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`change` on <slider>: `value` 55 is outside `min` 0 to `max` 50"),
        "{refused}"
    );
    let refused = change(&mut socket, 2, json!(12.5)).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`value` 12.5 is not on the `step` 5 grid from `min` 0"),
        "{refused}"
    );
    assert!(page_now(&mut socket).await.contains("Volume 20"));

    let taken = change(&mut socket, 3, json!(45)).await;
    assert_eq!(taken["ok"], true, "{taken}");
    assert!(page_now(&mut socket).await.contains("Volume 45"));
    served.stop();
}
