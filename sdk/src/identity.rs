//! Login and the user's profile.

use crate::bindings::miniapp::host::identity as host;
use crate::{Error, Result};

// The user's profile is the host API's own type (the WIT is its one
// definition; `lib.rs` adds its derives).
pub use host::Profile;

/// A one-time code for the app's own server to exchange for a session.
pub fn login() -> Result<String> {
    host::login().map_err(Error::from)
}

/// The user's profile; needs the [`UserInfo`](crate::permission::Scope::UserInfo) scope.
///
/// Needs a live user gesture: call it while handling an [`Event`](crate::Event)
/// whose [`gesture`](crate::Event::gesture) is set (a tap); otherwise the
/// host refuses it.
#[doc(alias = "getUserProfile")]
pub fn profile() -> Result<Profile> {
    Ok(host::get_profile()?)
}
