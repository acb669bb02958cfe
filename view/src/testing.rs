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

/// The handler the user's `kind` event with `detail` on the element with id
/// `id` in `tree` reaches first, or why its detail is refused; panics on
/// any other outcome.
pub(crate) fn handler_or_refusal(
    tree: &Tree,
    id: &str,
    kind: &str,
    detail: Json,
) -> Result<String, String> {
    use crate::events::{EventError, Resolved, ViewEvent, resolve};
    use crate::render::VNode;
    fn find(nodes: &[VNode], id: &str) -> Option<u32> {
        nodes.iter().find_map(|n| match n {
            VNode::Element(e) if e.attrs.iter().any(|(n, v)| &**n == "id" && &**v == id) => {
                Some(e.id)
            }
            VNode::Element(e) => find(&e.children, id),
            VNode::Text(_) => None,
        })
    }
    let node = find(&tree.nodes, id).unwrap_or_else(|| panic!("no #{id}"));
    let event = ViewEvent {
        node,
        kind: kind.into(),
        detail,
    };
    match resolve(tree, &event) {
        Ok(Resolved::Handlers(calls)) => Ok(calls[0].handler.clone()),
        Ok(other) => panic!("{other:?}"),
        Err(EventError::Detail(e)) => Err(e.to_string()),
        Err(e) => panic!("{e}"),
    }
}
