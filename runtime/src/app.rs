//! A loaded app (`App`): its manifest and grants, what an embedder reads of
//! it, and launching instances.

use std::sync::Arc;

use miniapp_config::{Grants, Manifest};
use miniapp_view::ast::Template;
use serde_json::Value;

use crate::app_shared::AppShared;
use crate::cache::CacheOutcome;
use crate::capability::http::{ByteRange, MediaPart};
use crate::error::Error;
use crate::event::LaunchOptions;
use crate::instance::{AppInstance, GuestPre};
use crate::usage::{Usage, UsageCounters};

/// A loaded, checked app, ready to launch instances. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) shared: Arc<AppShared>,
    pub(crate) pre: GuestPre,
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

    /// The region picker's table its region pickers' changes are checked
    /// against (the policy's `host.region_table`, else the shipped one).
    pub fn regions(&self) -> &miniapp_view::region::Regions {
        &self.shared.services.regions
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

    /// The window of page `route`: `app.json`'s `window` overridden by the
    /// page's `pages/ROUTE.json`, each key WeChat's (empty without either,
    /// or for a route the app does not declare).
    pub fn window(&self, route: &str) -> miniapp_config::Window {
        self.shared.windows.get(route).cloned().unwrap_or_default()
    }

    /// The template of page `route` (`pages/ROUTE.wxml`, a subpackage
    /// page's `ROUTE.wxml`), if the package has one.
    pub fn template(&self, route: &str) -> Option<&Template> {
        crate::views::page_template(&self.shared.views, route)
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
            .ok_or_else(|| failed(self.no_page(route)))?
            .map_err(failed)?;
        Ok(miniapp_view::html::to_html(&tree))
    }

    /// Why `route` has no template: load checked every page's, so it is
    /// not a page (`nope is not a page of the app (did you mean ...)`).
    fn no_page(&self, route: &str) -> String {
        let pages = self.shared.manifest.pages.iter().map(String::as_str);
        let hint = miniapp_view::builtins::closest(route, pages)
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        format!("`{route}` is not a page of the app{hint}")
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
    /// machine), within its `http_timeout_ms` (at most 10 s): its content
    /// type and bytes, or why it was refused. A fetched image counts in
    /// the app's `http_calls` and `http_bytes`.
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
        let timeout_ms = self.shared.grants.quotas.http_timeout_ms;
        let image = self.shared.http.fetch_image(url, timeout_ms).await;
        let (kind, bytes) = image.map_err(|reason| Error::BadRequest {
            app: self.shared.manifest.id.clone(),
            reason,
        })?;
        self.charge_http(bytes.len());
        Ok((kind, bytes))
    }

    /// A fetch the host made for the app's view, in its usage as its own
    /// calls are: one call and its bytes.
    fn charge_http(&self, bytes: usize) {
        UsageCounters::add(&self.shared.usage.http_calls, 1);
        UsageCounters::add(&self.shared.usage.http_bytes, bytes as u64);
    }

    /// Part `range` of a video or audio the app's view names at one of its
    /// origins, fetched as the app's own calls are, at most its
    /// `http_response_bytes` within its `http_timeout_ms` (see
    /// `AppHttp::fetch_media`), counted in its `http_calls` and
    /// `http_bytes`; refused without the `http` grant.
    pub async fn fetch_media(&self, url: &str, range: ByteRange) -> Result<MediaPart, Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.shared.manifest.id.clone(),
            reason,
        };
        if !(self.shared.grants.capabilities).contains(&miniapp_config::Capability::Http) {
            return Err(refused(
                "the app has no http grant, so no remote media".into(),
            ));
        }
        let quotas = &self.shared.grants.quotas;
        let (most, timeout_ms) = (quotas.http_response_bytes, quotas.http_timeout_ms);
        let part = self
            .shared
            .http
            .fetch_media(url, range, most, timeout_ms)
            .await;
        let part = part.map_err(refused)?;
        self.charge_http(part.bytes.len());
        Ok(part)
    }

    /// What the app has used since it was loaded, with its storage now.
    pub fn usage(&self) -> Result<Usage, Error> {
        let mut usage = self.shared.usage.snapshot();
        let ns = crate::capability::storage::namespace(&self.shared.manifest.id, None);
        let storage = self.shared.services.kv.usage(&ns)?;
        usage.storage_bytes = storage.bytes;
        usage.storage_keys = storage.keys;
        let temp = self.shared.services.temp.used_by(&self.shared.manifest.id);
        (usage.temp_bytes, usage.temp_files) = temp;
        Ok(usage)
    }

    /// Audit that the embedder dropped what it would have kept on disk for
    /// the app because one of the app's disk budgets is full (`message`
    /// names the budget and what was dropped): a host record, within the
    /// app's day budget for those (`disk_bytes_per_day`).
    pub fn audit_dropped_for_budget(&self, message: String) {
        let event = crate::audit::AuditEvent::DiskBudget {
            message,
            dropped: Some(1),
        };
        self.shared.core.audit(event);
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
