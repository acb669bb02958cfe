//! What one hostile instance makes the host hold, measured on the host's
//! heap, not taken from the runtime's own accounting: a test binary of its
//! own, so that its allocator counts nothing but this one test.
//!
//! `hostile/stack-hoarder` fills every page of a full stack (10 pages) with
//! all the page data the host accepts, with the default quotas. The host's
//! heap may grow by the instance's host memory budget (`host_memory_bytes`,
//! 4 MiB by default) and a fixed allowance for the instance itself (its
//! store, its capability contexts, wasmtime's bookkeeping): 1 MiB. The
//! guest's linear memory is mapped by wasmtime, not allocated on the heap,
//! and is bounded by `memory_bytes` apart.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use miniapp_runtime::{Event, LaunchOptions, Policy, Quotas, Runtime};

/// The system allocator, counting the bytes live on the heap.
struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every call is passed to `System` unchanged (same pointer, layout
// and size); the counter only adds and subtracts the sizes it is given.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is `System::realloc`'s.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: i64 = 1024 * 1024;

#[test]
fn a_full_stack_of_page_data_makes_the_host_hold_at_most_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let hoarder = miniapp_build::build(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../guest-examples/hostile/stack-hoarder"),
        None,
        &Default::default(),
    )
    .expect("building hostile/stack-hoarder")
    .package;
    let mut policy = Policy::default();
    policy.grant_declared(&hoarder.manifest);
    let runtime = Runtime::builder(dir.path()).policy(policy).build().unwrap();
    let app = runtime.load(hoarder).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let attack = Event::tap("index", "attack");
    rt.block_on(async {
        // One instance first, so that what the process sets up once (lazy
        // statics, the pools, the store's first database) is not counted.
        let warm = app.launch(LaunchOptions::default()).await.unwrap();
        drop(warm);
        let before = LIVE.load(Ordering::Relaxed);
        let mut instance = app.launch(LaunchOptions::default()).await.unwrap();
        instance.dispatch(&attack).await.unwrap();
        let grown = LIVE.load(Ordering::Relaxed) - before;
        let budget = Quotas::default().host_memory_bytes as i64;
        assert_eq!(budget, 4 * MIB);
        let report = instance
            .pages()
            .iter()
            .find_map(|p| p.data.get("total_bytes").cloned())
            .expect("the hoarder's report");
        // It did fill the stack: most of the budget is page data.
        assert!(
            report.as_i64().unwrap() > budget / 2,
            "{report} bytes of page data"
        );
        let (held, limit) = instance.host_memory();
        assert!(held <= limit, "{held} of {limit}");
        assert!(
            grown <= budget + MIB,
            "the host's heap grew by {grown} bytes for one instance (budget {budget})"
        );
        eprintln!("host heap per instance with a full stack: {grown} bytes (budget {budget})");
    });
}
