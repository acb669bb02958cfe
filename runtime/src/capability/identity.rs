//! `identity`: login (a one-time code) and the user profile (behind the
//! `user-info` scope), answered by the host's identity provider.

use super::{CallError, CallResult, Capability, Scope, bounded};
use crate::bindings::identity;
use crate::instance::InstanceState;

impl identity::Host for InstanceState {
    async fn login(&mut self) -> CallResult<String> {
        self.require(Capability::Identity)?;
        let app = self.app.clone();
        let login = app
            .services
            .providers
            .identity
            .login(&app.manifest.id, self.user.as_deref());
        bounded(self.time_left(), login)
            .await?
            .map_err(|e| CallError::failed(e.0))
    }

    async fn get_profile(&mut self) -> CallResult<identity::Profile> {
        self.require(Capability::Identity)?;
        self.require_gesture("get-profile")?;
        self.require_consent(Scope::UserInfo).await?;
        let app = self.app.clone();
        let profile = app
            .services
            .providers
            .identity
            .profile(&app.manifest.id, self.user.as_deref());
        let profile = bounded(self.time_left(), profile)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(identity::Profile {
            nickname: profile.nickname,
            avatar_url: profile.avatar_url,
        })
    }
}
