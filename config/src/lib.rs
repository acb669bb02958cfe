//! # miniapp-config
//!
//! The miniapp contract as data, shared by the runtime, the CLI and the
//! server: what an app asks for (its [`Manifest`], `miniapp.toml`), what the
//! operator grants (the [`Policy`], `policy.toml`), the [`Quotas`] an app runs
//! under, and the vocabulary both speak ([`Capability`], [`Scope`]). An app
//! gets the intersection of manifest and policy: [`Policy::grants_for`].
//! WeChat's own config files, `app.json` ([`AppConfig`]) and each page's
//! `pages/ROUTE.json` ([`PageConfig`]), give the app's [`Window`].
//!
//! Serde only: nothing here runs an app. [`schema::manifest`] and
//! [`schema::policy`] give JSON schemas for editors and tools.

pub mod app_json;
pub mod json_pos;
pub mod manifest;
pub mod meta;
pub mod origin;
pub mod page_json;
pub mod policy;
pub mod quota;
pub mod schema;
pub mod sub_packages;
pub mod tab_bar;
pub mod using;
mod vocabulary;
pub mod window;

pub use app_json::{AppConfig, ConfigError};
pub use manifest::{Manifest, ManifestError, validate_app_id};
pub use meta::{Meta, MetaError};
pub use origin::Origin;
pub use page_json::{ComponentConfig, PageConfig};
pub use policy::{
    AppPolicy, ConsentRule, Grants, HostProfile, Policy, PolicyError, RecordingsPolicy,
    SessionsPolicy,
};
pub use quota::{QuotaOverrides, Quotas};
pub use tab_bar::TabBar;
pub use vocabulary::{Capability, Scope};
pub use window::Window;
