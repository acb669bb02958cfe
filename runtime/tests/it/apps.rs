//! The example mini-programs, run for real through the runtime.

use miniapp_runtime::providers::{FixedConsent, Simulator};
use miniapp_runtime::{
    AppInstance, Error, Event, HostProfile, LaunchOptions, LogSource, Package, Policy, Providers,
    Runtime, Scope,
};
use serde_json::json;

use crate::common::{
    assert_fails_with, example, failed, granting, handled, launch_failed, launched, launched_alone,
    node_with, opened, repacked, runtime, simulated_with, tap, view_event,
};

#[tokio::test]
async fn hello_runs_its_lifecycle_in_order_and_patches_page_data() {
    let (_dir, mut inst) = launched_alone(example("hello")).await;
    assert_eq!(inst.page_data()["greeting"], "Hello, miniapp!");
    assert_eq!(inst.page_data()["visible"], true);

    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    inst.dispatch(&Event::new("index", "greet").with_detail(json!({"name": "Ada"})))
        .await
        .unwrap();
    inst.hide().await.unwrap();
    inst.show().await.unwrap();

    let data = inst.page_data();
    assert_eq!(data["count"], 2);
    assert_eq!(data["greeting"], "Hello, Ada!");
    assert_eq!(
        data["lifecycle"],
        json!([
            "launch",
            "show",
            "load:index:0",
            "ready:index",
            "event:tap",
            "event:tap",
            "event:greet",
            "hide",
            "show"
        ])
    );
    let logs = inst.drain_logs();
    assert!(
        logs.iter().any(|l| l.source == LogSource::Api
            && l.message == "hello launched on index (scene 0)"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.source == LogSource::Stdout && l.message == "hello from stdout"),
        "stdout is captured into the app log: {logs:?}"
    );
}

#[tokio::test]
async fn an_app_error_is_reported_and_the_instance_keeps_working() {
    let hello = example("hello");
    let (_dir, mut inst) = launched_alone(hello).await;
    let err = failed(&mut inst, &Event::new("index", "fail")).await;
    assert!(matches!(err, Error::AppFailed { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "app `demo.hello` failed in on-event index:fail: asked to fail"
    );
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert_eq!(inst.page_data()["count"], 1);
}

#[tokio::test]
async fn the_page_stack_is_bounded() {
    let hello = example("hello");
    let (_dir, mut inst) = launched_alone(hello).await;
    for _ in 0..9 {
        let page = inst.pages().last().unwrap().route.clone();
        inst.dispatch(&Event::new(page, "push")).await.unwrap();
    }
    assert_eq!(inst.pages().len(), 10);
    assert_eq!(inst.page_data()["depth"], 10);
    assert!(inst.page_data().get("nav_error").is_none());
    inst.dispatch(&Event::new("detail", "push")).await.unwrap();
    assert_eq!(inst.pages().len(), 10, "an 11th page is refused");
    assert_eq!(inst.page_data()["nav_error"], "quota-exceeded");
    assert_eq!(
        inst.pages()[9].query,
        vec![("n".to_string(), "9".to_string())]
    );
    inst.dispatch(&Event::new("detail", "back")).await.unwrap();
    assert_eq!(inst.pages().len(), 9);
}

#[tokio::test]
async fn can_i_use_follows_the_host_profile() {
    let hello = example("hello");
    for (capabilities, can_pay, can_store) in [
        (miniapp_runtime::Capability::ALL.to_vec(), true, true),
        (vec![miniapp_runtime::Capability::Storage], false, true),
        (vec![], false, false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut policy = granting(&hello);
        policy.host = HostProfile {
            name: "LiteHost".into(),
            capabilities: capabilities.into_iter().collect(),
            ..HostProfile::default()
        };
        let rt = runtime(dir.path(), policy, Providers::default());
        let inst = opened(&rt, hello.clone()).await;
        assert_eq!(inst.page_data()["host"], "LiteHost");
        assert_eq!(inst.page_data()["can_pay"], can_pay);
        assert_eq!(inst.page_data()["can_store"], can_store);
    }
}

#[tokio::test]
async fn todo_list_survives_a_new_instance_and_a_new_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let todo = example("todo");
    {
        let rt = runtime(dir.path(), granting(&todo), Providers::default());
        let app = rt.load(todo.clone()).unwrap();
        let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
        for title in ["milk", "eggs", "bread"] {
            inst.dispatch(&Event::new("index", "add").with_detail(json!({"title": title})))
                .await
                .unwrap();
        }
        let first_id = inst.page_data()["todos"][0]["id"].clone();
        inst.dispatch(&Event::new("index", "toggle").with_detail(json!({"id": first_id})))
            .await
            .unwrap();
        assert_eq!(inst.page_data()["left"], 2);
        let blank = Event::new("index", "add").with_detail(json!({"title": "  "}));
        assert_fails_with(&mut inst, &blank, "title must not be empty").await;

        let again = app.launch(LaunchOptions::default()).await.unwrap();
        assert_eq!(again.page_data()["todos"].as_array().unwrap().len(), 3);
        assert_eq!(again.page_data()["todos"][0]["done"], true);
    }
    let rt = runtime(dir.path(), granting(&todo), Providers::default());
    let inst = opened(&rt, todo).await;
    let titles: Vec<_> = inst.page_data()["todos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles, ["milk", "eggs", "bread"]);
    assert_eq!(inst.page_data()["left"], 2);
}

#[tokio::test]
async fn storage_is_denied_without_a_grant() {
    let dir = tempfile::tempdir().unwrap();
    let todo = example("todo");
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let err = launch_failed(&rt.load(todo).unwrap()).await;
    assert_eq!(
        err.to_string(),
        "app `demo.todo` failed in on-launch: permission denied: the operator has not granted `storage` to app `demo.todo`"
    );
}

#[tokio::test]
async fn storage_is_isolated_per_app() {
    let dir = tempfile::tempdir().unwrap();
    let todo = example("todo");
    let game = example("game2048");
    let mut policy = granting(&todo);
    policy.grant_declared(&game.manifest);
    let rt = runtime(dir.path(), policy, Providers::default());
    let mut t = opened(&rt, todo).await;
    t.dispatch(&Event::new("index", "add").with_detail(json!({"title": "x"})))
        .await
        .unwrap();
    let g = opened(&rt, game).await;
    assert!(g.page_data()["board"].is_array());
    let t2 = opened(&rt, example("todo")).await;
    assert_eq!(t2.page_data()["todos"].as_array().unwrap().len(), 1);
}

/// A runtime over `dir` granting `package` all it declares, with the
/// simulated providers and a user who answers consent prompts as `consent`.
fn asking(dir: &std::path::Path, package: &Package, consent: &FixedConsent) -> Runtime {
    runtime(dir, granting(package), simulated_with(consent.clone()))
}

/// Shop in a runtime over a fresh directory, with a user who answers
/// consent prompts as `consent` (see [`asking`]).
fn shop_asking(consent: &FixedConsent) -> (tempfile::TempDir, Runtime, Package) {
    let dir = tempfile::tempdir().unwrap();
    let shop = example("shop");
    let rt = asking(dir.path(), &shop, consent);
    (dir, rt, shop)
}

/// Tap shop's profile button; shop shows a refusal in its page data.
async fn tap_profile(inst: &mut AppInstance) {
    inst.dispatch(&Event::tap("index", "profile"))
        .await
        .unwrap();
}

#[tokio::test]
async fn consent_denial_is_sticky_and_the_provider_is_asked_once() {
    let consent = FixedConsent::default();
    let (dir, rt, shop) = shop_asking(&consent);
    let app = rt.load(shop.clone()).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    tap_profile(&mut inst).await;
    assert_eq!(inst.page_data()["profile_error"], "permission-denied");
    tap_profile(&mut inst).await;
    assert_eq!(inst.page_data()["profile_error"], "permission-denied");
    assert!(
        inst.page_data()["profile_message"]
            .as_str()
            .unwrap()
            .contains("stays denied"),
        "{}",
        inst.page_data()
    );
    drop(inst);
    drop(app);
    drop(rt);
    // A new runtime over the same data: still denied, still not asked again.
    let rt = asking(dir.path(), &shop, &consent);
    let inst = handled(&rt, shop, &Event::tap("index", "profile")).await;
    assert_eq!(inst.page_data()["profile_error"], "permission-denied");
    assert_eq!(consent.times_asked(), 1);
}

#[tokio::test]
async fn consent_granted_once_lets_later_calls_run() {
    let consent = FixedConsent::granting([Scope::UserInfo]);
    let (_dir, rt, shop) = shop_asking(&consent);
    let mut inst = opened(&rt, shop).await;
    tap_profile(&mut inst).await;
    tap_profile(&mut inst).await;
    assert_eq!(inst.page_data()["nickname"], "Test User");
    assert_eq!(consent.times_asked(), 1);
}

#[tokio::test]
async fn shop_logs_in_and_pays_through_the_host_providers() {
    let dir = tempfile::tempdir().unwrap();
    let shop = example("shop");
    let rt = runtime(
        dir.path(),
        granting(&shop),
        Providers::simulated(Simulator::default()),
    );
    let app = rt.load(shop).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    inst.dispatch(&Event::tap("index", "login")).await.unwrap();
    assert_eq!(inst.page_data()["login_code"].as_str().unwrap().len(), 32);
    inst.dispatch(&Event::tap("index", "buy").with_detail(json!({"product": "tea"})))
        .await
        .unwrap();
    let routes: Vec<_> = inst.pages().iter().map(|p| p.route.as_str()).collect();
    assert_eq!(routes, ["index", "checkout"], "buying opens the checkout");
    assert_eq!(inst.page_data()["amount"], 1200);
    inst.dispatch(&Event::tap("checkout", "pay")).await.unwrap();
    let routes: Vec<_> = inst.pages().iter().map(|p| p.route.as_str()).collect();
    assert_eq!(routes, ["index", "paid"]);
    assert_eq!(inst.page_data()["status"], "paid");
    assert!(
        inst.page_data()["transaction_id"]
            .as_str()
            .unwrap()
            .starts_with("sim-order-1-")
    );
    let again = app.launch(LaunchOptions::default()).await.unwrap();
    assert_eq!(again.page_data()["orders"], 1);
    // Many payments later the count goes on, while what a payment reads and
    // writes stays the most recent 20 orders.
    for _ in 0..24 {
        inst.dispatch(&Event::tap("paid", "back")).await.unwrap();
        inst.dispatch(&Event::tap("index", "buy").with_detail(json!({"product": "tea"})))
            .await
            .unwrap();
        inst.dispatch(&Event::tap("checkout", "pay")).await.unwrap();
    }
    assert_eq!(inst.page_data()["order_id"], "order-25");
    let stored = app.storage(None).unwrap().get("orders").unwrap().unwrap();
    let recent: Vec<serde_json::Value> = serde_json::from_slice(&stored).unwrap();
    assert_eq!(recent.len(), 20);
    assert_eq!(recent[19]["order_id"], "order-25");
}

#[tokio::test]
async fn payment_is_denied_when_the_operator_does_not_grant_it() {
    let dir = tempfile::tempdir().unwrap();
    let shop = example("shop");
    let mut policy = granting(&shop);
    let grants = policy.apps.get_mut("demo.shop").unwrap();
    grants
        .permissions
        .remove(&miniapp_runtime::Capability::Payment);
    let rt = runtime(
        dir.path(),
        policy,
        Providers::simulated(Simulator::default()),
    );
    let mut inst = opened(&rt, shop).await;
    inst.dispatch(&Event::tap("index", "buy").with_detail(json!({"product": "cake"})))
        .await
        .unwrap();
    inst.dispatch(&Event::tap("checkout", "pay")).await.unwrap();
    assert_eq!(inst.pages().last().unwrap().route, "checkout");
    assert_eq!(inst.page_data()["status"], "error");
    assert_eq!(inst.page_data()["error_kind"], "permission-denied");
}

#[tokio::test]
async fn game_state_survives_a_relaunch() {
    let dir = tempfile::tempdir().unwrap();
    let game = example("game2048");
    let rt = runtime(dir.path(), granting(&game), Providers::default());
    let app = rt.load(game).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    let tiles = |v: &serde_json::Value| {
        v["board"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|t| t.as_u64().unwrap()))
            .filter(|t| *t > 0)
            .count()
    };
    assert_eq!(tiles(inst.page_data()), 2);
    for dir in ["left", "up", "right", "down", "left", "up"] {
        inst.dispatch(&Event::new("index", "move").with_detail(json!({"dir": dir})))
            .await
            .unwrap();
    }
    let board = inst.page_data()["board"].clone();
    let moves = inst.page_data()["moves"].clone();
    assert!(moves.as_u64().unwrap() > 0);
    let sideways = Event::new("index", "move").with_detail(json!({"dir": "sideways"}));
    assert_fails_with(&mut inst, &sideways, "sideways").await;
    let again = app.launch(LaunchOptions::default()).await.unwrap();
    assert_eq!(again.page_data()["board"], board);
    assert_eq!(again.page_data()["moves"], moves);
}

#[tokio::test]
async fn location_needs_the_user_location_consent() {
    let news = example("news");
    for (granted, expect_position) in [(true, true), (false, false)] {
        let dir = tempfile::tempdir().unwrap();
        let consent = if granted {
            FixedConsent::granting([Scope::UserLocation])
        } else {
            FixedConsent::default()
        };
        let providers = simulated_with(consent);
        let rt = runtime(dir.path(), granting(&news), providers);
        let inst = handled(&rt, news.clone(), &Event::new("index", "locate")).await;
        let data = inst.page_data();
        if expect_position {
            assert_eq!(data["position"]["latitude"], 31.2304);
        } else {
            assert_eq!(data["location_error"], "permission-denied");
        }
    }
}

#[tokio::test]
async fn opening_another_mini_program_needs_it_declared() {
    let hello = example("hello");
    let (_dir, mut inst) = launched_alone(hello).await;
    inst.dispatch(&Event::tap("index", "open")).await.unwrap();
    assert_eq!(inst.page_data()["opened"], "demo.shop");
    let requests = inst.take_open_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].app_id, "demo.shop");
    assert_eq!(requests[0].path.as_deref(), Some("index"));
    let mut other = Event::tap("index", "open");
    other.dataset = vec![("app".into(), "demo.elsewhere".into())];
    inst.dispatch(&other).await.unwrap();
    assert_eq!(inst.page_data()["open_error"], "permission-denied");
    assert!(inst.take_open_requests().is_empty());
}

#[tokio::test]
async fn storage_is_per_user_where_the_operator_says_so() {
    let todo = example("todo");
    for (per_user, expected_for_bob) in [(true, 0), (false, 1)] {
        let dir = tempfile::tempdir().unwrap();
        let mut policy = granting(&todo);
        policy.defaults.per_user_storage = Some(per_user);
        let rt = runtime(dir.path(), policy, Providers::default());
        let app = rt.load(todo.clone()).unwrap();
        let as_user = |user: &str| LaunchOptions {
            user: Some(user.into()),
            ..LaunchOptions::default()
        };
        let mut alice = app.launch(as_user("alice")).await.unwrap();
        alice
            .dispatch(&Event::new("index", "add").with_detail(json!({"title": "alice's"})))
            .await
            .unwrap();
        let bob = app.launch(as_user("bob")).await.unwrap();
        assert_eq!(
            bob.page_data()["todos"].as_array().unwrap().len(),
            expected_for_bob,
            "per_user_storage = {per_user}"
        );
    }
}

#[tokio::test]
async fn an_update_asking_for_more_needs_consent_again_but_a_denial_sticks() {
    let shop = example("shop");
    let mut update = shop.clone();
    update.manifest.version = "0.2.0".into();
    update
        .manifest
        .permissions
        .insert(miniapp_runtime::Capability::Location);
    update
        .manifest
        .scopes
        .insert(Scope::UserLocation, "Find the nearest store".into());

    // Granted before the update: asked again after it.
    let dir = tempfile::tempdir().unwrap();
    let consent = FixedConsent::granting([Scope::UserInfo]);
    let rt = asking(dir.path(), &update, &consent);
    for (package, asked) in [
        (shop.clone(), 1),
        (shop.clone(), 1),
        (update.clone(), 2),
        (update.clone(), 2),
    ] {
        let inst = handled(&rt, package, &Event::tap("index", "profile")).await;
        assert_eq!(inst.page_data()["nickname"], "Test User");
        assert_eq!(consent.times_asked(), asked);
    }

    // Denied before the update: still denied after it, without a prompt.
    let dir = tempfile::tempdir().unwrap();
    let consent = FixedConsent::default();
    let rt = asking(dir.path(), &update, &consent);
    for package in [shop, update] {
        let inst = handled(&rt, package, &Event::tap("index", "profile")).await;
        assert_eq!(inst.page_data()["profile_error"], "permission-denied");
    }
    assert_eq!(consent.times_asked(), 1);
}

#[tokio::test]
async fn the_user_can_change_a_sticky_decision_in_settings() {
    let consent = FixedConsent::default();
    let (_dir, rt, shop) = shop_asking(&consent);
    let app = rt.load(shop).unwrap();
    let profile = async || {
        let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
        tap_profile(&mut inst).await;
        inst.page_data().clone()
    };
    // The user's choice in the app's settings.
    let decide = |consent| {
        rt.set_consent("demo.shop", None, Scope::UserInfo, consent)
            .unwrap()
    };
    assert_eq!(profile().await["profile_error"], "permission-denied");
    decide(miniapp_runtime::Consent::Granted);
    assert_eq!(profile().await["nickname"], "Test User");
    decide(miniapp_runtime::Consent::NotAsked);
    assert_eq!(profile().await["profile_error"], "permission-denied");
    assert_eq!(consent.times_asked(), 2, "forgotten, so asked again");
}

/// A consent prompt the user never answers.
struct NeverAnswers;

#[async_trait::async_trait]
impl miniapp_runtime::providers::ConsentProvider for NeverAnswers {
    async fn ask(&self, _: &miniapp_runtime::providers::ConsentRequest) -> bool {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_host_wait_is_bounded_by_the_event_deadline() {
    let shop = example("shop");
    let mut policy = granting(&shop);
    policy.defaults.quotas = toml::from_str("event_timeout_ms = 2000").unwrap();
    let providers = simulated_with(NeverAnswers);
    let (_dir, mut inst) = launched(policy, providers, shop, LaunchOptions::default()).await;
    let started = std::time::Instant::now();
    // The prompt is never answered: only the deadline ends the wait. 60 s
    // turns a deadline that never fires into a failure rather than a hang,
    // whatever the machine's speed; the message names the 2000 ms limit.
    let err = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        inst.dispatch(&Event::tap("index", "profile")),
    )
    .await
    .expect("the event deadline ends the wait")
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "app `demo.shop` trapped in on-event index:profile: time limit of 2000 ms per event exceeded"
    );
    // Not before the deadline, however fast the machine.
    assert!(started.elapsed() >= std::time::Duration::from_millis(2000));
}

#[tokio::test]
async fn the_todo_page_renders_after_each_callback_and_takes_events_through_its_view() {
    use miniapp_runtime::view::diff::Op;
    let todo = example("todo");
    let (_dir, mut inst) = launched_alone(todo).await;
    let html = inst.view_html().unwrap();
    assert!(html.contains("Nothing to do"), "{html}");
    assert_eq!(
        inst.take_view_ops(),
        None,
        "the first render is painted whole"
    );
    // Typing and confirming in the input goes to `add` through the view.
    let input = node_with(&html, "id=\"new\"");
    view_event(&mut inst, input, "confirm", json!({"value": "milk"}))
        .await
        .unwrap();
    let ops = inst.take_view_ops().expect("a diff of the same page");
    assert!(
        ops.iter()
            .any(|op| matches!(op, Op::Insert { html, .. } if html.contains("milk"))),
        "{ops:?}"
    );
    assert!(inst.view_html().unwrap().contains("1 left"));
    // A tap on the item toggles it: its data-id reaches the app.
    let html = inst.view_html().unwrap();
    let item = node_with(&html, "class=\"item \"");
    view_event(&mut inst, item, "tap", json!({"x": 1, "y": 2}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["todos"][0]["done"], true);
    let ops = inst.take_view_ops().unwrap();
    assert!(
        ops.iter().any(|op| matches!(op, Op::SetAttr { id, name, value: Some(v) } if *id == item && name == "class" && v == "item done")),
        "{ops:?}"
    );
    // Forged events never reach the app.
    for (node, kind) in [(9999, "tap"), (input, "submit")] {
        let err = view_event(&mut inst, node, kind, json!({}))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::BadRequest { .. }), "{err}");
    }
}

/// The latest hooks hello recorded (in the top page's data).
fn hooks(inst: &miniapp_runtime::AppInstance) -> Vec<String> {
    serde_json::from_value(inst.page_data()["lifecycle"].clone()).unwrap()
}

#[tokio::test]
async fn page_hooks_follow_the_page_stack_and_on_load_data_goes_to_its_page() {
    let hello = example("hello");
    let (_dir, mut inst) = launched_alone(hello).await;
    // The app pushes a page: it is loaded with its query, rendered, ready.
    inst.dispatch(&Event::new("index", "push")).await.unwrap();
    assert_eq!(
        hooks(&inst)[4..],
        ["event:push", "load:detail:1", "ready:detail"]
    );
    assert_eq!(
        inst.page_data()["n"],
        "1",
        "on-load's set-data is the page's"
    );
    assert!(inst.view_html().unwrap().contains("Detail page 1"));
    // Two pages pushed in one callback: each on-load sets its own page.
    inst.dispatch(&Event::new("detail", "push")).await.unwrap();
    inst.dispatch(&Event::new("detail", "back")).await.unwrap();
    inst.dispatch(&Event::new("detail", "back")).await.unwrap();
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert_eq!(
        hooks(&inst)[7..],
        [
            "event:push",
            "load:detail:2",
            "ready:detail",
            "event:back",
            "unload:detail",
            "event:back",
            "unload:detail",
            "event:tap"
        ]
    );
    assert_eq!(inst.pages().len(), 1);
    assert_eq!(inst.page_data()["n"], "0", "index kept its own data");
}

#[tokio::test]
async fn a_navigator_tap_is_the_host_s_navigation() {
    let hello = example("hello");
    let (_dir, mut inst) = launched_alone(hello).await;
    inst.take_view_ops();
    tap(&mut inst, "#detail").await.unwrap();
    let pages = inst.pages();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].route, "detail");
    assert_eq!(pages[1].query, [("n".to_string(), "0".to_string())]);
    assert_eq!(hooks(&inst).last().unwrap(), "ready:detail");
    assert!(inst.view_html().unwrap().contains("Detail page 0"));
    assert_eq!(inst.take_view_ops(), None, "another page is painted whole");
    // navigateBack by the navigator.
    tap(&mut inst, "#up").await.unwrap();
    assert_eq!(inst.pages().len(), 1);
    assert!(inst.view_html().unwrap().contains("Open the detail page"));
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert_eq!(
        hooks(&inst)[hooks(&inst).len() - 2..],
        ["unload:detail", "event:tap"]
    );
}

#[tokio::test]
async fn an_app_without_page_hooks_runs_renders_and_navigates() {
    let core = example("core-only");
    let (_dir, mut inst) = launched_alone(core).await;
    tap(&mut inst, "#tap").await.unwrap();
    assert_eq!(inst.page_data()["count"], 1);
    assert!(inst.view_html().unwrap().contains(">1<"));
    tap(&mut inst, "#go").await.unwrap();
    assert_eq!(inst.pages().len(), 2);
    assert!(inst.view_html().unwrap().contains("Detail page"));
    tap(&mut inst, "#push").await.unwrap();
    assert_eq!(inst.pages().len(), 3);
}

#[tokio::test]
async fn host_refusals_read_as_words_not_as_debug_values() {
    // A navigator to a page the manifest does not declare.
    let core = example("core-only");
    let mut assets = core.assets.clone();
    assets.insert(
        "pages/index.wxml".into(),
        br#"<navigator id="away" url="/pages/settings?from=index">Settings</navigator>"#.to_vec(),
    );
    let package = repacked(&core, core.manifest.clone(), assets);
    let (_dir, mut inst) = launched_alone(package).await;
    let err = tap(&mut inst, "#away").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "app `demo.core-only`: a navigator (navigate /pages/settings?from=index): \
         page `settings` is not declared in the manifest of app `demo.core-only`"
    );
    // A patch from the host's data editor that the app's set-data would refuse.
    let err = inst.patch_data("[1]").unwrap_err();
    assert_eq!(
        err.to_string(),
        "app `demo.core-only`: set-data takes a JSON object of path -> value"
    );
}
