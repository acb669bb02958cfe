//! The operator plane's API by version number: what each call changed in
//! its audit line, rollbacks that do not toggle, and tokens scoped to read
//! or scrape.

use reqwest::Method;
use serde_json::{Value, json};

use crate::serve::Served;

/// The lines of the server's operator audit.
fn audit(served: &Served) -> Vec<Value> {
    let path = served.dir.path().join("data/operator-audit.jsonl");
    (std::fs::read_to_string(path).unwrap().lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The last audit line of `call` (`METHOD PATH`).
fn line_of(lines: &[Value], call: &str) -> Value {
    (lines.iter().rev())
        .find(|l| l["call"] == call)
        .unwrap_or_else(|| panic!("no {call} in {lines:#?}"))
        .clone()
}

#[tokio::test]
async fn every_operator_call_audits_what_it_changed_by_number_and_hash() {
    let served = Served::start(&["todo"], &[]);
    let v2 = served.publish_todo_as("0.2.0").await;
    let apps = "/v1/operator/apps/demo.todo";
    let release = json!({ "version": "0.2.0", "percent": 30 });
    let (status, body) = (served.op(Method::POST, &format!("{apps}/release"), Some(release))).await;
    assert_eq!(status, 200, "{body}");
    // Where a user goes, by number and hash.
    let (_, routed) = (served.op(Method::GET, &format!("{apps}/route?user=u1"), None)).await;
    assert!(
        ["0.1.0", "0.2.0"].contains(&routed["number"].as_str().unwrap()),
        "{routed}"
    );
    assert_eq!(routed["hash"], routed["version"], "{routed}");
    let (status, one) = (served.op(Method::GET, &format!("{apps}/versions/0.2.0"), None)).await;
    assert_eq!(
        (status, &one["version"]["hash"]),
        (200, &json!(v2)),
        "{one}"
    );

    let back = json!({ "to": "0.1.0", "reason": "crash on launch" });
    let (status, body) = (served.op(Method::POST, &format!("{apps}/rollback"), Some(back))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["from"]["version"], &body["to"]["version"]),
        (&json!("0.2.0"), &json!("0.1.0"))
    );
    assert_eq!(body["changed"], true, "{body}");
    let kill = json!({ "reason": "broken build", "version": "0.2.0" });
    let (status, body) = (served.op(Method::PUT, &format!("{apps}/kill"), Some(kill))).await;
    assert_eq!(status, 200, "{body}");

    let lines = audit(&served);
    let published = line_of(&lines, "POST /v1/operator/apps/demo.todo/versions");
    let released = line_of(&lines, "POST /v1/operator/apps/demo.todo/release");
    let rolled = line_of(&lines, "POST /v1/operator/apps/demo.todo/rollback");
    let killed = line_of(&lines, "PUT /v1/operator/apps/demo.todo/kill");
    for line in [&published, &released, &rolled, &killed] {
        assert_eq!(line["operator"], "alice", "{line}");
        assert_eq!(line["app"], "demo.todo", "{line}");
        assert_eq!(line["source"], "127.0.0.1", "{line}");
        assert!(
            line["time_ms"]
                .as_u64()
                .is_some_and(|t| t > 1_700_000_000_000),
            "{line}"
        );
        assert!(line.get("at_ms").is_none(), "one time field: {line}");
    }
    for line in [&published, &released, &killed] {
        assert_eq!(
            (&line["version"], &line["hash"]),
            (&json!("0.2.0"), &json!(v2)),
            "{line}"
        );
    }
    assert_eq!(released["percent"], 30, "{released}");
    assert_eq!(rolled["from"]["version"], "0.2.0", "{rolled}");
    assert_eq!(rolled["from"]["hash"], v2.as_str(), "{rolled}");
    assert_eq!(rolled["to"]["version"], "0.1.0", "{rolled}");
    assert_eq!(rolled["reason"], "crash on launch", "{rolled}");
    assert_eq!(killed["reason"], "broken build", "{killed}");
    served.stop();
}

#[tokio::test]
async fn a_rollback_names_its_target_and_a_retry_does_not_toggle_back() {
    let served = Served::start(&["todo"], &[]);
    served.publish_todo_as("0.2.0").await;
    let apps = "/v1/operator/apps/demo.todo";
    let stable = |v: &str| json!({ "version": v, "percent": 100 });
    served
        .op(
            Method::POST,
            &format!("{apps}/release"),
            Some(stable("0.2.0")),
        )
        .await;
    let (status, _) = served
        .op(Method::POST, &format!("{apps}/release/complete"), None)
        .await;
    assert_eq!(status, 200);
    // To 0.1.0, twice: the second changes nothing (before, a rollback
    // without a target went back one each time: 0.1.0, then 0.2.0 again).
    for changed in [true, false] {
        let back = json!({ "to": "0.1.0" });
        let (status, body) =
            (served.op(Method::POST, &format!("{apps}/rollback"), Some(back))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["changed"], changed, "{body}");
        assert_eq!(body["status"]["stable"]["version"], "0.1.0", "{body}");
    }
    // Without a target and no release in progress: refused, naming what to do.
    let (status, body) = served
        .op(Method::POST, &format!("{apps}/rollback"), None)
        .await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no release in progress") && message.contains("0.2.0"),
        "{message}"
    );
    let (_, app) = served.op(Method::GET, apps, None).await;
    assert_eq!(app["status"]["stable"]["version"], "0.1.0", "{app}");
    // Not a stable version: refused.
    let (status, body) = (served.op(
        Method::POST,
        &format!("{apps}/rollback"),
        Some(json!({ "to": "7.0.0" })),
    ))
    .await;
    assert_eq!(status, 404, "{body}");
    served.stop();
}

#[tokio::test]
async fn a_metrics_token_scrapes_and_a_read_token_reads_but_neither_can_kill() {
    let scrape = miniapp_serve::operator::token::new_token();
    let read = miniapp_serve::operator::token::new_token();
    let lines = format!("scraper {scrape} metrics\nauditor {read} read\n");
    let served = Served::start_with_tokens(&lines, &["todo"], &[]);
    let client = reqwest::Client::new();
    let call = |method: Method, path: &str, token: &str| {
        let request = client.request(method, format!("{}{path}", served.operator));
        request
            .bearer_auth(token)
            .json(&json!({ "reason": "scraped" }))
            .send()
    };
    let apps = "/v1/operator/apps";
    let kill = "/v1/operator/apps/demo.todo/kill";
    let metrics = call(Method::GET, "/metrics", &scrape).await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("miniapp_"));
    for (token, path, method) in [
        (&scrape, kill, Method::PUT),
        (&scrape, apps, Method::GET),
        (&read, kill, Method::PUT),
        (&read, "/v1/operator/apps/demo.todo/rollback", Method::POST),
    ] {
        let refused = call(method.clone(), path, token).await.unwrap();
        assert_eq!(refused.status(), 403, "{method} {path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["kind"], "forbidden", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("scope `full`"),
            "{body}"
        );
    }
    assert_eq!(call(Method::GET, apps, &read).await.unwrap().status(), 200);
    assert_eq!(
        call(Method::GET, "/metrics", &read).await.unwrap().status(),
        200
    );
    let (status, _) = served.open("demo.todo", "u1").await;
    assert_eq!(status, 201, "not killed");
    let lines = audit(&served);
    let refused = line_of(&lines, "PUT /v1/operator/apps/demo.todo/kill");
    assert_eq!(
        (&refused["operator"], &refused["status"]),
        (&json!("auditor"), &json!(403))
    );
    served.stop();
}

#[test]
fn serve_publish_at_start_keeps_a_number_published_once() {
    let mut served = Served::start(&["todo"], &[]);
    assert!(served.terminate().wait().unwrap().success());
    let dir = served.dir.path();
    let other = crate::operator_cli::todo_described("0.1.0", "other content", dir);
    let restarted = crate::serve::serve_command(dir, &[])
        .arg("--publish")
        .arg(&other)
        .output()
        .unwrap();
    let said = crate::cli::stderr(&restarted);
    assert_eq!(restarted.status.code(), Some(2), "{said}");
    assert!(
        said.contains("version 0.1.0 of `demo.todo` is already published with other content"),
        "{said}"
    );
}

#[tokio::test]
async fn a_reason_is_bounded_in_characters_not_bytes() {
    let served = Served::start(&["todo"], &[]);
    let kill = "/v1/operator/apps/demo.todo/kill";
    // 400 characters of Chinese, 1,200 bytes: users read it in their language.
    let reason = "版本崩溃".repeat(100);
    let body = json!({ "reason": reason });
    let (status, answer) = served.op(Method::PUT, kill, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let body = json!({ "reason": "a".repeat(501) });
    let (status, answer) = served.op(Method::PUT, kill, Some(body)).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("500 characters"), "{answer}");
    served.stop();
}
