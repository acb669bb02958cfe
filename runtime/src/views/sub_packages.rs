//! A package's subpackages as the view check holds them: each subpackage
//! page's template under its root (`packageA/pages/cat/cat.wxml`, not also
//! under `pages/`), and no file of a subpackage used from the main package
//! or another subpackage (WeChat's rule), each refusal at `file:line:col`.

use std::collections::BTreeMap;

use miniapp_config::sub_packages::SubPackages;
use miniapp_config::{AppConfig, Manifest};
use miniapp_view::ast::Template;

/// The subpackages `assets`' app.json declares (none if it has none, or
/// does not parse: the config check refuses it at its place).
pub fn of(assets: &BTreeMap<String, Vec<u8>>) -> SubPackages {
    (assets.get(miniapp_config::app_json::APP_JSON))
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| AppConfig::parse(text).ok())
        .map(|config| config.sub_packages)
        .unwrap_or_default()
}

/// Every subpackage page the manifest declares has its template under its
/// root and none under `pages/`.
pub(super) fn check_pages(
    manifest: &Manifest,
    assets: &BTreeMap<String, Vec<u8>>,
    packages: &SubPackages,
) -> Result<(), String> {
    for route in &manifest.pages {
        let Some(package) = packages.of_route(route) else {
            continue;
        };
        let place = packages.place_of(route).unwrap_or_default();
        let at = format!("app.json:{}:{}", place.line, place.col);
        let main = super::template_path(route);
        if assets.contains_key(&main) {
            return Err(format!(
                "{at}: page `{route}` is in subpackage `{}` and {main} makes it a main page too: a page is in one package (move or rename {main})",
                package.label()
            ));
        }
        if !assets.contains_key(&format!("{route}.wxml")) {
            return Err(format!(
                "{at}: page `{route}` of subpackage `{}` has no template {route}.wxml",
                package.label()
            ));
        }
    }
    Ok(())
}

/// Each `<import>` and `<include>` of a template that names another
/// package's subpackage file, as `file:line:col` problems.
pub(super) fn crossing_references(
    views: &BTreeMap<String, Template>,
    packages: &SubPackages,
) -> Vec<String> {
    if packages.list.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let mut refuse = |at: String, file: &str, tag: &str, src: &str| {
        let Some(target) = miniapp_view::render::resolve(file, src) else {
            return;
        };
        if let Some(owner) = packages.foreign(file, &target) {
            problems.push(format!(
                "{at}: <{tag} src=\"{src}\">: {target} is subpackage `{}`'s, which only its own pages and components may use (move it to the main package to share it)",
                owner.label()
            ));
        }
    };
    for (file, template) in views {
        for import in &template.imports {
            refuse(file.clone(), file, "import", import);
        }
        let mut includes = Vec::new();
        super::includes_of(&template.nodes, &mut includes);
        for nodes in template.templates.values() {
            super::includes_of(nodes, &mut includes);
        }
        for (src, pos) in includes {
            refuse(
                format!("{file}:{}:{}", pos.line, pos.col),
                file,
                "include",
                src,
            );
        }
    }
    problems
}
