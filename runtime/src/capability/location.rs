//! `location`: the device position, behind the `user-location` scope.

use super::{CallError, CallResult, Capability, Granted, Scope, View, bounded, context};
use crate::app_core::AppCore;
use crate::bindings::location;

/// Location of one instance (nothing to hold but the grant).
pub(crate) struct LocationCtx;

impl LocationCtx {
    /// The context of an instance of `app`, if location is granted.
    pub fn new(app: &AppCore) -> Granted<LocationCtx> {
        super::grant(app, Capability::Location)?;
        Ok(LocationCtx)
    }
}

super::linked_by!(view of Granted<LocationCtx>, location);

#[miniapp_runtime_macros::recorded]
impl location::Host for View<'_, Granted<LocationCtx>> {
    async fn get_location(&mut self) -> CallResult<location::Position> {
        context(self.ctx)?;
        let call = &mut *self.call;
        let app = &*call.app;
        declared(app, "getLocation")?;
        call.consent
            .require(app, Scope::UserLocation, &call.deadline)
            .await?;
        let locate = app.services.providers.location.locate(&app.manifest.id);
        let p = bounded(call.deadline.left(), locate)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(location::Position {
            latitude: p.latitude,
            longitude: p.longitude,
            accuracy_m: p.accuracy_m,
        })
    }
}

/// Refuse `api` (WeChat's name) unless the app's app.json declares it in
/// `requiredPrivateInfos`, as WeChat does; an app without an app.json is
/// not held to the list.
pub(super) fn declared(app: &AppCore, api: &str) -> CallResult<()> {
    match &app.grants.private_infos {
        Some(declared) if !declared.contains(api) => Err(CallError::denied(format!(
            "{api}:fail `{api}` must be declared in app.json's `requiredPrivateInfos`"
        ))),
        _ => Ok(()),
    }
}
