//! `miniapp load`: a load generator for `miniapp serve` (docs/protocol.md,
//! "The server protocol"). It opens sessions over HTTP (one user in one app
//! each, many at once), drives each over its WebSocket with a mix of events
//! a user would send, and reports throughput, event latency, errors and
//! refusals by kind, first-view latency and, from the operator's
//! `/metrics`, the server's resident memory per live session.
//!
//! Each session sends at most 40 frames per second (the protocol allows
//! 50) and, unless `--rate` paces all of them, its next event as soon as
//! the last one is answered. Latency runs from an event's send to its
//! `result`; only answered events that succeeded count in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::{Failure, out};

/// Sessions opened (POST, then the socket) at once.
const OPEN_CONCURRENCY: usize = 64;
/// Tries of an open the server refuses as busy (429), each after its `Retry-After`.
const OPEN_TRIES: u32 = 10;
/// The longest `Retry-After` obeyed.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// The longest wait for an awaited frame (an event's result, the first page).
const FRAME_TIMEOUT: Duration = Duration::from_secs(30);
/// Frames a session sends per second at most, on average (the server takes
/// 50), and how many may go at once: a prompt's answer goes straight after
/// the event that raised it. (A fixed gap of 25 ms between frames had held
/// every answer back, and made shop's checkout look 28 ms slow.)
const FRAMES_PER_SECOND: f64 = 40.0;
const FRAME_BURST: f64 = 10.0;
/// The timeout of one HTTP request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// The app spinner sessions open.
const SPIN_APP: &str = "hostile.spin";

#[derive(Args, Clone, Debug)]
pub struct LoadArgs {
    /// The server's session listener, `http://HOST:PORT`.
    pub url: String,
    /// Workloads, spread round-robin over the sessions: todo, game2048, shop.
    #[arg(long, value_delimiter = ',', default_value = "todo,game2048,shop")]
    pub apps: Vec<String>,
    /// Well-behaved sessions, each a distinct user `load-user-<i>`.
    #[arg(long, default_value_t = 100)]
    pub sessions: usize,
    /// Seconds the events run.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Events per second over all sessions (default: each session sends
    /// its next event as soon as the last one is answered).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Sessions of `hostile.spin` tapping `#attack` in a loop, counted apart.
    #[arg(long, default_value_t = 0)]
    pub spinners: usize,
    /// The operator listener (`http://HOST:PORT`, or its `/metrics` URL):
    /// report the server's resident memory per session.
    #[arg(long, value_name = "URL")]
    pub metrics: Option<String>,
    /// The operator's token, for --metrics: a token file as `miniapp serve`
    /// takes (`NAME TOKEN` per line, or one token; the first is used). Else
    /// the file named by MINIAPP_OPERATOR_TOKEN_FILE, else the token in
    /// MINIAPP_OPERATOR_TOKEN.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `miniapp load`. It says what it starts on stderr, and on a terminal
/// what it is doing: a line per phase and a line a second.
pub fn load(args: LoadArgs) -> Result<(), Failure> {
    use std::io::IsTerminal;

    let plan = Plan::of(&args).map_err(Failure::input)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    let spinners = match args.spinners {
        0 => String::new(),
        n => format!(" and {n} of {SPIN_APP}"),
    };
    let rate = (args.rate).map_or(String::new(), |r| format!(" at {r} events/s"));
    out::error_line(format!(
        "miniapp: load: {} sessions of {}{spinners} at {}, events for {} s{rate}",
        args.sessions,
        args.apps.join(","),
        plan.base,
        args.duration,
    ));
    let progress = Arc::new(match std::io::stderr().is_terminal() {
        true => Progress::shown(|line| out::error_line(format!("miniapp: load: {line}"))),
        false => Progress::quiet(),
    });
    let summary = runtime
        .block_on(async {
            let ticker = tokio::spawn(Progress::tick(Arc::clone(&progress)));
            let summary = run_showing(&args, &progress).await;
            ticker.abort();
            summary
        })
        .map_err(|e| Failure::app(format!("{e:#}")))?;
    if args.json {
        let value = serde_json::to_value(&summary)
            .map_err(|e| Failure::app(format!("cannot report: {e}")))?;
        out::json(&value);
    } else {
        for row in summary.table().lines() {
            out::line(row);
        }
    }
    Ok(())
}

/// What a run of `miniapp load` measured. The well-behaved sessions'
/// figures; the spinners' apart.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Well-behaved sessions opened (socket connected, first page received).
    pub sessions: usize,
    /// Well-behaved sessions asked for.
    pub sessions_wanted: usize,
    /// Seconds the events ran.
    pub duration_s: f64,
    /// Events answered `ok` (all of them, also after the deadline).
    pub events: u64,
    /// Events answered `ok` within the duration, per second.
    pub events_per_s: f64,
    /// Event latency (send to `result`, ok events), milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Errors: failed opens, `result` errors, socket closes, timeouts.
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Refusals: opens answered 429 (each try), results of kind `busy`.
    pub refused: u64,
    pub refused_by_kind: BTreeMap<String, u64>,
    /// The first message of each error and refusal kind.
    pub error_examples: BTreeMap<String, String>,
    /// A new session's first view while the events run: `POST
    /// /v1/sessions` to its 201, for a session of a new user opened every
    /// 20 ms (then closed), milliseconds.
    pub first_view_p50_ms: f64,
    pub first_view_p99_ms: f64,
    /// First views measured.
    pub first_views: u64,
    /// The same for the sessions opened at the start, all at once (a burst
    /// of `--sessions` opens, 64 at a time, before any event).
    pub open_burst_p50_ms: f64,
    pub open_burst_p99_ms: f64,
    /// Opens the server answered `"start": "warm"`.
    pub warm_starts: u64,
    /// (Resident after all sessions opened − before) / sessions opened
    /// (spinners included), KiB; with --metrics.
    pub rss_kib_per_session: Option<f64>,
    pub rss_before_bytes: Option<f64>,
    pub rss_after_bytes: Option<f64>,
    /// `miniapp_sessions_live` after all sessions opened.
    pub sessions_live: Option<f64>,
    /// Spinner sessions opened.
    pub spinners: usize,
    /// Spinner taps answered (a trap or otherwise).
    pub spinner_events: u64,
    /// Spinner taps answered with a `trap`.
    pub spinner_traps: u64,
    /// Spinners' other errors and refusals.
    pub spinner_errors_by_kind: BTreeMap<String, u64>,
    /// `DELETE /v1/sessions/{id}` at the end that failed.
    pub cleanup_errors: u64,
}

/// The run `LoadArgs` ask for, checked.
struct Plan {
    base: String,
    ws_base: String,
    workloads: Vec<Workload>,
    duration: Duration,
    rate: Option<f64>,
}

impl Plan {
    fn of(args: &LoadArgs) -> Result<Plan, String> {
        let base = args.url.trim_end_matches('/').to_string();
        let Some(host) = base.strip_prefix("http://") else {
            return Err(format!("URL `{}`: expected http://HOST:PORT", args.url));
        };
        let workloads = (args.apps.iter())
            .map(|name| Workload::parse(name))
            .collect::<Result<Vec<_>, _>>()?;
        if workloads.is_empty() || args.sessions == 0 {
            return Err("--apps and --sessions: at least one session of one app".into());
        }
        if !(args.duration.is_finite() && args.duration > 0.0) {
            return Err(format!(
                "--duration {}: expected seconds > 0",
                args.duration
            ));
        }
        if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err("--rate: expected events per second > 0".into());
        }
        Ok(Plan {
            ws_base: format!("ws://{host}"),
            base,
            workloads,
            duration: Duration::from_secs_f64(args.duration),
            rate: args.rate,
        })
    }
}

/// Run the load `args` describe.
pub async fn run(args: &LoadArgs) -> anyhow::Result<Summary> {
    run_showing(args, &Arc::new(Progress::quiet())).await
}

/// [`run`], telling `progress` what it does.
async fn run_showing(args: &LoadArgs, progress: &Arc<Progress>) -> anyhow::Result<Summary> {
    let plan = Plan::of(args).map_err(anyhow::Error::msg)?;
    let metrics = match &args.metrics {
        Some(url) => match crate::secret::first_operator_token(args.token_file.as_deref())
            .map_err(anyhow::Error::msg)?
        {
            Some(token) => Some(Metrics::with_token(url, token)?),
            None => bail!(
                "--metrics needs the operator's token: --token-file FILE, \
                 MINIAPP_OPERATOR_TOKEN_FILE or MINIAPP_OPERATOR_TOKEN"
            ),
        },
        None => None,
    };
    let before = match &metrics {
        Some(m) => Some(m.sample().await?),
        None => None,
    };
    let refusals_before = match &metrics {
        Some(m) => m.refusals().await?,
        None => (0.0, 0.0),
    };
    let opener = Arc::new(Opener::new(&plan)?);
    let wanted = args.sessions + args.spinners;
    progress.enter(
        Phase::Opening { wanted },
        format!("opening {wanted} sessions, {OPEN_CONCURRENCY} at a time ..."),
    );
    let opening = Instant::now();
    let opened = open_all(&opener, &plan, args.sessions, args.spinners, progress).await;
    let after = match &metrics {
        Some(m) => Some(m.sample().await?),
        None => None,
    };
    if opened.sessions.is_empty() {
        bail!(
            "no session could be opened at {}: {}",
            plan.base,
            first_example(&opened.tally)
        );
    }
    let live = opened.sessions.len();
    let spinners = (opened.sessions.iter())
        .filter(|s| s.workload == Workload::Spin)
        .count();
    progress.enter(
        Phase::Events {
            start: Instant::now(),
            duration: plan.duration,
        },
        format!(
            "{live} of {wanted} sessions opened in {:.1} s; events for {} s ...",
            opening.elapsed().as_secs_f64(),
            plan.duration.as_secs_f64()
        ),
    );
    let probe = tokio::spawn(probe_first_views(
        opener.clone(),
        plan.workloads.clone(),
        Instant::now() + plan.duration,
    ));
    let driven = drive_all(opened.sessions, &plan, progress).await;
    let mut probed = probe.await.unwrap_or_else(|_| Tally::new());
    // Host calls the server refused (no grant, a quota) are in each event's
    // answer (`refused`); the server's counters also see those of launches
    // and of other clients: each is an error, counted once (the larger).
    if let Some(m) = &metrics {
        let answered = |kind: &str| {
            let of = |t: &Tally| t.errors.get(kind).copied().unwrap_or(0);
            of(&driven.tally) + of(&driven.spin_tally)
        };
        let (denials, quota_hits) = m.refusals().await?;
        let since = |now: f64, then: f64| (now - then).max(0.0) as u64;
        let (at_start_denials, at_start_quota) = refusals_before;
        for (kind, n, what) in [
            (
                "denied",
                since(denials, at_start_denials),
                "refused for lack of a grant",
            ),
            (
                "quota",
                since(quota_hits, at_start_quota),
                "refused by a quota",
            ),
        ] {
            let n = n.saturating_sub(answered(kind));
            if n > 0 {
                *probed.errors.entry(kind.into()).or_default() += n;
                let message = format!("{n} host calls of the apps {what} (the server's /metrics)");
                probed.examples.entry(kind.into()).or_insert(message);
            }
        }
    }
    let first_views = std::mem::replace(&mut probed.first_view, Tally::new().first_view);
    progress.enter(
        Phase::Closing,
        format!(
            "{} events answered ok; closing {} sessions ...",
            progress.answered.load(Ordering::Relaxed),
            driven.ids.len()
        ),
    );
    let cleanup_errors = close_all(&opener, &driven.ids).await;
    let mut summary = Summary::new(
        args,
        plan.duration,
        opened.tally.and(driven.tally).and(probed),
        opened.spin_tally.and(driven.spin_tally),
    );
    summary.first_view_p50_ms = ms(&first_views, 0.5);
    summary.first_view_p99_ms = ms(&first_views, 0.99);
    summary.first_views = first_views.len();
    summary.sessions = live - spinners;
    summary.spinners = spinners;
    summary.cleanup_errors = cleanup_errors;
    if let (Some(before), Some(after)) = (before, after) {
        summary.memory(before, after, live);
    }
    Ok(summary)
}

fn first_example(tally: &Tally) -> String {
    tally
        .examples
        .values()
        .next()
        .cloned()
        .unwrap_or_else(|| "no error recorded".into())
}

fn kib_per(before: Sample, after: Sample, sessions: usize) -> f64 {
    let kib = (after.resident - before.resident) / 1024.0 / sessions.max(1) as f64;
    (kib * 10.0).round() / 10.0
}

/// What a mix of events drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    Todo,
    Game2048,
    Shop,
    /// `hostile.spin`: taps `#attack`, which spins until the server traps it.
    Spin,
}

impl Workload {
    fn parse(name: &str) -> Result<Workload, String> {
        match name.trim() {
            "todo" | "demo.todo" => Ok(Workload::Todo),
            "game2048" | "demo.game2048" => Ok(Workload::Game2048),
            "shop" | "demo.shop" => Ok(Workload::Shop),
            other => Err(format!(
                "--apps: unknown app `{other}` (expected todo, game2048 or shop)"
            )),
        }
    }

    fn app_id(self) -> &'static str {
        match self {
            Workload::Todo => "demo.todo",
            Workload::Game2048 => "demo.game2048",
            Workload::Shop => "demo.shop",
            Workload::Spin => SPIN_APP,
        }
    }
}

/// A small deterministic generator (xorshift), one per session.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng((seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// One event to send: on the element `selector` names.
#[derive(Debug, Clone)]
struct Action {
    selector: &'static str,
    kind: &'static str,
    detail: Value,
}

impl Action {
    fn tap(selector: &'static str) -> Action {
        Action {
            selector,
            kind: "tap",
            detail: json!({}),
        }
    }
}

/// What a todo event does to the list.
#[derive(Debug, Clone, Copy)]
enum TodoStep {
    Add,
    Toggle,
    Remove,
    Clear,
}

/// What a session knows of its app's view, to send only events that apply.
enum Model {
    /// The todo items in order, `true` for done.
    Todo(Vec<bool>),
    Game,
    /// The shop's top page.
    Shop(String),
    Spin,
}

impl Model {
    fn new(workload: Workload) -> Model {
        match workload {
            Workload::Todo => Model::Todo(Vec::new()),
            Workload::Game2048 => Model::Game,
            Workload::Shop => Model::Shop("index".into()),
            Workload::Spin => Model::Spin,
        }
    }

    /// Take in what a `page` frame shows.
    fn on_page(&mut self, page: &Value) {
        match self {
            Model::Todo(items) => {
                items.clear();
                todo_items(&page["nodes"], items);
            }
            Model::Shop(route) => *route = page["route"].as_str().unwrap_or("").to_string(),
            Model::Game | Model::Spin => {}
        }
    }

    /// The next event, and for todo what it does to the list.
    fn next(&self, rng: &mut Rng, serial: u64) -> (Action, Option<TodoStep>) {
        match self {
            Model::Todo(items) => {
                let step = todo_step(items, rng);
                (todo_action(step, serial), Some(step))
            }
            Model::Game => (game_action(rng), None),
            Model::Shop(route) => (shop_action(route, rng), None),
            Model::Spin => (Action::tap("#attack"), None),
        }
    }

    /// The event `step` was applied.
    fn applied(&mut self, step: Option<TodoStep>) {
        let (Model::Todo(items), Some(step)) = (self, step) else {
            return;
        };
        match step {
            TodoStep::Add => items.push(false),
            TodoStep::Toggle => {
                if let Some(first) = items.first_mut() {
                    *first = !*first;
                }
            }
            TodoStep::Remove if !items.is_empty() => {
                items.remove(0);
            }
            TodoStep::Remove => {}
            TodoStep::Clear => items.retain(|done| !done),
        }
    }
}

/// The todo items under `node` (elements of class `item`; `done` too if done).
fn todo_items(node: &Value, items: &mut Vec<bool>) {
    if let Some(list) = node.as_array() {
        for child in list {
            todo_items(child, items);
        }
        return;
    }
    if !node.is_object() {
        return;
    }
    let class = (node["attrs"].as_array().into_iter().flatten())
        .find(|a| a[0] == "class")
        .and_then(|a| a[1].as_str())
        .unwrap_or("");
    if class.split_whitespace().any(|c| c == "item") {
        items.push(class.split_whitespace().any(|c| c == "done"));
    }
    todo_items(&node["children"], items);
}

/// Add, toggle the first, remove the first or clear the done ones, so that
/// the list stays short.
fn todo_step(items: &[bool], rng: &mut Rng) -> TodoStep {
    let any_done = items.iter().any(|done| *done);
    match (items.len(), rng.below(10)) {
        (0, _) => TodoStep::Add,
        (4.., pick) if any_done && pick < 3 => TodoStep::Clear,
        (4.., _) => TodoStep::Remove,
        (_, 0..=3) => TodoStep::Add,
        (_, 4..=6) => TodoStep::Toggle,
        (_, 9) if any_done => TodoStep::Clear,
        _ => TodoStep::Remove,
    }
}

fn todo_action(step: TodoStep, serial: u64) -> Action {
    match step {
        TodoStep::Add => Action {
            selector: "#new",
            kind: "confirm",
            detail: json!({ "value": format!("item {serial}") }),
        },
        TodoStep::Toggle => Action::tap(".item"),
        TodoStep::Remove => Action::tap(".remove"),
        TodoStep::Clear => Action::tap("#clear"),
    }
}

/// A random move, and a new game now and then.
fn game_action(rng: &mut Rng) -> Action {
    match rng.below(40) {
        0 => Action::tap("#restart"),
        n => Action::tap(["#up", "#down", "#left", "#right"][(n % 4) as usize]),
    }
}

/// Buy, pay (the payment prompt answered allow), back to the shop.
fn shop_action(route: &str, rng: &mut Rng) -> Action {
    match route {
        "checkout" => Action::tap("#pay"),
        "paid" => Action::tap("#back"),
        _ if rng.below(2) == 0 => Action::tap("#buy-tea"),
        _ => Action::tap("#buy-cake"),
    }
}

/// Counts and latencies of some sessions, merged at the end.
struct Tally {
    /// Ok events' latencies, microseconds.
    latency: Histogram<u64>,
    /// First views, microseconds.
    first_view: Histogram<u64>,
    ok_in_window: u64,
    warm: u64,
    traps: u64,
    errors: BTreeMap<String, u64>,
    refused: BTreeMap<String, u64>,
    examples: BTreeMap<String, String>,
}

impl Tally {
    fn new() -> Tally {
        let histogram =
            || Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        Tally {
            latency: histogram(),
            first_view: histogram(),
            ok_in_window: 0,
            warm: 0,
            traps: 0,
            errors: BTreeMap::new(),
            refused: BTreeMap::new(),
            examples: BTreeMap::new(),
        }
    }

    fn error(&mut self, kind: impl Into<String>, message: impl Into<String>) {
        let kind = kind.into();
        *self.errors.entry(kind.clone()).or_default() += 1;
        self.examples.entry(kind).or_insert_with(|| message.into());
    }

    /// `n` errors of `kind` at once.
    fn errors_of(&mut self, kind: &str, n: u64, message: impl Into<String>) {
        *self.errors.entry(kind.to_string()).or_default() += n;
        self.examples
            .entry(kind.to_string())
            .or_insert_with(|| message.into());
    }

    fn refusal(&mut self, kind: impl Into<String>, message: impl Into<String>) {
        let kind = kind.into();
        *self.refused.entry(kind.clone()).or_default() += 1;
        self.examples.entry(kind).or_insert_with(|| message.into());
    }

    fn ok(&mut self, latency: Duration, in_window: bool) {
        self.latency.saturating_record(micros(latency));
        self.ok_in_window += u64::from(in_window);
    }

    /// Both tallies in one.
    fn and(mut self, other: Tally) -> Tally {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latency.add(&other.latency);
        let _ = self.first_view.add(&other.first_view);
        self.ok_in_window += other.ok_in_window;
        self.warm += other.warm;
        self.traps += other.traps;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        for (kind, n) in other.refused {
            *self.refused.entry(kind).or_default() += n;
        }
        for (kind, message) in other.examples {
            self.examples.entry(kind).or_insert(message);
        }
        self
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// A quantile of `h` in milliseconds, to the microsecond.
fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        return 0.0;
    }
    h.value_at_quantile(q) as f64 / 1000.0
}

impl Summary {
    fn new(args: &LoadArgs, duration: Duration, tally: Tally, spin: Tally) -> Summary {
        let mut spinner_errors = spin.errors.clone();
        spinner_errors.extend(spin.refused.clone());
        let mut examples = tally.examples.clone();
        examples.extend(
            spin.examples
                .iter()
                .map(|(k, v)| (format!("spinner {k}"), v.clone())),
        );
        Summary {
            sessions: 0,
            sessions_wanted: args.sessions,
            duration_s: duration.as_secs_f64(),
            events: tally.latency.len(),
            events_per_s: (tally.ok_in_window as f64 / duration.as_secs_f64() * 10.0).round()
                / 10.0,
            p50_ms: ms(&tally.latency, 0.5),
            p99_ms: ms(&tally.latency, 0.99),
            p999_ms: ms(&tally.latency, 0.999),
            max_ms: ms(&tally.latency, 1.0),
            errors: tally.errors.values().sum(),
            errors_by_kind: tally.errors,
            refused: tally.refused.values().sum(),
            refused_by_kind: tally.refused,
            error_examples: examples,
            first_view_p50_ms: 0.0,
            first_view_p99_ms: 0.0,
            first_views: 0,
            open_burst_p50_ms: ms(&tally.first_view, 0.5),
            open_burst_p99_ms: ms(&tally.first_view, 0.99),
            warm_starts: tally.warm,
            rss_kib_per_session: None,
            rss_before_bytes: None,
            rss_after_bytes: None,
            sessions_live: None,
            spinners: 0,
            spinner_events: spin.latency.len() + spin.traps,
            spinner_traps: spin.traps,
            spinner_errors_by_kind: spinner_errors,
            cleanup_errors: 0,
        }
    }

    /// The server's memory before and after opening `sessions`.
    fn memory(&mut self, before: Sample, after: Sample, sessions: usize) {
        self.rss_before_bytes = Some(before.resident);
        self.rss_after_bytes = Some(after.resident);
        self.sessions_live = after.live;
        self.rss_kib_per_session = Some(kib_per(before, after, sessions));
    }

    /// The summary as a short table.
    pub fn table(&self) -> String {
        let mut rows = vec![
            format!(
                "sessions        {} of {} ({} warm starts), {} spinners",
                self.sessions, self.sessions_wanted, self.warm_starts, self.spinners
            ),
            format!(
                "events          {} ({:.1}/s over {:.1} s)",
                self.events, self.events_per_s, self.duration_s
            ),
            format!(
                "latency ms      p50 {:.2}  p99 {:.2}  p999 {:.2}  max {:.2}",
                self.p50_ms, self.p99_ms, self.p999_ms, self.max_ms
            ),
            format!(
                "first view ms   p50 {:.2}  p99 {:.2} ({} new users during the load)",
                self.first_view_p50_ms, self.first_view_p99_ms, self.first_views
            ),
            format!(
                "opening burst   p50 {:.2}  p99 {:.2} (the sessions, before the load)",
                self.open_burst_p50_ms, self.open_burst_p99_ms
            ),
            format!("errors          {}", self.errors),
            format!("refused         {}", self.refused),
        ];
        if let Some(kib) = self.rss_kib_per_session {
            let live = self.sessions_live.map_or("?".into(), |l| l.to_string());
            rows.push(format!(
                "rss per session {kib:.1} KiB (server: {live} live sessions)"
            ));
        }
        if self.spinners > 0 {
            rows.push(format!(
                "spinners        {} taps answered, {} traps",
                self.spinner_events, self.spinner_traps
            ));
        }
        let kinds = (self.errors_by_kind.iter())
            .chain(&self.refused_by_kind)
            .chain(&self.spinner_errors_by_kind);
        for (kind, n) in kinds {
            let example = self.example(kind);
            rows.push(format!("  {kind}: {n}  ({example})"));
        }
        rows.join("\n")
    }

    fn example(&self, kind: &str) -> &str {
        (self.error_examples.get(kind))
            .or_else(|| self.error_examples.get(&format!("spinner {kind}")))
            .map_or("", String::as_str)
    }
}

/// Opens sessions over HTTP.
struct Opener {
    client: reqwest::Client,
    base: String,
    ws_base: String,
    slots: Semaphore,
}

/// A session the server opened.
struct Opened {
    id: String,
}

/// How one try to open a session ended.
enum Try {
    /// Opened, or failed for good.
    Done(Option<Opened>),
    /// Refused as busy: again after this wait.
    Again(Duration),
}

impl Opener {
    fn new(plan: &Plan) -> anyhow::Result<Opener> {
        Ok(Opener {
            client: http_client()?,
            base: plan.base.clone(),
            ws_base: plan.ws_base.clone(),
            slots: Semaphore::new(OPEN_CONCURRENCY),
        })
    }

    /// `POST /v1/sessions`, again after each 429's `Retry-After`.
    async fn open(&self, app: &str, user: &str, tally: &mut Tally) -> Option<Opened> {
        let what = format!("POST {}/v1/sessions (app {app}, user {user})", self.base);
        for attempt in 1..=OPEN_TRIES {
            match self.try_open(app, user, &what, tally).await {
                Try::Done(opened) => return opened,
                Try::Again(wait) if attempt < OPEN_TRIES => tokio::time::sleep(wait).await,
                Try::Again(_) => {}
            }
        }
        let message = format!("{what}: 429 {OPEN_TRIES} times");
        tally.error("open-busy-gave-up", message);
        None
    }

    /// One `POST /v1/sessions`.
    async fn try_open(&self, app: &str, user: &str, what: &str, tally: &mut Tally) -> Try {
        let sent = Instant::now();
        let response = (self.client.post(format!("{}/v1/sessions", self.base)))
            .json(&json!({ "app": app, "user": user }))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                tally.error("open-http", format!("{what}: {}", causes(&e)));
                return Try::Done(None);
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(header(response.headers(), "retry-after"));
            tally.refusal("open-busy", format!("{what}: 429, retry after {wait:?}"));
            return Try::Again(wait);
        }
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status != reqwest::StatusCode::CREATED {
            let (kind, message) = error_of(&body);
            tally.error(
                format!("open-{kind}"),
                format!("{what}: {status}: {message}"),
            );
            return Try::Done(None);
        }
        Try::Done(opened(&body, sent.elapsed(), tally, what))
    }

    /// `DELETE /v1/sessions/{id}`: whether it succeeded.
    async fn close(&self, id: &str) -> bool {
        let _slot = self.slots.acquire().await;
        let url = format!("{}/v1/sessions/{id}", self.base);
        let response = self.client.delete(&url).send().await;
        response.is_ok_and(|r| r.status().is_success())
    }
}

/// The session of a 201's body, its first view tallied.
fn opened(body: &Value, first_view: Duration, tally: &mut Tally, what: &str) -> Option<Opened> {
    let id = body["session"].as_str().filter(|id| {
        !id.is_empty() && (id.bytes()).all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    });
    let Some(id) = id else {
        tally.error(
            "open-bad-answer",
            format!("{what}: 201 without a URL-safe `session`: {body}"),
        );
        return None;
    };
    tally.first_view.saturating_record(micros(first_view));
    tally.warm += u64::from(body["start"] == "warm");
    Some(Opened { id: id.to_string() })
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")
}

/// An error and its sources, `: `-separated.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text = format!("{text}: {e}");
        source = e.source();
    }
    text
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A `Retry-After` in seconds (1 if missing), at most [`MAX_RETRY_AFTER`].
fn retry_after(value: Option<&str>) -> Duration {
    let seconds = value.and_then(|v| v.trim().parse::<f64>().ok());
    let seconds = seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds).min(MAX_RETRY_AFTER)
}

/// The `kind` and `message` of an error body (`http` and the body if none).
fn error_of(body: &Value) -> (String, String) {
    match (
        body["error"]["kind"].as_str(),
        body["error"]["message"].as_str(),
    ) {
        (Some(kind), message) => (kind.to_string(), message.unwrap_or("").to_string()),
        _ => ("http".into(), body.to_string()),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One open session, driven over its socket.
struct Session {
    id: String,
    workload: Workload,
    socket: Socket,
    model: Model,
    rng: Rng,
    /// The next frame's `id`.
    serial: u64,
    /// Frames it may send now (a token bucket), and when it was filled.
    send_tokens: (f64, Instant),
}

/// How the wait for an event's result ended.
enum Answer {
    Result {
        ok: bool,
        kind: String,
        message: String,
        /// Host calls of the event the server refused (denied, over a
        /// quota): the answer's `refused`, even when it is `ok`.
        refused: Refused,
    },
    /// The session cannot go on: the socket closed or broke, or timed out.
    End { kind: String, message: String },
}

impl Session {
    fn end(&self, kind: impl Into<String>, message: impl std::fmt::Display) -> Answer {
        Answer::End {
            kind: kind.into(),
            message: format!(
                "session {} ({}): {message}",
                self.id,
                self.workload.app_id()
            ),
        }
    }

    /// Send `frame`, within [`FRAMES_PER_SECOND`] and [`FRAME_BURST`].
    async fn send(&mut self, frame: Value) -> Result<(), tungstenite::Error> {
        let (tokens, filled) = self.send_tokens;
        let mut tokens =
            (tokens + filled.elapsed().as_secs_f64() * FRAMES_PER_SECOND).min(FRAME_BURST);
        if tokens < 1.0 {
            let wait = (1.0 - tokens) / FRAMES_PER_SECOND;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            tokens = 1.0;
        }
        self.send_tokens = (tokens - 1.0, Instant::now());
        self.socket.send(Message::text(frame.to_string())).await
    }

    /// The next frame as JSON, or how the session ended.
    async fn frame(&mut self) -> Result<Value, Answer> {
        match self.socket.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text)
                .map_err(|e| self.end("bad-frame", format!("not JSON ({e}): {text}"))),
            Some(Ok(Message::Close(close))) => {
                let (code, reason) = close.map_or((1005, String::new()), |c| {
                    (u16::from(c.code), c.reason.to_string())
                });
                Err(self.end(format!("close-{code}"), format!("closed {code} {reason}")))
            }
            Some(Ok(_)) => Ok(Value::Null),
            Some(Err(e)) => Err(self.end("socket", e)),
            None => Err(self.end("socket", "the connection ended")),
        }
    }

    /// Read frames until the `result` of frame `id`: pages update the model,
    /// prompts are answered allow.
    async fn result_of(&mut self, id: u64) -> Answer {
        loop {
            let frame = match self.frame().await {
                Ok(frame) => frame,
                Err(end) => return end,
            };
            match frame["type"].as_str() {
                Some("page") => self.model.on_page(&frame),
                Some("prompt") => {
                    let answer = json!({ "type": "answer", "prompt": frame["id"], "allow": true });
                    if let Err(e) = self.send(answer).await {
                        return self.end("socket", format!("cannot answer a prompt: {e}"));
                    }
                }
                Some("result") if frame["id"] == id => return result_answer(&frame),
                // The frame was not taken: a full queue (`busy`), or a
                // frame the server could not read.
                Some("error") => {
                    let message = frame["message"].as_str().unwrap_or("");
                    let kind = if message == "busy" {
                        "busy"
                    } else {
                        "error-frame"
                    };
                    return Answer::Result {
                        ok: false,
                        kind: kind.into(),
                        message: format!("session {}: error frame: {message}", self.id),
                        refused: Refused::default(),
                    };
                }
                _ => {}
            }
        }
    }

    /// Wait for the next `page` (the first one, or after `refresh`).
    async fn page(&mut self) -> Result<(), Answer> {
        let wait = async {
            loop {
                let frame = self.frame().await?;
                if frame["type"] == "page" {
                    self.model.on_page(&frame);
                    return Ok(());
                }
            }
        };
        match tokio::time::timeout(FRAME_TIMEOUT, wait).await {
            Ok(done) => done,
            Err(_) => Err(self.end("timeout", "no page frame within 30 s")),
        }
    }

    /// Send `action` and wait for its result: the latency if ok.
    async fn event(&mut self, action: &Action) -> (Answer, Duration) {
        self.serial += 1;
        let id = self.serial;
        let frame = json!({
            // The session id is long (signed); the serial is unique in it.
            "type": "event", "id": id, "cid": format!("load-{id}"),
            "selector": action.selector, "kind": action.kind, "detail": action.detail,
        });
        let sent = Instant::now();
        if let Err(e) = self.send(frame).await {
            return (
                self.end("socket", format!("cannot send an event: {e}")),
                Duration::ZERO,
            );
        }
        match tokio::time::timeout(FRAME_TIMEOUT, self.result_of(id)).await {
            Ok(answer) => (answer, sent.elapsed()),
            Err(_) => {
                let message = format!(
                    "no result for {} {} within 30 s",
                    action.kind, action.selector
                );
                (self.end("timeout", message), sent.elapsed())
            }
        }
    }
}

fn result_answer(frame: &Value) -> Answer {
    let ok = frame["ok"] == true;
    let kind = frame["error"]["kind"].as_str().unwrap_or("unknown");
    let message = frame["error"]["message"].as_str().unwrap_or("");
    let count = |kind: &str| frame["refused"][kind].as_u64().unwrap_or(0);
    Answer::Result {
        ok,
        kind: kind.to_string(),
        message: message.to_string(),
        refused: Refused {
            denied: count("denied"),
            quota: count("quota"),
        },
    }
}

/// The host calls of one event the server refused.
#[derive(Debug, Clone, Copy, Default)]
struct Refused {
    denied: u64,
    quota: u64,
}

impl Refused {
    /// Each refused call is an error of the run: `denied` or `quota`.
    fn count_in(self, tally: &mut Tally, session: &str, action: &Action) {
        for (kind, n, what) in [
            ("denied", self.denied, "refused for lack of a grant"),
            ("quota", self.quota, "refused by a quota"),
        ] {
            if n > 0 {
                let message = format!(
                    "session {session}: {} {}: {n} host calls {what} (the answer's `refused`)",
                    action.kind, action.selector
                );
                tally.errors_of(kind, n, message);
            }
        }
    }
}

/// Connect session `opened`'s socket and wait for its first page.
async fn connect(
    opener: &Opener,
    opened: Opened,
    workload: Workload,
    index: usize,
    tally: &mut Tally,
) -> Option<Session> {
    let url = format!("{}/v1/sessions/{}", opener.ws_base, opened.id);
    let socket = socket(&url, workload, tally).await?;
    let mut session = Session {
        id: opened.id,
        workload,
        socket,
        model: Model::new(workload),
        rng: Rng::new(index as u64),
        serial: 0,
        send_tokens: (FRAME_BURST, Instant::now()),
    };
    match session.page().await {
        Ok(()) => Some(session),
        Err(Answer::End { kind, message } | Answer::Result { kind, message, .. }) => {
            tally.error(format!("first-page-{kind}"), message);
            None
        }
    }
}

/// The WebSocket at `url`, again after each 429's `Retry-After`.
async fn socket(url: &str, workload: Workload, tally: &mut Tally) -> Option<Socket> {
    let what = format!("GET {url} ({}) with a WebSocket upgrade", workload.app_id());
    for _ in 0..OPEN_TRIES {
        // tungstenite zeroes its whole read buffer (128 KiB by default)
        // before each read: the load generator shares the server's cores.
        let config = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024);
        match tokio_tungstenite::connect_async_with_config(url, Some(config), true).await {
            Ok((socket, _)) => return Some(socket),
            Err(tungstenite::Error::Http(response)) if response.status() == 429 => {
                let value = response.headers().get("retry-after");
                let wait = retry_after(value.and_then(|v| v.to_str().ok()));
                tally.refusal("connect-busy", format!("{what}: 429"));
                tokio::time::sleep(wait).await;
            }
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status();
                let body = response.body().as_deref().map(String::from_utf8_lossy);
                let body = body.unwrap_or_default();
                tally.error(
                    format!("connect-{}", status.as_u16()),
                    format!("{what}: {status}: {body}"),
                );
                return None;
            }
            Err(e) => {
                tally.error("connect", format!("{what}: {e}"));
                return None;
            }
        }
    }
    tally.error(
        "connect-busy-gave-up",
        format!("{what}: 429 {OPEN_TRIES} times"),
    );
    None
}

/// The sessions opened, and the tallies of opening them.
struct OpenedAll {
    sessions: Vec<Session>,
    tally: Tally,
    spin_tally: Tally,
}

/// Open `sessions` well-behaved sessions over the workloads, round-robin,
/// and `spinners` of `hostile.spin`, [`OPEN_CONCURRENCY`] at a time.
async fn open_all(
    opener: &Arc<Opener>,
    plan: &Plan,
    sessions: usize,
    spinners: usize,
    progress: &Progress,
) -> OpenedAll {
    let mut set = JoinSet::new();
    let users = (0..sessions).map(|i| (plan.workloads[i % plan.workloads.len()], i, "user"));
    let spinning = (0..spinners).map(|i| (Workload::Spin, sessions + i, "spinner"));
    for (workload, index, role) in users.chain(spinning) {
        let opener = Arc::clone(opener);
        let user = format!(
            "load-{role}-{}",
            if role == "user" {
                index
            } else {
                index - sessions
            }
        );
        set.spawn(async move {
            let mut tally = Tally::new();
            let session = open_one(&opener, workload, index, &user, &mut tally).await;
            (workload, session, tally)
        });
    }
    let mut all = OpenedAll {
        sessions: Vec::new(),
        tally: Tally::new(),
        spin_tally: Tally::new(),
    };
    while let Some(joined) = set.join_next().await {
        let Ok((workload, session, tally)) = joined else {
            continue;
        };
        if session.is_some() {
            progress.opened.fetch_add(1, Ordering::Relaxed);
        }
        all.sessions.extend(session);
        if workload == Workload::Spin {
            all.spin_tally = std::mem::replace(&mut all.spin_tally, Tally::new()).and(tally);
        } else {
            all.tally = std::mem::replace(&mut all.tally, Tally::new()).and(tally);
        }
    }
    all
}

async fn open_one(
    opener: &Opener,
    workload: Workload,
    index: usize,
    user: &str,
    tally: &mut Tally,
) -> Option<Session> {
    let _slot = opener.slots.acquire().await.ok()?;
    let opened = opener.open(workload.app_id(), user, tally).await?;
    connect(opener, opened, workload, index, tally).await
}

/// How often a new session is opened while the events run.
const PROBE_EVERY: Duration = Duration::from_millis(20);

/// Until `deadline`, every [`PROBE_EVERY`], open a session of a new user
/// (the workloads in turn) and close it: the first views a user who
/// arrives during the load sees.
async fn probe_first_views(
    opener: Arc<Opener>,
    workloads: Vec<Workload>,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::new();
    let mut tick = tokio::time::interval(PROBE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let run = std::process::id();
    for n in 0.. {
        tick.tick().await;
        if Instant::now() >= deadline {
            break;
        }
        let app = workloads[n % workloads.len()].app_id();
        let user = format!("load-probe-{run}-{n}");
        if let Some(opened) = opener.open(app, &user, &mut tally).await
            && !opener.close(&opened.id).await
        {
            tally.error(
                "probe-close",
                format!("DELETE of probe session {}", opened.id),
            );
        }
    }
    tally
}

/// The end of the events, and the pace of all sessions' events.
struct Clock {
    deadline: Instant,
    /// With `--rate`: the gap between two events and when the next may go.
    rate: Option<(Duration, std::sync::Mutex<Instant>)>,
    /// Where answers and errors are counted as they come.
    progress: Arc<Progress>,
}

impl Clock {
    /// Wait for this event's turn at the global rate.
    async fn turn(&self) {
        let Some((gap, next)) = &self.rate else {
            return;
        };
        let at = {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + *gap;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// What the sessions did.
struct Driven {
    ids: Vec<String>,
    tally: Tally,
    spin_tally: Tally,
}

/// Drive every session until the duration is over (a well-behaved one
/// waits for its last result; a spinner stops at once), then close it.
async fn drive_all(sessions: Vec<Session>, plan: &Plan, progress: &Arc<Progress>) -> Driven {
    let start = Instant::now();
    let clock = Arc::new(Clock {
        deadline: start + plan.duration,
        rate: (plan.rate).map(|r| (Duration::from_secs_f64(1.0 / r), start.into())),
        progress: Arc::clone(progress),
    });
    let mut set = JoinSet::new();
    for mut session in sessions {
        let clock = Arc::clone(&clock);
        set.spawn(async move {
            let mut tally = Tally::new();
            let spinner = session.workload == Workload::Spin;
            let stop = if spinner {
                clock.deadline
            } else {
                clock.deadline + 2 * FRAME_TIMEOUT
            };
            let driving = drive(&mut session, &mut tally, &clock);
            let _ = tokio::time::timeout_at(stop.into(), driving).await;
            let _ = tokio::time::timeout(Duration::from_secs(1), session.socket.close(None)).await;
            (session.id, spinner, tally)
        });
    }
    let mut driven = Driven {
        ids: Vec::new(),
        tally: Tally::new(),
        spin_tally: Tally::new(),
    };
    while let Some(Ok((id, spinner, tally))) = set.join_next().await {
        driven.ids.push(id);
        let into = if spinner {
            &mut driven.spin_tally
        } else {
            &mut driven.tally
        };
        *into = std::mem::replace(into, Tally::new()).and(tally);
    }
    driven
}

/// Send events one after the other until the deadline.
async fn drive(session: &mut Session, tally: &mut Tally, clock: &Clock) {
    while Instant::now() < clock.deadline {
        if session.workload != Workload::Spin {
            clock.turn().await;
        }
        let (action, step) = session.model.next(&mut session.rng, session.serial + 1);
        let (answer, latency) = session.event(&action).await;
        if let Answer::Result { refused, .. } = &answer {
            refused.count_in(tally, &session.id, &action);
            let n = refused.denied + refused.quota;
            clock.progress.errors.fetch_add(n, Ordering::Relaxed);
        }
        match answer {
            Answer::Result { ok: true, .. } => {
                tally.ok(latency, Instant::now() <= clock.deadline);
                clock.progress.answered.fetch_add(1, Ordering::Relaxed);
                session.model.applied(step);
            }
            Answer::Result { kind, .. } if kind == "trap" && session.workload == Workload::Spin => {
                tally.traps += 1;
            }
            Answer::Result { kind, message, .. } => {
                let message = format!(
                    "session {}: {} {}: {message}",
                    session.id, action.kind, action.selector
                );
                if kind == "busy" {
                    tally.refusal(kind, message);
                } else {
                    tally.error(kind, message);
                    clock.progress.errors.fetch_add(1, Ordering::Relaxed);
                }
                if session.workload != Workload::Spin && !resync(session, tally).await {
                    return;
                }
            }
            Answer::End { kind, message } => {
                tally.error(kind, message);
                clock.progress.errors.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// After a failed event: `refresh`, and take in the page it sends.
async fn resync(session: &mut Session, tally: &mut Tally) -> bool {
    if let Err(e) = session.send(json!({ "type": "refresh" })).await {
        tally.error(
            "socket",
            format!("session {}: cannot send refresh: {e}", session.id),
        );
        return false;
    }
    match session.page().await {
        Ok(()) => true,
        Err(Answer::End { kind, message } | Answer::Result { kind, message, .. }) => {
            tally.error(kind, message);
            false
        }
    }
}

/// What a run is doing: its phase, and counts its tasks bump as they go.
struct Progress {
    /// Prints a line (without the prefix the caller adds), if the run is
    /// shown; quiet, nothing is said.
    say: Option<fn(String)>,
    phase: std::sync::Mutex<Phase>,
    /// Sessions opened (spinners too).
    opened: AtomicU64,
    /// Events answered ok (spinners' traps not).
    answered: AtomicU64,
    /// Events answered with an error, and sessions ended by one.
    errors: AtomicU64,
}

/// Where a run is.
#[derive(Clone, Copy)]
enum Phase {
    Starting,
    Opening { wanted: usize },
    Events { start: Instant, duration: Duration },
    Closing,
}

impl Progress {
    /// Counted, never said.
    fn quiet() -> Progress {
        Progress {
            say: None,
            phase: std::sync::Mutex::new(Phase::Starting),
            opened: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }
    }

    /// Said with `say`: a line as each phase starts, and a line a second
    /// from [`Progress::tick`].
    fn shown(say: fn(String)) -> Progress {
        Progress {
            say: Some(say),
            ..Progress::quiet()
        }
    }

    /// Enter `phase`, saying `line`.
    fn enter(&self, phase: Phase, line: String) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
        if let Some(say) = self.say {
            say(line);
        }
    }

    /// Say where the run is once a second (if shown), until aborted.
    async fn tick(progress: Arc<Progress>) {
        let Some(say) = progress.say else {
            return;
        };
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let phase = *progress.phase.lock().unwrap_or_else(|e| e.into_inner());
            let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
            match phase {
                Phase::Opening { wanted } => {
                    say(format!(
                        "{} of {wanted} sessions opened",
                        count(&progress.opened)
                    ));
                }
                Phase::Events { start, duration } => say(format!(
                    "{:.0} of {} s: {} events answered ok, {} errors",
                    start.elapsed().as_secs_f64().min(duration.as_secs_f64()),
                    duration.as_secs_f64(),
                    count(&progress.answered),
                    count(&progress.errors),
                )),
                Phase::Starting | Phase::Closing => {}
            }
        }
    }
}

/// End the sessions `ids` (`DELETE`): how many could not be ended.
async fn close_all(opener: &Arc<Opener>, ids: &[String]) -> u64 {
    let mut set = JoinSet::new();
    for id in ids {
        let (opener, id) = (Arc::clone(opener), id.clone());
        set.spawn(async move { opener.close(&id).await });
    }
    let mut failed = 0;
    while let Some(closed) = set.join_next().await {
        failed += u64::from(!closed.unwrap_or(false));
    }
    failed
}

/// The operator's `/metrics`.
pub struct Metrics {
    client: reqwest::Client,
    url: String,
    token: String,
}

/// The server's gauges at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// `miniapp_process_resident_bytes`.
    pub resident: f64,
    /// `miniapp_sessions_live`, if reported.
    pub live: Option<f64>,
}

impl Metrics {
    /// The operator listener `url` (`http://HOST:PORT` or its `/metrics`),
    /// with the first token in `token_file` (`miniapp serve`'s format).
    pub fn new(url: &str, token_file: &Path) -> anyhow::Result<Metrics> {
        let token = crate::secret::first_operator_token(Some(token_file))
            .map_err(anyhow::Error::msg)?
            .context("no token file")?;
        Metrics::with_token(url, token)
    }

    /// The operator listener `url`, with `token`.
    pub fn with_token(url: &str, token: String) -> anyhow::Result<Metrics> {
        let url = url.trim_end_matches('/');
        let url = if url.ends_with("/metrics") {
            url.to_string()
        } else {
            format!("{url}/metrics")
        };
        Ok(Metrics {
            client: http_client()?,
            url,
            token,
        })
    }

    /// The gauges now.
    pub async fn sample(&self) -> anyhow::Result<Sample> {
        let response = (self.client.get(&self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("GET {}: {}", self.url, causes(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("GET {}", self.url))?;
        if !status.is_success() {
            bail!("GET {}: {status}: {}", self.url, text.trim());
        }
        let resident = gauge(&text, "miniapp_process_resident_bytes").with_context(|| {
            format!("GET {}: no miniapp_process_resident_bytes gauge", self.url)
        })?;
        let live = gauge(&text, "miniapp_sessions_live");
        Ok(Sample { resident, live })
    }
}

impl Metrics {
    /// The server's host calls refused so far, all apps: `miniapp_denials`
    /// (no grant) and `miniapp_quota_hits`.
    async fn refusals(&self) -> anyhow::Result<(f64, f64)> {
        let response = (self.client.get(&self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("GET {}: {}", self.url, causes(&e)))?;
        let text = response
            .error_for_status()
            .with_context(|| format!("GET {}", self.url))?
            .text()
            .await
            .with_context(|| format!("GET {}", self.url))?;
        let total = |name: &str| -> f64 {
            (text.lines())
                .filter_map(|line| {
                    let rest = line.strip_prefix(name)?;
                    let rest = match rest.strip_prefix('{') {
                        Some(labelled) => labelled.split_once('}')?.1,
                        None => rest,
                    };
                    rest.split_whitespace().next()?.parse::<f64>().ok()
                })
                .sum()
        };
        Ok((
            total("miniapp_denials_total"),
            total("miniapp_quota_hits_total"),
        ))
    }
}

/// The value of the unlabelled metric `name` in Prometheus text.
fn gauge(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// What opening sessions without sockets or events cost the server.
#[derive(Debug, Clone, Serialize)]
pub struct IdleSummary {
    /// Sessions opened.
    pub sessions: usize,
    /// Sessions asked for.
    pub sessions_wanted: usize,
    pub errors: u64,
    pub refused: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub error_examples: BTreeMap<String, String>,
    pub first_view_p50_ms: f64,
    pub first_view_p99_ms: f64,
    /// (Resident after − before) / sessions opened, KiB.
    pub rss_kib_per_session: f64,
    /// `miniapp_sessions_live` after all were opened.
    pub sessions_live: Option<f64>,
}

/// Open `n` sessions by `POST` only (users `idle-user-<i>`, over todo,
/// game2048 and shop), measure the server's memory, then end them.
pub async fn idle(url: &str, n: usize, metrics: &Metrics) -> anyhow::Result<IdleSummary> {
    let args = LoadArgs {
        url: url.to_string(),
        apps: vec!["todo".into(), "game2048".into(), "shop".into()],
        sessions: n,
        duration: 1.0,
        rate: None,
        spinners: 0,
        metrics: None,
        token_file: None,
        json: false,
    };
    let plan = Plan::of(&args).map_err(anyhow::Error::msg)?;
    let opener = Arc::new(Opener::new(&plan)?);
    let before = metrics.sample().await?;
    let (ids, tally) = post_all(&opener, &plan, n).await;
    let after = metrics.sample().await?;
    close_all(&opener, &ids).await;
    if ids.is_empty() {
        bail!(
            "no idle session could be opened at {url}: {}",
            first_example(&tally)
        );
    }
    Ok(IdleSummary {
        sessions: ids.len(),
        sessions_wanted: n,
        errors: tally.errors.values().sum(),
        refused: tally.refused.values().sum(),
        errors_by_kind: tally.errors.clone(),
        error_examples: tally.examples.clone(),
        first_view_p50_ms: ms(&tally.first_view, 0.5),
        first_view_p99_ms: ms(&tally.first_view, 0.99),
        rss_kib_per_session: kib_per(before, after, ids.len()),
        sessions_live: after.live,
    })
}

/// `POST` `n` sessions: their ids and the tally.
async fn post_all(opener: &Arc<Opener>, plan: &Plan, n: usize) -> (Vec<String>, Tally) {
    let mut set = JoinSet::new();
    for i in 0..n {
        let opener = Arc::clone(opener);
        let app = plan.workloads[i % plan.workloads.len()].app_id();
        set.spawn(async move {
            let mut tally = Tally::new();
            let _slot = opener.slots.acquire().await;
            let opened = opener
                .open(app, &format!("idle-user-{i}"), &mut tally)
                .await;
            (opened.map(|o| o.id), tally)
        });
    }
    let (mut ids, mut all) = (Vec::new(), Tally::new());
    while let Some(Ok((id, tally))) = set.join_next().await {
        ids.extend(id);
        all = all.and(tally);
    }
    (ids, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_are_read_unlabelled_only() {
        let text = "# HELP x\nminiapp_sessions_live_total 9\n\
                    miniapp_sessions_live{app=\"a\"} 3\nminiapp_sessions_live 7\n";
        assert_eq!(gauge(text, "miniapp_sessions_live"), Some(7.0));
        assert_eq!(gauge(text, "miniapp_process_resident_bytes"), None);
    }

    #[test]
    fn todo_items_come_from_the_page_nodes() {
        let item = |class: &str| {
            let attrs = json!([["class", class]]);
            json!({ "id": 1, "tag": "div", "attrs": attrs, "children": [] })
        };
        let nodes = json!([{ "id": 0, "tag": "div", "attrs": [["class", "todo"]],
            "children": [item("item "), item("item done"), { "id": 5, "text": "x" }] }]);
        let mut model = Model::new(Workload::Todo);
        model.on_page(&json!({ "nodes": nodes }));
        assert!(matches!(&model, Model::Todo(items) if items == &[false, true]));
        model.applied(Some(TodoStep::Clear));
        assert!(matches!(&model, Model::Todo(items) if items == &[false]));
    }

    #[test]
    fn retry_after_is_bounded() {
        assert_eq!(retry_after(Some("2")), Duration::from_secs(2));
        assert_eq!(retry_after(None), Duration::from_secs(1));
        assert_eq!(retry_after(Some("999")), MAX_RETRY_AFTER);
    }
}
