//! The device the app is shown on, as WeChat's `wx.getWindowInfo`,
//! `wx.getDeviceInfo`, `wx.getAppBaseInfo` and `wx.getSystemInfoSync`.
//! Every app may call them (no permission). Sizes are CSS pixels.

use serde::{Deserialize, Serialize};

use crate::bindings::miniapp::host::device as host;

// The records are the host API's own types (the WIT is their one
// definition; `lib.rs` adds their derives).
pub use host::{AppBaseInfo, DeviceInfo, SafeArea, Theme, WindowInfo};

/// The screen, the window, the pixel ratio, the status bar and the safe
/// area (`wx.getWindowInfo`).
pub fn window_info() -> WindowInfo {
    host::get_window_info()
}

/// The device's brand, model, system and platform (`wx.getDeviceInfo`).
pub fn device_info() -> DeviceInfo {
    host::get_device_info()
}

/// The user's language, theme and font size, and the host's version
/// (`wx.getAppBaseInfo`).
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
pub fn system_info() -> SystemInfo {
    SystemInfo {
        window: window_info(),
        device: device_info(),
        app: app_base_info(),
    }
}
