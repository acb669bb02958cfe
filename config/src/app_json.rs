//! `app.json`, WeChat's app config, beside `miniapp.toml`: the app's pages
//! in WeChat's form (`pages/cart/cart`), its `window` and its `tabBar`. Parsed with
//! serde_json, then read key by key so each error is
//! `app.json:LINE:COL: what is wrong`. A key WeChat documents that this host
//! does not act on yet is refused naming it; one that means nothing here is
//! a warning; any other key is an error naming the closest known one.

use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::json_pos::{Pos, Positions, join};
use crate::tab_bar::TabBar;
use crate::window::Window;

/// The app config's file name, at the package's root.
pub const APP_JSON: &str = "app.json";
/// Largest `app.json`.
pub const MAX_APP_JSON_BYTES: usize = 64 * 1024;
/// Most pages `app.json` may list (as the manifest), with its
/// subpackages'.
pub(crate) const MAX_PAGES: usize = 256;
/// Deepest nesting whose positions are indexed.
const MAX_DEPTH: usize = 8;

/// A config file's problem (or warning) at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct ConfigError {
    /// The file, as the package names it (`app.json`, `pages/cart.json`).
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// `app.json`, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppConfig {
    /// The app's page routes from `pages` (`pages/cart/cart` is route
    /// `cart/cart`), if it lists them; the first is the home page.
    pub pages: Option<Vec<String>>,
    /// The app-wide window.
    pub window: Window,
    /// The tab bar, if the app has one.
    pub tab_bar: Option<TabBar>,
    /// The components every page's and component's template may use.
    pub using: Vec<crate::using::Using>,
    /// Each consent scope's reason from `permission`.
    pub permission: Vec<permission::Permission>,
    /// The location and address APIs `requiredPrivateInfos` declares, if
    /// the key is given (WeChat's names: `getLocation`, ...).
    pub required_private_infos: Option<Vec<String>>,
    /// Each kind of network call's default timeout, from `networkTimeout`.
    pub network_timeout: network_timeout::NetworkTimeout,
    /// The subpackages and preload rules (`subPackages`, `preloadRule`).
    pub sub_packages: crate::sub_packages::SubPackages,
    /// Keys of no meaning on this host, each at its place.
    pub warnings: Vec<ConfigError>,
    /// Where each listed page is, for [`AppConfig::agree_with`].
    page_positions: Vec<Pos>,
    /// Where `pages` is.
    pages_key: Pos,
}

/// `app.json` as editors see it: the keys this host acts on (the JSON
/// schema `miniapp schema app-json` prints).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AppJsonSchema {
    /// The pages, WeChat's form: `pages/ROUTE` (`pages/cart/cart`); the
    /// first is the home page. Optional; if `miniapp.toml` lists pages
    /// too, both must agree.
    pages: Option<Vec<String>>,
    /// The app-wide window; each page's `pages/ROUTE.json` overrides it.
    window: Option<Window>,
    /// The tab bar: 2 to 5 of the app's pages as tabs (`switchTab`
    /// moves between them; they are kept alive).
    #[serde(rename = "tabBar")]
    tab_bar: Option<TabBar>,
    /// Components every page's and component's template may use: tag to
    /// path (`/components/card/card`; a page's or component's own json
    /// wins for its tags).
    #[serde(rename = "usingComponents")]
    using_components: Option<std::collections::BTreeMap<String, String>>,
    /// Each consent scope's reason shown when the user is asked
    /// (`{"scope.userLocation": {"desc": "..."}}`, at most 30 characters);
    /// a scope may not also be in `miniapp.toml`'s `[scopes]`.
    permission: Option<std::collections::BTreeMap<String, PermissionSchema>>,
    /// The location and address APIs the app calls (`getLocation`,
    /// `chooseLocation`, `chooseAddress`, ...): an app with an app.json
    /// may call only those it lists, as on WeChat.
    #[serde(rename = "requiredPrivateInfos")]
    required_private_infos: Option<Vec<String>>,
    /// The default timeout in ms of `request`, `connectSocket`,
    /// `uploadFile` and `downloadFile` calls that name none; the
    /// operator's `http_timeout_ms` bounds it (the smaller wins).
    #[serde(rename = "networkTimeout")]
    network_timeout: Option<std::collections::BTreeMap<String, u32>>,
    /// Subpackages: pages grouped under a root folder, their templates,
    /// styles, json and assets under it, sent to a client when one of
    /// their pages is first shown (each at most 2 MiB; WeChat's alias
    /// `subpackages` is read too).
    #[serde(rename = "subPackages")]
    sub_packages: Option<Vec<SubPackageSchema>>,
    /// Per page (`pages/index/index`), the subpackages (by root or name)
    /// the host sends once that page is shown.
    #[serde(rename = "preloadRule")]
    preload_rule: Option<std::collections::BTreeMap<String, PreloadRuleSchema>>,
}

/// One subpackage of `subPackages`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SubPackageSchema {
    /// Its folder (`packageA`), outside pages/ and not inside another's.
    root: String,
    /// Its pages, relative to the root (`pages/cat/cat` is route
    /// `packageA/pages/cat/cat`).
    pages: Vec<String>,
    /// A name `preloadRule` may use instead of the root.
    name: Option<String>,
    /// Only `false`: an independent subpackage cannot run here (the app's
    /// logic is one component).
    independent: Option<bool>,
}

/// One page's `preloadRule` entry.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PreloadRuleSchema {
    /// `all` or `wifi` (the default): the network the preload needs.
    network: Option<String>,
    /// The subpackages, by root or name (at most 2 MiB together).
    packages: Vec<String>,
}

/// One scope's entry of `permission`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PermissionSchema {
    /// The reason shown in the consent prompt.
    desc: String,
}

/// Top-level keys WeChat documents that this host does not act on yet.
const NOT_YET: &[&str] = &[
    "entryPagePath",
    "workers",
    "requiredBackgroundModes",
    "plugins",
    "resizable",
    "darkmode",
    "themeLocation",
    "resolveAlias",
    "componentPlaceholder",
    "appBar",
];

/// Top-level keys WeChat documents that mean nothing on this host.
const NO_MEANING: &[&str] = &[
    "debug",
    "functionalPages",
    "sitemapLocation",
    "style",
    "lazyCodeLoading",
    "renderer",
    "rendererOptions",
    "componentFramework",
    "useExtendedLib",
    "enablePassiveEvent",
    "singlePage",
    "entranceDeclare",
    "embeddedAppIdList",
    "serviceProviderTicket",
    "supportedMaterials",
    "halfPage",
    "debugOptions",
    "static",
    "convertRpxToVw",
];

impl AppConfig {
    /// Read and check `app.json`'s text.
    pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
        let (mut reader, root) = Reader::open(APP_JSON, text, MAX_APP_JSON_BYTES)?;
        let mut config = AppConfig::default();
        let mut preload = None;
        for (key, value) in &root {
            match key.as_str() {
                "pages" => config.read_pages(&mut reader, value)?,
                "window" => {
                    let Value::Object(object) = value else {
                        return Err(
                            reader.value_error("window", "`window` must be an object".into())
                        );
                    };
                    if let Some(key) = object.keys().find(|k| !Window::is_key(k)) {
                        return Err(reader.unknown(
                            &join("window", key),
                            key,
                            crate::window::known_keys(),
                        ));
                    }
                    config.window = Window::read(&mut reader, "window", object, false)?;
                }
                "tabBar" => {
                    crate::sub_packages::refuse_tabs_in(&reader, &root, value)?;
                    config.tab_bar = Some(TabBar::read(&mut reader, "tabBar", value)?);
                }
                "usingComponents" => config.using = crate::using::read(&reader, key, value)?,
                "permission" => config.permission = permission::read(&reader, key, value)?,
                "networkTimeout" => {
                    config.network_timeout = network_timeout::read(&reader, key, value)?;
                }
                "requiredPrivateInfos" => {
                    config.required_private_infos = Some(private_infos::read(&reader, key, value)?);
                }
                "subPackages" | "subpackages" => {
                    config.read_sub_packages(&mut reader, key, &root)?
                }
                "preloadRule" => preload = Some(value),
                key => {
                    let typed = ["pages", "window", "tabBar", "usingComponents"].into_iter();
                    let typed =
                        typed.chain(["permission", "requiredPrivateInfos", "networkTimeout"]);
                    let typed = typed.chain(["subPackages", "preloadRule"]);
                    reader.other_key(key, key, (NOT_YET, NO_MEANING), typed)?;
                }
            }
        }
        if let Some(value) = preload {
            let main = config.pages.clone().unwrap_or_default();
            config.sub_packages.preload = crate::sub_packages::read_preload(
                &mut reader,
                value,
                &main,
                &config.sub_packages.list,
            )?;
        }
        config.warnings = reader.warnings;
        Ok(config)
    }

    /// `subPackages` (or WeChat's alias `subpackages`, not both), read
    /// against the main pages (`pages` sorts before both keys).
    fn read_sub_packages(
        &mut self,
        reader: &mut Reader,
        key: &str,
        root: &Map<String, Value>,
    ) -> Result<(), ConfigError> {
        if key == "subpackages" && root.contains_key("subPackages") {
            return Err(reader.key_error(
                key,
                "`subpackages` and `subPackages` are the same key: give one".into(),
            ));
        }
        let main = self.pages.clone().unwrap_or_default();
        // Within MAX_PAGES with the main pages, checked page by page.
        self.sub_packages.list = crate::sub_packages::read(reader, key, &root[key], &main)?;
        Ok(())
    }

    /// Every page route `app.json` gives, if it lists `pages`: the main
    /// package's, then each subpackage's (`packageA/pages/cat/cat`).
    pub fn routes(&self) -> Option<Vec<String>> {
        let pages = self.pages.as_ref()?;
        Some(
            pages
                .iter()
                .chain(self.sub_packages.routes())
                .cloned()
                .collect(),
        )
    }

    fn read_pages(&mut self, reader: &mut Reader, value: &Value) -> Result<(), ConfigError> {
        self.pages_key = reader.at.key("pages");
        let Value::Array(items) = value else {
            return Err(
                reader.value_error("pages", "`pages` must be an array of page paths".into())
            );
        };
        if items.is_empty() || items.len() > MAX_PAGES {
            return Err(
                reader.value_error("pages", format!("`pages` must list 1 to {MAX_PAGES} pages"))
            );
        }
        let mut routes: Vec<String> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = join("pages", &index.to_string());
            let path = reader.string(&at, item)?;
            let Some(route) = path
                .strip_prefix("pages/")
                .filter(|r| crate::manifest::is_route(r))
            else {
                return Err(reader.value_error(
                    &at,
                    format!("page `{path}` must be a path under pages/ (`pages/index/index`: letters, digits, `_`, `-`, `/`), without its extension"),
                ));
            };
            if routes.iter().any(|r| r == route) {
                return Err(reader.value_error(&at, format!("page `{path}` is listed twice")));
            }
            routes.push(route.to_string());
            self.page_positions.push(reader.at.value(&at));
        }
        self.pages = Some(routes);
        Ok(())
    }

    /// Check that `app.json`'s pages, if it lists them, are the manifest's
    /// `routes` in the same order; the error names the first difference.
    pub fn agree_with(&self, routes: &[String]) -> Result<(), ConfigError> {
        let at = |pos: Pos, message: String| ConfigError {
            file: APP_JSON.into(),
            line: pos.line,
            col: pos.col,
            message,
        };
        let Some(pages) = &self.pages else {
            return match self.sub_packages.routes().find(|r| !routes.contains(r)) {
                Some(page) => Err(at(
                    self.sub_packages.place_of(page).unwrap_or_default(),
                    format!(
                        "subpackage page `{page}` is not in miniapp.toml's pages (list it there too, after the main pages, or list the main pages in app.json's `pages`)"
                    ),
                )),
                None => Ok(()),
            };
        };
        let sub = (self.sub_packages.routes())
            .map(|r| (r, self.sub_packages.place_of(r).unwrap_or_default()));
        let listed: Vec<(&String, Pos)> = (pages.iter())
            .zip(self.page_positions.iter().copied())
            .chain(sub)
            .collect();
        for (index, (page, place)) in listed.iter().copied().enumerate() {
            let main = index < pages.len();
            let message = match (routes.get(index), main) {
                (Some(route), _) if route == page => continue,
                (Some(route), true) => format!(
                    "pages[{index}] is `pages/{page}` but miniapp.toml's pages[{index}] is `{route}` (write `pages/{route}` here, or leave `pages` out of miniapp.toml)"
                ),
                (None, true) => format!(
                    "pages[{index}] `pages/{page}` is not in miniapp.toml's pages (list it there too, or leave `pages` out of miniapp.toml)"
                ),
                (Some(route), false) => format!(
                    "subpackage page `{page}` is not miniapp.toml's pages[{index}] `{route}` (miniapp.toml lists the main pages, then each subpackage's, as app.json does; or leave `pages` out of miniapp.toml)"
                ),
                (None, false) => format!(
                    "subpackage page `{page}` is not in miniapp.toml's pages (list it there too, after the main pages, or leave `pages` out of miniapp.toml)"
                ),
            };
            return Err(at(place, message));
        }
        if let Some(route) = routes.get(listed.len()) {
            return Err(at(
                self.pages_key,
                format!(
                    "miniapp.toml's page `{route}` is not in `pages` (add `pages/{route}`, or leave `pages` out of miniapp.toml)"
                ),
            ));
        }
        Ok(())
    }
}

/// Reads one config file's values, each error and warning at its place.
pub(crate) struct Reader {
    file: String,
    pub(crate) at: Positions,
    pub(crate) warnings: Vec<ConfigError>,
}

impl Reader {
    /// `text` as the JSON object a config file holds, at most `max_bytes`.
    pub(crate) fn open(
        file: &str,
        text: &str,
        max_bytes: usize,
    ) -> Result<(Reader, Map<String, Value>), ConfigError> {
        let error = |line, col, message| ConfigError {
            file: file.into(),
            line,
            col,
            message,
        };
        if text.len() > max_bytes {
            return Err(error(
                1,
                1,
                format!(
                    "{} bytes is over the {max_bytes}-byte limit of this file",
                    text.len()
                ),
            ));
        }
        let root: Value = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            error(
                e.line().max(1),
                e.column().max(1),
                format!("not valid JSON: {message}"),
            )
        })?;
        let Value::Object(root) = root else {
            return Err(error(1, 1, "must hold a JSON object".into()));
        };
        let reader = Reader {
            file: file.into(),
            at: Positions::scan(text, MAX_DEPTH),
            warnings: Vec::new(),
        };
        Ok((reader, root))
    }

    /// The file it reads (`app.json`).
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    fn error(&self, pos: Pos, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
            message,
        }
    }

    /// An error at the key of `path`.
    pub(crate) fn key_error(&self, path: &str, message: String) -> ConfigError {
        self.error(self.at.key(path), message)
    }

    /// An error at the value of `path`.
    pub(crate) fn value_error(&self, path: &str, message: String) -> ConfigError {
        self.error(self.at.value(path), message)
    }

    /// A warning at the key of `path`.
    pub(crate) fn warn(&mut self, path: &str, message: String) {
        let warning = self.key_error(path, message);
        self.warnings.push(warning);
    }

    /// `key` (at `path`), none of the typed keys: refused if it is one of
    /// `not_yet`, a warning if one of `no_meaning`, else an error naming
    /// the closest of those and `typed`.
    pub(crate) fn other_key<'a>(
        &mut self,
        path: &str,
        key: &str,
        (not_yet, no_meaning): (&[&'a str], &[&'a str]),
        typed: impl Iterator<Item = &'a str>,
    ) -> Result<(), ConfigError> {
        if not_yet.contains(&key) {
            return Err(self.key_error(path, format!("`{key}` is not supported yet")));
        }
        if no_meaning.contains(&key) {
            self.warn(
                path,
                format!("`{key}` has no meaning on this host and is ignored"),
            );
            return Ok(());
        }
        let known = typed
            .chain(not_yet.iter().copied())
            .chain(no_meaning.iter().copied());
        Err(self.unknown(path, key, known))
    }

    /// `key` (at `path`) is none of `known`: an error naming the closest.
    pub(crate) fn unknown<'a>(
        &self,
        path: &str,
        key: &str,
        known: impl Iterator<Item = &'a str>,
    ) -> ConfigError {
        let closest = known.min_by_key(|k| distance(&k.to_lowercase(), &key.to_lowercase()));
        let message = match closest {
            Some(k)
                if distance(&k.to_lowercase(), &key.to_lowercase())
                    <= key.chars().count().div_ceil(3).max(2) =>
            {
                format!("unknown key `{key}`: did you mean `{k}`?")
            }
            _ => format!("unknown key `{key}`"),
        };
        self.key_error(path, message)
    }

    pub(crate) fn string(&self, path: &str, value: &Value) -> Result<String, ConfigError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            _ => Err(self.value_error(path, format!("`{}` must be a string", last(path)))),
        }
    }

    pub(crate) fn bool(&self, path: &str, value: &Value) -> Result<bool, ConfigError> {
        match value {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.value_error(path, format!("`{}` must be true or false", last(path)))),
        }
    }

    /// A colour as WeChat writes it: `#RRGGBB` (or `#RGB`), kept lowercase.
    pub(crate) fn color(&self, path: &str, value: &Value) -> Result<String, ConfigError> {
        let text = self.string(path, value)?;
        let hex = text.strip_prefix('#').unwrap_or("");
        match (hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            true => Ok(text.to_ascii_lowercase()),
            false => Err(self.value_error(
                path,
                format!(
                    "`{}` must be a colour like #1aad19, not `{text}`",
                    last(path)
                ),
            )),
        }
    }

    /// One of `allowed`.
    pub(crate) fn one_of(
        &self,
        path: &str,
        value: &Value,
        allowed: &[&str],
    ) -> Result<String, ConfigError> {
        let text = self.string(path, value)?;
        match allowed.contains(&text.as_str()) {
            true => Ok(text),
            false => Err(self.value_error(
                path,
                format!(
                    "`{}` must be {}, not `{text}`",
                    last(path),
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
        }
    }
}

/// The last part of `path`: the key an error names.
fn last(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The edit distance between `a` and `b`.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

pub mod network_timeout;
pub mod permission;
pub mod private_infos;
#[cfg(test)]
mod tests;
