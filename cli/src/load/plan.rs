//! The run `LoadArgs` ask for: the URLs, the workloads, the duration and the rate, checked.

use std::time::Duration;

use super::LoadArgs;
use super::workload::Workload;

/// The run `LoadArgs` ask for, checked.
pub(super) struct Plan {
    pub(super) base: String,
    pub(super) ws_base: String,
    pub(super) workloads: Vec<Workload>,
    pub(super) duration: Duration,
    pub(super) rate: Option<f64>,
}

impl Plan {
    pub(super) fn of(args: &LoadArgs) -> Result<Plan, String> {
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
