//! # miniapp-runtime
//!
//! The host of miniapp mini-programs, on wasmtime and the WebAssembly
//! component model. It loads mini-program [packages](Package), checks them
//! against their [manifest](Manifest) and the operator's [policy](Policy),
//! links only the host API (`wit/miniapp.wit`) and a sandboxed WASI, and runs
//! each app's lifecycle and events with per-app permissions, consent and quotas.
//!
//! ```no_run
//! use miniapp_runtime::{Event, LaunchOptions, Policy, Runtime};
//!
//! # async fn demo() -> Result<(), miniapp_runtime::Error> {
//! let runtime = Runtime::builder("./data").policy(Policy::default()).build()?;
//! let app = runtime.load_file("hello.miniapp".as_ref())?;
//! let mut instance = app.launch(LaunchOptions::default()).await?;
//! instance.dispatch(&Event::new("index", "tap")).await?;
//! println!("{}", instance.page_data());
//! # Ok(()) }
//! ```
//!
//! The layers, where state lives and how to add a capability are in
//! `docs/architecture.md`.

mod app;
mod app_config;
mod app_core;
mod app_shared;
pub mod audit;
mod bindings;
mod cache;
mod capability;
mod consent;
mod device;
mod engine;
mod epoch;
mod error;
mod event;
mod fair;
mod instance;
mod kv;
mod limits;
mod load;
mod meta;
pub mod package;
mod page_view;
pub mod platform;
pub mod providers;
mod quarantine;
pub mod replay;
mod runtime;
mod services;
mod sessions;
mod snapshot;
pub mod text;
mod trap;
mod trap_kind;
mod usage;
mod views;

#[cfg(test)]
mod testing;

pub use app::App;
pub use bindings::quota::Budget;
pub use capability::data_patch::DataPatch;
pub use capability::http::{ByteRange, HttpExchange, HttpObserver, MediaPart};
pub use capability::log::{LogLevel, LogRecord, LogSource};
pub use capability::nav::{OpenRequest, Page};
pub use capability::pending::Wake;
pub use capability::storage::{AppStorage, StorageUsage};
pub use capability::table::HOST_API_VERSION;
pub use consent::Consent;
pub use device::{
    DEVICE_PIXEL_RATIOS, DeviceFacts, MAX_DEVICE_PIXELS, MAX_DEVICE_STRING_BYTES, SafeArea, Theme,
};
pub use error::Error;
pub use event::{
    ClosedSocket, Event, LaunchOptions, MAX_CLOSE_REASON_BYTES, MAX_SOCKET_TAG_BYTES,
    MAX_SOCKET_URL_BYTES, OpenSocket,
};
pub use instance::{
    AppInstance, ClientPageEvent, LoadCause, PackageLoad, PageEvent, PageEventOutcome,
    SCROLLS_PER_SECOND, ShareCard, ShownTabBar, TempFiles,
};
pub use miniapp_config::{
    self as config, AppPolicy, Capability, ConsentRule, Grants, HostProfile, Manifest,
    ManifestError, Origin, Policy, PolicyError, QuotaOverrides, Quotas, Scope,
};
pub use miniapp_view as view;
pub use package::{Package, PackageLimits};
pub use providers::Providers;
pub use runtime::{DEFAULT_WASM_STACK, Runtime, RuntimeBuilder};
pub use trap::TrapKind;
pub use usage::Usage;

/// Exposes the runtime's guts to the benchmarks (`bench-hooks` feature):
/// the generated bindings, for a bare-wasmtime baseline host.
#[cfg(feature = "bench-hooks")]
#[doc(hidden)]
pub mod bench_hooks {
    pub use crate::bindings::{Miniapp, MiniappPre, lifecycle, log, types};
    pub use crate::capability::pending::Outcome;
}
