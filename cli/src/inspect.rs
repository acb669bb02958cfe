//! `miniapp inspect`: what a package holds, without running it.

use std::path::Path;

use miniapp_runtime::{Package, PackageLimits};
use serde_json::json;

use crate::{Failure, out};

pub fn inspect(path: &Path, as_json: bool) -> Result<(), Failure> {
    let package = Package::read(path, &PackageLimits::default())
        .map_err(|e| Failure::input(format!("package {}: {e}", path.display())))?;
    let imports = miniapp_runtime::platform::component_imports(&package.component)
        .map_err(|e| Failure::input(format!("package {}: {e}", path.display())))?;
    // The scopes as load makes them: app.json's `permission` joined.
    let config = miniapp_runtime::platform::app_config::check(&package.manifest, &package.assets)
        .map_err(|e| Failure::input(format!("package {}: {e}", path.display())))?;
    let m = &miniapp_runtime::Manifest {
        scopes: config.scopes,
        ..package.manifest.clone()
    };
    if as_json {
        let report = json!({
            "manifest": m,
            "hash": package.hash,
            "size": package.size,
            "component_size": package.component.len(),
            "assets": package.assets.keys().collect::<Vec<_>>(),
            "imports": imports,
        });
        out::json(&report);
        return Ok(());
    }
    out::line(format!("app          {} ({}) {}", m.id, m.name, m.version));
    if let Some(description) = &m.description {
        out::line(format!("description  {description}"));
    }
    out::line(format!("hash         blake3:{}", package.hash));
    out::line(format!(
        "size         {} bytes (component {} bytes, {} assets)",
        package.size,
        package.component.len(),
        package.assets.len()
    ));
    out::line(format!("pages        {}", m.pages.join(", ")));
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "(none)".to_string()
        } else {
            items.join(", ")
        }
    };
    out::line(format!(
        "permissions  {}",
        list(m.permissions.iter().map(|c| c.to_string()).collect())
    ));
    out::line(format!(
        "scopes       {}",
        list(
            m.scopes
                .iter()
                .map(|(s, why)| format!("{s} (\"{why}\")"))
                .collect()
        )
    ));
    out::line(format!("origins      {}", list(m.origins.clone())));
    out::line(format!("open apps    {}", list(m.open_apps.clone())));
    out::line("imports");
    for import in imports {
        out::line(format!("  {import}"));
    }
    Ok(())
}
