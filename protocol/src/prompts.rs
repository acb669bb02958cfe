//! Consent prompts and the rest of the host UI a client answers: consent,
//! the payment sheet, login, location, the modal and the action sheet (and
//! the page's layout, which a client measures: [`Prompts::measuring`]). Each
//! is a provider of the runtime that sends a `prompt` frame to the client
//! and waits for the user's answer (an `answer` frame), at most
//! [`PROMPT_TIMEOUT`]; no answer is a refusal (a modal's or a sheet's:
//! cancel). What the host draws without asking (a toast, the navigation
//! bar) is a `host-ui` frame. The simulator asks its one page ([`providers`]); `miniapp
//! serve` asks the client of the session whose call runs
//! ([`session_providers`], [`SESSION_PROMPTS`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use miniapp_runtime::Providers;
use miniapp_runtime::providers::{
    ActionSheet, Asked, ConsentProvider, ConsentRequest, HostUi, HostUiProvider, IdentityProvider,
    LocationProvider, Modal, ModalAnswer, Order, PaymentOutcome, PaymentProvider, Position,
    Profile, ProviderError, Simulator,
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};

mod device;
mod layout;
mod uploads;
use device::SimulatedDevice;
pub use uploads::{Refused, Room};

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
    waiting: Mutex<HashMap<u64, (oneshot::Sender<Reply>, String)>>,
    frames: broadcast::Sender<String>,
    /// The `host-ui` frames drawn since an embedder last took them
    /// ([`Prompts::take_drawn`]), at most [`MAX_DRAWN`] and
    /// [`MAX_DRAWN_BYTES`] (the oldest go).
    drawn: Mutex<Drawn>,
    /// Layout queries, for the clients that measure the page.
    queries: layout::Queries,
    /// The files uploaded for the open picker prompts.
    uploads: uploads::Uploads,
    /// The network of the user's device (Wi-Fi until the client switches
    /// it: [`Prompts::set_network`]).
    network: tokio::sync::watch::Sender<miniapp_runtime::providers::NetworkType>,
}

/// `host-ui` frames kept for [`Prompts::take_drawn`] at most.
pub const MAX_DRAWN: usize = 64;

/// Bytes of `host-ui` frames kept for [`Prompts::take_drawn`] at most (a
/// single larger frame, an image saved to the album, is kept alone): two
/// images of the default `http_response_bytes` in hex. An embedder that
/// never takes them (the simulator, whose page has them all from its
/// socket) keeps no more.
pub const MAX_DRAWN_BYTES: usize = 16 * 1024 * 1024;

/// The `host-ui` frames kept, each with its size as sent, and their total.
#[derive(Default)]
struct Drawn {
    frames: std::collections::VecDeque<(Value, usize)>,
    bytes: usize,
}

/// The user's answer to a prompt: allowed (confirmed) or not, and what
/// they entered or chose, if the prompt takes it (a modal's edited text, an
/// action sheet's item).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// Allowed, confirmed, or an item chosen.
    pub allow: bool,
    /// The text entered (`modal`) or the item's index (`action-sheet`).
    pub value: Option<Value>,
}

impl Prompts {
    /// Prompts sent as frames on `frames`.
    pub fn new(frames: broadcast::Sender<String>) -> Arc<Prompts> {
        Arc::new(Prompts {
            next: AtomicU64::new(1),
            declined: Mutex::default(),
            waiting: Mutex::default(),
            frames,
            drawn: Mutex::default(),
            queries: layout::Queries::default(),
            uploads: uploads::Uploads::default(),
            network: device::wifi(),
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
        let allowed = self.ask_once(kind, fields).await.is_some_and(|r| r.allow);
        if !allowed {
            declined().push(kind.to_string());
        }
        allowed
    }

    /// Ask once; `None` without an answer in [`PROMPT_TIMEOUT`]. Dropped
    /// while it waits (the call was cancelled), the prompt closes.
    async fn ask_once(&self, kind: &str, fields: Value) -> Option<Reply> {
        self.ask_as(self.next_id(), kind, fields).await
    }

    /// A new prompt's id.
    fn next_id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Ask once as prompt `id` (from [`Prompts::next_id`]).
    async fn ask_as(&self, id: u64, kind: &str, fields: Value) -> Option<Reply> {
        let (tx, rx) = oneshot::channel();
        let mut frame = json!({ "type": "prompt", "id": id, "kind": kind });
        if let (Some(frame), Value::Object(fields)) = (frame.as_object_mut(), fields) {
            frame.extend(fields);
        }
        let frame = frame.to_string();
        self.lock().insert(id, (tx, frame.clone()));
        let open = OpenPrompt { prompts: self, id };
        let _ = self.frames.send(frame);
        let reply = tokio::time::timeout(PROMPT_TIMEOUT, rx).await;
        drop(open);
        reply.ok().and_then(Result::ok)
    }

    /// The user's answer to prompt `id`; `false` if no such prompt waits.
    pub fn answer(&self, id: u64, allow: bool) -> bool {
        self.reply(id, Reply { allow, value: None })
    }

    /// The user's answer to prompt `id`, with what they entered or chose;
    /// `false` if no such prompt waits.
    pub fn reply(&self, id: u64, reply: Reply) -> bool {
        match self.lock().remove(&id) {
            Some((waiting, _)) => waiting.send(reply).is_ok(),
            None => false,
        }
    }

    /// Send a frame of what the host draws without asking.
    fn draw(&self, ui: &HostUi) {
        if let Ok(ui) = serde_json::to_value(ui) {
            self.draw_value(ui);
        }
    }

    /// Send a `host-ui` frame with the fields of `ui` (and keep it for
    /// [`Prompts::take_drawn`]).
    fn draw_value(&self, ui: Value) {
        let mut frame = json!({ "type": "host-ui" });
        if let (Some(frame), Value::Object(ui)) = (frame.as_object_mut(), ui) {
            frame.extend(ui);
        }
        let text = frame.to_string();
        let size = text.len();
        let _ = self.frames.send(text);
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        while !drawn.frames.is_empty()
            && (drawn.frames.len() == MAX_DRAWN || drawn.bytes + size > MAX_DRAWN_BYTES)
        {
            if let Some((_, gone)) = drawn.frames.pop_front() {
                drawn.bytes -= gone;
            }
        }
        drawn.frames.push_back((frame, size));
        drawn.bytes += size;
    }

    /// The `host-ui` frames drawn since last taken, oldest first: what an
    /// embedder gives clients that have no socket (with the answer of the
    /// action that drew them, or in the push of a completion).
    pub fn take_drawn(&self) -> Vec<Value> {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        drawn.bytes = 0;
        drawn.frames.drain(..).map(|(frame, _)| frame).collect()
    }

    /// The frames of the prompts waiting now, oldest first.
    pub fn waiting(&self) -> Vec<String> {
        let waiting = self.lock();
        let mut ids: Vec<&u64> = waiting.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| waiting[id].1.clone()).collect()
    }

    #[allow(clippy::type_complexity, reason = "a private map, named by its use")]
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (oneshot::Sender<Reply>, String)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A prompt sent and not yet closed: dropped (answered, timed out, or its
/// call cancelled), it leaves the waiting prompts and the client is told.
struct OpenPrompt<'a> {
    prompts: &'a Prompts,
    id: u64,
}

impl Drop for OpenPrompt<'_> {
    fn drop(&mut self) {
        self.prompts.lock().remove(&self.id);
        let closed = json!({ "type": "prompt-closed", "id": self.id });
        let _ = self.prompts.frames.send(closed.to_string());
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
        device: SimulatedDevice::default(),
    });
    Providers {
        consent: host.clone(),
        identity: host.clone(),
        location: host.clone(),
        payment: host.clone(),
        clipboard: Arc::new(miniapp_runtime::providers::HeldClipboards::default()),
        host_ui: host.clone(),
        device: host.clone(),
        layout: host,
    }
}

struct SimulatedHost {
    asks: Asks,
    simulator: Simulator,
    device: SimulatedDevice,
}

impl SimulatedHost {
    /// The prompts of the user to ask, if there is one.
    fn prompts(&self) -> Option<Arc<Prompts>> {
        match &self.asks {
            Asks::One(prompts) => Some(prompts.clone()),
            Asks::SessionInScope => SESSION_PROMPTS.try_with(Arc::clone).ok(),
        }
    }

    /// Ask the user; `false` when there is nobody to ask.
    async fn prompt(&self, kind: &str, fields: Value) -> bool {
        match self.prompts() {
            Some(prompts) => prompts.ask(kind, fields).await,
            None => false,
        }
    }

    /// Ask the user with a dialog of `kind` (in this call's session: the
    /// answer comes after the call returned); `None` for no answer.
    fn dialog(&self, kind: &'static str, fields: Value) -> Asked<Option<Reply>> {
        let prompts = self.prompts();
        Box::pin(async move {
            let prompts =
                prompts.ok_or_else(|| ProviderError(format!("no user to show the {kind} to")))?;
            Ok(prompts.ask_once(kind, fields).await)
        })
    }
}

/// The host UI drawn by the client: toasts and bars as `host-ui` frames,
/// the modal and the action sheet as prompts (the answer's `allow` is
/// confirm, its `value` the edited text or the item's index).
impl HostUiProvider for SimulatedHost {
    fn show(&self, _app_id: &str, ui: HostUi) {
        if let Some(prompts) = self.prompts() {
            prompts.draw(&ui);
        }
    }

    fn can_ask(&self) -> bool {
        self.prompts().is_some()
    }

    fn ask_modal(&self, _app_id: &str, modal: Modal) -> Asked<ModalAnswer> {
        let editable = modal.editable;
        let reply = self.dialog("modal", json!({ "modal": modal }));
        Box::pin(async move {
            let reply = reply.await?.unwrap_or_default();
            let content = match (reply.allow && editable, reply.value) {
                (true, Some(Value::String(text))) => Some(text),
                (true, None) => Some(String::new()),
                (true, Some(other)) => {
                    return Err(ProviderError(format!(
                        "a modal's answer takes its text as a string, not {other}"
                    )));
                }
                (false, _) => None,
            };
            Ok(ModalAnswer {
                confirm: reply.allow,
                content,
            })
        })
    }

    fn ask_action_sheet(&self, _app_id: &str, sheet: ActionSheet) -> Asked<Option<u32>> {
        let reply = self.dialog("action-sheet", json!({ "sheet": sheet }));
        Box::pin(async move {
            let reply = reply.await?.unwrap_or_default();
            if !reply.allow {
                return Ok(None);
            }
            let index = reply.value.as_ref().and_then(Value::as_u64);
            match index.and_then(|i| u32::try_from(i).ok()) {
                Some(index) => Ok(Some(index)),
                None => Err(ProviderError(format!(
                    "an action sheet's answer names its item by index, not {:?}",
                    reply.value
                ))),
            }
        })
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

    async fn phone_number_code(
        &self,
        app_id: &str,
        user: Option<&str>,
    ) -> Result<String, ProviderError> {
        self.simulator.phone_number_code(app_id, user).await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn modal(editable: bool) -> Modal {
        Modal {
            title: "Rename".into(),
            content: String::new(),
            show_cancel: true,
            cancel_text: "Cancel".into(),
            cancel_color: "#000000".into(),
            confirm_text: "OK".into(),
            confirm_color: "#576B95".into(),
            editable,
            placeholder_text: "A name".into(),
        }
    }

    /// The next frame sent, as JSON.
    async fn next(frames: &mut broadcast::Receiver<String>) -> Value {
        serde_json::from_str(&frames.recv().await.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_modal_is_a_prompt_whose_answer_carries_the_typed_text() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let ui = providers(&prompts).host_ui;
        let asked = tokio::spawn(ui.ask_modal("demo.a", modal(true)));
        let frame = next(&mut frames).await;
        assert_eq!(
            (frame["type"].as_str(), frame["kind"].as_str()),
            (Some("prompt"), Some("modal"))
        );
        assert_eq!(frame["modal"]["placeholder_text"], "A name");
        let id = frame["id"].as_u64().unwrap();
        let value = Some(json!("Ada"));
        assert!(prompts.reply(id, Reply { allow: true, value }));
        let answer = asked.await.unwrap().unwrap();
        assert_eq!(
            answer,
            ModalAnswer {
                confirm: true,
                content: Some("Ada".into())
            }
        );
        assert_eq!(
            next(&mut frames).await,
            json!({ "type": "prompt-closed", "id": id })
        );
    }

    #[tokio::test]
    async fn an_action_sheet_answers_an_index_or_cancel_and_a_dropped_one_closes() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let ui = providers(&prompts).host_ui;
        let sheet = ActionSheet {
            alert_text: None,
            item_list: vec!["A".into(), "B".into()],
            item_color: "#000000".into(),
        };
        let tapped = tokio::spawn(ui.ask_action_sheet("demo.a", sheet.clone()));
        let id = next(&mut frames).await["id"].as_u64().unwrap();
        prompts.reply(
            id,
            Reply {
                allow: true,
                value: Some(json!(1)),
            },
        );
        assert_eq!(tapped.await.unwrap().unwrap(), Some(1));
        next(&mut frames).await;
        let cancelled = tokio::spawn(ui.ask_action_sheet("demo.a", sheet.clone()));
        let id = next(&mut frames).await["id"].as_u64().unwrap();
        prompts.answer(id, false);
        assert_eq!(cancelled.await.unwrap().unwrap(), None);
        next(&mut frames).await;
        // Its call ended (the page left): the prompt closes for the client.
        let dropped = tokio::spawn(ui.ask_action_sheet("demo.a", sheet));
        let id = next(&mut frames).await["id"].as_u64().unwrap();
        dropped.abort();
        assert_eq!(
            next(&mut frames).await,
            json!({ "type": "prompt-closed", "id": id })
        );
        assert!(prompts.waiting().is_empty());
    }

    #[test]
    fn what_needs_no_answer_is_a_host_ui_frame() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let title = "Cart".to_string();
        providers(&prompts)
            .host_ui
            .show("demo.a", HostUi::NavigationBarTitle { title });
        let frame: Value = serde_json::from_str(&frames.try_recv().unwrap()).unwrap();
        assert_eq!(
            frame,
            json!({ "type": "host-ui", "ui": "navigation-bar-title", "title": "Cart" })
        );
    }

    #[test]
    fn the_frames_kept_for_http_clients_are_bounded_by_count_and_bytes() {
        let (tx, _frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        for index in 0..MAX_DRAWN as u32 + 10 {
            prompts.draw_value(json!({ "ui": "tab-bar-red-dot", "index": index }));
        }
        let kept = prompts.take_drawn();
        assert_eq!(kept.len(), MAX_DRAWN);
        assert_eq!(kept[0]["index"], 10, "the oldest went");
        // Images saved to the album, each over half the bytes kept: a
        // second pushes the first out, a small frame after it does not.
        let image = "00".repeat(MAX_DRAWN_BYTES / 4);
        prompts.draw_value(json!({ "ui": "vibrate", "vibration": "long" }));
        prompts.draw_value(json!({ "ui": "save-image", "image": image }));
        assert_eq!(prompts.take_drawn().len(), 2);
        for _ in 0..2 {
            prompts.draw_value(json!({ "ui": "save-image", "image": image }));
        }
        prompts.draw_value(json!({ "ui": "vibrate", "vibration": "long" }));
        let kept: Vec<Value> = (prompts.take_drawn().iter())
            .map(|f| f["ui"].clone())
            .collect();
        assert_eq!(kept, [json!("save-image"), json!("vibrate")]);
        assert!(prompts.take_drawn().is_empty());
    }
}
