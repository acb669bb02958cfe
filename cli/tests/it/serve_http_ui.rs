//! `miniapp serve`'s clients without a WebSocket and the host's own UI:
//! the answer to an HTTP event carries the `host-ui` frames its callbacks
//! drew (a toast, the bars), after its view frames; a socket client gets
//! them as they are drawn, once. (The long poll's pushes carry a
//! completion's: `serve_chat_moves`.)

use serde_json::{Value, json};

use crate::serve::{Served, of_type, session_socket, until_frame};

const FEEDBACK: &str = "demo.feedback";

/// The `host-ui` frames of an answer's `frames`.
fn drawn(answer: &Value) -> Vec<Value> {
    let frames = answer["frames"].as_array().into_iter().flatten();
    frames.filter(|f| f["type"] == "host-ui").cloned().collect()
}

#[tokio::test]
async fn an_http_event_s_answer_carries_the_toasts_and_bars_it_drew() {
    let served = Served::start(&["feedback"], &[]);
    let ada = served.session(FEEDBACK, "ada").await;
    let mut socket = session_socket(&served, &ada).await;
    let (status, answer) = (served.event(&ada, "t1", "#save", "tap", json!({}))).await;
    assert_eq!(status, 200, "{answer}");
    let toast = json!({ "type": "host-ui", "ui": "toast", "title": "Saved",
        "icon": "success", "duration_ms": 1500, "mask": false });
    assert_eq!(drawn(&answer), std::slice::from_ref(&toast));
    // The socket got it as it was drawn.
    assert_eq!(until_frame(&mut socket, of_type("host-ui")).await, toast);

    let (status, answer) = (served.event(&ada, "f1", "#frame", "tap", json!({}))).await;
    assert_eq!(status, 200, "{answer}");
    let bars_drawn = drawn(&answer);
    let uis: Vec<&str> = bars_drawn.iter().filter_map(|f| f["ui"].as_str()).collect();
    let bars = ["navigation-bar-title", "navigation-bar-color"];
    assert!(uis.starts_with(&bars), "{uis:?}");
    // Taken once: the next answer carries only its own.
    let (status, answer) = (served.event(&ada, "t2", "#save", "tap", json!({}))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(drawn(&answer).len(), 1, "{answer}");
    served.stop();
}
