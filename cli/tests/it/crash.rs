//! Exactly once across a crash: many writers on `miniapp serve`, the server
//! killed (SIGKILL) at random moments while their events are in flight,
//! every event not answered retried with its client id on the restarted
//! server until it is; then every write that was answered is stored once,
//! and none twice. On redb (the server's own store) and on PostgreSQL.
//!
//! `MINIAPP_CRASH_ROUNDS` sets the number of kills (default 8); each test
//! prints its tally (`rounds, writes, lost, doubled`) on stderr.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use miniapp_runtime::platform::kv::KvStore as _;
use serde_json::{Value, json};

use crate::cluster::Postgres;
use crate::serve::{HANG, Served};

/// Writers at once, each a user with a session of the todo app.
const WRITERS: usize = 16;

/// Kills of the server: `MINIAPP_CRASH_ROUNDS`, default 8.
fn rounds() -> usize {
    let rounds = std::env::var("MINIAPP_CRASH_ROUNDS").ok();
    rounds.and_then(|r| r.parse().ok()).unwrap_or(8)
}

/// A random number below `n`.
fn random_below(n: u64) -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(Instant::now()) % n
}

/// The server the writers talk to (it moves to new ports at each restart),
/// what they have had answered, and when to stop.
struct Shared {
    public: RwLock<String>,
    answered: AtomicUsize,
    stop: AtomicBool,
}

/// Add `w{writer}-{n}` items one after another (client id: the title),
/// each sent again, with its id, until it is answered; returns how many
/// were answered. A connection refused or reset (the server was killed),
/// 503 and 429 are retried; any other answer fails the test.
async fn write(shared: Arc<Shared>, session: String, writer: usize) -> usize {
    let http = reqwest::Client::builder().timeout(HANG).build().unwrap();
    let mut n = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        let title = format!("w{writer}-{n}");
        let event = json!({
            "cid": title, "selector": "#new", "kind": "confirm", "detail": { "value": title }
        });
        let started = Instant::now();
        loop {
            let public = shared.public.read().unwrap().clone();
            let url = format!("{public}/v1/sessions/{session}/events");
            match http.post(&url).json(&event).send().await {
                Ok(answer) if answer.status() == 200 => break,
                Ok(answer) if [503, 429].contains(&answer.status().as_u16()) => {}
                Ok(answer) => {
                    let status = answer.status();
                    let body = answer.text().await.unwrap_or_default();
                    panic!("{title}: {status} {body}");
                }
                Err(_) => {}
            }
            assert!(started.elapsed() < HANG, "{title} never answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        n += 1;
        shared.answered.fetch_add(1, Ordering::Relaxed);
    }
    n
}

/// Run the writers on `served` through `rounds()` kills (each once every
/// writer has had about one event answered since the last restart, after
/// a random 0-400 ms more), restarting with `restart_args`. Returns the
/// server and how many items each writer had answered.
async fn writers_through_kills(served: Served, restart_args: &[&str]) -> (Served, Vec<usize>) {
    let mut sessions = Vec::new();
    for writer in 0..WRITERS {
        sessions.push(
            served
                .session("demo.todo", &format!("writer-{writer}"))
                .await,
        );
    }
    let shared = Arc::new(Shared {
        public: RwLock::new(served.public.clone()),
        answered: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    let writers: Vec<_> = (sessions.into_iter().enumerate())
        .map(|(writer, session)| tokio::spawn(write(shared.clone(), session, writer)))
        .collect();
    let mut served = served;
    for _ in 0..rounds() {
        // A wait for traffic, bounded only against a hang.
        let from = shared.answered.load(Ordering::Relaxed);
        let waited = Instant::now();
        while shared.answered.load(Ordering::Relaxed) < from + WRITERS {
            assert!(waited.elapsed() < HANG, "the writers made no progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(random_below(400))).await;
        served = tokio::task::block_in_place(|| served.kill_and_restart(restart_args));
        *shared.public.write().unwrap() = served.public.clone();
    }
    shared.stop.store(true, Ordering::Relaxed);
    let mut answered = Vec::new();
    for writer in writers {
        answered.push(writer.await.unwrap());
    }
    (served, answered)
}

/// Writes answered, answered writes not stored, copies stored beyond one.
#[derive(Debug, PartialEq)]
struct Tally {
    writes: usize,
    lost: usize,
    doubled: usize,
}

/// The tally of the writers' `answered` counts against `stored`, the todo
/// lists as stored (JSON, one per writer); every stored item must be one
/// a writer sent.
fn tally(answered: &[usize], stored: &[String]) -> Tally {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for list in stored {
        let list: Value = serde_json::from_str(list).expect("a todo list");
        for item in list["items"].as_array().expect("items") {
            *copies
                .entry(item["title"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let mut tally = Tally {
        writes: 0,
        lost: 0,
        doubled: 0,
    };
    for (writer, &n) in answered.iter().enumerate() {
        for i in 0..n {
            let stored = copies.remove(&format!("w{writer}-{i}")).unwrap_or(0);
            tally.writes += 1;
            tally.lost += usize::from(stored == 0);
            tally.doubled += stored.saturating_sub(1);
        }
    }
    assert!(copies.is_empty(), "stored but never sent: {copies:?}");
    tally
}

/// The tally of the run, on stderr (shown with `--nocapture`).
#[allow(
    clippy::disallowed_macros,
    reason = "the test's own figures, no app text"
)]
fn report(store: &str, tally: &Tally) {
    eprintln!(
        "crash ({store}): rounds {}, writers {WRITERS}, writes {}, lost {}, doubled {}",
        rounds(),
        tally.writes,
        tally.lost,
        tally.doubled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_every_answered_write_is_stored_exactly_once_on_redb() {
    let served = Served::start(&["todo"], &[]);
    let (mut served, answered) = writers_through_kills(served, &[]).await;
    let dir = std::mem::replace(&mut served.dir, tempfile::tempdir().unwrap());
    assert!(served.stop().success());
    let store =
        miniapp_runtime::platform::kv::RedbStore::open(&dir.path().join("data/storage.redb"))
            .expect("the server's store opens");
    let stored: Vec<String> = (0..WRITERS)
        .filter_map(|writer| {
            let ns = format!("data:demo.todo:writer-{writer}");
            let list = store.get(&ns, "todos").unwrap()?;
            Some(String::from_utf8(list).unwrap())
        })
        .collect();
    let tally = tally(&answered, &stored);
    report("redb", &tally);
    assert!(tally.writes > 0);
    assert_eq!((tally.lost, tally.doubled), (0, 0), "{tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_every_answered_write_is_stored_exactly_once_on_postgres() {
    let pg = Postgres::start();
    let database = ["--database", pg.url.as_str()];
    let served = Served::start(&["todo"], &[database[0], database[1], "--migrate"]);
    let (served, answered) = writers_through_kills(served, &database).await;
    assert!(served.stop().success());
    let stored = std::process::Command::new("psql")
        .args([pg.url.as_str(), "-Atc"])
        .arg("SELECT convert_from(value, 'UTF8') FROM kv WHERE key = 'todos'")
        .output()
        .expect("psql runs");
    assert!(stored.status.success());
    let stored: Vec<String> = (String::from_utf8(stored.stdout).unwrap().lines())
        .map(str::to_string)
        .collect();
    let tally = tally(&answered, &stored);
    report("PostgreSQL", &tally);
    assert!(tally.writes > 0);
    assert_eq!((tally.lost, tally.doubled), (0, 0), "{tally:?}");
}
