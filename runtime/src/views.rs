//! A package's pages as the host draws them: templates (`pages/*.wxml`)
//! parsed and checked, stylesheets (`app.wxss`, `pages/*.wxss`) compiled
//! and made safe, all at load, before anything runs.

use std::collections::BTreeMap;

use miniapp_config::Manifest;
use miniapp_view::ast::{Node, Pos, Template};

/// Parse and check every template (`*.wxml`) of a package, by path.
/// Refused with every problem at `file:line:col` (the first ten).
pub(crate) fn parse_views(
    assets: &BTreeMap<String, Vec<u8>>,
    quotas: &miniapp_config::Quotas,
) -> Result<BTreeMap<String, Template>, String> {
    let limits = miniapp_view::Limits {
        expression_bytes: usize::try_from(quotas.view_expression_bytes).unwrap_or(usize::MAX),
        depth: quotas.view_depth as usize,
        ..miniapp_view::Limits::default()
    };
    let mut views = BTreeMap::new();
    let mut problems = Vec::new();
    for (path, bytes) in assets.iter().filter(|(p, _)| p.ends_with(".wxml")) {
        let Ok(source) = std::str::from_utf8(bytes) else {
            problems.push(format!("{path}: the template is not UTF-8"));
            continue;
        };
        match miniapp_view::parse(path, source, &limits) {
            Ok(template) => {
                views.insert(path.clone(), template);
            }
            Err(errors) => problems.extend(errors.iter().map(ToString::to_string)),
        }
    }
    if problems.is_empty() {
        problems = missing_references(&views);
    }
    if problems.is_empty() {
        return Ok(views);
    }
    let more = problems.len().saturating_sub(10);
    problems.truncate(10);
    let mut reason = format!("its templates do not parse: {}", problems.join("; "));
    if more > 0 {
        reason.push_str(&format!("; and {more} more"));
    }
    Err(reason)
}

/// Every `<import src>` and `<include src>` that names no template of the
/// package, as `file:line:col` problems (an import's place is its file).
fn missing_references(views: &BTreeMap<String, Template>) -> Vec<String> {
    let mut problems = Vec::new();
    let exists = |file: &str, src: &str| {
        miniapp_view::render::resolve(file, src).is_some_and(|path| views.contains_key(&path))
    };
    for (file, template) in views {
        for import in template.imports.iter().filter(|src| !exists(file, src)) {
            problems.push(format!(
                "{file}: <import src=\"{import}\">: no such template in the package"
            ));
        }
        let mut includes = Vec::new();
        includes_of(&template.nodes, &mut includes);
        for nodes in template.templates.values() {
            includes_of(nodes, &mut includes);
        }
        for (src, pos) in includes.into_iter().filter(|(src, _)| !exists(file, src)) {
            problems.push(format!(
                "{file}:{}:{}: <include src=\"{src}\">: no such template in the package",
                pos.line, pos.col
            ));
        }
    }
    problems
}

/// The `<include>`s among `nodes`, at any depth.
fn includes_of<'t>(nodes: &'t [Node], out: &mut Vec<(&'t str, Pos)>) {
    for node in nodes {
        match node {
            Node::Include { src, pos } => out.push((src, *pos)),
            Node::Element(element) => includes_of(&element.children, out),
            Node::Block(children)
            | Node::For {
                nodes: children, ..
            } => includes_of(children, out),
            Node::If {
                branches,
                otherwise,
            } => {
                for (_, children) in branches {
                    includes_of(children, out);
                }
                includes_of(otherwise.as_deref().unwrap_or_default(), out);
            }
            Node::Text(_) | Node::Use { .. } => {}
        }
    }
}

/// Each page's stylesheet, by route: `app.wxss` then `pages/ROUTE.wxss`,
/// compiled (see [`miniapp_view::stylesheet`]); a page with neither has
/// none. Refused with the first problem at `file:line:col`.
pub(crate) fn compile_styles(
    assets: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
) -> Result<BTreeMap<String, String>, String> {
    let refused = |problem: String| format!("its stylesheets do not compile: {problem}");
    let mut sheets = BTreeMap::new();
    for (path, bytes) in assets.iter().filter(|(p, _)| p.ends_with(".wxss")) {
        let source = std::str::from_utf8(bytes)
            .map_err(|_| refused(format!("{path}: the stylesheet is not UTF-8")))?;
        sheets.insert(path.clone(), source.to_string());
    }
    let compile = |path: &str| match sheets.contains_key(path) {
        true => miniapp_view::stylesheet::compile(path, &sheets)
            .map(Some)
            .map_err(|e| refused(e.to_string())),
        false => Ok(None),
    };
    let app = compile("app.wxss")?;
    let mut styles = BTreeMap::new();
    for route in &manifest.pages {
        let page = compile(&format!("pages/{route}.wxss"))?;
        let style = match (&app, page) {
            (None, None) => continue,
            (app, page) => format!(
                "{}{}",
                app.as_deref().unwrap_or(""),
                page.unwrap_or_default()
            ),
        };
        styles.insert(route.clone(), style);
    }
    Ok(styles)
}
