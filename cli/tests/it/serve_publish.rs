//! Publish checks the policy: an app that declares capabilities the policy
//! denies is refused, on the operator plane and at start, unless the
//! operator says to publish it anyway (then with a warning naming each).

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::cli::{package, stderr};
use crate::serve::{Served, TOKEN};

/// `POST .../apps/{app}/versions{query}` with the package of `example`: the
/// status and the body.
async fn publish(served: &Served, app: &str, example: &str, query: &str) -> (u16, Value) {
    let bytes = std::fs::read(package(example)).unwrap();
    served.publish(app, query, bytes).await
}

// The tests' policy grants `demo.shop` nothing; it declares `identity`,
// `payment` and `storage`.

#[tokio::test]
async fn an_app_whose_capabilities_the_policy_denies_is_refused_naming_each() {
    let served = Served::start(&[], &[]);
    let (status, body) = publish(&served, "demo.shop", "shop", "").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["kind"], "denied", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    for capability in ["identity", "payment", "storage"] {
        assert!(
            message.contains(&format!("capability `{capability}`")),
            "{message}"
        );
    }
    assert!(message.contains("[apps.\"demo.shop\"]"), "{message}");
    assert!(message.contains("allow-denied"), "{message}");
    let (status, body) = served
        .op(reqwest::Method::GET, "/v1/operator/apps/demo.shop", None)
        .await;
    assert_eq!(status, 404, "refused, so not in the catalog: {body}");
    served.stop();
}

#[tokio::test]
async fn with_allow_denied_it_publishes_with_a_warning_naming_each() {
    let served = Served::start(&[], &[]);
    let (status, body) = publish(&served, "demo.shop", "shop", "?allow-denied=true").await;
    assert_eq!(status, 201, "{body}");
    let warnings: Vec<&str> = (body["warnings"].as_array().unwrap().iter())
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    for capability in ["http", "identity", "payment", "storage"] {
        let named = format!("capability `{capability}`");
        assert!(warnings.iter().any(|w| w.contains(&named)), "{warnings:?}");
    }
    let origin = "origin `http://127.0.0.1:8766`";
    assert!(warnings.iter().any(|w| w.contains(origin)), "{warnings:?}");
    let (status, _) = served
        .op(reqwest::Method::GET, "/v1/operator/apps/demo.shop", None)
        .await;
    assert_eq!(status, 200);
    served.stop();
}

#[tokio::test]
async fn a_granted_app_still_publishes_without_warnings() {
    let served = Served::start(&[], &[]);
    let (status, body) = publish(&served, "demo.todo", "todo", "").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["warnings"], serde_json::json!([]), "{body}");
    served.stop();
}

#[test]
fn serve_refuses_to_start_with_a_denied_app_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tokens"), format!("alice {TOKEN}\n")).unwrap();
    let shop = package("shop");
    let out = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--operator-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--operator-token-file")
        .arg(dir.path().join("tokens"))
        .args(["--publish", &shop])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("demo.shop"), "{text}");
    assert!(text.contains("capability `payment`"), "{text}");
    assert!(text.contains("--allow-denied"), "{text}");
}

#[tokio::test]
async fn serve_starts_with_a_denied_app_given_allow_denied_or_grant_declared() {
    for flag in ["--allow-denied", "--grant-declared"] {
        let served = Served::start(&["shop"], &[flag]);
        let (status, body) = served
            .op(reqwest::Method::GET, "/v1/operator/apps/demo.shop", None)
            .await;
        assert_eq!(status, 200, "{flag}: {body}");
        served.stop();
    }
}

#[test]
fn load_counts_the_host_calls_a_denied_app_is_refused_as_errors() {
    // The shop gets storage but neither `identity` nor `payment`: its calls
    // of those are denied, while its events still answer `ok` (with the
    // count of refused calls in their `refused`). Without --metrics the
    // answers say it; with it, the server's counters too, counted once.
    let policy = "[apps.\"demo.shop\"]\npermissions = [\"storage\"]\n";
    let server = Served::start_with_policy(policy, &["shop"], &["--allow-denied"]);
    let token = server.dir.path().join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    for with_metrics in [false, true] {
        let mut load = Command::new(env!("CARGO_BIN_EXE_miniapp"));
        load.args(["load", &server.public, "--apps", "shop"]).args([
            "--sessions",
            "2",
            "--duration",
            "1",
            "--json",
        ]);
        if with_metrics {
            load.args(["--metrics", &server.operator, "--token-file"])
                .arg(&token);
        }
        let out = load.output().expect("miniapp load runs");
        let report: Value = serde_json::from_str(crate::cli::stdout(&out).trim())
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", stderr(&out)));
        let denied = report["errors_by_kind"]["denied"].as_u64().unwrap_or(0);
        assert!(denied > 0, "--metrics {with_metrics}: {report}");
        assert!(
            report["errors"].as_u64().unwrap() >= denied,
            "--metrics {with_metrics}: {report}"
        );
    }
    server.stop();
}
