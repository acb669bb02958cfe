//! User consent for sensitive scopes. The first use of a scoped API asks the
//! user; the answer sticks until they change it in the host's settings.

use crate::bindings::miniapp::host::permission as host;
use crate::{Error, Result};

/// A consent scope. The app must declare it in its manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The device location ([`location`](crate::location)).
    UserLocation,
    /// The user's profile ([`identity::profile`](crate::identity::profile)).
    UserInfo,
    /// Saving to the photo album.
    Album,
    /// The camera.
    Camera,
    /// The microphone.
    Record,
}

/// The user's answer for a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consent {
    /// The user has not been asked yet.
    NotAsked,
    /// The user agreed.
    Granted,
    /// The user refused.
    Denied,
}

impl From<Scope> for host::Scope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::UserLocation => host::Scope::UserLocation,
            Scope::UserInfo => host::Scope::UserInfo,
            Scope::Album => host::Scope::Album,
            Scope::Camera => host::Scope::Camera,
            Scope::Record => host::Scope::Record,
        }
    }
}

impl From<host::Scope> for Scope {
    fn from(scope: host::Scope) -> Self {
        match scope {
            host::Scope::UserLocation => Scope::UserLocation,
            host::Scope::UserInfo => Scope::UserInfo,
            host::Scope::Album => Scope::Album,
            host::Scope::Camera => Scope::Camera,
            host::Scope::Record => Scope::Record,
        }
    }
}

impl From<host::Consent> for Consent {
    fn from(consent: host::Consent) -> Self {
        match consent {
            host::Consent::NotAsked => Consent::NotAsked,
            host::Consent::Granted => Consent::Granted,
            host::Consent::Denied => Consent::Denied,
        }
    }
}

/// Ask for `scope` ahead of use; `Ok` once granted.
pub fn authorize(scope: Scope) -> Result<()> {
    host::authorize(scope.into()).map_err(Error::from)
}

/// The consent state of every scope the app declared.
pub fn settings() -> Vec<(Scope, Consent)> {
    host::get_setting()
        .into_iter()
        .map(|(scope, consent)| (scope.into(), consent.into()))
        .collect()
}
