//! JSON schemas of the manifest (`miniapp.toml`), `app.json` and the
//! policy (`policy.toml`), generated from the types themselves, for editors
//! (e.g. Taplo, `#:schema` comments) and tools. `miniapp schema` prints them;
//! `docs/schema/` holds them as committed files, checked by a test.

use serde_json::Value;

/// The JSON schema of a [`Manifest`](crate::Manifest).
pub fn manifest() -> Value {
    schemars::schema_for!(crate::Manifest).to_value()
}

/// The JSON schema of `app.json` ([`AppConfig`](crate::AppConfig)): the
/// keys this host acts on (the build warns of the others WeChat documents
/// that mean nothing here).
pub fn app_json() -> Value {
    schemars::schema_for!(crate::app_json::AppJsonSchema).to_value()
}

/// The JSON schema of a [`Policy`](crate::Policy).
pub fn policy() -> Value {
    schemars::schema_for!(crate::Policy).to_value()
}

/// A schema as the committed files hold it: pretty JSON.
pub fn pretty(schema: &Value) -> String {
    serde_json::to_string_pretty(schema).expect("a JSON value serializes")
}

#[cfg(test)]
mod tests {
    /// `docs/schema/` holds the schemas the types generate; regenerate with
    /// `cargo run -p miniapp-cli -- schema manifest > docs/schema/manifest.schema.json`
    /// (and `policy`).
    #[test]
    fn the_committed_schemas_are_current() {
        for (name, schema, committed) in [
            (
                "manifest",
                super::manifest(),
                include_str!("../../docs/schema/manifest.schema.json"),
            ),
            (
                "app-json",
                super::app_json(),
                include_str!("../../docs/schema/app.schema.json"),
            ),
            (
                "policy",
                super::policy(),
                include_str!("../../docs/schema/policy.schema.json"),
            ),
        ] {
            assert_eq!(
                super::pretty(&schema).trim(),
                committed.trim(),
                "docs/schema/{}.schema.json is stale: regenerate it with `miniapp schema {name}`",
                name.trim_end_matches("-json")
            );
        }
    }

    #[test]
    fn the_manifest_schema_names_every_field_and_refuses_others() {
        let schema = super::manifest();
        for field in [
            "id",
            "name",
            "pages",
            "permissions",
            "origins",
            "open_apps",
            "scopes",
        ] {
            assert!(schema["properties"].get(field).is_some(), "{field}");
        }
        assert_eq!(schema["additionalProperties"], false);
    }
}
