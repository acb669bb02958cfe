//! One user in one app: the session's instance (a cache: evicted when idle
//! or under memory pressure, relaunched from storage at the next event),
//! the version it runs, the prompts waiting for its user, and the client
//! ids of the events it applied.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use miniapp_protocol::prompts::{Prompts, SESSION_PROMPTS};
use miniapp_runtime::kv::{self, KvError, KvLimits, KvStore, KvWrites};
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::view::select::Selector;
use miniapp_runtime::{App, AppInstance, LaunchOptions};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::error::ApiError;

/// Client ids remembered per session: a retry of any of the last this many
/// events is recognised, on any node (they are kept in the store too).
const REMEMBERED_EVENTS: usize = 16;

/// The store's namespace of the events a session applied.
fn events_namespace(session: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(session.as_bytes());
    format!("miniapp:events:{}", hex::encode(&digest[..16]))
}

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
    /// Memory its instance held after its last action, bytes.
    memory: AtomicU64,
    /// Set when the session ends: its sockets close.
    pub ended: tokio::sync::watch::Sender<bool>,
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
    /// Client ids applied, oldest first, with whether each succeeded.
    applied: VecDeque<(String, Result<(), ApiError>)>,
    /// Whether `applied` is what the store holds: read once per session
    /// here, again after a commit that failed or may not have landed.
    applied_read: bool,
    /// The record of `applied` as this node last read or wrote it: a
    /// commit expects it still there, so that two nodes applying events of
    /// one session at once cannot both commit (one would overwrite the
    /// other's record, and a retry of the lost event apply twice).
    applied_stored: Option<Vec<u8>>,
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
    /// A session of `user` in `app`, running `app_version`.
    pub fn new(
        id: String,
        user: String,
        version: String,
        app: App,
        options: LaunchOptions,
    ) -> Session {
        let (frames, _) = broadcast::channel(64);
        Session {
            id,
            app: app.manifest().id.clone(),
            user,
            prompts: Prompts::new(frames.clone()),
            frames,
            state: tokio::sync::Mutex::new(State {
                version,
                app,
                instance: None,
                options,
                applied: VecDeque::new(),
                applied_read: false,
                applied_stored: None,
            }),
            last_active: AtomicU64::new(0),
            hidden: AtomicBool::new(false),
            live: AtomicBool::new(false),
            memory: AtomicU64::new(0),
            ended: tokio::sync::watch::channel(false).0,
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

    /// Whether an instance runs.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Relaxed)
    }

    /// Run `call` with this session's prompts answering the providers.
    pub async fn with_prompts<T>(&self, call: impl Future<Output = T>) -> T {
        self.prompts.new_action();
        // Its audit records' log lines name the session (not its user).
        let call = miniapp_runtime::audit::in_session(&self.id, call);
        SESSION_PROMPTS.scope(self.prompts.clone(), call).await
    }

    /// Drop the instance (eviction, kill switch, a trap); the next event
    /// relaunches it.
    pub fn drop_instance(&self, state: &mut State) -> bool {
        let had = state.instance.take().is_some();
        self.live.store(false, Ordering::Relaxed);
        self.memory.store(0, Ordering::Relaxed);
        had
    }

    /// Memory its instance held after its last action, bytes.
    pub fn memory_used(&self) -> u64 {
        self.memory.load(Ordering::Relaxed)
    }

    /// Launch the instance anew (cold start, with the session's options).
    pub async fn launch(&self, state: &mut State) -> Result<(), miniapp_runtime::Error> {
        self.drop_instance(state);
        let options = state.options.clone();
        let instance = self.with_prompts(state.app.launch(options)).await?;
        self.memory.store(instance.memory_used(), Ordering::Relaxed);
        state.instance = Some(instance);
        self.live.store(true, Ordering::Relaxed);
        self.set_hidden(false);
        Ok(())
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
    /// The answer given to event `cid`, if it was applied.
    pub fn applied(&self, cid: &str) -> Option<Result<(), ApiError>> {
        self.applied
            .iter()
            .find(|(c, _)| c == cid)
            .map(|(_, answer)| answer.clone())
    }

    /// Remember that event `cid` was applied, with its answer.
    pub fn remember(&mut self, cid: String, answer: Result<(), ApiError>) {
        if self.applied.len() == REMEMBERED_EVENTS {
            self.applied.pop_front();
        }
        self.applied.push_back((cid, answer));
    }

    /// Forget event `cid` (its writes may not be durable: a retry applies it).
    pub fn forget(&mut self, cid: &str) {
        self.applied.retain(|(c, _)| c != cid);
    }

    /// The events applied, as the store keeps them.
    pub fn applied_json(&self) -> Vec<u8> {
        let events: Vec<serde_json::Value> = (self.applied.iter())
            .map(|(cid, answer)| match answer {
                Ok(()) => serde_json::json!([cid, null, null]),
                Err(e) => serde_json::json!([cid, e.kind, e.message]),
            })
            .collect();
        serde_json::to_vec(&events).unwrap_or_default()
    }

    /// Read the applied events from the store again at the next action
    /// (another node changed this session's storage).
    pub fn reread_applied(&mut self) {
        self.applied_read = false;
    }

    /// Take the events applied from the store's bytes: they replace what
    /// this node remembers (every event it remembers was committed with
    /// the record, so the store's record is the whole truth).
    fn take_applied_json(&mut self, bytes: &[u8]) {
        self.applied.clear();
        let events: Vec<(String, Option<String>, Option<String>)> =
            serde_json::from_slice(bytes).unwrap_or_default();
        for (cid, kind, message) in events {
            if self.applied(&cid).is_some() {
                continue;
            }
            let answer = match kind.as_deref() {
                None => Ok(()),
                Some(kind) => Err(ApiError::applied_failure(kind, message.unwrap_or_default())),
            };
            self.remember(cid, answer);
        }
    }
}

impl Session {
    /// Read the events this session applied on other nodes (or before this
    /// process restarted), once.
    pub async fn read_applied(
        &self,
        state: &mut State,
        kv: &Arc<dyn KvStore>,
    ) -> Result<(), KvError> {
        if state.applied_read {
            return Ok(());
        }
        let ns = events_namespace(&self.id);
        let stored = kv::call(kv, move |kv| kv.get(&ns, "applied")).await?;
        match &stored {
            Some(bytes) => state.take_applied_json(bytes),
            None => state.applied.clear(),
        }
        state.applied_stored = stored;
        state.applied_read = true;
        Ok(())
    }

    /// After an action: commit what it wrote (held by its instance) and,
    /// for event `cid` answered `result` by the app (done, its own error or
    /// a trap), the record that it was applied, in one transaction, so
    /// that a retry reaching another node (or this one restarted) is
    /// recognised exactly when its writes are there. Another answer (the
    /// event did not reach the app) is not recorded. On an error nothing
    /// was written and the event is not remembered.
    pub async fn commit_event(
        &self,
        state: &mut State,
        cid: Option<&str>,
        result: &Result<(), ApiError>,
        kv: &Arc<dyn KvStore>,
    ) -> Result<(), KvError> {
        let answered = matches!(
            result,
            Ok(())
                | Err(ApiError {
                    kind: "app-error" | "trap",
                    ..
                })
        );
        let cid = cid.filter(|_| answered);
        let mut record = Vec::new();
        let mut written = None;
        if let Some(cid) = cid {
            state.remember(cid.to_string(), result.clone());
            let bytes = state.applied_json();
            let applied = KvWrites::new(events_namespace(&self.id), KvLimits::NONE)
                .with("applied", bytes.clone())
                .expecting("applied", state.applied_stored.clone());
            record.push(applied);
            written = Some(bytes);
            // Read again unless the commit is known to have landed (this
            // future may be dropped while it waits).
            state.applied_read = false;
        }
        let committed = match &mut state.instance {
            Some(instance) => instance.commit_storage_writes(record).await,
            None if record.is_empty() => Ok(()),
            None => kv::call(kv, move |kv| kv.commit(&record)).await,
        };
        match (&committed, written, cid) {
            (Ok(()), Some(bytes), _) => {
                state.applied_stored = Some(bytes);
                state.applied_read = true;
            }
            (Err(_), _, Some(cid)) => state.forget(cid),
            _ => {}
        }
        committed
    }
}

impl State {
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
