//! A loaded app: its manifest and grants, what every instance of it shares,
//! and launching instances.

use std::collections::BTreeMap;
use std::sync::Arc;

use miniapp_config::{Grants, Manifest};
use miniapp_view::ast::Template;
use miniapp_view::deps::Changes;
use miniapp_view::render::{Context, RenderLimits, Tree};
use serde_json::Value;
use wasmtime::Engine;

use crate::app_core::AppCore;
use crate::bindings::MiniappPre;
use crate::cache::CacheOutcome;
use crate::capability::http::AppHttp;
use crate::engine::LiveInstances;
use crate::error::Error;
use crate::event::LaunchOptions;
use crate::instance::{AppInstance, InstanceState};
use crate::usage::Usage;

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
    /// The origins a rendered page's URLs may name (the app's granted ones,
    /// as URLs write them).
    pub view_origins: Vec<String>,
    /// Each page's compiled stylesheet, by route (pages without one absent).
    pub styles: std::collections::BTreeMap<String, String>,
    /// Where the component exports the page hooks, if it does.
    pub page_hooks: Option<crate::instance::PageHookIndices>,
    /// The app id as the execution slots' queues name it.
    pub slot_key: Arc<str>,
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
        let template = self.views.get(&crate::views::template_path(route))?;
        let context = Context {
            files: &self.views,
            origins: &self.view_origins,
            limits: render_limits(&self.grants.quotas),
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

/// A loaded, checked app, ready to launch instances. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) shared: Arc<AppShared>,
    pub(crate) pre: MiniappPre<InstanceState>,
}

impl App {
    /// The app's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    /// What the app may do: its manifest intersected with the policy.
    pub fn grants(&self) -> &Grants {
        &self.shared.grants
    }

    /// BLAKE3 hash of its package body, hex.
    pub fn hash(&self) -> &str {
        &self.shared.hash
    }

    /// Where its compiled code came from: memory, the artifact cache, or a compile.
    pub fn compiled_from(&self) -> &CacheOutcome {
        &self.shared.compiled
    }

    /// The interfaces its component imports.
    pub fn imports(&self) -> &[String] {
        &self.shared.imports
    }

    /// The template of page `route` (`pages/ROUTE.wxml`), if the package
    /// has one.
    pub fn template(&self, route: &str) -> Option<&Template> {
        self.shared.views.get(&crate::views::template_path(route))
    }

    /// Page `route` rendered from `data` as HTML (escaped, inert: see
    /// `miniapp_view::html`). URLs may name the package's assets and the
    /// origins the app may reach.
    pub fn render_html(&self, route: &str, data: &Value) -> Result<String, Error> {
        let failed = |reason: String| Error::Render {
            app: self.shared.manifest.id.clone(),
            page: route.to_string(),
            reason,
        };
        let tree = self
            .shared
            .render(route, data, None)
            .ok_or_else(|| failed(format!("the package has no template pages/{route}.wxml")))?
            .map_err(failed)?;
        Ok(miniapp_view::html::to_html(&tree))
    }

    /// Page `route`'s stylesheet (`app.wxss` and `pages/ROUTE.wxss`,
    /// compiled and made safe at load; see `miniapp_view::stylesheet`), if
    /// it has one.
    pub fn page_style(&self, route: &str) -> Option<&str> {
        self.shared.styles.get(route).map(String::as_str)
    }

    /// The app's storage for `user` (where the operator keeps storage per
    /// user), as developer tools see it; an error if it has no storage grant.
    pub fn storage(
        &self,
        user: Option<&str>,
    ) -> Result<crate::capability::storage::AppStorage, Error> {
        crate::capability::storage::AppStorage::new(&self.shared.core, user)
    }

    /// An image the app's view names at one of its origins, fetched with
    /// the egress checks of the app's own HTTP calls (for a renderer that
    /// must not fetch app URLs itself, as a simulator on a developer's
    /// machine): its content type and bytes, or why it was refused.
    pub async fn fetch_image(&self, url: &str) -> Result<(String, Vec<u8>), Error> {
        if !self
            .shared
            .grants
            .capabilities
            .contains(&miniapp_config::Capability::Http)
        {
            return Err(Error::BadRequest {
                app: self.shared.manifest.id.clone(),
                reason: "the app has no http grant, so no remote images".into(),
            });
        }
        self.shared
            .http
            .fetch_image(url)
            .await
            .map_err(|reason| Error::BadRequest {
                app: self.shared.manifest.id.clone(),
                reason,
            })
    }

    /// What the app has used since it was loaded, with its storage now.
    pub fn usage(&self) -> Result<Usage, Error> {
        let mut usage = self.shared.usage.snapshot();
        let ns = crate::capability::storage::namespace(&self.shared.manifest.id, None);
        let storage = self.shared.services.kv.usage(&ns)?;
        usage.storage_bytes = storage.bytes;
        usage.storage_keys = storage.keys;
        Ok(usage)
    }

    /// Launch a new instance: instantiate, then `on-launch` and `on-show`.
    /// A quarantined app refuses with [`Error::Quarantined`].
    pub async fn launch(&self, options: LaunchOptions) -> Result<AppInstance, Error> {
        AppInstance::launch(self.shared.clone(), &self.pre, options).await
    }

    /// Instantiate with the app's store, limits and host state, and drop the
    /// instance without running any hook: the `instantiate` phase of the
    /// cold-start benchmarks.
    #[cfg(feature = "bench-hooks")]
    pub async fn instantiate_only(&self, options: LaunchOptions) -> Result<(), Error> {
        crate::instance::instantiate(&self.shared, &self.pre, &options)
            .await
            .map(drop)
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
    }
}
