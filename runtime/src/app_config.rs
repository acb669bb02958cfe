//! A package's WeChat config files, `app.json` and each page's
//! `pages/ROUTE.json`, checked and resolved into each page's window (the
//! app's, overridden by the page's), and its tab bar (each tab a declared
//! page, each icon a package image of at most 40 KB). Load checks them
//! before anything runs, and `miniapp build` before cargo: one check.

use std::collections::BTreeMap;

use miniapp_config::app_json::APP_JSON;
use miniapp_config::json_pos::Pos;
use miniapp_config::page_json::page_json_path;
use miniapp_config::tab_bar::MAX_ICON_BYTES;
use miniapp_config::{AppConfig, ConfigError, Manifest, PageConfig, TabBar, Window};

/// A package's config, checked: each page's window, and the warnings.
#[derive(Debug, Default)]
pub struct AppWindows {
    /// Each declared page's window, by route (the app's, overridden by the
    /// page's json).
    pub windows: BTreeMap<String, Window>,
    /// The tab bar, if `app.json` has one.
    pub tab_bar: Option<TabBar>,
    /// Keys of no meaning on this host, at `file:line:col`.
    pub warnings: Vec<ConfigError>,
    /// The manifest's consent scopes with `app.json`'s `permission`
    /// added, each with the reason the consent prompt shows.
    pub scopes: BTreeMap<miniapp_config::Scope, String>,
    /// The APIs `requiredPrivateInfos` declares when the package has an
    /// `app.json` (none declared if it leaves the key out); `None` without
    /// one.
    pub private_infos: Option<std::collections::BTreeSet<String>>,
    /// `app.json`'s `networkTimeout`.
    pub network_timeout: miniapp_config::app_json::network_timeout::NetworkTimeout,
}

/// Check `app.json` (if the package has one: its `pages` must be the
/// manifest's) and every `pages/*.json` (each must be a declared page's),
/// and resolve each page's window.
pub fn check(
    manifest: &Manifest,
    assets: &BTreeMap<String, Vec<u8>>,
) -> Result<AppWindows, ConfigError> {
    check_with_assets(manifest, assets, assets)
}

/// [`check`] with the config files in `files` and the package's other
/// files (the tab bar's icons) in `assets` (`miniapp build` reads them
/// apart).
pub fn check_with_assets(
    manifest: &Manifest,
    files: &BTreeMap<String, Vec<u8>>,
    assets: &BTreeMap<String, Vec<u8>>,
) -> Result<AppWindows, ConfigError> {
    let app = match files.get(APP_JSON) {
        Some(bytes) => {
            let app = AppConfig::parse(&text(APP_JSON, bytes)?)?;
            app.agree_with(&manifest.pages)?;
            app
        }
        None => AppConfig::default(),
    };
    if let Some(bar) = &app.tab_bar {
        check_tabs(manifest, bar, assets)?;
    }
    let mut checked = AppWindows {
        warnings: app.warnings.clone(),
        scopes: miniapp_config::app_json::permission::merged(&app.permission, &manifest.scopes)?,
        private_infos: (files.contains_key(APP_JSON)).then(|| {
            app.required_private_infos
                .iter()
                .flatten()
                .cloned()
                .collect()
        }),
        network_timeout: app.network_timeout,
        tab_bar: app.tab_bar.clone(),
        ..AppWindows::default()
    };
    // Each subpackage page's json is under its root (`packageA/pages/cat/cat.json`).
    let sub_page_json = |path: &str| {
        (path.strip_suffix(".json")).is_some_and(|r| app.sub_packages.of_route(r).is_some())
    };
    let page_files = files.iter().filter(|(path, _)| {
        (path.starts_with("pages/") && path.ends_with(".json")) || sub_page_json(path)
    });
    for (path, bytes) in page_files {
        let route = path.strip_prefix("pages/").unwrap_or(path);
        let route = &route[..route.len() - ".json".len()];
        if !manifest.has_page(route) {
            return Err(ConfigError {
                file: path.clone(),
                line: 1,
                col: 1,
                message: format!(
                    "no page `{route}` is declared, so this is no page's json \
                     (a component's json is not supported yet)"
                ),
            });
        }
        let page = PageConfig::parse(path, &text(path, bytes)?)?;
        checked.warnings.extend(page.warnings);
        checked
            .windows
            .insert(route.to_string(), app.window.overridden_by(&page.window));
    }
    for route in &manifest.pages {
        if !checked.windows.contains_key(route) {
            debug_assert!(!files.contains_key(&page_json_path(route)));
            checked.windows.insert(route.clone(), app.window.clone());
        }
    }
    Ok(checked)
}

/// Each tab a declared page, each icon a package file of at most
/// [`MAX_ICON_BYTES`].
fn check_tabs(
    manifest: &Manifest,
    bar: &TabBar,
    assets: &BTreeMap<String, Vec<u8>>,
) -> Result<(), ConfigError> {
    let at = |pos: Pos, message: String| ConfigError {
        file: APP_JSON.into(),
        line: pos.line,
        col: pos.col,
        message,
    };
    for tab in &bar.list {
        if !manifest.has_page(tab.route()) {
            return Err(at(
                tab.places.page_path,
                format!(
                    "tab page `{}` is not a page of the app (its pages: {})",
                    tab.page_path,
                    (manifest.pages.iter())
                        .map(|r| format!("pages/{r}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let icons = [
            ("iconPath", &tab.icon_path, tab.places.icon_path),
            (
                "selectedIconPath",
                &tab.selected_icon_path,
                tab.places.selected_icon_path,
            ),
        ];
        for (key, icon, pos) in icons {
            let Some(icon) = icon else { continue };
            match assets.get(icon) {
                None => {
                    return Err(at(
                        pos,
                        format!("`{key}` `{icon}` is not in the package (put it in assets/{icon})"),
                    ));
                }
                Some(bytes) if bytes.len() > MAX_ICON_BYTES => {
                    return Err(at(
                        pos,
                        format!(
                            "`{key}` `{icon}` is {} bytes, over WeChat's {MAX_ICON_BYTES}-byte (40 KB) limit for a tab icon",
                            bytes.len()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// `bytes` as UTF-8 text, or an error naming `file`.
fn text(file: &str, bytes: &[u8]) -> Result<String, ConfigError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let before = &bytes[..e.utf8_error().valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        ConfigError {
            file: file.into(),
            line,
            col,
            message: "not UTF-8 text".into(),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use miniapp_config::Manifest;

    use super::check;

    fn manifest() -> Manifest {
        Manifest::from_toml(
            "id = \"a.b\"\nname = \"A\"\nversion = \"1.0.0\"\npages = [\"index\", \"cart/cart\"]\n",
        )
        .unwrap()
    }

    fn assets(files: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        (files.iter())
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn each_page_gets_the_app_window_overridden_by_its_json() {
        let checked = check(
            &manifest(),
            &assets(&[
                (
                    "app.json",
                    r##"{"window": {"navigationBarTitleText": "A", "backgroundColor": "#fff"}}"##,
                ),
                (
                    "pages/cart/cart.json",
                    r#"{"navigationBarTitleText": "Cart", "style": "v2"}"#,
                ),
            ]),
        )
        .unwrap();
        let title = |route: &str| checked.windows[route].navigation_bar_title_text.clone();
        assert_eq!(title("index").as_deref(), Some("A"));
        assert_eq!(title("cart/cart").as_deref(), Some("Cart"));
        assert_eq!(
            checked.windows["cart/cart"].background_color.as_deref(),
            Some("#fff")
        );
        assert_eq!(
            checked.warnings[0].to_string(),
            "pages/cart/cart.json:1:36: `style` has no meaning on this host and is ignored"
        );
        // No config at all: every page has the empty window.
        let none = check(&manifest(), &assets(&[])).unwrap();
        assert_eq!(none.windows.len(), 2);
        assert_eq!(none.windows["index"], Default::default());
    }

    #[test]
    fn a_tab_icon_over_40_kb_is_refused_at_its_place_and_one_within_taken() {
        let app_json = r#"{"tabBar": {"list": [
  {"pagePath": "pages/index", "text": "Home", "iconPath": "a.png"},
  {"pagePath": "pages/cart/cart", "text": "Cart", "selectedIconPath": "/b.jpg"}]}}"#;
        let mut files = assets(&[("app.json", app_json)]);
        files.insert("a.png".into(), vec![0; 40 * 1024]);
        files.insert("b.jpg".into(), vec![0; 40 * 1024 + 1]);
        let err = check(&manifest(), &files).unwrap_err();
        assert_eq!(
            err.to_string(),
            "app.json:3:71: `selectedIconPath` `b.jpg` is 40961 bytes, over WeChat's 40960-byte (40 KB) limit for a tab icon"
        );
        files.insert("b.jpg".into(), vec![0; 100]);
        let checked = check(&manifest(), &files).unwrap();
        assert_eq!(checked.tab_bar.unwrap().index_of("cart/cart"), Some(1));
    }

    #[test]
    fn a_stray_page_json_or_a_file_not_utf8_is_refused_at_its_place() {
        let err = check(&manifest(), &assets(&[("pages/cart.json", "{}")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("pages/cart.json:1:1: no page `cart` is declared"),
            "{err}"
        );
        let mut bad = assets(&[]);
        bad.insert("app.json".into(), b"{\n  \"x\": \"\xff\"}".to_vec());
        let err = check(&manifest(), &bad).unwrap_err();
        assert_eq!(err.to_string(), "app.json:2:9: not UTF-8 text");
        let err = check(
            &manifest(),
            &assets(&[("app.json", r#"{"pages": ["pages/index"]}"#)]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("miniapp.toml's page `cart/cart` is not in `pages`"),
            "{err}"
        );
    }
}
