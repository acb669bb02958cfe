//! A package's pages as the host draws them: templates (`pages/*.wxml`)
//! parsed and checked, stylesheets (`app.wxss`, `pages/*.wxss`) compiled
//! and made safe, every declared page with its template. Load checks this
//! before anything runs, and `miniapp build` before it packs: one check.

use std::collections::BTreeMap;

use miniapp_config::{Manifest, Quotas};
use miniapp_view::ast::{Node, Pos, Template};

/// Most problems a refusal lists.
const MAX_PROBLEMS: usize = 10;

/// A package's view, checked: what the host renders pages with.
#[derive(Debug, Default)]
pub struct Views {
    /// Every template (`*.wxml`), parsed, by path (`pages/index.wxml`).
    pub templates: BTreeMap<String, Template>,
    /// Each page's compiled stylesheet (`app.wxss` then its own), by route;
    /// a page with neither is absent.
    pub styles: BTreeMap<String, String>,
}

/// Why a package's view is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// Declared pages without their template.
    #[error("{}", no_templates(.0))]
    NoTemplate(Vec<String>),
    /// Templates that do not parse or name a template the package lacks:
    /// each problem at `file:line:col`, the first ten.
    #[error("its templates do not parse: {}", listed(problems, *more))]
    Templates {
        /// The first problems, each `file:line:col: what is wrong`.
        problems: Vec<String>,
        /// How many more there are.
        more: usize,
    },
    /// A stylesheet that does not compile, at `file:line:col`.
    #[error("its stylesheets do not compile: {0}")]
    Styles(String),
}

/// Where the template of page `route` is: `pages/ROUTE.wxml`.
pub fn template_path(route: &str) -> String {
    format!("pages/{route}.wxml")
}

/// Check a package's view as load does: every declared page has its
/// template, every template parses and passes the checks (within the
/// expression and depth limits of `quotas`), every `<import>` and
/// `<include>` resolves, every page's stylesheet compiles.
pub fn check(
    manifest: &Manifest,
    assets: &BTreeMap<String, Vec<u8>>,
    quotas: &Quotas,
) -> Result<Views, ViewError> {
    let missing: Vec<String> = (manifest.pages.iter())
        .filter(|route| !assets.contains_key(&template_path(route)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(ViewError::NoTemplate(missing));
    }
    let templates = parse_views(assets, quotas)?;
    let styles = compile_styles(assets, manifest).map_err(ViewError::Styles)?;
    Ok(Views { templates, styles })
}

/// `page `detail` is declared but has no template pages/detail.wxml`, for
/// each route.
fn no_templates(routes: &[String]) -> String {
    let each = routes.iter().map(|route| {
        let file = template_path(route);
        format!("page `{route}` is declared but has no template {file}")
    });
    each.collect::<Vec<_>>().join("; ")
}

/// `problems` joined, and how many more there are.
fn listed(problems: &[String], more: usize) -> String {
    match more {
        0 => problems.join("; "),
        more => format!("{}; and {more} more", problems.join("; ")),
    }
}

/// Parse and check every template (`*.wxml`) of a package, by path.
fn parse_views(
    assets: &BTreeMap<String, Vec<u8>>,
    quotas: &Quotas,
) -> Result<BTreeMap<String, Template>, ViewError> {
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
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    Err(ViewError::Templates { problems, more })
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
            Node::Text(_) | Node::Use { .. } | Node::Slot { .. } => {}
        }
    }
}

/// Each page's stylesheet, by route: `app.wxss` then `pages/ROUTE.wxss`,
/// compiled (see [`miniapp_view::stylesheet`]); a page with neither has
/// none. Refused with the first problem at `file:line:col`.
fn compile_styles(
    assets: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
) -> Result<BTreeMap<String, String>, String> {
    let mut sheets = BTreeMap::new();
    for (path, bytes) in assets.iter().filter(|(p, _)| p.ends_with(".wxss")) {
        let source = std::str::from_utf8(bytes)
            .map_err(|_| format!("{path}: the stylesheet is not UTF-8"))?;
        sheets.insert(path.clone(), source.to_string());
    }
    let compile = |path: &str| match sheets.contains_key(path) {
        true => miniapp_view::stylesheet::compile(path, &sheets)
            .map(Some)
            .map_err(|e| e.to_string()),
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
