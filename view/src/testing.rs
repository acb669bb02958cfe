//! What the unit tests of several modules share: a page rendered from its
//! template source alone (no other files, no origins, default limits).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::ast::Template;
use crate::render::{Context, RenderLimits, Tree, render};
use crate::{Limits, parse};

/// The package's other template files: none.
static NO_FILES: BTreeMap<String, Template> = BTreeMap::new();

/// A render context with no other files, no origins and default limits.
pub(crate) fn bare_context() -> Context<'static> {
    Context {
        files: &NO_FILES,
        origins: &[],
        limits: RenderLimits::default(),
    }
}

/// `source` as `pages/index.wxml`, rendered against `data`; panics on a
/// template or render error.
pub(crate) fn rendered(source: &str, data: &Json) -> Tree {
    let template = parse("pages/index.wxml", source, &Limits::default()).unwrap();
    render(&template, data, &bare_context()).unwrap()
}
