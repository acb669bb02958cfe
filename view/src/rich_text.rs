//! `<rich-text>`'s `nodes`: WeChat's node tree (`{name, attrs, children}`
//! and `{type: "text", text}`) or HTML-like text read by a bounded reader
//! of our own, turned into child elements of the rich-text element. Only
//! WeChat's allowed tags come out, with only the attributes WeChat allows:
//! `class` and `style` (through [`safety::style`]) on all, an `img`'s `src`
//! (through [`safety::url`]) and `alt`, sizes and spans of images, tables
//! and cells (numbers), an `ol`'s `start` and a `bdo`'s `dir`; every other
//! tag (with its content) and attribute is dropped, as WeChat drops them
//! (an `ol`'s `type` too: the simulator allows `type` only on fields). No
//! markup reaches the page: the result is elements and texts like any
//! other, escaped by [`html`](crate::html).

use std::sync::Arc;

use serde_json::Value as Json;

use crate::safety;

/// The longest `nodes` text read, in bytes.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// The deepest nesting of `nodes`.
pub const MAX_DEPTH: usize = 32;

macro_rules! rich_tags {
    ($($name:literal),* $(,)?) => {
        /// WeChat's allowed tags, and the component name each is rendered
        /// with (`rich-text/h1`: never one of the built-ins, so the host
        /// gives it no behaviour).
        const TAGS: &[(&str, &str)] = &[$(($name, concat!("rich-text/", $name))),*];
    };
}

rich_tags!(
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "fieldset",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "label",
    "legend",
    "li",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rt",
    "ruby",
    "s",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
);

/// Elements with no content or end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is raw text up to their end tag (dropped whole).
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// The HTML attributes a rich-text element may be drawn with.
pub const HTML_ATTRIBUTES: &[&str] = &[
    "class", "style", "src", "width", "height", "alt", "colspan", "rowspan", "span", "start", "dir",
];

/// A node of `nodes`, sanitised.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rich {
    /// An allowed element: its component name (`rich-text/p`), its safe
    /// attributes and its children.
    Element {
        tag: &'static str,
        attrs: Vec<(Arc<str>, Arc<str>)>,
        children: Vec<Rich>,
    },
    /// A text.
    Text(String),
}

/// Why `nodes` could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A bound was passed: what, and its value.
    Limit(&'static str, usize),
    /// The value is not a string or a node tree.
    Shape(String),
}

/// The component names of WeChat's allowed tags, for the HTML and the
/// simulator's allowlist.
pub fn tags() -> impl Iterator<Item = (&'static str, &'static str)> {
    TAGS.iter().copied()
}

/// The HTML tag of a rich-text element's component name (`rich-text/p` is
/// `p`), `None` for any other component.
pub fn html_tag(component: &str) -> Option<&'static str> {
    let name = component.strip_prefix("rich-text/")?;
    TAGS.iter().find(|(n, _)| *n == name).map(|(n, _)| *n)
}

/// The HTML name of attribute `name` of a rich-text element (they were
/// checked when read).
pub fn html_attribute(name: &str) -> Option<&'static str> {
    HTML_ATTRIBUTES.iter().copied().find(|a| *a == name)
}

/// `nodes` as sanitised nodes, with `space` (`ensp`, `emsp`, `nbsp`)
/// applied to texts; at most `max_nodes` nodes.
pub(crate) fn read(
    nodes: &Json,
    space: Option<&str>,
    origins: &[String],
    max_nodes: usize,
) -> Result<Vec<Rich>, Problem> {
    let mut reader = Reader {
        origins,
        space: space_char(space),
        nodes: 0,
        max_nodes,
    };
    match nodes {
        Json::Null => Ok(Vec::new()),
        Json::String(text) => reader.markup(text),
        Json::Array(list) => reader.tree(list, "nodes", 1),
        other => Err(Problem::Shape(format!(
            "`nodes` is {}, not a string or an array of nodes",
            kind(other)
        ))),
    }
}

/// The character `space` writes for a space.
fn space_char(space: Option<&str>) -> Option<char> {
    match space? {
        "ensp" => Some('\u{2002}'),
        "emsp" => Some('\u{2003}'),
        "nbsp" => Some('\u{a0}'),
        _ => None,
    }
}

fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

struct Reader<'o> {
    origins: &'o [String],
    space: Option<char>,
    nodes: usize,
    max_nodes: usize,
}

impl Reader<'_> {
    fn count(&mut self) -> Result<(), Problem> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(Problem::Limit("nodes per page", self.max_nodes));
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<Rich, Problem> {
        self.count()?;
        Ok(Rich::Text(match self.space {
            Some(c) => text.replace(' ', &c.to_string()),
            None => text.to_string(),
        }))
    }

    /// An element named `name` (any case) with raw attributes, or `None`
    /// when the tag is not allowed.
    fn element(
        &mut self,
        name: &str,
        attrs: &[(String, String)],
        children: Vec<Rich>,
    ) -> Result<Option<Rich>, Problem> {
        let name = name.to_ascii_lowercase();
        let Some(&(name, tag)) = TAGS.iter().find(|(n, _)| *n == name) else {
            return Ok(None);
        };
        self.count()?;
        let mut safe = Vec::new();
        for (attr, value) in attrs {
            let attr = attr.to_ascii_lowercase();
            if let Some(value) = self.attribute(name, &attr, value) {
                safe.push((Arc::from(attr.as_str()), Arc::from(value.as_str())));
            }
        }
        Ok(Some(Rich::Element {
            tag,
            attrs: safe,
            children,
        }))
    }

    /// The safe value of attribute `attr` of an allowed `tag`, or `None`
    /// to drop it.
    fn attribute(&self, tag: &str, attr: &str, value: &str) -> Option<String> {
        let size = |v: &str| {
            let digits = v.strip_suffix('%').or(v.strip_suffix("px")).unwrap_or(v);
            (!digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.to_string())
        };
        let count = |v: &str| size(v).filter(|v| !v.ends_with(['%', 'x']));
        let value = value.trim();
        // WeChat's list: its global `class` and `style`, and per tag.
        match (tag, attr) {
            (_, "class") => Some(value.to_string()),
            (_, "style") => Some(safety::style(value)).filter(|s| !s.is_empty()),
            ("img", "src") => safety::url(value, self.origins).then(|| value.to_string()),
            ("img", "alt") => Some(value.to_string()),
            ("img" | "td" | "th" | "tr", "width" | "height") => size(value),
            ("table" | "col" | "colgroup", "width") => size(value),
            ("td" | "th" | "tr", "colspan" | "rowspan") => count(value),
            ("col" | "colgroup", "span") | ("ol", "start") => count(value),
            ("bdo", "dir") => matches!(value, "ltr" | "rtl").then(|| value.to_string()),
            _ => None,
        }
    }

    /// WeChat's node tree: each item `{type: "text", text}` or
    /// `{name, attrs, children}`; `path` names `list` in errors.
    fn tree(&mut self, list: &[Json], path: &str, depth: usize) -> Result<Vec<Rich>, Problem> {
        if depth > MAX_DEPTH {
            return Err(Problem::Limit("rich-text nesting depth", MAX_DEPTH));
        }
        let mut out = Vec::new();
        for (i, node) in list.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Json::Object(node) = node else {
                return Err(Problem::Shape(format!(
                    "`{at}` is {}, not a node object",
                    kind(node)
                )));
            };
            match node.get("type").and_then(Json::as_str) {
                Some("text") => {
                    let text = match node.get("text") {
                        None | Some(Json::Null) => "",
                        Some(Json::String(text)) => text,
                        Some(other) => {
                            return Err(Problem::Shape(format!(
                                "`{at}.text` is {}, not a string",
                                kind(other)
                            )));
                        }
                    };
                    out.push(self.text(&decode(text))?);
                    continue;
                }
                None | Some("node") => {}
                Some(other) => {
                    return Err(Problem::Shape(format!(
                        "`{at}.type` is `{other}` (expected `node` or `text`)"
                    )));
                }
            }
            let Some(name) = node.get("name").and_then(Json::as_str) else {
                return Err(Problem::Shape(format!(
                    "`{at}.name` is missing or not a string"
                )));
            };
            let attrs = match node.get("attrs") {
                None | Some(Json::Null) => Vec::new(),
                Some(Json::Object(attrs)) => attrs
                    .iter()
                    .filter_map(|(k, v)| match v {
                        Json::String(s) => Some((k.clone(), s.clone())),
                        Json::Number(n) => Some((k.clone(), n.to_string())),
                        _ => None,
                    })
                    .collect(),
                Some(other) => {
                    return Err(Problem::Shape(format!(
                        "`{at}.attrs` is {}, not an object",
                        kind(other)
                    )));
                }
            };
            let children = match node.get("children") {
                None | Some(Json::Null) => Vec::new(),
                // A dropped tag's content is dropped unread, as a void one's.
                Some(Json::Array(children)) if is_allowed(name) && !is_void(name) => {
                    self.tree(children, &format!("{at}.children"), depth + 1)?
                }
                Some(Json::Array(_)) => Vec::new(),
                Some(other) => {
                    return Err(Problem::Shape(format!(
                        "`{at}.children` is {}, not an array",
                        kind(other)
                    )));
                }
            };
            if let Some(element) = self.element(name, &attrs, children)? {
                out.push(element);
            }
        }
        Ok(out)
    }

    /// HTML-like text: tags, attributes, texts, comments and entities,
    /// read without a browser's repairs: an unclosed element ends at the
    /// end, an end tag nothing opened is ignored, a `<` that starts no tag
    /// is text.
    fn markup(&mut self, text: &str) -> Result<Vec<Rich>, Problem> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(Problem::Limit(
                "bytes of rich-text nodes text",
                MAX_TEXT_BYTES,
            ));
        }
        let mut open: Vec<Open> = vec![Open::default()];
        let mut rest = text;
        while !rest.is_empty() {
            let Some(at) = rest.find('<') else {
                self.push_text(&mut open, rest)?;
                break;
            };
            self.push_text(&mut open, &rest[..at])?;
            rest = &rest[at..];
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            } else if rest.starts_with("<!") || rest.starts_with("<?") {
                rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            } else if let Some(after) = rest.strip_prefix("</") {
                let (name, tail) = tag_name(after);
                if name.is_empty() {
                    self.push_text(&mut open, "</")?;
                    rest = after;
                    continue;
                }
                rest = tail.find('>').map_or("", |end| &tail[end + 1..]);
                self.close(&mut open, &name.to_ascii_lowercase())?;
            } else {
                let (name, tail) = tag_name(&rest[1..]);
                let Some((attrs, self_closing, tail)) =
                    (!name.is_empty()).then(|| attributes(tail)).flatten()
                else {
                    self.push_text(&mut open, "<")?;
                    rest = &rest[1..];
                    continue;
                };
                let name = name.to_ascii_lowercase();
                rest = tail;
                if RAW_TEXT.contains(&name.as_str()) {
                    rest = skip_raw_text(rest, &name);
                } else if self_closing || is_void(&name) {
                    let element = self.element(&name, &attrs, Vec::new())?;
                    if let Some(o) = open.last_mut() {
                        o.children.extend(element);
                    }
                } else {
                    if open.len() > MAX_DEPTH {
                        return Err(Problem::Limit("rich-text nesting depth", MAX_DEPTH));
                    }
                    open.push(Open {
                        name,
                        attrs,
                        children: Vec::new(),
                    });
                }
            }
        }
        while open.len() > 1 {
            self.pop(&mut open)?;
        }
        Ok(open.pop().map(|o| o.children).unwrap_or_default())
    }

    fn push_text(&mut self, open: &mut [Open], text: &str) -> Result<(), Problem> {
        if text.is_empty() {
            return Ok(());
        }
        let text = self.text(&decode(text))?;
        if let Some(o) = open.last_mut() {
            o.children.push(text);
        }
        Ok(())
    }

    /// `</name>`: closes the nearest open `name` (and what is open inside
    /// it); ignored if none is open.
    fn close(&mut self, open: &mut Vec<Open>, name: &str) -> Result<(), Problem> {
        let Some(at) = open.iter().skip(1).rposition(|o| o.name == name) else {
            return Ok(());
        };
        while open.len() > at + 1 {
            self.pop(open)?;
        }
        Ok(())
    }

    fn pop(&mut self, open: &mut Vec<Open>) -> Result<(), Problem> {
        let Some(o) = open.pop() else {
            return Ok(());
        };
        let element = self.element(&o.name, &o.attrs, o.children)?;
        if let Some(parent) = open.last_mut() {
            parent.children.extend(element);
        }
        Ok(())
    }
}

/// An element being read.
#[derive(Default)]
struct Open {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Rich>,
}

fn is_allowed(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TAGS.iter().any(|(n, _)| *n == name)
}

fn is_void(name: &str) -> bool {
    VOID.contains(&name.to_ascii_lowercase().as_str())
}

/// The tag name at the start of `text` (a letter, then letters, digits,
/// `-`, `_`, `:`), and what follows.
fn tag_name(text: &str) -> (&str, &str) {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return ("", text);
    }
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// Attributes as written: names and (decoded) values.
type Pairs = Vec<(String, String)>;

/// The attributes of a start tag up to its `>`: the pairs, whether it
/// ended `/>`, and what follows; `None` if no `>` ends it.
fn attributes(mut text: &str) -> Option<(Pairs, bool, &str)> {
    let mut attrs = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if let Some(rest) = text.strip_prefix('>') {
            return Some((attrs, false, rest));
        }
        if text.is_empty() {
            return None;
        }
        let end = text
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(text.len());
        let (name, rest) = text.split_at(end.max(1));
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let Some(rest) = rest.strip_prefix('=') else {
            attrs.push((name.to_string(), String::new()));
            if let Some(after) = text[name.len()..].trim_start().strip_prefix("/>") {
                return Some((attrs, true, after));
            }
            text = &text[name.len()..];
            continue;
        };
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let (value, tail) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let end = rest[1..].find(q)?;
                (&rest[1..1 + end], &rest[2 + end..])
            }
            _ => {
                let end = rest
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(rest.len());
                rest.split_at(end)
            }
        };
        attrs.push((name.to_string(), decode(value)));
        if let Some(after) = tail.strip_prefix("/>") {
            return Some((attrs, true, after));
        }
        text = tail;
    }
}

/// What follows the end tag `</name ...>` of a raw-text element (nothing
/// if it never ends).
fn skip_raw_text<'t>(text: &'t str, name: &str) -> &'t str {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("</") {
        let start = from + at + 2;
        let (found, _) = tag_name(&lower[start..]);
        if found == name {
            return text[start..]
                .find('>')
                .map_or("", |end| &text[start + end + 1..]);
        }
        from = start;
    }
    ""
}

/// `text` with its character references decoded (`&amp;`, `&#60;`,
/// `&#x3c;`, `&nbsp;`...); an unknown one stays as written.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |e| e + 1);
        let name = &rest[1..end];
        let decoded = match name.strip_prefix('#') {
            Some(number) => {
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                };
                code.map(|c| match char::from_u32(c) {
                    Some(c) if c != '\0' => c,
                    _ => '\u{fffd}',
                })
            }
            None => named(name),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "middot" => '·',
        "times" => '×',
        "yen" => '¥',
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
