//! Cold start of the bench mini-program, phase by phase (criterion). Engine,
//! linker and `InstancePre` stay outside the timed loop where the phase says
//! so; each instantiation phase runs with the default (on-demand) and the
//! pooling allocator. `miniapp bench` reports the same phases with
//! percentiles and baselines.
//!
//! Run: `cargo bench -p miniapp-benches`

use criterion::{BenchmarkId, Criterion, criterion_main};
use miniapp_runtime::{Event, LaunchOptions, Policy, Runtime};

fn runtime(dir: &std::path::Path, policy: &Policy, pooling: bool) -> Runtime {
    Runtime::builder(dir)
        .policy(policy.clone())
        .pooling(pooling)
        .build()
        .expect("runtime")
}

fn cold_start(c: &mut Criterion) {
    let package = miniapp_benches::example("bench").expect("the bench example builds");
    let data = tempfile::tempdir().unwrap();
    let mut policy = Policy::default();
    policy.grant_declared(&package.manifest);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tap = Event::tap("index", "tap");

    let mut group = c.benchmark_group("bench");
    group.sample_size(10);
    let rt = runtime(data.path(), &policy, false);
    group.bench_function("compile", |b| {
        b.iter(|| {
            rt.engine()
                .precompile_component(&package.component)
                .unwrap()
        })
    });
    group.sample_size(50);
    rt.load(package.clone()).unwrap();
    group.bench_function("load_from_cache", |b| {
        b.iter(|| {
            rt.forget_loaded();
            rt.load(package.clone()).unwrap()
        })
    });
    group.sample_size(100);
    for pooling in [false, true] {
        let allocator = if pooling { "pooling" } else { "on-demand" };
        let dir = tempfile::tempdir().unwrap();
        let rt = runtime(dir.path(), &policy, pooling);
        let app = rt.load(package.clone()).unwrap();
        group.bench_with_input(
            BenchmarkId::new("instantiate", allocator),
            &app,
            |b, app| {
                b.to_async(&tokio).iter(|| async {
                    app.instantiate_only(LaunchOptions::default())
                        .await
                        .unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("launch_to_first_event", allocator),
            &app,
            |b, app| {
                b.to_async(&tokio).iter(|| async {
                    let mut instance = app.launch(LaunchOptions::default()).await.unwrap();
                    instance.dispatch(&tap).await.unwrap();
                    instance
                })
            },
        );
    }

    let app = rt.load(package.clone()).unwrap();
    let mut instance = tokio
        .block_on(app.launch(LaunchOptions::default()))
        .unwrap();
    tokio
        .block_on(instance.dispatch(&Event::new("index", "seed")))
        .unwrap();
    for (name, event) in [
        ("steady_event", Event::new("index", "noop")),
        (
            "event_with_1000_log_calls",
            Event::new("index", "log").with_detail(serde_json::json!({"n": 1000})),
        ),
        (
            "event_with_1000_storage_gets",
            Event::new("index", "get").with_detail(serde_json::json!({"n": 1000})),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| tokio.block_on(instance.dispatch(&event)).unwrap())
        });
    }
    group.finish();
}

// criterion_group! generates an undocumented pub fn.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::cold_start);
}
use group::benches;
criterion_main!(benches);
