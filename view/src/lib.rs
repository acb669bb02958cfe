//! # miniapp-view
//!
//! The view layer of mini-programs: page templates (WXML, with the Alipay
//! `a:` and Douyin `tt:` prefixes accepted as aliases of `wx:`), parsed by
//! WeChat's own parser (`glass-easel-template-compiler`), checked against
//! the subset the host renders, and evaluated against page data with the
//! platforms' semantics.
//!
//! Done: the template model ([`ast`]), parsing and checking
//! ([`parse()`], [`mod@parse`]), expression evaluation ([`eval`]), rendering
//! against page data into a view tree with node ids and keys ([`render`]),
//! safe attributes ([`safety`]) and HTML ([`html`]). Next (issue 8): diff
//! operations between two trees, events resolved through the tree, page
//! lifecycle, packaging templates and the CLI.

pub mod ast;
pub mod eval;
pub mod html;
pub mod parse;
pub mod render;
pub mod safety;

#[cfg(test)]
mod conformance;

pub use parse::{COMPONENTS, EVENTS, Limits, TemplateError, parse};
