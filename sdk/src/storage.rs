//! Key-value storage, private to the app. Values are stored as JSON bytes
//! ([`get`]/[`set`]) or as raw bytes ([`get_bytes`]/[`set_bytes`]).
//!
//! The plain functions are WeChat's sync forms (`wx.getStorageSync`...):
//! they answer at once. WeChat's callback forms (`wx.getStorage({key,
//! success, fail, complete})`) are [`get_storage`], [`set_storage`],
//! [`remove_storage`], [`clear_storage`] and [`get_storage_info`]: the call
//! and its callbacks run after the current handler, as on WeChat.
//!
//! ```ignore
//! use miniapp_sdk::{storage, view};
//!
//! storage::set("cart", &["cake"])?; // wx.setStorageSync
//! storage::get_storage::<Vec<String>>("cart") // wx.getStorage
//!     .success(|cart| view::set("cart", cart))
//!     .fail(|error| view::set("error", error.to_string()))
//!     .call();
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::miniapp::host::storage as host;
use crate::callbacks::Callbacks;
use crate::{Error, Result};

// Usage of this app's storage is the host API's own type (the WIT is its
// one definition; `lib.rs` adds its derives).
pub use host::StorageInfo;

/// The JSON value stored under `key`, deserialized as `T`; `None` if absent
/// (`wx.getStorageSync`, which answers `""` there).
#[doc(alias = "getStorageSync")]
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    match get_bytes(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Store `value` as JSON under `key` (`wx.setStorageSync`).
#[doc(alias = "setStorageSync")]
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

/// Remove `key` (removing a missing key is not an error)
/// (`wx.removeStorageSync`).
#[doc(alias = "removeStorageSync")]
pub fn remove(key: &str) -> Result<()> {
    host::remove(key).map_err(Error::from)
}

/// All stored keys (`wx.getStorageInfoSync`'s `keys`).
pub fn keys() -> Result<Vec<String>> {
    host::keys().map_err(Error::from)
}

/// Remove every key (`wx.clearStorageSync`).
#[doc(alias = "clearStorageSync")]
pub fn clear() -> Result<()> {
    host::clear().map_err(Error::from)
}

/// How much storage the app uses, and may use (`wx.getStorageInfoSync`;
/// WeChat's `keys` is [`keys`], its `currentSize` and `limitSize` are in
/// KB where these are bytes).
#[doc(alias = "getStorageInfoSync")]
pub fn info() -> Result<StorageInfo> {
    Ok(host::info()?)
}

/// `key`'s JSON value, as `T`, to `success` (`wx.getStorage`); a key not
/// stored goes to `fail` (`Error::Failed`, WeChat's `data not found`).
/// Add the callbacks, then [`call`](Callbacks::call).
#[doc(alias = "getStorage")]
pub fn get_storage<T: DeserializeOwned + 'static>(key: &str) -> Callbacks<T> {
    let key = key.to_owned();
    Callbacks::later(move || {
        get(&key)?.ok_or_else(|| Error::Failed(format!("data not found: no key `{key}`")))
    })
}

/// Store `value` as JSON under `key` (`wx.setStorage`); it is stored when
/// the call runs, after the current handler (a value that is not JSON goes
/// to `fail` then).
#[doc(alias = "setStorage")]
pub fn set_storage<T: Serialize + ?Sized>(key: &str, value: &T) -> Callbacks<()> {
    let (key, bytes) = (key.to_owned(), serde_json::to_vec(value));
    Callbacks::later(move || set_bytes(&key, &bytes?))
}

/// Remove `key` (`wx.removeStorage`).
#[doc(alias = "removeStorage")]
pub fn remove_storage(key: &str) -> Callbacks<()> {
    let key = key.to_owned();
    Callbacks::later(move || remove(&key))
}

/// Remove every key (`wx.clearStorage`).
#[doc(alias = "clearStorage")]
pub fn clear_storage() -> Callbacks<()> {
    Callbacks::later(clear)
}

/// [`info`] to `success` (`wx.getStorageInfo`).
#[doc(alias = "getStorageInfo")]
pub fn get_storage_info() -> Callbacks<StorageInfo> {
    Callbacks::later(info)
}
