//! `app.json`'s `tabBar`, with WeChat's keys: 2 to 5 tab pages, each with
//! its text and icons, the bar's colours, border and position. The pages
//! are checked against the app's pages, and the icons against the
//! package's files, by the runtime's config check (which knows both).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app_json::{ConfigError, Reader};
use crate::json_pos::{Pos, join};

/// Fewest and most tabs, as on WeChat.
pub const TABS: std::ops::RangeInclusive<usize> = 2..=5;
/// Largest tab icon, as on WeChat (40 KB).
pub const MAX_ICON_BYTES: usize = 40 * 1024;
/// Longest tab text, characters.
const MAX_TEXT_CHARS: usize = 32;
/// An icon's file types, as on WeChat.
const ICON_TYPES: &[&str] = &["png", "jpg", "jpeg"];

/// The tab bar WeChat draws for the app's tab pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TabBar {
    /// The tabs' text colour, `#RRGGBB` (a client's default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// The selected tab's text colour, `#RRGGBB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_color: Option<String>,
    /// The bar's background, `#RRGGBB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// The bar's top border, `black` or `white` (WeChat's default `black`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub border_style: Option<String>,
    /// `bottom` or `top` (WeChat's default `bottom`); a bar at the top
    /// shows no icons, as on WeChat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The tabs, 2 to 5, in order.
    pub list: Vec<TabItem>,
}

/// One tab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TabItem {
    /// The tab's page, WeChat's form: `pages/ROUTE` (`pages/cart/cart`).
    pub page_path: String,
    /// The tab's text.
    pub text: String,
    /// The icon, a package file (png, jpg or jpeg, at most 40 KB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_path: Option<String>,
    /// The icon while the tab is selected, as `iconPath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_icon_path: Option<String>,
    /// Where things are in `app.json`, for the checks that need the
    /// package.
    #[serde(skip)]
    #[schemars(skip)]
    pub places: TabPlaces,
}

/// Where a tab's values are in `app.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TabPlaces {
    /// `pagePath`'s value.
    pub page_path: Pos,
    /// `iconPath`'s value.
    pub icon_path: Pos,
    /// `selectedIconPath`'s value.
    pub selected_icon_path: Pos,
}

impl TabItem {
    /// The tab page's route (`pages/cart/cart` is `cart/cart`).
    pub fn route(&self) -> &str {
        self.page_path
            .strip_prefix("pages/")
            .unwrap_or(&self.page_path)
    }
}

/// `tabBar` keys WeChat documents that this host does not act on yet.
const NOT_YET: &[&str] = &[];
/// `tabBar` keys WeChat documents that mean nothing on this host.
const NO_MEANING: &[&str] = &[];
/// The `tabBar` keys read here.
const TYPED: &[&str] = &[
    "color",
    "selectedColor",
    "backgroundColor",
    "borderStyle",
    "position",
    "custom",
    "list",
];
/// A tab's keys.
const ITEM_KEYS: &[&str] = &["pagePath", "text", "iconPath", "selectedIconPath"];

impl TabBar {
    /// Read `tabBar` (the value at `path` of the file `reader` reads).
    pub(crate) fn read(
        reader: &mut Reader,
        path: &str,
        value: &Value,
    ) -> Result<TabBar, ConfigError> {
        let Value::Object(object) = value else {
            return Err(reader.value_error(path, "`tabBar` must be an object".into()));
        };
        let mut bar = TabBar::default();
        for (key, value) in object {
            let at = join(path, key);
            match key.as_str() {
                "color" => bar.color = Some(reader.color(&at, value)?),
                "selectedColor" => bar.selected_color = Some(reader.color(&at, value)?),
                "backgroundColor" => bar.background_color = Some(reader.color(&at, value)?),
                "borderStyle" => {
                    bar.border_style = Some(reader.one_of(&at, value, &["black", "white"])?)
                }
                "position" => bar.position = Some(reader.one_of(&at, value, &["bottom", "top"])?),
                "custom" => {
                    if reader.bool(&at, value)? {
                        return Err(reader.value_error(
                            &at,
                            "`custom: true` is not supported yet (a tab bar drawn by a custom component comes with custom components)".into(),
                        ));
                    }
                }
                "list" => bar.list = read_list(reader, &at, value)?,
                key => reader.other_key(&at, key, (NOT_YET, NO_MEANING), TYPED.iter().copied())?,
            }
        }
        if !object.contains_key("list") {
            return Err(reader.key_error(
                path,
                "`tabBar` needs `list`: its 2 to 5 tabs, each {\"pagePath\", \"text\"}".into(),
            ));
        }
        Ok(bar)
    }

    /// The index of the tab whose page is `route`.
    pub fn index_of(&self, route: &str) -> Option<usize> {
        self.list.iter().position(|tab| tab.route() == route)
    }

    /// Whether the bar is at the top (where WeChat shows no icons).
    pub fn at_top(&self) -> bool {
        self.position.as_deref() == Some("top")
    }
}

/// `list`: 2 to 5 tabs, no page twice.
fn read_list(reader: &mut Reader, path: &str, value: &Value) -> Result<Vec<TabItem>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(reader.value_error(path, "`list` must be an array of tabs".into()));
    };
    if !TABS.contains(&items.len()) {
        return Err(reader.value_error(
            path,
            format!(
                "`list` must have {} to {} tabs, as on WeChat, not {}",
                TABS.start(),
                TABS.end(),
                items.len()
            ),
        ));
    }
    let mut tabs: Vec<TabItem> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = join(path, &index.to_string());
        let Value::Object(object) = item else {
            return Err(reader.value_error(
                &at,
                format!("tab {index} must be an object {{\"pagePath\", \"text\", \"iconPath\", \"selectedIconPath\"}}"),
            ));
        };
        let tab = read_item(reader, &at, index, object)?;
        if tabs.iter().any(|t| t.page_path == tab.page_path) {
            return Err(reader.value_error(
                &join(&at, "pagePath"),
                format!("page `{}` is a tab twice", tab.page_path),
            ));
        }
        tabs.push(tab);
    }
    Ok(tabs)
}

fn read_item(
    reader: &mut Reader,
    path: &str,
    index: usize,
    object: &Map<String, Value>,
) -> Result<TabItem, ConfigError> {
    let mut tab = TabItem::default();
    for (key, value) in object {
        let at = join(path, key);
        match key.as_str() {
            "pagePath" => {
                let page = reader.string(&at, value)?;
                if !page
                    .strip_prefix("pages/")
                    .is_some_and(crate::manifest::is_route)
                {
                    return Err(reader.value_error(
                        &at,
                        format!("`pagePath` `{page}` must be a page's path under pages/ (`pages/cart/cart`), without its extension"),
                    ));
                }
                tab.places.page_path = reader.at.value(&at);
                tab.page_path = page;
            }
            "text" => {
                let text = reader.string(&at, value)?;
                if text.chars().count() > MAX_TEXT_CHARS
                    || text.chars().any(crate::manifest::is_disguising)
                {
                    return Err(reader.value_error(
                        &at,
                        format!("`text` must be at most {MAX_TEXT_CHARS} characters of plain text (no control or formatting characters)"),
                    ));
                }
                tab.text = text;
            }
            "iconPath" => {
                tab.places.icon_path = reader.at.value(&at);
                tab.icon_path = Some(icon(reader, &at, value)?);
            }
            "selectedIconPath" => {
                tab.places.selected_icon_path = reader.at.value(&at);
                tab.selected_icon_path = Some(icon(reader, &at, value)?);
            }
            key => return Err(reader.unknown(&at, key, ITEM_KEYS.iter().copied())),
        }
    }
    if let Some(key) = ["pagePath", "text"]
        .iter()
        .find(|k| !object.contains_key(**k))
    {
        return Err(reader.value_error(path, format!("tab {index} needs `{key}`")));
    }
    Ok(tab)
}

/// An icon's path: a package file (no URL), png, jpg or jpeg; a leading
/// `/` is the package's root, as on WeChat.
fn icon(reader: &Reader, path: &str, value: &Value) -> Result<String, ConfigError> {
    let file = reader.string(path, value)?;
    let key = path.rsplit('/').next().unwrap_or(path);
    if file.contains("://") || file.starts_with("//") {
        return Err(reader.value_error(
            path,
            format!("`{key}` must be a file of the package, not a URL (`{file}`), as on WeChat"),
        ));
    }
    let file = file.trim_start_matches('/').to_string();
    let extension = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if !extension.is_some_and(|e| ICON_TYPES.contains(&e.as_str())) {
        return Err(reader.value_error(
            path,
            format!("`{key}` `{file}` must be a png, jpg or jpeg image"),
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests;
