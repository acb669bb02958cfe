//! What every instance of one loaded app shares: its core (which every
//! capability reads), each capability's per-app state, its views, where
//! its component exports the page hooks, and its compiled code.

use std::collections::BTreeMap;
use std::sync::Arc;

use miniapp_config::Grants;
use miniapp_view::ast::Template;
use miniapp_view::deps::Changes;
use miniapp_view::render::{Context, RenderLimits, Tree};
use serde_json::Value;
use wasmtime::Engine;
use wasmtime::component::{Component, ComponentExportIndex};

use crate::app_core::AppCore;
use crate::cache::CacheOutcome;
use crate::capability::http::AppHttp;
use crate::engine::LiveInstances;

/// What every instance of one loaded app shares: its core (which every
/// capability reads; this struct reads as it), each capability's per-app
/// state, its views, and its compiled code.
pub(crate) struct AppShared {
    pub core: Arc<AppCore>,
    /// The `http` capability's per-app state.
    pub http: Arc<AppHttp>,
    pub hash: String,
    pub imports: Vec<String>,
    pub engine: Engine,
    pub live: Arc<LiveInstances>,
    pub compiled: CacheOutcome,
    /// The package's templates, parsed and checked at load, by path.
    pub views: BTreeMap<String, Template>,
    /// The package's custom components and the tags each page uses.
    pub components: crate::views::Components,
    /// The origins a rendered page's URLs may name (the app's granted ones,
    /// as URLs write them).
    pub view_origins: Vec<String>,
    /// Each page's window (app.json's, overridden by its json), by route.
    pub windows: BTreeMap<String, miniapp_config::Window>,
    /// Each page's compiled stylesheet, by route (pages without one absent).
    pub styles: std::collections::BTreeMap<String, String>,
    /// Where the component exports the page hooks, if it does.
    pub page_hooks: Option<PageHookIndices>,
    /// Where it exports `completions.on-complete`, if it does.
    pub on_complete: Option<ComponentExportIndex>,
    /// Where it exports the page events, if it does.
    pub page_events: Option<crate::instance::PageEventIndices>,
    /// The paths of the package's files (a share card's picture is one).
    pub asset_paths: std::collections::BTreeSet<String>,
    /// Where it exports the component lifetimes and handlers, if it does.
    pub component_hooks: Option<crate::instance::ComponentIndices>,
    /// What its `miniapp:meta` section says of its pages and components.
    pub meta: Option<Arc<miniapp_config::Meta>>,
    /// The app id as the execution slots' queues name it.
    pub slot_key: Arc<str>,
    /// Its subpackages and preload rules (app.json's).
    pub sub_packages: miniapp_config::sub_packages::SubPackages,
    /// Each subpackage's files, by root.
    pub sub_package_files: BTreeMap<String, crate::instance::sub_packages::PackageFiles>,
}

impl AppShared {
    /// Page `route` rendered from `data`; `None` if it has no template.
    /// With the `previous` render of the same page and the data paths
    /// changed since, only what those changes can touch is evaluated again.
    pub fn render(
        &self,
        route: &str,
        data: &Value,
        previous: Option<(&Tree, &Changes)>,
    ) -> Option<Result<Tree, String>> {
        self.render_with(route, data, previous, &miniapp_view::component::NoInstances)
    }

    /// [`AppShared::render`], its custom components drawn from the data
    /// `instances` holds for them (from their definitions for those not
    /// created yet).
    pub fn render_with(
        &self,
        route: &str,
        data: &Value,
        previous: Option<(&Tree, &Changes)>,
        instances: &dyn miniapp_view::component::Instances,
    ) -> Option<Result<Tree, String>> {
        let template = crate::views::page_template(&self.views, route)?;
        let using = self.components.pages.get(route);
        let context = Context {
            instances,
            components: &self.components.definitions,
            using: using.unwrap_or(&self.components.app),
            ..Context::new(
                &self.views,
                &self.view_origins,
                render_limits(&self.grants.quotas),
            )
        };
        let tree = match previous {
            Some((tree, changes)) => {
                miniapp_view::render::render_changed(template, data, &context, tree, changes)
            }
            None => miniapp_view::render::render(template, data, &context),
        };
        Some(tree.map_err(|e| e.to_string()))
    }
}

impl std::ops::Deref for AppShared {
    type Target = AppCore;

    fn deref(&self) -> &AppCore {
        &self.core
    }
}

/// Where a component exports the page hooks, found once at load.
#[derive(Clone, Copy)]
pub(crate) struct PageHookIndices {
    pub on_load: ComponentExportIndex,
    pub on_ready: ComponentExportIndex,
    pub on_unload: ComponentExportIndex,
}

impl PageHookIndices {
    /// The page hooks of `component`, built against host API `version`:
    /// `None` if it does not export the interface; an error naming the
    /// missing hook if it exports only part of it.
    pub fn find(component: &Component, version: &str) -> Result<Option<PageHookIndices>, String> {
        let page = format!("miniapp:host/page@{version}");
        let Some((_, interface)) = component.get_export(None, &page) else {
            return Ok(None);
        };
        let hook = |name: &str| {
            component
                .get_export_index(Some(&interface), name)
                .ok_or_else(|| format!("it exports `{page}` without `{name}`"))
        };
        Ok(Some(PageHookIndices {
            on_load: hook("on-load")?,
            on_ready: hook("on-ready")?,
            on_unload: hook("on-unload")?,
        }))
    }
}

/// The origins a rendered page may name: those `grants` allow, as URLs
/// write them.
pub(crate) fn view_origins(grants: &Grants) -> Vec<String> {
    grants
        .origins
        .iter()
        .map(|o| written_origin(&o.to_string()))
        .collect()
}

/// An origin as URLs write it: `https://x.com`, not `https://x.com:443`.
fn written_origin(origin: &str) -> String {
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        if origin.starts_with(scheme)
            && let Some(bare) = origin.strip_suffix(port)
        {
            return bare.to_string();
        }
    }
    origin.to_string()
}

/// The render limits of `quotas` (`view_*`).
fn render_limits(quotas: &miniapp_config::Quotas) -> RenderLimits {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    RenderLimits {
        nodes: size(quotas.view_nodes),
        items_per_for: size(quotas.view_items_per_for),
        template_depth: quotas.view_template_depth as usize,
        output_bytes: size(quotas.view_output_bytes),
        steps: size(quotas.view_steps),
        components: quotas.view_components as usize,
        component_depth: quotas.view_component_depth as usize,
    }
}
