//! A session entering a node's table, opened anew (`Host::open`) or rebuilt
//! from its id (`Host::find`), goes in by one way: marked active as it
//! enters, so that the eviction pass of a node up for days keeps it, and
//! its refusals counted alike. A real node's host on the todo example.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use miniapp_serve::host::{Host, Limits, OpenRequest};

mod common;

const TODO: &str = "demo.todo";
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A host over `dir` with the todo example published, started `up` ago
/// (its eviction pass reads idleness as time since the start).
fn node(dir: &Path, limits: Limits, up: Duration) -> Host {
    common::node("todo", dir, limits, up)
}

fn request(user: &str) -> OpenRequest {
    serde_json::from_value(serde_json::json!({ "app": TODO, "user": user })).unwrap()
}

/// The refusals counted for the todo app, all reasons.
fn refusals(host: &Host) -> f64 {
    let text = host.metrics_text();
    let mine = text.lines().filter(|line| {
        line.starts_with("miniapp_refusals_total{") && line.contains(&format!("app=\"{TODO}\""))
    });
    mine.map(|line| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// Past `forget` (24 h by default) since the node started.
const DAYS_UP: Duration = Duration::from_secs(3 * 24 * 3600);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opened_on_a_node_up_for_days_is_not_forgotten_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        app_queue: 1,
        ..Limits::default()
    };
    let host = node(dir.path(), limits, DAYS_UP);
    // The app's queue is full: the open is refused with 429 after the
    // session entered the table (the client's retry brings it back).
    let busy = host.admit(TODO).unwrap();
    let refused = host.open(request("ada"), CLIENT).await.err().expect("429");
    assert_eq!(refused.status, 429, "{refused}");
    host.evict();
    let kept = host.sessions.of_user(TODO, "ada");
    assert!(
        kept.is_some(),
        "the eviction pass forgot a session just opened"
    );
    drop(busy);
    let opened = host.open(request("ada"), CLIENT).await.unwrap();
    let (session, start) = (opened.session, opened.start);
    assert_eq!(
        (session.id.as_str(), start),
        (kept.unwrap().id.as_str(), "cold")
    );

    // Rebuilt from its id (as after a restart, or on another node): the
    // same, kept by the eviction pass.
    host.close(&session).await;
    assert!(host.sessions.get(&session.id).is_none());
    let found = host.find(&session.id, CLIENT, None).unwrap();
    host.evict();
    assert!(
        host.sessions.get(&found.id).is_some(),
        "forgot a found session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_app_refuses_a_rebuilt_session_and_counts_it_as_an_open() {
    let dir = tempfile::tempdir().unwrap();
    let host = node(dir.path(), Limits::default(), Duration::ZERO);
    let session = host.open(request("ada"), CLIENT).await.unwrap().session;
    host.close(&session).await;
    host.catalog
        .change(TODO, |record| {
            record.killed = Some("Paused by the operator".into());
            Ok(())
        })
        .unwrap();
    let before = refusals(&host);
    let opened = host
        .open(request("bob"), CLIENT)
        .await
        .err()
        .expect("killed");
    assert_eq!(opened.status, 403, "{opened}");
    assert_eq!(refusals(&host), before + 1.0, "the open's refusal");
    let found = host.find(&session.id, CLIENT, None).err().expect("killed");
    assert_eq!((found.status, found.kind), (opened.status, opened.kind));
    assert_eq!(
        refusals(&host),
        before + 2.0,
        "the rebuilt session's refusal"
    );
    assert!(host.sessions.is_empty(), "{} sessions", host.sessions.len());
}
