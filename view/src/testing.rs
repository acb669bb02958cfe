//! What the unit tests of several modules share: a page rendered from its
//! template source alone (no other files, no origins, default limits).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::ast::Template;
use crate::render::{Context, RenderLimits, Tree, render};
use crate::{Limits, TemplateError, parse};

/// The package's other template files: none.
static NO_FILES: BTreeMap<String, Template> = BTreeMap::new();

/// A render context with no other files, no origins and default limits.
pub(crate) fn bare_context() -> Context<'static> {
    Context::new(&NO_FILES, &[], RenderLimits::default())
}

/// `source` parsed as `pages/index.wxml`; panics on an error.
pub(crate) fn parsed(source: &str) -> Template {
    parse("pages/index.wxml", source, &Limits::default())
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

/// The errors of `source` (which must not parse), as `line:col: message`.
pub(crate) fn template_errors(source: &str) -> Vec<String> {
    let errors = parse("pages/index.wxml", source, &Limits::default()).expect_err(source);
    placed(&errors)
}

/// The warnings of `source` (which must parse), as `line:col: message`.
pub(crate) fn template_warnings(source: &str) -> Vec<String> {
    placed(&parsed(source).warnings)
}

fn placed(problems: &[TemplateError]) -> Vec<String> {
    let each = problems.iter().map(|e| {
        assert_eq!(e.file, "pages/index.wxml");
        format!("{}:{}: {}", e.pos.line, e.pos.col, e.message)
    });
    each.collect()
}

/// `source` as `pages/index.wxml`, rendered against `data`; panics on a
/// template or render error.
pub(crate) fn rendered(source: &str, data: &Json) -> Tree {
    let template = parse("pages/index.wxml", source, &Limits::default()).unwrap();
    render(&template, data, &bare_context()).unwrap()
}
