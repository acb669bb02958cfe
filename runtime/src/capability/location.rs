//! `location`: the device position, behind the `user-location` scope.

use super::{CallError, CallResult, Capability, Scope, bounded};
use crate::bindings::location;
use crate::instance::InstanceState;

impl location::Host for InstanceState {
    async fn get_location(&mut self) -> CallResult<location::Position> {
        self.require(Capability::Location)?;
        self.require_consent(Scope::UserLocation).await?;
        let app = self.app.clone();
        let locate = app.services.providers.location.locate(&app.manifest.id);
        let p = bounded(self.time_left(), locate)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(location::Position {
            latitude: p.latitude,
            longitude: p.longitude,
            accuracy_m: p.accuracy_m,
        })
    }
}
