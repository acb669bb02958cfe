//! The hostile suite: each mini-program in `guest-examples/hostile/` attacks
//! the sandbox while a well-behaved app (todo) runs beside it in the same
//! runtime. Each attack is contained with its specific error, nothing stored
//! is lost, the host keeps serving, and the audit stream records it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use miniapp_runtime::audit::{AuditEvent, MemoryAudit};
use miniapp_runtime::providers::FixedConsent;
use miniapp_runtime::{
    App, AppInstance, Error, Event, LaunchOptions, Package, Policy, Providers, QuotaOverrides,
    Runtime, RuntimeBuilder, Scope, TrapKind,
};
use serde_json::{Value, json};

use crate::common::{assert_fails_with, assert_refused, example, failed, launch_failed, tap};

mod completions;
mod files;
mod host_ui;

fn hostile(name: &str) -> Package {
    example(&format!("hostile/{name}"))
}

/// A runtime hosting one hostile app (the attacker) and the todo app as a
/// witness.
struct Arena {
    _dir: tempfile::TempDir,
    runtime: Runtime,
    audit: Arc<MemoryAudit>,
    todo: App,
    attacker: Package,
}

/// What one attack left: the call's result, the page data after it, and
/// whether the host discarded the instance.
struct Attacked {
    result: Result<(), Error>,
    data: Value,
    discarded: bool,
}

impl Attacked {
    /// The page data of an attack the host answered with error values: the
    /// call itself must succeed.
    fn reported(self) -> Value {
        self.result.unwrap();
        self.data
    }
}

/// Tight quotas so attacks end fast; `extra` overrides them (TOML). What
/// ends an attack is a count (fuel, bytes, items), never the machine's
/// speed: the time limits are far above what any attack here needs, and
/// only the tests about time set their own.
fn arena(attacker: &Package, extra: &str, grant: bool) -> Arena {
    arena_under(Policy::default(), attacker, extra, grant)
}

/// [`arena`] under `policy` (its grants and quotas added to).
fn arena_under(policy: Policy, attacker: &Package, extra: &str, grant: bool) -> Arena {
    let providers = crate::common::simulated_with(FixedConsent::granting([Scope::UserInfo]));
    arena_providing(policy, attacker, extra, grant, providers)
}

/// [`arena_under`] with `providers`.
fn arena_providing(
    mut policy: Policy,
    attacker: &Package,
    extra: &str,
    grant: bool,
    providers: Providers,
) -> Arena {
    let dir = tempfile::tempdir().unwrap();
    let todo = example("todo");
    policy.grant_declared(&todo.manifest);
    if grant {
        policy.grant_declared(&attacker.manifest);
    }
    let quotas: QuotaOverrides = toml::from_str(
        "memory_bytes = 16777216\nfuel_per_event = 200000000\nevent_timeout_ms = 600000\ncpu_ms_per_event = 600000\nstorage_bytes = 1048576",
    )
    .unwrap();
    policy.defaults.quotas = quotas.then(&toml::from_str(extra).unwrap());
    let audit = Arc::new(MemoryAudit::default());
    let runtime = Runtime::builder(dir.path())
        .policy(policy)
        .providers(providers)
        .audit(audit.clone())
        .build()
        .unwrap();
    let todo = runtime.load(todo).unwrap();
    Arena {
        _dir: dir,
        runtime,
        audit,
        todo,
        attacker: attacker.clone(),
    }
}

/// The arena of hostile app `name`, granted all it declares, with `extra`
/// quotas (see [`arena`]).
fn arena_of(name: &str, extra: &str) -> Arena {
    arena(&hostile(name), extra, true)
}

/// The arena of hostile app `name` whose instances may hold `budget` bytes
/// of host memory ([`arena_of`]), and the app launched in it.
async fn holding(name: &str, budget: u64) -> (Arena, AppInstance) {
    let arena = arena_of(name, &format!("host_memory_bytes = {budget}"));
    let (_app, inst) = arena.opened().await;
    (arena, inst)
}

/// The page data hostile app `name` reports after `index:attack` in its own
/// arena (see [`arena_of`]; the call must succeed).
async fn reported(name: &str) -> Value {
    arena_of(name, "").attack("attack").await.reported()
}

impl Arena {
    /// The witness adds an item; everything it stored before is still there.
    async fn witness_still_works(&self, expected_before: usize) {
        let mut todo = self.todo.launch(LaunchOptions::default()).await.unwrap();
        assert_eq!(
            todo.page_data()["todos"].as_array().unwrap().len(),
            expected_before
        );
        todo.dispatch(&Event::tap("index", "add").with_detail(json!({"title": "still here"})))
            .await
            .unwrap();
        assert_eq!(
            todo.page_data()["todos"].as_array().unwrap().len(),
            expected_before + 1
        );
    }

    /// Load the attacker beside the witness.
    fn app(&self) -> App {
        self.runtime.load(self.attacker.clone()).unwrap()
    }

    /// Load the attacker beside the witness and launch it with the default
    /// options.
    async fn opened(&self) -> (App, AppInstance) {
        let app = self.app();
        let inst = app.launch(LaunchOptions::default()).await.unwrap();
        (app, inst)
    }

    /// Launch the attacker and tap `index:<handler>`.
    async fn attack(&self, handler: &str) -> Attacked {
        let (_, mut inst) = self.opened().await;
        let result = inst.dispatch(&Event::tap("index", handler)).await;
        Attacked {
            result,
            data: inst.page_data().clone(),
            discarded: inst.is_discarded(),
        }
    }

    /// Whether the audit stream recorded a trap of `kind`.
    fn audited_trap(&self, kind: TrapKind) -> bool {
        self.audited(|e| matches!(e, AuditEvent::Trap { trap, .. } if *trap == kind))
    }

    /// Whether the audit stream recorded a quota refusal whose message
    /// contains `words`.
    fn audited_quota(&self, words: &str) -> bool {
        self.audited(
            |e| matches!(e, AuditEvent::QuotaExceeded { message } if message.contains(words)),
        )
    }

    fn audited(&self, pred: impl Fn(&AuditEvent) -> bool) -> bool {
        self.audit.records().iter().any(|r| pred(&r.event))
    }
}

fn trap_reason(result: Result<(), Error>) -> String {
    match result {
        Err(Error::Trapped { reason, .. }) => reason,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[tokio::test]
async fn spin_is_stopped_by_its_cpu_budget_and_the_next_event_gets_a_fresh_instance() {
    let arena = arena_of("spin", "");
    arena.witness_still_works(0).await;
    let (app, mut inst) = arena.opened().await;
    let err = failed(&mut inst, &Event::tap("index", "attack")).await;
    assert_eq!(
        err.to_string(),
        "app `hostile.spin` trapped in on-event index:attack: CPU quota of 200000000 fuel per event exceeded"
    );
    assert!(inst.is_discarded());
    // The next event relaunches a fresh instance (on-launch ran again).
    let err = failed(&mut inst, &Event::tap("index", "other")).await;
    assert!(matches!(err, Error::AppFailed { .. }), "{err}");
    assert!(!inst.is_discarded());
    assert_eq!(inst.page_data()["ready"], true);
    arena.witness_still_works(1).await;
    assert!(arena.audited_trap(TrapKind::Cpu));
    let usage = app.usage().unwrap();
    assert_eq!(usage.traps.get(&TrapKind::Cpu), Some(&1));
    assert!(usage.fuel_consumed >= 200_000_000);
}

/// Spinning apps do not starve their neighbours. On a 2-worker runtime, 4
/// instances of `spin` spin until their time limit while the todo app
/// handles events one after another: guests yield at every epoch tick, so
/// the other spinners start and the witness gets a worker while they spin,
/// and all its events complete before any spinner's event ends. (Were
/// guests not to yield, two spinners would hold both workers until their
/// time limit, and the others and the witness would wait for them.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinning_apps_do_not_starve_a_well_behaved_one() {
    const SPINNERS: usize = 4;
    const EVENTS: usize = 20;
    // The witness must be done before the spinners use up their fuel: 4e10
    // instructions each, about 2 s of spinning here and over ten times the
    // witness's 20 events. Fuel counts work, not time, so a slower or loaded
    // machine slows both alike.
    let arena = arena_of("spin", "fuel_per_event = 40000000000");
    let spin = arena.app();
    let order = Arc::new(Mutex::new(Vec::new()));
    // A permit per spinner that started spinning; the witness starts its
    // events once every spinner spins.
    let spinning = Arc::new(tokio::sync::Semaphore::new(0));
    let began = Instant::now();
    let spinners: Vec<_> = (0..SPINNERS)
        .map(|i| {
            let (spin, order, spinning) = (spin.clone(), order.clone(), spinning.clone());
            tokio::spawn(async move {
                let mut inst = spin.launch(LaunchOptions::default()).await.unwrap();
                spinning.add_permits(1);
                let result = inst.dispatch(&Event::tap("index", "attack")).await;
                order.lock().unwrap().push(format!("spinner {i} ended"));
                result
            })
        })
        .collect();
    let witness = {
        let (todo, order, spinning) = (arena.todo.clone(), order.clone(), spinning.clone());
        tokio::spawn(async move {
            let mut inst = todo.launch(LaunchOptions::default()).await.unwrap();
            let all = spinning.acquire_many(SPINNERS as u32).await.unwrap();
            drop(all);
            for i in 0..EVENTS {
                let add = Event::tap("index", "add").with_detail(json!({ "title": i.to_string() }));
                inst.dispatch(&add).await.unwrap();
            }
            order.lock().unwrap().push("witness done".to_string());
            inst.page_data()["todos"].as_array().unwrap().len()
        })
    };
    assert_eq!(witness.await.unwrap(), EVENTS);
    for spinner in spinners {
        assert_eq!(
            trap_reason(spinner.await.unwrap()),
            "CPU quota of 40000000000 fuel per event exceeded"
        );
    }
    let elapsed = began.elapsed();
    let order = order.lock().unwrap().clone();
    assert_eq!(order.len(), SPINNERS + 1);
    assert_eq!(order[0], "witness done", "{order:?}");
    // CPU time is the time spent polling calls, not waiting for a worker:
    // with 2 workers the spinners together cannot have used more than twice
    // the wall time, though each spun for its whole time limit.
    let usage = spin.usage().unwrap();
    assert_eq!(usage.traps.get(&TrapKind::Cpu), Some(&(SPINNERS as u64)));
    assert!(usage.cpu_ns > 0);
    assert!(
        u128::from(usage.cpu_ns) <= 2 * elapsed.as_nanos(),
        "{} ns of CPU in {elapsed:?} on 2 workers",
        usage.cpu_ns
    );
    assert!(arena.todo.usage().unwrap().cpu_ns > 0);
}

#[tokio::test]
async fn spin_is_stopped_by_its_wall_clock_deadline() {
    let arena = arena_of(
        "spin",
        "fuel_per_event = 1000000000000\nevent_timeout_ms = 2000",
    );
    let Attacked {
        result, discarded, ..
    } = arena.attack("attack").await;
    assert_eq!(
        trap_reason(result),
        "time limit of 2000 ms per event exceeded"
    );
    assert!(discarded);
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn a_memory_bomb_hits_the_memory_quota() {
    let arena = arena_of("memory-bomb", "");
    let reason = trap_reason(arena.attack("attack").await.result);
    assert!(
        reason.starts_with("memory quota of 16777216 bytes exceeded"),
        "{reason}"
    );
    arena.witness_still_works(0).await;
    assert!(arena.audited_trap(TrapKind::Memory));
}

#[tokio::test]
async fn deep_recursion_traps() {
    let arena = arena_of("stack-overflow", "");
    let native = arena.attack("attack-native").await.result;
    assert_eq!(trap_reason(native), "wasm stack overflow");
    // Large frames overflow the guest's shadow stack in linear memory first.
    let framed = arena.attack("attack").await.result;
    assert!(trap_reason(framed).starts_with("out-of-bounds memory access"));
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn a_storage_flood_gets_quota_exceeded_and_keeps_what_it_stored() {
    let arena = arena_of("storage-flood", "");
    let data = arena.attack("attack").await.reported();
    assert_eq!(data["outcome"], "refused");
    assert_refused(&data, "quota-exceeded", "over the limit of 1048576");
    assert_eq!(data["stored"], 15);
    assert_eq!(data["first_key_intact"], true);
    arena.witness_still_works(0).await;
    assert!(arena.audited(|e| matches!(e, AuditEvent::QuotaExceeded { .. })));
}

#[tokio::test]
async fn an_oversized_value_and_key_are_refused() {
    let data = reported("oversized-value").await;
    assert_eq!(data["error_kind"], "quota-exceeded");
    assert_eq!(
        data["error"],
        "quota exceeded: storage value of 2097152 bytes is over the limit of 1048576 bytes"
    );
    assert_eq!(data["key_error_kind"], "quota-exceeded");
}

#[tokio::test]
async fn a_log_flood_is_cut_at_the_event_budget() {
    // 200,000 lines cost more CPU than the tight test budget: give it the default.
    let arena = arena_of("log-flood", "fuel_per_event = 5000000000");
    let (_app, mut inst) = arena.opened().await;
    inst.drain_logs();
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    assert_eq!(inst.page_data()["outcome"], "finished");
    let logs = inst.drain_logs();
    let bytes: usize = logs.iter().map(|l| l.message.len()).sum();
    assert!(bytes <= 64 * 1024 + 200, "{bytes} bytes kept");
    assert!(logs.iter().any(|l| {
        l.message
            .contains("log limit of 65536 bytes per event reached")
    }));
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn refusals_in_a_loop_write_within_the_event_disk_budget() {
    // 60,000 refused calls cost more guest CPU than the tight test budget.
    let arena = arena_of("audit-flood", "fuel_per_event = 5000000000");
    let (app, mut inst) = arena.opened().await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    assert_eq!(inst.page_data()["outcome"], "refused");
    assert_eq!(inst.page_data()["error_kind"], "permission-denied");
    let records = arena.audit.records();
    let bytes: usize = records
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap().len() + 1)
        .sum();
    // The event's budget (1 MiB by default), then the summaries it ends with.
    assert!(bytes <= (1 << 20) + 4096, "{bytes} bytes of audit records");
    let same = |r: &&miniapp_runtime::audit::AuditRecord| matches!(&r.event, AuditEvent::Denied { message } if message.contains("https://evil.example.com"));
    let same: Vec<u64> = records.iter().filter(same).map(|r| r.repeated).collect();
    assert_eq!(
        same,
        [0, 49_999],
        "the repeated refusal: once, then its count"
    );
    let dropped = records.iter().find_map(|r| match &r.event {
        AuditEvent::DiskBudget { message, dropped } => {
            assert!(
                message.contains("disk budget of 1048576 bytes per event"),
                "{message}"
            );
            *dropped
        }
        _ => None,
    });
    let dropped = dropped.expect("a line saying how many records were dropped");
    let distinct = records
        .iter()
        .filter(|r| matches!(&r.event, AuditEvent::Denied { message } if message.contains("evil-")))
        .count();
    assert_eq!(distinct as u64 + dropped, 10_000);
    assert_eq!(app.usage().unwrap().audit_records_dropped, dropped);
    assert_eq!(app.usage().unwrap().denials, 60_000);
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn huge_set_data_is_refused_and_page_data_stays_bounded() {
    let data = reported("huge-set-data").await;
    assert_eq!(data["error_kind"], "quota-exceeded");
    assert_eq!(data["chunk_error_kind"], "quota-exceeded");
    assert_eq!(data["chunks_set"], 7);
    assert!(serde_json::to_vec(&data).unwrap().len() <= 4 * 1024 * 1024);
}

#[tokio::test]
async fn a_forbidden_origin_is_refused() {
    let arena = arena_of("forbidden-origin", "");
    let data = arena.attack("attack").await.reported();
    assert_refused(
        &data,
        "permission-denied",
        "origin https://evil.example.com:443 is not allowed for app `hostile.forbidden-origin`",
    );
    assert!(arena.audited(
        |e| matches!(e, AuditEvent::Denied { message } if message.contains("evil.example.com"))
    ));
}

#[tokio::test]
async fn loopback_and_metadata_addresses_are_refused_even_when_declared() {
    let data = reported("loopback").await;
    assert_eq!(data["outcome"], "refused", "{data}");
    let results = data["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        assert_eq!(r["error_kind"], "permission-denied", "{r}");
    }
    assert!(
        results[0]["error"]
            .as_str()
            .unwrap()
            .contains("169.254.169.254 is an IP address (cloud metadata)")
    );
    assert!(
        results[2]["error"]
            .as_str()
            .unwrap()
            .contains("localhost resolves to")
    );
}

#[tokio::test]
async fn capabilities_without_a_grant_are_refused() {
    let arena = arena(&hostile("no-grant"), "", false);
    let data = arena.attack("attack").await.reported();
    assert_eq!(data["storage_error_kind"], "permission-denied");
    assert_eq!(data["location_error_kind"], "permission-denied");
    assert_eq!(data["outcome"], "refused");
}

#[tokio::test]
async fn sensitive_calls_need_a_live_gesture() {
    let (_app, mut inst) = arena_of("no-gesture", "").opened().await;
    // On launch there is no gesture: all three refused.
    let data = inst.page_data().clone();
    assert_eq!(data["phase"], "launch");
    for key in [
        "payment_error_kind",
        "profile_error_kind",
        "open_error_kind",
    ] {
        assert_eq!(data[key], "permission-denied", "{key}: {data}");
    }
    assert!(
        data["payment_error"]
            .as_str()
            .unwrap()
            .contains("needs a user gesture")
    );
    // An event that is not a gesture: still refused.
    inst.dispatch(&Event::new("index", "attack")).await.unwrap();
    assert_eq!(inst.page_data()["outcome"], "refused");
    // A tap: it authorizes one sensitive action (the payment, called
    // first); the profile read and the opening need taps of their own.
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data();
    assert_eq!(data["gesture"], true);
    assert_eq!(data["payment_error_kind"], Value::Null, "{data}");
    for key in ["profile_error", "open_error"] {
        let error = data[key].as_str().unwrap();
        assert!(
            error.contains("already used by request-payment"),
            "{key}: {error}"
        );
    }
}

#[tokio::test]
async fn handle_exhaustion_hits_the_handle_quota() {
    let arena = arena_of("handle-exhaustion", "");
    assert_eq!(
        trap_reason(arena.attack("attack").await.result),
        "resource handle quota of 1024 live handles exceeded"
    );
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn an_undeclared_import_is_refused_at_load() {
    let arena = arena_of("undeclared-import", "");
    let err = arena
        .runtime
        .load(arena.attacker.clone())
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "app `hostile.undeclared-import` refused: it imports `miniapp:host/storage@0.2.0` but its manifest does not declare the `storage` permission"
    );
    assert!(arena.audited(|e| matches!(e, AuditEvent::Refused { .. })));
}

#[tokio::test]
async fn an_app_reads_its_own_budget() {
    let (_app, mut inst) = arena_of("quota-probe", "").opened().await;
    inst.dispatch(&Event::tap("index", "budget")).await.unwrap();
    let budget = &inst.page_data()["budget"];
    assert_eq!(budget["memory_limit"], 16_777_216);
    assert!(budget["memory_used"].as_u64().unwrap() > 0);
    let fuel = budget["fuel_left"].as_u64().unwrap();
    assert!(fuel > 0 && fuel < 200_000_000, "{fuel}");
    assert_eq!(budget["storage_limit"], 1_048_576);
    assert_eq!(budget["page_stack"], 1);
    assert_eq!(budget["page_stack_limit"], 10);
    assert!(budget["time_left_ms"].as_u64().unwrap() <= 600_000);
}

#[tokio::test]
async fn repeated_traps_quarantine_the_app_until_the_operator_lifts_it() {
    let arena = arena_of("spin", "trap_budget = 2\nfuel_per_event = 10000000");
    let (app, mut inst) = arena.opened().await;
    failed(&mut inst, &Event::tap("index", "attack")).await;
    let err = failed(&mut inst, &Event::tap("index", "attack")).await;
    assert!(matches!(err, Error::Trapped { .. }), "{err}");
    let err = launch_failed(&app).await;
    assert_eq!(
        err.to_string(),
        "app `hostile.spin` is quarantined: quarantined after 2 traps within 600 s (crash budget); an operator must lift it"
    );
    assert!(arena.audited(|e| matches!(e, AuditEvent::Quarantined { .. })));
    arena.witness_still_works(0).await;
    assert!(arena.runtime.lift_quarantine("hostile.spin").unwrap());
    let inst = app.launch(LaunchOptions::default()).await.unwrap();
    assert_eq!(inst.page_data()["ready"], true);
}

/// The table-growth attack: a hand-written core module (Rust cannot emit
/// `table.grow`), made a component with the miniapp world's metadata.
fn table_growth() -> Package {
    let dir = crate::common::guest_examples().join("hostile/table-growth");
    let mut module = wat::parse_file(dir.join("table-growth.wat")).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(crate::common::guest_examples().join("../wit"))
        .unwrap();
    let world = resolve
        .select_world(&[package], Some("miniapp-core"))
        .unwrap();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let manifest = miniapp_runtime::Manifest::from_toml(
        &std::fs::read_to_string(dir.join("miniapp.toml")).unwrap(),
    )
    .unwrap();
    let page = std::fs::read(dir.join("pages/index.wxml")).unwrap();
    let assets = [("pages/index.wxml".to_string(), page)].into();
    Package::new(manifest, component, assets, &Default::default()).unwrap()
}

#[tokio::test]
async fn table_growth_hits_the_table_quota() {
    let arena = arena(&table_growth(), "", true);
    let Attacked {
        result, discarded, ..
    } = arena.attack("attack").await;
    let reason = trap_reason(result);
    assert!(
        reason.starts_with("table quota of 100000 elements exceeded"),
        "{reason}"
    );
    assert!(discarded);
    arena.witness_still_works(0).await;
    assert!(arena.audited_trap(TrapKind::Table));
}

#[tokio::test]
async fn one_tap_pays_once_and_opens_nothing_more() {
    let arena = arena_of("gesture-replay", "");
    let (_app, mut inst) = arena.opened().await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data().clone();
    assert_eq!(data["sensitive_ok"], 1, "{data}");
    assert_eq!(data["outcome"], "one-action");
    assert_eq!(
        (data["paid"].clone(), data["payments_refused"].clone()),
        (json!(1), json!(19))
    );
    assert_eq!(
        (data["profiles"].clone(), data["opened"].clone()),
        (json!(0), json!(0))
    );
    for key in ["payment_error", "profile_error", "open_error"] {
        let error = data[key].as_str().unwrap();
        assert!(
            error.contains("already used by request-payment"),
            "{key}: {error}"
        );
    }
    assert!(inst.take_open_requests().is_empty());
    // The next tap is spent on its first action too.
    inst.dispatch(&Event::tap("index", "late")).await.unwrap();
    let data = inst.page_data();
    assert_eq!(data["late_payment"], "paid", "{data}");
    assert_eq!(data["late_profile"], false);
    assert_eq!(data["late_outcome"], "refused");
    assert!(arena.audited(
        |e| matches!(e, AuditEvent::Denied { message } if message.contains("already used"))
    ));
    // One tap through the view, bubbling through three handlers: one
    // gesture for all three (the first pays, the others are refused).
    let denials = |arena: &Arena| {
        let records = arena.audit.records();
        records
            .iter()
            .filter(|r| matches!(&r.event, AuditEvent::Denied { message } if message.contains("already used")))
            .count()
    };
    let before = denials(&arena);
    tap(&mut inst, "#bubble").await.unwrap();
    assert_eq!(
        inst.page_data()["late_payment"],
        "refused",
        "the last handler"
    );
    // Each of the two later handlers: its payment and its profile read refused;
    // the first handler: its profile read.
    assert_eq!(denials(&arena) - before, 5);
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn page_data_of_a_full_stack_stays_within_the_instance_budget() {
    let budget = 1024 * 1024;
    let quotas =
        format!("page_data_bytes = 262144\nset_data_bytes = 65536\nhost_memory_bytes = {budget}");
    let arena = arena_of("stack-hoarder", &quotas);
    let app = arena.app();
    let options = LaunchOptions {
        path: Some("index?chunk=32768".into()),
        ..LaunchOptions::default()
    };
    let mut inst = app.launch(options).await.unwrap();
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let report = inst
        .pages()
        .iter()
        .find(|p| p.data.get("outcome").is_some())
        .expect("a page holds the report")
        .data
        .clone();
    assert_eq!(report["outcome"], "finished", "{report}");
    // Per-page limits alone would let ten pages hold 2.5 MiB; the instance
    // budget holds all pages together under 1 MiB.
    let total = report["total_bytes"].as_u64().unwrap();
    assert!(
        total <= budget && total > budget / 2,
        "{total} bytes over the stack"
    );
    let fills = report["page_fills"].as_array().unwrap();
    assert!(
        fills.iter().any(|f| f["error"].as_str().is_some_and(
            |e| e.contains("host memory budget of 1048576 bytes per instance exceeded")
        )),
        "{report}"
    );
    // Popping pages frees their share: a fresh page fills again.
    assert!(
        report["refill_bytes"].as_u64().unwrap() > 32_768,
        "{report}"
    );
    let (used, limit) = inst.host_memory();
    assert!(used <= limit && limit == budget, "{used} of {limit}");
    assert!(app.usage().unwrap().host_memory_high_water_bytes <= budget);
    assert!(arena.audited_quota("host memory budget"));
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn undrained_log_lines_stay_within_the_instance_budget() {
    let budget = 256 * 1024;
    let (arena, mut inst) = holding("log-hoarder", budget).await;
    // Each event logs about 64 KiB; nobody drains. Once the budget is full,
    // lines are refused, and so is anything else that needs host memory
    // (the app's own report in its page data).
    let mut refused = None;
    for _ in 0..8 {
        if let Err(e) = inst.dispatch(&Event::tap("index", "attack")).await {
            refused = Some(e.to_string());
        }
        let (used, _) = inst.host_memory();
        assert!(used <= budget, "{used} bytes held");
    }
    let refused = refused.expect("the budget fills up");
    assert!(
        refused.contains("host memory budget of 262144 bytes"),
        "{refused}"
    );
    // Draining frees the budget: the next event logs (and reports) again.
    let lines = inst.drain_logs();
    assert!(
        lines
            .iter()
            .any(|l| l.message.contains("host memory budget"))
    );
    let kept: usize = lines.iter().map(|l| l.message.len()).sum();
    assert!((kept as u64) < budget);
    assert!(inst.host_memory().0 < 8192);
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    assert!(inst.page_data()["last"]["api_lines"].as_u64().unwrap() > 0);
    assert!(arena.audited_quota("host memory budget"));
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn host_work_inside_host_calls_is_bounded_by_the_cpu_budget() {
    // 1 s of CPU: the preparing events need a few ms each here, so even
    // ten times slower they stay far within it; the attack never ends by
    // itself, so only the CPU limit can end it (its fuel, 50e9, is never
    // reached: a second of this guest here is about 0.7e9).
    let quotas = "page_data_bytes = 1048576\nset_data_bytes = 262144\nfuel_per_event = 50000000000\ncpu_ms_per_event = 1000";
    let arena = arena_of("host-cpu-burner", quotas);
    let app = arena.app();
    let options = LaunchOptions {
        path: Some("index?keys=20".into()),
        ..LaunchOptions::default()
    };
    let mut inst = app.launch(options).await.unwrap();
    for _ in 0..10 {
        inst.dispatch(&Event::tap("index", "prepare"))
            .await
            .unwrap();
        if inst.page_data()["prepared"] == true {
            break;
        }
    }
    assert_eq!(inst.page_data()["prepared"], true, "{}", inst.page_data());
    let fuel_before = app.usage().unwrap().fuel_consumed;
    let err = failed(&mut inst, &Event::tap("index", "attack")).await;
    assert!(
        matches!(&err, Error::Trapped { kind: TrapKind::Cpu, reason, .. }
            if reason == "CPU time limit of 1000 ms per event exceeded (guest code and host calls)"),
        "{err}"
    );
    // Fuel alone would not have stopped it: the work is the host's.
    let fuel = app.usage().unwrap().fuel_consumed - fuel_before;
    assert!(fuel < 10_000_000_000, "{fuel} fuel");
    assert!(app.usage().unwrap().cpu_ns > 1_000_000_000);
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn escape_sequences_stay_the_app_s_text_for_the_embedder() {
    let arena = arena_of("terminal-escape", "");
    let Attacked {
        result,
        data,
        discarded,
    } = arena.attack("attack").await;
    let Err(Error::AppFailed { message, .. }) = result else {
        panic!("expected the app's error, got {result:?}");
    };
    // The runtime hands the embedder the app's text as it is; whoever
    // prints it escapes it (`miniapp_runtime::text`).
    assert!(message.contains('\u{1b}'), "{message:?}");
    assert!(!discarded);
    assert!(data.to_string().contains("\\u001b"), "{data}");
    let shown = miniapp_runtime::text::printable(&message);
    assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
    arena.witness_still_works(0).await;
}

/// `spin` alone in a runtime that `setup` sets up, granted what it declares,
/// with `quotas` (TOML) and no others; launched with the default options.
/// The runtime is returned too: its epoch ticker must outlive the call.
async fn spin_alone(
    quotas: &str,
    setup: impl FnOnce(RuntimeBuilder) -> RuntimeBuilder,
) -> (tempfile::TempDir, Runtime, App, AppInstance) {
    let spin = hostile("spin");
    let dir = tempfile::tempdir().unwrap();
    let mut policy = crate::common::granting(&spin);
    policy.defaults.quotas = toml::from_str(quotas).unwrap();
    let runtime = setup(Runtime::builder(dir.path()).policy(policy))
        .build()
        .unwrap();
    let app = runtime.load(spin).unwrap();
    let inst = app.launch(LaunchOptions::default()).await.unwrap();
    (dir, runtime, app, inst)
}

#[tokio::test]
async fn without_fuel_a_spinner_is_stopped_by_its_cpu_time() {
    // Only CPU time can end it: the wall-clock limit is far above it, and
    // 1 s of CPU is far above what its launch needs on a slow machine.
    let quotas = "cpu_ms_per_event = 1000\nevent_timeout_ms = 600000";
    let (_dir, _runtime, app, mut inst) = spin_alone(quotas, |runtime| runtime.fuel(false)).await;
    let err = failed(&mut inst, &Event::tap("index", "attack")).await;
    assert_eq!(
        err.to_string(),
        "app `hostile.spin` trapped in on-event index:attack: CPU time limit of 1000 ms per event exceeded (guest code and host calls)"
    );
    let usage = app.usage().unwrap();
    assert_eq!(usage.traps.get(&TrapKind::Cpu), Some(&1));
    assert_eq!(usage.fuel_consumed, 0, "no fuel is metered");
    assert!(usage.cpu_ns >= 1_000_000_000);
}

#[tokio::test]
async fn a_spinner_is_stopped_after_its_runtime_is_dropped() {
    // The embedder keeps the instance and drops the runtime: without fuel
    // only the epoch ends the spin, so the epoch must go on ticking while
    // an instance lives. The spin runs on a thread of its own, so that a
    // spin nothing ends fails this test instead of hanging it.
    let quotas = "cpu_ms_per_event = 1000\nevent_timeout_ms = 600000";
    let (_dir, runtime, app, mut inst) = spin_alone(quotas, |runtime| runtime.fuel(false)).await;
    drop((runtime, app));
    let (sent, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = tokio.block_on(inst.dispatch(&Event::tap("index", "attack")));
        sent.send(result).unwrap();
    });
    let result = ended
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("nothing ended the spin within 300 s: the runtime's epoch stopped with it");
    assert_eq!(
        trap_reason(result),
        "CPU time limit of 1000 ms per event exceeded (guest code and host calls)"
    );
}

#[tokio::test]
async fn a_guest_waiting_in_wasi_is_ended_at_its_deadline() {
    let arena = arena_of("sleeper", "event_timeout_ms = 2000");
    let (_app, mut inst) = arena.opened().await;
    for handler in ["attack", "forever"] {
        let err = failed(&mut inst, &Event::tap("index", handler)).await;
        assert_eq!(
            err.to_string(),
            format!(
                "app `hostile.sleeper` trapped in on-event index:{handler}: time limit of 2000 ms per event exceeded"
            )
        );
        assert!(inst.is_discarded());
        assert!(inst.pages().is_empty(), "the store is dropped at once");
    }
    // Random bytes come a little at a time: a mebibyte in one call traps.
    let random = Event::tap("index", "random");
    assert_fails_with(
        &mut inst,
        &random,
        "requested len 1048576 exceeds limit 65536",
    )
    .await;
    arena.witness_still_works(0).await;
}

#[tokio::test]
async fn a_trapped_instance_relaunches_even_at_the_live_instance_cap() {
    let (_dir, _runtime, _app, mut inst) = spin_alone("fuel_per_event = 100000000", |runtime| {
        runtime.max_live_instances(1)
    })
    .await;
    for _ in 0..2 {
        let err = inst.dispatch(&Event::tap("index", "attack")).await;
        assert!(matches!(err, Err(Error::Trapped { .. })), "{err:?}");
        // The trapped store gave back its place: the one slot relaunches it.
        inst.show().await.unwrap();
        assert_eq!(inst.page_data()["ready"], true);
    }
}

#[tokio::test]
async fn a_render_without_end_stops_at_its_named_limit_and_the_app_runs_on() {
    let arena = arena_of("view-bomb", "");
    let (app, mut inst) = arena.opened().await;
    let calm = inst.view_html().unwrap();
    assert!(calm.contains("calm"), "{calm}");
    inst.take_view_ops();
    // A million nodes: the render stops, the last good view stays.
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    assert_eq!(
        inst.view_error(),
        Some("render limit reached: nodes per page (limit 20000)")
    );
    assert_eq!(inst.view_html().unwrap(), calm);
    assert_eq!(inst.take_view_ops(), Some(Vec::new()));
    // 4.5 MB of text in one page: over the 4 MiB a render may make.
    inst.dispatch(&Event::tap("index", "text")).await.unwrap();
    let error = inst.view_error().unwrap();
    assert!(error.contains("4194304 bytes"), "{error}");
    // Data that fits renders again.
    inst.dispatch(&Event::tap("index", "calm")).await.unwrap();
    assert_eq!(inst.view_error(), None);
    assert!(inst.view_html().unwrap().contains("calm again"));
    // A template that uses itself.
    let options = LaunchOptions {
        path: Some("recursion".into()),
        ..LaunchOptions::default()
    };
    let recursion = app.launch(options).await.unwrap();
    let error = recursion.view_error().unwrap();
    assert!(
        error.contains("template and include nesting (limit 16)"),
        "{error}"
    );
    arena.witness_still_works(0).await;
    // The operator sets the limits in the policy.
    let tight = arena_of("view-bomb", "view_nodes = 3");
    let (_app, inst) = tight.opened().await;
    assert_eq!(
        inst.view_error(),
        Some("render limit reached: nodes per page (limit 3)")
    );
}

/// Every app in `guest-examples/hostile/` names the test that contains it;
/// the names are checked against the directory, and each test must exist
/// (the list refers to the functions, so a missing one does not compile).
macro_rules! hostile_apps {
    ($($app:literal => $test:path,)*) => {
        #[test]
        fn every_hostile_app_has_a_test() {
            $( let _: fn() = $test; )*
            let listed: std::collections::BTreeSet<&str> = [$($app),*].into_iter().collect();
            let dir = crate::common::guest_examples().join("hostile");
            let found: std::collections::BTreeSet<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                // The crate the apps share, not an app.
                .filter(|name| name != "fixture")
                .collect();
            let found: std::collections::BTreeSet<&str> = found.iter().map(String::as_str).collect();
            assert_eq!(listed, found, "hostile apps and their tests");
        }
    };
}

hostile_apps! {
    "audit-flood" => refusals_in_a_loop_write_within_the_event_disk_budget,
    "fake-payment-modal" => host_ui::a_fake_payment_modal_is_refused_and_the_host_s_dialogs_stay_its_own,
    "forbidden-origin" => a_forbidden_origin_is_refused,
    "gesture-replay" => one_tap_pays_once_and_opens_nothing_more,
    "handle-exhaustion" => handle_exhaustion_hits_the_handle_quota,
    "host-cpu-burner" => host_work_inside_host_calls_is_bounded_by_the_cpu_budget,
    "http-hoarder" => crate::http::pending_response_bodies_are_bounded_by_the_instance_budget,
    "huge-set-data" => huge_set_data_is_refused_and_page_data_stays_bounded,
    "init-calls-host" => crate::snapshot::an_init_that_calls_the_host_is_refused_at_build_and_at_load_naming_the_import,
    "log-flood" => a_log_flood_is_cut_at_the_event_budget,
    "log-hoarder" => undrained_log_lines_stay_within_the_instance_budget,
    "loopback" => loopback_and_metadata_addresses_are_refused_even_when_declared,
    "memory-bomb" => a_memory_bomb_hits_the_memory_quota,
    "no-gesture" => sensitive_calls_need_a_live_gesture,
    "no-grant" => capabilities_without_a_grant_are_refused,
    "oversized-value" => an_oversized_value_and_key_are_refused,
    "page-loop" => page_hooks_that_navigate_without_end_are_stopped_by_name,
    "quota-probe" => an_app_reads_its_own_budget,
    "sleeper" => a_guest_waiting_in_wasi_is_ended_at_its_deadline,
    "socket-flood" => crate::socket::a_socket_flood_is_held_to_its_quotas_and_bounds,
    "spin" => without_fuel_a_spinner_is_stopped_by_its_cpu_time,
    "stale-completion" => completions::stale_completions_are_refused_or_never_delivered,
    "stack-hoarder" => page_data_of_a_full_stack_stays_within_the_instance_budget,
    "stack-overflow" => deep_recursion_traps,
    "storage-flood" => a_storage_flood_gets_quota_exceeded_and_keeps_what_it_stored,
    "table-growth" => table_growth_hits_the_table_quota,
    "terminal-escape" => escape_sequences_stay_the_app_s_text_for_the_embedder,
    "timer-storm" => completions::a_timer_storm_is_held_to_its_quotas_while_its_neighbour_is_served,
    "toast-loop" => host_ui::a_toast_loop_draws_its_quota_per_callback_while_its_neighbour_is_served,
    "trap-later" => crate::replay::a_trap_on_the_third_event_replays_to_the_same_trap_and_page_data,
    "undeclared-import" => an_undeclared_import_is_refused_at_load,
    "upload-over-quota" => files::the_temp_area_and_the_uploads_it_feeds_stop_at_their_named_limits,
    "view-bomb" => a_render_without_end_stops_at_its_named_limit_and_the_app_runs_on,
}

#[tokio::test]
async fn page_hooks_that_navigate_without_end_are_stopped_by_name() {
    let arena = arena_of("page-loop", "");
    let (_app, mut inst) = arena.opened().await;
    for (witnessed, attack) in ["attack", "deep"].into_iter().enumerate() {
        let err = failed(&mut inst, &Event::tap("index", attack)).await;
        assert_eq!(
            err.to_string(),
            "app `hostile.page-loop` failed in on-load: the page hooks changed the page stack \
             16 times in a row; the host stopped calling them",
            "{attack}"
        );
        assert!(inst.pages().len() <= 10);
        // The app runs on, and its witness too.
        inst.dispatch(&Event::tap(
            inst.pages().last().unwrap().route.clone(),
            "home",
        ))
        .await
        .unwrap();
        assert_eq!(inst.pages().len(), 1);
        arena.witness_still_works(witnessed).await;
    }
    // on-ready that redirects every time (each redirect renders a page).
    let err = failed(&mut inst, &Event::tap("index", "ready")).await;
    assert_eq!(
        err.to_string(),
        "app `hostile.page-loop` failed in on-ready: on-ready opened another page 16 times \
         in a row; the host stopped calling it"
    );
    inst.dispatch(&Event::tap("ready", "home")).await.unwrap();
    inst.dispatch(&Event::tap("index", "count")).await.unwrap();
    assert!(inst.page_data()["loads"].as_u64().unwrap() > 16);
}
