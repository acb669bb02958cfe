//! Host API 0.1.0, served beside the current one, so that a package built
//! against `miniapp:host@0.1.0` keeps running unchanged.
//!
//! Under the component model 0.1.0 and 0.2.0 are different packages: a
//! 0.1.0 component imports `miniapp:host/storage@0.1.0`, which the current
//! bindings do not define. So the frozen WIT (`runtime/compat/0.1.0/`) is
//! bound a second time, and each of its interfaces is linked under its
//! 0.1.0 name with the same view as the current one: every function is
//! forwarded to the current implementation, the same checks, quotas,
//! audit and refusals. Its `types` are the current ones (`error` has not
//! changed), so refusals pass through the same conversion; its records are
//! converted field by field (the component model checks them by shape,
//! Rust by name). The app's lifecycle and page hooks, which a 0.1.0
//! component exports under 0.1.0 names, are found by name
//! ([`crate::instance::exports`]).
//!
//! When 0.2.x changes a 0.1.0 function rather than adding beside it, its
//! forwarding here is where the old behaviour is kept.
#![allow(missing_docs)]

use std::future::Future;

use wasmtime::component::{Access, HasSelf, Linker};

use super::http::HttpCtx;
use super::identity::IdentityCtx;
use super::location::LocationCtx;
use super::log::SharedLog;
use super::nav::NavCtx;
use super::payment::PaymentCtx;
use super::quota::{Gauges, HasGauges, gauges};
use super::storage::StorageCtx;
use super::table::HostState;
use super::{CallCtx, CallResult, Calls, Granted, View, Viewed, view_of};
use crate::bindings as now;

crate::bindings::host_api_bindings!("compat/0.1.0/miniapp.wit", imports {}, with {
    "miniapp:host/types": crate::bindings::types,
});

use miniapp::host::{
    http, identity, location, log, nav, payment, permission, quota, storage, system, view,
};

pub(crate) use super::table::V0_1_VERSION as VERSION;

/// Link every interface of 0.1.0 under its 0.1.0 name, with the views the
/// current interfaces are linked with.
pub(crate) fn add_to_linker<T: HostState>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    view::add_to_linker::<T, Viewed<NavCtx>>(linker, view_of::<T, NavCtx>)?;
    nav::add_to_linker::<T, Viewed<NavCtx>>(linker, view_of::<T, NavCtx>)?;
    log::add_to_linker::<T, Viewed<SharedLog>>(linker, view_of::<T, SharedLog>)?;
    system::add_to_linker::<T, HasSelf<CallCtx>>(linker, <T as Calls>::call)?;
    permission::add_to_linker::<T, HasSelf<CallCtx>>(linker, <T as Calls>::call)?;
    quota::add_to_linker::<T, HasGauges>(linker, gauges::<T>)?;
    storage::add_to_linker::<T, Viewed<Granted<StorageCtx>>>(linker, view_of::<T, _>)?;
    http::add_to_linker::<T, Viewed<Granted<HttpCtx>>>(linker, view_of::<T, _>)?;
    identity::add_to_linker::<T, Viewed<Granted<IdentityCtx>>>(linker, view_of::<T, _>)?;
    location::add_to_linker::<T, Viewed<Granted<LocationCtx>>>(linker, view_of::<T, _>)?;
    payment::add_to_linker::<T, Viewed<Granted<PaymentCtx>>>(linker, view_of::<T, _>)?;
    Ok(())
}

/// `From` between a 0.1.0 record and the current one, both ways, field by
/// field.
macro_rules! same_record {
    ($($interface:ident::$name:ident { $($field:ident),* $(,)? })*) => {$(
        impl From<$interface::$name> for now::$interface::$name {
            fn from(old: $interface::$name) -> Self {
                now::$interface::$name { $($field: old.$field.into()),* }
            }
        }
        impl From<now::$interface::$name> for $interface::$name {
            fn from(new: now::$interface::$name) -> Self {
                $interface::$name { $($field: new.$field.into()),* }
            }
        }
    )*};
}

/// `From` between a 0.1.0 enum (or variant with payloads) and the current
/// one, both ways, case by case.
macro_rules! same_cases {
    ($($interface:ident::$name:ident { $($case:ident $(($payload:ident))?),* $(,)? })*) => {$(
        impl From<$interface::$name> for now::$interface::$name {
            fn from(old: $interface::$name) -> Self {
                match old {
                    $($interface::$name::$case $(($payload))? => now::$interface::$name::$case $(($payload))?),*
                }
            }
        }
        impl From<now::$interface::$name> for $interface::$name {
            fn from(new: now::$interface::$name) -> Self {
                match new {
                    $(now::$interface::$name::$case $(($payload))? => $interface::$name::$case $(($payload))?),*
                }
            }
        }
    )*};
}

same_record! {
    nav::Page { route, query }
    storage::StorageInfo { keys, used_bytes, limit_bytes }
    http::Request { method, url, headers, body, timeout_ms }
    http::Response { status, headers, body }
    system::HostInfo { host_name, host_version, platform, sdk_version }
    identity::Profile { nickname, avatar_url }
    location::Position { latitude, longitude, accuracy_m }
    payment::Order { order_id, amount, currency, description }
}

/// 0.1.0's budget: the current one without the fields 0.2.0 added (the
/// pending calls and timers, which 0.1.0 packages cannot have).
impl From<now::quota::Budget> for quota::Budget {
    fn from(new: now::quota::Budget) -> Self {
        quota::Budget {
            memory_used: new.memory_used,
            memory_limit: new.memory_limit,
            host_memory_used: new.host_memory_used,
            host_memory_limit: new.host_memory_limit,
            fuel_left: new.fuel_left,
            time_left_ms: new.time_left_ms,
            storage_used: new.storage_used,
            storage_limit: new.storage_limit,
            storage_keys: new.storage_keys,
            storage_keys_limit: new.storage_keys_limit,
            http_requests_left: new.http_requests_left,
            log_bytes_left: new.log_bytes_left,
            page_stack: new.page_stack,
            page_stack_limit: new.page_stack_limit,
        }
    }
}

same_cases! {
    http::Method { Get, Head, Post, Put, Delete, Patch, Options }
    log::Level { Debug, Info, Warn, Error }
    permission::Scope { UserLocation, UserInfo, Album, Camera, Record }
    permission::Consent { NotAsked, Granted, Denied }
    payment::Outcome { Paid(transaction), Cancelled }
}

/// Each result converted.
fn all<A: Into<B>, B>(list: Vec<A>) -> Vec<B> {
    list.into_iter().map(Into::into).collect()
}

impl<C> view::Host for View<'_, C>
where
    Self: now::view::Host,
{
    fn set_data(&mut self, patch: String) -> CallResult<()> {
        now::view::Host::set_data(self, patch)
    }
    fn get_data(&mut self) -> wasmtime::Result<String> {
        now::view::Host::get_data(self)
    }
}

impl<C> nav::Host for View<'_, C>
where
    Self: now::nav::Host,
{
    fn navigate_to(&mut self, url: String) -> CallResult<()> {
        now::nav::Host::navigate_to(self, url)
    }
    fn redirect_to(&mut self, url: String) -> CallResult<()> {
        now::nav::Host::redirect_to(self, url)
    }
    fn navigate_back(&mut self, delta: u32) -> CallResult<()> {
        now::nav::Host::navigate_back(self, delta)
    }
    fn pages(&mut self) -> wasmtime::Result<Vec<nav::Page>> {
        now::nav::Host::pages(self).map(all)
    }
    fn open_mini_program(
        &mut self,
        app_id: String,
        path: Option<String>,
        extra_data: Option<String>,
    ) -> CallResult<()> {
        now::nav::Host::open_mini_program(self, app_id, path, extra_data)
    }
}

impl<C> storage::Host for View<'_, C>
where
    Self: now::storage::Host,
{
    fn get(&mut self, key: String) -> CallResult<Option<Vec<u8>>> {
        now::storage::Host::get(self, key)
    }
    fn set(&mut self, key: String, value: Vec<u8>) -> impl Future<Output = CallResult<()>> + Send {
        now::storage::Host::set(self, key, value)
    }
    fn remove(&mut self, key: String) -> impl Future<Output = CallResult<()>> + Send {
        now::storage::Host::remove(self, key)
    }
    fn keys(&mut self) -> CallResult<Vec<String>> {
        now::storage::Host::keys(self)
    }
    fn clear(&mut self) -> impl Future<Output = CallResult<()>> + Send {
        now::storage::Host::clear(self)
    }
    fn info(&mut self) -> CallResult<storage::StorageInfo> {
        now::storage::Host::info(self).map(Into::into)
    }
}

impl<C> http::Host for View<'_, C>
where
    Self: now::http::Host,
{
    fn fetch(
        &mut self,
        request: http::Request,
    ) -> impl Future<Output = CallResult<http::Response>> + Send {
        let response = now::http::Host::fetch(self, request.into());
        async move { response.await.map(Into::into) }
    }
}

impl<C> log::Host for View<'_, C>
where
    Self: now::log::Host,
{
    fn write(&mut self, level: log::Level, message: String) -> CallResult<()> {
        now::log::Host::write(self, level.into(), message)
    }
}

impl system::Host for CallCtx {
    fn get_host_info(&mut self) -> wasmtime::Result<system::HostInfo> {
        now::system::Host::get_host_info(self).map(Into::into)
    }
    fn can_i_use(&mut self, schema: String) -> wasmtime::Result<bool> {
        now::system::Host::can_i_use(self, schema)
    }
}

impl permission::Host for CallCtx {
    fn get_setting(&mut self) -> wasmtime::Result<Vec<(permission::Scope, permission::Consent)>> {
        let setting = now::permission::Host::get_setting(self)?;
        Ok(setting
            .into_iter()
            .map(|(s, c)| (s.into(), c.into()))
            .collect())
    }
    fn authorize(
        &mut self,
        scope: permission::Scope,
    ) -> impl Future<Output = CallResult<()>> + Send {
        now::permission::Host::authorize(self, scope.into())
    }
}

impl<C> identity::Host for View<'_, C>
where
    Self: now::identity::Host,
{
    fn login(&mut self) -> impl Future<Output = CallResult<String>> + Send {
        now::identity::Host::login(self)
    }
    fn get_profile(&mut self) -> impl Future<Output = CallResult<identity::Profile>> + Send {
        let profile = now::identity::Host::get_profile(self);
        async move { profile.await.map(Into::into) }
    }
}

impl<C> location::Host for View<'_, C>
where
    Self: now::location::Host,
{
    fn get_location(&mut self) -> impl Future<Output = CallResult<location::Position>> + Send {
        let position = now::location::Host::get_location(self);
        async move { position.await.map(Into::into) }
    }
}

impl<C> payment::Host for View<'_, C>
where
    Self: now::payment::Host,
{
    fn request_payment(
        &mut self,
        order: payment::Order,
    ) -> impl Future<Output = CallResult<payment::Outcome>> + Send {
        let outcome = now::payment::Host::request_payment(self, order.into());
        async move { outcome.await.map(Into::into) }
    }
}

impl quota::Host for Gauges<'_> {}

impl<T: 'static> quota::HostWithStore<T> for HasGauges {
    fn remaining(access: Access<'_, T, Self>) -> wasmtime::Result<quota::Budget> {
        <HasGauges as now::quota::HostWithStore<T>>::remaining(access).map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::capability::table::tests::wit_imports;

    /// [`V0_1_INTERFACES`](crate::capability::table::V0_1_INTERFACES) are the frozen WIT's imports, and
    /// its version is [`VERSION`](super::VERSION).
    #[test]
    fn the_list_is_the_frozen_wit() {
        let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/compat/0.1.0/miniapp.wit");
        let (version, imports) = wit_imports(wit);
        assert_eq!(version, super::VERSION);
        let imported: BTreeSet<&str> = imports.keys().map(String::as_str).collect();
        let listed: BTreeSet<&str> = crate::capability::table::V0_1_INTERFACES
            .iter()
            .copied()
            .collect();
        assert_eq!(listed, imported);
    }
}
