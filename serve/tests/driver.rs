//! A session's driver, the task that delivers its completions between
//! events, exists only while its instance is shown and has something
//! pending: none after a launch that set no timer, one while an interval
//! runs, none once it stopped itself, none while hidden, none once the
//! session ended. A real node's host on the timers example.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use miniapp_serve::host::{Action, Host, Limits, OpenRequest};
use miniapp_serve::session::{Session, Target};
use serde_json::{Value, json};

mod common;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// What turns a hang into a failure; not a measure.
const HANG: Duration = Duration::from_secs(60);

/// A tap on the timers page's button `button`, with `detail`, which the
/// app must take.
async fn tap(host: &Arc<Host>, session: &Arc<Session>, cid: &str, button: &str, detail: Value) {
    let action = Action::Event {
        cid: cid.into(),
        target: Target::Selector(format!("#{button}")),
        kind: "tap".into(),
        detail,
    };
    act(host, session, action).await;
}

/// `action`, which must succeed, then what a client's request does after it.
async fn act(host: &Arc<Host>, session: &Arc<Session>, action: Action) {
    let reply = host.act(session, action).await;
    assert!(reply.result.is_ok(), "{:?}", reply.result.err());
    host.drive(session);
}

/// Run the future `body` makes on a runtime of two workers, on a thread of its own with a
/// 16 MiB stack: a debug build's launch path, polled under the test's own
/// future, comes near the 2 MiB of a test thread (release builds use a
/// fraction of it; `miniapp serve` gives its workers 8 MiB).
fn on_a_large_stack<F: std::future::Future<Output = ()>>(
    body: impl FnOnce() -> F + Send + 'static,
) {
    let thread = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(body())
        })
        .unwrap();
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// Wait until `holds`, bounded only against a hang.
async fn until(what: &str, holds: impl Fn() -> bool) {
    let deadline = Instant::now() + HANG;
    while !holds() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A node's host on the timers example under `limits` (in `dir`), and Ada's
/// session on it.
async fn timers_session(dir: &std::path::Path, limits: Limits) -> (Arc<Host>, Arc<Session>) {
    let host = Arc::new(common::node("timers", dir, limits, Duration::ZERO));
    let request: OpenRequest =
        serde_json::from_value(json!({ "app": "demo.timers", "user": "ada" })).unwrap();
    let session = host.open(request, CLIENT).await.unwrap().session;
    (host, session)
}

#[test]
fn a_session_has_a_driver_only_while_its_shown_instance_has_something_pending() {
    on_a_large_stack(|| async move {
        let dir = tempfile::tempdir().unwrap();
        let (host, session) = timers_session(dir.path(), Limits::default()).await;
        host.drive(&session);
        assert!(!session.is_driven(), "nothing is pending after the launch");

        // Two ticks, then the interval stops itself, and the driver with it.
        tap(
            &host,
            &session,
            "s1",
            "start",
            json!({ "ms": 20, "times": 2 }),
        )
        .await;
        assert!(session.is_driven());
        let mut pushed = session.pushes.subscribe();
        let ticked = tokio::time::timeout(HANG, pushed.wait_for(|n| *n >= 2)).await;
        assert!(ticked.is_ok(), "two ticks never came");
        until("the driver outlived the interval", || !session.is_driven()).await;
        assert_eq!(session.pushes.last(), 2, "no third tick");

        // An interval of a minute: driven while shown, not while hidden.
        tap(&host, &session, "s2", "start", json!({ "ms": 60_000 })).await;
        assert!(session.is_driven());
        act(&host, &session, Action::Hide).await;
        until("a hidden session kept its driver", || !session.is_driven()).await;
        act(&host, &session, Action::Show).await;
        assert!(session.is_driven(), "shown again, its timer waits again");
        host.close(&session).await;
        until("an ended session kept its driver", || !session.is_driven()).await;
    });
}

#[test]
fn a_forgotten_session_loses_its_driver() {
    on_a_large_stack(|| async move {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            forget: Duration::from_millis(1),
            ..Limits::default()
        };
        let (host, session) = timers_session(dir.path(), limits).await;
        // An interval of ten minutes: its driver waits far past the test.
        tap(&host, &session, "s1", "start", json!({ "ms": 600_000 })).await;
        assert!(session.is_driven());
        // Past `forget` without events, the eviction pass forgets it.
        until("the session was never forgotten", || {
            host.evict();
            host.sessions.get(&session.id).is_none()
        })
        .await;
        until("a forgotten session kept its driver", || {
            !session.is_driven()
        })
        .await;
    });
}

#[test]
fn a_draining_node_stops_its_drivers_and_starts_none() {
    on_a_large_stack(|| async move {
        let dir = tempfile::tempdir().unwrap();
        let (host, session) = timers_session(dir.path(), Limits::default()).await;
        tap(&host, &session, "s1", "start", json!({ "ms": 600_000 })).await;
        assert!(session.is_driven());
        host.draining.send_replace(true);
        until("a draining node kept a driver", || !session.is_driven()).await;
        // Its events are still served; their timers wait for another node.
        tap(&host, &session, "o1", "once", json!({ "ms": 600_000 })).await;
        assert!(!session.is_driven());
    });
}
