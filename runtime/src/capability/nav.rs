//! `nav`: the page stack (at most `page_stack` pages deep) and opening other
//! mini-programs.

use serde::Serialize;
use serde_json::Value;

use super::{CallError, CallResult};
use crate::bindings::nav;
use crate::instance::InstanceState;
use crate::manifest::Manifest;

/// A page on the stack, with its data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Route, e.g. `detail`.
    pub route: String,
    /// Query parameters it was opened with.
    pub query: Vec<(String, String)>,
    /// The page's data, as the app's `set-data` patches left it.
    pub data: Value,
}

impl Page {
    fn new(route: String, query: Vec<(String, String)>) -> Page {
        Page {
            route,
            query,
            data: Value::Object(Default::default()),
        }
    }
}

/// The pages of an app instance, bottom first; never empty.
#[derive(Debug, Clone)]
pub struct PageStack {
    pages: Vec<Page>,
    limit: usize,
}

impl PageStack {
    /// A stack holding the launch page.
    pub fn new(route: String, query: Vec<(String, String)>, limit: usize) -> PageStack {
        PageStack {
            pages: vec![Page::new(route, query)],
            limit,
        }
    }

    /// The pages, bottom first.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page on top.
    pub fn top(&self) -> &Page {
        self.pages.last().expect("the stack is never empty")
    }

    /// The page on top, to change its data.
    pub fn top_mut(&mut self) -> &mut Page {
        self.pages.last_mut().expect("the stack is never empty")
    }
}

/// Split `detail?id=3&x=y` into a declared route and its query.
pub fn parse_url(
    manifest: &Manifest,
    url: &str,
) -> Result<(String, Vec<(String, String)>), String> {
    if url.len() > 2048 {
        return Err("page url is longer than 2048 bytes".into());
    }
    let (route, query) = url.split_once('?').unwrap_or((url, ""));
    let route = route.trim_start_matches('/');
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

impl nav::Host for InstanceState {
    fn navigate_to(&mut self, url: String) -> CallResult<()> {
        let (route, query) = parse_url(&self.app.manifest, &url).map_err(CallError::invalid)?;
        let stack = &mut self.pages;
        if stack.pages.len() >= stack.limit {
            return Err(CallError::quota(format!(
                "page stack is full ({} pages); use redirect-to or navigate-back",
                stack.limit
            )));
        }
        stack.pages.push(Page::new(route, query));
        Ok(())
    }

    fn redirect_to(&mut self, url: String) -> CallResult<()> {
        let (route, query) = parse_url(&self.app.manifest, &url).map_err(CallError::invalid)?;
        *self.pages.top_mut() = Page::new(route, query);
        Ok(())
    }

    fn navigate_back(&mut self, delta: u32) -> CallResult<()> {
        let pages = &mut self.pages.pages;
        if pages.len() == 1 {
            return Err(CallError::invalid("already on the first page"));
        }
        let keep = pages.len().saturating_sub(delta.max(1) as usize).max(1);
        pages.truncate(keep);
        Ok(())
    }

    fn pages(&mut self) -> wasmtime::Result<Vec<nav::Page>> {
        Ok(self
            .pages
            .pages
            .iter()
            .map(|p| nav::Page {
                route: p.route.clone(),
                query: p.query.clone(),
            })
            .collect())
    }

    fn open_mini_program(
        &mut self,
        app_id: String,
        path: Option<String>,
        extra_data: Option<String>,
    ) -> CallResult<()> {
        self.require_gesture("open-mini-program")?;
        let manifest = &self.app.manifest;
        if !manifest.open_apps.contains(&app_id) {
            return Err(CallError::denied(format!(
                "app `{}` did not declare `{app_id}` in its manifest's `open_apps`",
                manifest.id
            )));
        }
        if path.as_ref().is_some_and(|p| p.len() > 2048) {
            return Err(CallError::invalid("path is longer than 2048 bytes"));
        }
        if let Some(extra) = &extra_data {
            if extra.len() > 64 * 1024 {
                return Err(CallError::quota("extra-data is over 64 KiB"));
            }
            serde_json::from_str::<Value>(extra)
                .map_err(|e| CallError::invalid(format!("extra-data is not JSON: {e}")))?;
        }
        if self.opened.len() >= 16 {
            return Err(CallError::quota("at most 16 open requests per event"));
        }
        self.opened.push(OpenRequest {
            app_id,
            path,
            extra_data,
        });
        Ok(())
    }
}
