//! The device location.

use crate::Result;
use crate::bindings::miniapp::host::location as host;

// A position is the host API's own type (the WIT is its one definition;
// `lib.rs` adds its derives).
pub use host::Position;

/// The device position; needs the
/// [`UserLocation`](crate::permission::Scope::UserLocation) scope.
#[doc(alias = "getLocation")]
pub fn get() -> Result<Position> {
    Ok(host::get_location()?)
}
