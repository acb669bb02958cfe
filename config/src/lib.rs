//! # miniapp-config
//!
//! The miniapp contract as data, shared by the runtime, the CLI and the
//! server: what an app asks for (its [`Manifest`], `miniapp.toml`), what the
//! operator grants (the [`Policy`], `policy.toml`), the [`Quotas`] an app runs
//! under, and the vocabulary both speak ([`Capability`], [`Scope`]). An app
//! gets the intersection of manifest and policy: [`Policy::grants_for`].
//!
//! Serde only: nothing here runs an app. [`schema::manifest`] and
//! [`schema::policy`] give JSON schemas for editors and tools.

pub mod manifest;
pub mod origin;
pub mod policy;
pub mod quota;
pub mod schema;
mod vocabulary;

pub use manifest::{Manifest, ManifestError, validate_app_id};
pub use origin::Origin;
pub use policy::{
    AppPolicy, ConsentRule, Grants, HostProfile, Policy, PolicyError, SessionsPolicy,
};
pub use quota::{QuotaOverrides, Quotas};
pub use vocabulary::{Capability, Scope};
