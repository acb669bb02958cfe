//! Loading an app: read and check its package, compile (or map from the
//! artifact cache) its component, check its imports against its manifest
//! through the interface table, resolve its grants and pre-instantiate it.
//! Nothing of the app runs.

use std::path::Path;
use std::sync::Arc;

use miniapp_config::Manifest;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::app::App;
use crate::app_core::AppCore;
use crate::app_shared::{AppShared, PageHookIndices};
use crate::audit::{AuditEvent, AuditRecord};
use crate::cache::CacheOutcome;
use crate::capability::http::AppHttp;
use crate::capability::table::{HOST_API_VERSION, interface, serves};
use crate::capability::v0_1;
use crate::error::Error;
use crate::instance::{CompletionExport, GuestPre};
use crate::package::Package;
use crate::runtime::Runtime;
use crate::usage::UsageCounters;

/// The WASI interfaces a component may import (Rust's std imports these
/// even when unused). They are linked with nothing ambient behind them.
const WASI_PACKAGES: [&str; 5] = [
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

impl Runtime {
    /// Read, check and load a package file.
    pub fn load_file(&self, path: &Path) -> Result<App, Error> {
        let package =
            Package::read(path, &self.inner.package_limits).map_err(|source| Error::Package {
                path: path.display().to_string(),
                source,
            })?;
        self.load(package)
    }

    /// Load a checked package: compile its component, check its imports
    /// against its manifest, resolve its grants and pre-instantiate it.
    /// Nothing of the app runs.
    pub fn load(&self, package: Package) -> Result<App, Error> {
        let inner = &*self.inner;
        let mut manifest = package.manifest;
        // Its app.json and pages' json (their warnings are the build's to
        // show): app.json's `permission` joins the manifest's scopes
        // before the policy grants them.
        let config = crate::app_config::check(&manifest, &package.assets);
        if let Ok(config) = &config {
            manifest.scopes = config.scopes.clone();
        }
        let refused = |reason: String| {
            let event = AuditEvent::Refused {
                reason: reason.clone(),
            };
            let record = AuditRecord::now(&manifest.id, &manifest.version, event);
            inner.services.audit.record(&record);
            Error::Refused {
                app: manifest.id.clone(),
                reason,
            }
        };
        let mut grants = inner.policy.grants_for(&manifest)?;
        // Its json first (a page json that does not parse declares no
        // components, so its templates' error would hide the cause), then
        // every page's template and style, before anything runs.
        let config = config.map_err(|e| refused(e.to_string()))?;
        let views = crate::views::check(&manifest, &package.assets, &grants.quotas)
            .map_err(|e| refused(e.to_string()))?;
        grants.private_infos = config.private_infos.clone();
        grants.network_timeout = config.network_timeout;
        let windows = config.windows;
        // What its logic declares (handlers, properties), read, never run.
        let meta = crate::meta::read(&package.component, &manifest).map_err(&refused)?;
        let views = views
            .with_meta(meta.as_ref())
            .map_err(|e| refused(e.to_string()))?;
        let (component, compiled) = match &inner.cache {
            Some(cache) => cache
                .component(
                    &inner.engine,
                    &package.hash,
                    &package.component,
                    &grants.quotas,
                )
                .map_err(refused)?,
            None => {
                let snapshot = crate::snapshot::pre_initialise(
                    &inner.engine,
                    &package.component,
                    &grants.quotas,
                )
                .map_err(&refused)?;
                let wasm = snapshot.as_deref().unwrap_or(&package.component);
                let component = Component::new(&inner.engine, wasm).map_err(|e| {
                    refused(format!(
                        "its component is not a valid WebAssembly component: {e:#}"
                    ))
                })?;
                (component, CacheOutcome::Compiled)
            }
        };
        let (imports, version) =
            check_imports(&inner.engine, &component, &manifest).map_err(refused)?;
        let pre = (inner.linker.instantiate_pre(&component))
            .map_err(|e| format!("{e:#}"))
            .and_then(|pre| GuestPre::new(&component, pre, version))
            .map_err(|e| refused(format!("it does not fit the miniapp world: {e}")))?;
        let page_hooks = PageHookIndices::find(&component, pre.version).map_err(refused)?;
        let on_complete =
            CompletionExport::find(&component, pre.version, &imports).map_err(refused)?;
        let page_events = crate::instance::PageEventIndices::find(&component, pre.version);
        let component_hooks =
            crate::instance::ComponentIndices::find(&component, pre.version).map_err(refused)?;
        if let (None, Some(path)) = (component_hooks, views.components.definitions.keys().next()) {
            return Err(refused(format!(
                "it declares custom component `{path}` but does not export \
                 `miniapp:host/lifetimes` and `miniapp:host/handlers`: it needs an SDK with components"
            )));
        }
        Ok(App {
            shared: Arc::new(AppShared {
                slot_key: manifest.id.as_str().into(),
                page_hooks,
                component_hooks,
                meta: meta.map(Arc::new),
                on_complete,
                page_events: page_events.map_err(refused)?,
                sub_package_files: crate::instance::sub_packages::files_by_package(
                    &views.sub_packages,
                    &package.assets,
                ),
                sub_packages: views.sub_packages,
                asset_paths: package.assets.keys().cloned().collect(),
                styles: views.styles,
                windows,
                http: Arc::new(AppHttp::configure_app(
                    &grants,
                    (inner.services.temp).area(&manifest.id, &grants.quotas),
                )),
                engine: inner.engine.clone(),
                live: inner.live.clone(),
                compiled,
                hash: package.hash,
                imports,
                view_origins: crate::app_shared::view_origins(&grants),
                components: views.components,
                views: views.templates,
                core: Arc::new(AppCore {
                    usage: UsageCounters::default(),
                    host: inner.policy.host.clone(),
                    api_version: pre.version,
                    services: inner.services.clone(),
                    manifest,
                    grants,
                    tab_bar: config.tab_bar,
                }),
            }),
            pre,
        })
    }
}

/// Check that `component` imports only the host API it may use: the core
/// interfaces, the capabilities its manifest declares, and sandboxed WASI,
/// all of one version of the host API this host serves. Returns the
/// imported interface names, and that version (none if it imports no
/// host interface).
fn check_imports(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<(Vec<String>, Option<&'static str>), String> {
    let mut imports = Vec::new();
    let mut built_for: Option<(&'static str, String)> = None;
    for (name, _) in component.component_type().imports(engine) {
        imports.push(name.to_string());
        if WASI_PACKAGES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let Some(rest) = name.strip_prefix("miniapp:host/") else {
            return Err(format!(
                "it imports `{name}`, which this host does not provide"
            ));
        };
        let (interface_name, version) = rest.split_once('@').unwrap_or((rest, ""));
        let version =
            served(interface_name, version).map_err(|e| format!("it imports `{name}`, {e}"))?;
        match &built_for {
            Some((first, earlier)) if *first != version => {
                return Err(format!(
                    "it imports `{earlier}` and `{name}`: a package is built against one version of the host API"
                ));
            }
            Some(_) => {}
            None => built_for = Some((version, name.to_string())),
        }
        match interface(interface_name).map(|i| i.capability) {
            Some(None) => {}
            Some(Some(capability)) if manifest.permissions.contains(&capability) => {}
            Some(Some(capability)) => {
                return Err(format!(
                    "it imports `{name}` but its manifest does not declare the `{capability}` permission"
                ));
            }
            None => {
                return Err(format!(
                    "it imports `{name}`, which this host does not provide"
                ));
            }
        }
    }
    Ok((imports, built_for.map(|(version, _)| version)))
}

/// The version of the host API an import of `interface@version` is served
/// in, or why it is not.
fn served(interface: &str, version: &str) -> Result<&'static str, String> {
    match version {
        HOST_API_VERSION => Ok(HOST_API_VERSION),
        v0_1::VERSION if serves(interface, version) => Ok(v0_1::VERSION),
        v0_1::VERSION => Err(format!("which host API {version} did not have")),
        _ => Err(format!(
            "but this host provides miniapp:host@{HOST_API_VERSION} (and runs packages built against {})",
            v0_1::VERSION
        )),
    }
}

/// The interfaces a component imports, without loading it as an app (for
/// inspection). Compiles the component with a default engine.
pub fn component_imports(component: &[u8]) -> Result<Vec<String>, String> {
    let engine = Engine::default();
    let component = Component::new(&engine, component)
        .map_err(|e| format!("not a valid WebAssembly component: {e:#}"))?;
    Ok(component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::served;

    #[test]
    fn imports_of_both_versions_are_served_each_with_its_own_interfaces() {
        assert_eq!(served("storage", "0.2.0"), Ok("0.2.0"));
        assert_eq!(served("clipboard", "0.2.0"), Ok("0.2.0"));
        assert_eq!(served("storage", "0.1.0"), Ok("0.1.0"));
        assert_eq!(
            served("clipboard", "0.1.0").unwrap_err(),
            "which host API 0.1.0 did not have"
        );
        assert_eq!(
            served("storage", "0.3.0").unwrap_err(),
            "but this host provides miniapp:host@0.2.0 (and runs packages built against 0.1.0)"
        );
    }
}
