//! A page's window (WeChat's `window` keys): the navigation bar's title,
//! colours and text style, and the window's background, app-wide in
//! `app.json` and overridden per page in `pages/ROUTE.json`.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app_json::{ConfigError, Reader};

/// The window keys this host acts on, with WeChat's names; every one
/// optional (a client draws WeChat's default for one left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// The navigation bar's title (WeChat's default: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub navigation_bar_title_text: Option<String>,
    /// The navigation bar's colour, `#RRGGBB` (WeChat's default `#000000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub navigation_bar_background_color: Option<String>,
    /// The colour of the bar's title and buttons, `black` or `white`
    /// (WeChat's default `white`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub navigation_bar_text_style: Option<String>,
    /// The window's background, seen behind the page when it is pulled
    /// down, `#RRGGBB` (WeChat's default `#ffffff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// The pull-down loading dots' style, `dark` or `light` (WeChat's
    /// default `dark`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_text_style: Option<String>,
    /// The page does not scroll as a whole (its scroll-views still do);
    /// only a page's json sets it, as on WeChat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_scroll: Option<bool>,
    /// Pulling the page down fires its `onPullDownRefresh` (WeChat's
    /// default: off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_pull_down_refresh: Option<bool>,
    /// How near the page's bottom, px, its `onReachBottom` fires (WeChat's
    /// default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_reach_bottom_distance: Option<u32>,
    /// `custom`: the page draws its own bar; the host hides its navigation
    /// bar (the capsule stays, where `wx.getMenuButtonBoundingClientRect`
    /// says) and the page starts at the top of the screen, behind the
    /// status bar. `default` or left out: the host's bar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub navigation_style: Option<String>,
}

/// Window keys WeChat documents that this host does not act on yet: refused
/// naming the key.
const NOT_YET: &[&str] = &[
    "backgroundColorTop",
    "backgroundColorBottom",
    "backgroundColorContent",
    "homeButton",
    "pageOrientation",
    "restartStrategy",
    "visualEffectInBackground",
];

/// The largest `onReachBottomDistance`, px (a screen is never this tall).
const MAX_REACH_BOTTOM: u64 = 10_000;

/// Window keys WeChat documents that mean nothing on this host: a warning.
const NO_MEANING: &[&str] = &[
    "initialRenderingCache",
    "handleWebviewPreload",
    "enablePassiveEvent",
    "renderer",
    "rendererOptions",
    "componentFramework",
];

/// Every window key a config file may hold, for the closest-key hint.
pub(crate) fn known_keys() -> impl Iterator<Item = &'static str> {
    TYPED
        .iter()
        .copied()
        .chain(["navigationStyle", "disableScroll", "enablePullDownRefresh"])
        .chain(["onReachBottomDistance"])
        .chain(NOT_YET.iter().copied())
        .chain(NO_MEANING.iter().copied())
}

const TYPED: &[&str] = &[
    "navigationBarTitleText",
    "navigationBarBackgroundColor",
    "navigationBarTextStyle",
    "backgroundColor",
    "backgroundTextStyle",
];

impl Window {
    /// `self` with every key `page` sets replacing the app's.
    pub fn overridden_by(&self, page: &Window) -> Window {
        let pick = |page: &Option<String>, app: &Option<String>| page.clone().or(app.clone());
        Window {
            navigation_bar_title_text: pick(
                &page.navigation_bar_title_text,
                &self.navigation_bar_title_text,
            ),
            navigation_bar_background_color: pick(
                &page.navigation_bar_background_color,
                &self.navigation_bar_background_color,
            ),
            navigation_bar_text_style: pick(
                &page.navigation_bar_text_style,
                &self.navigation_bar_text_style,
            ),
            background_color: pick(&page.background_color, &self.background_color),
            background_text_style: pick(&page.background_text_style, &self.background_text_style),
            disable_scroll: page.disable_scroll.or(self.disable_scroll),
            enable_pull_down_refresh: (page.enable_pull_down_refresh)
                .or(self.enable_pull_down_refresh),
            on_reach_bottom_distance: (page.on_reach_bottom_distance)
                .or(self.on_reach_bottom_distance),
            navigation_style: pick(&page.navigation_style, &self.navigation_style),
        }
    }

    /// Whether `key` is a window key (typed, not yet, or of no meaning).
    pub(crate) fn is_key(key: &str) -> bool {
        known_keys().any(|k| k == key)
    }

    /// Read the window keys of `object` (members at `path` of the file
    /// `reader` reads); `in_page` says whether it is a page's json, where
    /// `disableScroll` belongs. Keys that are not window keys are the
    /// caller's.
    pub(crate) fn read(
        reader: &mut Reader,
        path: &str,
        object: &Map<String, Value>,
        in_page: bool,
    ) -> Result<Window, ConfigError> {
        let mut window = Window::default();
        for (key, value) in object.iter().filter(|(k, _)| Window::is_key(k)) {
            let at = crate::json_pos::join(path, key);
            match key.as_str() {
                "navigationBarTitleText" => {
                    let title = reader.string(&at, value)?;
                    if title.chars().count() > 64
                        || title.chars().any(crate::manifest::is_disguising)
                    {
                        return Err(reader.value_error(
                            &at,
                            format!("`{key}` must be at most 64 characters of plain text (no control or formatting characters)"),
                        ));
                    }
                    window.navigation_bar_title_text = Some(title);
                }
                "navigationBarBackgroundColor" => {
                    window.navigation_bar_background_color = Some(reader.color(&at, value)?)
                }
                "backgroundColor" => window.background_color = Some(reader.color(&at, value)?),
                "navigationBarTextStyle" => {
                    window.navigation_bar_text_style =
                        Some(reader.one_of(&at, value, &["black", "white"])?)
                }
                "backgroundTextStyle" => {
                    window.background_text_style =
                        Some(reader.one_of(&at, value, &["dark", "light"])?)
                }
                "navigationStyle" => {
                    window.navigation_style =
                        Some(reader.one_of(&at, value, &["default", "custom"])?)
                }
                "enablePullDownRefresh" => {
                    window.enable_pull_down_refresh = Some(reader.bool(&at, value)?)
                }
                "onReachBottomDistance" => {
                    let distance = value.as_u64().filter(|d| *d <= MAX_REACH_BOTTOM);
                    let distance = distance.ok_or_else(|| {
                        let bound = format!("a whole number of px from 0 to {MAX_REACH_BOTTOM}");
                        reader.value_error(&at, format!("`{key}` must be {bound}, not {value}"))
                    })?;
                    window.on_reach_bottom_distance = Some(distance as u32);
                }
                "disableScroll" if !in_page => {
                    return Err(reader.key_error(
                        &at,
                        "`disableScroll` belongs in a page's json (WeChat reads it only there)"
                            .into(),
                    ));
                }
                "disableScroll" => window.disable_scroll = Some(reader.bool(&at, value)?),
                key => reader.other_key(&at, key, (NOT_YET, NO_MEANING), TYPED.iter().copied())?,
            }
        }
        Ok(window)
    }
}
