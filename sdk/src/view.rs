//! Page data: patch the data of the page on top of the stack.
//!
//! The host renders the page from its template and this data. Patch keys are
//! data paths: `title`, `user.name`, `list[2].done`.

use std::cell::Cell;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::bindings::miniapp::host::component::{self as by_target, Target};
use crate::bindings::miniapp::host::view as host;
use crate::{Error, Result};

thread_local! {
    /// The page a component's event listener runs for (the host's current
    /// target is then the component that triggered it).
    static LISTENING_PAGE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Run `f`, a handler of page `serial` called in the app for a
/// component's event, with this module acting on that page.
pub(crate) fn for_page<R>(serial: u64, f: impl FnOnce() -> R) -> R {
    let before = LISTENING_PAGE.with(|p| p.replace(Some(serial)));
    let out = f();
    LISTENING_PAGE.with(|p| p.set(before));
    out
}

/// Apply `patch`, which must serialize to a JSON object whose keys are data
/// paths, to the current page's data. Its keys apply in the order written,
/// as on WeChat: `goods[6]` to `goods[10]` append in turn, and an index past
/// a list's end grows it with empty (`null`) items.
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
    let text = match LISTENING_PAGE.with(Cell::get) {
        Some(serial) => by_target::get_data(Target::Page(serial)).unwrap_or_default(),
        None => host::get_data(),
    };
    serde_json::from_str(&text).unwrap_or_default()
}

fn send(patch: &Map<String, Value>) -> Result<()> {
    let json = serde_json::to_string(patch)?;
    match LISTENING_PAGE.with(Cell::get) {
        Some(serial) => by_target::set_data(Target::Page(serial), &json).map_err(Error::from),
        None => host::set_data(&json).map_err(Error::from),
    }
}
