//! Login and the user's profile.

use serde::{Deserialize, Serialize};

use crate::bindings::miniapp::host::identity as host;
use crate::{Error, Result};

/// The user's public profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Display name.
    pub nickname: String,
    /// Avatar image URL.
    pub avatar_url: String,
}

/// A one-time code for the app's own server to exchange for a session.
pub fn login() -> Result<String> {
    host::login().map_err(Error::from)
}

/// The user's profile; needs the [`UserInfo`](crate::permission::Scope::UserInfo) scope.
///
/// Needs a live user gesture: call it while handling an [`Event`](crate::Event)
/// whose [`gesture`](crate::Event::gesture) is set (a tap); otherwise the
/// host refuses it.
pub fn profile() -> Result<Profile> {
    let profile = host::get_profile()?;
    Ok(Profile {
        nickname: profile.nickname,
        avatar_url: profile.avatar_url,
    })
}
