//! Opening the run's sessions: all at once before the events, and a new user's now and then while they run.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::open::Opener;
use super::plan::Plan;
use super::progress::Progress;
use super::socket::{Session, connect};
use super::tally::Tally;
use super::workload::Workload;

/// The sessions opened, and the tallies of opening them.
pub(super) struct OpenedAll {
    pub(super) sessions: Vec<Session>,
    pub(super) tally: Tally,
    pub(super) spin_tally: Tally,
}

/// Open `sessions` well-behaved sessions over the workloads, round-robin,
/// and `spinners` of `hostile.spin`, [`OPEN_CONCURRENCY`] at a time.
pub(super) async fn open_all(
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
pub(super) async fn probe_first_views(
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
