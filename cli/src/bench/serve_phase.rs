//! The `serve` phase: `miniapp serve` (this binary) as a child on loopback
//! ports, with a temporary data directory and operator token, publishing
//! todo, game2048, shop and hostile/spin, built from the `guest-examples/`
//! of the source tree this binary was built from. `miniapp load` drives it
//! twice, without and beside 8 spinner sessions; then `--live` sessions are
//! opened by `POST` alone for the memory of an idle session. Then the
//! overload runs: paced at 1,000 events/s, and 64 sessions in a closed loop
//! for the rate the full run keeps beside them. The child gets SIGTERM at
//! the end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use miniapp_benches::report::PhaseReport;
use miniapp_runtime::{AppPolicy, Package, Policy};

use super::BenchArgs;
use super::serve_reports::{FEW_SESSIONS, PACED_RATE, Runs, SPINNERS, reports};
use super::server::Server;
use crate::Failure;
use crate::load::{self, IdleSummary, LoadArgs, Metrics};

/// The crates published, under `guest-examples/`.
const APPS: [&str; 4] = ["todo", "game2048", "shop", "hostile/spin"];

pub(super) fn run(
    args: &BenchArgs,
    miniapp: &Path,
    progress: &ProgressBar,
) -> Result<Vec<PhaseReport>, Failure> {
    let dir = tempfile::tempdir()
        .map_err(|e| Failure::app(format!("serve: cannot make a temporary directory: {e}")))?;
    let packages = build(dir.path(), &APPS)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::app(format!("serve: cannot start the async runtime: {e}")))?;
    let child = |name: &str| Server::start(miniapp, dir.path(), name, &packages);
    let (runs, load_stop) = with_server(child("load")?, |s| {
        runtime.block_on(loads(args, s, progress))
    })?;
    // A fresh server: memory the load runs freed would hide the idle cost.
    let (idle, idle_stop) = with_server(child("idle")?, |s| {
        runtime.block_on(idle(args, s, progress))
    })?;
    let mut reports = reports(&runs, &idle);
    let last = reports.len() - 1;
    for (i, report) in reports.iter_mut().enumerate() {
        let stop = if i == last { &idle_stop } else { &load_stop };
        if let Some(e) = stop {
            report.note = Some(format!("{}; {e}", report.note.take().unwrap_or_default()));
        }
    }
    Ok(reports)
}

/// `measure` against `server`, then SIGTERM: what it measured, and why
/// the server's exit was not clean.
fn with_server<T>(
    mut server: Server,
    measure: impl FnOnce(&Server) -> anyhow::Result<T>,
) -> Result<(T, Option<String>), Failure> {
    let measured = measure(&server);
    let stopped = server.stop();
    let measured = measured.map_err(|e| server.failure(format!("{e:#}")))?;
    Ok((measured, stopped.err()))
}

/// Build `apps` (crates under `guest-examples/`); write the operator token
/// and a policy granting each app what it declares, and never quarantining
/// the spinner (it traps at the end of every CPU budget on purpose).
pub(super) fn build(dir: &Path, apps: &[&str]) -> Result<Vec<PathBuf>, Failure> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples");
    let mut policy = Policy::default();
    let mut paths = Vec::new();
    for app in apps {
        let (package, path): (Package, PathBuf) = crate::build_package(&examples.join(app), None)?;
        policy.grant_declared(&package.manifest);
        // Each user's own storage, as a platform keeps it.
        let app = policy.apps.entry(package.manifest.id.clone()).or_default();
        app.per_user_storage = Some(true);
        paths.push(path);
    }
    if apps.contains(&"hostile/spin") {
        policy
            .apps
            .entry("hostile.spin".into())
            .or_default()
            .quotas
            .trap_budget = Some(0);
    }
    #[derive(serde::Serialize)]
    struct Apps<'a> {
        apps: &'a BTreeMap<String, AppPolicy>,
    }
    let text = toml::to_string(&Apps { apps: &policy.apps })
        .map_err(|e| Failure::app(format!("serve: cannot write the policy: {e}")))?;
    // A fresh random token (256 bits), as `miniapp serve --new-token` makes.
    let token = miniapp_serve::operator::token::new_token();
    let cannot = |name: &str, e: std::io::Error| {
        Failure::app(format!(
            "serve: cannot write {}: {e}",
            dir.join(name).display()
        ))
    };
    std::fs::write(dir.join("policy.toml"), text).map_err(|e| cannot("policy.toml", e))?;
    crate::secret::write_file(&dir.join("token"), &token).map_err(|e| cannot("token", e))?;
    Ok(paths)
}

/// The two load runs: without and beside spinners.
async fn loads(args: &BenchArgs, server: &Server, progress: &ProgressBar) -> anyhow::Result<Runs> {
    let mut load = LoadArgs {
        url: server.sessions.clone(),
        apps: vec!["todo".into(), "game2048".into(), "shop".into()],
        sessions: args.serve_sessions.max(1),
        duration: args.serve_seconds.max(1) as f64,
        rate: None,
        spinners: 0,
        metrics: Some(server.operator.clone()),
        token_file: Some(server.token.clone()),
        json: false,
    };
    progress.set_message(format!("serve: {} sessions", load.sessions));
    let calm = load::run(&load).await?;
    load.spinners = SPINNERS;
    progress.set_message(format!(
        "serve: {} sessions beside {SPINNERS} spinners",
        load.sessions
    ));
    let busy = load::run(&load).await?;
    // The same sessions paced at half the rate the server sustained:
    // latency at a load it carries, not the queue of a saturated one.
    load.rate = Some((calm.events_per_s / 2.0).max(1.0));
    load.spinners = 0;
    progress.set_message(format!("serve: paced at {:.0}/s", calm.events_per_s / 2.0));
    let paced = load::run(&load).await?;
    load.spinners = SPINNERS;
    progress.set_message(format!("serve: paced beside {SPINNERS} spinners"));
    let paced_busy = load::run(&load).await?;
    // Overload: the same sessions paced at 1,000 events/s in all, and the
    // closed loop's rate against 64 sessions' (admission answers the
    // excess with 429, not with time-outs).
    load.spinners = 0;
    load.rate = Some(PACED_RATE);
    progress.set_message(format!("serve: paced at {PACED_RATE}/s"));
    let paced_1000 = load::run(&load).await?;
    load.rate = None;
    load.sessions = FEW_SESSIONS;
    progress.set_message(format!("serve: {FEW_SESSIONS} sessions"));
    let few = load::run(&load).await?;
    Ok(Runs {
        calm,
        busy,
        paced,
        paced_busy,
        paced_1000,
        few,
    })
}

/// `--live` sessions opened by `POST` alone.
async fn idle(
    args: &BenchArgs,
    server: &Server,
    progress: &ProgressBar,
) -> anyhow::Result<IdleSummary> {
    progress.set_message(format!("serve: {} idle sessions", args.live));
    let metrics = Metrics::new(&server.operator, &server.token)?;
    load::idle(&server.sessions, args.live.max(1), &metrics).await
}
