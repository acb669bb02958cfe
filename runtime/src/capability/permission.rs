//! `permission`: user consent for sensitive scopes, in the mini-program
//! model. The operator's rule comes first (grant or deny without asking);
//! otherwise the first use asks the host's consent provider, and the answer
//! is stored and sticks: later calls run, or fail at once without a prompt.

use super::{CallCtx, CallError, CallResult, Scope, bounded};
use crate::app_core::AppCore;
use crate::audit::AuditEvent;
use crate::bindings::permission;
use crate::consent::{self, Consent};
use crate::limits::Deadline;
use crate::providers::ConsentRequest;
use miniapp_config::ConsentRule;

/// Consent of one instance's user: where the decisions are stored, and
/// whether they were checked against this version of the app.
pub(crate) struct ConsentCtx {
    ns: String,
    user: Option<String>,
    refreshed: bool,
}

impl ConsentCtx {
    /// The consent of `user` for `app`.
    pub fn new(app: &AppCore, user: Option<&str>) -> ConsentCtx {
        ConsentCtx {
            ns: consent::namespace(&app.manifest.id, user),
            user: user.map(str::to_string),
            refreshed: false,
        }
    }

    /// The stored decision for `scope`, after forgetting grants made before
    /// an update that asks for more.
    fn stored(&mut self, app: &AppCore, scope: Scope) -> CallResult<Consent> {
        let kv = &*app.services.kv;
        if !self.refreshed {
            for scope in consent::refresh_for_update(kv, &self.ns, &app.manifest)? {
                app.audit(AuditEvent::ConsentReset {
                    scope,
                    reason: "the app's update asks for more permissions".into(),
                });
            }
            self.refreshed = true;
        }
        Ok(consent::stored(kv, &self.ns, scope)?)
    }

    /// The consent state the app sees for `scope`.
    fn state(&mut self, app: &AppCore, scope: Scope) -> CallResult<Consent> {
        match app.grants.scopes.get(&scope) {
            None => Ok(Consent::Denied),
            Some(ConsentRule::Grant) => Ok(Consent::Granted),
            Some(ConsentRule::Deny) => Ok(Consent::Denied),
            Some(ConsentRule::Ask) => self.stored(app, scope),
        }
    }

    /// The scopes the user has answered (the operator's rule is `ask` and
    /// they were asked), with their answers: what a settings page lists.
    pub fn answered(&mut self, app: &AppCore) -> CallResult<Vec<(Scope, Consent)>> {
        let mut answered = Vec::new();
        for (&scope, rule) in &app.grants.scopes {
            if *rule != ConsentRule::Ask {
                continue;
            }
            match self.stored(app, scope)? {
                Consent::NotAsked => {}
                consent => answered.push((scope, consent)),
            }
        }
        Ok(answered)
    }

    /// Where this user's decisions for the app are stored.
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// Go ahead only with consent for `scope`, asking the user on first use
    /// (within the call's `deadline`).
    pub async fn require(
        &mut self,
        app: &AppCore,
        scope: Scope,
        deadline: &Deadline,
    ) -> CallResult<()> {
        let denied = |why: String| Err(CallError::denied(why));
        let Some(rule) = app.grants.scopes.get(&scope) else {
            return denied(format!(
                "app `{}` did not declare scope `{scope}` in its manifest",
                app.manifest.id
            ));
        };
        match rule {
            // The operator's rules are policy, not decisions: a denial is
            // audited as such when the guest receives it.
            ConsentRule::Grant => return Ok(()),
            ConsentRule::Deny => {
                return denied(format!(
                    "the operator denies scope `{scope}` to app `{}`",
                    app.manifest.id
                ));
            }
            ConsentRule::Ask => {}
        }
        match self.stored(app, scope)? {
            Consent::Granted => return Ok(()),
            Consent::Denied => {
                return denied(format!(
                    "the user denied scope `{scope}`; it stays denied until changed in settings"
                ));
            }
            Consent::NotAsked => {}
        }
        let request = ConsentRequest {
            app_id: app.manifest.id.clone(),
            app_name: app.manifest.name.clone(),
            user: self.user.clone(),
            scope,
            reason: app.manifest.scopes.get(&scope).cloned().unwrap_or_default(),
        };
        let granted = bounded(
            deadline.left(),
            app.services.providers.consent.ask(&request),
        )
        .await?;
        app.audit(AuditEvent::Consent {
            scope,
            granted,
            by: "user",
        });
        let answer = if granted {
            Consent::Granted
        } else {
            Consent::Denied
        };
        consent::store(&*app.services.kv, &self.ns, scope, answer)?;
        if granted {
            Ok(())
        } else {
            denied(format!("the user denied scope `{scope}`"))
        }
    }
}

/// The user changed their answers on app `app`'s settings page: `shown`
/// as it was shown, `left` as the user left it (a scope not shown, or set
/// to `not-asked`, is ignored). Each change is stored in `ns` and audited.
pub(crate) fn changed_in_settings(
    app: &AppCore,
    ns: &str,
    shown: &[(Scope, Consent)],
    left: &[(Scope, Consent)],
) -> CallResult<()> {
    for &(scope, now) in left {
        let was = shown.iter().find(|(s, _)| *s == scope).map(|(_, c)| *c);
        if was.is_none_or(|was| was == now) || now == Consent::NotAsked {
            continue;
        }
        consent::store(&*app.services.kv, ns, scope, now)?;
        app.audit(AuditEvent::Consent {
            scope,
            granted: now == Consent::Granted,
            by: "user",
        });
    }
    Ok(())
}

fn to_wit(scope: Scope) -> permission::Scope {
    match scope {
        Scope::UserLocation => permission::Scope::UserLocation,
        Scope::UserInfo => permission::Scope::UserInfo,
        Scope::Album => permission::Scope::Album,
        Scope::Camera => permission::Scope::Camera,
        Scope::Record => permission::Scope::Record,
    }
}

fn from_wit(scope: permission::Scope) -> Scope {
    match scope {
        permission::Scope::UserLocation => Scope::UserLocation,
        permission::Scope::UserInfo => Scope::UserInfo,
        permission::Scope::Album => Scope::Album,
        permission::Scope::Camera => Scope::Camera,
        permission::Scope::Record => Scope::Record,
    }
}

// Consent is kept in the call's context (`identity` and `location` ask for
// it too), so the view of `permission` is the call's context.
super::linked_by!(calls, permission);

#[miniapp_runtime_macros::recorded]
impl permission::Host for CallCtx {
    fn get_setting(&mut self) -> wasmtime::Result<Vec<(permission::Scope, permission::Consent)>> {
        let app = &*self.app;
        app.manifest
            .scopes
            .keys()
            .map(|&scope| {
                // Reading consent fails only if the store does: a host fault.
                let state = self.consent.state(app, scope).map_err(|e| match e {
                    CallError::Trap(e) => e,
                    guest => wasmtime::Error::msg(guest.message()),
                })?;
                let consent = match state {
                    Consent::NotAsked => permission::Consent::NotAsked,
                    Consent::Granted => permission::Consent::Granted,
                    Consent::Denied => permission::Consent::Denied,
                };
                Ok((to_wit(scope), consent))
            })
            .collect()
    }

    async fn authorize(&mut self, scope: permission::Scope) -> CallResult<()> {
        let scope = from_wit(scope);
        // No prompt for a scope whose capability the app does not hold.
        if let Some(capability) = scope.capability() {
            super::grant(&self.app, capability).map_err(|denial| denial.refusal())?;
        }
        self.consent.require(&self.app, scope, &self.deadline).await
    }
}
