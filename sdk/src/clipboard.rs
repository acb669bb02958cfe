//! The clipboard, as WeChat's `wx.setClipboardData` and
//! `wx.getClipboardData`. The app declares the `clipboard` permission;
//! what it puts there is bounded by the host's `clipboard_bytes` quota, and
//! it may read the clipboard only while handling a tap (what the user
//! copied elsewhere is theirs: one tap authorizes one read). Unlike
//! WeChat, which asks no gesture for a read and shows a "copied" toast
//! after a write, this host needs the tap and shows no toast (an app that
//! wants one shows its own).

use crate::bindings::miniapp::host::clipboard as host;
use crate::{Error, Result};

/// Put `data` on the clipboard (`wx.setClipboardData`).
#[doc(alias = "setClipboardData")]
pub fn set(data: &str) -> Result<()> {
    host::set_clipboard_data(data).map_err(Error::from)
}

/// What the clipboard holds (`wx.getClipboardData`); refused unless the
/// app is handling a tap whose gesture it has not spent.
#[doc(alias = "getClipboardData")]
pub fn get() -> Result<String> {
    host::get_clipboard_data().map_err(Error::from)
}
