//! `location`: the device position, behind the `user-location` scope.

use wasmtime::component::{HasData, Linker};

use super::permission::ConsentCtx;
use super::{
    CallError, CallResult, Capability, Granted, Scope, bounded, context, refusals_recorded,
};
use crate::app::AppShared;
use crate::audit::EventAudit;
use crate::bindings::location;
use crate::instance::InstanceState;
use crate::limits::Deadline;

/// Location of one instance (nothing to hold but the grant).
pub(crate) struct LocationCtx;

impl LocationCtx {
    /// The context of an instance of `app`, if location is granted.
    pub fn new(app: &AppShared) -> Granted<LocationCtx> {
        super::grant(app, Capability::Location)?;
        Ok(LocationCtx)
    }
}

/// The `location` interface as one host call sees it.
pub(crate) struct Location<'a> {
    ctx: &'a mut Granted<LocationCtx>,
    consent: &'a mut ConsentCtx,
    deadline: &'a Deadline,
    app: &'a AppShared,
    audit: &'a EventAudit,
}

refusals_recorded!(Location);

struct HasLocation;

impl HasData for HasLocation {
    type Data<'a> = Location<'a>;
}

/// The `location` view of an instance's state.
pub(crate) fn location_view(s: &mut InstanceState) -> Location<'_> {
    Location {
        ctx: &mut s.location,
        consent: &mut s.consent,
        deadline: &s.deadline,
        app: &s.app,
        audit: &s.audit,
    }
}

/// Link `location`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    location::add_to_linker::<_, HasLocation>(linker, location_view)
}

impl location::Host for Location<'_> {
    async fn get_location(&mut self) -> CallResult<location::Position> {
        context(self.ctx)?;
        let app = self.app;
        self.consent
            .require(app, Scope::UserLocation, self.deadline)
            .await?;
        let locate = app.services.providers.location.locate(&app.manifest.id);
        let p = bounded(self.deadline.left(), locate)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(location::Position {
            latitude: p.latitude,
            longitude: p.longitude,
            accuracy_m: p.accuracy_m,
        })
    }
}
