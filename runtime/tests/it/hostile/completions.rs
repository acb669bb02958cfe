//! The hostile apps that attack the async surface (timers and the
//! completions of pending calls): `timer-storm` and `stale-completion`.
//! Both take `on-complete` raw, without the SDK's executor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use miniapp_runtime::{AppInstance, Error, Event, LaunchOptions, Manifest, Policy, TrapKind};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::{arena_of, arena_under, holding, hostile};
use crate::common::{assert_refused, failed, repacked};

/// Longest a test waits for a completion that is due (a hang guard, not a
/// timing assertion).
const HANG: Duration = Duration::from_secs(120);

/// Timer firings a second in the storm's arena.
const FIRINGS: u64 = 20;

/// Wait for the next completion that may be due, then deliver all that
/// are: how many, each `Ok`.
async fn deliver_due(inst: &mut AppInstance) -> u64 {
    let wake = inst.wake();
    assert!(
        tokio::time::timeout(HANG, wake.wait()).await.is_ok(),
        "nothing came to deliver within {HANG:?}"
    );
    let mut delivered = 0;
    while let Some(outcome) = inst.complete_next().await {
        outcome.unwrap();
        delivered += 1;
    }
    delivered
}

fn tap(handler: &str) -> Event {
    Event::tap("index", handler)
}

/// The storm runs on while the witness adds `WITNESS_EVENTS` items; then it
/// is delivered until it has had three seconds' worth of firings and at
/// least one more callback after the witness's last. Were the firings
/// unbounded, that many 0 ms timers would be delivered in milliseconds:
/// the count is checked against the whole seconds that passed (an upper
/// bound, so a slower machine only makes it looser). Each completion's
/// budget ends one that spins, and the instance's timers end with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn a_timer_storm_is_held_to_its_quotas_while_its_neighbour_is_served() {
    const WITNESS_EVENTS: usize = 5;
    let quotas = format!("timers = 8\ntimer_firings_per_second = {FIRINGS}");
    let arena = arena_of("timer-storm", &quotas);
    // Before the launch, so before the instance's first firing window.
    let began = Instant::now();
    let (app, mut storm) = arena.opened().await;
    storm.dispatch(&tap("attack")).await.unwrap();
    let data = storm.page_data().clone();
    assert_refused(
        &data,
        "quota-exceeded",
        "8 timers set already, the most one instance of this app may have at once (quota `timers`)",
    );
    assert_eq!(
        (&data["intervals"], &data["timeouts"]),
        (&json!(4), &json!(4))
    );

    let storming = Arc::new(tokio::sync::Semaphore::new(0));
    let witness = {
        let (todo, storming) = (arena.todo.clone(), storming.clone());
        tokio::spawn(async move {
            let mut inst = todo.launch(LaunchOptions::default()).await.unwrap();
            storming.acquire().await.unwrap().forget();
            for i in 0..WITNESS_EVENTS {
                let add = Event::tap("index", "add").with_detail(json!({ "title": i.to_string() }));
                inst.dispatch(&add).await.unwrap();
            }
            inst.page_data()["todos"].as_array().unwrap().len()
        })
    };
    let mut delivered = 0;
    let mut at_witness_end = None;
    while delivered < 3 * FIRINGS || at_witness_end.is_none_or(|at| delivered == at) {
        if at_witness_end.is_none() && witness.is_finished() {
            at_witness_end = Some(delivered);
        }
        assert!(
            storm.wake().at().is_some(),
            "the storm never ends by itself"
        );
        delivered += deliver_due(&mut storm).await;
        storming.add_permits(1);
    }
    let elapsed = began.elapsed();
    assert_eq!(witness.await.unwrap(), WITNESS_EVENTS);
    assert!(
        delivered <= FIRINGS * (elapsed.as_secs() + 1),
        "{delivered} firings delivered in {elapsed:?}, at most {FIRINGS} a second"
    );
    // The guest received exactly what the host delivered, and fed the
    // storm from its completions: timeouts re-armed, the rest refused.
    let data = storm.page_data().clone();
    assert_eq!(data["completions"], delivered, "{data}");
    assert!(data["rearmed"].as_u64().unwrap() > 0, "{data}");
    assert_eq!(data["rearm_error_kind"], "quota-exceeded", "{data}");
    let refused = data["rearm_refused"].as_u64().unwrap();
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.completions, usage.timers),
        (delivered, 8),
        "{usage:?}"
    );
    assert_eq!(usage.quota_hits, refused + 1, "each refusal is counted");
    assert!(arena.audited_quota("quota `timers`"));

    // A completion that spins is ended by its own budget.
    storm.dispatch(&tap("spin")).await.unwrap();
    let wake = storm.wake();
    assert!(tokio::time::timeout(HANG, wake.wait()).await.is_ok());
    let spun = storm.complete_next().await.expect("a firing is due");
    let Err(Error::Trapped { kind, reason, .. }) = spun else {
        panic!("expected a trap, got {spun:?}");
    };
    assert_eq!(
        (kind, reason.as_str()),
        (
            TrapKind::Cpu,
            "CPU quota of 200000000 fuel per event exceeded"
        )
    );
    assert!(storm.is_discarded());
    assert!(storm.wake().at().is_none(), "its timers ended with it");
    assert!(storm.complete_next().await.is_none());
    assert_eq!(app.usage().unwrap().timers, 0);
    assert!(arena.audited_trap(TrapKind::Cpu));
    arena.witness_still_works(WITNESS_EVENTS).await;
}

/// The journal entry of the completion of call `id`.
fn entry(journal: &Value, id: &Value) -> Value {
    let found = journal.as_array().unwrap().iter().find(|e| &e["id"] == id);
    found
        .unwrap_or_else(|| panic!("no completion of {id} in {journal}"))
        .clone()
}

/// A refusal of a call with a stale id, as the guest journals it.
fn assert_no_response(refusal: &Value) {
    assert_eq!(refusal["kind"], "invalid-argument", "{refusal}");
    let error = refusal["error"].as_str().unwrap();
    assert!(error.contains("has no response to take"), "{error}");
}

#[tokio::test]
pub(super) async fn stale_completions_are_refused_or_never_delivered() {
    let arena = arena_of("stale-completion", "");
    let (app, mut inst) = arena.opened().await;
    inst.dispatch(&tap("attack")).await.unwrap();
    let data = inst.page_data().clone();
    // Responses of ids it never got, of a call still pending, of a call it
    // cancelled: each refused.
    assert_eq!(data["outcome"], "refused", "{data}");
    for take in ["never_got", "never_given", "pending", "cancelled"] {
        assert_eq!(data[format!("{take}_error_kind")], "invalid-argument");
        let error = data[format!("{take}_error")].as_str().unwrap();
        assert!(error.contains("has no response to take"), "{error}");
    }
    let (cancelled, live, other) = (&data["cancelled_id"], &data["live_id"], &data["other_id"]);
    assert_eq!(live.as_u64(), cancelled.as_u64().map(|c| c + 1), "{data}");

    // Only the live timeout fires: the cancelled one never does, and the
    // cancel of its id before the host gave it was ignored.
    assert_eq!(deliver_due(&mut inst).await, 1);
    let far = inst.wake().at().expect("the 600 s timeout is left");
    assert!(
        far > Instant::now() + Duration::from_secs(300),
        "nothing else is due"
    );
    inst.dispatch(&tap("report")).await.unwrap();
    let report = inst.page_data().clone();
    let journal = &report["journal"];
    assert_eq!(journal.as_array().unwrap().len(), 1, "{journal}");
    let fired = entry(journal, live);
    assert_eq!(
        (&fired["outcome"], &fired["set_data"]),
        (&json!("done"), &json!("ok"))
    );
    // A timer has no response; another call's is not its to take; nor is
    // its own once delivered.
    assert_no_response(&fired["take_own"]);
    assert_no_response(&fired["take_other"]);
    assert_no_response(&report["taken_after"][0]);
    assert_eq!(report["last_completion"], *live);

    // The page leaves with two calls pending; a new `index` comes.
    inst.dispatch(&tap("leave")).await.unwrap();
    let left = inst.page_data()["left_call"].clone();
    assert!(left.is_u64(), "{}", inst.page_data());
    inst.dispatch(&Event::tap("away", "back")).await.unwrap();
    assert_eq!(inst.pages().len(), 1);
    assert_eq!(inst.page_data(), &json!({}), "a new page");
    // Both end cancelled, and reach no page's data.
    assert_eq!(deliver_due(&mut inst).await, 2);
    assert_eq!(inst.page_data(), &json!({}), "the new page got nothing");
    assert!(inst.wake().at().is_none(), "nothing is left pending");
    assert_eq!(app.usage().unwrap().calls_cancelled, 2);
    inst.dispatch(&tap("report")).await.unwrap();
    let journal = inst.page_data()["journal"].clone();
    assert_eq!(journal.as_array().unwrap().len(), 3, "{journal}");
    for id in [other, &left] {
        let ended = entry(&journal, id);
        assert_eq!(
            (&ended["outcome"], &ended["why"]),
            (&json!("cancelled"), &json!("page unloaded"))
        );
        assert_eq!(ended["set_data"]["kind"], "invalid-argument", "{ended}");
        let error = ended["set_data"]["error"].as_str().unwrap();
        assert!(
            error.contains("the page that started this call has left the stack"),
            "{error}"
        );
    }
    let ids: Vec<&Value> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert!(
        !ids.contains(&cancelled),
        "the cancelled call completed: {journal}"
    );

    // A trap ends the instance with its timers: the next one gets none.
    let err = failed(&mut inst, &tap("trap")).await;
    assert!(matches!(err, Error::Trapped { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("stale-completion traps with two timers set"),
        "{err}"
    );
    assert!(arena.audited_trap(TrapKind::Other));
    assert!(inst.wake().at().is_none());
    inst.dispatch(&tap("report")).await.unwrap();
    assert_eq!(inst.page_data()["journal"], json!([]), "a fresh instance");
    assert!(inst.wake().at().is_none(), "no timer of the trapped one");
    assert!(inst.complete_next().await.is_none());
    arena.witness_still_works(0).await;
}

/// Cancellations wait in the instance's ready queue until the embedder
/// delivers them; an app whose pages leave with timers set, event after
/// event, piles them up. Each holds host memory until delivered, so the
/// pile stops at the instance's host memory budget, by name.
#[tokio::test]
async fn cancellations_nobody_delivers_stop_at_the_host_memory_budget() {
    let budget = 64 * 1024;
    let (arena, mut inst) = holding("stale-completion", budget).await;
    let mut refused = None;
    for _ in 0..200 {
        let piled = inst.dispatch(&tap("pile")).await;
        let (used, limit) = inst.host_memory();
        assert!(used <= limit && limit == budget, "{used} of {limit}");
        let error = match piled {
            Ok(()) => inst.page_data()["error"].as_str().unwrap_or("").to_owned(),
            Err(e) => e.to_string(),
        };
        if error.contains("host memory budget") {
            refused = Some(error);
            break;
        }
        assert!(error.contains("quota `timers`"), "{error}");
    }
    let refused = refused.expect("the pile never reached the host memory budget");
    assert!(
        refused.contains("host memory budget of 65536 bytes"),
        "{refused}"
    );
    assert!(arena.audited_quota("host memory budget"));
    // Delivered, every one ends `cancelled` and gives its memory back.
    let held = inst.host_memory().0;
    let mut delivered = 0;
    while let Some(outcome) = tokio::time::timeout(HANG, inst.complete_next())
        .await
        .unwrap()
    {
        outcome.unwrap();
        delivered += 1;
    }
    assert!(inst.host_memory().0 < held);
    inst.dispatch(&tap("tally")).await.unwrap();
    let tally = inst.page_data();
    assert_eq!(
        (&tally["piled"], &tally["received"], &tally["unloaded"]),
        (&json!(delivered), &json!(delivered), &json!(delivered)),
        "every timer set ended in one cancellation"
    );
    arena.witness_still_works(0).await;
}

/// A server on 127.0.0.1 that answers each request (its path as the body)
/// only once [`HeldServer::answer`] lets it, and counts the requests it
/// received and those whose client hung up while held.
struct HeldServer {
    origin: String,
    answers: Arc<Semaphore>,
    received: Arc<Semaphore>,
    abandoned: Arc<Semaphore>,
}

impl HeldServer {
    async fn start() -> HeldServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let counter = || Arc::new(Semaphore::new(0));
        let (answers, received, abandoned) = (counter(), counter(), counter());
        let server = HeldServer {
            origin,
            answers: answers.clone(),
            received: received.clone(),
            abandoned: abandoned.clone(),
        };
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (answers, received) = (answers.clone(), received.clone());
                let abandoned = abandoned.clone();
                tokio::spawn(async move {
                    let mut request = vec![0u8; 4096];
                    let n = socket.read(&mut request).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&request[..n]).into_owned();
                    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    received.add_permits(1);
                    let mut more = [0u8; 1];
                    tokio::select! {
                        permit = answers.acquire() => permit.unwrap().forget(),
                        // The client hung up (or wrote past its request).
                        _ = socket.read(&mut more) => return abandoned.add_permits(1),
                    }
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{path}",
                        path.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        server
    }

    /// Let `n` more requests be answered.
    fn answer(&self, n: usize) {
        self.answers.add_permits(n);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

/// `stale-completion` declaring `server`'s origin, in an arena whose
/// operator allows 127.0.0.1.
fn fetching_arena(server: &HeldServer) -> super::Arena {
    let package = hostile("stale-completion");
    let manifest = Manifest {
        origins: vec![server.origin.clone()],
        ..package.manifest.clone()
    };
    let package = repacked(&package, manifest, package.assets.clone());
    let mut policy = Policy::default();
    policy.defaults.allow_addresses.push("127.0.0.1".into());
    arena_under(policy, &package, "", true)
}

/// Each response is taken in its own call's completion only: not by
/// another call's completion (which leaves it in place), not twice, not
/// after. A request in flight when its instance traps is abandoned: the
/// next instance never gets it.
#[tokio::test]
async fn a_response_is_its_own_call_s_and_ends_with_its_instance() {
    let server = HeldServer::start().await;
    let arena = fetching_arena(&server);
    let (app, mut inst) = arena.opened().await;
    let urls = [server.url("/first"), server.url("/second")];
    let fetch = |urls: &[String]| tap("fetch").with_detail(json!({ "urls": urls }));
    inst.dispatch(&fetch(&urls)).await.unwrap();
    let ids = inst.page_data()["fetch_ids"].clone();
    assert_eq!(ids.as_array().unwrap().len(), 2, "{}", inst.page_data());
    server.answer(2);
    let mut delivered = 0;
    while delivered < 2 {
        delivered += deliver_due(&mut inst).await;
    }
    inst.dispatch(&tap("report")).await.unwrap();
    let journal = inst.page_data()["journal"].clone();
    for (id, path) in ids.as_array().unwrap().iter().zip(["/first", "/second"]) {
        let done = entry(&journal, id);
        assert_eq!(done["outcome"], "done", "{done}");
        // The other's response was refused to it, and left for the other.
        assert_no_response(&done["take_fetches"][0]);
        assert_eq!(done["take_own"], json!({ "taken": path }), "{done}");
    }
    for taken_after in inst.page_data()["taken_after"].as_array().unwrap() {
        assert_no_response(taken_after);
    }
    assert_eq!(app.usage().unwrap().completions, 2);

    // A request held while its instance traps.
    inst.dispatch(&fetch(&[server.url("/held")])).await.unwrap();
    let arrived = tokio::time::timeout(HANG, server.received.acquire_many(3)).await;
    assert!(arrived.is_ok(), "the request never arrived");
    let err = failed(&mut inst, &tap("trap")).await;
    assert!(matches!(err, Error::Trapped { .. }), "{err}");
    let abandoned = tokio::time::timeout(HANG, server.abandoned.acquire()).await;
    assert!(
        abandoned.is_ok(),
        "the trapped instance's request was never abandoned"
    );
    server.answer(1);
    inst.dispatch(&tap("report")).await.unwrap();
    assert_eq!(inst.page_data()["journal"], json!([]), "a fresh instance");
    assert!(inst.wake().at().is_none());
    assert!(
        inst.complete_next().await.is_none(),
        "nothing of the trapped one"
    );
    assert_eq!(app.usage().unwrap().pending_calls, 0);
    arena.witness_still_works(0).await;
}
