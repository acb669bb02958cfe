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

pub mod audit;
pub mod bindings;
pub mod cache;
pub mod capability;
pub mod consent;
mod error;
mod instance;
pub mod kv;
pub mod manifest;
pub mod package;
pub mod policy;
pub mod providers;
mod quarantine;
pub mod quota;
mod runtime;
pub mod sessions;
mod usage;

pub use capability::log::{LogLevel, LogRecord, LogSource};
pub use capability::nav::{OpenRequest, Page};
pub use capability::{Capability, Scope};
pub use error::Error;
pub use instance::{AppInstance, Event, InstanceState, LaunchOptions};
pub use manifest::Manifest;
pub use package::{Package, PackageLimits};
pub use policy::{ConsentRule, Grants, HostProfile, Policy};
pub use providers::Providers;
pub use quota::Quotas;
pub use runtime::{App, DEFAULT_WASM_STACK, Runtime, RuntimeBuilder, component_imports};
pub use usage::Usage;
