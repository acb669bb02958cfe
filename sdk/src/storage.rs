//! Key-value storage, private to the app. Values are stored as JSON bytes
//! ([`get`]/[`set`]) or as raw bytes ([`get_bytes`]/[`set_bytes`]).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::miniapp::host::storage as host;
use crate::{Error, Result};

// Usage of this app's storage is the host API's own type (the WIT is its
// one definition; `lib.rs` adds its derives).
pub use host::StorageInfo;

/// The JSON value stored under `key`, deserialized as `T`; `None` if absent.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    match get_bytes(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Store `value` as JSON under `key`.
pub fn set<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    set_bytes(key, &serde_json::to_vec(value)?)
}

/// The raw bytes stored under `key`, if any.
pub fn get_bytes(key: &str) -> Result<Option<Vec<u8>>> {
    host::get(key).map_err(Error::from)
}

/// Store raw bytes under `key`.
pub fn set_bytes(key: &str, value: &[u8]) -> Result<()> {
    host::set(key, value).map_err(Error::from)
}

/// Remove `key` (removing a missing key is not an error).
pub fn remove(key: &str) -> Result<()> {
    host::remove(key).map_err(Error::from)
}

/// All stored keys.
pub fn keys() -> Result<Vec<String>> {
    host::keys().map_err(Error::from)
}

/// Remove every key.
pub fn clear() -> Result<()> {
    host::clear().map_err(Error::from)
}

/// How much storage the app uses, and may use.
pub fn info() -> Result<StorageInfo> {
    Ok(host::info()?)
}
