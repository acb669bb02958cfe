//! `identity`: login (a one-time code) and the user profile (behind the
//! `user-info` scope and a user gesture), answered by the host's identity
//! provider.

use wasmtime::component::{HasData, Linker};

use super::gesture::Gesture;
use super::permission::ConsentCtx;
use super::{
    CallError, CallResult, Capability, Granted, Scope, bounded, context, refusals_recorded,
};
use crate::app::AppShared;
use crate::audit::EventAudit;
use crate::bindings::identity;
use crate::instance::InstanceState;
use crate::limits::Deadline;

/// Identity of one instance: the user it runs for.
pub(crate) struct IdentityCtx {
    user: Option<String>,
}

impl IdentityCtx {
    /// The context of an instance of `app` for `user`, if identity is granted.
    pub fn new(app: &AppShared, user: Option<&str>) -> Granted<IdentityCtx> {
        super::grant(app, Capability::Identity)?;
        Ok(IdentityCtx {
            user: user.map(str::to_string),
        })
    }
}

/// The `identity` interface as one host call sees it.
pub(crate) struct Identity<'a> {
    ctx: &'a mut Granted<IdentityCtx>,
    consent: &'a mut ConsentCtx,
    gesture: &'a mut Gesture,
    deadline: &'a Deadline,
    app: &'a AppShared,
    audit: &'a EventAudit,
}

refusals_recorded!(Identity);

struct HasIdentity;

impl HasData for HasIdentity {
    type Data<'a> = Identity<'a>;
}

/// The `identity` view of an instance's state.
pub(crate) fn identity_view(s: &mut InstanceState) -> Identity<'_> {
    Identity {
        ctx: &mut s.identity,
        consent: &mut s.consent,
        gesture: &mut s.gesture,
        deadline: &s.deadline,
        app: &s.app,
        audit: &s.audit,
    }
}

/// Link `identity`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    identity::add_to_linker::<_, HasIdentity>(linker, identity_view)
}

impl identity::Host for Identity<'_> {
    async fn login(&mut self) -> CallResult<String> {
        let ctx = context(self.ctx)?;
        let app = self.app;
        let login = app
            .services
            .providers
            .identity
            .login(&app.manifest.id, ctx.user.as_deref());
        bounded(self.deadline.left(), login)
            .await?
            .map_err(|e| CallError::failed(e.0))
    }

    async fn get_profile(&mut self) -> CallResult<identity::Profile> {
        let ctx = context(self.ctx)?;
        let app = self.app;
        self.gesture.spend("get-profile")?;
        self.consent
            .require(app, Scope::UserInfo, self.deadline)
            .await?;
        let profile = app
            .services
            .providers
            .identity
            .profile(&app.manifest.id, ctx.user.as_deref());
        let profile = bounded(self.deadline.left(), profile)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(identity::Profile {
            nickname: profile.nickname,
            avatar_url: profile.avatar_url,
        })
    }
}
