//! The words manifest and policy share: capabilities an app declares and the
//! operator grants, and the consent scopes a user answers.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A capability an app must declare in its manifest and be granted by the
/// operator before it can use it. The core interfaces (view, nav, log,
/// system, permission, quota) need no declaration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Key-value storage.
    Storage,
    /// Outbound HTTP to declared origins.
    Http,
    /// Login and user profile.
    Identity,
    /// Device location.
    Location,
    /// Payment.
    Payment,
    /// The user's clipboard.
    Clipboard,
    /// WebSockets to declared `ws`/`wss` origins.
    Socket,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 7] = [
        Capability::Storage,
        Capability::Http,
        Capability::Identity,
        Capability::Location,
        Capability::Payment,
        Capability::Clipboard,
        Capability::Socket,
    ];

    /// Its name in manifests, policies and WIT (`storage`, `http`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Capability::Storage => "storage",
            Capability::Http => "http",
            Capability::Identity => "identity",
            Capability::Location => "location",
            Capability::Payment => "payment",
            Capability::Clipboard => "clipboard",
            Capability::Socket => "socket",
        }
    }

    /// The capability of that name.
    pub fn parse(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A user-consent scope.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The device location.
    UserLocation,
    /// The user's profile.
    UserInfo,
    /// Writing to the photo album.
    Album,
    /// The camera.
    Camera,
    /// The microphone.
    Record,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::UserLocation,
        Scope::UserInfo,
        Scope::Album,
        Scope::Camera,
        Scope::Record,
    ];

    /// Its name in manifests and policies (`user-location`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Scope::UserLocation => "user-location",
            Scope::UserInfo => "user-info",
            Scope::Album => "album",
            Scope::Camera => "camera",
            Scope::Record => "record",
        }
    }

    /// The capability whose calls this scope guards, if one does: an app
    /// may ask for the scope only with that capability.
    pub fn capability(self) -> Option<Capability> {
        match self {
            Scope::UserLocation => Some(Capability::Location),
            Scope::UserInfo => Some(Capability::Identity),
            Scope::Album | Scope::Camera | Scope::Record => None,
        }
    }

    /// Parse a scope name.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of `enum NAME` in the host API (`wit/miniapp.wit`), in order.
    fn wit_enum(name: &str) -> Vec<String> {
        let wit = include_str!("../../wit/miniapp.wit");
        let head = format!("enum {name} {{");
        let start = wit.find(&head).expect("the host API has the enum") + head.len();
        let body = &wit[start..start + wit[start..].find('}').expect("the enum ends")];
        // Doc comments (`/// ...`) stand on their own lines before a case.
        let code: Vec<&str> = (body.lines())
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        (code.join("\n").split(','))
            .map(|case| case.trim().trim_start_matches('%').to_string())
            .filter(|case| !case.is_empty())
            .collect()
    }

    /// Manifests, policies and the host API name the scopes alike: the
    /// runtime's conversion and the SDK (which uses the WIT's own type)
    /// depend on it.
    #[test]
    fn scopes_are_the_host_apis_scopes_by_name_and_order() {
        let names: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, wit_enum("scope"));
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.name()), Some(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{scope}\""));
        }
        assert_eq!(Scope::parse("user_info"), None);
    }
}
