//! Shared test helpers: build the example mini-programs (once per process),
//! and set up runtimes over temporary data directories.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::{
    App, AppInstance, Event, LaunchOptions, Manifest, Package, PackageLimits, Policy, Providers,
    Runtime,
};

/// The guest workspace.
pub fn guest_examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples")
}

/// The package of example `name` (built with cargo on first use).
pub fn example(name: &str) -> Package {
    static BUILT: OnceLock<Mutex<HashMap<String, Package>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    built
        .entry(name.to_string())
        .or_insert_with(|| {
            let dir = guest_examples().join(name);
            miniapp_build::build(&dir, None, &PackageLimits::default())
                .unwrap_or_else(|e| panic!("building example {name}: {e}"))
                .package
        })
        .clone()
}

/// `package` packed again with `manifest` and `assets` in place of its own.
pub fn repacked(
    package: &Package,
    manifest: Manifest,
    assets: BTreeMap<String, Vec<u8>>,
) -> Package {
    Package::new(
        manifest,
        package.component.clone(),
        assets,
        &PackageLimits::default(),
    )
    .unwrap()
}

/// A policy that grants `package` everything its manifest declares.
pub fn granting(package: &Package) -> Policy {
    let mut policy = Policy::default();
    policy.grant_declared(&package.manifest);
    policy
}

/// A runtime over `dir` with `policy` and `providers`.
pub fn runtime(dir: &Path, policy: Policy, providers: Providers) -> Runtime {
    Runtime::builder(dir)
        .policy(policy)
        .providers(providers)
        .build()
        .expect("runtime builds")
}

/// The simulated identity, location and payment providers, with `consent`
/// answering the prompts.
pub fn simulated_with(
    consent: impl miniapp_runtime::providers::ConsentProvider + 'static,
) -> Providers {
    Providers {
        consent: std::sync::Arc::new(consent),
        ..Providers::simulated(miniapp_runtime::providers::Simulator::default())
    }
}

/// Launch `package` in a fresh runtime over a temporary data directory; the
/// directory lives as long as the returned guard.
pub async fn launched(
    policy: Policy,
    providers: Providers,
    package: Package,
    options: miniapp_runtime::LaunchOptions,
) -> (tempfile::TempDir, miniapp_runtime::AppInstance) {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), policy, providers);
    let instance = rt.load(package).unwrap().launch(options).await.unwrap();
    (dir, instance)
}

/// Load `package` into `rt` and launch it with the default options.
pub async fn opened(rt: &Runtime, package: Package) -> AppInstance {
    rt.load(package)
        .unwrap()
        .launch(LaunchOptions::default())
        .await
        .unwrap()
}

/// Launch `package` on its own: granted all it declares, with the default
/// providers and options, in a fresh runtime (see [`launched`]).
pub async fn launched_alone(package: Package) -> (tempfile::TempDir, AppInstance) {
    launched(
        granting(&package),
        Providers::default(),
        package,
        LaunchOptions::default(),
    )
    .await
}

/// The error launching `app` with the default options, where it must fail.
pub async fn launch_failed(app: &App) -> miniapp_runtime::Error {
    app.launch(LaunchOptions::default())
        .await
        .err()
        .expect("the launch must fail")
}

/// Open `package` in `rt` (see [`opened`]) and have it handle `event`; the
/// instance is returned for its page data.
pub async fn handled(rt: &Runtime, package: Package, event: &Event) -> AppInstance {
    let mut inst = opened(rt, package).await;
    inst.dispatch(event)
        .await
        .unwrap_or_else(|e| panic!("{}:{}: {e}", event.page, event.handler));
    inst
}

/// The error the instance answers `event` with, where it must fail.
pub async fn failed(inst: &mut AppInstance, event: &Event) -> miniapp_runtime::Error {
    match inst.dispatch(event).await {
        Err(e) => e,
        Ok(()) => panic!("{}:{} succeeded; it must fail", event.page, event.handler),
    }
}

/// Assert that the instance answers `event` with an error whose message
/// contains `words`.
pub async fn assert_fails_with(inst: &mut AppInstance, event: &Event, words: &str) {
    let err = failed(inst, event).await;
    assert!(err.to_string().contains(words), "{err}");
}

/// Assert that the app's page data records a refusal of `kind` (its
/// `error_kind`) whose message (its `error`) contains `words`.
pub fn assert_refused(data: &serde_json::Value, kind: &str, words: &str) {
    assert_eq!(data["error_kind"], kind, "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(error.contains(words), "{error}");
}

/// The id of the element `selector` picks on the instance's rendered page.
pub fn node(inst: &AppInstance, selector: &str) -> u32 {
    let tree = inst.view_tree().expect("a rendered page");
    miniapp_runtime::view::select::Selector::parse(selector)
        .unwrap()
        .find(tree)
        .unwrap_or_else(|| panic!("no {selector} on the page"))
        .id
}

/// The user's `kind` event, with `detail`, on element `node` of the
/// instance's rendered page.
pub async fn view_event(
    inst: &mut AppInstance,
    node: u32,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), miniapp_runtime::Error> {
    let event = ViewEvent {
        node,
        kind: kind.into(),
        detail,
    };
    inst.dispatch_view(&event).await
}

/// The user's `kind` event, with `detail`, on `selector` of the instance's
/// rendered page.
pub async fn event_on(
    inst: &mut AppInstance,
    selector: &str,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), miniapp_runtime::Error> {
    let node = node(inst, selector);
    view_event(inst, node, kind, detail).await
}

/// Tap `selector` on the instance's rendered page.
pub async fn tap(inst: &mut AppInstance, selector: &str) -> Result<(), miniapp_runtime::Error> {
    event_on(inst, selector, "tap", serde_json::json!({})).await
}

/// The node id of the first element of `html` with `attr`.
pub fn node_with(html: &str, attr: &str) -> u32 {
    let at = html
        .find(attr)
        .unwrap_or_else(|| panic!("no {attr} in {html}"));
    let open = html[..at].rfind('<').unwrap();
    let nid = &html[open..at];
    let start = nid.find("data-nid=\"").unwrap() + 10;
    nid[start..start + nid[start..].find('"').unwrap()]
        .parse()
        .unwrap()
}

/// Deliver the completion that ends a call whose page left the stack, and
/// check the guest was told: it logged `{what} ended: cancelled: page
/// unloaded`. (60 s is a hang guard: the cancellation is due at once.)
pub async fn told_page_unloaded(inst: &mut AppInstance, what: &str) {
    let hang = std::time::Duration::from_secs(60);
    let completion = tokio::time::timeout(hang, inst.complete_next()).await;
    (completion.unwrap())
        .expect("the cancellation is due at once")
        .unwrap();
    let logs: Vec<String> = inst.drain_logs().into_iter().map(|l| l.message).collect();
    let told = format!("{what} ended: cancelled: page unloaded");
    assert!(logs.contains(&told), "{logs:?}");
}
