//! Levelled logging to the host's per-app log. Logging never fails the app:
//! lines past the host's volume limit are dropped.

use crate::bindings::miniapp::host::log::{Level, write};

/// Log at debug level.
pub fn debug(message: impl AsRef<str>) {
    let _ = write(Level::Debug, message.as_ref());
}

/// Log at info level.
pub fn info(message: impl AsRef<str>) {
    let _ = write(Level::Info, message.as_ref());
}

/// Log at warn level.
pub fn warn(message: impl AsRef<str>) {
    let _ = write(Level::Warn, message.as_ref());
}

/// Log at error level.
pub fn error(message: impl AsRef<str>) {
    let _ = write(Level::Error, message.as_ref());
}
