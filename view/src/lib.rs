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
//! safe attributes ([`safety`]), HTML ([`html`]), and the diff operations
//! between two renders that keep node identity ([`diff`]); incremental
//! renders ([`render::render_changed`]) that reuse the `wx:for` items no
//! changed data path can touch ([`deps`]). Next (issue 8):
//! events resolved through the tree, page lifecycle, templates in the
//! package, the runtime's render per callback, the CLI and the benches.

pub mod animation;
pub mod ast;
pub mod builtins;
pub mod component;
pub mod deps;
pub mod diff;
pub mod dom;
pub mod eval;
pub mod events;
pub mod html;
pub mod parse;
mod paths;
pub mod quote;
pub mod region;
pub mod render;
pub mod rich_text;
pub mod safety;
pub mod select;
pub mod stylesheet;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod testing;

pub use parse::{COMPONENTS, EVENTS, Limits, TemplateError, parse};
