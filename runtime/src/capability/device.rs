//! `device`: get-window-info, get-device-info and get-app-base-info, as
//! WeChat's `wx.getWindowInfo`, `wx.getDeviceInfo` and `wx.getAppBaseInfo`.
//! Core (no permission, as on WeChat): the facts are the instance's, from
//! its launch options (checked at launch), or the default phone's.

use std::sync::Arc;

use super::View;
use super::temp_area::InstanceTemp;
use crate::bindings::device;
use crate::device::{DeviceFacts, Theme};

/// The device one instance is shown on, and the instance's place in its
/// app's temp area (where the device's choosers put the files they give).
pub(crate) struct DeviceCtx {
    pub(super) facts: DeviceFacts,
    pub(crate) temp: Arc<InstanceTemp>,
}

impl DeviceCtx {
    /// The context of an instance shown on `facts` (already checked), or
    /// on the default phone, whose files go to `temp`.
    pub fn new(facts: Option<&DeviceFacts>, temp: &Arc<InstanceTemp>) -> DeviceCtx {
        DeviceCtx {
            facts: facts.cloned().unwrap_or_default(),
            temp: temp.clone(),
        }
    }
}

super::linked_by!(view of DeviceCtx, device);

#[miniapp_runtime_macros::recorded]
impl device::Host for View<'_, DeviceCtx> {
    fn get_window_info(&mut self) -> wasmtime::Result<device::WindowInfo> {
        let facts = &self.ctx.facts;
        let area = facts.safe_area;
        Ok(device::WindowInfo {
            screen_width: facts.screen_width,
            screen_height: facts.screen_height,
            window_width: facts.window_width,
            window_height: facts.window_height,
            pixel_ratio: facts.pixel_ratio,
            status_bar_height: facts.status_bar_height,
            safe_area: device::SafeArea {
                left: area.left,
                right: area.right,
                top: area.top,
                bottom: area.bottom,
                width: area.right - area.left,
                height: area.bottom - area.top,
            },
        })
    }

    fn get_device_info(&mut self) -> wasmtime::Result<device::DeviceInfo> {
        let facts = &self.ctx.facts;
        Ok(device::DeviceInfo {
            brand: facts.brand.clone(),
            model: facts.model.clone(),
            system: facts.system.clone(),
            platform: facts.platform.clone(),
        })
    }

    fn get_app_base_info(&mut self) -> wasmtime::Result<device::AppBaseInfo> {
        let facts = &self.ctx.facts;
        Ok(device::AppBaseInfo {
            language: facts.language.clone(),
            theme: match facts.theme {
                Theme::Light => device::Theme::Light,
                Theme::Dark => device::Theme::Dark,
            },
            font_size_setting: facts.font_size_setting,
            host_version: self.call.app.host.version.clone(),
        })
    }
}
