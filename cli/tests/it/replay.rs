//! A failing event replayed: a real `miniapp serve` keeps the recording of
//! a session whose event trapped, its operator lists and fetches it
//! (`miniapp operator recordings`, `recording`), and `miniapp replay`
//! reproduces the trap and the page data from it; the node's bounds on
//! recordings (the policy's `[recordings]`) drop and expire them.

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{assert_exit, miniapp, package, stderr, stdout};
use crate::operator_cli::operator;
use crate::serve::{Served, TOKEN, until};

/// The guest whose third tap (per user: counted in storage) reads storage,
/// the clock and randomness, shows them in `seen` and panics with them.
const TRAP_LATER: &str = "hostile/trap-later";
const APP: &str = "hostile.trap-later";

/// The policy: the guest's storage, and `recordings` as the `[recordings]`
/// table's lines.
fn policy(recordings: &str) -> String {
    format!(
        "[apps.\"{APP}\"]\npermissions = [\"storage\"]\nper_user_storage = true\n\n\
         [recordings]\n{recordings}\n"
    )
}

/// Tap three times as `user`: the third traps. The error it answered.
async fn trap(served: &Served, user: &str) -> Value {
    let session = served.session(APP, user).await;
    for n in 1..=2 {
        let (status, body) =
            (served.event(&session, &format!("t{n}"), "view", "tap", json!({}))).await;
        assert_eq!(status, 200, "tap {n}: {body}");
    }
    let (status, body) = served.event(&session, "t3", "view", "tap", json!({})).await;
    assert!(status >= 400, "the third tap traps: {status} {body}");
    body
}

/// The app's recordings on `served`, as the operator API lists them.
async fn listed(served: &Served) -> Vec<Value> {
    let path = format!("/v1/operator/apps/{APP}/recordings");
    let (status, body) = served.op(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    body["recordings"].as_array().cloned().unwrap_or_default()
}

/// Wait until the writer has kept `n` recordings of the app.
async fn until_listed(served: &Served, n: usize) -> Vec<Value> {
    until(&format!("{n} recordings listed"), async || {
        listed(served).await.len() == n
    })
    .await;
    listed(served).await
}

/// `miniapp replay FILE PACKAGE --json`: the exit code and the object.
fn replay(file: &Path, package: &str) -> (Option<i32>, Value, String) {
    let out = miniapp(&["replay", file.to_str().unwrap(), package, "--json"]);
    let said = serde_json::from_str(stdout(&out).trim()).unwrap_or(Value::Null);
    (out.status.code(), said, stderr(&out))
}

#[tokio::test]
async fn a_trap_in_a_served_session_is_kept_fetched_and_replayed_to_the_same_trap_and_data() {
    let reader = miniapp_serve::operator::token::new_token();
    let served = Served::start_with_tokens(&format!("reader {reader} read\n"), &[], &[]);
    std::fs::write(served.dir.path().join("policy.toml"), policy("")).unwrap();
    let mut served = served.kill_and_restart(&["--publish", &package(TRAP_LATER)]);
    let refused = trap(&served, "ada").await;
    assert!(
        refused.to_string().contains("trap-later: tap 3"),
        "{refused}"
    );

    // Listed, with what an operator needs to pick it.
    let recordings = until_listed(&served, 1).await;
    let kept = &recordings[0];
    assert_eq!(kept["app"], APP, "{kept}");
    assert_eq!(kept["version"], "0.1.0", "{kept}");
    assert_eq!(kept["outcome"], "trapped", "{kept}");
    let message = kept["message"].as_str().unwrap().to_string();
    assert!(message.contains("trap-later: tap 3 at "), "{kept}");
    assert!(kept["events"].as_u64().unwrap() >= 3, "{kept}");
    assert!(kept["bytes"].as_u64().unwrap() > 0, "{kept}");
    assert!(kept["expires_at_ms"].as_u64() > kept["recorded_at_ms"].as_u64());
    let id = kept["id"].as_str().unwrap().to_string();

    // Only with an operator's token; a read token lists but never fetches
    // what a user did.
    let client = reqwest::Client::new();
    let listing = format!("{}/v1/operator/apps/{APP}/recordings", served.operator);
    let one = format!("{listing}/{id}");
    assert_eq!(client.get(&listing).send().await.unwrap().status(), 401);
    assert_eq!(client.get(&one).send().await.unwrap().status(), 401);
    let read = |url: &str| client.get(url).bearer_auth(&reader).send();
    assert_eq!(read(&listing).await.unwrap().status(), 200);
    assert_eq!(read(&one).await.unwrap().status(), 403);
    let traversal = format!("{listing}/..%2F..%2Foperator-audit.jsonl");
    let bad = client
        .get(traversal)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The operator CLI lists and saves it.
    let lines = operator(&served, &["recordings", APP]);
    assert!(lines.status.success(), "{}", stderr(&lines));
    let lines = stdout(&lines);
    assert!(lines.contains(&id) && lines.contains("trapped"), "{lines}");
    let file = served.dir.path().join("trap.rec");
    let saved = operator(
        &served,
        &["recording", APP, &id, "-o", file.to_str().unwrap()],
    );
    assert!(saved.status.success(), "{}", stderr(&saved));
    let fetched = client.get(&one).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(
        fetched.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        fetched.bytes().await.unwrap(),
        std::fs::read(&file).unwrap()
    );

    // Replayed against the package: the same trap, and the page data it
    // showed, from the recorded clock and randomness.
    let trap_later = package(TRAP_LATER);
    let (code, said, err) = replay(&file, &trap_later);
    assert_eq!(code, Some(0), "{said} {err}");
    assert_eq!(said["reproduced"], true, "{said}");
    assert_eq!(said["replayed"]["outcome"], "trapped", "{said}");
    assert_eq!(said["replayed"]["message"], message.as_str(), "{said}");
    assert_eq!(said["route"], "index", "{said}");
    assert_eq!(said["data"]["taps"], 3, "{said}");
    let seen = said["data"]["seen"].as_str().unwrap();
    assert!(seen.starts_with("tap 3 at "), "{said}");
    assert!(message.contains(seen), "{seen} is not what {message} says");

    // Another package is refused, naming both hashes; so is a file that is
    // no recording.
    let todo = package("todo");
    let (code, _, err) = replay(&file, &todo);
    assert_eq!(code, Some(2), "{err}");
    let hash_of = |package: &str| {
        let out = miniapp(&["inspect", package, "--json"]);
        let inspected: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        inspected["hash"].as_str().unwrap().to_string()
    };
    for hash in [hash_of(&trap_later), hash_of(&todo)] {
        assert!(err.contains(&hash), "{hash} not in {err}");
    }
    let garbage = served.dir.path().join("garbage.rec");
    std::fs::write(&garbage, b"not a recording at all").unwrap();
    let out = miniapp(&["replay", garbage.to_str().unwrap(), &trap_later]);
    assert_exit(&out, 2, "is not a recording");
    let truncated = served.dir.path().join("truncated.rec");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = miniapp(&["replay", truncated.to_str().unwrap(), &trap_later]);
    assert_exit(&out, 2, "is not a recording");

    // Deleted by the operator: gone from the list and the disk.
    let deleted = operator(&served, &["recording", APP, &id, "--delete"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(listed(&served).await.is_empty());
    let kept_dir = served.dir.path().join("data/recordings").join(APP);
    assert_eq!(std::fs::read_dir(kept_dir).unwrap().count(), 0);
    assert!(served.terminate().wait().unwrap().success());
}

#[tokio::test]
async fn past_its_count_an_app_s_new_recordings_are_dropped_counted_and_audited() {
    let served = Served::start_with_policy(&policy("per_app = 1"), &[TRAP_LATER], &[]);
    trap(&served, "ada").await;
    let first = until_listed(&served, 1).await;
    let refused = trap(&served, "bob").await;
    assert!(refused.to_string().contains("trap-later"), "{refused}");
    let dropped = format!("miniapp_recordings_dropped_total{{app=\"{APP}\",reason=\"count\"}}");
    served.until_metric(&dropped, |n| n == 1.0).await;
    // The first is kept; the user saw the trap, not the drop.
    assert_eq!(listed(&served).await, first);
    let audit = served.dir.path().join("data/audit.jsonl");
    until("the drop audited", async || {
        let text = std::fs::read_to_string(&audit).unwrap_or_default();
        text.lines()
            .any(|l| l.contains(APP) && l.contains("[recordings] per_app"))
    })
    .await;
}

#[tokio::test]
async fn a_recording_past_its_age_is_deleted() {
    let served = Served::start_with_policy(&policy("keep_secs = 1"), &[TRAP_LATER], &[]);
    trap(&served, "ada").await;
    let kept = format!("miniapp_recordings_kept_total{{app=\"{APP}\",version=\"0.1.0\"}}");
    served.until_metric(&kept, |n| n == 1.0).await;
    let dir = served.dir.path().join("data/recordings").join(APP);
    until("the recording expired", async || {
        listed(&served).await.is_empty() && std::fs::read_dir(&dir).unwrap().count() == 0
    })
    .await;
}
