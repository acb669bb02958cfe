//! Page data: patch the data of the page on top of the stack.
//!
//! The host renders the page from its template and this data. Patch keys are
//! data paths: `title`, `user.name`, `list[2].done`.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::bindings::miniapp::host::view as host;
use crate::{Error, Result};

/// Apply `patch`, which must serialize to a JSON object whose keys are data
/// paths, to the current page's data.
///
/// ```ignore
/// view::set_data(json!({ "count": 3, "list[2].done": true }))?;
/// ```
pub fn set_data(patch: impl Serialize) -> Result<()> {
    match serde_json::to_value(patch)? {
        Value::Object(map) => send(&map),
        other => Err(Error::InvalidArgument(format!(
            "set_data patch must be a JSON object, not {other}"
        ))),
    }
}

/// Set one data path (`count`, `list[2].done`) to `value`.
pub fn set(path: &str, value: impl Serialize) -> Result<()> {
    let mut map = Map::new();
    map.insert(path.to_owned(), serde_json::to_value(value)?);
    send(&map)
}

/// The current page's whole data (`Value::Null` if the host sent invalid JSON).
pub fn data() -> Value {
    serde_json::from_str(&host::get_data()).unwrap_or_default()
}

fn send(patch: &Map<String, Value>) -> Result<()> {
    let json = serde_json::to_string(patch)?;
    host::set_data(&json).map_err(Error::from)
}
