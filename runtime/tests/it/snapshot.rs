//! Pre-initialised snapshots: an app's init runs once, when the runtime
//! compiles its package, and every instance starts from the memory it left;
//! the app behaves as if it had run its init itself, every instance still
//! draws its own randomness, and an init that calls the host is refused
//! (at build and at load) naming the import.

use miniapp_runtime::platform::cache::CacheOutcome;
use miniapp_runtime::{Error, Event, LaunchOptions, Manifest, Package, PackageLimits, Providers};
use serde_json::json;

use crate::common::{example, granting, guest_examples, runtime};

/// The region table heavy-init parses at init, read here on its own:
/// (rows, the full path of Nanshan, Shenzhen, the codes named 南山区).
fn table_facts() -> (usize, String, Vec<u32>) {
    let table = std::fs::read_to_string(guest_examples().join("../view/src/region/regions.tsv"))
        .expect("the region table");
    let rows: Vec<Vec<&str>> = (table.lines())
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let name = |code: &str| rows.iter().find(|r| r[0] == code).map(|r| r[1]).unwrap();
    let path = format!(
        "{} / {} / {}",
        name("440000"),
        name("440300"),
        name("440305")
    );
    let nanshans = (rows.iter().filter(|r| r[1] == "南山区"))
        .map(|r| r[0].parse().unwrap())
        .collect();
    (rows.len(), path, nanshans)
}

#[tokio::test]
async fn an_app_launched_from_its_snapshot_sees_what_its_init_built() {
    let (rows, nanshan, nanshans) = table_facts();
    let package = example("heavy-init");
    let dir = tempfile::tempdir().unwrap();
    for expected in [CacheOutcome::Compiled, CacheOutcome::Disk] {
        let rt = runtime(dir.path(), granting(&package), Providers::default());
        let app = rt.load(package.clone()).unwrap();
        assert_eq!(app.compiled_from(), &expected);
        let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
        assert_eq!(inst.page_data()["regions"], rows);
        inst.dispatch(&Event::tap("index", "tap")).await.unwrap();
        assert_eq!(inst.page_data()["path"], nanshan.as_str());
        assert_eq!(inst.page_data()["parent"], 440300);
        let find = Event::tap("index", "find").with_detail(json!({ "name": "南山区" }));
        inst.dispatch(&find).await.unwrap();
        assert_eq!(inst.page_data()["found"], json!(nanshans));
    }
}

#[tokio::test]
async fn every_instance_from_one_snapshot_draws_its_own_randomness() {
    let package = example("heavy-init");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&package), Providers::default());
    let app = rt.load(package).unwrap();
    let mut seeds = Vec::new();
    for _ in 0..3 {
        let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
        inst.dispatch(&Event::tap("index", "seed")).await.unwrap();
        let seed = inst.page_data()["seed"].as_str().unwrap().to_string();
        assert!(!seed.is_empty());
        seeds.push(seed);
    }
    seeds.sort();
    seeds.dedup();
    assert_eq!(
        seeds.len(),
        3,
        "std's RandomState seed was frozen: {seeds:?}"
    );
}

/// hostile/init-calls-host as cargo built it: its package, packed without
/// `miniapp build` (which refuses it, as the test checks first).
fn init_calls_host() -> Package {
    let dir = guest_examples().join("hostile/init-calls-host");
    let Err(refused) = miniapp_build::build(&dir, None, &PackageLimits::default()) else {
        panic!("miniapp build must refuse an init that calls the host");
    };
    assert!(
        matches!(refused, miniapp_build::BuildError::Init { .. }),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("an app's init must not call the host: `storage.get` called at init"),
        "{refused}"
    );
    let component =
        guest_examples().join("target/wasm32-wasip2/release/hostile_init_calls_host.wasm");
    let manifest = std::fs::read_to_string(dir.join("miniapp.toml")).unwrap();
    let template = std::fs::read(dir.join("pages/index.wxml")).unwrap();
    Package::new(
        Manifest::from_toml(&manifest).unwrap(),
        std::fs::read(component).unwrap(),
        [("pages/index.wxml".to_string(), template)].into(),
        &PackageLimits::default(),
    )
    .unwrap()
}

#[tokio::test]
pub(crate) async fn an_init_that_calls_the_host_is_refused_at_build_and_at_load_naming_the_import()
{
    let package = init_calls_host();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&package), Providers::default());
    let Err(err) = rt.load(package.clone()) else {
        panic!("load must refuse it");
    };
    let Error::Refused { app, reason } = &err else {
        panic!("not a refusal: {err}");
    };
    assert_eq!(app, "hostile.init-calls-host");
    assert_eq!(
        reason,
        "an app's init must not call the host: `storage.get` called at init"
    );
    // Nothing was cached for it: the next load is refused again.
    assert!(matches!(rt.load(package), Err(Error::Refused { .. })));
}
