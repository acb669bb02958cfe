//! `app.json`'s `permission`: for each consent scope, the reason
//! (`desc`) the consent prompt shows, in WeChat's form
//! (`{"scope.userLocation": {"desc": "Find stores near you"}}`). The
//! runtime adds them to the manifest's `scopes` before the operator's
//! policy is applied; a scope declared in both places is refused.

use serde_json::Value;

use crate::Scope;
use crate::app_json::{ConfigError, Reader};
use crate::json_pos::{Pos, join};

/// Most characters of a `desc`, as WeChat allows.
pub const MAX_DESC_CHARS: usize = 30;

/// WeChat's scope names, each with this host's scope if it has one.
const WECHAT_SCOPES: &[(&str, Option<Scope>)] = &[
    ("scope.userLocation", Some(Scope::UserLocation)),
    ("scope.userInfo", Some(Scope::UserInfo)),
    ("scope.writePhotosAlbum", Some(Scope::Album)),
    ("scope.camera", Some(Scope::Camera)),
    ("scope.record", Some(Scope::Record)),
    ("scope.userFuzzyLocation", None),
    ("scope.userLocationBackground", None),
    ("scope.bluetooth", None),
    ("scope.addPhoneContact", None),
    ("scope.addPhoneCalendar", None),
    ("scope.werun", None),
    ("scope.address", None),
    ("scope.invoiceTitle", None),
    ("scope.invoice", None),
];

/// One scope's reason from `permission`, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The scope.
    pub scope: Scope,
    /// WeChat's name for it (`scope.userLocation`).
    pub name: &'static str,
    /// The reason the consent prompt shows.
    pub desc: String,
    /// Where its key is in `app.json`.
    pub at: Pos,
}

impl Permission {
    /// An error about this entry, at its key.
    pub fn error(&self, message: String) -> ConfigError {
        ConfigError {
            file: crate::app_json::APP_JSON.into(),
            line: self.at.line,
            col: self.at.col,
            message,
        }
    }
}

/// Read the `permission` object at `path`.
pub(crate) fn read(
    reader: &Reader,
    path: &str,
    value: &Value,
) -> Result<Vec<Permission>, ConfigError> {
    let Value::Object(entries) = value else {
        return Err(reader.value_error(
            path,
            "`permission` must be an object of scopes, each {\"desc\": \"the reason\"}".into(),
        ));
    };
    let ours = || (WECHAT_SCOPES.iter()).filter_map(|(name, scope)| scope.map(|_| *name));
    let mut read = Vec::new();
    for (name, entry) in entries {
        let at = join(path, name);
        let Some((name, scope)) = WECHAT_SCOPES.iter().find(|(n, _)| n == name) else {
            return Err(reader.unknown(&at, name, ours()));
        };
        let Some(scope) = scope else {
            return Err(reader.key_error(
                &at,
                format!(
                    "WeChat's scope `{name}` has no counterpart on this host (its scopes: {})",
                    ours().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        read.push(Permission {
            scope: *scope,
            name,
            desc: desc(reader, &at, entry)?,
            at: reader.at.key(&at),
        });
    }
    Ok(read)
}

/// The `desc` of the entry at `path`: 1 to [`MAX_DESC_CHARS`] characters
/// of plain text.
fn desc(reader: &Reader, path: &str, entry: &Value) -> Result<String, ConfigError> {
    let Value::Object(keys) = entry else {
        return Err(reader.value_error(
            path,
            "a scope's entry must be an object: {\"desc\": \"the reason\"}".into(),
        ));
    };
    if let Some(key) = keys.keys().find(|k| *k != "desc") {
        return Err(reader.unknown(&join(path, key), key, ["desc"].into_iter()));
    }
    let at = join(path, "desc");
    let Some(value) = keys.get("desc") else {
        return Err(reader.key_error(
            path,
            "a scope needs its `desc`: the reason shown when the user is asked".into(),
        ));
    };
    let text = reader.string(&at, value)?;
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > MAX_DESC_CHARS {
        return Err(reader.value_error(
            &at,
            format!(
                "`desc` must be 1 to {MAX_DESC_CHARS} characters (WeChat's limit), not {chars}"
            ),
        ));
    }
    if let Err(why) = crate::manifest::plain_text(&text) {
        return Err(reader.value_error(&at, format!("`desc` {why}")));
    }
    Ok(text)
}

/// The manifest's `scopes` with `permissions` added: a scope in both is
/// refused at its place in `app.json`, naming both.
pub fn merged(
    permissions: &[Permission],
    scopes: &std::collections::BTreeMap<Scope, String>,
) -> Result<std::collections::BTreeMap<Scope, String>, ConfigError> {
    let mut merged = scopes.clone();
    for permission in permissions {
        if merged.contains_key(&permission.scope) {
            return Err(permission.error(format!(
                "`{}` is declared here and as `{}` in miniapp.toml's [scopes]: keep one",
                permission.name, permission.scope
            )));
        }
        merged.insert(permission.scope, permission.desc.clone());
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use crate::app_json::tests::refused;
    use std::collections::BTreeMap;

    use crate::{AppConfig, Scope};

    #[test]
    fn each_scope_gets_its_desc_and_merges_beside_the_manifests() {
        let text = r#"{"permission": {
  "scope.userLocation": {"desc": "Find the lockers near you"}}}"#;
        let config = AppConfig::parse(text).unwrap();
        let toml = BTreeMap::from([(Scope::Camera, "Scan a parcel".to_string())]);
        let merged = super::merged(&config.permission, &toml).unwrap();
        assert_eq!(merged[&Scope::UserLocation], "Find the lockers near you");
        assert_eq!(merged[&Scope::Camera], "Scan a parcel");
        let both = BTreeMap::from([(Scope::UserLocation, "Elsewhere".to_string())]);
        assert_eq!(
            super::merged(&config.permission, &both)
                .unwrap_err()
                .to_string(),
            "app.json:2:3: `scope.userLocation` is declared here and as `user-location` \
             in miniapp.toml's [scopes]: keep one"
        );
    }

    #[test]
    fn each_bad_entry_is_refused_at_its_place() {
        for (text, expected) in [
            (
                r#"{"permission": {"scope.userLocaton": {"desc": "x"}}}"#,
                "app.json:1:17: unknown key `scope.userLocaton`: did you mean `scope.userLocation`?",
            ),
            (
                r#"{"permission": {"scope.werun": {"desc": "x"}}}"#,
                "app.json:1:17: WeChat's scope `scope.werun` has no counterpart on this host \
                 (its scopes: scope.userLocation, scope.userInfo, scope.writePhotosAlbum, \
                 scope.camera, scope.record)",
            ),
            (
                r#"{"permission": {"scope.camera": {"dsec": "x"}}}"#,
                "app.json:1:34: unknown key `dsec`: did you mean `desc`?",
            ),
            (
                r#"{"permission": {"scope.camera": {}}}"#,
                "app.json:1:17: a scope needs its `desc`: the reason shown when the user is asked",
            ),
            (
                r#"{"permission": {"scope.camera": {"desc": "1234567890123456789012345678901"}}}"#,
                "app.json:1:42: `desc` must be 1 to 30 characters (WeChat's limit), not 31",
            ),
            (
                r#"{"permission": {"scope.camera": {"desc": "a\u001b[31m"}}}"#,
                "app.json:1:42: `desc` must not contain control or formatting characters (found U+001B)",
            ),
            (
                r#"{"permission": ["scope.camera"]}"#,
                "app.json:1:16: `permission` must be an object of scopes, each {\"desc\": \"the reason\"}",
            ),
            (
                r#"{"permision": {}}"#,
                "app.json:1:2: unknown key `permision`: did you mean `permission`?",
            ),
        ] {
            assert_eq!(refused(text), expected, "{text}");
        }
    }
}
