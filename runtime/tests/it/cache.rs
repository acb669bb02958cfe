//! The compiled-artifact cache and the instance allocator: a package is
//! compiled once; later loads map the verified artifact; a damaged or foreign
//! entry is rebuilt, never trusted; the live-instance cap refuses cleanly.

use std::path::{Path, PathBuf};

use miniapp_runtime::platform::cache::CacheOutcome;
use miniapp_runtime::{Error, Event, LaunchOptions, Providers, Runtime};

use crate::common::{example, granting};

fn runtime(dir: &Path) -> Runtime {
    crate::common::runtime(dir, granting(&example("hello")), Providers::default())
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

async fn still_runs(rt: &Runtime) -> CacheOutcome {
    let app = rt.load(example("hello")).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    inst.dispatch(&Event::tap("index", "tap")).await.unwrap();
    assert_eq!(inst.page_data()["count"], 1);
    app.compiled_from().clone()
}

#[tokio::test]
async fn compiled_once_then_loaded_from_memory_and_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let rt = runtime(dir.path());
        assert_eq!(still_runs(&rt).await, CacheOutcome::Compiled);
        assert_eq!(still_runs(&rt).await, CacheOutcome::InMemory);
    }
    assert_eq!(entries(dir.path()).len(), 1);
    let rt = runtime(dir.path());
    assert_eq!(still_runs(&rt).await, CacheOutcome::Disk);
}

#[tokio::test]
async fn damaged_or_foreign_entries_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    drop(runtime(dir.path()).load(example("hello")).unwrap());
    let entry = entries(dir.path()).pop().unwrap();
    let good = std::fs::read(&entry).unwrap();

    let mut flipped = good.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x40;
    let foreign = {
        // An artifact keyed with another secret: not written by this cache.
        let mut f = good.clone();
        f[8] ^= 1;
        f
    };
    for (what, bytes) in [
        ("flipped", flipped),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("foreign", foreign),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&entry, bytes).unwrap();
        let rt = runtime(dir.path());
        match still_runs(&rt).await {
            CacheOutcome::Rebuilt(reason) => {
                assert!(
                    reason.contains("failed its integrity check"),
                    "{what}: {reason}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
        drop(rt);
        // The rebuilt entry is good again.
        assert_eq!(std::fs::read(&entry).unwrap().len(), good.len(), "{what}");
        assert_eq!(
            still_runs(&runtime(dir.path())).await,
            CacheOutcome::Disk,
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_new_cache_key_invalidates_old_entries() {
    let dir = tempfile::tempdir().unwrap();
    drop(runtime(dir.path()).load(example("hello")).unwrap());
    std::fs::remove_file(dir.path().join("cache/cache.key")).unwrap();
    let outcome = still_runs(&runtime(dir.path())).await;
    assert!(matches!(outcome, CacheOutcome::Rebuilt(_)), "{outcome:?}");
}

#[tokio::test]
async fn the_pooling_allocator_runs_apps_and_the_live_cap_refuses_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let hello = example("hello");
    let rt = Runtime::builder(dir.path())
        .policy(granting(&hello))
        .pooling(true)
        .max_live_instances(2)
        .build()
        .unwrap();
    let app = rt.load(hello).unwrap();
    let a = app.launch(LaunchOptions::default()).await.unwrap();
    let _b = app.launch(LaunchOptions::default()).await.unwrap();
    let err = app
        .launch(LaunchOptions::default())
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, Error::Capacity { live: 2, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "app `demo.hello`: cannot launch, 2 instances are live (the runtime's cap)"
    );
    drop(a);
    let mut c = app.launch(LaunchOptions::default()).await.unwrap();
    c.dispatch(&Event::tap("index", "tap")).await.unwrap();
    assert_eq!(c.page_data()["count"], 1);
}

#[tokio::test]
async fn hidden_apps_are_kept_warm_then_evicted_by_the_idle_policy() {
    use miniapp_runtime::platform::sessions::{IdlePolicy, Sessions, Start};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let app = rt.load(example("hello")).unwrap();
    let key = ("demo.hello".to_string(), None);

    let mut sessions = Sessions::new(IdlePolicy {
        keep_hidden: Duration::from_secs(3600),
        max_hidden: 10,
    });
    let (start, inst) = sessions.open(&app, LaunchOptions::default()).await.unwrap();
    assert_eq!(start, Start::Cold);
    inst.dispatch(&Event::tap("index", "tap")).await.unwrap();
    sessions.hide(&key).await.unwrap();
    assert!(sessions.evict_idle().is_empty(), "kept for an hour");
    let (start, inst) = sessions.open(&app, LaunchOptions::default()).await.unwrap();
    assert_eq!(start, Start::Warm);
    assert_eq!(inst.page_data()["count"], 1, "state survived in memory");

    let mut sessions = Sessions::new(IdlePolicy {
        keep_hidden: Duration::ZERO,
        max_hidden: 10,
    });
    sessions.open(&app, LaunchOptions::default()).await.unwrap();
    sessions.hide(&key).await.unwrap();
    assert_eq!(sessions.evict_idle(), vec![key.clone()]);
    assert!(sessions.is_empty());
    let (start, inst) = sessions.open(&app, LaunchOptions::default()).await.unwrap();
    assert_eq!(start, Start::Cold);
    assert_eq!(inst.page_data()["count"], 0);
}
