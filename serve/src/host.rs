//! The server's state and what it does for clients: open a session, apply
//! an event (relaunching an evicted instance, following the operator's
//! release and kill switches), evict idle instances, admit or refuse work.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use miniapp_protocol::frames::{Served, ops_frame, page_frame};
use miniapp_runtime::platform::kv::KvStore;
use miniapp_runtime::{DeviceFacts, LaunchOptions, Runtime};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::catalog::Catalog;
use crate::clients::{Holdings, SessionCaps};
use crate::error::ApiError;
use crate::metrics::{Metrics, label, version_label};
use crate::session::{Session, SessionIds, State, Table, millis_since};

pub use crate::session::Action;

/// Bounds and timers of a server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Sessions open at once (default 20,000); past it a new one is refused.
    pub max_sessions: usize,
    /// Live instances at once (default 12,000, fewer if the kernel's
    /// `vm.max_map_count` allows fewer: an instance takes about 8 memory
    /// mappings); past it the least recently used are evicted.
    pub max_live: usize,
    /// WebSocket connections at once (default 20,000).
    pub max_connections: usize,
    /// Events of one app waiting or running at once, at most (default
    /// 512): the ceiling of its admission queue, whose bound is its
    /// measured rate times `latency_budget` ([`crate::admission`]); past
    /// the bound its events are refused at once with 429.
    pub app_queue: usize,
    /// Events of all apps waiting or running at once, at most (default
    /// 2,048): the ceiling of the node's admission queue.
    pub node_queue: usize,
    /// How long admitted work may wait and run (default 200 ms): each
    /// admission queue holds what it serves in this time.
    pub latency_budget: Duration,
    /// A hidden session's instance is kept this long (default 5 minutes).
    pub keep_hidden: Duration,
    /// An instance without events is kept this long (default 30 minutes).
    pub idle: Duration,
    /// A session without events is forgotten after this long (default 24 h;
    /// its storage stays).
    pub forget: Duration,
    /// Resident memory past which instances are evicted, least recently
    /// used first (default: none).
    pub memory_bytes: Option<u64>,
    /// Sessions one client address and one user may hold on this node
    /// (default 1,024 and 64); past them a new one is refused with 429.
    pub sessions: SessionCaps,
    /// Bytes of push frames the long-poll logs of all sessions on this
    /// node keep together (default 256 MiB); past it the app holding the
    /// most loses its oldest pushes first.
    pub push_log_bytes: usize,
    /// What the node keeps of each app's recordings of failing events
    /// (the policy's `[recordings]`).
    pub recordings: crate::recordings::Bounds,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 20_000,
            max_live: 12_000.min(mappable_instances().unwrap_or(12_000)),
            max_connections: 20_000,
            app_queue: 512,
            node_queue: 2048,
            latency_budget: Duration::from_millis(200),
            keep_hidden: Duration::from_secs(5 * 60),
            idle: Duration::from_secs(30 * 60),
            forget: Duration::from_secs(24 * 3600),
            memory_bytes: None,
            sessions: SessionCaps::default(),
            push_log_bytes: crate::session::DEFAULT_NODE_PUSH_BYTES,
            recordings: crate::recordings::Bounds::default(),
        }
    }
}

/// What a client asks to open.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// The app id.
    pub app: String,
    /// The user: as sent, or, when the server takes users from a login
    /// gateway's signed header, that user (the body may leave it out; if
    /// it names another, the request is refused).
    #[serde(default)]
    pub user: String,
    /// The page to open (`detail?id=3`); default the home page. With the
    /// query pairs, at most 2,048 bytes (it goes into the session id).
    #[serde(default)]
    pub path: Option<String>,
    /// Query pairs added to the path.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// Scene code.
    #[serde(default)]
    pub scene: u32,
    /// The app that opened this one: at most 256 bytes.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The device the client shows the app on, with WeChat's field names
    /// (`windowWidth`, `pixelRatio`...; a missing one is the default
    /// phone's); checked before the session opens. Default: the default
    /// phone.
    #[serde(default)]
    pub device: Option<DeviceFacts>,
}

/// What an action did: the frames it caused, and whether it succeeded.
pub struct Reply {
    /// `page`/`ops`, `log` frames.
    pub frames: Vec<Value>,
    /// The outcome.
    pub result: Result<(), ApiError>,
    /// The host calls the action's callbacks made that were refused (denied
    /// or over a quota): the app may have carried on and answered `ok`.
    pub refused: miniapp_runtime::audit::Refusals,
    /// The number of the session's last push when the frames were taken:
    /// they follow it, and come before the next.
    pub pushed: u64,
    /// The `host-ui` frames the action's callbacks drew (a toast, the
    /// bars), for an HTTP client: a socket was sent them as they were
    /// drawn.
    pub drawn: Vec<Value>,
}

/// A session opened ([`Host::open`]).
pub struct Opened {
    /// The session.
    pub session: Arc<Session>,
    /// `cold` (launched) or `warm` (its instance was there).
    pub start: &'static str,
    /// Its page, a `page` frame.
    pub page: Value,
    /// The number of the session's last push when the page was taken: the
    /// page has what it showed, and the next push follows the page.
    pub pushed: u64,
    /// The `host-ui` frames its launch or `on-show` drew, for an HTTP
    /// client (a socket was sent them as they were drawn).
    pub drawn: Vec<Value>,
}

/// The server.
pub struct Host {
    /// The runtime all apps run on.
    pub runtime: Runtime,
    /// Its storage (made durable before an answer).
    pub storage: Arc<dyn KvStore>,
    /// The operator's book.
    pub catalog: Catalog,
    /// Open sessions.
    pub sessions: Table,
    /// Counters.
    pub metrics: Metrics,
    /// Bounds.
    pub limits: Limits,
    /// When it started.
    pub started: Instant,
    /// Set when draining: no new sessions, sockets close after their event.
    pub draining: watch::Sender<bool>,
    /// WebSocket connections.
    pub connections: Arc<tokio::sync::Semaphore>,
    /// The node's admission queues, per app and in all.
    pub admission: crate::admission::Admission,
    /// The push logs of the node's sessions, bounded per app and together.
    pushes: Arc<crate::session::NodePushes>,
    /// Whether the storage answered the last check.
    storage_ok: std::sync::atomic::AtomicBool,
    /// Session ids, signed with the cluster's key.
    ids: SessionIds,
    /// The sessions each client address and each user hold here.
    pub holdings: Holdings,
    /// Where the user comes from, if a login gateway signs it; else the
    /// body's `user` is taken as sent.
    pub identity: Option<crate::identity::Identity>,
    /// The recordings of failing events this node keeps (set by
    /// [`Server::start`](crate::Server::start): none kept without).
    pub recordings: Option<crate::recordings::Recordings>,
}

/// Package files keep the paths the package gives them: a client has the
/// package (as on the platforms); remote images are fetched by the client.
/// A temp file keeps its `wxfile://tmp/...` path: no route serves its
/// bytes to a client yet (docs/protocol.md says why).
static SERVED: std::sync::LazyLock<Served> = std::sync::LazyLock::new(|| Served {
    assets: String::new(),
    remote: None,
    temp: None,
});

/// An event of one app admitted (counted until dropped).
pub struct Admitted<'h> {
    host: &'h Host,
    app: String,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        let held = self.host.admission.leave(&self.app);
        let metrics = &self.host.metrics;
        let app = label(&self.app);
        metrics.queue_depth.get_or_create(&app).set(held as i64);
    }
}

impl Host {
    /// A server on `runtime` with `catalog`.
    pub fn new(
        runtime: Runtime,
        storage: Arc<dyn KvStore>,
        catalog: Catalog,
        limits: Limits,
        session_key: [u8; 32],
    ) -> Host {
        let caps = limits.sessions;
        let admission = crate::admission::Admission::new(crate::admission::Sizing {
            budget: limits.latency_budget,
            app_ceiling: limits.app_queue,
            node_ceiling: limits.node_queue,
            ..crate::admission::Sizing::default()
        });
        let metrics = Metrics::default();
        let pushes = crate::session::NodePushes::new(limits.push_log_bytes, metrics.push_figures());
        Host {
            runtime,
            storage,
            catalog,
            sessions: Table::default(),
            metrics,
            connections: Arc::new(tokio::sync::Semaphore::new(limits.max_connections)),
            limits,
            started: Instant::now(),
            draining: watch::channel(false).0,
            admission,
            pushes,
            storage_ok: true.into(),
            holdings: Holdings::new(caps),
            ids: SessionIds::new(session_key),
            identity: None,
            recordings: None,
        }
    }

    /// Whether the node is draining.
    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Count an event of `app` in, or refuse it at once (429 `busy`,
    /// `Retry-After` the full queue's drain time) past the bound of the
    /// app's admission queue or, for an app holding its share of it, the
    /// node's ([`crate::admission`]).
    pub fn admit(&self, app: &str) -> Result<Admitted<'_>, ApiError> {
        let held = match self.admission.enter(app) {
            Ok(held) => held,
            Err(full) => {
                self.metrics.refused(app, "busy");
                let whose = match full.queue {
                    "app" => format!("`{app}` has"),
                    _ => "this node has".to_string(),
                };
                let message = format!(
                    "{whose} {} events waiting or running, its bound now; retry in {} s",
                    full.bound, full.retry_after
                );
                return Err(ApiError::busy(message, full.retry_after));
            }
        };
        self.metrics
            .queue_depth
            .get_or_create(&label(app))
            .set(held as i64);
        Ok(Admitted {
            host: self,
            app: app.to_string(),
        })
    }

    /// Count and pass on a refusal. Only published apps get their own
    /// label: a client naming random apps cannot grow the metrics.
    fn refuse<T>(&self, app: &str, error: ApiError) -> Result<T, ApiError> {
        let known = self.catalog.app(app).is_some();
        self.metrics
            .refused(if known { app } else { "" }, error.kind);
        Err(error)
    }

    /// Open `request.app` for `request.user`, asked by `client`: the
    /// user's session, brought back, or a new one, if the client and the
    /// user hold fewer sessions here than their caps.
    pub async fn open(&self, request: OpenRequest, client: IpAddr) -> Result<Opened, ApiError> {
        if self.is_draining() {
            return self.refuse(&request.app, ApiError::draining());
        }
        check_name("app", &request.app)?;
        check_name("user", &request.user)?;
        if let Some(device) = &request.device {
            device.check().map_err(ApiError::bad_request)?;
        }
        if !self.is_ready() {
            return self.refuse(&request.app, unreachable());
        }
        if let Some(session) = self.sessions.of_user(&request.app, &request.user) {
            return self.reopen(session).await;
        }
        let options = launch_options(&request);
        check_launch(&options)?;
        let id = self.ids.issue(&request.app, &options);
        let session = self.enter(id, &request.app, &request.user, options, client)?;
        self.reopen(session).await
    }

    /// Session `id` of `user` in `app`, opened with `options`, entering
    /// this node's table (a new session, or one rebuilt from its id):
    /// within the node's bound, routed, its version loaded, counted for
    /// `client` within its caps, and added marked active now. A refusal by
    /// the bound, the operator's routing or the caps is counted.
    fn enter(
        &self,
        id: String,
        app: &str,
        user: &str,
        options: LaunchOptions,
        client: IpAddr,
    ) -> Result<Arc<Session>, ApiError> {
        if self.sessions.len() >= self.limits.max_sessions {
            let error = ApiError::busy(
                format!(
                    "this node has {} sessions open, its bound",
                    self.limits.max_sessions
                ),
                5,
            );
            return self.refuse(app, error);
        }
        let version = match self.catalog.route(app, user) {
            Ok(version) => version,
            Err(e) => return self.refuse(app, e),
        };
        let loaded = self.loaded(&version)?;
        self.hold(&id, client, app, user)?;
        let pushed = self.pushes.app(app, crate::session::MAX_APP_PUSH_BYTES);
        let session = Session::new(id, user.to_string(), version, loaded, options, pushed);
        Ok(self.held(Arc::new(session)))
    }

    /// Count session `id` of `user` in `app` for `client`, or refuse it
    /// (429, counted) past a cap.
    fn hold(&self, id: &str, client: IpAddr, app: &str, user: &str) -> Result<(), ApiError> {
        self.holdings.hold(id, client, user).map_err(|over| {
            let known = self.catalog.app(app).is_some();
            self.metrics
                .refused(if known { app } else { "" }, over.reason());
            over.error()
        })
    }

    /// Add a held `session` to the table, marked active now (else the
    /// eviction pass could take it for one idle since the node started,
    /// and forget it at once); if the table has its user's session of the
    /// app already, that one, and this one is released.
    fn held(&self, session: Arc<Session>) -> Arc<Session> {
        session.touch(millis_since(self.started));
        let id = session.id.clone();
        let kept = self.sessions.insert(session);
        if kept.id != id {
            self.holdings.release(&id);
        }
        kept
    }

    /// Forget session `id` here: out of the table and of its client's and
    /// user's counts (its storage stays; its id can bring it back).
    fn end(&self, id: &str) {
        if let Some(session) = self.sessions.remove(id) {
            // Its driver, if one runs, finds it gone and stops.
            session.driver.nudge();
        }
        self.holdings.release(id);
    }

    /// The loaded app of version `hash`: on first use its package is read
    /// (from the database, on many nodes) and compiled or mapped from the
    /// artifact cache, on the async worker. (`block_in_place` here made a
    /// failed-over session take 7-15 s to recover instead of about 1.3 s in
    /// `scripts/failover-test`.)
    fn loaded(&self, hash: &str) -> Result<miniapp_runtime::App, ApiError> {
        self.catalog.loaded(&self.runtime, hash)
    }

    /// Session `id`: held here, or rebuilt from its signed id (another node
    /// opened it, or this node restarted; counted for `client`, within its
    /// caps); its next event launches it. With `user` (signed by the
    /// operator's gateway), a session of another user is refused before
    /// anything is rebuilt or counted.
    pub fn find(
        &self,
        id: &str,
        client: IpAddr,
        user: Option<&str>,
    ) -> Result<Arc<Session>, ApiError> {
        let not_theirs = || ApiError::wrong_user("this session is not the signed user's");
        if let Some(session) = self.sessions.get(id) {
            return match user {
                Some(user) if user != session.user => Err(not_theirs()),
                _ => Ok(session),
            };
        }
        if id.len() > MAX_SESSION_ID_BYTES {
            return Err(ApiError::not_found(format!(
                "no session: its id is over {MAX_SESSION_ID_BYTES} bytes"
            )));
        }
        let gone = || ApiError::not_found(format!("no session `{id}`"));
        let claims = self.ids.read(id).ok_or_else(gone)?;
        if user.is_some_and(|user| user != claims.user) {
            return Err(not_theirs());
        }
        let session = self.enter(
            id.to_string(),
            &claims.app,
            &claims.user,
            claims.options(),
            client,
        )?;
        session.set_rebuilt();
        Ok(session)
    }

    /// Bring `session` to the foreground, following the operator's
    /// routing: launch it if it has no instance, or only an outdated one
    /// ([`Host::drop_outdated`]: a warm reopen never shows a page from
    /// before another node's writes).
    async fn reopen(&self, session: Arc<Session>) -> Result<Opened, ApiError> {
        let _admitted = self.admit(&session.app)?;
        session.touch(millis_since(self.started));
        let mut state = session.state.lock().await;
        self.follow_release(&session, &mut state)?;
        self.drop_outdated(&session, &mut state).await?;
        let start = match state.instance.is_some() {
            true => {
                if session.is_hidden() {
                    let shown = session.with_prompts(state.live()?.show()).await;
                    self.keep_recording(&mut state);
                    session.settle(&mut state);
                    session.set_hidden(false);
                    shown.map_err(ApiError::from_runtime)?;
                }
                "warm"
            }
            false => {
                if let Err(e) = self.launch(&session, &mut state).await {
                    drop(state);
                    self.end(&session.id);
                    return self.refuse(&session.app, e);
                }
                "cold"
            }
        };
        if let Err(e) = self.storage.persist().await {
            return Err(ApiError::internal(format!("storage is not durable: {e}")));
        }
        let page = whole_page(&mut state);
        let pushed = session.pushes.last();
        let drawn = session.prompts.take_drawn();
        drop(state);
        Ok(Opened {
            session,
            start,
            page,
            pushed,
            drawn,
        })
    }

    /// A cold start of `session`'s instance; when the node is at its live
    /// instance bound, the least recently used instance is evicted first.
    async fn launch(&self, session: &Session, state: &mut State) -> Result<(), ApiError> {
        let started = Instant::now();
        let rebuilt = session.launches_rebuilt();
        if rebuilt {
            state.applied.take_up(&self.storage).await;
        }
        let closed = (state.sockets.closed(&state.app, &self.storage, rebuilt)).await?;
        let mut result = session.launch(state, &closed).await;
        if matches!(result, Err(miniapp_runtime::Error::Capacity { .. })) {
            self.evict_least_recent(1);
            result = session.launch(state, &closed).await;
        }
        result.map_err(ApiError::from_runtime)?;
        let write = (state.instance.as_ref()).and_then(|i| state.sockets.write(i));
        state.sockets.after_launch(write, &self.storage).await;
        (self.metrics.launch_seconds)
            .get_or_create(&version_label(&state.app))
            .observe(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// The operator's decisions, applied to a session at its next event: a
    /// killed app or version ends its instance; another version routed to
    /// its user (a release grew, a rollback) relaunches it on that version.
    fn follow_release(&self, session: &Session, state: &mut State) -> Result<(), ApiError> {
        match self.catalog.route(&session.app, &session.user) {
            Err(e) => {
                session.drop_instance(state);
                self.refuse(&session.app, e)
            }
            Ok(version) if version != state.version => {
                state.app = self.loaded(&version)?;
                state.version = version;
                session.drop_instance(state);
                Ok(())
            }
            Ok(_) => Ok(()),
        }
    }

    /// Do `action` in `session`, in one pass: admitted; its instance made
    /// current; an event applied before answered as it was then; else the
    /// action run, and an event's storage writes and the record that it
    /// was applied committed together and made durable; then answered.
    pub async fn act(&self, session: &Session, action: Action) -> Reply {
        self.act_then(session, action, |_| ()).await
    }

    /// [`Host::act`], handing `paint` the answer's frames while the
    /// session is still held: a socket sends them there, so that they and
    /// the session's pushes reach it in the order the view changed.
    pub async fn act_then(
        &self,
        session: &Session,
        action: Action,
        paint: impl FnOnce(&[Value]),
    ) -> Reply {
        let started = Instant::now();
        let admitted = match self.admit_action(session) {
            Ok(admitted) => admitted,
            Err(e) => return failed(session, e),
        };
        let mut state = session.state.lock().await;
        let relaunched = match self.current(session, &mut state).await {
            Ok(relaunched) => relaunched,
            Err(e) => return failed(session, e),
        };
        let cid = action.cid();
        if let Some(answer) = cid.and_then(|cid| state.applied.answer(cid)) {
            // A retry: not applied again; the client gets the page as it is.
            let frames = vec![whole_page(&mut state)];
            paint(&frames);
            return Reply {
                frames,
                result: answer,
                refused: Default::default(),
                pushed: session.pushes.last(),
                drawn: Vec::new(),
            };
        }
        let (result, refused) = self.run(session, &mut state, &action).await;
        let result = self.keep(session, &mut state, cid, result).await;
        let frames = view_frames(&mut state, relaunched || matches!(action, Action::Refresh));
        paint(&frames);
        let pushed = session.pushes.last();
        let drawn = session.prompts.take_drawn();
        let l = version_label(&state.app);
        drop(state);
        drop(admitted);
        self.metrics.events.get_or_create(&l).inc();
        self.metrics
            .event_seconds
            .get_or_create(&l)
            .observe(started.elapsed().as_secs_f64());
        Reply {
            frames,
            result,
            refused,
            pushed,
            drawn,
        }
    }

    /// Count an action of `session` in ([`Host::admit`]) and note the
    /// session active; refused while the node cannot reach its storage
    /// (a draining node finishes the events of the sessions it holds).
    fn admit_action(&self, session: &Session) -> Result<Admitted<'_>, ApiError> {
        let admitted = self.admit(&session.app)?;
        session.touch(millis_since(self.started));
        if !self.is_ready() && !self.is_draining() {
            return Err(unreachable());
        }
        Ok(admitted)
    }

    /// Make `session`'s instance current for an action, in this order: the
    /// record of the events it applied read (before the instance sees the
    /// app's storage, see [`Applied::read`](crate::session::Applied::read));
    /// the operator's routing followed; an outdated instance dropped
    /// ([`Host::drop_outdated`]); a missing one launched. Whether it
    /// launched.
    async fn current(&self, session: &Session, state: &mut State) -> Result<bool, ApiError> {
        state.applied.read(&self.storage).await?;
        self.follow_release(session, state)?;
        self.drop_outdated(session, state).await?;
        if state.instance.is_some() {
            return Ok(false);
        }
        self.launch(session, state).await?;
        Ok(true)
    }

    /// Drop an instance of `session` that must not be shown or used: one
    /// made stale by another node's committed writes (the record of the
    /// events applied is read again: that node applied some), or one
    /// holding a cancelled event's writes. The next launch starts from
    /// what is stored.
    pub(crate) async fn drop_outdated(
        &self,
        session: &Session,
        state: &mut State,
    ) -> Result<(), ApiError> {
        if session.drop_stale(state) {
            state.applied.read_again(&self.storage).await?;
        }
        session.drop_cancelled(state);
        Ok(())
    }

    /// Run `action` on `session`'s instance: its result and the host calls
    /// it made that were refused. When a storage call failed meanwhile,
    /// the action may have missed writes: its instance goes with the
    /// writes it held (nothing of it is committed; the next event
    /// relaunches from what is stored) and the client retries.
    async fn run(
        &self,
        session: &Session,
        state: &mut State,
        action: &Action,
    ) -> (Result<(), ApiError>, miniapp_runtime::audit::Refusals) {
        let failures = self.storage.failures();
        let refused_before = refusals(state);
        let mut result = session.apply(state, action).await;
        let refused = refusals(state).since(refused_before);
        if self.storage.failures() > failures {
            session.drop_instance(state);
            result = Err(unreachable());
        }
        (result, refused)
    }

    /// Keep what an action answered `result` did: its storage writes and,
    /// for event `cid`, the record that it was applied, committed together
    /// ([`Applied::commit`](crate::session::Applied::commit)), then made
    /// durable (with a group commit, together with other events' writes)
    /// before the answer. When either fails, the instance, which saw the
    /// writes, goes and the client retries.
    pub(crate) async fn keep(
        &self,
        session: &Session,
        state: &mut State,
        cid: Option<&str>,
        mut result: Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let sockets = (state.instance.as_ref()).and_then(|i| state.sockets.write(i));
        let (also, written) = sockets.unzip();
        let instance = state.instance.as_mut();
        let committed = (state
            .applied
            .commit(instance, cid, &result, &self.storage, also))
        .await;
        if let (Ok(()), Some(bytes)) = (&committed, written) {
            state.sockets.wrote(bytes);
        }
        if let Err(e) = committed {
            session.drop_instance(state);
            result = Err(ApiError::unavailable(format!(
                "storage did not take the event's writes: {e}"
            )));
        }
        self.keep_recording(state);
        session.settle(state);
        if let Err(e) = self.storage.persist().await {
            if let Some(cid) = cid {
                state.applied.forget(cid);
            }
            session.drop_instance(state);
            result = Err(ApiError::unavailable(format!(
                "storage is not durable: {e}"
            )));
        }
        result
    }

    /// Hand the recording the session's instance kept of an action that
    /// trapped or was refused, if any, to this node's recordings (written
    /// later, off the async workers; never the action's error).
    pub fn keep_recording(&self, state: &mut State) {
        let recording = state.instance.as_mut().and_then(|i| i.take_recording());
        if let (Some(recording), Some(recordings)) = (recording, &self.recordings) {
            recordings.offer(&state.app, recording);
        }
    }

    /// End `session`: its instance is destroyed (its storage stays).
    pub async fn close(&self, session: &Session) {
        self.end(&session.id);
        session.ended.send_replace(true);
        let mut state = session.state.lock().await;
        session.drop_instance(&mut state);
    }

    /// Evict what the idle policy and the memory bound say: hidden
    /// instances kept past `keep_hidden`, instances idle past `idle`, then
    /// the least recently used while over `max_live` or `memory_bytes`;
    /// sessions idle past `forget` are forgotten.
    pub fn evict(&self) {
        let now = millis_since(self.started);
        let ms = |d: Duration| d.as_millis() as u64;
        for session in self.sessions.all() {
            let idle = now.saturating_sub(session.last_active());
            if idle > ms(self.limits.forget) {
                self.end(&session.id);
            }
            let stale = idle > ms(self.limits.idle)
                || (session.is_hidden() && idle > ms(self.limits.keep_hidden));
            if session.is_live() && stale {
                self.evict_one(&session);
            }
        }
        let open: std::collections::HashSet<String> = (self.sessions.all().into_iter())
            .map(|s| s.id.clone())
            .collect();
        self.holdings.keep_open(|id| open.contains(id));
        let live = self.sessions.all().iter().filter(|s| s.is_live()).count();
        if live > self.limits.max_live {
            self.evict_least_recent(live - self.limits.max_live);
        }
        if let Some(limit) = self.limits.memory_bytes
            && crate::metrics::resident_bytes().is_some_and(|rss| rss > limit)
        {
            // A twentieth at a time: memory comes back to the allocator
            // slowly, and the next round looks again.
            self.evict_least_recent((live / 20).max(1));
        }
    }

    /// Evict the `n` least recently used live instances.
    fn evict_least_recent(&self, n: usize) {
        let mut live: Vec<Arc<Session>> = self
            .sessions
            .all()
            .into_iter()
            .filter(|s| s.is_live())
            .collect();
        live.sort_by_key(|s| s.last_active());
        for session in live.iter().take(n) {
            self.evict_one(session);
        }
    }

    /// Evict `session`'s instance unless an event holds it.
    fn evict_one(&self, session: &Session) {
        if let Ok(mut state) = session.state.try_lock()
            && session.drop_instance(&mut state)
        {
            self.metrics
                .evictions
                .get_or_create(&version_label(&state.app))
                .inc();
        }
    }

    /// Take the catalog's changes from other nodes; note whether the
    /// storage answers (a node that cannot reach it is not ready).
    pub fn check_shared_state(&self) {
        if let Err(e) = self.catalog.refresh() {
            tracing::warn!(error = %e, "cannot read the catalog");
        }
        let reachable = self.storage.check().is_ok() && self.catalog.reachable();
        let was = self
            .storage_ok
            .swap(reachable, std::sync::atomic::Ordering::Relaxed);
        if was != reachable {
            tracing::warn!(reachable, "storage reachability changed");
        }
    }

    /// Whether the node can take new sessions: not draining, storage reachable.
    pub fn is_ready(&self) -> bool {
        !self.is_draining() && self.storage_ok.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Live instances and the memory they hold (bytes), per app, as of
    /// each session's last action.
    pub fn live_per_app(&self) -> HashMap<String, (i64, i64)> {
        let mut live: HashMap<String, (i64, i64)> = HashMap::new();
        for session in self.sessions.all() {
            let entry = live.entry(session.app.clone()).or_default();
            entry.0 += i64::from(session.is_live());
            entry.1 += session.memory_used() as i64;
        }
        live
    }

    /// The `/metrics` text.
    pub fn metrics_text(&self) -> String {
        let apps = self.catalog.loaded_apps();
        let routed = crate::metrics::routed(&self.catalog.book());
        self.metrics
            .render(&routed, &apps, &self.live_per_app(), self.sessions.len())
    }
}

fn unreachable() -> ApiError {
    ApiError::unavailable("this node cannot reach its storage; retry")
}

fn failed(session: &Session, error: ApiError) -> Reply {
    Reply {
        frames: Vec::new(),
        result: Err(error),
        refused: Default::default(),
        pushed: session.pushes.last(),
        drawn: Vec::new(),
    }
}

/// The refusals of the session's instance so far (none without one).
fn refusals(state: &State) -> miniapp_runtime::audit::Refusals {
    state
        .instance
        .as_ref()
        .map(|i| i.refusals())
        .unwrap_or_default()
}

/// The whole page as it is (the view's changes so far are in it).
fn whole_page(state: &mut State) -> Value {
    let page = page_frame(&SERVED, &state.app, state.instance.as_ref());
    if let Some(instance) = &mut state.instance {
        instance.take_view_ops();
    }
    page
}

/// The frames after an action: the view (its ops, or the whole page when
/// `full` or when the ops cannot be sent), then the app's log lines.
pub(crate) fn view_frames(state: &mut State, full: bool) -> Vec<Value> {
    let Some(instance) = &mut state.instance else {
        return Vec::new();
    };
    let ops = instance.take_view_ops();
    let view = match ops.filter(|_| !full) {
        Some(ops) if ops.is_empty() => None,
        Some(ops) => Some(
            ops_frame(&SERVED, instance, &ops)
                .unwrap_or_else(|| page_frame(&SERVED, &state.app, Some(instance))),
        ),
        None => Some(page_frame(&SERVED, &state.app, Some(instance))),
    };
    let logs: Vec<Value> = (instance.drain_logs().into_iter())
        .map(|r| json!({ "level": r.level, "source": r.source, "message": r.message }))
        .collect();
    let logs = (!logs.is_empty()).then(|| json!({ "type": "log", "records": logs }));
    // A share (a page event's, a share button's): the host's share sheet.
    let share =
        (instance.take_share_sheet()).map(|card| json!({ "type": "share-sheet", "card": card }));
    // The subpackages the page shown sent (its own, its preloads).
    let packages = miniapp_protocol::frames::sub_package_frames(&SERVED, instance, full);
    (view.into_iter().chain(logs).chain(share).chain(packages)).collect()
}

fn launch_options(request: &OpenRequest) -> LaunchOptions {
    let path = miniapp_protocol::frames::launch_url(request.path.as_deref(), &request.query);
    LaunchOptions {
        path,
        scene: request.scene,
        referrer: request.referrer.clone(),
        user: Some(request.user.clone()),
        device: request.device.clone(),
        closed_sockets: Vec::new(),
    }
}

/// Live instances the process's memory mappings allow (Linux:
/// `vm.max_map_count`, about 8 mappings an instance, 2,000 kept for the rest).
fn mappable_instances() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/sys/vm/max_map_count").ok()?;
    let maps: usize = text.trim().parse().ok()?;
    Some(maps.saturating_sub(2_000) / 8)
}

/// The longest page url a session opens on, in bytes (the runtime's bound
/// on a page url, checked here before the url goes into a session id).
const MAX_LAUNCH_PATH_BYTES: usize = 2048;

/// The longest referrer, in bytes (an app id's bound).
const MAX_REFERRER_BYTES: usize = 256;

/// The longest session id read, in bytes: above what an id of the longest
/// claims (app, user, url, referrer, device; every character escaped in
/// its JSON) takes, so an id this node issued is never refused, and a
/// client's long string is refused before it is decoded and decrypted.
const MAX_SESSION_ID_BYTES: usize = 32 * 1024;

/// The launch options a client sent, bounded before they go into the
/// session's id: the page url (with the query pairs) and the referrer.
fn check_launch(options: &LaunchOptions) -> Result<(), ApiError> {
    let path = options.path.as_deref().unwrap_or("");
    if path.len() > MAX_LAUNCH_PATH_BYTES {
        return Err(ApiError::bad_request(format!(
            "the page url (`path` with `query`) is {} bytes; at most {MAX_LAUNCH_PATH_BYTES}",
            path.len()
        )));
    }
    let referrer = options.referrer.as_deref().unwrap_or("");
    if referrer.len() > MAX_REFERRER_BYTES {
        return Err(ApiError::bad_request(format!(
            "`referrer` is {} bytes; at most {MAX_REFERRER_BYTES}",
            referrer.len()
        )));
    }
    Ok(())
}

/// An app id or user: 1 to 256 printable characters.
fn check_name(what: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 256 || value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "`{what}` must be 1 to 256 characters without control characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An id of the longest claims a client can send, each character
    /// escaped in their JSON, is within the bound ids are read under.
    #[test]
    fn the_longest_issued_id_is_read() {
        let ids = SessionIds::new([7; 32]);
        let quotes = "\"".repeat(64);
        let device = DeviceFacts {
            brand: quotes.clone(),
            model: quotes.clone(),
            system: quotes.clone(),
            platform: quotes.clone(),
            language: quotes,
            ..DeviceFacts::default()
        };
        let options = LaunchOptions {
            path: Some("\u{1}".repeat(MAX_LAUNCH_PATH_BYTES)),
            scene: u32::MAX,
            referrer: Some("\u{1}".repeat(MAX_REFERRER_BYTES)),
            user: Some("\"".repeat(256)),
            device: Some(device),
            closed_sockets: Vec::new(),
        };
        assert!(check_launch(&options).is_ok());
        let id = ids.issue(&"\"".repeat(256), &options);
        assert!(id.len() <= MAX_SESSION_ID_BYTES, "{}", id.len());
        assert!(ids.read(&id).is_some());
        let long = LaunchOptions {
            path: Some("a".repeat(MAX_LAUNCH_PATH_BYTES + 1)),
            ..options
        };
        assert!(check_launch(&long).is_err());
    }
}
