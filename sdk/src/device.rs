//! The device the app is shown on, as WeChat's `wx.getWindowInfo`,
//! `wx.getDeviceInfo`, `wx.getAppBaseInfo` and `wx.getSystemInfoSync`.
//! Every app may call them (no permission). Sizes are CSS pixels. Each
//! answers at once (WeChat's sync forms); [`get_system_info`] is
//! `wx.getSystemInfo`'s callback form.

use serde::{Deserialize, Serialize};

use crate::bindings::miniapp::host::device as host;
use crate::callbacks::Callbacks;

// The records are the host API's own types (the WIT is their one
// definition; `lib.rs` adds their derives).
pub use host::{AppBaseInfo, DeviceInfo, SafeArea, Theme, WindowInfo};

/// The screen, the window, the pixel ratio, the status bar and the safe
/// area (`wx.getWindowInfo`).
#[doc(alias = "getWindowInfo")]
pub fn window_info() -> WindowInfo {
    host::get_window_info()
}

/// The device's brand, model, system and platform (`wx.getDeviceInfo`).
#[doc(alias = "getDeviceInfo")]
pub fn device_info() -> DeviceInfo {
    host::get_device_info()
}

/// The user's language, theme and font size, and the host's version
/// (`wx.getAppBaseInfo`).
#[doc(alias = "getAppBaseInfo")]
pub fn app_base_info() -> AppBaseInfo {
    host::get_app_base_info()
}

/// All of it at once, as `wx.getSystemInfoSync` answers: serialized, one
/// flat object with WeChat's names (`windowWidth`, `platform`, `theme`...),
/// but for the host app's version, `hostVersion` (WeChat's `version`).
/// It holds only the three records' fields: not `SDKVersion` (see
/// [`system::host_info`](crate::system::host_info)) nor WeChat's other
/// system facts (`wifiEnabled`, `albumAuthorized`...); `theme` is always
/// set, where WeChat sets it only for an app with `darkmode` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemInfo {
    /// [`window_info`].
    #[serde(flatten)]
    pub window: WindowInfo,
    /// [`device_info`].
    #[serde(flatten)]
    pub device: DeviceInfo,
    /// [`app_base_info`].
    #[serde(flatten)]
    pub app: AppBaseInfo,
}

/// [`window_info`], [`device_info`] and [`app_base_info`] together
/// (`wx.getSystemInfoSync`).
#[doc(alias = "getSystemInfoSync")]
pub fn system_info() -> SystemInfo {
    SystemInfo {
        window: window_info(),
        device: device_info(),
        app: app_base_info(),
    }
}

/// [`system_info`] to `success` (`wx.getSystemInfo`), after the current
/// handler. Add the callbacks, then [`call`](Callbacks::call).
#[doc(alias = "getSystemInfo")]
pub fn get_system_info() -> Callbacks<SystemInfo> {
    Callbacks::later(|| Ok(system_info()))
}
