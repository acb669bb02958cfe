//! `miniapp serve`'s open request with a `device` object: the app reads the
//! facts the client sent (hello's `#device` button shows them), and bad
//! facts are refused with 400 naming the field before a session opens.

use serde_json::{Value, json};

use crate::serve::{Served, post_json};

#[tokio::test]
async fn an_opened_app_reads_the_device_its_client_sent_and_bad_facts_are_refused() {
    let served = Served::start(&["hello"], &[]);
    let url = format!("{}/v1/sessions", served.public);
    let phone =
        json!({ "windowWidth": 390, "windowHeight": 844, "pixelRatio": 3, "platform": "ios" });
    let open = json!({ "app": "demo.hello", "user": "ada", "device": phone });
    let response = post_json(url.clone(), &open).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let session = body["session"].as_str().unwrap();
    let (status, answer) = served
        .event(session, "d1", "#device", "tap", Value::Null)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.to_string().contains("Window 390x844 at 3x on ios"),
        "{answer}"
    );

    // Facts out of range are refused by the check (400); a body of the
    // wrong shape by its parsing (422), as any request's.
    let bad = [
        (
            json!({ "pixelRatio": 9 }),
            400,
            "device fact `pixelRatio` is 9; it must be 0.5 to 8",
        ),
        (
            json!({ "windowWidth": 0 }),
            400,
            "device fact `windowWidth` is 0",
        ),
        (
            json!({ "model": "x".repeat(65) }),
            400,
            "device fact `model` is 65 bytes; at most 64",
        ),
        (json!({ "colour": "red" }), 422, "unknown field `colour`"),
        (json!({ "windowWidth": -1 }), 422, "device.windowWidth"),
    ];
    for (device, status, words) in bad {
        let open = json!({ "app": "demo.hello", "user": "bob", "device": device });
        let response = post_json(url.clone(), &open).await;
        assert_eq!(response.status(), status, "{device}");
        let body = response.text().await.unwrap();
        assert!(body.contains(words), "{device}: {body}");
    }
    // None of them opened a session: only ada's is live.
    let live = served.metric("miniapp_sessions_live").await;
    assert_eq!(live, Some(1.0), "{}", served.metrics().await);
}
