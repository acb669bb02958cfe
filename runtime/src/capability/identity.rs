//! `identity`: login (a one-time code) and the user profile (behind the
//! `user-info` scope and a user gesture), answered by the host's identity
//! provider.

use super::{CallError, CallResult, Capability, Granted, Scope, View, bounded, context};
use crate::app_core::AppCore;
use crate::bindings::identity;

/// Identity of one instance: the user it runs for.
pub(crate) struct IdentityCtx {
    user: Option<String>,
}

impl IdentityCtx {
    /// The context of an instance of `app` for `user`, if identity is granted.
    pub fn new(app: &AppCore, user: Option<&str>) -> Granted<IdentityCtx> {
        super::grant(app, Capability::Identity)?;
        Ok(IdentityCtx {
            user: user.map(str::to_string),
        })
    }

    /// The user it runs for, if the host named one.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

super::linked_by!(view of Granted<IdentityCtx>, identity);

#[miniapp_runtime_macros::recorded]
impl identity::Host for View<'_, Granted<IdentityCtx>> {
    async fn login(&mut self) -> CallResult<String> {
        let ctx = context(self.ctx)?;
        let app = &*self.call.app;
        let login = app
            .services
            .providers
            .identity
            .login(&app.manifest.id, ctx.user.as_deref());
        bounded(self.call.deadline.left(), login)
            .await?
            .map_err(|e| CallError::failed(e.0))
    }

    async fn get_profile(&mut self) -> CallResult<identity::Profile> {
        let ctx = context(self.ctx)?;
        let call = &mut *self.call;
        let app = &*call.app;
        call.gesture.spend("get-profile")?;
        call.consent
            .require(app, Scope::UserInfo, &call.deadline)
            .await?;
        let profile = app
            .services
            .providers
            .identity
            .profile(&app.manifest.id, ctx.user.as_deref());
        let profile = bounded(call.deadline.left(), profile)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(identity::Profile {
            nickname: profile.nickname,
            avatar_url: profile.avatar_url,
        })
    }
}
