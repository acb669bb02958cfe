//! Page stylesheets (WXSS: `app.wxss` and `pages/ROUTE.wxss`), compiled at
//! load into CSS a renderer can use as it is: `rpx` made `vw` (750 rpx is the
//! screen's width), component selectors (`view`, `button`, `page`) made the
//! attribute selectors the HTML carries (`[data-mp="view"]`), `@import`s of
//! the package's own stylesheets inlined. Tokens come from `cssparser`
//! (Servo's CSS tokenizer, which decodes escapes, so `\75 rl(` is seen as
//! `url(`); what it yields is checked here and written back canonical.
//!
//! Stylesheets are untrusted: anything that could reach outside the package
//! or run code is refused at load with `file:line:col`: a `url()` that is
//! not a file of the package, an `@import` of anything else, functions
//! outside a known list (`expression()`, `image-set()`...), the `behavior`
//! and `-moz-binding` properties, at-rules outside a known list, and any `<`
//! (so the CSS cannot close a `<style>` element it is written into).

use std::collections::BTreeMap;
use std::fmt::Write;

use cssparser::{ParseError, Parser, ParserInput, SourceLocation, ToCss, Token};

/// Largest stylesheet file, bytes.
pub const MAX_STYLESHEET_BYTES: usize = 256 * 1024;
/// Largest compiled stylesheet of a page (imports inlined), bytes.
pub const MAX_COMPILED_BYTES: usize = 1024 * 1024;
/// Deepest `@import` chain.
const MAX_IMPORT_DEPTH: usize = 8;
/// Deepest nesting of blocks (`@media { .a { } }`, functions, brackets).
const MAX_NESTING: usize = 32;

/// Functions a declaration may use (`url()` only to package files).
const FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color-mix",
    "calc",
    "min",
    "max",
    "clamp",
    "var",
    "env",
    "attr",
    "counter",
    "counters",
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "repeating-conic-gradient",
    "translate",
    "translatex",
    "translatey",
    "translatez",
    "translate3d",
    "rotate",
    "rotatex",
    "rotatey",
    "rotatez",
    "rotate3d",
    "scale",
    "scalex",
    "scaley",
    "scalez",
    "scale3d",
    "skew",
    "skewx",
    "skewy",
    "matrix",
    "matrix3d",
    "perspective",
    "cubic-bezier",
    "steps",
    "blur",
    "brightness",
    "contrast",
    "drop-shadow",
    "grayscale",
    "hue-rotate",
    "invert",
    "opacity",
    "saturate",
    "sepia",
    "repeat",
    "minmax",
    "fit-content",
    "format",
    "local",
    "url",
];

/// Selector functions (`:not(view)`, `:nth-child(2n)`).
const SELECTOR_FUNCTIONS: &[&str] = &[
    "not",
    "is",
    "where",
    "has",
    "nth-child",
    "nth-last-child",
    "nth-of-type",
    "nth-last-of-type",
    "lang",
    "dir",
];

/// Why a stylesheet was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct StyleError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong, and what is allowed.
    pub message: String,
}

/// Compile stylesheet `file` of `files` (the package's `.wxss` files by
/// path, e.g. `app.wxss`, `pages/index.wxss`).
pub fn compile(file: &str, files: &BTreeMap<String, String>) -> Result<String, StyleError> {
    compile_in(file, files, None).map(|(css, _)| css)
}

/// Compile a custom component's stylesheet `file`, its classes scoped to
/// it: `.title` becomes `.SCOPEtitle` (the render writes the component's
/// `class="title"` so), `:host` its host element (`.SCOPE`). Tag and id
/// selectors are kept as they are (they reach the whole page) and warned
/// of: WeChat forbids them in a component.
pub fn compile_scoped(
    file: &str,
    files: &BTreeMap<String, String>,
    scope: &str,
) -> Result<(String, Vec<StyleError>), StyleError> {
    compile_in(file, files, Some(scope))
}

fn compile_in(
    file: &str,
    files: &BTreeMap<String, String>,
    scope: Option<&str>,
) -> Result<(String, Vec<StyleError>), StyleError> {
    let mut compiler = Compiler {
        files,
        imports: Vec::new(),
        out: String::new(),
        scope,
        mark: None,
        warnings: Vec::new(),
        loose: None,
    };
    compiler.sheet(file)?;
    // Whatever the path, the output must not be able to close a `<style>`.
    if compiler.out.contains('<') {
        return Err(StyleError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "the compiled stylesheet would contain a `<`".into(),
        });
    }
    let warnings = (compiler.warnings.into_iter())
        .map(|(at, message)| StyleError {
            file: file.to_string(),
            line: at.line + 1,
            column: at.column,
            message,
        })
        .collect();
    Ok((compiler.out, warnings))
}

/// One compilation: the output so far and the chain of files importing.
struct Compiler<'f> {
    files: &'f BTreeMap<String, String>,
    imports: Vec<String>,
    out: String,
    /// A component's class prefix, when compiling its stylesheet.
    scope: Option<&'f str>,
    /// The selector token before, when it was a `.` or a `:`.
    mark: Option<char>,
    /// What a component's stylesheet has that WeChat does not apply.
    warnings: Vec<(SourceLocation, String)>,
    /// Where a `:` began a compound selector (`:not(.a)`, `::before`):
    /// unless it is `:host`, it is qualified by no class of the component.
    loose: Option<SourceLocation>,
}

/// A refusal inside the tokenizer's callbacks (its position is the parser's).
type Refusal<'i> = ParseError<'i, String>;

impl Compiler<'_> {
    fn sheet(&mut self, file: &str) -> Result<(), StyleError> {
        let at_start = |message: String| StyleError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message,
        };
        let source = self
            .files
            .get(file)
            .ok_or_else(|| at_start("no such stylesheet in the package".into()))?;
        if source.len() > MAX_STYLESHEET_BYTES {
            return Err(at_start(format!(
                "{} bytes, over the {MAX_STYLESHEET_BYTES} bytes a stylesheet may have",
                source.len()
            )));
        }
        self.imports.push(file.to_string());
        let mut input = ParserInput::new(source);
        let mut parser = Parser::new(&mut input);
        let result = self.rules(&mut parser, file, 0);
        self.imports.pop();
        result.map_err(|e| StyleError {
            file: file.to_string(),
            line: e.location.line + 1,
            column: e.location.column,
            message: match e.kind {
                cssparser::ParseErrorKind::Custom(message) => message,
                cssparser::ParseErrorKind::Basic(basic) => basic_words(&basic),
            },
        })
    }

    /// A list of rules, up to the end of the input (or the block).
    fn rules<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        file: &str,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        loop {
            p.skip_whitespace();
            let Some((at, token)) = next_at(p) else {
                return Ok(());
            };
            match token {
                Token::CDO | Token::CDC | Token::Comment(_) => {}
                Token::AtKeyword(name) => self.at_rule(p, file, &name, depth)?,
                first => self.qualified_rule(p, (at, first), depth)?,
            }
            if self.out.len() > MAX_COMPILED_BYTES {
                return Err(p.new_custom_error(format!(
                    "the compiled stylesheet is over {MAX_COMPILED_BYTES} bytes"
                )));
            }
        }
    }

    /// `selector { declarations }`: the selector with component names made
    /// attribute selectors.
    fn qualified_rule<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        (start, first): (SourceLocation, Token<'i>),
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        let mut selector = String::new();
        let mut type_position = true;
        let mut next = Some((start, first));
        let mut block = false;
        while let Some((at, token)) = next.take() {
            match &token {
                Token::CurlyBracketBlock => block = true,
                Token::Semicolon => {}
                _ => {
                    self.selector_token(p, (at, &token), &mut selector, &mut type_position, depth)?;
                    next = next_at(p);
                }
            }
        }
        if !block {
            return Err(start.new_custom_error("a selector without a `{ }` block".to_string()));
        }
        self.out.push_str(selector.trim());
        self.out.push('{');
        p.parse_nested_block(|p| self.declarations(p, depth + 1))?;
        self.out.push('}');
        Ok(())
    }

    /// One token of a selector.
    fn selector_token<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        (at, token): (SourceLocation, &Token<'i>),
        out: &mut String,
        type_position: &mut bool,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        refuse_unsafe(at, token)?;
        if self.scoped_token(at, token, out, *type_position) {
            *type_position = false;
            return Ok(());
        }
        match token {
            Token::Comment(_) => return Ok(()),
            Token::Ident(name) if *type_position => {
                let lower = name.to_ascii_lowercase();
                if lower == "page" {
                    out.push_str("[data-mp-page]");
                } else if crate::COMPONENTS.contains(&lower.as_str()) {
                    let _ = write!(out, "[data-mp=\"{lower}\"]");
                } else {
                    write_token(out, token);
                }
            }
            Token::Function(name) => {
                let lower = name.to_ascii_lowercase();
                if !SELECTOR_FUNCTIONS.contains(&lower.as_str()) {
                    return Err(at.new_custom_error(format!(
                        "selector function `:{name}()` is not supported"
                    )));
                }
                write_token(out, token);
                nested(p, depth, |p| {
                    let mut type_position = true;
                    while let Some((at, inner)) = next_at(p) {
                        self.selector_token(p, (at, &inner), out, &mut type_position, depth + 1)?;
                    }
                    Ok(())
                })?;
                out.push(')');
            }
            Token::SquareBracketBlock => {
                out.push('[');
                nested(p, depth, |p| copy_plain(p, out, depth + 1))?;
                out.push(']');
            }
            Token::ParenthesisBlock | Token::CurlyBracketBlock => {
                return Err(at.new_custom_error("a bracket in a selector".to_string()));
            }
            _ => write_token(out, token),
        }
        *type_position = matches!(
            token,
            Token::WhiteSpace(_) | Token::Comma | Token::Delim('>' | '+' | '~')
        );
        Ok(())
    }

    /// In a component's stylesheet, a class name scoped or `:host` made
    /// its host (true when written); a tag or id selector warned of.
    fn scoped_token(
        &mut self,
        at: SourceLocation,
        token: &Token<'_>,
        out: &mut String,
        type_position: bool,
    ) -> bool {
        let Some(scope) = self.scope else {
            return false;
        };
        let mark = self.mark.take();
        let loose = self.loose.take();
        match token {
            Token::Ident(_) if mark == Some('.') => {
                out.push_str(scope);
                write_token(out, token);
                return true;
            }
            Token::Ident(name) if mark == Some(':') && name.eq_ignore_ascii_case("host") => {
                out.pop();
                out.push('.');
                out.push_str(scope);
                return true;
            }
            Token::Delim('.') => self.mark = Some('.'),
            Token::Colon => {
                self.mark = Some(':');
                // Nothing before it in its compound (or a `::`'s first).
                if type_position || loose.is_some() {
                    self.loose = Some(loose.unwrap_or(at));
                }
            }
            Token::Ident(name) | Token::Function(name) if let Some(at) = loose => {
                self.warnings.push((
                    at,
                    format!("`{name}` with no class of the component before it, in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); put a class before it"),
                ));
            }
            Token::IDHash(name) => self.warnings.push((
                at,
                format!("id selector `#{name}` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class"),
            )),
            Token::Delim('*') => self.warnings.push((
                at,
                "universal selector `*` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class".into(),
            )),
            Token::SquareBracketBlock => self.warnings.push((
                at,
                "attribute selector in a component's stylesheet: it is not scoped to the component and, unless a class of it qualifies it, reaches the whole page (WeChat forbids it there); use a class".into(),
            )),
            Token::Ident(name) if type_position && !name.eq_ignore_ascii_case("page") => {
                self.warnings.push((
                    at,
                    format!("tag selector `{name}` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class"),
                ));
            }
            _ => {}
        }
        false
    }

    /// `name: value;` pairs of a rule's block.
    fn declarations<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        let mut first = true;
        loop {
            let Some((at, token)) = next_at(p) else {
                return Ok(());
            };
            let name = match token {
                Token::WhiteSpace(_) | Token::Comment(_) | Token::Semicolon => continue,
                Token::Ident(name) => name.to_ascii_lowercase(),
                other => {
                    return Err(at.new_custom_error(format!(
                        "expected a property name, found {}",
                        describe(&other)
                    )));
                }
            };
            if matches!(name.as_str(), "behavior" | "-moz-binding") {
                return Err(at.new_custom_error(format!("property `{name}` is not allowed")));
            }
            if !matches!(p.next(), Ok(Token::Colon)) {
                return Err(at.new_custom_error(format!("expected `:` after `{name}`")));
            }
            if !first {
                self.out.push(';');
            }
            first = false;
            let _ = write!(self.out, "{name}:");
            let mut value = String::new();
            while let Some((at, token)) = next_at(p) {
                if token == Token::Semicolon {
                    break;
                }
                self.value_token(p, (at, &token), &mut value, depth)?;
            }
            self.out.push_str(value.trim());
        }
    }

    /// One token of a declaration's value (or an at-rule's prelude).
    fn value_token<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        (at, token): (SourceLocation, &Token<'i>),
        out: &mut String,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        refuse_unsafe(at, token)?;
        match token {
            // A space where a comment was, so the tokens around it stay
            // apart (`url/**/(x)` must not become `url(x)`).
            Token::Comment(_) => out.push(' '),
            Token::Dimension { value, unit, .. } if unit.eq_ignore_ascii_case("rpx") => {
                let vw = (f64::from(*value) / 7.5 * 10_000.0).round() / 10_000.0;
                let _ = write!(out, "{vw}vw");
            }
            Token::UnquotedUrl(url) => self.package_url(at, url, out)?,
            Token::Function(name) => {
                let lower = name.to_ascii_lowercase();
                if !FUNCTIONS.contains(&lower.as_str()) {
                    return Err(at.new_custom_error(format!(
                        "function `{name}()` is not allowed in a stylesheet"
                    )));
                }
                if lower == "url" {
                    let url = nested(p, depth, |p| match p.next() {
                        Ok(Token::QuotedString(url)) => Ok(url.to_string()),
                        _ => Err(at.new_custom_error("url() takes one quoted path".to_string())),
                    })?;
                    return self.package_url(at, &url, out);
                }
                self.block(p, token, ')', out, depth)?;
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => {
                let close = if *token == Token::ParenthesisBlock {
                    ')'
                } else {
                    ']'
                };
                self.block(p, token, close, out, depth)?;
            }
            Token::CurlyBracketBlock => {
                return Err(at.new_custom_error("a `{` inside a declaration".to_string()));
            }
            _ => write_token(out, token),
        }
        Ok(())
    }

    /// A function's arguments or a bracketed block: `token`, each token
    /// inside one level deeper, then `close`.
    fn block<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        token: &Token<'i>,
        close: char,
        out: &mut String,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        write_token(out, token);
        nested(p, depth, |p| {
            while let Some((at, inner)) = next_at(p) {
                self.value_token(p, (at, &inner), out, depth + 1)?;
            }
            Ok(())
        })?;
        out.push(close);
        Ok(())
    }

    /// `url(...)` naming a file of the package, written as its package path.
    fn package_url<'i>(
        &self,
        at: SourceLocation,
        url: &str,
        out: &mut String,
    ) -> Result<(), Refusal<'i>> {
        let file = self.imports.last().map_or("", String::as_str);
        let local = !url.contains([':', '\\', '<', '%']) && !url.starts_with("//");
        let path = local.then(|| package_path(file, url)).flatten();
        match path {
            Some(path) => {
                out.push_str("url(");
                let _ = cssparser::serialize_string(&path, out);
                out.push(')');
                Ok(())
            }
            None => Err(at.new_custom_error(format!(
                "url(`{url}`): a stylesheet may only name files of the package"
            ))),
        }
    }

    /// `@name ...`: imports inlined; media, supports, keyframes and
    /// font-face kept; others refused.
    fn at_rule<'i>(
        &mut self,
        p: &mut Parser<'i, '_>,
        file: &str,
        name: &str,
        depth: usize,
    ) -> Result<(), Refusal<'i>> {
        let lower = name.to_ascii_lowercase();
        if lower == "import" {
            return self.import(p, file);
        }
        let block_of_rules = matches!(
            lower.as_str(),
            "media" | "supports" | "keyframes" | "-webkit-keyframes"
        );
        if !block_of_rules && lower != "font-face" {
            return Err(p.new_custom_error(format!(
                "@{name} is not supported (supported: @import of the package's .wxss, \
                 @media, @supports, @keyframes, @font-face)"
            )));
        }
        let _ = write!(self.out, "@{lower}");
        let mut prelude = String::new();
        loop {
            let Some((at, token)) = next_at(p) else {
                return Err(p.new_custom_error(format!("@{name} without a block")));
            };
            if token == Token::CurlyBracketBlock {
                break;
            }
            if token == Token::Semicolon {
                return Err(at.new_custom_error(format!("@{name} without a block")));
            }
            self.value_token(p, (at, &token), &mut prelude, depth)?;
        }
        let prelude = prelude.trim();
        if !prelude.is_empty() {
            self.out.push(' ');
            self.out.push_str(prelude);
        }
        self.out.push('{');
        if block_of_rules {
            nested(p, depth, |p| self.rules(p, file, depth + 1))?;
        } else {
            nested(p, depth, |p| self.declarations(p, depth + 1))?;
        }
        self.out.push('}');
        Ok(())
    }

    /// `@import "other.wxss";`: the package's stylesheet, inlined.
    fn import<'i>(&mut self, p: &mut Parser<'i, '_>, file: &str) -> Result<(), Refusal<'i>> {
        let src = match p.next() {
            Ok(Token::QuotedString(src) | Token::UnquotedUrl(src)) => src.to_string(),
            _ => return Err(p.new_custom_error("@import takes a quoted path".to_string())),
        };
        if !matches!(p.next(), Ok(Token::Semicolon) | Err(_)) {
            return Err(p.new_custom_error("@import takes a path and nothing more".to_string()));
        }
        let Some(path) = package_path(file, &src).filter(|path| self.files.contains_key(path))
        else {
            return Err(
                p.new_custom_error(format!("@import `{src}`: not a stylesheet of this package"))
            );
        };
        if !path.ends_with(".wxss") {
            return Err(p.new_custom_error(format!("@import `{src}`: not a .wxss file")));
        }
        if self.imports.contains(&path) {
            return Err(p.new_custom_error(format!("@import `{src}` imports itself")));
        }
        if self.imports.len() > MAX_IMPORT_DEPTH {
            return Err(p.new_custom_error(format!(
                "@import `{src}`: imports nest deeper than {MAX_IMPORT_DEPTH}"
            )));
        }
        self.sheet(&path)
            .map_err(|e| p.new_custom_error(format!("in the stylesheet it imports: {e}")))
    }
}

/// The next token (whitespace and comments included) and where it starts.
fn next_at<'i>(p: &mut Parser<'i, '_>) -> Option<(SourceLocation, Token<'i>)> {
    let at = p.current_source_location();
    p.next_including_whitespace_and_comments()
        .ok()
        .map(|token| (at, token.clone()))
}

/// Run `parse` on the block just opened, at most [`MAX_NESTING`] deep.
fn nested<'i, T>(
    p: &mut Parser<'i, '_>,
    depth: usize,
    parse: impl for<'t> FnOnce(&mut Parser<'i, 't>) -> Result<T, Refusal<'i>>,
) -> Result<T, Refusal<'i>> {
    if depth >= MAX_NESTING {
        return Err(p.new_custom_error(format!("blocks nest deeper than {MAX_NESTING}")));
    }
    p.parse_nested_block(parse)
}

/// The tokens of an attribute selector (`[data-x="y"]`), checked.
fn copy_plain<'i>(
    p: &mut Parser<'i, '_>,
    out: &mut String,
    _depth: usize,
) -> Result<(), Refusal<'i>> {
    while let Some((at, token)) = next_at(p) {
        refuse_unsafe(at, &token)?;
        if matches!(
            token,
            Token::Function(_)
                | Token::ParenthesisBlock
                | Token::SquareBracketBlock
                | Token::CurlyBracketBlock
        ) {
            return Err(p.new_custom_error("a bracket inside an attribute selector".to_string()));
        }
        write_token(out, &token);
    }
    Ok(())
}

/// Refuse what is never allowed anywhere: a `<`, and tokens the tokenizer
/// could not read.
fn refuse_unsafe<'i>(at: SourceLocation, token: &Token<'i>) -> Result<(), Refusal<'i>> {
    let mut written = String::new();
    write_token(&mut written, token);
    let refused = match token {
        Token::Delim('<') => Some("a `<` in a stylesheet".to_string()),
        Token::QuotedString(s) if s.contains('<') => Some("a `<` inside a string".to_string()),
        // An escaped `<` (`\3c`) in a name is written back as `\<`.
        _ if written.contains('<') => Some("a `<` (escaped) in a stylesheet".to_string()),
        Token::BadString(_) | Token::BadUrl(_) => Some("an unterminated string or url".to_string()),
        Token::CloseCurlyBracket | Token::CloseParenthesis | Token::CloseSquareBracket => {
            Some("an unbalanced bracket".to_string())
        }
        _ => None,
    };
    match refused {
        Some(message) => Err(at.new_custom_error(message)),
        None => Ok(()),
    }
}

/// A token written back as CSS (for a block, its opening).
fn write_token(out: &mut String, token: &Token<'_>) {
    if let Token::Comment(_) = token {
        return;
    }
    let _ = token.to_css(out);
}

/// A tokenizer's own error in words (its `Display` prints tokens as `Debug`).
fn basic_words(kind: &cssparser::BasicParseErrorKind<'_>) -> String {
    use cssparser::BasicParseErrorKind as Basic;
    match kind {
        Basic::UnexpectedToken(token) => format!("unexpected {}", describe(token)),
        Basic::EndOfInput => "the stylesheet ends too early".to_string(),
        Basic::AtRuleInvalid(name) => format!("@{name} is not a valid rule"),
        Basic::AtRuleBodyInvalid => "an at-rule's block is not valid".to_string(),
        Basic::QualifiedRuleInvalid => "a rule is not valid".to_string(),
    }
}

/// A token as an error message names it.
fn describe(token: &Token<'_>) -> String {
    let mut text = String::new();
    write_token(&mut text, token);
    format!("`{}`", text.chars().take(40).collect::<String>())
}

/// The package path `src` names from `file` (`../img/a.png`, `/img/a.png`),
/// its query and fragment cut, `None` if it leaves the package.
fn package_path(file: &str, src: &str) -> Option<String> {
    let src = src.split(['?', '#']).next().unwrap_or_default();
    crate::render::package_path(file, src)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn one(source: &str) -> Result<String, StyleError> {
        compile("pages/index.wxss", &files(&[("pages/index.wxss", source)]))
    }

    #[test]
    fn components_become_attribute_selectors_and_rpx_becomes_vw() {
        assert_eq!(
            one("page { padding: 32rpx } view.item > text, .a button:not(view) { width: 375rpx !important }").unwrap(),
            "[data-mp-page]{padding:4.2667vw}[data-mp=\"view\"].item > [data-mp=\"text\"], .a [data-mp=\"button\"]:not([data-mp=\"view\"]){width:50vw !important}"
        );
        assert_eq!(
            one("@media (min-width: 400px) { .a { color: red } }").unwrap(),
            "@media (min-width: 400px){.a{color:red}}"
        );
    }

    #[test]
    fn the_tokenizer_s_own_errors_read_as_words() {
        let token = Token::Ident("foo".into());
        let unexpected = cssparser::BasicParseErrorKind::UnexpectedToken(token);
        assert_eq!(basic_words(&unexpected), "unexpected `foo`");
    }

    #[test]
    fn a_components_classes_are_scoped_and_its_host_selected() {
        let files = files(&[(
            "c/c.wxss",
            ":host { display: block } .title, .a.b > .c:hover { color: red } view { margin: 0 } #x { top: 0 }",
        )]);
        let (css, warnings) = compile_scoped("c/c.wxss", &files, "c-c--").unwrap();
        assert_eq!(
            css,
            ".c-c--{display:block}.c-c--title, .c-c--a.c-c--b > .c-c--c:hover{color:red}[data-mp=\"view\"]{margin:0}#x{top:0}"
        );
        let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "c/c.wxss:1:65: tag selector `view` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class",
                "c/c.wxss:1:84: id selector `#x` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class",
            ]
        );
        // A page's stylesheet is as it was.
        assert_eq!(
            compile("c/c.wxss", &files).unwrap(),
            ":host{display:block}.title, .a.b > .c:hover{color:red}[data-mp=\"view\"]{margin:0}#x{top:0}"
        );
    }

    #[test]
    fn a_components_universal_and_attribute_selectors_are_warned_of() {
        // `:host ~ *` reaches the host's siblings on the page, `[class]`
        // any element with a class: neither is the component's.
        let files = files(&[("c/c.wxss", ":host ~ * { color: red }\n[class] { top: 0 }")]);
        let (css, warnings) = compile_scoped("c/c.wxss", &files, "c-c--").unwrap();
        assert_eq!(css, ".c-c-- ~ *{color:red}[class]{top:0}");
        let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "c/c.wxss:1:9: universal selector `*` in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); use a class",
                "c/c.wxss:2:1: attribute selector in a component's stylesheet: it is not scoped to the component and, unless a class of it qualifies it, reaches the whole page (WeChat forbids it there); use a class",
            ]
        );
    }

    #[test]
    fn a_components_pseudo_class_with_no_class_before_it_is_warned_of() {
        // `:not(.a)` is every element of the page but the component's `.a`;
        // `:host:not(.a)`, `.a:hover` and `.a::before` are the component's.
        let source = ":not(.a) { top: 0 }\n::before { top: 0 }\n:host:not(.a), .a:hover, .a::before, :host { top: 0 }";
        let files = files(&[("c/c.wxss", source)]);
        let (css, warnings) = compile_scoped("c/c.wxss", &files, "c-c--").unwrap();
        assert_eq!(
            css,
            ":not(.c-c--a){top:0}::before{top:0}.c-c--:not(.c-c--a), .c-c--a:hover, .c-c--a::before, .c-c--{top:0}"
        );
        let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        let message = |name: &str| {
            format!(
                "`{name}` with no class of the component before it, in a component's stylesheet: it is not scoped to the component and reaches the whole page (WeChat forbids it there); put a class before it"
            )
        };
        assert_eq!(
            warnings,
            [
                format!("c/c.wxss:1:1: {}", message("not")),
                format!("c/c.wxss:2:1: {}", message("before")),
            ]
        );
    }

    #[test]
    fn imports_of_the_package_are_inlined() {
        let set = files(&[
            (
                "app.wxss",
                "@import \"common/base.wxss\"; .app { color: blue }",
            ),
            ("common/base.wxss", ".base { margin: 0 }"),
            ("common/loop.wxss", "@import './loop.wxss';"),
        ]);
        assert_eq!(
            compile("app.wxss", &set).unwrap(),
            ".base{margin:0}.app{color:blue}"
        );
        let err = compile("common/loop.wxss", &set).unwrap_err();
        assert!(err.to_string().contains("imports itself"), "{err}");
    }

    #[test]
    fn anything_reaching_outside_the_package_is_refused_with_its_place() {
        let set = files(&[("img/a.png", ""), ("pages/index.wxss", "")]);
        let ok = compile(
            "pages/index.wxss",
            &files(&[("pages/index.wxss", ".a { background: url(../img/a.png) }")]),
        )
        .unwrap();
        assert_eq!(ok, ".a{background:url(\"img/a.png\")}");
        drop(set);
        for (bad, says) in [
            (
                ".a {\n  background: url(https://evil.example/x.png) }",
                "2:15: url(`https://evil.example/x.png`)",
            ),
            (
                ".a { background: url('//evil.example/x') }",
                "url(`//evil.example/x`)",
            ),
            (
                ".a { background: u\\72l(http://evil.example/x) }",
                "url(`http://evil.example/x`)",
            ),
            (
                ".a { background: url(javascript:alert(1)) }",
                "an unterminated string or url",
            ),
            (
                ".a { width: expression(alert(1)) }",
                "function `expression()`",
            ),
            (
                ".a { background: image-set('x.png' 1x) }",
                "function `image-set()`",
            ),
            (".a { behavior: url(x.htc) }", "property `behavior`"),
            (".a { -moz-binding: url(x) }", "property `-moz-binding`"),
            (
                "@import url(https://evil.example/x.css);",
                "@import `https://evil.example/x.css`",
            ),
            (
                "@import '../../../etc/passwd';",
                "not a stylesheet of this package",
            ),
            (
                ".a { color: red } </style><script>alert(1)</script>",
                "a `<`",
            ),
            (".a { content: \"</style>\" }", "a `<` inside a string"),
            ("@namespace x url(y);", "@namespace is not supported"),
            (".a { color: red", ""),
            (
                ".a{background:url(\"</style><img src=x onerror=alert(1)>\")}",
                "a stylesheet may only name files of the package",
            ),
            (".a{background:url(\\3c/style\\3e)}", "a `<` (escaped)"),
            (
                ".a{font-family:\\3c/style \\3cimg src=x onerror=\"alert(1)\" >}",
                "a `<` (escaped)",
            ),
            (".a { background: url/**/(https://evil.example/x.png) }", ""),
            (
                ".a { background: image-set/**/(\"https://evil.example/x\" 1x) }",
                "",
            ),
            (&"@media a {".repeat(40), "nest deeper than 32"),
        ] {
            match one(bad) {
                Err(e) => assert!(e.to_string().contains(says), "{bad}: {e}"),
                // What compiles names no function it did not check.
                Ok(css) => assert!(
                    says.is_empty()
                        && !css.contains('<')
                        && !css.contains("url(https")
                        && !css.contains("image-set("),
                    "{bad} gave {css}"
                ),
            }
        }
    }
}
