//! Sessions per client of `miniapp serve`: capped per client address (the
//! peer's, or the one a trusted proxy forwards) and per user, refused with
//! 429 and `Retry-After` past a cap and released when closed; a real
//! identity from a login gateway's signed header; the operator plane's
//! back-off behind a trusted proxy.

use std::net::IpAddr;

use miniapp_serve::identity::Identity;
use serde_json::{Value, json};

use crate::serve::{POLICY, Served, TOKEN};

/// An HTTP client whose connections come from `local` (any 127.0.0.0/8
/// address reaches the server on loopback).
fn from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// `POST /v1/sessions` with `headers`: status, `Retry-After`, body.
async fn open(
    client: &reqwest::Client,
    served: &Served,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, Value) {
    let mut request = client.post(format!("{}/v1/sessions", served.public));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let retry = (response.headers().get("retry-after")).map(|v| v.to_str().unwrap().to_string());
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn one_address_is_capped_by_the_policy_and_recovers_after_closing() {
    let policy = format!("{POLICY}\n[sessions]\nper_client = 3\nper_user = 1\n");
    let served = Served::start_with_policy(&policy, &["todo", "game2048"], &[]);
    let client = from("127.0.0.1");
    let todo = |user: &str| json!({ "app": "demo.todo", "user": user });
    let mut ids = Vec::new();
    for user in ["u0", "u1", "u2"] {
        let (status, _, body) = open(&client, &served, todo(user), &[]).await;
        assert_eq!(status, 201, "{user}: {body}");
        ids.push(body["session"].as_str().unwrap().to_string());
    }
    // The fourth from one address is refused, naming the cap.
    let (status, retry, body) = open(&client, &served, todo("u3"), &[]).await;
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some_and(|s| s.parse::<u32>().unwrap() >= 1));
    assert_eq!(body["error"]["kind"], "busy", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("client 127.0.0.1 holds 3 sessions")
            && message.contains("--max-sessions-per-client"),
        "{message}"
    );
    // A user's own session comes back: it is not a new one.
    let (status, _, body) = open(&client, &served, todo("u0"), &[]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["session"], ids[0].as_str());
    // Another address has its own count.
    let (status, _, body) = open(&from("127.0.0.2"), &served, todo("v0"), &[]).await;
    assert_eq!(status, 201, "{body}");
    // One user holds one app's session at most here.
    let game = json!({ "app": "demo.game2048", "user": "v0" });
    let (status, _, body) = open(&from("127.0.0.2"), &served, game, &[]).await;
    assert_eq!(status, 429, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("--max-sessions-per-user"), "{message}");
    // Closing one gives its place back.
    let close = client.delete(format!("{}/v1/sessions/{}", served.public, ids[1]));
    assert_eq!(close.send().await.unwrap().status(), 204);
    let (status, _, body) = open(&client, &served, todo("u3"), &[]).await;
    assert_eq!(status, 201, "after a close: {body}");
    let (status, _, _) = open(&client, &served, todo("u4"), &[]).await;
    assert_eq!(status, 429);
    let text = served.metrics().await;
    for reason in ["sessions_per_client", "sessions_per_user"] {
        let series = format!("reason=\"{reason}\"}} ");
        assert!(
            text.lines().any(|l| l.contains(&series)),
            "{reason}: {text}"
        );
    }
    served.stop();
}

#[tokio::test]
async fn a_trusted_proxy_forwards_clients_and_an_untrusted_peer_does_not() {
    let args = [
        "--trusted-proxy",
        "127.0.0.2",
        "--max-sessions-per-client",
        "2",
    ];
    let served = Served::start_with_policy(POLICY, &["todo"], &args);
    let todo = |user: &str| json!({ "app": "demo.todo", "user": user });
    let (proxy, stranger) = (from("127.0.0.2"), from("127.0.0.1"));
    // Behind the proxy, each forwarded address has its own count: the
    // right-most entry the proxy appended, whatever the client wrote left of it.
    for (n, forwarded) in ["10.0.0.1", "6.6.6.6, 10.0.0.1", "10.0.0.2", "10.0.0.2"]
        .iter()
        .enumerate()
    {
        let user = format!("p{n}");
        let headers = [("x-forwarded-for", *forwarded)];
        let (status, _, body) = open(&proxy, &served, todo(&user), &headers).await;
        assert_eq!(status, 201, "{forwarded}: {body}");
    }
    let headers = [("x-forwarded-for", "10.0.0.1")];
    let (status, _, body) = open(&proxy, &served, todo("p9"), &headers).await;
    assert_eq!(status, 429, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("client 10.0.0.1 holds 2"), "{message}");
    // A trusted proxy's header the rule cannot read is refused.
    let headers = [("x-forwarded-for", "10.0.0.3, not-an-address")];
    let (status, _, body) = open(&proxy, &served, todo("p10"), &headers).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`not-an-address`")
    );
    // An untrusted peer's header is ignored: it is counted as itself.
    for (n, forwarded) in ["10.1.0.1", "10.1.0.2", "10.1.0.3"].iter().enumerate() {
        let headers = [("x-forwarded-for", *forwarded)];
        let (status, _, body) = open(&stranger, &served, todo(&format!("s{n}")), &headers).await;
        if n < 2 {
            assert_eq!(status, 201, "{forwarded}: {body}");
        } else {
            assert_eq!(status, 429, "{forwarded}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains("client 127.0.0.1 holds 2"), "{message}");
        }
    }
    served.stop();
}

#[tokio::test]
async fn the_user_comes_from_the_gateways_signed_header() {
    let key = miniapp_serve::operator::token::new_token();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("identity.key");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let key_arg = key_file.to_str().unwrap();
    let args = ["--identity-header", "X-User", "--identity-key", key_arg];
    let served = Served::start_with_policy(POLICY, &["todo"], &args);
    let identity = Identity::new("x-user", &key).unwrap();
    let now = miniapp_serve::identity::now();
    let alice = identity.sign("alice", now + 3600);
    let client = from("127.0.0.1");
    let todo = |user: &str| json!({ "app": "demo.todo", "user": user });

    let forged = Identity::new("x-user", &miniapp_serve::operator::token::new_token()).unwrap();
    let refused = [
        (Vec::<(&str, String)>::new(), "has none"),
        (
            vec![("x-user", "alice".to_string())],
            "USER.EXPIRY.SIGNATURE",
        ),
        (
            vec![("x-user", forged.sign("alice", now + 3600))],
            "signature is wrong",
        ),
        (
            vec![("x-user", identity.sign("alice", now - 10))],
            "expired",
        ),
    ];
    for (headers, why) in refused {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_ref())).collect();
        let (status, _, body) = open(&client, &served, todo("alice"), &headers).await;
        assert_eq!(status, 401, "{headers:?}: {body}");
        assert_eq!(body["error"]["kind"], "unidentified", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{headers:?}: {message}");
    }
    // A body naming another user than the signed one is refused.
    let (status, _, body) = open(&client, &served, todo("bob"), &[("x-user", &alice)]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["kind"], "wrong-user", "{body}");
    // The signed user, named in the body or not.
    let (status, _, body) = open(&client, &served, todo("alice"), &[("x-user", &alice)]).await;
    assert_eq!(status, 201, "{body}");
    let id = body["session"].as_str().unwrap().to_string();
    let app_only = json!({ "app": "demo.todo" });
    let (status, _, body) = open(&client, &served, app_only, &[("x-user", &alice)]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["session"], id.as_str(), "alice's session again");
    // Her session answers her, not another signed user nor an unsigned one.
    let bob = identity.sign("bob", now + 3600);
    let hide = format!("{}/v1/sessions/{id}/hide", served.public);
    for (headers, status) in [(vec![], 401), (vec![("x-user", &bob)], 403)] {
        let mut request = client.post(&hide);
        for (name, value) in headers {
            request = request.header(name, value.as_str());
        }
        assert_eq!(request.send().await.unwrap().status(), status);
    }
    let shown = client.post(&hide).header("x-user", &alice).send().await;
    assert_eq!(shown.unwrap().status(), 200);
    // So does its long poll (after a push this node never made: answered
    // at once, 410, for her).
    let frames = format!("{}/v1/sessions/{id}/frames?after=1", served.public);
    let polls = [(vec![], 401), (vec![("x-user", &bob)], 403)];
    for (headers, status) in polls.into_iter().chain([(vec![("x-user", &alice)], 410)]) {
        let mut request = client.get(&frames);
        for (name, value) in headers {
            request = request.header(name, value.as_str());
        }
        assert_eq!(request.send().await.unwrap().status(), status);
    }
    // Closed, her session's id would be rebuilt at its next use: another
    // signed user is refused before anything is rebuilt or counted.
    let session = format!("{}/v1/sessions/{id}", served.public);
    let closed = client
        .delete(&session)
        .header("x-user", &alice)
        .send()
        .await;
    assert!(closed.unwrap().status().is_success());
    let live = "miniapp_sessions_live";
    assert_eq!(served.metric(live).await, Some(0.0));
    let stolen = client.post(&hide).header("x-user", &bob).send().await;
    assert_eq!(stolen.unwrap().status(), 403);
    assert_eq!(served.metric(live).await, Some(0.0), "rebuilt for bob");
    served.stop();
}

#[tokio::test]
async fn the_operator_back_off_counts_the_client_behind_a_trusted_proxy() {
    let served = Served::start(&[], &["--trusted-proxy", "127.0.0.1/32"]);
    let proxy = from("127.0.0.1");
    let apps = format!("{}/v1/operator/apps", served.operator);
    let call = |forwarded: &'static str, token: String| {
        (proxy.get(&apps))
            .header("x-forwarded-for", forwarded)
            .bearer_auth(token)
            .send()
    };
    let wrong = || "0123456789abcdef0123456789abcdef".to_string();
    // Guess until a right token from the guesser's address is barred too
    // (each wrong token past a bar doubles the next, so the bar soon
    // outlasts the gap between two calls, however slow the machine).
    let deadline = std::time::Instant::now() + crate::serve::HANG;
    loop {
        let _ = call("10.0.0.1", wrong()).await.unwrap();
        let right = call("10.0.0.1", TOKEN.to_string()).await.unwrap();
        let seconds = right
            .headers()
            .get("retry-after")
            .map(|s| s.to_str().unwrap().to_string());
        if right.status() == 429 && seconds.is_some_and(|s| s.parse::<u32>().unwrap() >= 8) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the guessing client was never barred"
        );
    }
    // Behind the same proxy, another client with the right token is
    // served: the bar is the guesser's, not the proxy's.
    let other = call("10.0.0.2", TOKEN.to_string()).await.unwrap();
    assert_eq!(other.status(), 200, "another client behind the proxy");
    served.stop();
}
