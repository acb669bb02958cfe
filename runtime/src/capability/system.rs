//! `system`: host facts, and `can-i-use` feature detection (from the
//! [interface table](super::table)) so one app runs on hosts that offer
//! different capability sets, answered for the host API version the app's
//! package was built against (a 0.1.0 package is not offered `clipboard`). It holds nothing: its view is the call's
//! context (the app's host profile; and its host UI provider, for the
//! dialogs a host with no screen refuses).

use super::CallCtx;
use super::table::{HOST_API_VERSION, can_i_use};
use crate::bindings::system;

super::linked_by!(calls, system);

#[miniapp_runtime_macros::recorded]
impl system::Host for CallCtx {
    fn get_host_info(&mut self) -> wasmtime::Result<system::HostInfo> {
        let host = &self.app.host;
        Ok(system::HostInfo {
            host_name: host.name.clone(),
            host_version: host.version.clone(),
            platform: host.platform.clone(),
            sdk_version: HOST_API_VERSION.into(),
        })
    }

    fn can_i_use(&mut self, schema: String) -> wasmtime::Result<bool> {
        let listed = can_i_use(&self.app.host, self.app.api_version, &schema);
        Ok(listed && !self.dialog_nobody_answers(&schema) && !self.device_lacks_screen(&schema))
    }
}
