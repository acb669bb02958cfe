//! JSON schemas of the manifest (`miniapp.toml`) and the policy
//! (`policy.toml`), generated from the types themselves, for editors
//! (e.g. Taplo, `#:schema` comments) and tools. `miniapp schema` prints them;
//! `docs/schema/` holds them as committed files, checked by a test.

use serde_json::Value;

/// The JSON schema of a [`Manifest`](crate::Manifest).
pub fn manifest() -> Value {
    schemars::schema_for!(crate::Manifest).to_value()
}

/// The JSON schema of a [`Policy`](crate::Policy).
pub fn policy() -> Value {
    schemars::schema_for!(crate::Policy).to_value()
}
