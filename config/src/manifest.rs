//! The app's manifest: what a mini-program asks for (`miniapp.toml`).
//!
//! The manifest is the app's side of the contract; the operator's side is the
//! [`Policy`](crate::Policy). An app gets the intersection of the two.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Capability, Scope};

/// Longest app id.
const MAX_ID_LEN: usize = 64;
/// Most pages an app may declare.
const MAX_PAGES: usize = 256;

/// A mini-program's manifest, as written in `miniapp.toml`. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// App id: lowercase ASCII letters, digits, `.`, `-`, `_`; 3 to 64 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version, `major.minor.patch`.
    pub version: String,
    /// One-line description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Page routes, each the path of its template under `pages/` without
    /// `.wxml` (`index` is pages/index.wxml, `cart/cart` is
    /// pages/cart/cart.wxml); the first is the home page. May be left out
    /// when the crate's `app.json` lists them (`pages/cart/cart`).
    #[serde(default)]
    pub pages: Vec<String>,
    /// Capabilities used beyond the core ones (view, nav, log, system, permission).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub permissions: BTreeSet<Capability>,
    /// Network origins the app calls (`scheme://host[:port]`): `http` and
    /// `https` for requests (with the `http` permission), `ws` and `wss`
    /// for WebSockets (with `socket`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
    /// App ids this app may open with `nav.open-mini-program`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_apps: Vec<String>,
    /// Consent scopes the app may ask for, each with the reason shown to the user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scopes: BTreeMap<Scope, String>,
}

/// A manifest that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML, an unknown key, or a field of the wrong type.
    #[error("manifest is not valid: {0}")]
    Syntax(String),
    /// A field holds a value the runtime refuses.
    #[error("manifest field `{field}` is invalid: {reason}")]
    Field {
        /// The offending field.
        field: &'static str,
        /// Why it is refused.
        reason: String,
    },
}

impl Manifest {
    /// Parse and validate a manifest from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ManifestError> {
        Manifest::from_toml_with_pages(text, None)
    }

    /// [`Manifest::from_toml`], its pages taken from `app_pages` (the
    /// routes `app.json` lists) when the TOML lists none.
    pub fn from_toml_with_pages(
        text: &str,
        app_pages: Option<&[String]>,
    ) -> Result<Self, ManifestError> {
        let mut manifest: Manifest = toml::from_str(text)
            .map_err(|e| ManifestError::Syntax(wechat_hint(toml_error(text, &e))))?;
        if let (true, Some(pages)) = (manifest.pages.is_empty(), app_pages) {
            manifest.pages = pages.to_vec();
        }
        manifest.validate()?;
        Ok(manifest)
    }

    /// The manifest as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest always serializes")
    }

    /// The home page: the first declared page.
    pub fn home_page(&self) -> &str {
        &self.pages[0]
    }

    /// Whether `route` is one of the declared pages.
    pub fn has_page(&self, route: &str) -> bool {
        self.pages.iter().any(|p| p == route)
    }

    /// Check every field.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let field = |field, reason: String| Err(ManifestError::Field { field, reason });
        if let Err(reason) = validate_app_id(&self.id) {
            return field("id", reason);
        }
        if self.name.trim().is_empty() || self.name.len() > 64 {
            return field("name", "must be 1 to 64 characters".into());
        }
        if let Err(reason) = plain_text(&self.name) {
            return field("name", reason);
        }
        if let Some(description) = &self.description {
            if description.len() > 512 {
                return field("description", "must be at most 512 bytes".into());
            }
            if let Err(reason) = plain_text(description) {
                return field("description", reason);
            }
        }
        if !is_semver(&self.version) {
            return field(
                "version",
                format!("`{}` is not a version like 1.2.3", self.version),
            );
        }
        if self.pages.is_empty() {
            return field(
                "pages",
                "declare at least one page (here, or in app.json's `pages`)".into(),
            );
        }
        if self.pages.len() > MAX_PAGES {
            return field("pages", format!("at most {MAX_PAGES} pages"));
        }
        let mut seen = BTreeSet::new();
        for page in &self.pages {
            if !is_route(page) {
                return field(
                    "pages",
                    format!("`{page}` is not a page route (letters, digits, `_`, `-`, `/`)"),
                );
            }
            // WeChat's app.json names a page by its files (`pages/index/index`);
            // a route is the path under `pages/`, where the files stay.
            if let Some(route) = page.strip_prefix("pages/") {
                return field(
                    "pages",
                    format!(
                        "page `{page}`: write `{route}` (a route leaves out `pages/`); \
                         its template stays at pages/{route}.wxml"
                    ),
                );
            }
            if !seen.insert(page) {
                return field("pages", format!("`{page}` is declared twice"));
            }
        }
        for origin in &self.origins {
            if let Err(reason) = crate::Origin::parse(origin) {
                return field("origins", reason);
            }
        }
        let (sockets, requests): (Vec<&String>, Vec<&String>) =
            (self.origins.iter()).partition(|o| o.starts_with("ws://") || o.starts_with("wss://"));
        if !requests.is_empty() && !self.permissions.contains(&Capability::Http) {
            return field(
                "origins",
                "origins are declared but `http` is not in `permissions`".into(),
            );
        }
        if !sockets.is_empty() && !self.permissions.contains(&Capability::Socket) {
            return field(
                "origins",
                "ws/wss origins are declared but `socket` is not in `permissions`".into(),
            );
        }
        for app in &self.open_apps {
            if let Err(reason) = validate_app_id(app) {
                return field("open_apps", format!("`{app}`: {reason}"));
            }
        }
        for (scope, reason) in &self.scopes {
            if reason.trim().is_empty() {
                return field(
                    "scopes",
                    format!("scope `{scope}` needs a reason shown to the user"),
                );
            }
            if reason.len() > 256 {
                return field(
                    "scopes",
                    format!("the reason of scope `{scope}` must be at most 256 bytes"),
                );
            }
            if let Err(why) = plain_text(reason) {
                return field("scopes", format!("the reason of scope `{scope}` {why}"));
            }
        }
        Ok(())
    }
}

/// Refuse text shown to users and operators that holds control or
/// invisible formatting characters (terminal escapes, line breaks, bidi
/// overrides): it must read as what it is.
pub(crate) fn plain_text(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| is_disguising(c)) {
        Some(c) => Err(format!(
            "must not contain control or formatting characters (found U+{:04X})",
            c as u32
        )),
        None => Ok(()),
    }
}

/// Whether `c` is a control character, or an invisible one that can
/// disguise text (bidi embeddings, overrides and isolates, zero-width
/// characters, line and paragraph separators).
pub fn is_disguising(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

/// `message` with where a WeChat config key belongs, when it names one
/// the manifest does not take.
fn wechat_hint(message: String) -> String {
    let hint = [
        (
            "window",
            "in app.json (app-wide) or the page's json (pages/ROUTE.json)",
        ),
        ("tabBar", "in app.json"),
        (
            "usingComponents",
            "in app.json (app-wide) or the page's json (pages/ROUTE.json)",
        ),
        ("subPackages", "in app.json"),
        ("permission", "in app.json"),
    ]
    .into_iter()
    .find(|(key, _)| message.contains(&format!("unknown field `{key}`")));
    match hint {
        Some((key, place)) => {
            format!("{message}; put `{key}` {place}, with WeChat's key names")
        }
        None => message,
    }
}

/// A TOML error as one line: where, and what.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// Check an app id: lowercase ASCII letters, digits, `.`, `-`, `_`; 3 to 64 characters.
pub fn validate_app_id(id: &str) -> Result<(), String> {
    if id.len() < 3 || id.len() > MAX_ID_LEN {
        return Err(format!("`{id}` must be 3 to {MAX_ID_LEN} characters"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(format!(
            "`{id}` may hold only lowercase letters, digits, `.`, `-` and `_`"
        ));
    }
    Ok(())
}

pub(crate) fn is_route(route: &str) -> bool {
    !route.is_empty()
        && route.len() <= 128
        && !route.starts_with('/')
        && !route.ends_with('/')
        && !route.contains("//")
        && route
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-/".contains(&b))
}

fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        id = "demo.todo"
        name = "Todo"
        version = "1.0.0"
        pages = ["index", "detail"]
        permissions = ["storage", "http"]
        origins = ["https://api.example.com"]
        [scopes]
        user-location = "Find stores near you"
    "#;

    #[test]
    fn parses_a_complete_manifest() {
        let m = Manifest::from_toml(GOOD).unwrap();
        assert_eq!(m.home_page(), "index");
        assert!(m.permissions.contains(&Capability::Storage));
        assert_eq!(m.scopes[&Scope::UserLocation], "Find stores near you");
        assert_eq!(Manifest::from_toml(&m.to_toml()).unwrap(), m);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Manifest::from_toml(&format!("colour = \"red\"\n{GOOD}")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("manifest is not valid: line 1: unknown field `colour`"),
            "{err}"
        );
    }

    #[test]
    fn a_wechat_config_key_says_which_json_holds_it() {
        for (key, place) in [
            (
                "window",
                "put `window` in app.json (app-wide) or the page's json",
            ),
            (
                "tabBar",
                "put `tabBar` in app.json, with WeChat's key names",
            ),
            ("usingComponents", "put `usingComponents` in app.json"),
        ] {
            let err = Manifest::from_toml(&format!("{GOOD}\n[{key}]\nx = 1\n")).unwrap_err();
            assert!(err.to_string().contains(place), "{key}: {err}");
        }
    }

    #[test]
    fn pages_may_come_from_app_json_and_are_needed_from_somewhere() {
        let text = GOOD.replace("pages = [\"index\", \"detail\"]", "");
        let err = Manifest::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("in app.json's `pages`"), "{err}");
        let app_pages = ["home".to_string(), "cart/cart".to_string()];
        let m = Manifest::from_toml_with_pages(&text, Some(&app_pages)).unwrap();
        assert_eq!(m.pages, app_pages);
        // Listed in the manifest, its own pages stand (app.json must agree:
        // AppConfig::agree_with).
        let m = Manifest::from_toml_with_pages(GOOD, Some(&app_pages)).unwrap();
        assert_eq!(m.pages, ["index", "detail"]);
    }

    #[test]
    fn unknown_permission_is_an_error() {
        let text = GOOD.replace("\"http\"]", "\"teleport\"]");
        let err = Manifest::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("teleport"), "{err}");
    }

    #[test]
    fn a_wechat_page_path_says_what_to_write_instead() {
        let text = GOOD.replace("\"detail\"]", "\"pages/index/index\"]");
        let err = Manifest::from_toml(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "manifest field `pages` is invalid: page `pages/index/index`: write `index/index` \
             (a route leaves out `pages/`); its template stays at pages/index/index.wxml"
        );
    }

    #[test]
    fn bad_fields_name_the_field() {
        for (from, to, field) in [
            ("demo.todo", "Demo Todo", "`id`"),
            ("1.0.0", "one", "`version`"),
            ("\"index\", \"detail\"", "\"index\", \"index\"", "`pages`"),
            ("https://api.example.com", "ftp://x", "`origins`"),
            // A socket origin needs `socket`, as a request's needs `http`.
            (
                "https://api.example.com",
                "wss://api.example.com",
                "`origins`",
            ),
            ("Todo", "Todo\\u001b]0;pwned\\u0007", "`name`"),
            ("Find stores near you", "Find\\nstores", "`scopes`"),
        ] {
            let err = Manifest::from_toml(&GOOD.replace(from, to)).unwrap_err();
            assert!(err.to_string().contains(field), "{field}: {err}");
        }
    }
}
