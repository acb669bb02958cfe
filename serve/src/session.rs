//! One user in one app: the session's instance (a cache: evicted when idle
//! or under memory pressure, relaunched from storage at the next event),
//! the version it runs, the prompts waiting for its user, and the client
//! ids of the events it applied.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use miniapp_protocol::prompts::{Prompts, SESSION_PROMPTS};
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::view::select::Selector;
use miniapp_runtime::{App, AppInstance, DeviceFacts, LaunchOptions};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::error::ApiError;

mod applied;
mod push_logs;
mod pushes;
mod sockets;
pub use applied::Applied;
pub use push_logs::{AppPushes, Bound, DEFAULT_NODE_PUSH_BYTES, NodePushes, PushFigures};
pub use pushes::{Lost, MAX_APP_PUSH_BYTES, MAX_PUSH_BYTES, MAX_PUSHES, Pushes};
pub use sockets::OpenSockets;

/// A live session.
pub struct Session {
    /// Its id (a random capability).
    pub id: String,
    /// The app.
    pub app: String,
    /// The user.
    pub user: String,
    /// Prompt frames for the session's sockets.
    pub frames: broadcast::Sender<String>,
    /// Prompts waiting for the user.
    pub prompts: Arc<Prompts>,
    /// The instance and what goes with it; events take turns on it.
    pub state: tokio::sync::Mutex<State>,
    /// Milliseconds since the server started, at the last event.
    last_active: AtomicU64,
    /// Sent to the background by the client.
    hidden: AtomicBool,
    /// Whether an instance runs (for counting without the lock).
    live: AtomicBool,
    /// Rebuilt here from its id and not launched here since: its first
    /// launch here takes it up ([`Applied::take_up`]).
    rebuilt: AtomicBool,
    /// Memory its instance held after its last action, bytes.
    memory: AtomicU64,
    /// Set when the session ends: its sockets close.
    pub ended: tokio::sync::watch::Sender<bool>,
    /// What its instance shows between events ([`Pushes`]).
    pub pushes: Pushes,
    /// The task that delivers its completions, while one runs
    /// (`crate::driver`).
    pub(crate) driver: crate::driver::Driver,
}

/// What an event needs, behind the session's lock.
pub struct State {
    /// The version it runs (hash) and its loaded app.
    pub version: String,
    /// The loaded app of `version`.
    pub app: App,
    /// The instance; `None` once evicted, trapped or killed.
    pub instance: Option<AppInstance>,
    /// How it was opened (for relaunches).
    pub options: LaunchOptions,
    /// The events it applied (client ids and answers), as the store holds
    /// them.
    pub applied: Applied,
    /// The sockets its instance has open, as the store holds them (told to
    /// the next instance as closed).
    pub sockets: OpenSockets,
}

/// What a client does in a session.
#[derive(Debug, Clone)]
pub enum Action {
    /// A view event.
    Event {
        /// The client's id for it (retries are applied once).
        cid: String,
        /// What it is aimed at.
        target: Target,
        /// Its type.
        kind: String,
        /// Its detail.
        detail: Value,
    },
    /// To the background.
    Hide,
    /// Back to the foreground.
    Show,
    /// What the phone reports about the page shown (WeChat's page events).
    PageEvent(miniapp_runtime::ClientPageEvent),
    /// A tap on tab `index` of the app's tab bar (app.json's `tabBar`).
    Tab(u32),
    /// The whole page again.
    Refresh,
}

impl Action {
    /// The client's id of an event (other actions have none).
    pub fn cid(&self) -> Option<&str> {
        match self {
            Action::Event { cid, .. } => Some(cid),
            _ => None,
        }
    }
}

/// What an event is aimed at.
#[derive(Debug, Clone)]
pub enum Target {
    /// A node id of the current view.
    Node(u32),
    /// A selector on the current view.
    Selector(String),
}

impl Session {
    /// A session of `user` in `app`, running `app_version`, its push log
    /// bounded with its app's others (`pushed`).
    pub fn new(
        id: String,
        user: String,
        version: String,
        app: App,
        options: LaunchOptions,
        pushed: Arc<AppPushes>,
    ) -> Session {
        let (frames, _) = broadcast::channel(64);
        let applied = Applied::new(&id);
        let sockets = OpenSockets::new(&id);
        Session {
            id,
            app: app.manifest().id.clone(),
            user,
            prompts: Prompts::new(frames.clone()),
            frames,
            state: tokio::sync::Mutex::new(State {
                applied,
                sockets,
                version,
                app,
                instance: None,
                options,
            }),
            last_active: AtomicU64::new(0),
            hidden: AtomicBool::new(false),
            live: AtomicBool::new(false),
            rebuilt: AtomicBool::new(false),
            memory: AtomicU64::new(0),
            ended: tokio::sync::watch::channel(false).0,
            pushes: Pushes::of_app(pushed),
            driver: crate::driver::Driver::default(),
        }
    }

    /// Note activity at `now_ms` (milliseconds since the server started).
    pub fn touch(&self, now_ms: u64) {
        self.last_active.store(now_ms, Ordering::Relaxed);
    }

    /// Milliseconds since the server started, at the last activity.
    pub fn last_active(&self) -> u64 {
        self.last_active.load(Ordering::Relaxed)
    }

    /// Whether the client sent it to the background.
    pub fn is_hidden(&self) -> bool {
        self.hidden.load(Ordering::Relaxed)
    }

    /// Mark it hidden or shown.
    pub fn set_hidden(&self, hidden: bool) {
        self.hidden.store(hidden, Ordering::Relaxed);
    }

    /// Note that this node rebuilt the session from its id (it was opened
    /// on another node, or before this process restarted).
    pub fn set_rebuilt(&self) {
        self.rebuilt.store(true, Ordering::Relaxed);
    }

    /// Whether the session was rebuilt here and not launched here since;
    /// asked at a launch, which answers it.
    pub fn launches_rebuilt(&self) -> bool {
        self.rebuilt.swap(false, Ordering::Relaxed)
    }

    /// Whether an instance runs.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Relaxed)
    }

    /// Run `call` with this session's prompts answering the providers.
    pub async fn with_prompts<T>(&self, call: impl Future<Output = T>) -> T {
        self.prompts.new_action();
        // Its audit records' log lines name the session (not its user).
        let call = miniapp_runtime::platform::in_session(&self.id, call);
        SESSION_PROMPTS.scope(self.prompts.clone(), call).await
    }

    /// Drop the instance (eviction, kill switch, a trap); the next event
    /// relaunches it. Its timers and pending calls end with it (its driver
    /// is told, and stops).
    pub fn drop_instance(&self, state: &mut State) -> bool {
        let had = state.instance.take().is_some();
        self.live.store(false, Ordering::Relaxed);
        self.memory.store(0, Ordering::Relaxed);
        self.driver.nudge();
        had
    }

    /// Whether a task delivers its completions now (only while its
    /// instance is shown and has timers or calls pending).
    pub fn is_driven(&self) -> bool {
        self.driver.is_running()
    }

    /// Memory its instance held after its last action, bytes.
    pub fn memory_used(&self) -> u64 {
        self.memory.load(Ordering::Relaxed)
    }

    /// Launch the instance anew (cold start, with the session's options),
    /// telling it of the sockets its predecessor had open (`closed`).
    pub async fn launch(
        &self,
        state: &mut State,
        closed: &[miniapp_runtime::ClosedSocket],
    ) -> Result<(), miniapp_runtime::Error> {
        self.drop_instance(state);
        let mut options = state.options.clone();
        options.closed_sockets = closed.to_vec();
        let instance = self.with_prompts(state.app.launch(options)).await?;
        self.memory.store(instance.memory_used(), Ordering::Relaxed);
        state.instance = Some(instance);
        self.live.store(true, Ordering::Relaxed);
        self.set_hidden(false);
        Ok(())
    }

    /// Drop an instance whose storage another node's instance of this
    /// session wrote: its state is stale, and it relaunches from what is
    /// stored (with the events that node applied). Whether it was dropped.
    pub fn drop_stale(&self, state: &mut State) -> bool {
        let stale = (state.instance.as_ref()).is_some_and(|i| !i.storage_is_current());
        stale && self.drop_instance(state)
    }

    /// Drop an instance that holds the writes of an event cancelled
    /// mid-way (its client went): neither they nor its record were
    /// committed, and the instance saw them; it relaunches from what is
    /// stored.
    pub fn drop_cancelled(&self, state: &mut State) {
        if (state.instance.as_ref()).is_some_and(|i| i.holds_storage_writes()) {
            self.drop_instance(state);
        }
    }

    /// Do `action` on the instance, with this session's prompts; an event's
    /// storage writes are held, to be committed with the record that it
    /// was applied. The app's answer (or why it did not get the action).
    pub async fn apply(&self, state: &mut State, action: &Action) -> Result<(), ApiError> {
        match action {
            Action::Event {
                target,
                kind,
                detail,
                ..
            } => {
                let event = state.view_event(target, kind.clone(), detail.clone())?;
                let instance = state.live()?;
                instance.hold_storage_writes();
                let done = self.with_prompts(instance.dispatch_view(&event)).await;
                done.map_err(ApiError::from_runtime)
            }
            Action::Hide => {
                let done = self.with_prompts(state.live()?.hide()).await;
                self.set_hidden(true);
                done.map_err(ApiError::from_runtime)
            }
            Action::Show => {
                let done = self.with_prompts(state.live()?.show()).await;
                self.set_hidden(false);
                done.map_err(ApiError::from_runtime)
            }
            Action::Tab(index) => {
                let done = self.with_prompts(state.live()?.tap_tab(*index)).await;
                done.map_err(ApiError::from_runtime)
            }
            Action::PageEvent(event) => {
                let done = self.with_prompts(state.live()?.page_event(event)).await;
                done.map(drop).map_err(ApiError::from_runtime)
            }
            Action::Refresh => Ok(()),
        }
    }

    /// After a call: an instance the runtime discarded (a trap) is
    /// dropped; the memory a live one holds is noted.
    pub fn settle(&self, state: &mut State) {
        if state.instance.as_ref().is_some_and(|i| i.is_discarded()) {
            self.drop_instance(state);
        }
        let memory = state.instance.as_ref().map_or(0, |i| i.memory_used());
        self.memory.store(memory, Ordering::Relaxed);
    }
}

impl State {
    /// The instance, which an action needs.
    pub fn live(&mut self) -> Result<&mut AppInstance, ApiError> {
        (self.instance.as_mut()).ok_or_else(|| ApiError::internal("the session has no instance"))
    }

    /// The view event `target` names on the current view.
    pub fn view_event(
        &self,
        target: &Target,
        kind: String,
        detail: Value,
    ) -> Result<ViewEvent, ApiError> {
        let node = match target {
            Target::Node(node) => *node,
            Target::Selector(text) => {
                let selector = Selector::parse(text)
                    .map_err(|e| ApiError::bad_request(format!("selector `{text}`: {e}")))?;
                let tree = (self.instance.as_ref())
                    .and_then(|i| i.view_tree())
                    .ok_or_else(|| ApiError::bad_request("the page has no rendered view"))?;
                let element = selector.find(tree).ok_or_else(|| {
                    ApiError::bad_request(format!("no element on the page matches `{text}`"))
                })?;
                element.id
            }
        };
        Ok(ViewEvent { node, kind, detail })
    }
}

/// The sessions of a server.
#[derive(Default)]
pub struct Table {
    inner: Mutex<TableInner>,
}

#[derive(Default)]
struct TableInner {
    by_id: std::collections::HashMap<String, Arc<Session>>,
    by_user: std::collections::HashMap<(String, String), String>,
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, TableInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.lock().by_id.get(id).cloned()
    }

    /// The session of `user` in `app`.
    pub fn of_user(&self, app: &str, user: &str) -> Option<Arc<Session>> {
        let inner = self.lock();
        let id = inner.by_user.get(&(app.to_string(), user.to_string()))?;
        inner.by_id.get(id).cloned()
    }

    /// Add `session`, unless `user` has one in `app` already (then that one).
    pub fn insert(&self, session: Arc<Session>) -> Arc<Session> {
        let mut inner = self.lock();
        let key = (session.app.clone(), session.user.clone());
        if let Some(existing) = inner.by_user.get(&key).and_then(|id| inner.by_id.get(id)) {
            return existing.clone();
        }
        inner.by_user.insert(key, session.id.clone());
        inner.by_id.insert(session.id.clone(), session.clone());
        session
    }

    /// End session `id`.
    pub fn remove(&self, id: &str) -> Option<Arc<Session>> {
        let mut inner = self.lock();
        let session = inner.by_id.remove(id)?;
        inner
            .by_user
            .remove(&(session.app.clone(), session.user.clone()));
        Some(session)
    }

    /// Every session.
    pub fn all(&self) -> Vec<Arc<Session>> {
        self.lock().by_id.values().cloned().collect()
    }

    /// Sessions open.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.lock().by_id.is_empty()
    }
}

/// Session ids that any node of a cluster can read back and nobody else
/// can read: the session's app, user and launch options with a random
/// nonce, encrypted and authenticated with a key derived from the cluster's
/// (ChaCha20-Poly1305), written `s2.` and the base64url of the AEAD nonce
/// and ciphertext. A node that does not hold a session (its node died, the
/// balancer chose another) rebuilds it from its id, and the next event
/// relaunches it from storage. Without the key an id can be neither read
/// nor made nor altered. Ids of the earlier form (the claims in the clear,
/// signed with HMAC-SHA-256) are still read, so that sessions live across
/// an upgrade; only the new form is issued.
pub struct SessionIds {
    key: [u8; 32],
}

/// What a session id says.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    /// The app.
    pub app: String,
    /// The user.
    pub user: String,
    /// The page it opened on.
    pub path: Option<String>,
    /// The scene code.
    pub scene: u32,
    /// The app that opened it.
    pub referrer: Option<String>,
    /// The device it is shown on, if the client sent one (an id without
    /// it, or from before it, is the default phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceFacts>,
    /// Random: two sessions of one user in one app differ.
    pub nonce: String,
}

type Mac = hmac::Hmac<sha2::Sha256>;

/// How an opaque (encrypted) session id begins.
const OPAQUE: &str = "s2.";

impl SessionIds {
    /// Ids signed with `key` (every node of a cluster has the same).
    pub fn new(key: [u8; 32]) -> SessionIds {
        SessionIds { key }
    }

    fn mac(&self) -> Mac {
        <Mac as hmac::KeyInit>::new_from_slice(&self.key).expect("any key length")
    }

    /// The AEAD key: the cluster's key, through HMAC with a label, so the
    /// signing and the encrypting keys differ.
    fn cipher(&self) -> chacha20poly1305::ChaCha20Poly1305 {
        use chacha20poly1305::KeyInit as _;
        use hmac::Mac as _;
        let mut mac = self.mac();
        mac.update(b"miniapp session id encryption v2");
        let key = mac.finalize().into_bytes();
        chacha20poly1305::ChaCha20Poly1305::new_from_slice(key.as_slice())
            .expect("HMAC-SHA-256 gives the 32 bytes of a key")
    }

    /// A new id for a session of `user` in `app`, opened with `options`.
    pub fn issue(&self, app: &str, options: &LaunchOptions) -> String {
        use base64::Engine as _;
        use chacha20poly1305::aead::Aead as _;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS gives random bytes");
        let claims = Claims {
            app: app.to_string(),
            user: options.user.clone().unwrap_or_default(),
            path: options.path.clone(),
            scene: options.scene,
            referrer: options.referrer.clone(),
            device: options.device.clone(),
            nonce: hex::encode(nonce),
        };
        let json = serde_json::to_vec(&claims).expect("claims serialize");
        let mut sealed = [0u8; 12];
        getrandom::fill(&mut sealed).expect("the OS gives random bytes");
        let ciphertext = self
            .cipher()
            .encrypt(&sealed.into(), json.as_slice())
            .expect("encrypting into memory cannot fail");
        let mut bytes = sealed.to_vec();
        bytes.extend_from_slice(&ciphertext);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        format!("{OPAQUE}{body}")
    }

    /// What id `id` says, if this cluster's key made it.
    pub fn read(&self, id: &str) -> Option<Claims> {
        use base64::Engine as _;
        use chacha20poly1305::aead::Aead as _;
        let Some(body) = id.strip_prefix(OPAQUE) else {
            return self.read_signed(id);
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let json = self.cipher().decrypt(&nonce.into(), ciphertext).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// An id of the earlier, signed form.
    fn read_signed(&self, id: &str) -> Option<Claims> {
        use base64::Engine as _;
        use hmac::Mac as _;
        let (body, tag) = id.rsplit_once('.')?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&hex::decode(tag).ok()?).ok()?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}

impl Claims {
    /// The launch options the session was opened with.
    pub fn options(&self) -> LaunchOptions {
        LaunchOptions {
            path: self.path.clone(),
            scene: self.scene,
            referrer: self.referrer.clone(),
            user: Some(self.user.clone()),
            device: self.device.clone(),
            closed_sockets: Vec::new(),
        }
    }
}

/// A random key for session ids, kept in `path` (made, mode 0600, if
/// missing): one node's, or a cluster's on a shared volume.
pub fn session_key_file(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    if let Ok(bytes) = std::fs::read(path) {
        return bytes.try_into().map_err(|_| {
            std::io::Error::other(format!("{} is not a 32-byte key", path.display()))
        });
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(std::io::Error::other)?;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    std::io::Write::write_all(&mut file, &key)?;
    file.sync_all()?;
    Ok(key)
}

/// Milliseconds since `start`.
pub fn millis_since(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session reopened from its id (on another node, after a restart)
    /// is shown on the device it was opened with.
    #[test]
    fn an_id_keeps_the_device_its_client_sent() {
        let ids = SessionIds::new([7; 32]);
        let options = LaunchOptions {
            user: Some("ada".into()),
            device: Some(DeviceFacts::phone(390, 844, 3.0)),
            ..LaunchOptions::default()
        };
        let claims = ids.read(&ids.issue("demo.hello", &options)).unwrap();
        assert_eq!(claims.options(), options);
    }

    #[test]
    fn an_id_reads_back_only_with_its_key_and_unaltered() {
        let ids = SessionIds::new([7; 32]);
        let options = LaunchOptions {
            user: Some("ada".into()),
            path: Some("detail?id=3".into()),
            ..LaunchOptions::default()
        };
        let id = ids.issue("demo.todo", &options);
        let claims = ids.read(&id).expect("its own id");
        assert_eq!(
            (claims.app.as_str(), claims.options()),
            ("demo.todo", options)
        );
        assert_ne!(
            id,
            ids.issue("demo.todo", &claims.options()),
            "a fresh nonce"
        );
        assert!(SessionIds::new([8; 32]).read(&id).is_none(), "another key");
        let mut altered = id.clone().into_bytes();
        altered[3] ^= 1;
        assert!(ids.read(&String::from_utf8(altered).unwrap()).is_none());
    }

    #[test]
    fn an_id_says_nothing_of_its_user_to_whoever_sees_it() {
        use base64::Engine as _;
        let ids = SessionIds::new([7; 32]);
        let options = LaunchOptions {
            user: Some("ada.lovelace@example.com".into()),
            ..LaunchOptions::default()
        };
        let id = ids.issue("demo.todo", &options);
        assert!(id.starts_with(OPAQUE), "{id}");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&id[OPAQUE.len()..])
            .unwrap();
        for clear in ["ada", "demo.todo", "user"] {
            assert!(!id.contains(clear), "{id}");
            let found = bytes.windows(clear.len()).any(|w| w == clear.as_bytes());
            assert!(!found, "{clear} readable in {id}");
        }
        assert_eq!(ids.read(&id).unwrap().user, "ada.lovelace@example.com");
        // An id of the earlier, signed form still reads (sessions live
        // across an upgrade), and only with the key.
        let claims = ids.read(&id).unwrap();
        let json = serde_json::to_vec(&claims).unwrap();
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let mut mac = ids.mac();
        hmac::Mac::update(&mut mac, body.as_bytes());
        let tag = hex::encode(hmac::Mac::finalize(mac).into_bytes());
        let signed = format!("{body}.{tag}");
        assert_eq!(ids.read(&signed), Some(claims));
        assert!(SessionIds::new([8; 32]).read(&signed).is_none());
        // Garbage after the prefix is no id.
        assert!(ids.read("s2.").is_none());
        assert!(ids.read("s2.AAAA").is_none());
    }
}
