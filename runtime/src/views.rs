//! A package's pages as the host draws them: templates (`pages/*.wxml`)
//! parsed and checked, stylesheets (`app.wxss`, `pages/*.wxss`) compiled
//! and made safe, every declared page with its template. Load checks this
//! before anything runs, and `miniapp build` before it packs: one check.

use std::collections::BTreeMap;

use miniapp_config::{Manifest, Meta, Quotas};
use miniapp_view::ast::{Node, Pos, Template};

mod checks;
pub mod resolve;
pub mod sub_packages;

pub use resolve::Components;

/// Most problems a refusal lists.
const MAX_PROBLEMS: usize = 10;

/// Most bytes the components' compiled stylesheets take together (a page
/// holds a copy of those it reaches; each one alone is within
/// `MAX_COMPILED_BYTES`, but a package may have 512 components).
const MAX_COMPONENT_STYLES: usize = 2 * miniapp_view::stylesheet::MAX_COMPILED_BYTES;

/// Most bytes the pages' compiled stylesheets take together (each holds
/// app.wxss and its components' sheets: a per-page bound multiplied by 256
/// pages).
const MAX_PAGE_STYLES: usize = 32 * 1024 * 1024;

/// A package's view, checked: what the host renders pages with.
#[derive(Debug, Default)]
pub struct Views {
    /// Every template (`*.wxml`), parsed, by path (`pages/index.wxml`).
    pub templates: BTreeMap<String, Template>,
    /// Each page's compiled stylesheet (`app.wxss` then its own, then its
    /// components' scoped to them), by route; a page with none is absent.
    pub styles: BTreeMap<String, String>,
    /// The package's custom components and the tags each page uses.
    pub components: Components,
    /// What the components' stylesheets have that WeChat does not apply,
    /// each `file:line:col: what`.
    pub warnings: Vec<String>,
    /// The subpackages app.json declares (their pages among the routes).
    pub sub_packages: miniapp_config::sub_packages::SubPackages,
}

/// Why a package's view is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// Declared pages without their template.
    #[error("{}", no_templates(.0))]
    NoTemplate(Vec<String>),
    /// Templates that do not parse, name a template the package lacks, or
    /// fail the checks (a custom tag, slot, property or handler their
    /// components and the logic's meta lack): each problem at
    /// `file:line:col`, the first ten.
    #[error("its templates are refused: {}", listed(problems, *more))]
    Templates {
        /// The first problems, each `file:line:col: what is wrong`.
        problems: Vec<String>,
        /// How many more there are.
        more: usize,
    },
    /// A stylesheet that does not compile, at `file:line:col`.
    #[error("its stylesheets do not compile: {0}")]
    Styles(String),
    /// A `usingComponents` entry that names no component of the package,
    /// or a component's json that is wrong, at `file:line:col`.
    #[error("its components do not resolve: {0}")]
    Components(String),
    /// A subpackage page without its template, or a file of one package
    /// that another uses, at `file:line:col`.
    #[error("its subpackages do not hold together: {0}")]
    SubPackages(String),
}

/// Where the template of page `route` is: `pages/ROUTE.wxml`.
pub fn template_path(route: &str) -> String {
    format!("pages/{route}.wxml")
}

/// Where page `route`'s files are, without their extension, in a package
/// that `has` files: `pages/ROUTE` for a main page, the route itself for a
/// subpackage's page (`packageA/pages/cat/cat`), whose files are under its
/// root. [`check`] holds every page to one of the two, never both.
pub fn page_stem(route: &str, has: impl Fn(&str) -> bool) -> String {
    let main = format!("pages/{route}");
    match has(&format!("{main}.wxml")) || !has(&format!("{route}.wxml")) {
        true => main,
        false => route.to_string(),
    }
}

/// The template of page `route` among `templates` (see [`page_stem`]).
pub fn page_template<'t>(
    templates: &'t BTreeMap<String, Template>,
    route: &str,
) -> Option<&'t Template> {
    let stem = page_stem(route, |path| templates.contains_key(path));
    templates.get(&format!("{stem}.wxml"))
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
    let packages = sub_packages::of(assets);
    sub_packages::check_pages(manifest, assets, &packages).map_err(ViewError::SubPackages)?;
    let missing: Vec<String> = (manifest.pages.iter())
        .filter(|route| packages.of_route(route).is_none())
        .filter(|route| !assets.contains_key(&template_path(route)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(ViewError::NoTemplate(missing));
    }
    let mut components = resolve::resolve(&manifest.pages, assets)
        .map_err(|e| ViewError::Components(e.to_string()))?;
    let templates = parse_views(assets, quotas, &components)?;
    let mut crossing = sub_packages::crossing_references(&templates, &packages);
    crossing.extend(sub_packages::crossing_styles(assets, &packages));
    if !crossing.is_empty() {
        return Err(ViewError::SubPackages(crossing.join("; ")));
    }
    refuse(checks::check(&templates, &components, None))?;
    let (styles, warnings) =
        compile_styles(assets, manifest, &mut components).map_err(ViewError::Styles)?;
    Ok(Views {
        templates,
        styles,
        components,
        warnings,
        sub_packages: packages,
    })
}

impl Views {
    /// The views with what the logic's `meta` declares of its components
    /// (properties, own data, external classes, options) in their
    /// definitions, and every template checked against it: each static
    /// handler its page or component has, each attribute on a custom tag a
    /// property, an external class or a common attribute. Without meta,
    /// as they are.
    pub fn with_meta(mut self, meta: Option<&Meta>) -> Result<Views, ViewError> {
        let Some(meta) = meta else {
            return Ok(self);
        };
        resolve::apply(&mut self.components, meta);
        refuse(checks::check(&self.templates, &self.components, Some(meta)))?;
        Ok(self)
    }
}

/// `problems` as a refusal (the first ten), if there are any.
fn refuse(mut problems: Vec<String>) -> Result<(), ViewError> {
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    Err(ViewError::Templates { problems, more })
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
    components: &Components,
) -> Result<BTreeMap<String, Template>, ViewError> {
    let limits = miniapp_view::Limits {
        expression_bytes: usize::try_from(quotas.view_expression_bytes).unwrap_or(usize::MAX),
        depth: quotas.view_depth as usize,
        custom_components: true,
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
            Err(mut errors) => {
                // The file's undeclared tags too, as the parser sees them
                // when every tag must be a built-in.
                let strict = miniapp_view::Limits {
                    custom_components: false,
                    ..limits
                };
                let undeclared = (miniapp_view::parse(path, source, &strict).err())
                    .into_iter()
                    .flatten()
                    .filter(|e| {
                        e.message
                            .strip_prefix("unknown component `<")
                            .and_then(|rest| rest.split_once('>'))
                            .is_some_and(|(tag, _)| !components.declares(path, tag))
                    });
                errors.extend(undeclared);
                errors.sort_by_key(|e| e.pos);
                errors.dedup();
                problems.extend(errors.iter().map(ToString::to_string));
            }
        }
    }
    if problems.is_empty() {
        problems = missing_references(&views);
    }

    refuse(problems).map(|()| views)
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
        if let Node::Include { src, pos } = node {
            out.push((src, *pos));
        }
        for inner in node.inner() {
            includes_of(inner, out);
        }
    }
}

/// Each page's stylesheet, by route: `app.wxss`, then `pages/ROUTE.wxss`,
/// then the stylesheet of each component the page reaches, scoped to it
/// (and unscoped too for a `shared` one; each definition keeps its own in
/// `Definition::style`), compiled (see [`miniapp_view::stylesheet`]); a
/// page with none has none. Refused with the first problem at
/// `file:line:col`; the warnings of the components' stylesheets beside.
fn compile_styles(
    assets: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
    components: &mut Components,
) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
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
    let mut warnings = Vec::new();
    let mut scoped_bytes = 0;
    for (path, definition) in &mut components.definitions {
        let file = format!("{path}.wxss");
        if !sheets.contains_key(&file) {
            continue;
        }
        let (mut css, found) =
            miniapp_view::stylesheet::compile_scoped(&file, &sheets, &definition.scope)
                .map_err(|e| e.to_string())?;
        warnings.extend(found.iter().map(ToString::to_string));
        if definition.options.style_isolation == miniapp_view::component::StyleIsolation::Shared {
            css.push_str(&compile(&file)?.unwrap_or_default());
        }
        scoped_bytes += css.len();
        if scoped_bytes > MAX_COMPONENT_STYLES {
            return Err(format!(
                "{file}: the components' stylesheets compile to over {MAX_COMPONENT_STYLES} \
                 bytes together"
            ));
        }
        definition.style = css;
    }
    let app = compile("app.wxss")?;
    let mut styles = BTreeMap::new();
    let mut total = 0;
    for route in &manifest.pages {
        let mut style = app.clone().unwrap_or_default();
        let stem = page_stem(route, |path| assets.contains_key(path));
        style.push_str(&compile(&format!("{stem}.wxss"))?.unwrap_or_default());
        for path in reached(components, route) {
            let definition = components.definitions.get(&path);
            style.push_str(definition.map_or("", |d| &d.style));
        }
        total += style.len();
        if total > MAX_PAGE_STYLES {
            return Err(format!(
                "{stem}.wxss: the pages' stylesheets (each app.wxss, its own and its \
                 components', compiled) are over {MAX_PAGE_STYLES} bytes together"
            ));
        }
        if !style.is_empty() {
            styles.insert(route.clone(), style);
        }
    }
    Ok((styles, warnings))
}

/// The components page `route` reaches, at any depth, in path order.
fn reached(
    components: &Components,
    route: &str,
) -> std::collections::BTreeSet<std::sync::Arc<str>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<_> = (components.pages.get(route))
        .map(|using| using.values().cloned().collect())
        .unwrap_or_default();
    while let Some(path) = pending.pop() {
        if seen.insert(path.clone())
            && let Some(definition) = components.definitions.get(&path)
        {
            pending.extend(definition.using.values().cloned());
        }
    }
    seen
}
