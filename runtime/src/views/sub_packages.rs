//! A package's subpackages as the view check holds them: each subpackage
//! page's template under its root (`packageA/pages/cat/cat.wxml`, not also
//! under `pages/`), and no file of a subpackage used from the main package
//! or another subpackage (WeChat's rule), each refusal at `file:line:col`.

use std::collections::BTreeMap;

use miniapp_config::sub_packages::SubPackages;
use miniapp_config::{AppConfig, Manifest};
use miniapp_view::ast::{Node, Pos, Template, Value};
use miniapp_view::render::resolve;

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

/// The attributes whose value is a package file a client fetches.
const FILE_ATTRIBUTES: &[&str] = &["src", "poster"];

/// Each `<import>` and `<include>` of a template, and each static `src`
/// or `poster` (an image's, a video's...), that names another package's
/// subpackage file, as `file:line:col` problems.
pub(super) fn crossing_references(
    views: &BTreeMap<String, Template>,
    packages: &SubPackages,
) -> Vec<String> {
    if packages.list.is_empty() {
        return Vec::new();
    }
    // `what` (`<include src="...">`) at `at` in `file` names `target`.
    let refused = |at: String, file: &str, what: String, target: Option<String>| {
        let target = target?;
        let owner = packages.foreign(file, &target)?;
        Some(format!(
            "{at}: {what}: {target} is subpackage `{}`'s, which only its own pages and components may use (move it to the main package to share it)",
            owner.label()
        ))
    };
    let mut problems = Vec::new();
    for (file, template) in views {
        for import in &template.imports {
            let target = resolve(file, import);
            let what = format!("<import src=\"{import}\">");
            problems.extend(refused(file.clone(), file, what, target));
        }
        let (mut includes, mut files) = (Vec::new(), Vec::new());
        for nodes in std::iter::once(&template.nodes).chain(template.templates.values()) {
            super::includes_of(nodes, &mut includes);
            files_of(nodes, &mut files);
        }
        let named = (includes.into_iter())
            .map(|(src, pos)| (pos, format!("<include src=\"{src}\">"), resolve(file, src)))
            .chain(files.into_iter().map(|(tag, name, src, pos)| {
                let what = format!("<{tag} {name}=\"{src}\">");
                (pos, what, miniapp_view::render::package_path(file, src))
            }));
        for (pos, what, target) in named {
            let at = format!("{file}:{}:{}", pos.line, pos.col);
            problems.extend(refused(at, file, what, target));
        }
    }
    problems
}

/// The static [`FILE_ATTRIBUTES`] among `nodes`, at any depth: tag,
/// attribute, value and where the element is.
fn files_of<'t>(nodes: &'t [Node], out: &mut Vec<(&'t str, &'t str, &'t str, Pos)>) {
    for node in nodes {
        if let Node::Element(element) = node {
            for (name, value) in &element.attrs {
                if let (true, Value::Static(text)) = (FILE_ATTRIBUTES.contains(&&**name), value) {
                    out.push((element.tag, name, text, element.pos));
                }
            }
        }
        for inner in node.inner() {
            files_of(inner, out);
        }
    }
}

/// Each `url()` and `@import` of a stylesheet (`*.wxss`) that names
/// another package's subpackage file, as `file:line:col` problems.
pub(super) fn crossing_styles(
    assets: &BTreeMap<String, Vec<u8>>,
    packages: &SubPackages,
) -> Vec<String> {
    if packages.list.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let sheets = assets.iter().filter(|(path, _)| path.ends_with(".wxss"));
    for (file, bytes) in sheets {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue; // the stylesheet check says so
        };
        for (at, what, src) in style_references(text) {
            let Some(target) = miniapp_view::render::package_path(file, src) else {
                continue;
            };
            if let Some(owner) = packages.foreign(file, &target) {
                let before = &text[..at];
                let line = before.matches('\n').count() + 1;
                let col = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
                problems.push(format!(
                    "{file}:{line}:{col}: {what}: {target} is subpackage `{}`'s, which only its own pages and components may use (move it to the main package to share it)",
                    owner.label()
                ));
            }
        }
    }
    problems
}

/// The files a stylesheet names: each `url(...)` and `@import "..."`, with
/// where it starts (a byte offset), how it is written, and the path (one
/// of another origin, or `data:`, is none of the package's: left out).
fn style_references(text: &str) -> Vec<(usize, String, &str)> {
    let mut found = Vec::new();
    for (start, open) in [("url(", ")"), ("@import", ";")] {
        for (at, _) in text.match_indices(start) {
            let rest = &text[at + start.len()..];
            let end = rest.find(open).unwrap_or(rest.len());
            let src = rest[..end].trim().trim_matches(['"', '\'']).trim();
            if src.is_empty() || src.contains(':') || src.starts_with("url(") {
                continue;
            }
            let close = if open == ")" { ")" } else { "" };
            found.push((at, format!("{start}{}{close}", &rest[..end]), src));
        }
    }
    found
}
