//! Write miniapp mini-programs in plain Rust.
//!
//! A mini-program is a type implementing [`App`], exported with
//! [`export_app!`]. The host calls its hooks (launch, show, hide, and one call
//! per user event); the app answers by patching page data with [`view`],
//! moving between pages with [`nav`], and reaching host services through the
//! other modules ([`storage`], [`http`], [`identity`], [`payment`],
//! [`clipboard`], [`device`], [`animation`], [`device_api`], [`timer`], [`feedback`], [`frame`], [`files`],
//! [`socket`], [`selector_query`], ...).
//! Every host call returns a [`Result`]: a refusal is an [`Error`] value
//! the app can handle, never a crash.
//!
//! ```ignore
//! use miniapp_sdk::{App, Event, Launch, Result, json, view};
//!
//! #[derive(Default)]
//! struct Counter {
//!     count: u32,
//! }
//!
//! impl App for Counter {
//!     fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
//!         view::set_data(json!({ "title": "Counter", "count": 0 }))
//!     }
//!
//!     fn on_event(&mut self, event: &Event) -> Result<()> {
//!         match (event.page.as_str(), event.handler.as_str()) {
//!             ("index", "tap") => {
//!                 self.count += 1;
//!                 view::set("count", self.count)
//!             }
//!             _ => Err(miniapp_sdk::Error::app("unknown handler")),
//!         }
//!     }
//! }
//!
//! miniapp_sdk::export_app!(Counter);
//! ```
//!
//! Build the crate as a `cdylib` for `wasm32-wasip2`.
//!
//! # Typed pages
//!
//! A page can be a Rust type whose handlers are its methods, with typed
//! event details ([`Tap`], [`Input`], [`Change`], [`Submit`], [`Detail`])
//! and typed data paths ([`PageData`], [`set`]): no string matching in the
//! app, and a template naming a handler the page lacks stops `miniapp
//! build` before cargo runs. See [`mod@page`]; export them with
//! `export_app!(App, pages = [Index, Cart])`.
//!
//! # Typed components
//!
//! A custom component is a Rust type too: `#[component("components/x/x",
//! properties = P, data = D)]` on its `impl`, its properties a
//! [`derive@Properties`] struct, its lifetimes, observers and handlers its
//! methods, each given `this: &`[`Instance`] (WeChat's `this`: its
//! properties, setData, `triggerEvent`, `selectComponent`). See
//! [`mod@component`]; export them with `export_app!(App, pages = [Index],
//! components = [Stepper])`.
//!
//! # Between events
//!
//! Code runs only inside the host's calls, but a handler can leave work for
//! later: [`task::spawn`] runs an `async` block that `.await`s host calls
//! that complete later ([`timer::sleep`], a request's [`http::Fetch`] from
//! [`http::Request::start`]), [`timer::set_timeout`] and
//! [`timer::set_interval`] call back as WeChat's timers do, and
//! [`task::next_tick`] runs a closure right after the handler. They reach the
//! app's state with [`with_app`]. Each completion is a host call of its own,
//! with the budget of an event.
//!
//! ```ignore
//! fn on_event(&mut self, event: &Event) -> Result<()> {
//!     match event.handler.as_str() {
//!         "save" => {
//!             view::set("status", "saving")?;
//!             task::spawn(async {
//!                 timer::sleep(1_000).await?;
//!                 with_app(|app: &mut Notes| app.saved += 1)?;
//!                 view::set("status", "saved")
//!             });
//!             Ok(())
//!         }
//!         _ => Err(Error::app("unknown handler")),
//!     }
//! }
//! ```
#![deny(missing_docs)]

// The macros' code names `::miniapp_sdk`, this crate, in its own tests too.
extern crate self as miniapp_sdk;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

pub mod animation;
pub mod callbacks;
pub mod clipboard;
pub mod component;
mod data_path;
pub mod details;
pub mod device;
pub mod device_api;
mod error;
mod export;
pub mod feedback;
pub mod files;
pub mod frame;
mod handler;
pub mod http;
pub mod identity;
mod instances;
mod lifetimes;
pub mod location;
pub mod log;
pub mod nav;
mod observers;
pub mod page;
pub mod page_events;
pub mod payment;
mod pending;
pub mod permission;
pub mod quota;
pub mod selector_query;
pub mod socket;
pub mod storage;
pub mod system;
pub mod task;
pub mod timer;
pub mod view;

pub use component::{EventOptions, Instance};
pub use data_path::{PageData, Patch, Path, ValueOf, set};
pub use details::{
    Change, ColumnChange, Confirm, Detail, Input, LongPress, PickerChange, RegionChange,
    SliderChange, Submit, SwiperChange, Tap,
};
pub use error::{Error, Result};
pub use export::with_app;
pub use miniapp_sdk_macros::{PageData, Properties, behavior, component, handler, observer, page};
pub use page::Page;
pub use serde_json::{Value, json};

/// Generated WIT bindings. Not part of the public API.
#[doc(hidden)]
#[allow(missing_docs, unused_qualifications, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "miniapp-sdk",
        path: "../wit",
        pub_export_macro: true,
        default_bindings_module: "miniapp_sdk::bindings",
        // The host API's types the SDK hands to apps as they are
        // (`permission::{Scope, Consent}`, `payment::{Order, Outcome}`,
        // `identity::Profile`, `location::Position`, `storage::StorageInfo`,
        // `system::HostInfo`, `device`'s records): the derives apps rely on
        // (their docs are the WIT's). Selectors name the WIT package with
        // its version: a bump renames them here (wit-bindgen refuses a
        // selector that matches nothing).
        additional_type_attributes: {
            "miniapp:host/permission@0.2.0/scope": [#[derive(Hash)]],
            "miniapp:host/permission@0.2.0/consent": [#[derive(Hash)]],
            "miniapp:host/payment@0.2.0/order": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/payment@0.2.0/outcome": [#[derive(PartialEq, Eq)]],
            "miniapp:host/identity@0.2.0/profile": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/location@0.2.0/position": [
                #[derive(Default, PartialEq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/storage@0.2.0/storage-info": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/device@0.2.0/window-info": [
                #[derive(Default, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
            ],
            "miniapp:host/device@0.2.0/safe-area": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/device@0.2.0/device-info": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
            "miniapp:host/device@0.2.0/app-base-info": [
                #[derive(PartialEq, Eq, serde::Serialize, serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
            ],
            "miniapp:host/device@0.2.0/theme": [
                #[derive(serde::Serialize, serde::Deserialize)]
                #[serde(rename_all = "lowercase")]
            ],
            "miniapp:host/device-api@0.2.0/network-type": [#[derive(Hash)]],
            "miniapp:host/device-api@0.2.0/rect": [#[derive(Default, PartialEq, Eq)]],
            "miniapp:host/system@0.2.0/host-info": [
                #[derive(Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            ],
        },
    });
}

/// A mini-program. The host creates one instance (with [`Default`]) per
/// cold start and calls its hooks; export it with [`export_app!`].
///
/// # App-wide state (WeChat's `globalData`)
///
/// The fields of this struct are the app's `globalData`: every page's
/// hooks and handlers run on the same value, so what one page sets the
/// next reads. It lives as long as the instance: it survives page changes
/// ([`nav::navigate_to`], [`nav::navigate_back`], [`nav::re_launch`]) and
/// the app going to the background and back ([`App::on_hide`],
/// [`App::on_show`]), but not the instance's end. When the host evicts an
/// idle instance, or a server fails over to another node, the next cold
/// start begins from [`Default`] again: only [`storage`] survives. Save
/// what must outlive the instance in storage (in [`App::on_hide`] at the
/// latest) and read it back in [`App::on_launch`].
///
/// An error returned from a hook is reported to the host (as its
/// [`Display`](std::fmt::Display) text); the instance keeps running.
pub trait App: Default + 'static {
    /// The app's one-time setup, before any instance: fill the app's own
    /// statics (a parsed table, a compiled pattern) that its hooks read.
    ///
    /// The host runs it once, when it compiles the package, and keeps the
    /// memory it leaves as a pre-initialised snapshot: every instance
    /// starts with the work done. It must not call the host: every import
    /// traps during it and the package is refused naming the call (no
    /// [`storage`], [`log`] or [`view`]; no clock and no randomness, so no
    /// `HashMap` with std's random seed and no `serde_json` object, whose
    /// map is one: a snapshot is shared by every instance and user; use a
    /// `BTreeMap`). An error refuses the package with its text. Where no
    /// snapshot was made (a host that runs the component as built), it
    /// runs at the first call of an instance instead.
    fn init() -> Result<()>
    where
        Self: Sized,
    {
        Ok(())
    }

    /// Called once per cold start, with how the app was opened.
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let _ = launch;
        Ok(())
    }

    /// Called when the app comes to the foreground.
    fn on_show(&mut self) -> Result<()> {
        Ok(())
    }

    /// Called when the app goes to the background. Save what must survive:
    /// a backgrounded app may be destroyed without further notice.
    fn on_hide(&mut self) -> Result<()> {
        Ok(())
    }

    /// Called for every user event sent by the renderer (but those of a
    /// typed page's route: see [`mod@page`]). Without it, every event is an
    /// error naming its handler.
    fn on_event(&mut self, event: &Event) -> Result<()> {
        Err(Error::InvalidArgument(format!(
            "no handler `{}` on page `{}`",
            event.handler, event.page
        )))
    }

    /// Called when a page is opened: the first page after [`App::on_show`],
    /// then every page [`nav::navigate_to`], [`nav::redirect_to`],
    /// [`nav::re_launch`] or a
    /// `navigator` tap opens. During this call [`view::set_data`] acts on
    /// that page.
    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        let _ = page;
        Ok(())
    }

    /// Called once per page, after its first render, while it is on top.
    fn on_ready(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }

    /// Called when a page leaves the stack ([`nav::navigate_back`],
    /// [`nav::redirect_to`], [`nav::re_launch`]). Its data is gone: [`view::set_data`] is
    /// refused during this call.
    fn on_unload(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }

    /// Page `route` came on top: after its [`App::on_load`] (before
    /// [`App::on_ready`]), when the page covering it left, when the app
    /// came to the foreground.
    #[doc(alias = "onShow")]
    fn on_page_show(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }
    /// Page `route` was covered by another, or the app went to the background.
    #[doc(alias = "onHide")]
    fn on_page_hide(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }
    /// The user pulled page `route` down (its window has
    /// `enablePullDownRefresh`); end it with [`frame::stop_pull_down_refresh`].
    #[doc(alias = "onPullDownRefresh")]
    fn on_pull_down_refresh(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }
    /// Page `route` was scrolled to within `onReachBottomDistance` of its
    /// bottom (once per reaching).
    #[doc(alias = "onReachBottom")]
    fn on_reach_bottom(&mut self, route: &str) -> Result<()> {
        let _ = route;
        Ok(())
    }
    /// Page `route` scrolled (at most 10 calls a second).
    #[doc(alias = "onPageScroll")]
    fn on_page_scroll(&mut self, route: &str, scroll: &page_events::PageScroll) -> Result<()> {
        let _ = (route, scroll);
        Ok(())
    }
    /// The window of page `route` changed size.
    #[doc(alias = "onResize")]
    fn on_resize(&mut self, route: &str, resize: &page_events::Resize) -> Result<()> {
        let _ = (route, resize);
        Ok(())
    }
    /// The tab of page `route` was tapped.
    #[doc(alias = "onTabItemTap")]
    fn on_tab_item_tap(&mut self, route: &str, tap: &page_events::TabItemTap) -> Result<()> {
        let _ = (route, tap);
        Ok(())
    }
    /// The user shares page `route`: what the card shows (`None`: the
    /// app's name and the current page).
    #[doc(alias = "onShareAppMessage")]
    fn on_share_app_message(
        &mut self,
        route: &str,
        from: &page_events::ShareFrom,
    ) -> Result<Option<page_events::Share>> {
        let _ = (route, from);
        Ok(None)
    }
    /// The user shares page `route` to the timeline.
    #[doc(alias = "onShareTimeline")]
    fn on_share_timeline(&mut self, route: &str) -> Result<Option<page_events::Share>> {
        let _ = route;
        Ok(None)
    }
    /// The system theme changed to `theme` (`light` or `dark`).
    #[doc(alias = "onThemeChange")]
    fn on_theme_change(&mut self, theme: &str) -> Result<()> {
        let _ = theme;
        Ok(())
    }
    /// A hook of the app returned an error (`message`: the hook and its
    /// text); an error this returns is not reported again.
    #[doc(alias = "onError")]
    fn on_error(&mut self, message: &str) -> Result<()> {
        let _ = message;
        Ok(())
    }
    /// The app was launched on a path that is not one of its pages: return
    /// `true` if handled (the host then opens the home page, unless this
    /// navigated), `false` to have the launch refused.
    #[doc(alias = "onPageNotFound")]
    fn on_page_not_found(&mut self, missing: &page_events::PageNotFound) -> Result<bool> {
        let _ = missing;
        Ok(false)
    }
}

/// A page being opened, for [`App::on_load`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLoad {
    /// Its route, e.g. `detail`.
    pub route: String,
    /// The query it was opened with (`detail?id=3` gives `id`).
    pub query: BTreeMap<String, String>,
}

impl PageLoad {
    /// The query parameter `key`, if present.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
}

/// How the app was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    /// Page route the app opens on, e.g. `index`.
    pub path: String,
    /// Query parameters of the launch URL.
    pub query: BTreeMap<String, String>,
    /// Scene code: where the user came from (QR code, search, share...).
    pub scene: u32,
    /// App id of the mini-program that opened this one, if any.
    pub referrer: Option<String>,
}

impl Launch {
    /// The launch query parameter `key`, if present.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
}

/// A user event, e.g. a tap on an element bound to a handler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// Route of the page the event happened on, e.g. `index` (for a
    /// component's handler, the component's path).
    pub page: String,
    /// Handler name bound in the page template, e.g. `tap`.
    pub handler: String,
    /// Event payload (`Value::Null` when the host sent none or invalid JSON).
    pub detail: Value,
    /// The element's `data-*` attributes.
    pub dataset: BTreeMap<String, String>,
    /// The host's short-lived gesture token when the event is a user gesture
    /// (a tap); `None` otherwise.
    ///
    /// [`payment::request`], [`identity::profile`] and
    /// [`nav::open_mini_program`] need a live gesture: call them while
    /// handling an event that carries one. Called from
    /// [`App::on_launch`], [`App::on_show`], [`App::on_hide`] or an event
    /// without a gesture, the host refuses them with an [`Error`] value
    /// (typically [`Error::PermissionDenied`]).
    pub gesture: Option<String>,
}

impl Event {
    /// Deserialize [`detail`](Event::detail) into `T`; a mismatch is an
    /// [`Error::InvalidArgument`].
    pub fn detail_as<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.detail).map_err(|e| {
            Error::InvalidArgument(format!("event {}:{} detail: {e}", self.page, self.handler))
        })
    }

    /// The id of what the event is about: the element's `data-id` when the
    /// event came through the view, else the `id` of its
    /// [`detail`](Event::detail) (`--event 'index:open={"id":2}'`). A
    /// `data-id` that is not a number is an [`Error::App`]; a detail
    /// without a numeric `id` is an [`Error::InvalidArgument`].
    pub fn id(&self) -> Result<u32> {
        #[derive(serde::Deserialize)]
        struct ById {
            id: u32,
        }
        match self.dataset.get("id") {
            Some(id) => id
                .parse()
                .map_err(|_| Error::app(format!("data-id `{id}` is not a number"))),
            None => self.detail_as::<ById>().map(|b| b.id),
        }
    }
}

/// Export `$app` (a type implementing [`App`]) as this component's lifecycle.
/// Use it once, in the app crate's `lib.rs`.
///
/// `export_app!(App, pages = [Index, Cart])` exports typed pages too (see
/// [`mod@page`]): their routes' events and hooks go to them, and their
/// handlers' names to the package's meta (the `miniapp:meta` custom
/// section the host reads). `export_app!(App, pages = [Index],
/// components = [Stepper, Card])` (or `components = [..]` alone) exports
/// typed components (see [`mod@component`]) with their meta entries.
#[macro_export]
macro_rules! export_app {
    ($app:ty, pages = [$($page:ty),+ $(,)?], components = [$($component:ty),+ $(,)?] $(,)?) => {
        $crate::__export_typed!($app, [$($page),+], [$($component),+]);
    };
    ($app:ty, components = [$($component:ty),+ $(,)?] $(,)?) => {
        $crate::__export_typed!($app, [], [$($component),+]);
    };
    ($app:ty, pages = [$($page:ty),+ $(,)?] $(,)?) => {
        $crate::__export_typed!($app, [$($page),+], []);
    };
    ($app:ty) => {
        const _: () = {
            type MiniappLifecycle = $crate::__private::Lifecycle<$app>;
    $crate::bindings::export!(MiniappLifecycle with_types_in $crate::bindings);
        };
    };
}

/// What [`export_app!`] expands to for typed pages and components. Not
/// part of the public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_typed {
    ($app:ty, [$($page:ty),*], [$($component:ty),*]) => {
        const _: () = {
            struct MiniappPages;
            impl $crate::page::Pages for MiniappPages {
                fn open(
                    route: &str,
                ) -> ::core::option::Option<::std::boxed::Box<dyn $crate::page::AnyPage>> {
                    $(if route == <$page as $crate::page::Page>::ROUTE {
                        let page = <$page as ::core::default::Default>::default();
                        return ::core::option::Option::Some(::std::boxed::Box::new(page));
                    })*
                    let _ = route;
                    ::core::option::Option::None
                }
            }
            struct MiniappComponents;
            impl $crate::__private::Components for MiniappComponents {
                const PATHS: &'static [&'static str] =
                    &[$(<$component as $crate::component::Component>::PATH),*];
                fn open(
                    path: &str,
                    made: &$crate::__private::Made<'_>,
                ) -> ::core::option::Option<
                    $crate::Result<::std::boxed::Box<dyn $crate::__private::AnyComponent>>,
                > {
                    $(if path == <$component as $crate::component::Component>::PATH {
                        return ::core::option::Option::Some(
                            $crate::__private::Mounted::<$component>::open(made),
                        );
                    })*
                    let _ = (path, made);
                    ::core::option::Option::None
                }
            }
            const ROUTES: &[&str] = &[$(<$page as $crate::page::Page>::ROUTE),*];
            ::core::assert!(
                !$crate::page::same_route_twice(ROUTES),
                "export_app!: two of its pages have the same route"
            );
            ::core::assert!(
                !$crate::page::same_route_twice(
                    <MiniappComponents as $crate::__private::Components>::PATHS
                ),
                "export_app!: two of its components have the same path"
            );
            const PAGES_META: &[&str] = &[$(<$page as $crate::page::Page>::META),*];
            const COMPONENTS_META: &[&[&str]] =
                &[$(<$component as $crate::component::Component>::META),*];
            const META_LEN: usize = $crate::page::meta_len_with(PAGES_META, COMPONENTS_META);
            // SAFETY: a custom section of the wasm module holding bytes
            // only (the host reads them as JSON); nothing links to it.
            #[cfg_attr(target_family = "wasm", unsafe(link_section = "miniapp:meta"))]
            #[used]
            static MINIAPP_META: [u8; META_LEN] =
                $crate::page::meta_bytes_with::<META_LEN>(PAGES_META, COMPONENTS_META);
            type MiniappLifecycle = $crate::__private::Typed<$app, MiniappPages, MiniappComponents>;
            $crate::bindings::export!(MiniappLifecycle with_types_in $crate::bindings);
        };
    };
}

/// Glue used by [`export_app!`]. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::Lifecycle;
    pub use crate::handler::Typed;
    pub use crate::instances::{AnyComponent, Components, Made, Mounted};
    pub use crate::lifetimes::{no_handler, no_notices};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_as_maps_a_mismatch_to_invalid_argument() {
        #[derive(serde::Deserialize)]
        struct Greet {
            name: String,
        }
        let mut event = Event {
            page: "index".into(),
            handler: "greet".into(),
            detail: json!({ "name": "Ada" }),
            ..Event::default()
        };
        assert_eq!(event.detail_as::<Greet>().unwrap().name, "Ada");
        event.detail = json!({ "nom": 1 });
        let err = event.detail_as::<Greet>().err().unwrap();
        assert_eq!(err.kind(), "invalid-argument");
    }

    #[test]
    fn errors_display_their_kind() {
        assert_eq!(
            Error::PermissionDenied("no".into()).to_string(),
            "permission denied: no"
        );
        assert_eq!(Error::Failed("timeout".into()).kind(), "failed");
        assert_eq!(Error::app("asked to fail").to_string(), "asked to fail");
        assert_eq!(Error::app("x").kind(), "app");
    }
}
