//! The in-process test host: an instance's state built from a manifest and
//! a policy (TOML), with an in-memory store and audit sink, whose host
//! functions tests call directly, without a component. Permission, consent,
//! gesture and quota logic are tested here, one call at a time.

use std::sync::Arc;

use miniapp_config::{Manifest, Policy, Scope};
use wasmtime::Engine;

use crate::app_core::AppCore;
use crate::app_shared::AppShared;
use crate::audit::{AuditEvent, MemoryAudit};
use crate::bindings::{identity, nav, payment, permission, storage, types, view};
use crate::cache::CacheOutcome;
use crate::capability::http::AppHttp;
use crate::capability::identity::IdentityCtx;
use crate::capability::nav::NavCtx;
use crate::capability::payment::PaymentCtx;
use crate::capability::storage::StorageCtx;
use crate::capability::table::HOST_API_VERSION;
use crate::capability::{CallResult, Granted, Holds, View, record_refusal, view_of};
use crate::engine::LiveInstances;
use crate::event::LaunchOptions;
use crate::instance::InstanceState;
use crate::kv::MemoryStore;
use crate::providers::{FixedConsent, Providers, Simulator};
use crate::quarantine::QuarantineBook;
use crate::services::Services;

/// One instance's host state, and what the host recorded about it.
pub(crate) struct TestHost {
    pub state: InstanceState,
    pub audit: Arc<MemoryAudit>,
    pub consent: FixedConsent,
    _dir: tempfile::TempDir,
}

impl TestHost {
    /// An instance of the app `manifest` under `policy`, for user `alice`;
    /// the consent prompt grants `granting`.
    pub fn new(manifest: &str, policy: &str, granting: &[Scope]) -> TestHost {
        Self::built_against(HOST_API_VERSION, manifest, policy, granting)
    }

    /// As [`TestHost::new`], of a package built against host API
    /// `api_version`.
    pub fn built_against(
        api_version: &'static str,
        manifest: &str,
        policy: &str,
        granting: &[Scope],
    ) -> TestHost {
        let manifest = Manifest::from_toml(manifest).expect("manifest");
        let policy = Policy::from_toml(policy, "test policy").expect("policy");
        let grants = policy.grants_for(&manifest).expect("grants");
        let dir = tempfile::tempdir().unwrap();
        let audit = Arc::new(MemoryAudit::default());
        let consent = FixedConsent::granting(granting.iter().copied());
        let kv: Arc<dyn crate::kv::KvStore> = Arc::new(MemoryStore::default());
        let engine = Engine::default();
        let services = Services {
            kv: kv.clone(),
            providers: Providers {
                consent: Arc::new(consent.clone()),
                ..Providers::simulated(Simulator::default())
            },
            audit: audit.clone(),
            disk: Default::default(),
            quarantine: QuarantineBook::new(kv),
            slots: crate::fair::FairSlots::new(2),
            http_observer: None,
            recording: false,
            temp: crate::capability::temp_area::TempAreas::new(dir.path().join("tmp")),
            regions: Default::default(),
            _epoch: crate::epoch::EpochTicker::start(engine.clone()).expect("epoch thread"),
        };
        let live = LiveInstances::new(1);
        let app = Arc::new(AppShared {
            windows: Default::default(),
            slot_key: "test".into(),
            http: Arc::new(AppHttp::configure_app(
                &grants,
                (services.temp).area(&manifest.id, &grants.quotas),
            )),
            hash: String::new(),
            imports: Vec::new(),
            engine,
            live: live.clone(),
            compiled: CacheOutcome::Compiled,
            core: Arc::new(AppCore {
                host: policy.host.clone(),
                api_version,
                usage: Default::default(),
                services: Arc::new(services),
                manifest,
                grants,
                tab_bar: None,
            }),
            views: Default::default(),
            components: Default::default(),
            view_origins: Vec::new(),
            page_hooks: None,
            component_hooks: None,
            meta: None,
            on_complete: None,
            page_events: None,
            asset_paths: Default::default(),
            styles: Default::default(),
            sub_packages: Default::default(),
            sub_package_files: Default::default(),
        });
        let options = LaunchOptions {
            user: Some("alice".into()),
            ..LaunchOptions::default()
        };
        let home = (app.manifest.home_page().to_string(), Vec::new());
        let tape = crate::replay::Tape::default();
        let mut state =
            InstanceState::new(&app, &options, home, live.acquire().unwrap(), &tape).unwrap();
        // As an app that exports `completions.on-complete`.
        state.call.pending.set_deliverable(true);
        let mut host = TestHost {
            state,
            audit,
            consent,
            _dir: dir,
        };
        host.event(false);
        host
    }

    /// Start an event (a tap if `tap`), as the runtime does before a call.
    pub fn event(&mut self, tap: bool) {
        self.state.call.deadline.start_call();
        self.state.call.gesture.start_event(tap);
        self.state.call.host_ui_drawn = 0;
    }

    /// The view of the capability state `C` of the instance, as a host call
    /// of it sees it.
    pub fn view<C>(&mut self) -> View<'_, C>
    where
        InstanceState: Holds<C>,
    {
        view_of(&mut self.state)
    }

    /// A call's result as the guest receives it: refusals pass through the
    /// conversion that counts and audits them.
    pub fn guest<T>(&self, result: CallResult<T>) -> Result<T, types::Error> {
        result.map_err(|e| {
            record_refusal(&self.state.call.app, &self.state.call.audit, e).expect("not a trap")
        })
    }

    /// Whether the audit stream holds an event matching `pred`.
    pub fn audited(&self, pred: impl Fn(&AuditEvent) -> bool) -> bool {
        self.audit.records().iter().any(|r| pred(&r.event))
    }
}

const SHOP: &str = r#"
    id = "demo.shop"
    name = "Shop"
    version = "1.0.0"
    pages = ["index", "detail"]
    permissions = ["storage", "payment", "identity"]
    open_apps = ["demo.other"]
    [scopes]
    user-info = "Your name on the order"
"#;

const GRANT_ALL: &str = r#"
    [defaults]
    permissions = ["storage", "payment", "identity"]
"#;

fn kind(e: &types::Error) -> &'static str {
    match e {
        types::Error::PermissionDenied(_) => "permission-denied",
        types::Error::QuotaExceeded(_) => "quota-exceeded",
        types::Error::InvalidArgument(_) => "invalid-argument",
        types::Error::Unsupported(_) => "unsupported",
        types::Error::Failed(_) => "failed",
    }
}

#[tokio::test]
async fn no_grant_no_context() {
    use storage::Host;
    // Declared but not granted by the operator.
    let mut host = TestHost::new(SHOP, "", &[]);
    assert!(host.state.storage.is_err());
    let err = host
        .view::<Granted<StorageCtx>>()
        .set("k".into(), b"v".to_vec())
        .await;
    let err = host.guest(err).unwrap_err();
    assert_eq!(kind(&err), "permission-denied");
    assert!(
        err.to_string()
            .contains("the operator has not granted `storage`"),
        "{err}"
    );
    assert!(host.audited(|e| matches!(e, AuditEvent::Denied { .. })));
    assert_eq!(host.state.app.usage.snapshot().denials, 1);
    // Granted but not offered by this host: unsupported, not audited as a denial.
    let lite = format!("{GRANT_ALL}\n[host]\ncapabilities = [\"payment\"]");
    let mut host = TestHost::new(SHOP, &lite, &[]);
    let err = host.view::<Granted<StorageCtx>>().keys();
    let err = host.guest(err).unwrap_err();
    assert_eq!(kind(&err), "unsupported", "{err}");
    // Granted: works, in the instance's namespace.
    let mut host = TestHost::new(SHOP, GRANT_ALL, &[]);
    let mut storage = host.view::<Granted<StorageCtx>>();
    storage.set("k".into(), b"v".to_vec()).await.unwrap();
    assert_eq!(storage.get("k".into()).unwrap(), Some(b"v".to_vec()));
}

#[tokio::test]
async fn storage_quotas_are_refused_and_audited() {
    use storage::Host;
    let policy = format!("{GRANT_ALL}\nquotas = {{ storage_value_bytes = 4, storage_keys = 1 }}");
    let mut host = TestHost::new(SHOP, &policy, &[]);
    let mut storage = host.view::<Granted<StorageCtx>>();
    let too_big = storage.set("k".into(), b"12345".to_vec()).await;
    storage.set("a".into(), b"1".to_vec()).await.unwrap();
    let too_many = storage.set("b".into(), b"1".to_vec()).await;
    for err in [too_big, too_many] {
        let err = host.guest(err).unwrap_err();
        assert_eq!(kind(&err), "quota-exceeded", "{err}");
    }
    assert_eq!(host.state.app.usage.snapshot().quota_hits, 2);
    assert!(host.audited(|e| matches!(e, AuditEvent::QuotaExceeded { .. })));
}

#[tokio::test]
async fn consent_is_asked_once_and_sticks() {
    use {identity::Host as _, permission::Host as _};
    let mut host = TestHost::new(SHOP, GRANT_ALL, &[Scope::UserInfo]);
    for _ in 0..3 {
        host.event(true);
        host.view::<Granted<IdentityCtx>>()
            .get_profile()
            .await
            .unwrap();
    }
    assert_eq!(host.consent.times_asked(), 1);
    assert!(host.audited(|e| matches!(e, AuditEvent::Consent { granted: true, .. })));
    // A denial sticks too, without asking again.
    let mut host = TestHost::new(SHOP, GRANT_ALL, &[]);
    for _ in 0..2 {
        host.event(true);
        let err = host.view::<Granted<IdentityCtx>>().get_profile().await;
        assert_eq!(kind(&host.guest(err).unwrap_err()), "permission-denied");
    }
    assert_eq!(host.consent.times_asked(), 1);
    // The operator's rule answers without asking.
    let deny = format!("{GRANT_ALL}\nconsent = {{ user-info = \"deny\" }}");
    let mut host = TestHost::new(SHOP, &deny, &[Scope::UserInfo]);
    host.event(true);
    let err = host.view::<Granted<IdentityCtx>>().get_profile().await;
    let err = host.guest(err).unwrap_err();
    assert!(
        err.to_string()
            .contains("the operator denies scope `user-info`"),
        "{err}"
    );
    assert_eq!(host.consent.times_asked(), 0);
    // A scope guarding a capability the app does not hold is never asked:
    // `user-info` without `identity`.
    let no_identity = "[defaults]\npermissions = [\"storage\"]";
    let mut host = TestHost::new(SHOP, no_identity, &[Scope::UserInfo]);
    let err = host.state.call.authorize(permission::Scope::UserInfo).await;
    let err = host.guest(err).unwrap_err();
    assert!(
        err.to_string().contains("has not granted `identity`"),
        "{err}"
    );
    assert_eq!(host.consent.times_asked(), 0);
    // A scope the manifest does not declare is never asked.
    let mut host = TestHost::new(SHOP, GRANT_ALL, &[Scope::Camera]);
    let err = host.state.call.authorize(permission::Scope::Camera).await;
    assert!(
        host.guest(err)
            .unwrap_err()
            .to_string()
            .contains("did not declare scope `camera`")
    );
    assert_eq!(host.consent.times_asked(), 0);
}

#[tokio::test]
async fn one_tap_authorizes_one_sensitive_action() {
    use {nav::Host as _, payment::Host as _};
    let mut host = TestHost::new(SHOP, GRANT_ALL, &[Scope::UserInfo]);
    let order = |n: u32| payment::Order {
        order_id: format!("o-{n}"),
        amount: 100,
        currency: "CNY".into(),
        description: String::new(),
    };
    host.event(true);
    host.view::<Granted<PaymentCtx>>()
        .request_payment(order(1))
        .await
        .unwrap();
    let again = host
        .view::<Granted<PaymentCtx>>()
        .request_payment(order(2))
        .await;
    let again = host.guest(again).unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already used by request-payment"),
        "{again}"
    );
    let open = host
        .view::<NavCtx>()
        .open_mini_program("demo.other".into(), None, None);
    assert_eq!(kind(&host.guest(open).unwrap_err()), "permission-denied");
    // The next tap authorizes the next action; an event that is not a tap none.
    host.event(true);
    host.view::<NavCtx>()
        .open_mini_program("demo.other".into(), None, None)
        .unwrap();
    host.event(false);
    let paid = host
        .view::<Granted<PaymentCtx>>()
        .request_payment(order(3))
        .await;
    assert!(
        host.guest(paid)
            .unwrap_err()
            .to_string()
            .contains("while handling a tap")
    );
}

#[test]
fn page_data_over_the_whole_stack_is_bounded_by_the_host_budget() {
    use {nav::Host as _, view::Host as _};
    let policy = "[defaults]\nquotas = { host_memory_bytes = 200000, page_data_bytes = 150000 }";
    let mut host = TestHost::new(SHOP, policy, &[]);
    let chunk = format!("{{\"blob\": \"{}\"}}", "x".repeat(75_000));
    host.view::<NavCtx>().set_data(chunk.clone()).unwrap();
    host.view::<NavCtx>().navigate_to("detail".into()).unwrap();
    host.view::<NavCtx>().set_data(chunk.clone()).unwrap();
    host.view::<NavCtx>().navigate_to("detail".into()).unwrap();
    // A third page of the same size is over the instance's budget, though
    // under the per-page limit.
    let err = host.view::<NavCtx>().set_data(chunk.clone());
    let err = host.guest(err).unwrap_err();
    assert_eq!(kind(&err), "quota-exceeded");
    assert!(
        err.to_string()
            .contains("host memory budget of 200000 bytes"),
        "{err}"
    );
    assert_eq!(
        host.state.nav.pages.top().data,
        serde_json::json!({}),
        "nothing applied"
    );
    let used = host.state.host_memory.used();
    assert!(used <= 200_000 && used > 150_000, "{used}");
    // Popping a page frees its share.
    host.view::<NavCtx>().navigate_back(1).unwrap();
    host.view::<NavCtx>().navigate_back(1).unwrap();
    assert!(host.state.host_memory.used() < used - 75_000);
    host.view::<NavCtx>().navigate_to("detail".into()).unwrap();
    host.view::<NavCtx>().set_data(chunk).unwrap();
}

#[test]
fn can_i_use_answers_for_every_core_interface() {
    let host = TestHost::new(SHOP, "", &[]);
    for schema in [
        "quota.remaining",
        "view.set-data",
        "log.write",
        "permission.authorize",
    ] {
        assert!(
            crate::capability::table::can_i_use(
                &host.state.app.host,
                host.state.app.api_version,
                schema
            ),
            "{schema}"
        );
    }
}

/// `system.can-i-use` answers for the host API version the package was
/// built against: a 0.1.0 package cannot import `clipboard`, so it is not
/// offered it; what 0.1.0 had, it is.
#[test]
fn can_i_use_answers_for_the_package_s_host_api_version() {
    use crate::bindings::system::Host;
    let mut now = TestHost::new(SHOP, "", &[]);
    let mut old = TestHost::built_against(crate::capability::v0_1::VERSION, SHOP, "", &[]);
    for schema in ["clipboard", "clipboard.set-clipboard-data"] {
        assert!(now.state.call.can_i_use(schema.into()).unwrap(), "{schema}");
        assert!(
            !old.state.call.can_i_use(schema.into()).unwrap(),
            "{schema}"
        );
    }
    for schema in ["storage", "payment.request-payment", "system.can-i-use"] {
        assert!(old.state.call.can_i_use(schema.into()).unwrap(), "{schema}");
    }
    // The host's API version, whatever the package was built against.
    let info = old.state.call.get_host_info().unwrap();
    assert_eq!(info.sdk_version, HOST_API_VERSION);
}
