//! Record and replay (`miniapp_runtime::replay`): a session of
//! `hostile/trap-later` recorded in one runtime, its failing event replayed
//! in another whose store is empty, to the same trap and page data; a
//! refused event kept; another package, a diverging guest and a ring past
//! its bound refused, each saying why; nothing but what crossed to the
//! guest in a recording's bytes.

use miniapp_runtime::replay::{self, Entry, Outcome, Recording, ReplayError};
use miniapp_runtime::{AppInstance, Event, LaunchOptions, Package, Policy, Providers, Runtime};

use crate::common::{example, granting};

/// A user id no recording may hold (the app never sees it).
const USER: &str = "user-7f3a-never-in-a-recording";

fn trap_later() -> Package {
    example("hostile/trap-later")
}

/// A runtime over `dir` that records, with `policy`.
fn recording_runtime(dir: &std::path::Path, policy: Policy) -> Runtime {
    Runtime::builder(dir)
        .policy(policy)
        .providers(Providers::default())
        .recording(true)
        .build()
        .expect("runtime builds")
}

/// A runtime over `dir` that replays (it does not record), granting
/// trap-later what it declares.
fn replaying_runtime(dir: impl AsRef<std::path::Path>) -> Runtime {
    Runtime::builder(dir.as_ref())
        .policy(granting(&trap_later()))
        .build()
        .unwrap()
}

async fn launch_as(rt: &Runtime, package: &Package, user: &str) -> AppInstance {
    let options = LaunchOptions {
        user: Some(user.into()),
        ..LaunchOptions::default()
    };
    rt.load(package.clone())
        .unwrap()
        .launch(options)
        .await
        .unwrap()
}

fn tap() -> Event {
    Event {
        gesture: true,
        ..Event::new("index", "tap")
    }
}

/// Tap trap-later three times in a recording runtime over `dir`: the third
/// traps; its recording, through its bytes.
async fn trapped_session(dir: &std::path::Path, policy: Policy) -> (Recording, String) {
    let rt = recording_runtime(dir, policy);
    let mut inst = launch_as(&rt, &trap_later(), USER).await;
    inst.dispatch(&tap()).await.unwrap();
    inst.dispatch(&tap()).await.unwrap();
    assert!(inst.take_recording().is_none(), "nothing failed yet");
    let trap = inst
        .dispatch(&tap())
        .await
        .expect_err("the third tap traps");
    let recording = inst.take_recording().expect("the trap's recording is kept");
    assert!(inst.take_recording().is_none(), "taken once");
    let bytes = recording.to_bytes();
    assert_eq!(recording.bytes, bytes.len() as u64);
    (Recording::from_bytes(&bytes).unwrap(), trap.to_string())
}

#[tokio::test]
pub(crate) async fn a_trap_on_the_third_event_replays_to_the_same_trap_and_page_data() {
    let recorded_dir = tempfile::tempdir().unwrap();
    let (recording, trap) = trapped_session(recorded_dir.path(), granting(&trap_later())).await;
    assert_eq!(
        recording.outcome,
        Outcome::Trapped {
            message: trap.clone()
        }
    );
    assert!(trap.contains("trap-later: tap 3 at"), "{trap}");
    let summary = recording.summary();
    assert_eq!(
        (summary.app.as_str(), summary.events),
        ("hostile.trap-later", 4)
    );
    // What the guest saw at the trap, as its panic names it.
    let seen = trap.split("trap-later: ").nth(1).unwrap();
    let seen = seen.split(['\n', '(']).next().unwrap().trim();

    // Replayed elsewhere, later: a store that never saw this user, a clock
    // that has moved on, fresh randomness.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().unwrap();
    let rt = replaying_runtime(dir.path());
    let replayed = replay::replay(&rt, &trap_later(), &recording)
        .await
        .unwrap();
    assert!(replayed.reproduced, "{:?}", replayed.outcome);
    assert_eq!(replayed.outcome, Some(recording.outcome.clone()));
    assert_eq!(replayed.route, "index");
    assert_eq!(replayed.page_data["taps"], 3, "{}", replayed.page_data);
    assert_eq!(replayed.page_data["seen"], seen, "{}", replayed.page_data);
    // Its storage writes were answered, never made.
    let app = rt.load(trap_later()).unwrap();
    assert_eq!(
        app.storage(None).unwrap().keys().unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        app.storage(Some(USER)).unwrap().keys().unwrap(),
        Vec::<String>::new()
    );
    assert!(
        replayed.instance.is_discarded(),
        "the trap discarded it again"
    );
}

#[tokio::test]
async fn a_refused_event_is_kept_and_replays_refused_with_the_instance_alive() {
    let dir = tempfile::tempdir().unwrap();
    let rt = recording_runtime(dir.path(), granting(&trap_later()));
    let mut inst = launch_as(&rt, &trap_later(), USER).await;
    inst.dispatch(&tap()).await.unwrap();
    let refused = inst
        .dispatch(&Event::new("index", "refuse"))
        .await
        .expect_err("refused");
    let recording = inst.take_recording().expect("a refused event is kept");
    assert_eq!(
        recording.outcome,
        Outcome::Refused {
            message: refused.to_string()
        }
    );
    assert!(
        refused.to_string().contains("refused on purpose"),
        "{refused}"
    );
    // The instance goes on, recording.
    inst.dispatch(&tap()).await.unwrap();
    assert_eq!(inst.page_data()["taps"], 2);

    let replay_dir = tempfile::tempdir().unwrap();
    let replay_rt = replaying_runtime(replay_dir.path());
    let mut replayed = replay::replay(&replay_rt, &trap_later(), &recording)
        .await
        .unwrap();
    assert!(replayed.reproduced, "{:?}", replayed.outcome);
    assert_eq!(replayed.page_data["taps"], 1, "{}", replayed.page_data);
    // Past the recording it runs live, on the replay's own store.
    replayed.instance.dispatch(&tap()).await.unwrap();
    assert_eq!(replayed.instance.page_data()["taps"], 1);
}

#[tokio::test]
async fn a_recording_replayed_against_another_package_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let (recording, _) = trapped_session(dir.path(), granting(&trap_later())).await;
    let other = example("crash");
    let rt = Runtime::builder(dir.path().join("replay"))
        .policy(granting(&other))
        .build()
        .unwrap();
    let Err(error) = replay::replay(&rt, &other, &recording).await else {
        panic!("another package must be refused");
    };
    assert!(matches!(error, ReplayError::OtherPackage { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&recording.package_hash), "{message}");
    assert!(message.contains(&other.hash), "{message}");
}

#[tokio::test]
async fn a_guest_that_asks_for_another_call_than_recorded_stops_the_replay() {
    let dir = tempfile::tempdir().unwrap();
    let (mut recording, _) = trapped_session(dir.path(), granting(&trap_later())).await;
    // The recording as another build of the app would have made it: its
    // first storage read is a `keys`.
    let at = (recording.entries.iter())
        .position(|e| matches!(e, Entry::Call { name, .. } if name == "storage.get"))
        .expect("the recording holds the storage read");
    let Entry::Call { name, .. } = &mut recording.entries[at] else {
        unreachable!()
    };
    *name = "storage.keys".into();
    let rt = replaying_runtime(dir.path().join("replay"));
    let Err(error) = replay::replay(&rt, &trap_later(), &recording).await else {
        panic!("a diverging replay must stop");
    };
    let ReplayError::Diverged {
        at: diverged_at,
        expected,
        got,
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*diverged_at, at);
    assert!(expected.contains("storage.keys"), "{error}");
    assert!(got.contains("storage.get"), "{error}");
}

#[tokio::test]
async fn a_ring_past_its_bound_is_kept_as_not_replayable_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut policy = granting(&trap_later());
    policy.defaults.quotas = toml::from_str("recording_entries = 8").unwrap();
    let (recording, _) = trapped_session(dir.path(), policy).await;
    let why = recording.not_replayable.clone().expect("past its bound");
    assert!(
        why.contains("8 entries") && why.contains("recording_entries"),
        "{why}"
    );
    assert!(recording.entries.is_empty());
    assert_eq!(recording.summary().not_replayable, Some(why.clone()));
    let rt = replaying_runtime(dir.path().join("replay"));
    let Err(error) = replay::replay(&rt, &trap_later(), &recording).await else {
        panic!("a recording past its bound cannot replay");
    };
    assert!(error.to_string().contains(&why), "{error}");
}

#[tokio::test]
async fn a_recording_holds_nothing_the_app_did_not_see() {
    let dir = tempfile::tempdir().unwrap();
    let rt = recording_runtime(dir.path(), granting(&trap_later()));
    // Another user of the same app, with a marker in their storage.
    let marker = "other-user-secret-4b1d";
    let other = rt.load(trap_later()).unwrap();
    let bob = "bob-another-user-of-the-app";
    other
        .storage(Some(bob))
        .unwrap()
        .set("note", marker.as_bytes())
        .unwrap();
    let mut inst = launch_as(&rt, &trap_later(), USER).await;
    for _ in 0..3 {
        let _ = inst.dispatch(&tap()).await;
    }
    let bytes = inst.take_recording().expect("kept").to_bytes();
    for secret in [USER, marker, bob] {
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "the recording holds {secret:?}");
    }
}

#[test]
fn garbage_and_truncated_recordings_are_refused_saying_why() {
    let Err(error) = Recording::from_bytes(b"not a recording at all") else {
        panic!("garbage must be refused");
    };
    assert!(error.to_string().contains("magic"), "{error}");
    let recording = Recording {
        format: replay::FORMAT,
        app: "a".into(),
        version: "1".into(),
        package_hash: "h".into(),
        recorded_at_unix_ms: 1,
        outcome: Outcome::Refused {
            message: "m".into(),
        },
        entries: vec![Entry::Input {
            hook: "on-show".into(),
        }],
        not_replayable: None,
        bytes: 0,
    };
    let bytes = recording.to_bytes();
    let Err(error) = Recording::from_bytes(&bytes[..bytes.len() - 3]) else {
        panic!("a truncated recording must be refused");
    };
    assert!(error.to_string().contains("does not decode"), "{error}");
    let mut other_format = bytes.clone();
    other_format[8] = 9;
    let Err(error) = Recording::from_bytes(&other_format) else {
        panic!("another format must be refused");
    };
    assert!(error.to_string().contains("format 9"), "{error}");
    assert_eq!(
        Recording::from_bytes(&bytes).unwrap().entries,
        recording.entries
    );
}

#[tokio::test]
async fn taps_through_the_rendered_view_replay_as_they_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let rt = recording_runtime(dir.path(), granting(&trap_later()));
    let mut inst = launch_as(&rt, &trap_later(), USER).await;
    // The view event resolves to the page's `tap` handler: one recorded
    // event, the handler's dispatch part of it.
    crate::common::tap(&mut inst, "view").await.unwrap();
    crate::common::tap(&mut inst, "view").await.unwrap();
    let trap = crate::common::tap(&mut inst, "view")
        .await
        .expect_err("traps");
    let recording = inst.take_recording().expect("kept");
    assert_eq!(recording.summary().events, 4);
    let rt = replaying_runtime(dir.path().join("replay"));
    let replayed = replay::replay(&rt, &trap_later(), &recording)
        .await
        .unwrap();
    assert_eq!(
        replayed.outcome,
        Some(Outcome::Trapped {
            message: trap.to_string()
        })
    );
    assert!(replayed.reproduced);
    assert_eq!(replayed.page_data["taps"], 3, "{}", replayed.page_data);
}
