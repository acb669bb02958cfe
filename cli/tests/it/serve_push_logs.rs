//! `miniapp serve`'s push logs bounded for the whole node
//! (`--push-log-bytes`): with two apps pushing, the one holding the most
//! loses its oldest pushes first, a long poll for them is told
//! `frames-lost` naming the node's bound, and `/metrics` counts them.

use serde_json::json;

use crate::serve::Served;
use crate::serve_timers::poll;

/// The timers example published again as another app.
const TICKER: &str = "demo.ticker";
const TIMERS: &str = "demo.timers";
/// The node's bound: about twenty of the timers' pushes.
const NODE_BYTES: u64 = 4096;

/// Publish the timers example as [`TICKER`] over the operator API.
async fn publish_ticker(served: &Served) {
    let path = crate::cli::package("timers");
    let mut package =
        miniapp_runtime::Package::read(std::path::Path::new(&path), &Default::default()).unwrap();
    package.manifest.id = TICKER.to_string();
    let (status, body) = served
        .publish(TICKER, "", package.to_bytes().unwrap())
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Start an interval of `times` ticks in `session` of `app` and wait until
/// its last tick is pushed (the metric counts the completion just before
/// its push; a poll after the tick before waits for it).
async fn tick(served: &Served, app: &str, session: &str, times: u64) {
    let detail = json!({ "ms": 5, "times": times });
    let (status, body) = served.event(session, "s1", "#start", "tap", detail).await;
    assert_eq!(status, 200, "{body}");
    let completions = format!("miniapp_completions_total{{app=\"{app}\"}}");
    served
        .until_metric(&completions, |n| n >= times as f64)
        .await;
    let (status, body) = poll(served, session, &(times - 1).to_string()).await;
    assert_eq!(
        (status, body["last"].as_u64()),
        (200, Some(times)),
        "{body}"
    );
}

#[tokio::test]
async fn past_the_node_s_push_log_bound_the_app_holding_the_most_loses_its_oldest_pushes() {
    let bound = NODE_BYTES.to_string();
    let served = Served::start(&["timers"], &["--push-log-bytes", &bound]);
    publish_ticker(&served).await;
    let ada = served.session(TIMERS, "ada").await;
    let bob = served.session(TICKER, "bob").await;
    // Sixty pushes (fewer than a session keeps, far fewer bytes than an
    // app's sessions keep) from the busy app, then five from the other.
    tick(&served, TIMERS, &ada, 60).await;
    tick(&served, TICKER, &bob, 5).await;

    let (status, body) = poll(&served, &bob, "0").await;
    assert_eq!(status, 200, "the quiet app keeps its pushes: {body}");
    let seqs: Vec<Option<u64>> = (body["frames"].as_array().unwrap().iter())
        .map(|push| push["seq"].as_u64())
        .collect();
    assert_eq!(seqs, (1..=5).map(Some).collect::<Vec<_>>());

    let (status, body) = poll(&served, &ada, "0").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (410, Some("frames-lost")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("this node's 4 KiB of push logs"),
        "{message}"
    );
    // Its latest pushes are still there.
    let (status, body) = poll(&served, &ada, "59").await;
    assert_eq!((status, body["frames"][0]["seq"].as_u64()), (200, Some(60)));

    let metric = |name: &str, app: &str| format!("{name}{{app=\"{app}\"}}");
    let dropped = "miniapp_push_log_dropped_total";
    let busy = served.metric(&metric(dropped, TIMERS)).await;
    assert!(busy.is_some_and(|n| n >= 1.0), "{busy:?}");
    assert_eq!(served.metric(&metric(dropped, TICKER)).await, Some(0.0));
    let held = async |app| {
        let series = metric("miniapp_push_log_bytes", app);
        served.metric(&series).await.unwrap()
    };
    let (busy, quiet) = (held(TIMERS).await, held(TICKER).await);
    assert!(quiet > 0.0, "{quiet}");
    assert!(busy + quiet <= NODE_BYTES as f64, "{busy} + {quiet}");
    served.stop();
}

#[test]
fn a_push_log_bound_of_0_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = format!("alice {}\n", crate::serve::TOKEN);
    std::fs::write(dir.path().join("tokens"), tokens).unwrap();
    std::fs::write(dir.path().join("policy.toml"), "").unwrap();
    let out = crate::serve::serve_command(dir.path(), &["--push-log-bytes", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("--push-log-bytes must be 1 or more"),
        "{error}"
    );
}
