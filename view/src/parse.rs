//! Parsing a page template: WeChat's own WXML parser
//! (`glass-easel-template-compiler`) reads it; this module is the only place
//! that knows that parser's AST. It accepts the Alipay (`a:`, `onTap`) and
//! Douyin (`tt:`) dialects by rewriting them to WXML first, turns every
//! diagnostic into an error (the parser recovers from many mistakes
//! silently), checks what the host renders (known components and
//! attributes, no function calls, limits), and builds the host's
//! [`Template`].

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Range;

use glass_easel_template_compiler::parse::expr::{ArrayFieldKind, Expression, ObjectFieldKind};
use glass_easel_template_compiler::parse::tag::{
    self as ge, ClassAttribute, ElementKind, StyleAttribute,
};
use glass_easel_template_compiler::parse::{Position, TemplateStructure};

use crate::ast::{
    BinOp, Binding, BindingKind, Element, Expr, Field, Item, Key, Node, Phase, Pos, Template, Value,
};

use crate::builtins::{self, EventSupport};
pub use crate::builtins::{COMPONENTS, EVENTS};

/// Brackets a binding may nest (`((a))` is two).
const MAX_BINDING_NESTING: usize = 32;

/// Limits on one template file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the file (default 512 KiB).
    pub file_bytes: usize,
    /// Bytes of one `{{ }}` binding (default 4 KiB).
    pub expression_bytes: usize,
    /// Nesting of elements and control nodes (default 256).
    pub depth: usize,
    /// Whether a tag that is not a built-in is a custom component (its
    /// declaration checked by the package's view check) and `<slot>` a
    /// slot; without, both are refused here (default false).
    pub custom_components: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 512 * 1024,
            expression_bytes: 4 * 1024,
            depth: 256,
            custom_components: false,
        }
    }
}

/// Why a template is refused: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: {message}", pos.line, pos.col)]
pub struct TemplateError {
    /// The file.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What is wrong, or what was expected.
    pub message: String,
}

/// Parse and check the template `source` of `file`. Every problem found is
/// returned, in file order.
pub fn parse(file: &str, source: &str, limits: &Limits) -> Result<Template, Vec<TemplateError>> {
    if source.len() > limits.file_bytes {
        return Err(vec![TemplateError {
            file: file.to_string(),
            pos: Pos { line: 1, col: 1 },
            message: format!(
                "the template is {} bytes, over the limit of {} bytes",
                source.len(),
                limits.file_bytes
            ),
        }]);
    }
    let dialect = Dialect::rewrite(source, limits);
    if !dialect.refused.is_empty() {
        // Too deep or too long to hand to a recursive parser.
        let lines = line_starts(source);
        return Err(dialect
            .refused
            .iter()
            .map(|(at, message)| TemplateError {
                file: file.to_string(),
                pos: pos_in(source, &lines, *at),
                message: message.clone(),
            })
            .collect());
    }
    let (parsed, state) = glass_easel_template_compiler::parse::parse(file, &dialect.text);
    let mut check = Check {
        file,
        source,
        dialect: &dialect,
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        in_template: false,
        text_lines: line_starts(&dialect.text),
        source_lines: line_starts(source),
        cursor: Cell::new((0, 0, 0)),
    };
    for warning in state.warnings().take(MAX_ERRORS) {
        check.error(&warning.location, warning.kind.to_string());
    }
    let mut template = check.template(&parsed);
    let mut errors = check.errors;
    if errors.is_empty() {
        crate::deps::annotate(&mut template);
        template.warnings = check.warnings;
        return Ok(template);
    }
    errors.sort_by_key(|e| e.pos);
    errors.dedup();
    Err(errors)
}

/// The source in WXML: Alipay and Douyin spellings rewritten, with a map
/// from offsets in the rewritten text back to the original.
struct Dialect {
    text: String,
    /// (offset in `text`, offset in the original) at each rewrite.
    marks: Vec<(usize, usize)>,
    /// Element nesting at the current point.
    depth: usize,
    /// What is over a limit (original offset, message): nesting or a
    /// binding too deep or too long for the parser, which recurses.
    refused: Vec<(usize, String)>,
}

impl Dialect {
    /// Rewrite attribute names inside tags: `a:if` and `tt:for` become
    /// `wx:if` and `wx:for`; Alipay's `onTap` and `catchTap` become
    /// `bindtap` and `catchtap`. Text, comments, quoted values and `{{ }}`
    /// are left alone.
    fn rewrite(source: &str, limits: &Limits) -> Dialect {
        let mut out = Dialect {
            text: String::with_capacity(source.len() + 64),
            marks: vec![(0, 0)],
            depth: 0,
            refused: Vec::new(),
        };
        let bytes = source.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if source[i..].starts_with("<!--") {
                let end = source[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
                out.text.push_str(&source[i..end]);
                i = end;
            } else if source[i..].starts_with("{{") {
                let end = source[i..].find("}}").map_or(bytes.len(), |e| i + e + 2);
                out.binding(&source[i..end], i, limits);
                out.text.push_str(&source[i..end]);
                i = end;
            } else if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
                let end = out.tag(source, i, limits);
                if source[..end].ends_with("/>") {
                    out.depth = out.depth.saturating_sub(1);
                }
                if out.depth > limits.depth && out.refused.is_empty() {
                    out.refused
                        .push((i, format!("nesting is deeper than {} levels", limits.depth)));
                }
                i = end;
            } else if source[i..].starts_with("</") {
                out.depth = out.depth.saturating_sub(1);
                out.text.push_str("</");
                i += 2;
            } else {
                let next = source[i..]
                    .char_indices()
                    .nth(1)
                    .map_or(bytes.len(), |(n, _)| i + n);
                out.text.push_str(&source[i..next]);
                i = next;
            }
        }
        out
    }

    /// Copy the tag starting at `start`, rewriting its attribute names;
    /// returns where it ends.
    fn tag(&mut self, source: &str, start: usize, limits: &Limits) -> usize {
        self.depth += 1;
        let bytes = source.as_bytes();
        let mut i = start + 1;
        // The tag name.
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b"/>".contains(&bytes[i]) {
            i += 1;
        }
        self.text.push_str(&source[start..i]);
        while i < bytes.len() && bytes[i] != b'>' {
            match bytes[i] {
                b'"' | b'\'' => {
                    let quote = bytes[i];
                    let end = source[i + 1..]
                        .find(quote as char)
                        .map_or(bytes.len(), |e| i + 1 + e + 1);
                    let value = &source[i..end];
                    let mut from = 0;
                    while let Some(open) = value[from..].find("{{") {
                        let at = from + open;
                        let close = value[at..].find("}}").map_or(value.len(), |c| at + c + 2);
                        self.binding(&value[at..close], i + at, limits);
                        from = close;
                    }
                    self.text.push_str(value);
                    i = end;
                }
                b if b.is_ascii_whitespace() || b == b'/' || b == b'=' => {
                    self.text.push(b as char);
                    i += 1;
                }
                _ => {
                    let name_end = source[i..]
                        .find(|c: char| c.is_ascii_whitespace() || "=/>\"'".contains(c))
                        .map_or(bytes.len(), |e| i + e);
                    self.attribute(&source[i..name_end], i);
                    i = name_end;
                }
            }
        }
        if i < bytes.len() {
            self.text.push('>');
            i += 1;
        }
        i
    }

    /// Refuse a `{{ }}` binding (at `at`) too long or too deeply nested for
    /// the parser.
    fn binding(&mut self, binding: &str, at: usize, limits: &Limits) {
        if self.refused.len() >= MAX_ERRORS {
            return;
        }
        if binding.len() > limits.expression_bytes {
            self.refused.push((
                at,
                format!(
                    "a binding of {} bytes is over the limit of {} bytes",
                    binding.len(),
                    limits.expression_bytes
                ),
            ));
            return;
        }
        let mut depth = 0usize;
        for c in binding.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            // Two for the binding's own braces.
            if depth > MAX_BINDING_NESTING + 2 {
                self.refused.push((
                    at,
                    format!("a binding nests deeper than {MAX_BINDING_NESTING} brackets"),
                ));
                return;
            }
        }
    }

    /// Copy one attribute name (at `at` in the original), rewritten.
    fn attribute(&mut self, name: &str, at: usize) {
        let renamed = if let Some(rest) = name.strip_prefix("a:").or(name.strip_prefix("tt:")) {
            Some(format!("wx:{rest}"))
        } else if let Some(event) = alipay_event(name, "on") {
            Some(format!("bind{event}"))
        } else {
            alipay_event(name, "catch").map(|event| format!("catch{event}"))
        };
        match renamed {
            Some(renamed) => {
                self.text.push_str(&renamed);
                self.marks.push((self.text.len(), at + name.len()));
            }
            None => self.text.push_str(name),
        }
    }

    /// The original byte offset of `offset` in the rewritten text.
    fn original(&self, offset: usize) -> usize {
        let at = self.marks.partition_point(|(new, _)| *new <= offset) - 1;
        let (new, old) = self.marks[at];
        old + (offset - new)
    }
}

/// `onTap` (prefix `on`) as `tap`: Alipay's event attribute, if `name` is one.
fn alipay_event(name: &str, prefix: &str) -> Option<String> {
    let rest = name.strip_prefix(prefix)?;
    rest.starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| rest.to_ascii_lowercase())
}

/// The walk from the parser's AST to ours, collecting errors.
struct Check<'a> {
    file: &'a str,
    source: &'a str,
    dialect: &'a Dialect,
    limits: &'a Limits,
    errors: Vec<TemplateError>,
    /// What the host accepts but WeChat does not document (an attribute
    /// it drops).
    warnings: Vec<TemplateError>,
    /// Whether a `<template name>`'s content is being checked (its data is
    /// the template's, not the page's).
    in_template: bool,
    /// Where each line starts, in the rewritten text and in the source.
    text_lines: Vec<usize>,
    source_lines: Vec<usize>,
    /// The last position found in the rewritten text (line, UTF-16 column,
    /// byte offset): positions come mostly in file order, so the next
    /// search starts there.
    cursor: Cell<(u32, u32, usize)>,
}

impl Check<'_> {
    /// Where a parser position is in the original file.
    fn pos(&self, position: Position) -> Pos {
        let text = &self.dialect.text;
        let Some(&line_start) = self.text_lines.get(position.line as usize) else {
            return pos_in(self.source, &self.source_lines, self.source.len());
        };
        let (mut units, mut offset) = match self.cursor.get() {
            (line, col, at) if line == position.line && col <= position.utf16_col => (col, at),
            _ => (0, line_start),
        };
        for c in text[offset.min(text.len())..].chars() {
            if units >= position.utf16_col || c == '\n' {
                break;
            }
            units += c.len_utf16() as u32;
            offset += c.len_utf8();
        }
        self.cursor.set((position.line, units, offset));
        pos_in(
            self.source,
            &self.source_lines,
            self.dialect.original(offset),
        )
    }

    /// A problem of this file at `at`.
    fn problem(&self, at: &Range<Position>, message: impl Into<String>) -> TemplateError {
        TemplateError {
            file: self.file.to_string(),
            pos: self.pos(at.start),
            message: message.into(),
        }
    }

    fn error(&mut self, at: &Range<Position>, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(self.problem(at, message));
        }
    }

    fn warning(&mut self, at: &Range<Position>, message: impl Into<String>) {
        if self.warnings.len() < MAX_ERRORS {
            self.warnings.push(self.problem(at, message));
        }
    }

    fn template(&mut self, parsed: &ge::Template) -> Template {
        let globals = &parsed.globals;
        for script in &globals.scripts {
            self.error(
                &script.tag_location().start.0,
                "`<wxs>` scripts are not supported",
            );
        }
        let mut templates = BTreeMap::new();
        self.in_template = true;
        for definition in &globals.sub_templates {
            let nodes = self.nodes(&definition.content, 1);
            templates.insert(definition.name.name.to_string(), nodes);
        }
        self.in_template = false;
        Template {
            file: self.file.to_string(),
            nodes: self.nodes(&parsed.content, 0),
            templates,
            imports: globals
                .imports
                .iter()
                .map(|i| i.src.name.to_string())
                .collect(),
            warnings: Vec::new(),
        }
    }

    fn nodes(&mut self, nodes: &[ge::Node], depth: usize) -> Vec<Node> {
        if depth > self.limits.depth {
            if let Some(first) = nodes.first() {
                self.error(
                    &node_location(first),
                    format!("nesting is deeper than {} levels", self.limits.depth),
                );
            }
            return Vec::new();
        }
        nodes.iter().filter_map(|n| self.node(n, depth)).collect()
    }

    fn node(&mut self, node: &ge::Node, depth: usize) -> Option<Node> {
        match node {
            ge::Node::Text(value) => Some(Node::Text(self.value(value))),
            ge::Node::Element(element) => self.element(element, depth),
            ge::Node::Comment(_) => None,
            other => {
                self.error(&node_location(other), "unsupported markup");
                None
            }
        }
    }

    /// An element: a component, a `<block>`, a `wx:for` list, a `wx:if`
    /// chain, a `<template is>` use or an `<include>`.
    fn element(&mut self, element: &ge::Element, depth: usize) -> Option<Node> {
        let location = element.location();
        let pos = self.pos(location.start);
        match &element.kind {
            ElementKind::Normal {
                tag_name,
                attributes,
                class,
                style,
                children,
                common,
                change_attributes,
                worklet_attributes,
                generics,
                extra_attr,
                let_vars,
                ..
            } => {
                let mut out = self.component(tag_name, pos)?;
                self.refuse_extensions(
                    change_attributes,
                    worklet_attributes,
                    generics,
                    extra_attr,
                    let_vars,
                );
                self.id_class_and_style(common, class, style, &location, &mut out);
                for attribute in attributes {
                    self.attribute(out.tag, attribute, &mut out);
                }
                for binding in &common.event_bindings {
                    self.binding(binding, &mut out);
                }
                self.dataset(common, &mut out);
                self.marks_and_slot(common, &location, &mut out);
                out.children = self.nodes(children, depth + 1);
                Some(Node::Element(out))
            }
            ElementKind::Pure { children, slot, .. } => {
                if let Some((at, _)) = slot {
                    self.error(
                        at,
                        "`slot` on a `<block>` is not supported yet: put it on an element",
                    );
                }
                Some(Node::Block(self.nodes(children, depth + 1)))
            }
            ElementKind::For {
                list,
                item_name,
                index_name,
                key,
                children,
                ..
            } => Some(Node::For {
                key: wx_key(key.1.name.as_str()),
                list: self.expression_of(&list.1),
                item: item_name.1.name.to_string(),
                index: index_name.1.name.to_string(),
                nodes: self.nodes(children, depth + 1),
                reads: Default::default(),
                pos,
            }),
            ElementKind::If {
                branches,
                else_branch,
                ..
            } => Some(self.wx_if(branches, else_branch.as_ref(), depth)),
            ElementKind::TemplateRef { target, data, .. } => {
                Some(self.template_use(&target.1, &data.1, pos))
            }
            ElementKind::Include { path, .. } => Some(Node::Include {
                src: path.1.name.to_string(),
                pos,
            }),
            ElementKind::Slot { name, values, .. } if self.limits.custom_components => {
                if let Some(value) = values.first() {
                    self.error(
                        &value.name.location(),
                        "slot data (`<slot` with attributes other than `name`) is not supported yet",
                    );
                }
                Some(Node::Slot {
                    name: self.value(&name.1),
                    pos,
                })
            }
            _ => {
                self.error(&location, "slots are not supported");
                None
            }
        }
    }

    /// The element of a known component, its attributes still to come; a
    /// component WeChat has and the host refuses is an error saying why, an
    /// unknown tag one naming the components there are.
    fn component(&mut self, tag_name: &ge::Ident, pos: Pos) -> Option<Element> {
        let name = tag_name.name.as_str();
        let Some(builtin) = builtins::builtin(name) else {
            let message = match builtins::refused(name) {
                Some(refused) => format!("`<{name}>` is {}", refused.why),
                None if self.limits.custom_components && is_component_tag(name) => {
                    return Some(Element {
                        custom: Some(name.into()),
                        ..bare_element(crate::ast::CUSTOM, pos)
                    });
                }
                None if self.limits.custom_components => format!(
                    "`<{name}>` is not a component name (lower-case letters, digits, `-` and \
                     `_`, starting with a letter)"
                ),
                None => format!(
                    "unknown component `<{name}>` (expected one of: {})",
                    COMPONENTS.join(", ")
                ),
            };
            self.error(&tag_name.location, message);
            return None;
        };
        Some(bare_element(builtin.name, pos))
    }

    /// WXML features the host does not render, each refused at its first
    /// use: `change:` (WXS observers), `worklet:` and `generic:` attributes,
    /// `extra-attr:` and `let:` variables.
    fn refuse_extensions(
        &mut self,
        change: &[ge::Attribute],
        worklet: &[ge::StaticAttribute],
        generics: &[ge::StaticAttribute],
        extra_attr: &[ge::StaticAttribute],
        let_vars: &[ge::Attribute],
    ) {
        for (what, extra) in [
            (
                "a `change:` attribute",
                change.first().map(|a| a.name.location()),
            ),
            (
                "a `worklet:` attribute",
                worklet.first().map(|a| a.name.location()),
            ),
            (
                "a `generic:` attribute",
                generics.first().map(|a| a.name.location()),
            ),
            (
                "an `extra-attr:` attribute",
                extra_attr.first().map(|a| a.name.location()),
            ),
            (
                "a `let:` variable",
                let_vars.first().map(|a| a.name.location()),
            ),
        ] {
            if let Some(at) = extra {
                self.error(&at, format!("{what} is not supported"));
            }
        }
    }

    /// `id`, `class` and `style`, which the parser keeps apart from the
    /// other attributes; the `class:` and `style:` forms are refused.
    fn id_class_and_style(
        &mut self,
        common: &ge::CommonElementAttributes,
        class: &ClassAttribute,
        style: &StyleAttribute,
        at: &Range<Position>,
        out: &mut Element,
    ) {
        if let Some((_, id)) = &common.id {
            out.attrs.push(("id".into(), self.value(id)));
        }
        match class {
            ClassAttribute::None => {}
            ClassAttribute::String(_, value) => {
                out.attrs.push(("class".into(), self.value(value)));
            }
            _ => self.error(at, "`class:` attributes are not supported"),
        }
        match style {
            StyleAttribute::None => {}
            StyleAttribute::String(_, value) => {
                out.attrs.push(("style".into(), self.value(value)));
            }
            _ => self.error(at, "`style:` attributes are not supported"),
        }
    }

    /// The `data-*` attributes: the element's dataset, handed to handlers
    /// with its events.
    fn dataset(&mut self, common: &ge::CommonElementAttributes, out: &mut Element) {
        for data in &common.data {
            let value = data
                .value
                .as_ref()
                .map_or(Value::Static("".into()), |v| self.value(v));
            out.dataset.push((data.name.name.as_str().into(), value));
        }
    }

    /// `mark:` attributes (refused) and the `slot` an element goes in
    /// (refused unless custom components are).
    fn marks_and_slot(
        &mut self,
        common: &ge::CommonElementAttributes,
        at: &Range<Position>,
        out: &mut Element,
    ) {
        if let Some(mark) = common.marks.first() {
            self.error(
                &mark.name.location(),
                "`mark:` attributes are not supported",
            );
        }
        if let Some(first) = common.slot_value_refs.first() {
            self.error(
                &first.name.location(),
                "`slot:` data references are not supported yet",
            );
            return;
        }
        match &common.slot {
            Some((_, value)) if self.limits.custom_components => {
                out.slot = Some(self.value(value));
            }
            Some(_) => self.error(at, "slots are not supported"),
            None => {}
        }
    }

    /// A `wx:if` / `wx:elif` / `wx:else` chain: each branch's condition and
    /// nodes, and the `wx:else` nodes if there are any.
    fn wx_if(
        &mut self,
        branches: &[(Range<Position>, ge::Value, Vec<ge::Node>)],
        otherwise: Option<&(Range<Position>, Vec<ge::Node>)>,
        depth: usize,
    ) -> Node {
        Node::If {
            branches: branches
                .iter()
                .map(|(_, condition, nodes)| {
                    (self.expression_of(condition), self.nodes(nodes, depth + 1))
                })
                .collect(),
            otherwise: otherwise.map(|(_, nodes)| self.nodes(nodes, depth + 1)),
        }
    }

    /// `<template is="..." data="...">`: a use of a named template, with the
    /// data it renders if `data` is given.
    fn template_use(&mut self, is: &ge::Value, data: &ge::Value, pos: Pos) -> Node {
        let data = match data {
            ge::Value::Static { value, .. } if value.is_empty() => None,
            value => Some(self.expression_of(value)),
        };
        Node::Use {
            is: self.value(is),
            data,
            pos,
        }
    }

    /// A plain attribute: a known one, or an event binding written `bindtap`.
    fn attribute(&mut self, tag: &str, attribute: &ge::NormalAttribute, out: &mut Element) {
        let name = attribute.name.name.as_str();
        if matches!(attribute.prefix, ge::NormalAttributePrefix::Model(_))
            && !self.model(tag, attribute, out)
        {
            return;
        }
        for (prefix, kind) in [("bind", BindingKind::Bind), ("catch", BindingKind::Catch)] {
            if let Some(event) = name.strip_prefix(prefix) {
                let event = event.trim_start_matches(':');
                self.event(
                    event,
                    (Phase::Bubble, kind),
                    attribute.value.as_ref(),
                    &attribute.name.location,
                    out,
                );
                return;
            }
        }
        if name.starts_with("on") || name.contains(':') {
            self.error(
                &attribute.name.location,
                format!("`{name}` is not an attribute the host renders"),
            );
            return;
        }
        let Some(builtin) = builtins::builtin(tag) else {
            // A custom component's: a property or an external class, checked
            // against its definition by the package's view check.
            let value = attribute
                .value
                .as_ref()
                .map_or(Value::Static("".into()), |v| self.value(v));
            out.attrs.push((name.into(), value));
            return;
        };
        let Some(documented) = builtins::attribute(builtin, name) else {
            self.undocumented(builtin, name, &attribute.name.location);
            return;
        };
        let value = attribute
            .value
            .as_ref()
            .map_or(Value::Static("".into()), |v| self.value(v));
        if let Value::Static(text) = &value
            && let Err(why) = builtins::check_value(documented.kind, text)
        {
            self.error(
                &attribute.name.location,
                format!("`{name}` on `<{tag}>`: {why}"),
            );
            return;
        }
        if let Value::Static(text) = &value
            && let Some(why) = builtins::refused_value(tag, name, text)
        {
            self.error(
                &attribute.name.location,
                format!("`{name}=\"{text}\"` on `<{tag}>` is not supported: {why}"),
            );
            return;
        }
        if name == "animation"
            && matches!(value, Value::Static(_))
            && !crate::safety::is_flag(tag, name)
        {
            self.error(
                &attribute.name.location,
                "`animation` takes an animation's export as data: write `animation=\"{{name}}\"`",
            );
            return;
        }
        out.attrs.push((name.into(), value));
    }

    /// A two-way binding `model:value="{{path}}"`: the attribute renders
    /// as `value="{{path}}"`, and the element gets a [`BindingKind::Model`]
    /// binding for the event that reports the user's change (on a custom
    /// component, named for the property: its own `setData` of it writes
    /// the path back). False (with an error) when the element has no such
    /// event or the value is not a plain page data path.
    fn model(&mut self, tag: &str, attribute: &ge::NormalAttribute, out: &mut Element) -> bool {
        let name = attribute.name.name.as_str();
        let at = &attribute.name.location;
        let event = match out.custom.is_some() {
            true => Some(name),
            false => model_event(tag, name),
        };
        let Some(event) = event else {
            self.error(
                at,
                format!(
                    "`model:{name}` on `<{tag}>`: two-way binding works on an input's, a \
                     textarea's, a slider's or a picker's `value` and a switch's `checked`"
                ),
            );
            return false;
        };
        let expression = match attribute.value.as_ref() {
            Some(value @ ge::Value::Dynamic { .. }) => self.expression_of(value),
            _ => Expr::Undefined,
        };
        if self.in_template {
            self.error(
                at,
                format!(
                    "`model:{name}` inside a `<template>`: its data is the template's, \
                     not the page's; bind it in the page"
                ),
            );
            return false;
        }
        let Some(path) = data_path(&expression) else {
            self.error(
                at,
                format!(
                    "`model:{name}` takes a plain page data path, like \
                     `model:{name}=\"{{{{form.name}}}}\"` or `\"{{{{items[0].title}}}}\"` \
                     (not an expression, a literal or a wx:for item)"
                ),
            );
            return false;
        };
        let mut events = out.events.to_vec();
        events.push(Binding {
            event: event.into(),
            phase: Phase::Bubble,
            kind: BindingKind::Model,
            handler: path,
        });
        out.events = events.into();
        true
    }

    /// Warn of attribute `name`, which WeChat does not document on
    /// `builtin`: it is dropped.
    fn undocumented(&mut self, builtin: &builtins::Builtin, name: &str, at: &Range<Position>) {
        let names = (builtin.attributes.iter())
            .chain(builtins::common_attributes())
            .map(|a| a.name);
        let hint = match builtins::closest(name, names) {
            Some(closest) => format!("; did you mean `{closest}`?"),
            None => String::new(),
        };
        self.warning(
            at,
            format!(
                "unknown attribute `{name}` on `<{}>` (WeChat does not document it there; \
                 it is dropped){hint}",
                builtin.name
            ),
        );
    }

    /// An event binding written `bind:tap`, `catch:tap`, `mut-bind:tap`,
    /// `capture-bind:tap` or `capture-catch:tap`.
    fn binding(&mut self, binding: &ge::EventBinding, out: &mut Element) {
        let event = binding.name.name.as_str();
        let phase = if binding.is_capture {
            Phase::Capture
        } else {
            Phase::Bubble
        };
        let kind = match (binding.is_catch, binding.is_mut) {
            (true, _) => BindingKind::Catch,
            (false, true) => BindingKind::Mut,
            (false, false) => BindingKind::Bind,
        };
        if phase == Phase::Capture && kind == BindingKind::Mut {
            self.error(
                &binding.prefix_location,
                "`capture-mut-bind` is not a WeChat binding: write `capture-bind` or `mut-bind`",
            );
            return;
        }
        // A custom component's event may have a capture phase (its
        // `capturePhase`), on the component and on the elements around it.
        let native = builtins::builtin(out.tag).and_then(|b| builtins::event(b, event));
        let custom = out.custom.is_some() || (self.limits.custom_components && native.is_none());
        if phase == Phase::Capture && !custom && !crate::events::bubbles(event) {
            self.error(
                &binding.name.location,
                format!(
                    "`{event}` has no capture phase: WeChat captures only tap, longpress \
                     and touch events"
                ),
            );
            return;
        }
        self.event(
            event,
            (phase, kind),
            binding.value.as_ref(),
            &binding.name.location,
            out,
        );
    }

    fn event(
        &mut self,
        event: &str,
        (phase, kind): (Phase, BindingKind),
        value: Option<&ge::Value>,
        at: &Range<Position>,
        out: &mut Element,
    ) {
        let builtin = builtins::builtin(out.tag);
        match builtin.and_then(|b| builtins::event(b, event)) {
            // A custom component's events are whatever it triggers.
            None if out.custom.is_some() && is_handler_name(event) => {}
            // A custom event bubbling out of a component inside it.
            None if self.limits.custom_components && is_handler_name(event) => {
                self.warning(
                    at,
                    format!(
                        "`{event}` is not an event of `<{}>`: only a custom component's \
                         bubbling event reaches it there",
                        out.tag
                    ),
                );
            }
            None => {
                let expected = builtin.map_or_else(Vec::new, builtins::delivered_events);
                self.error(
                    at,
                    format!(
                        "unknown event `{event}` (expected one of: {})",
                        expected.join(", ")
                    ),
                );
                return;
            }
            Some(EventSupport::NotYet) => {
                self.error(
                    at,
                    format!(
                        "the `{event}` event of `<{}>` is not supported yet",
                        out.tag
                    ),
                );
                return;
            }
            Some(EventSupport::Delivered | EventSupport::Silent(_)) => {}
        }
        let handler = match value {
            Some(ge::Value::Static { value, .. }) if is_handler_name(value) => value.to_string(),
            _ => {
                self.error(
                    at,
                    format!("the `{event}` handler must be a name like `onAdd`"),
                );
                return;
            }
        };
        // A handful per element: rebuilding the shared slice is cheap.
        let mut events = out.events.to_vec();
        events.push(Binding {
            event: event.to_string(),
            phase,
            kind,
            handler,
        });
        out.events = events.into();
    }

    /// A text or attribute value.
    fn value(&mut self, value: &ge::Value) -> Value {
        match value {
            ge::Value::Static { value, .. } => Value::Static(value.as_str().into()),
            other => Value::Dynamic(self.expression_of(other)),
        }
    }

    /// The expression of a value (a static value is a string literal).
    fn expression_of(&mut self, value: &ge::Value) -> Expr {
        match value {
            ge::Value::Static { value, .. } => Expr::Str(value.to_string()),
            // Its size and nesting were checked before parsing.
            ge::Value::Dynamic { expression, .. } => self.expression(expression),
            _ => {
                self.error(&value.location(), "unsupported value");
                Expr::Undefined
            }
        }
    }

    fn expression(&mut self, e: &Expression) -> Expr {
        use Expression as E;
        fn bin(op: BinOp, l: &Expression, r: &Expression, this: &mut Check<'_>) -> Expr {
            Expr::Binary(
                op,
                Box::new(this.expression(l)),
                Box::new(this.expression(r)),
            )
        }
        match e {
            E::ScopeRef { index, .. } => Expr::Scope(*index),
            E::DataField { name, .. } => Expr::Data(name.to_string()),
            E::ToStringWithoutUndefined { value, .. } => {
                Expr::Text(Box::new(self.expression(value)))
            }
            E::LitUndefined { .. } => Expr::Undefined,
            E::LitNull { .. } => Expr::Null,
            E::LitStr { value, .. } => Expr::Str(value.to_string()),
            E::LitInt { value, .. } => Expr::Number(*value as f64),
            E::LitFloat { value, .. } => Expr::Number(*value),
            E::LitBool { value, .. } => Expr::Bool(*value),
            E::LitObj { fields, .. } => Expr::Object(
                fields
                    .iter()
                    .map(|f| match f {
                        ObjectFieldKind::Named { name, value, .. } => {
                            Field::Named(name.to_string(), self.expression(value))
                        }
                        ObjectFieldKind::Spread { value, .. } => {
                            Field::Spread(self.expression(value))
                        }
                    })
                    .collect(),
            ),
            E::LitArr { fields, .. } => Expr::Array(
                fields
                    .iter()
                    .map(|f| match f {
                        ArrayFieldKind::Normal { value } => Item::One(self.expression(value)),
                        ArrayFieldKind::Spread { value, .. } => {
                            Item::Spread(self.expression(value))
                        }
                        _ => Item::One(Expr::Undefined),
                    })
                    .collect(),
            ),
            E::StaticMember {
                obj, field_name, ..
            } => Expr::Member(Box::new(self.expression(obj)), field_name.to_string()),
            E::DynamicMember {
                obj, field_name, ..
            } => Expr::Index(
                Box::new(self.expression(obj)),
                Box::new(self.expression(field_name)),
            ),
            E::FuncCall { paren_location, .. } => {
                self.error(
                    &paren_location.0,
                    "function calls are not allowed in bindings (expected a data path, a literal or an operator)",
                );
                Expr::Undefined
            }
            E::Reverse { value, .. } => Expr::Not(Box::new(self.expression(value))),
            E::Positive { value, .. } => Expr::ToNumber(Box::new(self.expression(value))),
            E::Negative { value, .. } => Expr::Neg(Box::new(self.expression(value))),
            E::Multiply { left, right, .. } => bin(BinOp::Mul, left, right, self),
            E::Divide { left, right, .. } => bin(BinOp::Div, left, right, self),
            E::Remainer { left, right, .. } => bin(BinOp::Rem, left, right, self),
            E::Plus { left, right, .. } => bin(BinOp::Add, left, right, self),
            E::Minus { left, right, .. } => bin(BinOp::Sub, left, right, self),
            E::Lt { left, right, .. } => bin(BinOp::Lt, left, right, self),
            E::Gt { left, right, .. } => bin(BinOp::Gt, left, right, self),
            E::Lte { left, right, .. } => bin(BinOp::Le, left, right, self),
            E::Gte { left, right, .. } => bin(BinOp::Ge, left, right, self),
            E::Eq { left, right, .. } => bin(BinOp::Eq, left, right, self),
            E::Ne { left, right, .. } => bin(BinOp::Ne, left, right, self),
            E::EqFull { left, right, .. } => bin(BinOp::StrictEq, left, right, self),
            E::NeFull { left, right, .. } => bin(BinOp::StrictNe, left, right, self),
            E::LogicAnd { left, right, .. } => bin(BinOp::And, left, right, self),
            E::LogicOr { left, right, .. } => bin(BinOp::Or, left, right, self),
            E::Cond {
                cond,
                true_br,
                false_br,
                ..
            } => Expr::Cond(
                Box::new(self.expression(cond)),
                Box::new(self.expression(true_br)),
                Box::new(self.expression(false_br)),
            ),
            other => {
                self.error(
                    &other.location(),
                    "this operator is not supported in bindings (expected paths, literals, arithmetic, comparison, logic or a ternary)",
                );
                Expr::Undefined
            }
        }
    }
}

/// The key of a `wx:for` list: none (by index), `*this` (the item itself)
/// or a property of each item.
fn wx_key(key: &str) -> Key {
    match key {
        "" => Key::Index,
        "*this" => Key::This,
        property => Key::Property(property.to_string()),
    }
}

/// The location of a parser node.
fn node_location(node: &ge::Node) -> Range<Position> {
    node.location()
}

/// The 1-based line and column (in characters) of byte `at` of `source`,
/// given where its lines start: a binary search, then a count within the
/// line.
fn pos_in(source: &str, lines: &[usize], at: usize) -> Pos {
    let at = floor_char(source, at.min(source.len()));
    let line = lines.partition_point(|start| *start <= at).max(1) - 1;
    Pos {
        line: line as u32 + 1,
        col: source[lines[line]..at].chars().count() as u32 + 1,
    }
}

/// Where each line of `text` starts, bytes.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect()
}

/// Most problems reported for one file.
const MAX_ERRORS: usize = 100;

/// The largest char boundary of `s` at or before `at`.
fn floor_char(s: &str, mut at: usize) -> usize {
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether `name` can be a handler the app handles: a name like `onAdd` or
/// `clear-done`.
/// An element of `tag` at `pos`, its attributes, bindings and children
/// still to come.
fn bare_element(tag: &'static str, pos: Pos) -> Element {
    Element {
        tag,
        custom: None,
        slot: None,
        attrs: Vec::new(),
        dataset: Vec::new(),
        events: Vec::new().into(),
        children: Vec::new(),
        pos,
    }
}

/// Whether `name` can be a custom component's tag: a letter, then
/// letters, digits, `-` and `_` (at most 64).
fn is_component_tag(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        && name.len() <= 64
}

fn is_handler_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'))
        && name.len() <= 128
}

/// The event through which the user changes attribute `name` of `tag`,
/// if a `model:` binding of it is supported.
fn model_event(tag: &str, name: &str) -> Option<&'static str> {
    match (tag, name) {
        ("input" | "textarea", "value") => Some("input"),
        ("switch", "checked") | ("slider" | "picker", "value") => Some("change"),
        _ => None,
    }
}

/// `expression` as a `setData` path (`form.name`, `items[2].title`), if it
/// is a plain path into the page's data.
fn data_path(expression: &Expr) -> Option<String> {
    let is_name = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    };
    match expression {
        Expr::Data(name) if is_name(name) => Some(name.clone()),
        Expr::Member(of, field) if is_name(field) => Some(format!("{}.{field}", data_path(of)?)),
        Expr::Index(of, at) => match &**at {
            Expr::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 1e9 => {
                Some(format!("{}[{n}]", data_path(of)?))
            }
            Expr::Str(field) if is_name(field) => Some(format!("{}.{field}", data_path(of)?)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{parsed as ok, template_errors as errors, template_warnings};

    const TODO: &str = r#"<view class="page">
  <input placeholder="What next?" value="{{draft}}" bind:input="onInput" bindconfirm="onAdd"/>
  <view wx:if="{{todos.length == 0}}">Nothing to do</view>
  <view wx:elif="{{todos.length > 10 && !showAll}}">Too many</view>
  <block wx:else>
    <view wx:for="{{todos}}" wx:key="id" wx:for-item="todo" wx:for-index="i"
          class="item {{todo.done ? 'done' : ''}}" bindtap="onToggle" data-todo-id="{{todo.id}}">
      <text>{{i + 1}}. {{todo.title}}</text>
      <template is="badge" data="{{...todo, index: i}}"/>
    </view>
  </block>
</view>
<template name="badge"><text wx:if="{{done}}">✓</text></template>"#;

    #[test]
    fn a_todo_page_parses_into_the_host_model() {
        let t = ok(TODO);
        assert_eq!(t.templates.keys().collect::<Vec<_>>(), ["badge"]);
        let Node::Element(page) = &t.nodes[0] else {
            panic!("{:?}", t.nodes[0]);
        };
        assert_eq!(page.tag, "view");
        assert_eq!(page.pos, Pos { line: 1, col: 1 });
        let elements: Vec<&Element> = page
            .children
            .iter()
            .filter_map(|n| match n {
                Node::Element(e) => Some(e),
                _ => None,
            })
            .collect();
        let input = elements[0];
        let mut events: Vec<(&str, &str)> = input
            .events
            .iter()
            .map(|b| (b.event.as_str(), b.handler.as_str()))
            .collect();
        events.sort();
        assert_eq!(events, [("confirm", "onAdd"), ("input", "onInput")]);
        assert_eq!(input.events.len(), 2);
        let Some(Node::If {
            branches,
            otherwise,
        }) = page.children.iter().find(|n| matches!(n, Node::If { .. }))
        else {
            panic!("no wx:if in {:?}", page.children);
        };
        assert_eq!(branches.len(), 2);
        // `<block wx:else>` is the else branch itself.
        let Some(Node::For {
            item,
            index,
            key,
            nodes,
            ..
        }) = otherwise.as_ref().and_then(|o| o.first())
        else {
            panic!("{otherwise:?}");
        };
        assert_eq!((item.as_str(), index.as_str()), ("todo", "i"));
        assert_eq!(key, &Key::Property("id".into()));
        let Node::Element(row) = &nodes[0] else {
            panic!("{nodes:?}");
        };
        assert_eq!(&*row.dataset[0].0, "todoId");
        assert_eq!(row.events[0].handler, "onToggle");
        let class = &row.attrs.iter().find(|(n, _)| &**n == "class").unwrap().1;
        assert!(
            matches!(class, Value::Dynamic(Expr::Binary(BinOp::Add, ..))),
            "{class:?}"
        );
        assert!(row.children.iter().any(|n| matches!(
            n,
            Node::Use {
                data: Some(Expr::Object(_)),
                ..
            }
        )));
    }

    #[test]
    fn alipay_and_douyin_templates_load_as_wxml() {
        let alipay = ok(
            r#"<view a:for="{{list}}" a:key="*this" onTap="onPick"><text a:if="{{item}}">{{item}}</text></view>"#,
        );
        let douyin = ok(
            r#"<view tt:for="{{list}}" tt:key="*this" bindtap="onPick"><text tt:if="{{item}}">{{item}}</text></view>"#,
        );
        let wechat = ok(
            r#"<view wx:for="{{list}}" wx:key="*this" bindtap="onPick"><text wx:if="{{item}}">{{item}}</text></view>"#,
        );
        let strip =
            |t: Template| format!("{:?}", t.nodes).replace(|c: char| c.is_ascii_digit(), "");
        assert_eq!(strip(alipay), strip(wechat.clone()));
        assert_eq!(strip(douyin), strip(wechat));
        // Positions are the original file's, after a rewrite that changed lengths.
        let e = errors(r#"<view a:if="{{x}}" onTap="onA" a:bogus="1"/>"#);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("1:32: "), "{e:?}");
    }

    #[test]
    fn mistakes_are_refused_with_their_place() {
        for (source, at, says) in [
            ("<view>\n  <text>a</view>", "2:4", "end tag"),
            ("<view>{{ a + }}</view>", "1:", "expression"),
            ("<view wx:iff=\"{{a}}\"/>", "1:7", "prefix"),
            (
                "<view>{{ format(a) }}</view>",
                "1:16",
                "function calls are not allowed",
            ),
            (
                "<view>\n<marquee/></view>",
                "2:2",
                "unknown component `<marquee>`",
            ),
            ("<view onclick=\"x\"/>", "1:7", "not an attribute"),
            ("<view bindtap=\"{{h}}\"/>", "1:7", "handler must be a name"),
            ("<view bindhover=\"h\"/>", "1:7", "unknown event `hover`"),
            ("<view>{{ a ?? b }}</view>", "1:", "not supported"),
            ("<wxs module=\"m\">1</wxs><view/>", "1:1", "`<wxs>` scripts"),
        ] {
            let e = errors(source);
            assert!(
                e.iter().any(|e| e.starts_with(at) && e.contains(says)),
                "{source}: expected {at} {says}, got {e:?}"
            );
        }
    }

    #[test]
    fn an_attribute_wechat_does_not_document_is_a_warning_in_its_place() {
        let w = template_warnings("<image srcset=\"x\"/>");
        assert!(
            w.len() == 1 && w[0].starts_with("1:8: unknown attribute `srcset` on `<image>`"),
            "{w:?}"
        );
    }

    #[test]
    fn limits_are_named() {
        let long = format!("<view>{{{{ '{}' }}}}</view>", "x".repeat(5000));
        assert!(errors(&long)[0].contains("over the limit of 4096 bytes"));
        let deep = "<view>".repeat(300) + &"</view>".repeat(300);
        assert_eq!(errors(&deep), ["1:1537: nesting is deeper than 256 levels"]);
        let fine = "<view>".repeat(256) + &"</view>".repeat(256);
        ok(&fine);
        let parens = format!(
            "<view>{{{{ {}a{} }}}}</view>",
            "(".repeat(40),
            ")".repeat(40)
        );
        assert!(errors(&parens)[0].contains("nests deeper than 32 brackets"));
        let in_attribute = format!(
            "<view class=\"{{{{ {}a{} }}}}\"/>",
            "[".repeat(40),
            "]".repeat(40)
        );
        assert!(errors(&in_attribute)[0].starts_with("1:14: a binding nests"));
        let limits = Limits {
            file_bytes: 10,
            ..Limits::default()
        };
        let err = parse("p.wxml", "<view></view>", &limits).unwrap_err();
        assert!(
            err[0]
                .to_string()
                .starts_with("p.wxml:1:1: the template is 13 bytes")
        );
    }

    #[test]
    fn capture_and_mut_bindings_parse_with_their_phase_and_kind() {
        use crate::ast::{BindingKind as K, Phase as P};
        let t = ok(
            r#"<view capture-bind:tap="a" capture-catch:touchstart="b" mut-bind:tap="c" bind:tap="d" catch:longpress="e" bindtap="f"/>"#,
        );
        let Node::Element(view) = &t.nodes[0] else {
            panic!("{:?}", t.nodes[0]);
        };
        let bindings: Vec<_> = (view.events.iter())
            .map(|b| (b.event.as_str(), b.phase, b.kind, b.handler.as_str()))
            .collect();
        // Unprefixed ones (`bindtap`) first, then the others in order.
        assert_eq!(
            bindings,
            [
                ("tap", P::Bubble, K::Bind, "f"),
                ("tap", P::Capture, K::Bind, "a"),
                ("touchstart", P::Capture, K::Catch, "b"),
                ("tap", P::Bubble, K::Mut, "c"),
                ("tap", P::Bubble, K::Bind, "d"),
                ("longpress", P::Bubble, K::Catch, "e"),
            ]
        );
    }

    #[test]
    fn capture_is_refused_on_events_without_a_capture_phase() {
        assert_eq!(
            errors(r#"<input capture-bind:input="typed"/>"#),
            [
                "1:21: `input` has no capture phase: WeChat captures only tap, longpress and touch events"
            ]
        );
        assert_eq!(
            errors(r#"<view capture-mut-bind:tap="x"/>"#),
            ["1:7: `capture-mut-bind` is not a WeChat binding: write `capture-bind` or `mut-bind`"]
        );
    }

    #[test]
    fn model_binds_a_plain_data_path_and_renders_its_value() {
        use crate::ast::{BindingKind as K, Phase as P};
        let t = ok(
            r#"<input model:value="{{form.name}}" bindinput="typed"/><textarea model:value="{{notes[2].text}}"/><switch model:checked="{{settings['loud']}}"/><slider model:value="{{volume}}"/>"#,
        );
        let models: Vec<_> = (t.nodes.iter())
            .filter_map(|n| match n {
                Node::Element(e) => Some(e),
                _ => None,
            })
            .map(|e| {
                let b = e.events.iter().find(|b| b.kind == K::Model).unwrap();
                assert_eq!(b.phase, P::Bubble);
                (
                    e.tag,
                    e.attrs[0].0.to_string(),
                    b.event.as_str(),
                    b.handler.as_str(),
                )
            })
            .collect();
        assert_eq!(
            models,
            [
                ("input", "value".into(), "input", "form.name"),
                ("textarea", "value".into(), "input", "notes[2].text"),
                ("switch", "checked".into(), "change", "settings.loud"),
                ("slider", "value".into(), "change", "volume"),
            ]
        );
    }

    #[test]
    fn model_is_refused_off_a_plain_path_and_off_the_supported_attributes() {
        let path = "takes a plain page data path, like `model:value=\"{{form.name}}\"` or \
                    `\"{{items[0].title}}\"` (not an expression, a literal or a wx:for item)";
        for (source, at) in [
            (r#"<input model:value="{{a + b}}"/>"#, "1:14"),
            (r#"<input model:value="{{a[i]}}"/>"#, "1:14"),
            (r#"<input model:value="name"/>"#, "1:14"),
            (r#"<input model:value="x{{name}}"/>"#, "1:14"),
            (
                r#"<view wx:for="{{items}}"><input model:value="{{item.title}}"/></view>"#,
                "1:39",
            ),
        ] {
            assert_eq!(
                errors(source),
                [format!("{at}: `model:value` {path}")],
                "{source}"
            );
        }
        assert_eq!(
            errors(r#"<view model:hidden="{{h}}"/><switch model:value="{{on}}"/>"#),
            [
                "1:13: `model:hidden` on `<view>`: two-way binding works on an input's, a \
                 textarea's, a slider's or a picker's `value` and a switch's `checked`",
                "1:43: `model:value` on `<switch>`: two-way binding works on an input's, a \
                 textarea's, a slider's or a picker's `value` and a switch's `checked`",
            ]
        );
        assert_eq!(
            errors(r#"<template name="t"><input model:value="{{v}}"/></template>"#),
            [
                "1:33: `model:value` inside a `<template>`: its data is the template's, not the \
              page's; bind it in the page"
            ]
        );
    }
}
