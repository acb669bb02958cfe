//! Admission under overload: an app whose queue is full answers at once
//! with 429 `busy` and `Retry-After` (over HTTP, and as the `retry_after`
//! of a socket's frames), never by a time-out; the events it admitted are
//! all answered; `miniapp load` counts the 429s apart and waits as told.
//!
//! The queue is held full without a clock: `--app-queue 1` (or
//! `--node-queue 1`), and one event waiting for its user's answer to a
//! consent prompt (device-apis asks for the location), which the test
//! gives when it is done.

use std::process::Command;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::cli::{stderr, stdout};
use crate::serve::{
    POLICY, Served, Socket, TOKEN, of_type, post_json, session_socket, until_frame,
};

const DEVICE_APIS: &str = "demo.device-apis";

/// The platform's grants with device-apis', which declares `location`.
fn policy() -> String {
    format!("{POLICY}\n[apps.\"{DEVICE_APIS}\"]\npermissions = [\"location\"]\n")
}

/// `examples` with queues of one (`--app-queue` or `--node-queue`): a
/// burst past it is refused, not queued.
fn served(examples: &[&str], queue: &str) -> Served {
    Served::start_with_policy(&policy(), examples, &[queue, "1"])
}

/// The queue held: `holder` taps "Allow location" over HTTP and the event
/// waits for the consent prompt its socket gets. The tap's answer, and
/// the prompt's id.
async fn hold(
    served: &Served,
    holder: &str,
    socket: &mut Socket,
) -> (tokio::task::JoinHandle<(u16, Value)>, u64) {
    let url = format!("{}/v1/sessions/{holder}/events", served.public);
    let body = json!({ "cid": "hold", "selector": "#locate", "kind": "tap", "detail": {} });
    let tap = tokio::spawn(async move {
        let response = post_json(url, &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    });
    let prompt = until_frame(socket, of_type("prompt")).await;
    (tap, prompt["id"].as_u64().unwrap())
}

/// Answer prompt `id` allow over `socket`: the held event goes on.
async fn release(socket: &mut Socket, id: u64) {
    let answer = json!({ "type": "answer", "prompt": id, "allow": true });
    socket
        .send(Message::text(answer.to_string()))
        .await
        .unwrap();
}

/// A 429's `Retry-After`, in whole seconds.
fn retry_after(response: &reqwest::Response) -> u64 {
    let header = response.headers().get("retry-after").expect("Retry-After");
    header.to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_full_queue_answers_a_burst_at_once_with_429_and_answers_what_it_admitted() {
    let served = served(&["device-apis"], "--app-queue");
    let holder = served.session(DEVICE_APIS, "holder").await;
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(served.session(DEVICE_APIS, &format!("user-{i}")).await);
    }
    let mut holding = session_socket(&served, &holder).await;
    let (tap, prompt) = hold(&served, &holder, &mut holding).await;

    // A burst over HTTP while the queue is full: every one refused at once.
    let burst = users.iter().map(|user| {
        let url = format!("{}/v1/sessions/{user}/events", served.public);
        let body = json!({ "cid": "b1", "selector": "#vibrate", "kind": "tap", "detail": {} });
        async move { post_json(url, &body).await }
    });
    for response in futures_util::future::join_all(burst).await {
        assert_eq!(response.status(), 429);
        let seconds = retry_after(&response);
        assert!(seconds >= 1, "Retry-After {seconds}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["kind"], "busy", "{body}");
        assert_eq!(body["error"]["retry_after"], seconds, "{body}");
    }
    // Over a socket: the first page's refresh and an event, each refused
    // with the same `retry_after`.
    let public = served.public.replace("http://", "ws://");
    let url = format!("{public}/v1/sessions/{}", users[0]);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let refused = until_frame(&mut socket, of_type("error")).await;
    assert_eq!(refused["kind"], "busy", "{refused}");
    assert!(refused["retry_after"].as_u64().unwrap() >= 1, "{refused}");
    let event = json!({ "type": "event", "id": 1, "cid": "s1", "selector": "#vibrate",
        "kind": "tap", "detail": {} });
    socket.send(Message::text(event.to_string())).await.unwrap();
    let result = until_frame(&mut socket, of_type("result")).await;
    assert_eq!(
        (result["id"].as_u64(), result["ok"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(result["error"]["kind"], "busy", "{result}");
    assert!(
        result["error"]["retry_after"].as_u64().unwrap() >= 1,
        "{result}"
    );

    // The admitted event is answered once its user answers.
    release(&mut holding, prompt).await;
    let (status, body) = tap.await.unwrap();
    assert_eq!(status, 200, "{body}");
    // Then each refused event, sent again, is admitted and answered.
    for user in &users {
        let (status, body) = served.event(user, "b1", "#vibrate", "tap", json!({})).await;
        assert_eq!(status, 200, "{body}");
    }
    let refusals = served
        .metric(&format!(
            "miniapp_refusals_total{{app=\"{DEVICE_APIS}\",reason=\"busy\"}}"
        ))
        .await;
    assert!(refusals.is_some_and(|n| n >= 8.0), "{refusals:?}");
    served.stop();
}

#[tokio::test]
async fn load_counts_the_429s_apart_and_waits_as_retry_after_says() {
    // The node's queue: device-apis holds its one place, so todo, the
    // load's app, is refused too (it holds its share of none).
    let served = served(&["device-apis", "todo"], "--node-queue");
    let holder = served.session(DEVICE_APIS, "holder").await;
    let mut holding = session_socket(&served, &holder).await;
    let (tap, prompt) = hold(&served, &holder, &mut holding).await;
    let token = served.dir.path().join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    let (public, operator) = (served.public.clone(), served.operator.clone());
    let load = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_miniapp"))
            .args(["load", &public, "--apps", "todo", "--sessions", "2"])
            .args(["--duration", "1", "--json"])
            .args(["--metrics", &operator, "--token-file"])
            .arg(&token)
            .output()
            .expect("miniapp load runs")
    });
    // The load's opens are refused while the queue is held: then released.
    let series = "miniapp_refusals_total{app=\"demo.todo\",reason=\"busy\"}";
    served.until_metric(series, |n| n >= 1.0).await;
    release(&mut holding, prompt).await;
    assert_eq!(tap.await.unwrap().0, 200);
    let out = load.await.unwrap();
    assert!(out.status.success(), "miniapp load: {}", stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", stdout(&out)));
    assert!(report["busy_429"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["retry_waits"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["retry_wait_s"].as_f64().unwrap() >= 1.0, "{report}");
    assert_eq!(report["timeouts"], 0, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["sessions"], 2, "{report}");
    served.stop();
}
