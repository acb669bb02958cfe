//! A page's `<page-meta>` and the `<navigation-bar>` inside it (WeChat's
//! way of setting the bar from the template): after each render of the top
//! page the host reads them from the rendered tree and sets the navigation
//! bar by what changed since the page's last render, with the frames
//! `wx.setNavigationBarTitle`, `wx.setNavigationBarColor` and the loading
//! spinner send, checked by the same rules. A bound value that changes is
//! applied again; one that stays is not sent twice.

use miniapp_config::Window;
use miniapp_view::render::{Tree, VElement, VNode};

use super::feedback::{TITLE_CHARS, colour, duration, not_the_host, text};
use crate::providers::{FrontColor, HostUi};

/// A colour change takes at most this long, as `wx.setNavigationBarColor`'s.
const ANIMATION_MS: u32 = 10_000;

/// What a page's `<navigation-bar>` asks of the host's bar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BarMeta {
    /// Its `title`, if it has one.
    title: Option<String>,
    /// Whether its `loading` spinner shows.
    loading: bool,
    /// Its colours (front, background, change in ms), if it sets either.
    colours: Option<(FrontColor, String, u32)>,
}

/// The bar a page's rendered `tree` asks for (`None` without a
/// `<navigation-bar>` in a top-level `<page-meta>`), its colours completed
/// from the page's `window` as WeChat does; a value WeChat's calls would
/// refuse is an error naming it.
pub(crate) fn read(tree: &Tree, window: &Window) -> Result<Option<BarMeta>, String> {
    let Some(bar) = (tree.nodes.iter())
        .filter_map(element)
        .filter(|e| e.tag == "page-meta")
        .flat_map(|meta| meta.children.iter().filter_map(element))
        .find(|e| e.tag == "navigation-bar")
    else {
        return Ok(None);
    };
    let refused = |e: crate::bindings::CallError| format!("<navigation-bar>: {}", e.message());
    let title = attr(bar, "title").map(str::to_string);
    if let Some(title) = &title {
        text("its title", title, TITLE_CHARS, true).map_err(refused)?;
        not_the_host("its title", title).map_err(refused)?;
    }
    let (front, background) = (attr(bar, "front-color"), attr(bar, "background-color"));
    let colours = match front.is_some() || background.is_some() {
        false => None,
        true => {
            let front = match front.or(window.navigation_bar_text_style.as_deref()) {
                Some("#000000" | "black") => FrontColor::Black,
                Some("#ffffff" | "white") | None => FrontColor::White,
                Some(other) => {
                    return Err(format!(
                        "<navigation-bar>: its front-color `{other}` is not #000000 or #ffffff"
                    ));
                }
            };
            let background = (background.map(str::to_string))
                .or(window.navigation_bar_background_color.clone())
                .unwrap_or_else(|| "#000000".into());
            colour("its background-color", &background).map_err(refused)?;
            let ms = match attr(bar, "color-animation-duration") {
                None => 0,
                Some(ms) => ms.trim().parse::<u32>().map_err(|_| {
                    format!("<navigation-bar>: its color-animation-duration `{ms}` is not a whole number of milliseconds")
                })?,
            };
            duration("its colour change", ms, ANIMATION_MS).map_err(refused)?;
            Some((front, background, ms))
        }
    };
    Ok(Some(BarMeta {
        title,
        loading: attr(bar, "loading").is_some(),
        colours,
    }))
}

impl BarMeta {
    /// `window` with what this bar sets, in WeChat's window keys (a title,
    /// the colours); the loading spinner has no window key.
    pub(crate) fn onto(&self, window: &mut Window) {
        if let Some(title) = &self.title {
            window.navigation_bar_title_text = Some(title.clone());
        }
        if let Some((front, background, _)) = &self.colours {
            let style = match front {
                FrontColor::Black => "black",
                FrontColor::White => "white",
            };
            window.navigation_bar_text_style = Some(style.into());
            window.navigation_bar_background_color = Some(background.clone());
        }
    }
}

/// What the host draws to take the bar from `before` (the page's last
/// render; `None` for a page first rendered) to `now`.
pub(crate) fn changes(before: Option<&BarMeta>, now: &BarMeta) -> Vec<HostUi> {
    let was = before.cloned().unwrap_or_default();
    let mut drawn = Vec::new();
    if let Some(title) = &now.title
        && was.title.as_ref() != Some(title)
    {
        drawn.push(HostUi::NavigationBarTitle {
            title: title.clone(),
        });
    }
    if let Some((front, background, duration_ms)) = &now.colours
        && was.colours.as_ref() != now.colours.as_ref()
    {
        drawn.push(HostUi::NavigationBarColor {
            front: *front,
            background: background.clone(),
            duration_ms: *duration_ms,
        });
    }
    if now.loading != was.loading {
        drawn.push(HostUi::NavigationBarLoading { shown: now.loading });
    }
    drawn
}

fn element(node: &VNode) -> Option<&VElement> {
    match node {
        VNode::Element(e) => Some(e),
        VNode::Text(_) => None,
    }
}

fn attr<'e>(element: &'e VElement, name: &str) -> Option<&'e str> {
    (element.attrs.iter())
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| &**v)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bar(source: &str, data: serde_json::Value) -> Result<Option<BarMeta>, String> {
        let template =
            miniapp_view::parse("pages/index.wxml", source, &Default::default()).expect("parses");
        let files = Default::default();
        let context = miniapp_view::render::Context::new(&files, &[], Default::default());
        let tree = miniapp_view::render::render(&template, &data, &context).expect("renders");
        read(&tree, &Window::default())
    }

    const PAGE: &str = r##"<page-meta><navigation-bar title="{{t}}" loading="{{busy}}" background-color="{{bg}}" front-color="#ffffff"/></page-meta><view>x</view>"##;

    #[test]
    fn a_bound_title_is_set_once_and_again_when_it_changes() {
        let first = bar(PAGE, json!({"t": "Cart", "busy": true, "bg": "#ff0000"}))
            .unwrap()
            .unwrap();
        assert_eq!(
            changes(None, &first),
            [
                HostUi::NavigationBarTitle {
                    title: "Cart".into()
                },
                HostUi::NavigationBarColor {
                    front: FrontColor::White,
                    background: "#ff0000".into(),
                    duration_ms: 0
                },
                HostUi::NavigationBarLoading { shown: true },
            ]
        );
        assert_eq!(changes(Some(&first), &first), []);
        let later = bar(
            PAGE,
            json!({"t": "Cart (2)", "busy": false, "bg": "#ff0000"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            changes(Some(&first), &later),
            [
                HostUi::NavigationBarTitle {
                    title: "Cart (2)".into()
                },
                HostUi::NavigationBarLoading { shown: false },
            ]
        );
    }

    #[test]
    fn a_page_without_page_meta_sets_nothing() {
        assert_eq!(bar("<view>x</view>", json!({})), Ok(None));
        // A navigation-bar outside a page-meta is not the page's bar.
        assert_eq!(
            bar(
                r#"<view><page-meta><navigation-bar title="x"/></page-meta></view>"#,
                json!({})
            ),
            Ok(None)
        );
    }

    #[test]
    fn a_value_the_calls_would_refuse_is_refused_naming_it() {
        let long = "x".repeat(65);
        assert_eq!(
            bar(PAGE, json!({"t": long, "bg": "#000000"})),
            Err("<navigation-bar>: its title is 65 characters, over the 64 allowed".into())
        );
        assert_eq!(
            bar(PAGE, json!({"t": "ok", "bg": "red"})),
            Err(
                "<navigation-bar>: its background-color `red` is not a colour written #RRGGBB"
                    .into()
            )
        );
        let host = bar(PAGE, json!({"t": "WeChat Pay", "bg": "#000000"})).unwrap_err();
        assert!(host.contains("holds the host's name"), "{host}");
    }
}
