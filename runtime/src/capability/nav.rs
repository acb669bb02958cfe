//! `nav`: the page stack (at most `page_stack` pages deep, its data within
//! the instance's host memory budget), the tab pages of `app.json`'s
//! `tabBar` (kept alive while another tab shows, as on WeChat: their data,
//! pending calls and timers go on, charged to host memory, not to the
//! stack's depth) and opening other mini-programs (one per user gesture).

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::component::{ComponentCtx, PageComponents};
use super::data_size::DataSize;
use super::{CallError, CallResult, View};
use crate::bindings::nav;
use crate::limits::HostMemory;
use miniapp_config::{Manifest, TabBar};
use miniapp_view::deps::Changes;

/// Longest page url or open-mini-program path.
const MAX_URL: usize = 2048;
/// Bytes of data paths a page keeps as changed between two renders.
const MAX_CHANGED_BYTES: usize = 4096;
/// Largest `extra-data` of an open request.
const MAX_EXTRA_DATA: usize = 64 * 1024;

/// A page on the stack, with its data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Route, e.g. `detail`.
    pub route: String,
    /// Query parameters it was opened with.
    pub query: Vec<(String, String)>,
    /// The page's data, as the app's `set-data` patches left it.
    pub data: Value,
    /// Size of `data`, kept up to date by `set-data`.
    #[serde(skip)]
    pub(crate) size: DataSize,
    /// Which page this is: unique in its stack, so the host can tell a page
    /// pushed again from the one it replaced.
    #[serde(skip)]
    pub(crate) serial: u64,
    /// Whether its `on-ready` was called (after its first render).
    #[serde(skip)]
    pub(crate) ready: bool,
    /// The data paths `set-data` changed since the page was last rendered.
    #[serde(skip)]
    pub(crate) changes: Changes,
    /// Bytes of those paths.
    #[serde(skip)]
    changed_bytes: usize,
    /// The custom component instances its renders drew.
    #[serde(skip)]
    pub(crate) components: PageComponents,
}

impl Page {
    /// A page that identifies itself as the `serial`th of its stack.
    fn new(route: String, query: Vec<(String, String)>, serial: u64) -> Page {
        Page {
            route,
            query,
            data: Value::Object(Default::default()),
            size: DataSize::EMPTY_OBJECT,
            serial,
            ready: false,
            changes: Changes::all(),
            changed_bytes: 0,
            components: PageComponents::default(),
        }
    }

    /// Note that `set-data` changed the data path `key`. Past
    /// [`MAX_CHANGED_BYTES`] of paths since the last render everything
    /// counts as changed, so what the host keeps for this stays small.
    pub(crate) fn changed(&mut self, key: &str) {
        self.changed_bytes += key.len();
        match self.changed_bytes <= MAX_CHANGED_BYTES {
            true => self.changes.add(key),
            false => self.changes = Changes::all(),
        }
    }

    /// `set-data` changed a component instance's data: the page renders
    /// again whole (its instances' subtrees are not told apart yet).
    pub(crate) fn changed_component(&mut self) {
        self.changes = Changes::all();
    }

    /// The page was rendered: nothing changed since.
    pub(crate) fn rendered(&mut self) {
        self.changes = Changes::none();
        self.changed_bytes = 0;
        self.components.rendered();
    }

    /// What the host holds for this page, bytes (an estimate of memory).
    pub(crate) fn held(&self) -> u64 {
        // Each pair: two strings' text and headers.
        let query: usize = self.query.iter().map(|(k, v)| k.len() + v.len() + 48).sum();
        (64 + self.route.len() + query) as u64 + self.size.held() + self.components.held()
    }
}

/// A page as the host compares stacks: its serial, route and query.
pub(crate) type StackEntry = (u64, String, Vec<(String, String)>);

/// The pages of an app instance, bottom first; never empty. Pages are
/// charged to the instance's host memory budget. The tab pages not shown
/// are kept beside the stack.
#[derive(Debug)]
pub struct PageStack {
    pages: Vec<Page>,
    /// Tab pages kept alive while another page is at the stack's bottom.
    kept: Vec<Page>,
    limit: usize,
    budget: Arc<HostMemory>,
    /// The serial of the next page.
    next_serial: u64,
}

impl PageStack {
    /// A stack holding the launch page.
    pub(crate) fn new(
        route: String,
        query: Vec<(String, String)>,
        limit: usize,
        budget: Arc<HostMemory>,
    ) -> Result<PageStack, String> {
        let mut stack = PageStack {
            pages: Vec::new(),
            kept: Vec::new(),
            limit,
            budget,
            next_serial: 1,
        };
        let page = stack.new_page(route, query);
        stack.push(page)?;
        Ok(stack)
    }

    /// A new page of this stack (not on it yet).
    fn new_page(&mut self, route: String, query: Vec<(String, String)>) -> Page {
        self.next_serial += 1;
        Page::new(route, query, self.next_serial - 1)
    }

    /// Charge `page` in place of pages holding `old` bytes (`what` they
    /// are, for the error): their charge is released first, so this fails
    /// only if the new page alone is over the budget, and then their charge
    /// is taken back and nothing changes.
    fn charge_instead(&self, old: u64, page: &Page, what: &str) -> CallResult<()> {
        self.budget.release(old);
        if let Err(e) = self.budget.charge(page.held(), "a new page") {
            let _ = self.budget.charge(old, what);
            return Err(CallError::quota(e));
        }
        Ok(())
    }

    /// Each live page's serial and route, the kept tab pages first, then
    /// the stack bottom first: what the host compares before and after a
    /// callback to find the pages it loaded and unloaded.
    pub(crate) fn serials(&self) -> Vec<StackEntry> {
        (self.kept.iter().chain(&self.pages))
            .map(|p| (p.serial, p.route.clone(), p.query.clone()))
            .collect()
    }

    /// Whether the pages (kept tabs, then the stack) are those of `entries`,
    /// serial for serial: [`PageStack::serials`] would give them again.
    pub(crate) fn same_serials(&self, entries: &[StackEntry]) -> bool {
        let pages = self.kept.iter().chain(&self.pages);
        pages.clone().count() == entries.len()
            && pages
                .zip(entries)
                .all(|(page, entry)| page.serial == entry.0)
    }

    /// The page on the stack with `serial`, to change its data, with the
    /// budget it is charged to.
    pub(crate) fn page_mut(&mut self, serial: u64) -> Option<(&mut Page, &HostMemory)> {
        let mut live = self.pages.iter_mut().chain(&mut self.kept);
        let page = live.find(|p| p.serial == serial)?;
        Some((page, &self.budget))
    }

    /// The page on the stack with `serial`.
    pub(crate) fn page(&self, serial: u64) -> Option<&Page> {
        (self.pages.iter().chain(&self.kept)).find(|p| p.serial == serial)
    }

    /// Mark the top page ready; `Some(route)` if it was not yet (its
    /// `on-ready` is due).
    pub(crate) fn make_top_ready(&mut self) -> Option<String> {
        let top = self.pages.last_mut()?;
        (!std::mem::replace(&mut top.ready, true)).then(|| top.route.clone())
    }

    /// Every live page: the stack's, bottom first, then the tab pages kept
    /// alive beside it.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().chain(&self.kept)
    }

    /// The pages, bottom first.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page on top.
    pub fn top(&self) -> &Page {
        self.pages.last().expect("the stack is never empty")
    }

    /// The page on top, to change its data, with the budget it is charged to.
    pub(crate) fn top_mut(&mut self) -> (&mut Page, &HostMemory) {
        let page = self.pages.last_mut().expect("the stack is never empty");
        (page, &self.budget)
    }

    fn push(&mut self, page: Page) -> Result<(), String> {
        self.budget.charge(page.held(), "a new page")?;
        self.pages.push(page);
        Ok(())
    }

    fn pop(&mut self) {
        if let Some(page) = self.pages.pop() {
            self.budget.release(page.held());
        }
    }
}

impl Drop for PageStack {
    fn drop(&mut self) {
        while !self.pages.is_empty() {
            self.pop();
        }
        let kept: u64 = self.kept.drain(..).map(|p| p.held()).sum();
        self.budget.release(kept);
    }
}

/// Refuse opening the tab page `route` any way but `switch-tab`, as WeChat
/// does.
fn not_a_tab(tabs: Option<&TabBar>, route: &str, how: &str) -> CallResult<()> {
    match tabs.and_then(|bar| bar.index_of(route)) {
        Some(index) => Err(CallError::invalid(format!(
            "page `{route}` is tab {index} of app.json's tabBar: {how} cannot open a tab page; \
             use switch-tab (WeChat's switchTab)"
        ))),
        None => Ok(()),
    }
}

/// Split `detail?id=3&x=y` into a declared route and its query.
pub fn parse_url(
    manifest: &Manifest,
    url: &str,
) -> Result<(String, Vec<(String, String)>), String> {
    if url.len() > MAX_URL {
        return Err(format!("page url is longer than {MAX_URL} bytes"));
    }
    let (route, query) = url.split_once('?').unwrap_or((url, ""));
    let route = route.trim_start_matches('/');
    // `/pages/detail` (as templates and the platforms write it) is `detail`:
    // no route starts with `pages/` (the manifest refuses one).
    let route = route.strip_prefix("pages/").unwrap_or(route);
    if !manifest.has_page(route) {
        return Err(format!(
            "page `{route}` is not declared in the manifest of app `{}`",
            manifest.id
        ));
    }
    let query = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok((route.to_string(), query))
}

/// A request of an app to open another mini-program, for the embedder to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRequest {
    /// The app to open.
    pub app_id: String,
    /// The page to open it on.
    pub path: Option<String>,
    /// Data passed along (JSON).
    pub extra_data: Option<String>,
}

impl OpenRequest {
    fn held(&self) -> u64 {
        let optional = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        (64 + self.app_id.len() + optional(&self.path) + optional(&self.extra_data)) as u64
    }
}

/// Navigation state of one instance: its pages and the open requests the
/// embedder has not taken yet.
#[derive(Debug)]
pub(crate) struct NavCtx {
    pub pages: PageStack,
    opened: Vec<OpenRequest>,
    /// Which page `view.set-data` acts on now.
    pub data_target: DataTarget,
    /// Component instance ids and the notices not yet delivered.
    pub components: ComponentCtx,
}

/// Which page `view.set-data` and `view.get-data` act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DataTarget {
    /// The page on top of the stack (every callback but the page hooks).
    Top,
    /// The page with this serial: the one whose `on-load` runs (which may
    /// not be on top when one callback pushed two pages), or whose call
    /// completes (which may be under others).
    Page(u64),
    /// A completion whose page has left the stack.
    Gone,
    /// The page whose `on-unload` runs: it has left the stack.
    Unloading(String),
    /// Component instance `id`: one of its handlers runs, or one of its
    /// calls completes (`view.set-data` acts on its data).
    Component(u32),
}

impl NavCtx {
    /// Navigation starting on `route`.
    pub fn new(pages: PageStack) -> NavCtx {
        NavCtx {
            pages,
            opened: Vec::new(),
            data_target: DataTarget::Top,
            components: ComponentCtx::default(),
        }
    }

    /// The page `set-data` acts on now, with the budget it is charged to.
    pub fn data_page_mut(&mut self) -> Result<(&mut Page, &HostMemory), String> {
        match &self.data_target {
            DataTarget::Top => Ok(self.pages.top_mut()),
            DataTarget::Page(serial) => (self.pages.page_mut(*serial))
                .ok_or_else(|| "the page this callback acts on has left the stack".to_string()),
            DataTarget::Gone => {
                Err("the page that started this call has left the stack".to_string())
            }
            DataTarget::Unloading(route) => Err(format!(
                "page `{route}` has left the stack; its on-unload cannot change its data"
            )),
            DataTarget::Component(id) => Err(format!(
                "this callback acts on component instance {id}, not on a page"
            )),
        }
    }

    /// The data of the page `get-data` reads now (`null` during `on-unload`).
    pub fn data_page(&self) -> Option<&Page> {
        match &self.data_target {
            DataTarget::Top => Some(self.pages.top()),
            DataTarget::Page(serial) => self.pages.page(*serial),
            DataTarget::Unloading(_) | DataTarget::Gone | DataTarget::Component(_) => None,
        }
    }

    /// Push page `url` (`detail?id=3`); a tab page is refused.
    pub fn navigate_to(
        &mut self,
        manifest: &Manifest,
        tabs: Option<&TabBar>,
        url: &str,
    ) -> CallResult<()> {
        let (route, query) = parse_url(manifest, url).map_err(CallError::invalid)?;
        not_a_tab(tabs, &route, "navigate-to")?;
        let stack = &mut self.pages;
        if stack.pages.len() >= stack.limit {
            return Err(CallError::quota(format!(
                "page stack is full ({} pages); use redirect-to or navigate-back",
                stack.limit
            )));
        }
        let page = stack.new_page(route, query);
        stack.push(page).map_err(CallError::quota)
    }

    /// Replace the top page with page `url`; a tab page is refused.
    pub fn redirect_to(
        &mut self,
        manifest: &Manifest,
        tabs: Option<&TabBar>,
        url: &str,
    ) -> CallResult<()> {
        let (route, query) = parse_url(manifest, url).map_err(CallError::invalid)?;
        not_a_tab(tabs, &route, "redirect-to")?;
        let stack = &mut self.pages;
        let page = stack.new_page(route, query);
        stack.charge_instead(stack.top().held(), &page, "the current page")?;
        *stack.pages.last_mut().expect("never empty") = page;
        Ok(())
    }

    /// Close every page and open page `url` (`reLaunch`). The stack's
    /// pages and the kept tab pages leave with it (the host calls their
    /// `on-unload`, top first, after the callback); a bad `url` changes
    /// nothing.
    pub fn re_launch(&mut self, manifest: &Manifest, url: &str) -> CallResult<()> {
        let (route, query) = parse_url(manifest, url).map_err(CallError::invalid)?;
        let stack = &mut self.pages;
        let page = stack.new_page(route, query);
        let old: u64 = (stack.pages.iter().chain(&stack.kept))
            .map(Page::held)
            .sum();
        stack.charge_instead(old, &page, "the current pages")?;
        stack.pages = vec![page];
        stack.kept.clear();
        Ok(())
    }

    /// Show the tab page `url` (WeChat's `switchTab`; no query): every
    /// page on the stack but a tab page at its bottom leaves (the host
    /// calls their `on-unload`, top first); that tab page is kept alive,
    /// hidden; the target is shown, the kept one if it was (its data as
    /// it was), else a new page (loaded after the callback). A `url` that
    /// is not a tab page, or has a query, is refused and changes nothing.
    pub fn switch_tab(
        &mut self,
        manifest: &Manifest,
        tabs: Option<&TabBar>,
        url: &str,
    ) -> CallResult<()> {
        let Some(bar) = tabs else {
            return Err(CallError::invalid(
                "this app has no tab bar (app.json's `tabBar`), so switch-tab has no tab page to show",
            ));
        };
        if url.contains('?') {
            return Err(CallError::invalid(format!(
                "switch-tab's url `{url}` has a query: a tab page opens without one, as on WeChat"
            )));
        }
        let (route, _) = parse_url(manifest, url).map_err(CallError::invalid)?;
        if bar.index_of(&route).is_none() {
            let tabs: Vec<String> = bar
                .list
                .iter()
                .map(|t| format!("`{}`", t.route()))
                .collect();
            return Err(CallError::invalid(format!(
                "page `{route}` is not a tab page (app.json's tabBar lists {}); open it with navigate-to",
                tabs.join(", ")
            )));
        }
        let stack = &mut self.pages;
        let shown = stack.pages[0].route == route;
        let kept = stack.kept.iter().position(|p| p.route == route);
        let target = match (shown, kept) {
            (true, _) => None,
            (false, Some(index)) => Some(stack.kept.remove(index)),
            (false, None) => {
                let page = stack.new_page(route, Vec::new());
                (stack.budget.charge(page.held(), "a new page")).map_err(CallError::quota)?;
                Some(page)
            }
        };
        while stack.pages.len() > 1 {
            stack.pop();
        }
        let Some(target) = target else {
            return Ok(());
        };
        let bottom = std::mem::replace(&mut stack.pages[0], target);
        match bar.index_of(&bottom.route) {
            Some(_) => stack.kept.push(bottom),
            None => stack.budget.release(bottom.held()),
        }
        Ok(())
    }

    /// Pop `delta` pages (`navigateBack`, as WeChat: 0 counts as 1, more
    /// than the stack holds goes back to the first page, which always stays).
    pub fn navigate_back(&mut self, delta: u32) -> CallResult<()> {
        let stack = &mut self.pages;
        if stack.pages.len() == 1 {
            return Err(CallError::invalid("already on the first page"));
        }
        let keep = stack
            .pages
            .len()
            .saturating_sub(delta.max(1) as usize)
            .max(1);
        while stack.pages.len() > keep {
            stack.pop();
        }
        Ok(())
    }

    /// Take the open requests made since the last call.
    pub fn take_open_requests(&mut self) -> Vec<OpenRequest> {
        let opened = std::mem::take(&mut self.opened);
        let held = opened.iter().map(OpenRequest::held).sum();
        self.pages.budget.release(held);
        opened
    }
}

impl Drop for NavCtx {
    fn drop(&mut self) {
        self.take_open_requests();
    }
}

super::linked_by!(view of NavCtx, nav);

#[miniapp_runtime_macros::recorded(output)]
impl nav::Host for View<'_, NavCtx> {
    fn navigate_to(&mut self, url: String) -> CallResult<()> {
        let app = &self.call.app;
        self.ctx
            .navigate_to(&app.manifest, app.tab_bar.as_ref(), &url)
    }

    fn redirect_to(&mut self, url: String) -> CallResult<()> {
        let app = &self.call.app;
        self.ctx
            .redirect_to(&app.manifest, app.tab_bar.as_ref(), &url)
    }

    fn switch_tab(&mut self, url: String) -> CallResult<()> {
        let app = &self.call.app;
        self.ctx
            .switch_tab(&app.manifest, app.tab_bar.as_ref(), &url)
    }

    fn navigate_back(&mut self, delta: u32) -> CallResult<()> {
        self.ctx.navigate_back(delta)
    }

    fn pages(&mut self) -> wasmtime::Result<Vec<nav::Page>> {
        Ok(self
            .ctx
            .pages
            .pages
            .iter()
            .map(|p| nav::Page {
                route: p.route.clone(),
                query: p.query.clone(),
            })
            .collect())
    }

    fn re_launch(&mut self, url: String) -> CallResult<()> {
        self.ctx.re_launch(&self.call.app.manifest, &url)
    }

    fn current_pages(&mut self) -> wasmtime::Result<Vec<nav::StackedPage>> {
        Ok((self.ctx.pages.pages.iter())
            .map(|p| nav::StackedPage {
                route: p.route.clone(),
                query: p.query.clone(),
                serial: p.serial,
            })
            .collect())
    }

    fn open_mini_program(
        &mut self,
        app_id: String,
        path: Option<String>,
        extra_data: Option<String>,
    ) -> CallResult<()> {
        let manifest = &self.call.app.manifest;
        if !manifest.open_apps.contains(&app_id) {
            return Err(CallError::denied(format!(
                "app `{}` did not declare `{app_id}` in its manifest's `open_apps`",
                manifest.id
            )));
        }
        if path.as_ref().is_some_and(|p| p.len() > MAX_URL) {
            return Err(CallError::invalid(format!(
                "path is longer than {MAX_URL} bytes"
            )));
        }
        if let Some(extra) = &extra_data {
            if extra.len() > MAX_EXTRA_DATA {
                return Err(CallError::quota("extra-data is over 64 KiB"));
            }
            serde_json::from_str::<Value>(extra)
                .map_err(|e| CallError::invalid(format!("extra-data is not JSON: {e}")))?;
        }
        let request = OpenRequest {
            app_id,
            path,
            extra_data,
        };
        self.ctx
            .pages
            .budget
            .charge(request.held(), "an open request")
            .map_err(CallError::quota)?;
        if let Err(e) = self.call.gesture.spend("open-mini-program") {
            self.ctx.pages.budget.release(request.held());
            return Err(e);
        }
        self.ctx.opened.push(request);
        Ok(())
    }
}
