//! Cold start of the hello mini-program, phase by phase:
//! - `compile`: a package's component compiled and checked (`Runtime::load`);
//! - `launch_to_first_event`: a new instance of a loaded app: store, limits,
//!   policy, instantiate, on-launch, on-show, and one on-event with set-data;
//! - `steady_event`: one more event on a live instance.
//!
//! Run: `cargo bench -p miniapp-benches`

use criterion::{Criterion, criterion_main};
use miniapp_runtime::{Event, LaunchOptions, Policy, Runtime};

fn cold_start(c: &mut Criterion) {
    let hello = miniapp_benches::example("hello").expect("hello builds");
    let data = tempfile::tempdir().unwrap();
    let mut policy = Policy::default();
    policy.grant_declared(&hello.manifest);
    let runtime = Runtime::builder(data.path())
        .policy(policy)
        .build()
        .unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tap = Event::new("index", "tap");

    let mut group = c.benchmark_group("hello");
    group.sample_size(20);
    group.bench_function("compile", |b| {
        b.iter(|| runtime.load(hello.clone()).unwrap())
    });
    group.sample_size(100);

    let app = runtime.load(hello.clone()).unwrap();
    group.bench_function("launch_to_first_event", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut instance = app.launch(LaunchOptions::default()).await.unwrap();
            instance.dispatch(&tap).await.unwrap();
            instance
        })
    });

    let mut instance = tokio
        .block_on(app.launch(LaunchOptions::default()))
        .unwrap();
    group.bench_function("steady_event", |b| {
        b.iter(|| tokio.block_on(instance.dispatch(&tap)).unwrap())
    });
    group.finish();
}

// criterion_group! generates an undocumented pub fn.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::cold_start);
}
use group::benches;
criterion_main!(benches);
