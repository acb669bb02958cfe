//! A page's config, `pages/ROUTE.json` beside its template (WeChat's page
//! json): window keys at its top level, overriding `app.json`'s `window`
//! for that page. Read as `app.json` is: errors at `file:line:col`.

use crate::app_json::{ConfigError, Reader};
use crate::using::Using;
use crate::window::Window;

/// Largest page json.
pub const MAX_PAGE_JSON_BYTES: usize = 16 * 1024;

/// Page keys WeChat documents that this host does not act on yet.
const NOT_YET: &[&str] = &[
    "component",
    "styleIsolation",
    "componentPlaceholder",
    "componentGenerics",
];

/// Page keys WeChat documents that mean nothing on this host.
const NO_MEANING: &[&str] = &["style", "singlePage"];

/// Where page `route`'s config is: `pages/ROUTE.json`.
pub fn page_json_path(route: &str) -> String {
    format!("pages/{route}.json")
}

/// A page's json, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageConfig {
    /// The window keys it sets (overriding the app's).
    pub window: Window,
    /// The components its template uses (over app.json's).
    pub using: Vec<Using>,
    /// Keys of no meaning on this host, each at its place.
    pub warnings: Vec<ConfigError>,
}

impl PageConfig {
    /// Read and check the text of `file` (`pages/cart.json`).
    pub fn parse(file: &str, text: &str) -> Result<PageConfig, ConfigError> {
        let (mut reader, root) = Reader::open(file, text, MAX_PAGE_JSON_BYTES)?;
        let mut using = Vec::new();
        for key in root.keys().filter(|k| !Window::is_key(k)) {
            if key == "usingComponents" {
                using = crate::using::read(&reader, key, &root[key])?;
                continue;
            }
            if key == "window" {
                return Err(reader.key_error(
                    key,
                    "a page's json sets window keys at its top level \
                     (`\"navigationBarTitleText\": ...`), not under `window`"
                        .into(),
                ));
            }
            let typed = crate::window::known_keys().chain(["usingComponents"]);
            reader.other_key(key, key, (NOT_YET, NO_MEANING), typed)?;
        }
        let window = Window::read(&mut reader, "", &root, true)?;
        Ok(PageConfig {
            window,
            using,
            warnings: reader.warnings,
        })
    }
}

/// A custom component's own json (`components/card/card.json`), which
/// makes the folder a component: `"component": true`, the components its
/// template uses, and how its styles meet the page's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentConfig {
    /// The components its template uses (over app.json's).
    pub using: Vec<Using>,
    /// Its `styleIsolation`, if set here (`isolated`, `apply-shared`,
    /// `shared`; the logic's options may set it too).
    pub style_isolation: Option<String>,
}

/// A component json's keys WeChat documents that this host does not act on yet.
const COMPONENT_NOT_YET: &[&str] = &["componentGenerics", "componentPlaceholder"];

impl ComponentConfig {
    /// Read and check the text of `file`, which must say `"component": true`.
    pub fn parse(file: &str, text: &str) -> Result<ComponentConfig, ConfigError> {
        let (mut reader, root) = Reader::open(file, text, MAX_PAGE_JSON_BYTES)?;
        let mut config = ComponentConfig::default();
        let mut component = false;
        for (key, value) in &root {
            match key.as_str() {
                "component" => component = reader.bool(key, value)?,
                "usingComponents" => config.using = crate::using::read(&reader, key, value)?,
                "styleIsolation" => {
                    let modes = [
                        "isolated",
                        "apply-shared",
                        "shared",
                        "page-isolated",
                        "page-apply-shared",
                        "page-shared",
                    ];
                    let mode = reader.one_of(key, value, &modes)?;
                    config.style_isolation = Some(mode);
                }
                key => {
                    let typed = ["component", "usingComponents", "styleIsolation"].into_iter();
                    reader.other_key(key, key, (COMPONENT_NOT_YET, &[]), typed)?;
                }
            }
        }
        if !component {
            return Err(ConfigError {
                file: file.into(),
                line: 1,
                col: 1,
                message: "a component's json must say `\"component\": true`".into(),
            });
        }
        Ok(config)
    }
}
