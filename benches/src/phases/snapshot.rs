//! Pre-initialised snapshots: what launching from one buys. The runtime
//! compiles an app that exports the SDK's init into its snapshot, so its
//! `launch_to_first_event` already starts from one (against the bare host
//! running the component as built, which runs the init at its first call).
//! `snapshot_launch` isolates the snapshot's own share: the bare host
//! running the snapshot against the bare host running the component as
//! built, no policy layer on either side. [`heavy_init`] gives both rows for
//! the heavy-init example, whose init parses a 3,435-row table.

use miniapp_runtime::Event;

use super::{Subject, wit_event};
use crate::bare::BareHost;
use crate::report::PhaseReport;

impl Subject {
    /// `snapshot_launch`: launch to first event (instantiate, `on-launch`,
    /// `on-show`, the first event) on the bare host from the component's
    /// pre-initialised snapshot, beside the bare host from the component as
    /// built. `None` when the component exports no init.
    pub fn snapshot_launch(&self, n: usize) -> anyhow::Result<Option<PhaseReport>> {
        let quotas = self.policy.grants_for(&self.package.manifest)?.quotas;
        let snapshot = miniapp_runtime::platform::pre_initialise(
            self.runtime.engine(),
            &self.package.component,
            &quotas,
        )
        .map_err(anyhow::Error::msg)?;
        let Some(snapshot) = snapshot else {
            return Ok(None);
        };
        let from_snapshot = BareHost::new(&self.bare_engine, &snapshot)?;
        let event = wit_event(&self.event);
        let ours = async || from_snapshot.launch_to_first_event(&event).await.map(drop);
        let base = async || self.bare.launch_to_first_event(&event).await.map(drop);
        self.timed_beside_bare("snapshot_launch", n, ours, base)
            .map(Some)
    }
}

/// The heavy-init example's `launch_to_first_event` (the runtime, from its
/// snapshot, against the bare host running it as built) and
/// `snapshot_launch`, `n` samples each.
pub fn heavy_init(n: usize) -> anyhow::Result<Vec<PhaseReport>> {
    let package = crate::example("heavy-init")?;
    let subject = Subject::new(package, Event::tap("index", "tap"))?;
    let mut rows = vec![subject.launch_to_first_event(n)?];
    rows.extend(subject.snapshot_launch(n)?);
    Ok(rows)
}
