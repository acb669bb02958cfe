//! A page's config, `pages/ROUTE.json` beside its template (WeChat's page
//! json): window keys at its top level, overriding `app.json`'s `window`
//! for that page. Read as `app.json` is: errors at `file:line:col`.

use crate::app_json::{ConfigError, Reader};
use crate::window::Window;

/// Largest page json.
pub const MAX_PAGE_JSON_BYTES: usize = 16 * 1024;

/// Page keys WeChat documents that this host does not act on yet.
const NOT_YET: &[&str] = &[
    "usingComponents",
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
    /// Keys of no meaning on this host, each at its place.
    pub warnings: Vec<ConfigError>,
}

impl PageConfig {
    /// Read and check the text of `file` (`pages/cart.json`).
    pub fn parse(file: &str, text: &str) -> Result<PageConfig, ConfigError> {
        let (mut reader, root) = Reader::open(file, text, MAX_PAGE_JSON_BYTES)?;
        for key in root.keys().filter(|k| !Window::is_key(k)) {
            if key == "window" {
                return Err(reader.key_error(
                    key,
                    "a page's json sets window keys at its top level \
                     (`\"navigationBarTitleText\": ...`), not under `window`"
                        .into(),
                ));
            }
            let typed = crate::window::known_keys();
            reader.other_key(key, key, (NOT_YET, NO_MEANING), typed)?;
        }
        let window = Window::read(&mut reader, "", &root, true)?;
        Ok(PageConfig {
            window,
            warnings: reader.warnings,
        })
    }
}
