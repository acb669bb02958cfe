//! `permission`: user consent for sensitive scopes, in the mini-program
//! model. The operator's rule comes first (grant or deny without asking);
//! otherwise the first use asks the host's consent provider, and the answer
//! is stored and sticks: later calls run, or fail at once without a prompt.

use super::{CallError, CallResult, Scope, bounded};
use crate::audit::AuditEvent;
use crate::bindings::permission;
use crate::consent::{self, Consent};
use crate::instance::InstanceState;
use crate::policy::ConsentRule;
use crate::providers::ConsentRequest;

impl InstanceState {
    /// The stored decision for `scope`, after forgetting grants made before
    /// an update that asks for more.
    fn stored_consent(&mut self, scope: Scope) -> CallResult<Consent> {
        let kv = &*self.app.services.kv;
        if !self.consent_refreshed {
            for scope in consent::refresh_for_update(kv, &self.consent_ns, &self.app.manifest)? {
                self.app.audit(AuditEvent::ConsentReset {
                    scope,
                    reason: "the app's update asks for more permissions".into(),
                });
            }
            self.consent_refreshed = true;
        }
        Ok(consent::stored(kv, &self.consent_ns, scope)?)
    }

    /// The consent state the app sees for `scope`.
    pub(crate) fn consent_state(&mut self, scope: Scope) -> CallResult<Consent> {
        match self.app.grants.scopes.get(&scope) {
            None => Ok(Consent::Denied),
            Some(ConsentRule::Grant) => Ok(Consent::Granted),
            Some(ConsentRule::Deny) => Ok(Consent::Denied),
            Some(ConsentRule::Ask) => self.stored_consent(scope),
        }
    }

    /// Go ahead only with consent for `scope`, asking the user on first use.
    pub(crate) async fn require_consent(&mut self, scope: Scope) -> CallResult<()> {
        let app = self.app.clone();
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
        match self.stored_consent(scope)? {
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
            self.time_left(),
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
        consent::store(&*self.app.services.kv, &self.consent_ns, scope, answer)?;
        if granted {
            Ok(())
        } else {
            denied(format!("the user denied scope `{scope}`"))
        }
    }
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

impl permission::Host for InstanceState {
    fn get_setting(&mut self) -> wasmtime::Result<Vec<(permission::Scope, permission::Consent)>> {
        let scopes: Vec<Scope> = self.app.manifest.scopes.keys().copied().collect();
        scopes
            .into_iter()
            .map(|scope| {
                // Reading consent fails only if the store does: a host fault.
                let state = self.consent_state(scope).map_err(|e| match e {
                    CallError::Trap(e) => e,
                    CallError::Guest(e) => wasmtime::Error::msg(e.to_string()),
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
        self.require_consent(from_wit(scope)).await
    }
}
