//! `system`: host facts, and `can-i-use` feature detection (from the
//! [interface table](super::table)) so one app runs on hosts that offer
//! different capability sets.

use wasmtime::component::{HasData, Linker};

use super::table::{HOST_API_VERSION, can_i_use};
use crate::app::AppShared;
use crate::bindings::system;
use crate::instance::InstanceState;

/// The `system` interface as one host call sees it.
pub(crate) struct System<'a> {
    app: &'a AppShared,
}

struct HasSystem;

impl HasData for HasSystem {
    type Data<'a> = System<'a>;
}

/// Link `system`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    system::add_to_linker::<_, HasSystem>(linker, |s| System { app: &s.app })
}

impl system::Host for System<'_> {
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
        Ok(can_i_use(&self.app.host, &schema))
    }
}
