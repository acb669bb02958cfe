//! Idle sessions: opened by `POST` alone, for what a session costs the server's memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::bail;
use serde::Serialize;
use tokio::task::JoinSet;

use super::metrics::Metrics;
use super::open::{Opener, close_all};
use super::plan::Plan;
use super::summary::kib_per;
use super::tally::{Tally, ms};
use super::{LoadArgs, first_example};

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
