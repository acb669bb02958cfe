//! The services every app of a runtime reaches: the durable store, the
//! host's providers, the audit sink and its daily budgets, the quarantine
//! book, the execution slots, who sees the apps' HTTP calls, and the epoch
//! ticker (which so outlives the runtime while an app or instance lives).

use std::sync::{Arc, OnceLock};

use miniapp_view::region::Regions;

use crate::audit::AuditSink;
use crate::kv::KvStore;
use crate::providers::Providers;
use crate::quarantine::QuarantineBook;

/// Services every app instance reaches through the runtime.
pub(crate) struct Services {
    pub kv: Arc<dyn KvStore>,
    pub providers: Providers,
    pub audit: Arc<dyn AuditSink>,
    /// What each app's audit records have taken on disk today.
    pub disk: crate::audit::DiskDays,
    pub quarantine: QuarantineBook,
    /// Execution slots, shared by weighted fair queueing across apps: a
    /// guest call runs while it holds one (see [`crate::fair`]).
    pub slots: Arc<crate::fair::FairSlots>,
    /// Sees every HTTP call, if the embedder asked.
    pub http_observer: Option<Arc<dyn HttpObserver>>,
    /// The apps' temp areas (`<data>/tmp/<app id>/`).
    pub temp: crate::capability::temp_area::TempAreas,
    /// Whether instances record what they see (`RuntimeBuilder::recording`).
    pub recording: bool,
    /// The region picker's table in force: the policy's
    /// `host.region_table`, else the one miniapp ships.
    pub regions: RegionTable,
    /// Ticks the epoch while anything holding these services can run
    /// guest code (held for its drop alone).
    pub _epoch: crate::epoch::EpochTicker,
}

/// The region picker's table: the policy's own, read and checked when the
/// runtime is built, or the one miniapp ships, parsed when a region picker
/// first needs it (parsing it was 15% of a cached `miniapp run`'s CPU, for
/// apps that show no picker).
#[derive(Default)]
pub(crate) struct RegionTable(OnceLock<Arc<Regions>>);

impl RegionTable {
    /// The policy's table, already read.
    pub fn custom(table: Arc<Regions>) -> RegionTable {
        RegionTable(OnceLock::from(table))
    }
}

impl std::ops::Deref for RegionTable {
    type Target = Regions;

    fn deref(&self) -> &Regions {
        self.0.get_or_init(Regions::shipped)
    }
}

/// One HTTP call of an app, after it ended, as an embedder's developer
/// tools show it (see [`HttpObserver`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HttpExchange {
    /// The app.
    pub app: String,
    /// `GET`, `POST`...
    pub method: String,
    /// The URL the app asked for.
    pub url: String,
    /// The response's status, if one came.
    pub status: Option<u16>,
    /// Bytes of the response body received.
    pub bytes: u64,
    /// How long the call took, milliseconds.
    pub ms: u64,
    /// Why the host refused or the call failed, if it did.
    pub refused: Option<String>,
}

/// Sees every HTTP call of a runtime's apps when it ends
/// (`RuntimeBuilder::http_observer`). Called on the calling task: keep it
/// quick.
pub trait HttpObserver: Send + Sync {
    /// One call ended.
    fn exchange(&self, exchange: &HttpExchange);
}
