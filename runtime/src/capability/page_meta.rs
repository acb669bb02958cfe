//! A page's `<page-meta>` and the `<navigation-bar>` inside it (WeChat's
//! way of setting the bar and the window from the template): after each
//! render of the top page the host reads them from the rendered tree and
//! draws what changed since the page's last render: the navigation bar
//! with the frames `wx.setNavigationBarTitle`, `wx.setNavigationBarColor`
//! and the loading spinner send, checked by the same rules, and the
//! window's background (page-meta's `background-color` and
//! `background-text-style`) as a `background` frame, and its `scroll-top`
//! as `wx.pageScrollTo` scrolls the page. A bound value that
//! changes is applied again; one that stays is not sent twice.

use miniapp_config::Window;
use miniapp_view::render::{Tree, VElement, VNode};

use super::feedback::{TITLE_CHARS, colour, duration, not_the_host, text};
use crate::providers::{FrontColor, HostUi};

/// A colour change or a scroll takes at most this long, as
/// `wx.setNavigationBarColor`'s and `wx.pageScrollTo`'s.
const ANIMATION_MS: u32 = 10_000;
/// A scroll-top past this many px is not a page's.
const MAX_SCROLL_PX: f64 = 10_000_000.0;
/// page-meta's `scroll-duration` when left out, ms (WeChat's).
const DEFAULT_SCROLL_MS: u32 = 300;

/// What a page's `<page-meta>` asks of the host's bar and window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageMeta {
    /// page-meta's `background-color`, `#RRGGBB`, if set.
    background: Option<String>,
    /// page-meta's `background-text-style`, `dark` or `light`, if set.
    background_text: Option<String>,
    /// Its `title`, if it has one.
    title: Option<String>,
    /// Whether its `loading` spinner shows.
    loading: bool,
    /// Its colours (front, background, change in ms), if it sets either.
    colours: Option<(FrontColor, String, u32)>,
    /// page-meta's `scroll-top` as written, in px, and its
    /// `scroll-duration`, if set: the page scrolls there when it is set or
    /// changes.
    scroll: Option<(String, u32, u32)>,
}

/// What a page's rendered `tree` asks for (`None` without a top-level
/// `<page-meta>`), the bar's colours completed from the page's `window` as
/// WeChat does, an `rpx` scroll position read for a window `width` px
/// wide; a value WeChat's calls would refuse is an error naming it.
pub(crate) fn read(tree: &Tree, window: &Window, width: u32) -> Result<Option<PageMeta>, String> {
    let Some(meta) = (tree.nodes.iter())
        .filter_map(element)
        .find(|e| e.tag == "page-meta")
    else {
        return Ok(None);
    };
    let mut page = PageMeta {
        scroll: scroll(meta, width)?,
        ..PageMeta::default()
    };
    page.background = attr(meta, "background-color").map(str::to_string);
    if let Some(background) = &page.background {
        colour("its background-color", background)
            .map_err(|e| format!("<page-meta>: {}", e.message()))?;
    }
    page.background_text = attr(meta, "background-text-style").map(str::to_string);
    if let Some(style) =
        (page.background_text.as_deref()).filter(|s| !matches!(*s, "dark" | "light"))
    {
        return Err(format!(
            "<page-meta>: its background-text-style `{style}` is not dark or light"
        ));
    }
    let mut children = meta.children.iter().filter_map(element);
    let Some(bar) = children.find(|e| e.tag == "navigation-bar") else {
        return Ok(Some(page));
    };
    let refused = |e: crate::bindings::CallError| format!("<navigation-bar>: {}", e.message());
    let title = attr(bar, "title").map(str::to_string);
    if let Some(title) = &title {
        text("its title", title, TITLE_CHARS, true).map_err(refused)?;
        not_the_host("its title", title).map_err(refused)?;
    }
    let (front, bar_colour) = (attr(bar, "front-color"), attr(bar, "background-color"));
    let colours = match front.is_some() || bar_colour.is_some() {
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
            let bar_colour = (bar_colour.map(str::to_string))
                .or(window.navigation_bar_background_color.clone())
                .unwrap_or_else(|| "#000000".into());
            colour("its background-color", &bar_colour).map_err(refused)?;
            let ms = match attr(bar, "color-animation-duration") {
                None => 0,
                Some(ms) => ms.trim().parse::<u32>().map_err(|_| {
                    format!("<navigation-bar>: its color-animation-duration `{ms}` is not a whole number of milliseconds")
                })?,
            };
            duration("its colour change", ms, ANIMATION_MS).map_err(refused)?;
            Some((front, bar_colour, ms))
        }
    };
    page.title = title;
    page.loading = attr(bar, "loading").is_some();
    page.colours = colours;
    Ok(Some(page))
}

/// page-meta's `scroll-top` (`120`, `120px` or `240rpx`; empty: none) as
/// written, in px, and its `scroll-duration` (WeChat's default 300 ms).
fn scroll(meta: &VElement, width: u32) -> Result<Option<(String, u32, u32)>, String> {
    let Some(text) = attr(meta, "scroll-top").filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let trimmed = text.trim();
    let (number, rpx) = match trimmed.strip_suffix("rpx") {
        Some(number) => (number, true),
        None => (trimmed.strip_suffix("px").unwrap_or(trimmed), false),
    };
    let px = (number.trim().parse::<f64>().ok())
        .map(|n| if rpx { n * f64::from(width) / 750.0 } else { n })
        .filter(|px| px.is_finite() && (0.0..=MAX_SCROLL_PX).contains(px))
        .ok_or_else(|| {
            format!("<page-meta>: its scroll-top `{text}` is not a length from 0 (px or rpx)")
        })?;
    let ms = match attr(meta, "scroll-duration") {
        None => DEFAULT_SCROLL_MS,
        Some(ms) => ms.trim().parse::<u32>().map_err(|_| {
            format!("<page-meta>: its scroll-duration `{ms}` is not a whole number of milliseconds")
        })?,
    };
    duration("its scroll", ms, ANIMATION_MS)
        .map_err(|e| format!("<page-meta>: {}", e.message()))?;
    Ok(Some((text.to_string(), px.round() as u32, ms)))
}

/// The window's width the instance is shown in, px (what `rpx` is read
/// against: 750rpx is that width).
pub(crate) fn window_width(device: &super::device::DeviceCtx) -> u32 {
    device.facts.window_width
}

impl PageMeta {
    /// `window` with what this page-meta sets, in WeChat's window keys (the
    /// bar's title and colours, the background and its text style); the
    /// loading spinner has no window key.
    pub(crate) fn onto(&self, window: &mut Window) {
        if let Some(background) = &self.background {
            window.background_color = Some(background.clone());
        }
        if let Some(style) = &self.background_text {
            window.background_text_style = Some(style.clone());
        }
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

/// What the host draws to take the bar and the window from `before` (the
/// page's last render; `None` for a page first rendered) to `now`.
pub(crate) fn changes(before: Option<&PageMeta>, now: &PageMeta) -> Vec<HostUi> {
    let was = before.cloned().unwrap_or_default();
    let mut drawn = Vec::new();
    let background = (now.background.is_some() || now.background_text.is_some())
        && (was.background != now.background || was.background_text != now.background_text);
    if background {
        drawn.push(HostUi::Background {
            color: now.background.clone(),
            text_style: now.background_text.clone(),
        });
    }
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
    if let Some((text, scroll_top, duration_ms)) = &now.scroll
        && was.scroll.as_ref().map(|(was, _, _)| was) != Some(text)
    {
        drawn.push(HostUi::PageScrollTo {
            scroll_top: *scroll_top,
            duration_ms: *duration_ms,
        });
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

    fn meta(source: &str, data: serde_json::Value) -> Result<Option<PageMeta>, String> {
        let template =
            miniapp_view::parse("pages/index.wxml", source, &Default::default()).expect("parses");
        let files = Default::default();
        let context = miniapp_view::render::Context::new(&files, &[], Default::default());
        let tree = miniapp_view::render::render(&template, &data, &context).expect("renders");
        read(&tree, &Window::default(), 375)
    }

    const PAGE: &str = r##"<page-meta><navigation-bar title="{{t}}" loading="{{busy}}" background-color="{{bg}}" front-color="#ffffff"/></page-meta><view>x</view>"##;

    #[test]
    fn a_bound_title_is_set_once_and_again_when_it_changes() {
        let first = meta(PAGE, json!({"t": "Cart", "busy": true, "bg": "#ff0000"}))
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
        let later = meta(
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
    fn page_meta_sets_the_window_s_background_once_per_change() {
        let source = r#"<page-meta background-color="{{bg}}" background-text-style="light"/>"#;
        let first = meta(source, json!({"bg": "#eeeeee"})).unwrap().unwrap();
        let drawn = HostUi::Background {
            color: Some("#eeeeee".into()),
            text_style: Some("light".into()),
        };
        assert_eq!(changes(None, &first), [drawn]);
        assert_eq!(changes(Some(&first), &first), []);
        let mut window = Window::default();
        first.onto(&mut window);
        assert_eq!(window.background_color.as_deref(), Some("#eeeeee"));
        assert_eq!(window.background_text_style.as_deref(), Some("light"));
        assert_eq!(
            meta(source, json!({"bg": "red"})),
            Err("<page-meta>: its background-color `red` is not a colour written #RRGGBB".into())
        );
    }

    #[test]
    fn page_meta_scrolls_the_page_when_its_scroll_top_is_set_or_changes() {
        let source = r#"<page-meta scroll-top="{{top}}" scroll-duration="{{ms}}"/>"#;
        let at = |top: &str, ms: u32| {
            meta(source, json!({"top": top, "ms": ms}))
                .unwrap()
                .unwrap()
        };
        let scrolled = |scroll_top, duration_ms| HostUi::PageScrollTo {
            scroll_top,
            duration_ms,
        };
        let first = at("120px", 300);
        assert_eq!(changes(None, &first), [scrolled(120, 300)]);
        assert_eq!(changes(Some(&first), &at("120px", 300)), []);
        // 750rpx is the window's width (375 px here).
        assert_eq!(changes(Some(&first), &at("300rpx", 0)), [scrolled(150, 0)]);
        assert_eq!(changes(None, &at("", 300)), []);
        assert_eq!(
            meta(source, json!({"top": "-4px", "ms": 300})),
            Err("<page-meta>: its scroll-top `-4px` is not a length from 0 (px or rpx)".into())
        );
        assert_eq!(
            meta(source, json!({"top": "4", "ms": 20000})),
            Err("<page-meta>: its scroll is 20000 ms, over the 10000 ms allowed".into())
        );
    }

    #[test]
    fn a_page_without_page_meta_sets_nothing() {
        assert_eq!(meta("<view>x</view>", json!({})), Ok(None));
        // A navigation-bar outside a page-meta is not the page's bar.
        assert_eq!(
            meta(
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
            meta(PAGE, json!({"t": long, "bg": "#000000"})),
            Err("<navigation-bar>: its title is 65 characters, over the 64 allowed".into())
        );
        assert_eq!(
            meta(PAGE, json!({"t": "ok", "bg": "red"})),
            Err(
                "<navigation-bar>: its background-color `red` is not a colour written #RRGGBB"
                    .into()
            )
        );
        let host = meta(PAGE, json!({"t": "WeChat Pay", "bg": "#000000"})).unwrap_err();
        assert!(host.contains("holds the host's name"), "{host}");
    }
}
