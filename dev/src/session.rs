//! The simulated session: one task owns the app's instance and does what
//! the page (or the JSON API, or a reload) asks, one command at a time,
//! and between commands delivers the app's completions (its timers, its
//! finished calls) as they fall due; after each it publishes what changed
//! as protocol frames (see `docs/protocol.md`) to every connected page.

use std::sync::Arc;

use base64::Engine as _;
use miniapp_protocol::frames::{
    self, Served, blank_page_frame, log_frame, page_frame, page_url, view_frame,
};
use miniapp_protocol::prompts::Prompts;
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::view::select::Selector;
use miniapp_runtime::{App, AppInstance, ClosedSocket, LaunchOptions, OpenSocket, TempFiles};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Where the simulator serves package files, remote images and the app's
/// temp files.
static SIMULATOR: std::sync::LazyLock<Served> = std::sync::LazyLock::new(|| Served {
    assets: "/assets/".into(),
    remote: Some("/remote?url=".into()),
    temp: Some("/temp?path=".into()),
});

/// Why the sockets an instance had open closed, told to the next when the
/// user relaunched the app.
const RELAUNCHED: &str = "the simulator relaunched the app";
/// Why, when a rebuild of its code relaunched it.
const RELOADED: &str = "the simulator reloaded the app's rebuilt code";

/// The answer to a command: `Ok` or what went wrong, for the user.
pub type Reply = oneshot::Sender<Result<(), String>>;

/// What the session is asked to do.
pub enum Command {
    /// An event the page reports on a node of the view.
    Event(ViewEvent, Reply),
    /// An event on the element a selector names (the JSON API).
    Dispatch {
        /// `#id`, `.class`, `tag`, `tag:nth-of-type(n)`.
        selector: String,
        /// The event type.
        kind: String,
        /// Its detail.
        detail: Value,
        /// The answer.
        reply: Reply,
    },
    /// The host's back button.
    Back(Reply),
    /// A tap on tab `index` of the app's tab bar.
    Tab(u32, Reply),
    /// What the phone reports about the page shown.
    PageEvent(miniapp_runtime::ClientPageEvent, Reply),
    /// A patch of the top page's data from the AppData panel.
    SetData(miniapp_runtime::DataPatch, Reply),
    /// The app goes to the background.
    Hide(Reply),
    /// The app comes to the foreground.
    Show(Reply),
    /// A cold start with these options.
    Relaunch(LaunchOptions, Reply),
    /// The Storage panel's edits.
    StorageSet(String, String, Reply),
    /// Remove one key.
    StorageRemove(String, Reply),
    /// Remove every key.
    StorageClear(Reply),
    /// Send the whole state again.
    Refresh,
    /// The state for the JSON API.
    State(oneshot::Sender<Value>),
    /// A rebuilt app, and whether its component is the one running (only
    /// templates, styles or assets changed).
    Reload(Box<App>, bool),
    /// A build failed: the last good version runs on.
    BuildFailed(String),
    /// The running instance's temp files, for the page's
    /// `<image src="wxfile://tmp/...">` (not a user action); `None` while
    /// no instance runs.
    TempFiles(oneshot::Sender<Option<TempFiles>>),
}

/// The session's state.
pub struct Session {
    /// The app as last built and loaded; `None` until a build loads (the
    /// first build failed: the page shows why, and a save rebuilds).
    app: Option<App>,
    instance: Option<AppInstance>,
    options: LaunchOptions,
    frames: broadcast::Sender<String>,
    /// The last storage frame sent: sent again only when it changes.
    last_storage: Option<String>,
    /// Prompts of this session (a new command is a new user action).
    prompts: Arc<Prompts>,
    /// Why the app is not running, as the `stopped` frame says it: its
    /// launch failed or a trap (a panic) ended its instance. `None` while
    /// it runs.
    stopped: Option<Value>,
    /// The `build` frame of the last build if it failed: a page that
    /// connects later is shown it too.
    build_failed: Option<Value>,
    /// The sockets the instance had open after its last call (kept when a
    /// trap ends it): the next instance is told they closed.
    open_sockets: Vec<OpenSocket>,
    /// The Log panel's lines about the moment the session opened on
    /// ([`crate::Opened`]), in every whole publish until a relaunch.
    opened_log: Option<Value>,
}

impl Session {
    /// A session of `app`, launched with `options`, publishing on
    /// `frames`; or, when the first build failed (`Err` with why), a
    /// session waiting for a build that loads, the failure shown.
    pub async fn start(
        app: Result<App, String>,
        options: LaunchOptions,
        frames: broadcast::Sender<String>,
        prompts: Arc<Prompts>,
    ) -> Session {
        let (app, build_failed) = match app {
            Ok(app) => (Some(app), None),
            Err(message) => (None, Some(build_failed_frame(&message, false))),
        };
        let mut session = Session {
            app,
            instance: None,
            options,
            frames,
            last_storage: None,
            prompts,
            stopped: None,
            build_failed,
            open_sockets: Vec::new(),
            opened_log: None,
        };
        session.relaunch(RELAUNCHED).await.ok();
        session
    }

    /// A session of `app` opened on `opened`'s instance as it is (not
    /// launched; a relaunch launches with `options`), its lines in the Log
    /// panel.
    pub fn open(
        app: Result<App, String>,
        opened: crate::Opened,
        options: LaunchOptions,
        frames: broadcast::Sender<String>,
        prompts: Arc<Prompts>,
    ) -> Session {
        let log = (!opened.log.is_empty()).then(|| json!({ "type": "log", "records": opened.log }));
        let stopped = (opened.stopped.filter(|_| opened.instance.is_discarded()))
            .map(|why| json!({ "type": "stopped", "message": why, "detail": null }));
        Session {
            app: app.ok(),
            instance: Some(opened.instance),
            options,
            frames,
            last_storage: None,
            prompts,
            stopped,
            build_failed: None,
            open_sockets: Vec::new(),
            opened_log: log,
        }
    }

    /// Do commands until every sender is gone; between them, deliver the
    /// app's completions (a timer's firing, a finished call) as they fall
    /// due, one callback at a time, each published as an event's is. A
    /// hidden app gets none (its timers pause); a relaunch or a reload of
    /// its code replaces the instance, and its pending calls go with it.
    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            let wake = self.instance.as_ref().map(AppInstance::wake);
            let due = async move {
                match wake {
                    Some(wake) => wake.wait().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // A command first: a storm of completions cannot starve taps.
                biased;
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    if !matches!(command, Command::TempFiles(..)) {
                        self.prompts.new_action();
                    }
                    self.handle(command).await;
                }
                () = due => self.complete_next().await,
            }
        }
    }

    /// Deliver the next due completion, if any, and publish what it
    /// changed; a completion that failed is a host line in the log (no
    /// client asked for it, so no `result` answers it).
    async fn complete_next(&mut self) {
        let Some(instance) = &mut self.instance else {
            return;
        };
        let Some(done) = instance.complete_next().await else {
            return;
        };
        if let Err(message) = self.outcome(done) {
            self.send(completion_failed_frame(&message));
        }
        self.publish(false);
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Event(event, reply) => {
                let done = match &mut self.instance {
                    Some(instance) => instance.dispatch_view(&event).await,
                    None => return self.answer_discarded(reply),
                };
                // A share button's tap: the host's share sheet.
                let card = self.instance.as_mut().and_then(|i| i.take_share_sheet());
                if let Some(card) = card {
                    self.send(serde_json::json!({ "type": "share-sheet", "card": card }));
                }
                let done = self.outcome(done);
                self.answer(reply, done);
            }
            Command::Dispatch {
                selector,
                kind,
                detail,
                reply,
            } => {
                let done = self.dispatch(&selector, kind, detail).await;
                self.answer(reply, done);
            }
            Command::Back(reply) => {
                let done = match &mut self.instance {
                    Some(instance) => instance.navigate("navigateBack", "", 1).await,
                    None => return self.answer_discarded(reply),
                };
                let done = self.outcome(done);
                self.answer(reply, done);
            }
            Command::Tab(index, reply) => {
                let done = match &mut self.instance {
                    Some(instance) => instance.tap_tab(index).await,
                    None => return self.answer_discarded(reply),
                };
                let done = self.outcome(done);
                self.answer(reply, done);
            }
            Command::PageEvent(event, reply) => {
                let done = match &mut self.instance {
                    Some(instance) => instance.page_event(&event).await,
                    None => return self.answer_discarded(reply),
                };
                // A share: the host's share sheet, drawn by the simulator.
                let card = self.instance.as_mut().and_then(|i| i.take_share_sheet());
                if let Some(card) = card {
                    self.send(serde_json::json!({ "type": "share-sheet", "card": card }));
                }
                let done = self.outcome(done.map(drop));
                self.answer(reply, done);
            }
            Command::SetData(patch, reply) => {
                let done = match &mut self.instance {
                    Some(instance) => instance.patch_data(&patch.to_string()),
                    None => return self.answer_discarded(reply),
                };
                self.answer(reply, done.map_err(|e| e.to_string()));
            }
            Command::Hide(reply) | Command::Show(reply) if self.instance.is_none() => {
                self.answer_discarded(reply)
            }
            Command::Hide(reply) => {
                let done = self.instance_mut().hide().await;
                let done = self.outcome(done);
                self.answer(reply, done);
            }
            Command::Show(reply) => {
                let done = self.instance_mut().show().await;
                let done = self.outcome(done);
                self.answer(reply, done);
            }
            Command::Relaunch(options, reply) => {
                self.options = options;
                let done = self.relaunch(RELAUNCHED).await;
                self.answer(reply, done);
            }
            Command::StorageSet(key, value, reply) => {
                let done =
                    self.storage(|s, user| s.storage(user.as_deref())?.set(&key, value.as_bytes()));
                self.answer(reply, done);
            }
            Command::StorageRemove(key, reply) => {
                let done = self.storage(|s, user| s.storage(user.as_deref())?.remove(&key));
                self.answer(reply, done);
            }
            Command::StorageClear(reply) => {
                let done = self.storage(|s, user| s.storage(user.as_deref())?.clear());
                self.answer(reply, done);
            }
            Command::Refresh => self.publish(true),
            Command::State(reply) => {
                let _ = reply.send(self.state());
            }
            Command::Reload(app, same_code) => self.reload(*app, same_code).await,
            Command::BuildFailed(message) => {
                let frame = build_failed_frame(&message, self.app.is_some());
                self.build_failed = Some(frame.clone());
                self.send(frame);
            }
            Command::TempFiles(reply) => {
                let _ = reply.send(self.instance.as_ref().and_then(AppInstance::temp_files));
            }
        }
    }

    fn instance_mut(&mut self) -> &mut AppInstance {
        self.instance.as_mut().expect("checked by the caller")
    }

    /// A call's outcome, for its reply; an error that left the app not
    /// running (a trap, a panic) is also why it stopped.
    fn outcome(&mut self, done: Result<(), miniapp_runtime::Error>) -> Result<(), String> {
        done.map_err(|e| {
            if !self.running() {
                self.stopped = Some(stopped_frame(&e));
            }
            e.to_string()
        })
    }

    /// Whether the app has a live instance.
    fn running(&self) -> bool {
        self.instance.as_ref().is_some_and(|i| !i.is_discarded())
    }

    /// Publish what the command changed, then answer it.
    fn answer(&mut self, reply: Reply, done: Result<(), String>) {
        self.publish(false);
        let _ = reply.send(done);
    }

    fn answer_discarded(&mut self, reply: Reply) {
        let _ = reply.send(Err(
            "the app is not running (its launch failed); relaunch it".into(),
        ));
    }

    /// A cold start with the current options: the sockets the instance
    /// it replaces had open are told to the new one as closed for `why`
    /// (`socket.closed-before-launch`), or to the next if this launch
    /// fails.
    async fn relaunch(&mut self, why: &str) -> Result<(), String> {
        self.instance = None;
        self.opened_log = None;
        let open = std::mem::take(&mut self.open_sockets);
        let Some(app) = &self.app else {
            let why = "no version of the app has built yet: fix the error the build shows and \
                save, and it launches";
            self.stopped = Some(json!({ "type": "stopped", "message": why, "detail": null }));
            self.publish(true);
            return Err(why.into());
        };
        let options = LaunchOptions {
            closed_sockets: ClosedSocket::all_going_away(app, open.clone(), why),
            ..self.options.clone()
        };
        let launched = app.launch(options).await;
        let result = match launched {
            Ok(instance) => {
                self.instance = Some(instance);
                Ok(())
            }
            Err(e) => {
                self.stopped = Some(stopped_frame(&e));
                self.open_sockets = open;
                Err(e.to_string())
            }
        };
        self.publish(true);
        result
    }

    /// A rebuilt app: in place if only its templates and styles changed;
    /// otherwise a relaunch with the same options that opens the same pages
    /// (the first app that loads, launched).
    async fn reload(&mut self, app: App, same_code: bool) {
        self.build_failed = None;
        let first = self.app.is_none();
        if same_code
            && let Some(instance) = &mut self.instance
            && instance.reload_views(&app).is_ok()
        {
            self.app = Some(app);
            self.send(json!({ "type": "build", "status": "ok", "message": "templates reloaded" }));
            self.publish(true);
            return;
        }
        let stack: Vec<String> = (self.instance.iter())
            .flat_map(|i| i.pages().iter().skip(1))
            .map(|page| page_url(&page.route, &page.query))
            .collect();
        self.app = Some(app);
        let relaunched = self.relaunch(RELOADED).await;
        if relaunched.is_ok()
            && let Some(instance) = &mut self.instance
        {
            for url in stack {
                if instance.navigate("navigate", &url, 1).await.is_err() {
                    break;
                }
            }
        }
        let message = match relaunched {
            Ok(()) if first => "built and launched".to_string(),
            Ok(()) => "rebuilt and relaunched".to_string(),
            Err(e) => e,
        };
        self.send(json!({ "type": "build", "status": "ok", "message": message }));
        self.publish(true);
    }

    async fn dispatch(
        &mut self,
        selector: &str,
        kind: String,
        detail: Value,
    ) -> Result<(), String> {
        let selector =
            Selector::parse(selector).map_err(|e| format!("selector `{selector}`: {e}"))?;
        let instance = self.instance.as_mut().ok_or("the app is not running")?;
        let tree = instance
            .view_tree()
            .ok_or("the page has no rendered view")?;
        let node = selector
            .find(tree)
            .ok_or("no element on the page matches the selector")?
            .id;
        let event = ViewEvent { node, kind, detail };
        let done = instance.dispatch_view(&event).await;
        self.outcome(done)
    }

    fn storage(
        &self,
        edit: impl FnOnce(&App, &Option<String>) -> Result<(), miniapp_runtime::Error>,
    ) -> Result<(), String> {
        let app = self
            .app
            .as_ref()
            .ok_or("no version of the app has built yet")?;
        edit(app, &self.options.user).map_err(|e| e.to_string())
    }

    fn send(&self, frame: Value) {
        let _ = self.frames.send(frame.to_string());
    }

    /// Publish the view (its operations, or the whole page when `full` or
    /// when it cannot be patched), the page data, logs, storage and budgets;
    /// when the app is not running, the page, its last lines and why it
    /// stopped.
    fn publish(&mut self, full: bool) {
        if self.running() {
            self.stopped = None;
        }
        if let Some(open) = self.instance.as_ref().and_then(AppInstance::open_sockets) {
            self.open_sockets = open;
        }
        if full && let Some(failed) = self.build_failed.clone() {
            self.send(failed);
        }
        if full && let Some(log) = self.opened_log.clone() {
            self.send(log);
        }
        let Some(app) = &self.app else {
            self.send(blank_page_frame(""));
            if let Some(stopped) = self.stopped.clone() {
                self.send(stopped);
            }
            return;
        };
        let Some(instance) = &mut self.instance else {
            self.send(page_frame(&SIMULATOR, app, None));
            if let Some(stopped) = self.stopped.clone() {
                self.send(stopped);
            }
            return;
        };
        let frame = view_frame(&SIMULATOR, app, instance, full);
        let packages = miniapp_protocol::frames::sub_package_frames(&SIMULATOR, instance, full);
        let route = instance.pages().last().map(|p| p.route.clone());
        let data = json!({ "type": "data", "route": route, "data": instance.page_data() });
        let logs = log_frame(instance);
        let budget = instance.budget().map(budget_json);
        let frames = [
            frame,
            Some(data),
            logs,
            self.storage_if_changed(full),
            budget.map(|budget| json!({ "type": "quota", "budget": budget })),
        ];
        for frame in frames.into_iter().flatten().chain(packages) {
            self.send(frame);
        }
        if let Some(stopped) = self.stopped.clone() {
            self.send(stopped);
        }
    }

    /// The storage frame, if it differs from the last one sent (or `full`).
    fn storage_if_changed(&mut self, full: bool) -> Option<Value> {
        let frame = storage_frame(self.app.as_ref()?, self.options.user.as_deref())?;
        let text = frame.to_string();
        if !full && self.last_storage.as_deref() == Some(text.as_str()) {
            return None;
        }
        self.last_storage = Some(text);
        Some(frame)
    }

    /// The state the JSON API reports.
    fn state(&self) -> Value {
        let Some(instance) = &self.instance else {
            return json!({ "stack": [], "route": null, "data": null, "html": null, "view_error": null });
        };
        json!({
            "stack": frames::stack_json(instance),
            "route": instance.pages().last().map(|p| p.route.clone()),
            "data": instance.page_data(),
            "html": instance.view_html(),
            "view_error": instance.view_error(),
        })
    }
}

/// The `stopped` frame for `error`, which left the app not running: its
/// headline (for a panic, the panic's own message) and its detail (the
/// wasm trap).
fn stopped_frame(error: &miniapp_runtime::Error) -> Value {
    json!({ "type": "stopped", "message": error.headline(), "detail": error.detail() })
}

/// The `log` frame of a completion whose callback failed: a host line, as
/// the Log panel shows the host's notes about the app.
fn completion_failed_frame(message: &str) -> Value {
    let record = json!({ "level": "error", "source": "host", "message": message });
    json!({ "type": "log", "records": [record] })
}

/// The `build` frame of a failed build: `last_good` says whether an
/// earlier version runs on (none has built yet in this run otherwise).
fn build_failed_frame(message: &str, last_good: bool) -> Value {
    json!({ "type": "build", "status": "failed", "message": message, "last_good": last_good })
}

/// Keys the Storage panel shows (the first, by key).
const STORAGE_KEYS_SHOWN: usize = 500;
/// Bytes of JSON the Storage panel's entries take at most (values escape to
/// up to six times their size).
const STORAGE_FRAME_BYTES: usize = 256 * 1024;
/// Bytes of one value the Storage panel shows.
const STORAGE_VALUE_SHOWN: usize = 4096;

/// The Storage panel's frame, for an app with storage: the first
/// [`STORAGE_KEYS_SHOWN`] keys, each value cut at [`STORAGE_VALUE_SHOWN`]
/// bytes (`truncated` says so), and the totals.
fn storage_frame(app: &App, user: Option<&str>) -> Option<Value> {
    let storage = app.storage(user).ok()?;
    let usage = storage.usage().ok()?;
    let mut entries = Vec::new();
    let mut frame_bytes = 0;
    for key in storage.keys().ok()?.into_iter().take(STORAGE_KEYS_SHOWN) {
        let Some(value) = storage.get(&key).ok()? else {
            continue;
        };
        let bytes = key.len() + value.len();
        let truncated = value.len() > STORAGE_VALUE_SHOWN;
        entries.push(match std::str::from_utf8(&value) {
            Ok(text) => {
                let mut end = text.len().min(STORAGE_VALUE_SHOWN);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                json!({ "key": key, "value": &text[..end], "bytes": bytes, "truncated": truncated })
            }
            Err(_) => {
                let shown = &value[..value.len().min(STORAGE_VALUE_SHOWN)];
                json!({ "key": key, "binary": true, "bytes": bytes, "truncated": truncated,
                    "value": base64::engine::general_purpose::STANDARD.encode(shown) })
            }
        });
        frame_bytes += entries.last().map_or(0, |e| e.to_string().len());
        if frame_bytes > STORAGE_FRAME_BYTES {
            // The rest are left out; `keys` still counts them all.
            entries.pop();
            break;
        }
    }
    Some(
        json!({ "type": "storage", "entries": entries, "used": usage.used, "limit": usage.limit,
        "keys": usage.keys, "keys_limit": usage.keys_limit }),
    )
}

fn budget_json(b: miniapp_runtime::Budget) -> Value {
    json!({
        "memory_used": b.memory_used, "memory_limit": b.memory_limit,
        "host_memory_used": b.host_memory_used, "host_memory_limit": b.host_memory_limit,
        "fuel_left": b.fuel_left, "time_left_ms": b.time_left_ms,
        "storage_used": b.storage_used, "storage_limit": b.storage_limit,
        "storage_keys": b.storage_keys, "storage_keys_limit": b.storage_keys_limit,
        "http_requests_left": b.http_requests_left, "log_bytes_left": b.log_bytes_left,
        "page_stack": b.page_stack, "page_stack_limit": b.page_stack_limit,
        "timers": b.timers, "timers_limit": b.timers_limit,
        "pending_calls": b.pending_calls, "pending_calls_limit": b.pending_calls_limit,
        "sockets": b.sockets, "sockets_limit": b.sockets_limit,
    })
}

/// A handle to send the session commands.
pub type Commands = mpsc::Sender<Command>;

/// Shared by every connection: the commands' queue, the frames, the prompts.
pub struct Shared {
    /// Commands to the session task.
    pub commands: Commands,
    /// Frames to every page.
    pub frames: broadcast::Sender<String>,
    /// Prompts waiting for the user.
    pub prompts: Arc<Prompts>,
}
