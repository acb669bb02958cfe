//! Typed pages: a page is a Rust type, its handlers are its methods.
//!
//! ```ignore
//! use miniapp_sdk::{PageData, Result, Tap, page};
//!
//! #[derive(Default, Serialize, PageData)]
//! struct IndexData { count: u32 }
//!
//! #[derive(Default)]
//! struct Index { count: u32 }
//!
//! #[page("index", data = IndexData)]
//! impl Index {
//!     fn on_load(&mut self, _query: &page::Query) -> Result<()> {
//!         miniapp_sdk::set(IndexData::count(), 0)
//!     }
//!
//!     #[handler]
//!     fn add(&mut self, _tap: Tap) -> Result<()> {
//!         self.count += 1;
//!         miniapp_sdk::set(IndexData::count(), self.count)
//!     }
//! }
//!
//! miniapp_sdk::export_app!(MyApp, pages = [Index]);
//! ```
//!
//! - `#[page("ROUTE")]` goes on the page type's `impl` (the type is
//!   `Default`: each time the page opens, a new one is made, and it is
//!   dropped when the page leaves the stack: two `detail` pages on the
//!   stack are two values). `data = Type` names its `#[derive(PageData)]`
//!   data, whose fields `miniapp build` checks the template's against.
//! - `#[handler]` methods are its handlers, bound by their own name
//!   (`bindtap="add"`) or the ones given (`#[handler("clear-done")]`,
//!   `#[handler("swipeLeft", "swipeRight")]`: the method tells them apart
//!   by its `&Event`'s `handler`);
//!   they take `&mut self` and optionally one event: a [`Tap`](crate::Tap),
//!   [`Input`](crate::Input), [`Change<T>`](crate::Change),
//!   [`Submit<T>`](crate::Submit), any [`Detail<T, D>`](crate::Detail) (its
//!   dataset typed as `D`) or `&Event`, and return `Result<()>`. A
//!   template naming a handler the page lacks stops `miniapp build` before
//!   cargo runs; an event for one (a hand-made `--event`) is an error.
//! - Methods named as WeChat's page hooks are its hooks: `on_load(&mut
//!   self, &Query)`, `on_show`, `on_ready`, `on_hide`, `on_unload`, and the
//!   page events `on_pull_down_refresh`, `on_reach_bottom`,
//!   `on_page_scroll(&PageScroll)`, `on_resize(&Resize)`,
//!   `on_tab_item_tap(&TabItemTap)`, `on_theme_change(&str)`,
//!   `on_share_app_message(&ShareFrom) -> Result<Option<Share>>`,
//!   `on_share_timeline() -> Result<Option<Share>>`.
//! - Handlers are not `async`: a handler starts waiting work with
//!   [`task::spawn`](crate::task::spawn), and the task reaches its page with
//!   [`with_page`] and the app's state with [`with_app`](crate::with_app)
//!   (which a page's handler may call too: the app is not borrowed while a
//!   page runs). During a page's hook or handler [`view::set_data`](crate::view::set_data)
//!   acts on that page, as before.
//! - `export_app!(App, pages = [Index, Cart])` exports them: an event, a
//!   load or an unload of a typed page's route goes to the page, the rest
//!   to `App`'s hooks as before.
//!
//! A handler of another shape is a compile error naming it:
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Index;
//! #[miniapp_sdk::page("index")]
//! impl Index {
//!     #[handler]
//!     fn add(&self) -> miniapp_sdk::Result<()> { Ok(()) } // not `&mut self`
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Index;
//! #[miniapp_sdk::page("index")]
//! impl Index {
//!     #[handler]
//!     fn add(&mut self, tap: miniapp_sdk::Tap, more: u32) -> miniapp_sdk::Result<()> { Ok(()) }
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Index;
//! #[miniapp_sdk::page("index")]
//! impl Index {
//!     #[handler]
//!     async fn add(&mut self) -> miniapp_sdk::Result<()> { Ok(()) } // `task::spawn` instead
//! }
//! ```
//!
//! ```compile_fail
//! #[derive(Default)]
//! struct Index;
//! impl Index {
//!     #[miniapp_sdk::handler] // outside a #[page] impl
//!     fn add(&mut self) -> miniapp_sdk::Result<()> { Ok(()) }
//! }
//! ```
//!
//! ```
//! #[derive(Default)]
//! struct Index;
//! #[miniapp_sdk::page("index")]
//! impl Index {
//!     #[handler]
//!     fn add(&mut self, _tap: miniapp_sdk::Tap) -> miniapp_sdk::Result<()> { Ok(()) }
//! }
//! assert_eq!(<Index as miniapp_sdk::Page>::HANDLERS, ["add"]);
//! ```

use std::collections::BTreeMap;

use crate::{Error, Event, Result};

pub use crate::details::FromEvent;
pub use crate::handler::with_page;
pub use crate::page_events::{PageScroll, Resize, Share, ShareFrom, TabItemTap, WindowSize};

/// A typed page; `#[page("ROUTE")]` implements it (do not implement it
/// by hand: the build's handler check reads the attribute).
pub trait Page: Default + 'static {
    /// Its route (`index`, `cart/cart`).
    const ROUTE: &'static str;
    /// Its handlers' names, as templates bind them.
    const HANDLERS: &'static [&'static str];
    /// Its entry in the package's meta: `"ROUTE":{"handlers":[...]}`.
    const META: &'static str;

    /// Call the handler `event.handler` with `event` (generated).
    fn handle(&mut self, event: &Event) -> Result<()>;

    /// `onLoad`: the page opened with `query`.
    fn on_load(&mut self, query: &Query) -> Result<()> {
        let _ = query;
        Ok(())
    }
    /// `onShow`.
    fn on_show(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onReady`: first rendered.
    fn on_ready(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onHide`.
    fn on_hide(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onUnload`: it left the stack (its data is gone).
    fn on_unload(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onPullDownRefresh`.
    fn on_pull_down_refresh(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onReachBottom`.
    fn on_reach_bottom(&mut self) -> Result<()> {
        Ok(())
    }
    /// `onPageScroll`.
    fn on_page_scroll(&mut self, scroll: &PageScroll) -> Result<()> {
        let _ = scroll;
        Ok(())
    }
    /// `onResize`.
    fn on_resize(&mut self, size: &Resize) -> Result<()> {
        let _ = size;
        Ok(())
    }
    /// `onTabItemTap`.
    fn on_tab_item_tap(&mut self, tap: &TabItemTap) -> Result<()> {
        let _ = tap;
        Ok(())
    }
    /// `onThemeChange`: the system theme is now `theme` (`light` or `dark`).
    fn on_theme_change(&mut self, theme: &str) -> Result<()> {
        let _ = theme;
        Ok(())
    }
    /// `onShareAppMessage`: what to share (`None`: the app's name and
    /// this page).
    fn on_share_app_message(&mut self, from: &ShareFrom) -> Result<Option<Share>> {
        let _ = from;
        Ok(None)
    }
    /// `onShareTimeline`.
    fn on_share_timeline(&mut self) -> Result<Option<Share>> {
        Ok(None)
    }
}

/// A page's query (`detail?id=3` gives `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(pub BTreeMap<String, String>);

impl Query {
    /// Parameter `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Parameter `key` parsed as a `T`: an [`Error::InvalidArgument`]
    /// naming it when absent or not a `T`.
    pub fn parse<T: std::str::FromStr>(&self, key: &str) -> Result<T> {
        let text = (self.get(key))
            .ok_or_else(|| Error::InvalidArgument(format!("the page's query has no `{key}`")))?;
        text.parse().map_err(|_| {
            Error::InvalidArgument(format!(
                "the page's query `{key}={text}` is not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// The error for an event naming a handler page `P` lacks (the build
/// refuses such a template; a hand-made event can still name one).
#[doc(hidden)]
pub fn no_handler<P: Page>(handler: &str) -> Error {
    unknown_handler(handler, &format!("page `{}`", P::ROUTE), P::HANDLERS)
}

/// `no handler `x` on OWNER (it has `a`, `b`)`.
pub(crate) fn unknown_handler(handler: &str, owner: &str, known: &[&str]) -> Error {
    let known = known.join("`, `");
    Error::InvalidArgument(format!(
        "no handler `{handler}` on {owner} (it has `{known}`)"
    ))
}

/// The pages an app exports (`export_app!(App, pages = [...])` makes it).
#[doc(hidden)]
pub trait Pages: 'static {
    /// A new page for `route`, if one of them has it.
    fn open(route: &str) -> Option<Box<dyn AnyPage>>;
}

/// A [`Page`] behind a pointer: what the page stack holds.
#[doc(hidden)]
pub trait AnyPage: std::any::Any {
    /// Its route.
    fn route(&self) -> &'static str;
    /// Itself, to reach its type ([`with_page`]).
    fn as_any(&mut self) -> &mut dyn std::any::Any;
    /// Its [`Page::handle`].
    fn dispatch(&mut self, event: &Event) -> Result<()>;
    /// Its hook `hook`.
    fn hook(&mut self, hook: Hook<'_>) -> Result<Option<Share>>;
}

/// A page hook with its detail.
#[doc(hidden)]
pub enum Hook<'a> {
    Load(&'a Query),
    Show,
    Ready,
    Hide,
    Unload,
    PullDownRefresh,
    ReachBottom,
    PageScroll(&'a PageScroll),
    Resize(&'a Resize),
    TabItemTap(&'a TabItemTap),
    ThemeChange(&'a str),
    ShareAppMessage(&'a ShareFrom),
    ShareTimeline,
}

impl<P: Page> AnyPage for P {
    fn route(&self) -> &'static str {
        P::ROUTE
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn dispatch(&mut self, event: &Event) -> Result<()> {
        Page::handle(self, event)
    }

    fn hook(&mut self, hook: Hook<'_>) -> Result<Option<Share>> {
        let none = |done: Result<()>| done.map(|()| None);
        match hook {
            Hook::Load(query) => none(self.on_load(query)),
            Hook::Show => none(self.on_show()),
            Hook::Ready => none(self.on_ready()),
            Hook::Hide => none(self.on_hide()),
            Hook::Unload => none(self.on_unload()),
            Hook::PullDownRefresh => none(self.on_pull_down_refresh()),
            Hook::ReachBottom => none(self.on_reach_bottom()),
            Hook::PageScroll(scroll) => none(self.on_page_scroll(scroll)),
            Hook::Resize(size) => none(self.on_resize(size)),
            Hook::TabItemTap(tap) => none(self.on_tab_item_tap(tap)),
            Hook::ThemeChange(theme) => none(self.on_theme_change(theme)),
            Hook::ShareAppMessage(from) => self.on_share_app_message(from),
            Hook::ShareTimeline => self.on_share_timeline(),
        }
    }
}

/// The package meta's length for pages whose entries are `parts`:
/// `{"version":1,"pages":{PART,PART}}`.
#[doc(hidden)]
pub const fn meta_len(parts: &[&str]) -> usize {
    let mut len = META_HEAD.len() + META_TAIL.len();
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len() + if i > 0 { 1 } else { 0 };
        i += 1;
    }
    len
}

const META_HEAD: &str = "{\"version\":1,\"pages\":{";
const META_TAIL: &str = "}}";

/// The package meta for pages whose entries are `parts`, `N` bytes long
/// ([`meta_len`]): the JSON the `miniapp:meta` custom section holds.
#[doc(hidden)]
pub const fn meta_bytes<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = copy(&mut out, 0, META_HEAD);
    let mut i = 0;
    while i < parts.len() {
        if i > 0 {
            at = copy(&mut out, at, ",");
        }
        at = copy(&mut out, at, parts[i]);
        i += 1;
    }
    copy(&mut out, at, META_TAIL);
    out
}

const COMPONENTS_HEAD: &str = "},\"components\":{";

/// The package meta's length for pages `pages` and components whose
/// entries are `components` (each in parts):
/// `{"version":1,"pages":{..},"components":{..}}`.
#[doc(hidden)]
pub const fn meta_len_with(pages: &[&str], components: &[&[&str]]) -> usize {
    let mut len = meta_len(pages) + COMPONENTS_HEAD.len();
    let mut i = 0;
    while i < components.len() {
        len += if i > 0 { 1 } else { 0 };
        let mut j = 0;
        while j < components[i].len() {
            len += components[i][j].len();
            j += 1;
        }
        i += 1;
    }
    len
}

/// The package meta for `pages` and `components`, `N` bytes long
/// ([`meta_len_with`]).
#[doc(hidden)]
pub const fn meta_bytes_with<const N: usize>(pages: &[&str], components: &[&[&str]]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = copy(&mut out, 0, META_HEAD);
    let mut i = 0;
    while i < pages.len() {
        if i > 0 {
            at = copy(&mut out, at, ",");
        }
        at = copy(&mut out, at, pages[i]);
        i += 1;
    }
    at = copy(&mut out, at, COMPONENTS_HEAD);
    let mut i = 0;
    while i < components.len() {
        if i > 0 {
            at = copy(&mut out, at, ",");
        }
        let mut j = 0;
        while j < components[i].len() {
            at = copy(&mut out, at, components[i][j]);
            j += 1;
        }
        i += 1;
    }
    copy(&mut out, at, META_TAIL);
    out
}

const fn copy<const N: usize>(out: &mut [u8; N], mut at: usize, text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[at] = bytes[i];
        at += 1;
        i += 1;
    }
    at
}

/// Whether two of `routes` are the same (two page types for one route).
#[doc(hidden)]
pub const fn same_route_twice(routes: &[&str]) -> bool {
    let mut i = 0;
    while i < routes.len() {
        let mut j = i + 1;
        while j < routes.len() {
            if routes[i].len() == routes[j].len()
                && same(routes[i].as_bytes(), routes[j].as_bytes())
            {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Change, Tap, json};

    #[derive(Default)]
    struct Index {
        seen: Vec<String>,
        loaded: Option<String>,
    }

    #[derive(serde::Deserialize)]
    struct Row {
        id: u32,
    }

    #[crate::page("index")]
    impl Index {
        fn on_load(&mut self, query: &Query) -> Result<()> {
            self.loaded = query.get("from").map(str::to_owned);
            Ok(())
        }

        #[handler]
        fn add(&mut self, tap: Tap<Row>) -> Result<()> {
            self.seen.push(format!("add {}", tap.dataset.id));
            Ok(())
        }

        #[handler("clear-done")]
        fn clear_done(&mut self) -> Result<()> {
            self.seen.push("clear-done".into());
            Ok(())
        }

        #[handler("swipeLeft", "swipeRight")]
        fn swiped(&mut self, event: &Event) -> Result<()> {
            self.seen.push(event.handler.clone());
            Ok(())
        }

        #[handler]
        fn switched(&mut self, change: Change<bool>) -> Result<()> {
            self.seen.push(format!("switched {}", change.value));
            Ok(())
        }

        /// Not a handler: no template can call it.
        fn helper(&self) -> usize {
            self.seen.len()
        }
    }

    fn event(handler: &str, detail: crate::Value, dataset: &[(&str, &str)]) -> Event {
        Event {
            page: "index".into(),
            handler: handler.into(),
            detail,
            dataset: (dataset.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            gesture: None,
        }
    }

    #[test]
    fn events_reach_the_methods_bound_by_name_with_typed_details() {
        let mut page = Index::default();
        page.handle(&event("add", json!({}), &[("id", "4")]))
            .unwrap();
        page.handle(&event("clear-done", json!(null), &[])).unwrap();
        page.handle(&event("switched", json!({"value": true}), &[]))
            .unwrap();
        page.handle(&event("swipeRight", json!(null), &[])).unwrap();
        let seen = ["add 4", "clear-done", "switched true", "swipeRight"];
        assert_eq!(page.seen, seen);
        assert_eq!(page.helper(), 4);
        let err = page.handle(&event("helper", json!({}), &[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: no handler `helper` on page `index` (it has `add`, `clear-done`, `swipeLeft`, `swipeRight`, `switched`)"
        );
        let err = page
            .handle(&event("add", json!({}), &[("id", "x")]))
            .unwrap_err();
        assert!(err.to_string().contains("event index:add dataset"), "{err}");
        let names = ["add", "clear-done", "swipeLeft", "swipeRight", "switched"];
        assert_eq!(Index::HANDLERS, names);
        let meta =
            r#""index":{"handlers":["add","clear-done","swipeLeft","swipeRight","switched"]}"#;
        assert_eq!(Index::META, meta);
    }

    #[test]
    fn hooks_by_wechat_names_are_the_pages_own() {
        let mut page = Index::default();
        let query = Query([("from".to_string(), "share".to_string())].into());
        assert_eq!(AnyPage::hook(&mut page, Hook::Load(&query)).unwrap(), None);
        assert_eq!(page.loaded.as_deref(), Some("share"));
        // A hook the page does not define does nothing.
        assert_eq!(AnyPage::hook(&mut page, Hook::Show).unwrap(), None);
    }

    #[test]
    fn the_meta_is_one_json_document_of_every_page() {
        const PARTS: &[&str] = &[
            "\"index\":{\"handlers\":[\"add\"]}",
            "\"cart/cart\":{\"handlers\":[]}",
        ];
        const LEN: usize = meta_len(PARTS);
        let meta: crate::Value = serde_json::from_slice(&meta_bytes::<LEN>(PARTS)).unwrap();
        let expected = crate::json!({"version": 1, "pages": {"index": {"handlers": ["add"]}, "cart/cart": {"handlers": []}}});
        assert_eq!(meta, expected);
        const CARD: &[&str] = &["\"components/card/card\":{\"properties\":", "[]", "}"];
        const BOTH: &[&[&str]] = &[CARD, CARD];
        const WITH: usize = meta_len_with(PARTS, BOTH);
        let meta: crate::Value =
            serde_json::from_slice(&meta_bytes_with::<WITH>(PARTS, BOTH)).unwrap();
        assert_eq!(meta["pages"], expected["pages"]);
        let card = crate::json!({"properties": []});
        assert_eq!(
            meta["components"],
            crate::json!({"components/card/card": card})
        );
        let text = String::from_utf8(meta_bytes_with::<WITH>(PARTS, BOTH).to_vec()).unwrap();
        assert!(text.ends_with(r#""components":{"components/card/card":{"properties":[]},"components/card/card":{"properties":[]}}}"#), "{text}");
        assert!(same_route_twice(&["a", "b/c", "a"]));
        assert!(!same_route_twice(&["a", "ab", "b"]));
    }

    #[test]
    fn a_query_parameter_parses_or_says_why_not() {
        let query = Query(
            [
                ("id".to_string(), "3".to_string()),
                ("q".into(), "x".into()),
            ]
            .into(),
        );
        assert_eq!(query.parse::<u32>("id").unwrap(), 3);
        let err = query.parse::<u32>("q").unwrap_err().to_string();
        assert_eq!(err, "invalid argument: the page's query `q=x` is not a u32");
        assert!(
            query
                .parse::<u32>("n")
                .unwrap_err()
                .to_string()
                .contains("has no `n`")
        );
    }
}
