//! Consent prompts and the rest of the host UI a client answers: consent,
//! the payment sheet, login and location. Each is a provider of the runtime
//! that sends a `prompt` frame to the client and waits for the user's
//! answer (an `answer` frame), at most [`PROMPT_TIMEOUT`]; no answer is a
//! refusal. The simulator asks its one page ([`providers`]); `miniapp
//! serve` asks the client of the session whose call runs
//! ([`session_providers`], [`SESSION_PROMPTS`]).

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
        clipboard: Arc::new(miniapp_runtime::providers::HeldClipboards::default()),
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
