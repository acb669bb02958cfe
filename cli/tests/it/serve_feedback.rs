//! `miniapp serve` and the host's own UI (the feedback example): a toast is
//! a `host-ui` frame on the session's socket; a modal is the host's
//! `prompt` (never in the page's nodes), which the tap does not wait for;
//! the client's answer, over the socket or HTTP, with the text the user
//! typed, ends the pending call, and the app's completion is pushed.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, of_type, page_now, post_json, session_socket, until, until_frame};

const FEEDBACK: &str = "demo.feedback";

/// A tap on the feedback page's `button`, which must succeed.
async fn tap(served: &Served, session: &str, cid: &str, button: &str) {
    let (status, body) = (served.event(session, cid, button, "tap", json!({}))).await;
    assert_eq!(status, 200, "{button}: {body}");
}

#[tokio::test]
async fn a_modal_is_the_host_s_prompt_on_the_socket_and_its_answer_reaches_the_app() {
    let served = Served::start(&["feedback"], &[]);
    let ada = served.session(FEEDBACK, "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    tap(&served, &ada, "t1", "#save").await;
    let toast = until_frame(&mut socket, of_type("host-ui")).await;
    let expected = json!({ "type": "host-ui", "ui": "toast", "title": "Saved",
        "icon": "success", "duration_ms": 1500, "mask": false });
    assert_eq!(toast, expected);

    // The tap is answered at once; the host's modal waits for the user.
    tap(&served, &ada, "d1", "#delete").await;
    let prompt = until_frame(&mut socket, of_type("prompt")).await;
    assert_eq!(prompt["kind"], "modal", "{prompt}");
    assert_eq!(prompt["modal"]["title"], "Delete the order?");
    assert_eq!(prompt["modal"]["confirm_text"], "Delete");
    let answer = json!({ "type": "answer", "prompt": prompt["id"], "allow": true });
    socket
        .send(Message::text(answer.to_string()))
        .await
        .unwrap();
    let push = until_frame(&mut socket, of_type("push")).await;
    assert_eq!(push["error"], Value::Null, "{push}");
    let page = page_now(&mut socket).await;
    assert!(page.contains("Deleted: yes (confirm)"), "{page}");

    // Over HTTP: the waiting prompt, answered with what the user typed.
    tap(&served, &ada, "r1", "#rename").await;
    let prompts_url = format!("{}/v1/sessions/{ada}/prompts", served.public);
    let waiting = async || -> Vec<Value> {
        let body: Value = reqwest::get(&prompts_url)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["prompts"].as_array().cloned().unwrap_or_default()
    };
    until("the rename modal waits", async || {
        !waiting().await.is_empty()
    })
    .await;
    let modal = &waiting().await[0];
    assert_eq!(
        (modal["kind"].as_str(), modal["modal"]["editable"].as_bool()),
        (Some("modal"), Some(true))
    );
    let answers = format!("{}/v1/sessions/{ada}/answers", served.public);
    let typed = json!({ "prompt": modal["id"], "allow": true, "value": "Ada" });
    assert_eq!(post_json(answers, &typed).await.status(), 204);
    until_frame(&mut socket, of_type("push")).await;
    let page = page_now(&mut socket).await;
    assert!(page.contains("Name: Ada"), "{page}");
}
