//! `app.json`'s `subPackages` (WeChat's alias `subpackages`) and
//! `preloadRule`: pages grouped under a root folder (`packageA`), each
//! page's route its root and its path (`packageA/pages/cat/cat`), its
//! templates, styles, json and assets under that root; and the packages a
//! page has the host send once it is shown. Every error at `app.json:L:C`.
//!
//! `independent: true` is refused: a Rust app's logic is one component, so
//! no package can run without the main one (WeChat's independent
//! subpackages start without the main package's code).

use serde_json::{Map, Value};

use crate::app_json::{ConfigError, Reader};
use crate::json_pos::{Pos, join};

/// Most subpackages an app may have.
pub const MAX_SUB_PACKAGES: usize = 64;
/// Most bytes of one subpackage's files, as on WeChat (2 MB).
pub const MAX_SUB_PACKAGE_BYTES: u64 = 2 * 1024 * 1024;
/// Most bytes of the packages one page preloads, as on WeChat (2 MB).
pub const MAX_PRELOAD_BYTES: u64 = 2 * 1024 * 1024;
/// The keys of one subpackage.
const KEYS: &[&str] = &["root", "pages", "name", "independent"];
/// Subpackage keys WeChat documents that this host does not act on yet.
const NOT_YET: &[&str] = &["plugins", "entry", "componentPlaceholder"];

/// One subpackage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubPackage {
    /// Its folder in the package, without a trailing `/` (`packageA`).
    pub root: String,
    /// Its name, if given (`preloadRule` and `wx.loadSubpackage` may name
    /// a package by it or by its root).
    pub name: Option<String>,
    /// Its pages' routes: the root and each page (`packageA/pages/cat/cat`).
    pub routes: Vec<String>,
    /// Where its root and each page are in `app.json`.
    places: Vec<Pos>,
}

/// When a preload rule's packages are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// On any network.
    All,
    /// Only on Wi-Fi (WeChat's default).
    #[default]
    Wifi,
}

/// One `preloadRule` entry: once page `route` is shown, the host sends
/// `packages` (by root) if the network allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadRule {
    /// The page whose showing triggers it (a route: `index/index`, or a
    /// subpackage's `packageA/pages/cat/cat`).
    pub route: String,
    /// The network it needs.
    pub network: Network,
    /// The packages, by root, in order.
    pub packages: Vec<String>,
    /// Where the rule is in `app.json`.
    pub place: Pos,
}

/// An app's subpackages and preload rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubPackages {
    /// The subpackages, in `app.json`'s order.
    pub list: Vec<SubPackage>,
    /// The preload rules, by page.
    pub preload: Vec<PreloadRule>,
}

impl SubPackages {
    /// Every subpackage page's route, package by package.
    pub fn routes(&self) -> impl Iterator<Item = &String> {
        self.list.iter().flat_map(|p| p.routes.iter())
    }

    /// The subpackage page `route` is in (`None`: the main package).
    pub fn of_route(&self, route: &str) -> Option<&SubPackage> {
        self.list
            .iter()
            .find(|p| p.routes.iter().any(|r| r == route))
    }

    /// The subpackage package file `path` is under (`packageA/a.png`).
    pub fn of_file(&self, path: &str) -> Option<&SubPackage> {
        self.list.iter().find(|p| p.holds(path))
    }

    /// The subpackage named `name` (its root or its name).
    pub fn named(&self, name: &str) -> Option<&SubPackage> {
        (self.list.iter()).find(|p| p.root == name || p.name.as_deref() == Some(name))
    }

    /// Where subpackage page `route` is listed in `app.json`.
    pub fn place_of(&self, route: &str) -> Option<Pos> {
        self.list.iter().find_map(|p| {
            let index = p.routes.iter().position(|r| r == route)?;
            p.places.get(index + 1).copied()
        })
    }

    /// The subpackage package file `to` is in, when file `from` is not in
    /// it: a use WeChat refuses (a subpackage's files are for its own
    /// pages and components; the main package's are for all).
    pub fn foreign(&self, from: &str, to: &str) -> Option<&SubPackage> {
        let owner = self.of_file(to)?;
        (self.of_file(from).map(|p| &p.root) != Some(&owner.root)).then_some(owner)
    }

    /// The preload rule of page `route`, if it has one.
    pub fn preload_of(&self, route: &str) -> Option<&PreloadRule> {
        self.preload.iter().find(|r| r.route == route)
    }
}

impl SubPackage {
    /// Whether package file `path` is under this subpackage's root.
    pub fn holds(&self, path: &str) -> bool {
        path.strip_prefix(&self.root)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Where its root is in `app.json`.
    pub fn place(&self) -> Pos {
        self.places.first().copied().unwrap_or_default()
    }

    /// Its name if it has one, else its root: how messages name it.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.root)
    }
}

/// Read `subPackages` (at `key`, `subPackages` or `subpackages`) against
/// the main package's routes `main`.
pub(crate) fn read(
    reader: &mut Reader,
    key: &str,
    value: &Value,
    main: &[String],
) -> Result<Vec<SubPackage>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(reader.value_error(key, format!("`{key}` must be an array of subpackages")));
    };
    if items.len() > MAX_SUB_PACKAGES {
        return Err(reader.value_error(
            key,
            format!(
                "`{key}` lists {} subpackages; at most {MAX_SUB_PACKAGES}",
                items.len()
            ),
        ));
    }
    let mut packages: Vec<SubPackage> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = join(key, &index.to_string());
        let Value::Object(object) = item else {
            return Err(reader.value_error(
                &at,
                "a subpackage must be an object with `root` and `pages`".into(),
            ));
        };
        let package = read_one(reader, &at, object, main, &packages)?;
        packages.push(package);
    }
    Ok(packages)
}

/// One subpackage at `at`, checked against the main routes and the
/// packages before it.
fn read_one(
    reader: &mut Reader,
    at: &str,
    object: &Map<String, Value>,
    main: &[String],
    before: &[SubPackage],
) -> Result<SubPackage, ConfigError> {
    for key in object.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        let path = join(at, key);
        reader.other_key(&path, key, (NOT_YET, &[]), KEYS.iter().copied())?;
    }
    let root_at = join(at, "root");
    let Some(root) = object.get("root") else {
        return Err(reader.key_error(at, "a subpackage needs its `root` folder".into()));
    };
    let root = reader.string(&root_at, root)?;
    let root = root.trim_end_matches('/').to_string();
    let refuse = |message: String| Err(reader.value_error(&root_at, message));
    if !crate::manifest::is_route(&root) || root.split('/').any(|p| p == "." || p == "..") {
        return refuse(format!(
            "`root` `{root}` must be a folder of the package (letters, digits, `_`, `-`, `/`)"
        ));
    }
    // Folders that differ only in case are one folder on a case-insensitive
    // disk (macOS's, Windows'): compared in lower case.
    let folded = root.to_ascii_lowercase();
    if folded == "pages" || folded.starts_with("pages/") {
        let page = main.iter().find(|r| {
            format!("pages/{r}")
                .to_ascii_lowercase()
                .starts_with(&format!("{folded}/"))
        });
        return refuse(match page {
            Some(page) => format!(
                "`root` `{root}` is the folder of main page `pages/{page}`: a subpackage's root is a folder of its own, outside pages/"
            ),
            None => format!(
                "`root` `{root}` is inside pages/, the main package's folder: a subpackage's root is a folder of its own"
            ),
        });
    }
    for other in before {
        if other.root == root {
            return refuse(format!(
                "`root` `{root}` is also subpackage `{}`'s",
                other.label()
            ));
        }
        if other.root.to_ascii_lowercase() == folded {
            return refuse(format!(
                "`root` `{root}` and subpackage `{}`'s root `{}` differ only in case: they are one folder on a case-insensitive disk",
                other.label(),
                other.root
            ));
        }
        if other.name.as_deref() == Some(root.as_str()) {
            return refuse(format!(
                "`root` `{root}` is subpackage `{}`'s name: a preload rule naming it would be ambiguous",
                other.root
            ));
        }
        let inside = |a: &str, b: &str| a.starts_with(&format!("{b}/"));
        let other_folded = other.root.to_ascii_lowercase();
        if inside(&folded, &other_folded) || inside(&other_folded, &folded) {
            return refuse(format!(
                "`root` `{root}` and subpackage `{}`'s root `{}` are one inside the other",
                other.label(),
                other.root
            ));
        }
    }
    let name = match object.get("name") {
        None => None,
        Some(value) => {
            let path = join(at, "name");
            let name = reader.string(&path, value)?;
            if name.is_empty() || name.len() > 64 {
                return Err(reader.value_error(&path, "`name` must be 1 to 64 bytes".into()));
            }
            if let Some(other) =
                (before.iter()).find(|o| o.name.as_deref() == Some(name.as_str()) || o.root == name)
            {
                return Err(reader.value_error(
                    &path,
                    format!("`name` `{name}` is also subpackage `{}`'s", other.root),
                ));
            }
            Some(name)
        }
    };
    if let Some(value) = object.get("independent") {
        let path = join(at, "independent");
        if reader.bool(&path, value)? {
            return Err(reader.key_error(
                &path,
                "`independent: true` is not supported: a Rust app's logic is one component, shared by every package, so no subpackage can run without the main package".into(),
            ));
        }
    }
    let mut package = SubPackage {
        root,
        name,
        routes: Vec::new(),
        places: vec![reader.at.value(&root_at)],
    };
    read_pages(reader, at, object, main, before, &mut package)?;
    Ok(package)
}

/// The `pages` of subpackage `package` (at `at`), each a route once.
fn read_pages(
    reader: &mut Reader,
    at: &str,
    object: &Map<String, Value>,
    main: &[String],
    before: &[SubPackage],
    package: &mut SubPackage,
) -> Result<(), ConfigError> {
    let pages_at = join(at, "pages");
    let items = match object.get("pages") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(_) => {
            return Err(reader.value_error(
                &pages_at,
                "a subpackage's `pages` must list at least one page path (relative to its root)"
                    .into(),
            ));
        }
        None => return Err(reader.key_error(at, "a subpackage needs its `pages`".into())),
    };
    // Each page is checked against every one before it: at most the
    // app's MAX_PAGES are read.
    let before_count = main.len() + before.iter().map(|p| p.routes.len()).sum::<usize>();
    for (index, item) in items.iter().enumerate() {
        let path = join(&pages_at, &index.to_string());
        let page = reader.string(&path, item)?;
        let route = format!("{}/{page}", package.root);
        if before_count + package.routes.len() >= crate::app_json::MAX_PAGES {
            return Err(reader.value_error(
                &path,
                format!(
                    "page `{route}` is over the app's limit of {} pages (its own and its subpackages')",
                    crate::app_json::MAX_PAGES
                ),
            ));
        }
        if !crate::manifest::is_route(&page) || !crate::manifest::is_route(&route) {
            return Err(reader.value_error(
                &path,
                format!("page `{page}` must be a path relative to the subpackage's root (`pages/cat/cat`: letters, digits, `_`, `-`, `/`), without its extension"),
            ));
        }
        if package.routes.contains(&route) {
            return Err(reader.value_error(&path, format!("page `{route}` is listed twice")));
        }
        let elsewhere = main
            .contains(&route)
            .then(|| "the main package".to_string())
            .or_else(|| {
                (before.iter())
                    .find(|p| p.routes.contains(&route))
                    .map(|p| format!("subpackage `{}`", p.label()))
            });
        if let Some(elsewhere) = elsewhere {
            return Err(reader.value_error(
                &path,
                format!("page `{route}` is in two packages: this one and {elsewhere}"),
            ));
        }
        package.routes.push(route);
        package.places.push(reader.at.value(&path));
    }
    Ok(())
}

/// A `tabBar` (its `value`) whose tab is a page under one of the roots
/// `subPackages` (or `subpackages`) in `root` gives: refused, as on WeChat
/// (tab pages are the main package's).
pub(crate) fn refuse_tabs_in(
    reader: &Reader,
    root: &Map<String, Value>,
    value: &Value,
) -> Result<(), ConfigError> {
    let packages = ["subPackages", "subpackages"]
        .iter()
        .filter_map(|k| root.get(*k));
    let roots: Vec<&str> = (packages.filter_map(Value::as_array).flatten())
        .filter_map(|p| p.get("root")?.as_str())
        .map(|r| r.trim_end_matches('/'))
        .collect();
    let tabs = value
        .get("list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (index, tab) in tabs.enumerate() {
        let Some(page) = tab.get("pagePath").and_then(Value::as_str) else {
            continue;
        };
        let page = page.trim_start_matches('/');
        if let Some(found) = roots.iter().find(|r| page.starts_with(&format!("{r}/"))) {
            let path = join(&join("tabBar/list", &index.to_string()), "pagePath");
            return Err(reader.value_error(
                &path,
                format!("tab page `{page}` is in subpackage `{found}`: a tab bar's pages must be in the main package, as on WeChat"),
            ));
        }
    }
    Ok(())
}

/// Read `preloadRule` (its `value`) against the app's pages and packages.
pub(crate) fn read_preload(
    reader: &mut Reader,
    value: &Value,
    main: &[String],
    packages: &[SubPackage],
) -> Result<Vec<PreloadRule>, ConfigError> {
    let key = "preloadRule";
    let Value::Object(rules) = value else {
        return Err(reader.value_error(
            key,
            "`preloadRule` must be an object: page path to its rule".into(),
        ));
    };
    let mut read = Vec::new();
    for (page, rule) in rules {
        let at = join(key, page);
        let route = page
            .strip_prefix("pages/")
            .filter(|r| main.iter().any(|m| m == r));
        let route = route.map(str::to_string).or_else(|| {
            (packages.iter().flat_map(|p| &p.routes))
                .find(|r| *r == page)
                .cloned()
        });
        let Some(route) = route else {
            return Err(reader.key_error(
                &at,
                format!("`{page}` is not a page of the app (write it as app.json lists it: `pages/index/index`, or a subpackage's `packageA/pages/cat/cat`)"),
            ));
        };
        let Value::Object(rule) = rule else {
            return Err(reader.value_error(
                &at,
                "a preload rule must be an object with `packages` (and `network`)".into(),
            ));
        };
        let keys = ["network", "packages"];
        if let Some(key) = rule.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(reader.unknown(&join(&at, key), key, keys.into_iter()));
        }
        let network = match rule.get("network") {
            None => Network::Wifi,
            Some(value) => match reader
                .one_of(&join(&at, "network"), value, &["all", "wifi"])?
                .as_str()
            {
                "all" => Network::All,
                _ => Network::Wifi,
            },
        };
        let packages_at = join(&at, "packages");
        let names = match rule.get("packages") {
            Some(Value::Array(names)) if !names.is_empty() => names,
            Some(_) => {
                return Err(reader.value_error(
                    &packages_at,
                    "`packages` must list at least one subpackage, by root or name".into(),
                ));
            }
            None => return Err(reader.key_error(&at, "a preload rule needs its `packages`".into())),
        };
        let mut roots = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let path = join(&packages_at, &index.to_string());
            let name = reader.string(&path, name)?;
            let found = (packages.iter())
                .find(|p| p.root == name.trim_end_matches('/') || p.name.as_deref() == Some(&name));
            let Some(found) = found else {
                let known: Vec<String> = packages
                    .iter()
                    .map(|p| format!("`{}`", p.label()))
                    .collect();
                return Err(reader.value_error(
                    &path,
                    format!(
                        "no subpackage `{name}` (by root or name){}",
                        match known.is_empty() {
                            true => ": the app has no subpackages".to_string(),
                            false => format!("; the app's: {}", known.join(", ")),
                        }
                    ),
                ));
            };
            if !roots.contains(&found.root) {
                roots.push(found.root.clone());
            }
        }
        read.push(PreloadRule {
            route,
            network,
            packages: roots,
            place: reader.at.key(&at),
        });
    }
    Ok(read)
}

#[cfg(test)]
mod tests;
