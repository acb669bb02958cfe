//! `miniapp serve` on SIGTERM, as a load balancer sees it: for the drain
//! delay the listeners stay open, `/readyz` says `draining`, new sessions
//! are refused with `Retry-After`, open sessions and the operator plane
//! are served; then the process exits 0 by itself.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::serve::{HANG, Served, post_json, status_of};

/// How long the process may take to exit after the drain delay below (30
/// s) before the test gives up: a bound on a hang, not a measure.
const EXIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn sigterm_keeps_the_listeners_open_for_the_drain_delay_answering_draining() {
    // A delay far longer than the checks below take, so that they do not
    // race it.
    let mut served = Served::start(&["todo"], &["--drain-secs", "30"]);
    let ada = served.session("demo.todo", "ada").await;
    let http = reqwest::Client::new();
    let readyz = format!("{}/readyz", served.public);
    assert_eq!(status_of(&readyz).await, 200);

    let mut child = served.terminate();
    // The signal is handled at once, but asynchronously: wait for `/readyz`
    // to say so (the listener open all along).
    let deadline = Instant::now() + HANG;
    loop {
        let response = http
            .get(&readyz)
            .send()
            .await
            .expect("the listener is open");
        if response.status() == 503 {
            assert_eq!(response.text().await.unwrap(), "draining\n");
            break;
        }
        assert_eq!(response.status(), 200);
        assert!(Instant::now() < deadline, "/readyz never said draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Alive: a liveness probe must not restart a draining node.
    assert_eq!(status_of(&format!("{}/healthz", served.public)).await, 200);

    // A new session is refused, with where to go: retry (on another node).
    let bob = json!({ "app": "demo.todo", "user": "bob" });
    let refused = post_json(format!("{}/v1/sessions", served.public), &bob).await;
    assert_eq!(refused.status(), 503);
    assert!(
        refused.headers().contains_key("retry-after"),
        "{:?}",
        refused.headers()
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "draining", "{body}");

    // An open session's events are still served.
    let (status, body) = served.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200, "{body}");

    // So is the operator plane.
    let (status, body) = served
        .op(reqwest::Method::GET, "/v1/operator/apps", None)
        .await;
    assert_eq!(status, 200, "{body}");

    // After the delay the process closes its listeners and exits 0.
    let status = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + EXIT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("miniapp serve did not exit within {EXIT:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await
    .unwrap();
    assert!(status.success(), "{status}");
    let closed = reqwest::Client::new().get(&readyz).send().await;
    assert!(closed.is_err(), "the listener is closed");
}
