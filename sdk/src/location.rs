//! The device location.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::bindings::miniapp::host::location as host;

/// A position on Earth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Accuracy radius in metres.
    pub accuracy_m: f64,
}

/// The device position; needs the
/// [`UserLocation`](crate::permission::Scope::UserLocation) scope.
pub fn get() -> Result<Position> {
    let p = host::get_location()?;
    Ok(Position {
        latitude: p.latitude,
        longitude: p.longitude,
        accuracy_m: p.accuracy_m,
    })
}
