//! What an embedder reads of an instance's resources: its memory, refusals,
//! storage freshness and budgets.

use super::AppInstance;
use crate::capability::quota::Gauged;

impl AppInstance {
    /// Memory the host holds on this instance's behalf now, bytes (page
    /// data, undrained log lines and open requests), and its budget.
    pub fn host_memory(&self) -> (u64, u64) {
        let limit = self.app.grants.quotas.host_memory_bytes;
        match &self.live {
            Some(live) => (live.store.data().host_memory.used(), limit),
            None => (0, limit),
        }
    }

    /// The host calls of this instance refused so far (denied for lack of
    /// a grant, or by a quota), counted even when their audit records were
    /// summarised or dropped; nothing once a trap has discarded it. An
    /// embedder compares two readings to tell a client what one event was
    /// refused.
    pub fn refusals(&self) -> crate::audit::Refusals {
        match &self.live {
            Some(live) => live.store.data().call.audit.refused(),
            None => crate::audit::Refusals::default(),
        }
    }

    /// The sockets this instance has open, in the order it opened them
    /// (the url and the app's tag of each): what an embedder keeps with
    /// the session after each callback, to tell the session's next
    /// instance if this one ends ([`LaunchOptions::closed_sockets`](crate::LaunchOptions)).
    /// `None` once a trap has discarded it (what it had open is unknown).
    pub fn open_sockets(&self) -> Option<Vec<crate::OpenSocket>> {
        let state = self.live.as_ref()?.store.data();
        Some(crate::capability::socket::open_sockets(
            &state.socket,
            &state.call.pending,
        ))
    }

    /// Whether the app's storage is as this instance last saw it: false
    /// when something else wrote it since (another node's instance of the
    /// same user's app), and the instance's state may be stale. Always true
    /// for a store only one process uses, and for an app without storage.
    pub fn storage_is_current(&self) -> bool {
        match &self.live {
            Some(live) => match &live.store.data().storage {
                Ok(storage) => storage.is_current(),
                Err(_) => true,
            },
            None => true,
        }
    }

    /// Memory the instance holds now, bytes: its linear memories and what
    /// the host holds on its behalf (zero once discarded).
    pub fn memory_used(&self) -> u64 {
        match &self.live {
            Some(live) => {
                let state = live.store.data();
                state.limiter.memory_used() + state.host_memory.used()
            }
            None => 0,
        }
    }

    /// The instance's budgets, as the app's `quota.remaining()` reports them
    /// (`None` while a trap has discarded the instance).
    pub fn budget(&self) -> Option<crate::Budget> {
        let live = self.live.as_ref()?;
        let fuel_left = live.store.get_fuel().unwrap_or(u64::MAX);
        Some(live.store.data().gauges().budget(fuel_left))
    }
}
