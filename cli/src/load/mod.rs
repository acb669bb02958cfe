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

mod drive;
mod idle;
mod metrics;
mod open;
mod plan;
mod progress;
mod sessions;
mod socket;
mod summary;
mod tally;
mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

pub use idle::{IdleSummary, idle};
pub use metrics::Metrics;
pub use summary::Summary;

use crate::{Failure, out};
use drive::drive_all;
use open::{OPEN_CONCURRENCY, Opener, close_all};
use plan::Plan;
use progress::{Phase, Progress};
use sessions::{open_all, probe_first_views};
use tally::{Tally, ms};
use workload::{SPIN_APP, Workload};

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
