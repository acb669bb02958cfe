//! The core of a loaded app that every capability reads: who it is (its
//! manifest), what it may do (its grants), on which host (the host
//! profile), what it used, where its audit records go, and the runtime's
//! services. Each capability keeps its own per-app state beside it (see
//! `capability`); the app's compiled code, views and instances are above.

use std::sync::Arc;

use miniapp_config::{Grants, HostProfile, Manifest};

use crate::audit::{AuditEvent, AuditRecord, AuditTarget, Decided};
use crate::services::Services;
use crate::usage::UsageCounters;

/// What every capability of one loaded app reads.
pub(crate) struct AppCore {
    pub manifest: Manifest,
    pub grants: Grants,
    pub host: HostProfile,
    /// The host API version its package was built against (its imports'
    /// version): what `system.can-i-use` answers for.
    pub api_version: &'static str,
    pub usage: UsageCounters,
    pub services: Arc<Services>,
    /// Its `app.json` tab bar, checked (`None`: it has none).
    pub tab_bar: Option<miniapp_config::TabBar>,
}

impl AppCore {
    /// Record an audit event the host decided about this app (a trap, a
    /// quarantine, consent), within the day's budget for such records (the
    /// refusals of its calls go through the instance's
    /// [`EventAudit`](crate::audit::EventAudit), within the event's budget
    /// and a day's budget of their own).
    pub fn audit(&self, event: AuditEvent) {
        let record = AuditRecord::now(&self.manifest.id, &self.manifest.version, event);
        let to = self.audit_target();
        let written = (to.days).write(to.sink, &record, Decided::ByHost, to.per_day);
        if written == crate::audit::Written::Dropped {
            UsageCounters::add(&self.usage.audit_dropped, 1);
        }
    }

    /// Where this app's audit records go, within which budgets.
    pub fn audit_target(&self) -> AuditTarget<'_> {
        AuditTarget {
            sink: &*self.services.audit,
            days: &self.services.disk,
            app: &self.manifest.id,
            version: &self.manifest.version,
            per_event: self.grants.quotas.disk_bytes_per_event,
            per_day: self.grants.quotas.disk_bytes_per_day,
        }
    }
}
