//! User consent for sensitive scopes. The first use of a scoped API asks the
//! user; the answer sticks until they change it in the host's settings.

use crate::bindings::miniapp::host::permission as host;
use crate::{Error, Result};

// A consent scope and the user's answer for one are the host API's own
// types (the WIT is their one definition; `lib.rs` adds their derives).
pub use host::{Consent, Scope};

/// Ask for `scope` ahead of use; `Ok` once granted.
pub fn authorize(scope: Scope) -> Result<()> {
    host::authorize(scope).map_err(Error::from)
}

/// The consent state of every scope the app declared.
#[doc(alias = "getSetting")]
pub fn settings() -> Vec<(Scope, Consent)> {
    host::get_setting()
}
