//! What the host shows the developer beside the app: the host UI the
//! simulator draws (consent prompts, the payment sheet, login), audit
//! records and HTTP calls.
//!
//! Host UI: consent prompts, the payment sheet, login. Each is a provider of the runtime that sends a `prompt`
//! frame to the page and waits for the user's answer (an `answer` frame),
//! at most [`PROMPT_TIMEOUT`]; no answer is a refusal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use miniapp_runtime::Providers;
use miniapp_runtime::providers::{
    ConsentProvider, ConsentRequest, IdentityProvider, LocationProvider, Order, PaymentOutcome,
    PaymentProvider, Position, Profile, ProviderError, Simulator,
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};

/// How long a prompt waits for the user.
pub const PROMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The prompts waiting for an answer, and where prompt frames go.
pub struct Prompts {
    next: AtomicU64,
    /// Kinds of prompt the user declined during the current action: asked
    /// again in it, they are declined without asking (an app cannot loop a
    /// prompt at the user).
    declined: Mutex<Vec<String>>,
    /// Each waiting prompt: its answer's channel and its frame (sent again
    /// to a page that connects while it waits).
    waiting: Mutex<HashMap<u64, (oneshot::Sender<bool>, String)>>,
    frames: broadcast::Sender<String>,
}

impl Prompts {
    /// Prompts sent as frames on `frames`.
    pub fn new(frames: broadcast::Sender<String>) -> Arc<Prompts> {
        Arc::new(Prompts {
            next: AtomicU64::new(1),
            declined: Mutex::default(),
            waiting: Mutex::default(),
            frames,
        })
    }

    /// A new user action starts (the session took a new command): prompts
    /// declined before may be asked again.
    pub fn new_action(&self) {
        self.declined
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Ask the user (`fields` describe the prompt); `true` if they allowed.
    async fn ask(&self, kind: &str, fields: Value) -> bool {
        let declined = || self.declined.lock().unwrap_or_else(|e| e.into_inner());
        if declined().iter().any(|k| k == kind) {
            return false;
        }
        let allowed = self.ask_once(kind, fields).await;
        if !allowed {
            declined().push(kind.to_string());
        }
        allowed
    }

    async fn ask_once(&self, kind: &str, fields: Value) -> bool {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let mut frame = json!({ "type": "prompt", "id": id, "kind": kind });
        if let (Some(frame), Value::Object(fields)) = (frame.as_object_mut(), fields) {
            frame.extend(fields);
        }
        let frame = frame.to_string();
        self.lock().insert(id, (tx, frame.clone()));
        let _ = self.frames.send(frame);
        let allowed = matches!(tokio::time::timeout(PROMPT_TIMEOUT, rx).await, Ok(Ok(true)));
        self.lock().remove(&id);
        let _ = self
            .frames
            .send(json!({ "type": "prompt-closed", "id": id }).to_string());
        allowed
    }

    /// The user's answer to prompt `id`; `false` if no such prompt waits.
    pub fn answer(&self, id: u64, allow: bool) -> bool {
        match self.lock().remove(&id) {
            Some((waiting, _)) => waiting.send(allow).is_ok(),
            None => false,
        }
    }

    /// The frames of the prompts waiting now, oldest first.
    pub fn waiting(&self) -> Vec<String> {
        let waiting = self.lock();
        let mut ids: Vec<&u64> = waiting.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| waiting[id].1.clone()).collect()
    }

    #[allow(clippy::type_complexity, reason = "a private map, named by its use")]
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (oneshot::Sender<bool>, String)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The runtime's providers, answered by the user in the simulator: consent,
/// login, location and payment prompt; the profile is the simulated host's
/// (its consent scope was asked already), and so is the position the
/// location prompt offers.
pub fn providers(prompts: &Arc<Prompts>) -> Providers {
    providers_asking(Asks::One(prompts.clone()))
}

tokio::task_local! {
    /// The prompts of the session whose call runs in this task (a host of
    /// many sessions, `miniapp serve`, runs each call in
    /// `SESSION_PROMPTS.scope(...)`).
    pub static SESSION_PROMPTS: Arc<Prompts>;
}

/// Providers as [`providers`], asking the prompts of the session in scope
/// ([`SESSION_PROMPTS`]); outside any session they decline.
pub fn session_providers() -> Providers {
    providers_asking(Asks::SessionInScope)
}

/// Whom the providers ask.
enum Asks {
    One(Arc<Prompts>),
    SessionInScope,
}

fn providers_asking(asks: Asks) -> Providers {
    let host = Arc::new(SimulatedHost {
        asks,
        simulator: Simulator::default(),
    });
    Providers {
        consent: host.clone(),
        identity: host.clone(),
        location: host.clone(),
        payment: host,
    }
}

struct SimulatedHost {
    asks: Asks,
    simulator: Simulator,
}

impl SimulatedHost {
    /// Ask the user; `false` when there is nobody to ask.
    async fn prompt(&self, kind: &str, fields: Value) -> bool {
        match &self.asks {
            Asks::One(prompts) => prompts.ask(kind, fields).await,
            Asks::SessionInScope => match SESSION_PROMPTS.try_with(Arc::clone) {
                Ok(prompts) => prompts.ask(kind, fields).await,
                Err(_) => false,
            },
        }
    }
}

#[async_trait]
impl ConsentProvider for SimulatedHost {
    async fn ask(&self, request: &ConsentRequest) -> bool {
        let fields = json!({
            "scope": request.scope.to_string(),
            "reason": request.reason,
            "app": request.app_name,
        });
        self.prompt("consent", fields).await
    }
}

#[async_trait]
impl IdentityProvider for SimulatedHost {
    async fn login(&self, app_id: &str, user: Option<&str>) -> Result<String, ProviderError> {
        if !self.prompt("login", json!({ "app": app_id })).await {
            return Err(ProviderError("the user declined to log in".into()));
        }
        self.simulator.login(app_id, user).await
    }

    async fn profile(&self, app_id: &str, user: Option<&str>) -> Result<Profile, ProviderError> {
        self.simulator.profile(app_id, user).await
    }
}

#[async_trait]
impl LocationProvider for SimulatedHost {
    async fn locate(&self, app_id: &str) -> Result<Position, ProviderError> {
        let position = self.simulator.locate(app_id).await?;
        let fields = json!({ "app": app_id, "position": {
            "latitude": position.latitude,
            "longitude": position.longitude,
            "accuracy_m": position.accuracy_m,
        }});
        match self.prompt("location", fields).await {
            true => Ok(position),
            false => Err(ProviderError("the user did not share the location".into())),
        }
    }
}

#[async_trait]
impl PaymentProvider for SimulatedHost {
    async fn pay(&self, app_id: &str, order: &Order) -> Result<PaymentOutcome, ProviderError> {
        let fields = json!({ "order": {
            "order_id": order.order_id,
            "amount": order.amount,
            "currency": order.currency,
            "description": order.description,
        }});
        match self.prompt("payment", fields).await {
            true => self.simulator.pay(app_id, order).await,
            false => Ok(PaymentOutcome::Cancelled),
        }
    }
}

/// Audit records: written to the data directory's `audit.jsonl`, as any
/// runtime does, and shown in the page's Audit panel.
pub struct PageAudit {
    file: miniapp_runtime::audit::JsonLinesAudit,
    frames: broadcast::Sender<String>,
    /// Records sent to the page in the current second, and when it began.
    rate: Mutex<(std::time::Instant, u32)>,
}

/// Audit records sent to the page per second; past that, one frame says how
/// many more there were (the file gets them all).
const AUDIT_FRAMES_PER_SECOND: u32 = 50;

impl PageAudit {
    /// Records appended to `data_dir/audit.jsonl` and sent on `frames`.
    pub fn open(
        data_dir: &std::path::Path,
        frames: broadcast::Sender<String>,
    ) -> Result<Arc<PageAudit>, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let path = data_dir.join("audit.jsonl");
        let file = miniapp_runtime::audit::JsonLinesAudit::open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let rate = Mutex::new((std::time::Instant::now(), 0));
        Ok(Arc::new(PageAudit { file, frames, rate }))
    }
}

impl miniapp_runtime::audit::AuditSink for PageAudit {
    fn record(&self, record: &miniapp_runtime::audit::AuditRecord) {
        self.file.record(record);
        let mut rate = self.rate.lock().unwrap_or_else(|e| e.into_inner());
        if rate.0.elapsed() >= Duration::from_secs(1) {
            let suppressed = rate.1.saturating_sub(AUDIT_FRAMES_PER_SECOND);
            if suppressed > 0 {
                let note = json!({ "type": "audit", "entry": {
                    "kind": "suppressed", "count": suppressed,
                    "message": format!("{suppressed} more audit records in one second (see audit.jsonl)"),
                }});
                let _ = self.frames.send(note.to_string());
            }
            *rate = (std::time::Instant::now(), 0);
        }
        rate.1 += 1;
        if rate.1 <= AUDIT_FRAMES_PER_SECOND {
            let _ = self
                .frames
                .send(json!({ "type": "audit", "entry": record }).to_string());
        }
    }
}

/// Every HTTP call of the app, for the page's Network panel.
pub struct PageNetwork {
    frames: broadcast::Sender<String>,
}

impl PageNetwork {
    /// Calls sent as `network` frames on `frames`.
    pub fn new(frames: broadcast::Sender<String>) -> Arc<PageNetwork> {
        Arc::new(PageNetwork { frames })
    }
}

impl miniapp_runtime::HttpObserver for PageNetwork {
    fn exchange(&self, exchange: &miniapp_runtime::HttpExchange) {
        let _ = self
            .frames
            .send(json!({ "type": "network", "entry": exchange }).to_string());
    }
}
