//! Evaluating template expressions ([`Expr`]) against page data, with the
//! JavaScript semantics WXML bindings have in WeChat (glass-easel compiles
//! them to JavaScript; this module evaluates the same operations directly).
//!
//! A result is a [`Val`]: `undefined`, a computed number (which may be
//! `NaN` or `±Infinity`, which JSON cannot hold), or a JSON value that is
//! either borrowed from the page data / a scope variable (paths such as
//! `list[3].title` never copy `list`) or owned (computed results).
//!
//! Where JavaScript and our JSON model differ, the decisions are:
//!
//! - **Identity.** Arrays and objects are equal (`==`, `===`) only when both
//!   are borrowed from the same place of the data or of a scope variable
//!   (`item == list[0]` inside `wx:for="{{list}}"` is true, as in
//!   JavaScript). A computed array or object (a literal, or a part of one)
//!   is never equal to anything, as a fresh JavaScript object would be;
//!   the one divergence is a data value copied into a literal and read back
//!   (`{a: list}.a == list` is false here, true in JavaScript).
//! - **`undefined` inside computed values.** JSON has no `undefined`: an
//!   `undefined` array element becomes `null` (they join to the same text);
//!   an object field set to `undefined` is removed (reading it back gives
//!   `undefined`, as in JavaScript). `NaN` and `±Infinity` inside a computed
//!   array or object become `null`, as `JSON.stringify` makes them.
//! - **Member access** never fails: a member of `undefined`, `null`, a
//!   number or a boolean, a missing property, an index out of range are all
//!   `undefined` (glass-easel reads members through `a == null ? {} : a`).
//!   Prototype members (`arr.map`, `obj.constructor`) do not exist here.
//! - **Strings by UTF-16 code units** (`.length`, indexing, string spread
//!   into an object), as JavaScript. Rust strings cannot hold a lone
//!   surrogate, so indexing either half of a non-BMP character
//!   (`"😀"[0]`) gives U+FFFD, the character a browser shows for it.
//! - **Array spread** follows glass-easel, which compiles `[a, ...b]` to
//!   `[].concat([a], b)`: an array spreads its elements, anything else
//!   (a string, an object, `undefined`) is added as one element.
//! - **Object spread** follows `Object.assign`: objects copy their fields,
//!   arrays and strings their indexed elements (`"0"`, `"1"`...), and
//!   `undefined`, `null`, numbers and booleans add nothing.
//! - **Text** ([`to_text`]) is glass-easel's `a == null ? '' : String(a)`:
//!   `undefined` and `null` are empty; arrays join with `,`; objects are
//!   `[object Object]`. Inside `+`, JavaScript's `String()` applies instead
//!   (`"a" + undefined` is `"aundefined"`, `"a" + null` is `"anull"`).
//! - **Object key order**: objects are `serde_json` maps, ordered by key
//!   (not by insertion as in JavaScript).
//!
//! Evaluation never panics, recurses only along the expression tree (whose
//! depth the parser bounds) and caps what it builds: a computed string at
//! [`MAX_STRING`] bytes, an array or object literal at [`MAX_ITEMS`]
//! entries.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::ast::{BinOp, Expr, Field, Item};

/// The largest string evaluation builds (concatenation, text of a value,
/// a key made of an array), in bytes: 4 MiB.
pub const MAX_STRING: usize = 4 << 20;

/// The most entries an array or object literal may have, spreads included.
pub const MAX_ITEMS: usize = 1 << 16;

/// Why an expression could not be evaluated. Missing data is not an error
/// (it is `undefined`); only the limits and a scope that does not match the
/// template are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A computed string would be longer than [`MAX_STRING`] bytes.
    #[error("a computed string would be longer than {max} bytes", max = MAX_STRING)]
    TooLarge,
    /// An array or object literal would have more than [`MAX_ITEMS`]
    /// entries.
    #[error("an array or object literal would have more than {max} entries", max = MAX_ITEMS)]
    TooManyItems,
    /// The expression names a `wx:for` variable the scope does not have
    /// (the renderer's scope does not match the template).
    #[error("scope variable {depth} is not defined (the scope has {len})")]
    UnknownScope {
        /// The variable asked for.
        depth: usize,
        /// How many variables the scope has.
        len: usize,
    },
}

/// The value of an expression.
///
/// The derived `PartialEq` compares structure (two `NaN`s differ, `Number`
/// and `Json` numbers differ); JavaScript's equalities are the `==` and
/// `===` operators of [`eval`].
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// `undefined`: a missing field or path, or the literal.
    Undefined,
    /// A computed number (arithmetic, `.length`, a number literal),
    /// including `NaN`, `±Infinity` and `-0`. Numbers read from the data
    /// are `Json`.
    Number(f64),
    /// A JSON value: borrowed from the data or a scope variable, or owned
    /// when computed.
    Json(Cow<'a, Value>),
}

impl<'a> Val<'a> {
    /// A value borrowed from the data (or from anything that outlives the
    /// evaluation).
    pub fn borrowed(value: &'a Value) -> Self {
        Val::Json(Cow::Borrowed(value))
    }

    /// An owned (computed) JSON value.
    pub fn owned(value: Value) -> Self {
        Val::Json(Cow::Owned(value))
    }

    /// Whether it is `undefined`.
    pub fn is_undefined(&self) -> bool {
        matches!(self, Val::Undefined)
    }

    /// The JSON value, if it is one (not `undefined`, not a computed
    /// number: see [`Val::as_f64`] and [`Val::into_json`]).
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Val::Json(value) => Some(value),
            Val::Undefined | Val::Number(_) => None,
        }
    }

    /// The number, if it is one (computed, or a JSON number).
    pub fn as_f64(&self) -> Option<f64> {
        match kind(self) {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    /// As JSON: `None` for `undefined`; a computed number as a JSON number
    /// (an integer when it is one), `NaN` and `±Infinity` as `null` (as
    /// `JSON.stringify` does).
    pub fn into_json(self) -> Option<Value> {
        match self {
            Val::Undefined => None,
            Val::Number(n) => Some(number_json(n)),
            Val::Json(value) => Some(value.into_owned()),
        }
    }

    /// The same value, owning its JSON (clones a borrowed value).
    pub fn into_owned(self) -> Val<'static> {
        match self {
            Val::Undefined => Val::Undefined,
            Val::Number(n) => Val::Number(n),
            Val::Json(value) => Val::Json(Cow::Owned(value.into_owned())),
        }
    }
}

impl<'a> From<&'a Value> for Val<'a> {
    fn from(value: &'a Value) -> Self {
        Val::borrowed(value)
    }
}

impl From<Value> for Val<'_> {
    fn from(value: Value) -> Self {
        Val::owned(value)
    }
}

/// What an expression is evaluated against: the page's data (an object;
/// `Expr::Data` reads its fields) and the variables of the enclosing
/// `wx:for` loops (`Expr::Scope(depth)`, numbered from the outermost; each
/// loop adds its item, then its index).
///
/// A loop extends the scope without copying it: [`Scope::nest`] (or
/// [`Scope::with_item`]) makes a child scope that borrows its parent and
/// adds variables, which may borrow from a list the renderer holds for the
/// loop's duration. [`Scope::push`] and [`Scope::pop`] change the
/// innermost variables in place, for values that live as long as the scope.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    data: &'a Value,
    parent: Option<&'a Scope<'a>>,
    /// Variables from `base` on.
    vars: Vars<'a>,
    /// How many variables the ancestors have.
    base: usize,
}

/// The variables a scope adds: a `wx:for` iteration's pair held inline
/// (one per item rendered, so no allocation), or any list.
#[derive(Debug, Clone)]
enum Vars<'a> {
    /// An item, then its index.
    Item([Val<'a>; 2]),
    /// Any variables.
    List(Vec<Val<'a>>),
}

impl<'a> Vars<'a> {
    fn len(&self) -> usize {
        match self {
            Vars::Item(pair) => pair.len(),
            Vars::List(list) => list.len(),
        }
    }

    fn get(&self, at: usize) -> Option<&Val<'a>> {
        match self {
            Vars::Item(pair) => pair.get(at),
            Vars::List(list) => list.get(at),
        }
    }

    fn push(&mut self, var: Val<'a>) {
        match self {
            Vars::List(list) => list.push(var),
            Vars::Item(pair) => {
                let [item, index] = std::mem::replace(pair, [Val::Undefined, Val::Undefined]);
                *self = Vars::List(vec![item, index, var]);
            }
        }
    }

    fn pop(&mut self) -> Option<Val<'a>> {
        match self {
            Vars::List(list) => list.pop(),
            Vars::Item(pair) => {
                let [item, index] = std::mem::replace(pair, [Val::Undefined, Val::Undefined]);
                *self = Vars::List(vec![item]);
                Some(index)
            }
        }
    }
}

impl<'a> Scope<'a> {
    /// The top-level scope of a page (or of a template rendered with its
    /// `data`): no variables. A `data` that is not an object has no fields.
    pub fn new(data: &'a Value) -> Self {
        Scope {
            data,
            parent: None,
            vars: Vars::List(Vec::new()),
            base: 0,
        }
    }

    /// The page data.
    pub fn data(&self) -> &'a Value {
        self.data
    }

    /// A child scope with `vars` added after this scope's variables.
    ///
    /// A variable is read by cloning its `Val`: borrowed JSON costs
    /// nothing, so pass large values (a loop's item) borrowed and only small
    /// ones (the index, as [`Val::Number`]) owned.
    pub fn nest<'b>(&'b self, vars: Vec<Val<'b>>) -> Scope<'b> {
        Scope {
            data: self.data,
            parent: Some(self),
            vars: Vars::List(vars),
            base: self.len(),
        }
    }

    /// A child scope for one `wx:for` iteration: `item`, then `index`.
    pub fn with_item<'b>(&'b self, item: Val<'b>, index: usize) -> Scope<'b> {
        Scope {
            data: self.data,
            parent: Some(self),
            // Indices are far below 2^53: exact as f64.
            vars: Vars::Item([item, Val::Number(index as f64)]),
            base: self.len(),
        }
    }

    /// Adds a variable (innermost).
    pub fn push(&mut self, var: Val<'a>) {
        self.vars.push(var);
    }

    /// Removes the innermost variable this scope added (not its
    /// parent's), if any.
    pub fn pop(&mut self) -> Option<Val<'a>> {
        self.vars.pop()
    }

    /// How many variables are in scope, the parents' included.
    pub fn len(&self) -> usize {
        self.base + self.vars.len()
    }

    /// Whether there are no variables in scope.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The variable at `depth` (from the outermost), if in scope.
    pub fn var(&self, depth: usize) -> Option<&Val<'a>> {
        let mut scope = self;
        loop {
            if depth >= scope.base {
                return scope.vars.get(depth - scope.base);
            }
            scope = scope.parent?;
        }
    }
}

/// Evaluates `expr` against `scope`.
///
/// Errors only when a limit is reached ([`EvalError::TooLarge`],
/// [`EvalError::TooManyItems`]) or the scope lacks a variable the
/// expression names; a missing path is `undefined`. `&&`, `||` and `?:`
/// evaluate only the operand they need.
pub fn eval<'a>(expr: &Expr, scope: &Scope<'a>) -> Result<Val<'a>, EvalError> {
    Ok(match expr {
        Expr::Data(name) => scope
            .data
            .as_object()
            .and_then(|fields| fields.get(name))
            .map_or(Val::Undefined, Val::borrowed),
        Expr::Scope(depth) => scope.var(*depth).cloned().ok_or(EvalError::UnknownScope {
            depth: *depth,
            len: scope.len(),
        })?,
        Expr::Undefined => Val::Undefined,
        Expr::Null => Val::owned(Value::Null),
        Expr::Bool(b) => Val::owned(Value::Bool(*b)),
        Expr::Number(n) => Val::Number(*n),
        Expr::Str(s) => Val::owned(Value::String(s.clone())),
        Expr::Array(items) => array(items, scope)?,
        Expr::Object(fields) => object(fields, scope)?,
        Expr::Member(base, name) => member(eval(base, scope)?, name),
        Expr::Index(base, key) => {
            let base = eval(base, scope)?;
            let key = eval(key, scope)?;
            match kind(&key) {
                Kind::Str(key) => member(base, key),
                Kind::Number(n) => member(base, &format_number(n)),
                _ => {
                    let mut name = String::new();
                    write_js_string(&key, &mut name, MAX_STRING)?;
                    member(base, &name)
                }
            }
        }
        Expr::Not(e) => boolean(!truthy(&eval(e, scope)?)),
        Expr::Neg(e) => Val::Number(-to_number(&eval(e, scope)?)),
        Expr::ToNumber(e) => Val::Number(to_number(&eval(e, scope)?)),
        Expr::Binary(op, left, right) => binary(*op, left, right, scope)?,
        Expr::Cond(cond, then, otherwise) => {
            if truthy(&eval(cond, scope)?) {
                eval(then, scope)?
            } else {
                eval(otherwise, scope)?
            }
        }
        Expr::Text(e) => {
            let value = eval(e, scope)?;
            match value {
                // A string is its own text: no copy.
                Val::Json(ref json) if json.is_string() => value,
                _ => {
                    let mut text = String::new();
                    write_text(&value, &mut text, MAX_STRING)?;
                    Val::owned(Value::String(text))
                }
            }
        }
    })
}

/// Appends [`into_text`] of `eval(expr, scope)` to `out`, with the same
/// result and errors, without building the strings evaluation would: a
/// literal is copied from the template, a concatenation of texts (mixed
/// text such as `item {{done ? 'done' : ''}}`) and a `?:` choosing one are
/// written piece by piece.
///
/// On an error, `out` may hold part of the text.
pub fn write_text_of(expr: &Expr, scope: &Scope<'_>, out: &mut String) -> Result<(), EvalError> {
    match expr {
        Expr::Str(text) => out.push_str(text),
        Expr::Cond(cond, then, otherwise) => {
            let branch = if truthy(&eval(cond, scope)?) {
                then
            } else {
                otherwise
            };
            write_text_of(branch, scope, out)?;
        }
        Expr::Binary(BinOp::Add, left, right) if is_concat(left) || is_concat(right) => {
            let limit = out.len().saturating_add(MAX_STRING);
            write_piece(left, scope, out, limit, Piece::String)?;
            write_piece(right, scope, out, limit, Piece::String)?;
        }
        _ => write_text(&eval(expr, scope)?, out, usize::MAX)?,
    }
    Ok(())
}

/// How [`write_piece`] writes a value.
#[derive(Clone, Copy)]
enum Piece {
    /// Its text ([`to_text`]: `undefined` and `null` empty).
    Text,
    /// JavaScript's `String(value)` (an operand of `+`).
    String,
}

/// Whether `expr` is always a string made by concatenation or text: a
/// literal, the text of a value, or `+` with one of those on a side.
fn is_concat(expr: &Expr) -> bool {
    match expr {
        Expr::Str(_) | Expr::Text(_) => true,
        Expr::Binary(BinOp::Add, left, right) => is_concat(left) || is_concat(right),
        _ => false,
    }
}

/// Appends the text or string (`how`) of `expr`'s value, failing once
/// `out` would pass `limit` bytes (a concatenation's bound).
fn write_piece(
    expr: &Expr,
    scope: &Scope<'_>,
    out: &mut String,
    limit: usize,
    how: Piece,
) -> Result<(), EvalError> {
    match expr {
        Expr::Str(text) => push_limited(out, text, limit),
        Expr::Text(inner) => write_piece(inner, scope, out, limit, Piece::Text),
        Expr::Cond(cond, then, otherwise) => {
            let branch = if truthy(&eval(cond, scope)?) {
                then
            } else {
                otherwise
            };
            write_piece(branch, scope, out, limit, how)
        }
        Expr::Binary(BinOp::Add, left, right) if is_concat(left) || is_concat(right) => {
            write_piece(left, scope, out, limit, Piece::String)?;
            write_piece(right, scope, out, limit, Piece::String)
        }
        _ => {
            let value = eval(expr, scope)?;
            match how {
                Piece::Text => write_text(&value, out, limit),
                Piece::String => write_js_string(&value, out, limit),
            }
        }
    }
}

/// JavaScript truthiness: `false`, `0`, `-0`, `NaN`, `""`, `null` and
/// `undefined` are falsy; everything else (`"false"`, `"0"`, `[]`, `{}`)
/// is truthy.
pub fn truthy(value: &Val) -> bool {
    match kind(value) {
        Kind::Undefined | Kind::Null => false,
        Kind::Bool(b) => b,
        Kind::Number(n) => n != 0.0 && !n.is_nan(),
        Kind::Str(s) => !s.is_empty(),
        Kind::Array(_) | Kind::Object => true,
    }
}

/// JavaScript's `Number(value)`: `undefined` is `NaN`, `null` 0, booleans
/// 0 and 1; strings are trimmed, `""` is 0, `"Infinity"`, decimal and
/// `0x`/`0o`/`0b` literals parse, anything else is `NaN`; an array is the
/// number of its text (`[]` is 0, `[5]` 5, `[1, 2]` `NaN`); an object is
/// `NaN`.
pub fn to_number(value: &Val) -> f64 {
    match kind(value) {
        Kind::Undefined => f64::NAN,
        Kind::Null => 0.0,
        Kind::Bool(b) => f64::from(u8::from(b)),
        Kind::Number(n) => n,
        Kind::Str(s) => string_to_number(s),
        Kind::Array(items) => array_to_number(items),
        Kind::Object => f64::NAN,
    }
}

/// The text of a value for output (text nodes, attributes): glass-easel's
/// `a == null ? '' : String(a)`. `undefined` and `null` are empty;
/// numbers as [`format_number`]; booleans `true`/`false`; arrays join
/// their elements' text with `,` (`null` elements are empty); objects are
/// `[object Object]`.
pub fn to_text(value: &Val) -> String {
    let mut text = String::new();
    // Without a limit, writing cannot fail.
    match write_text(value, &mut text, usize::MAX) {
        Ok(()) | Err(_) => text,
    }
}

/// [`to_text`], taking the value: a computed string is its own text (no
/// copy).
pub fn into_text(value: Val) -> String {
    match value {
        Val::Json(Cow::Owned(Value::String(text))) => text,
        other => to_text(&other),
    }
}

/// JavaScript's `Number.prototype.toString()`: the shortest digits that
/// read back as the same number; integers without a fraction (`3`);
/// exponent notation from `1e21` up and below `1e-6` (`1e+21`, `1e-7`);
/// `NaN`, `Infinity`, `-Infinity`; `-0` is `"0"`.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Integers of up to 15 digits are their digits.
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return (n as i64).to_string();
    }
    if n < 0.0 {
        return format!("-{}", format_number(-n));
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e3".
    let scientific = format!("{n:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return n.to_string();
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return n.to_string();
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    // The decimal point is after the first `point` digits.
    let point = exponent + 1;
    if k <= point && point <= 21 {
        let mut out = digits;
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
        out
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        let zeros = "0".repeat((-point) as usize);
        format!("0.{zeros}{digits}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let abs = exponent.unsigned_abs();
        if rest.is_empty() {
            format!("{first}e{sign}{abs}")
        } else {
            format!("{first}.{rest}e{sign}{abs}")
        }
    }
}

// ---------------------------------------------------------------------------
// Kinds

/// A value seen by its JavaScript type.
#[derive(Clone, Copy)]
enum Kind<'v> {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Str(&'v str),
    Array(&'v [Value]),
    Object,
}

fn kind<'v>(value: &'v Val<'_>) -> Kind<'v> {
    match value {
        Val::Undefined => Kind::Undefined,
        Val::Number(n) => Kind::Number(*n),
        Val::Json(json) => json_kind(json),
    }
}

fn json_kind(value: &Value) -> Kind<'_> {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Kind::Str(s),
        Value::Array(items) => Kind::Array(items),
        Value::Object(_) => Kind::Object,
    }
}

fn boolean(b: bool) -> Val<'static> {
    Val::owned(Value::Bool(b))
}

/// A number as JSON: integers (but `-0`) as integers, `NaN` and
/// `±Infinity` as `null`.
pub(crate) fn number_json(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() < EXACT && !(n == 0.0 && n.is_sign_negative()) {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// A value as an element or field of a computed array or object.
fn json_or_null(value: Val) -> Value {
    value.into_json().unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------
// Literals

fn array<'a>(items: &[Item], scope: &Scope<'a>) -> Result<Val<'a>, EvalError> {
    let mut out: Vec<Value> = Vec::new();
    let room = |out: &Vec<Value>, more: usize| {
        if out.len().saturating_add(more) > MAX_ITEMS {
            Err(EvalError::TooManyItems)
        } else {
            Ok(())
        }
    };
    for item in items {
        match item {
            Item::One(e) => {
                let value = eval(e, scope)?;
                room(&out, 1)?;
                out.push(json_or_null(value));
            }
            Item::Spread(e) => match eval(e, scope)? {
                Val::Json(Cow::Borrowed(Value::Array(spread))) => {
                    room(&out, spread.len())?;
                    out.extend(spread.iter().cloned());
                }
                Val::Json(Cow::Owned(Value::Array(spread))) => {
                    room(&out, spread.len())?;
                    out.extend(spread);
                }
                // `[].concat(x)` adds a non-array `x` as one element.
                other => {
                    room(&out, 1)?;
                    out.push(json_or_null(other));
                }
            },
        }
    }
    Ok(Val::owned(Value::Array(out)))
}

fn object<'a>(fields: &[Field], scope: &Scope<'a>) -> Result<Val<'a>, EvalError> {
    let mut out: Map<String, Value> = Map::new();
    let room = |out: &Map<String, Value>, more: usize| {
        if more > MAX_ITEMS || out.len() > MAX_ITEMS {
            Err(EvalError::TooManyItems)
        } else {
            Ok(())
        }
    };
    for field in fields {
        match field {
            Field::Named(name, e) => match eval(e, scope)?.into_json() {
                Some(value) => {
                    out.insert(name.clone(), value);
                }
                // A field set to `undefined` reads back as `undefined`.
                None => {
                    out.remove(name);
                }
            },
            Field::Spread(e) => match eval(e, scope)? {
                Val::Json(Cow::Borrowed(value)) => match value {
                    Value::Object(fields) => {
                        room(&out, fields.len())?;
                        for (name, value) in fields {
                            out.insert(name.clone(), value.clone());
                        }
                    }
                    Value::Array(items) => {
                        room(&out, items.len())?;
                        for (i, value) in items.iter().enumerate() {
                            out.insert(i.to_string(), value.clone());
                        }
                    }
                    Value::String(s) => spread_string(&mut out, s)?,
                    Value::Null | Value::Bool(_) | Value::Number(_) => {}
                },
                Val::Json(Cow::Owned(value)) => match value {
                    Value::Object(fields) => {
                        room(&out, fields.len())?;
                        out.extend(fields);
                    }
                    Value::Array(items) => {
                        room(&out, items.len())?;
                        for (i, value) in items.into_iter().enumerate() {
                            out.insert(i.to_string(), value);
                        }
                    }
                    Value::String(s) => spread_string(&mut out, &s)?,
                    Value::Null | Value::Bool(_) | Value::Number(_) => {}
                },
                Val::Undefined | Val::Number(_) => {}
            },
        }
        room(&out, 0)?;
    }
    Ok(Val::owned(Value::Object(out)))
}

/// `Object.assign(out, s)`: a field per UTF-16 code unit.
fn spread_string(out: &mut Map<String, Value>, s: &str) -> Result<(), EvalError> {
    if s.encode_utf16().count() > MAX_ITEMS {
        return Err(EvalError::TooManyItems);
    }
    let mut i = 0;
    for c in s.chars() {
        for unit in code_units(c) {
            out.insert(i.to_string(), Value::String(unit));
            i += 1;
        }
    }
    Ok(())
}

/// The one-unit strings of a character: itself, or U+FFFD twice for the
/// two halves of a surrogate pair (a lone surrogate cannot be a Rust
/// string).
fn code_units(c: char) -> impl Iterator<Item = String> {
    let unit = if c.len_utf16() == 1 {
        c.to_string()
    } else {
        char::REPLACEMENT_CHARACTER.to_string()
    };
    std::iter::repeat_n(unit, c.len_utf16())
}

// ---------------------------------------------------------------------------
// Members

/// `base[key]`, with `key` already a property name.
fn member<'a>(base: Val<'a>, key: &str) -> Val<'a> {
    match base {
        Val::Json(Cow::Borrowed(value)) => match value {
            Value::Object(fields) => fields.get(key).map_or(Val::Undefined, Val::borrowed),
            Value::Array(items) => {
                if key == "length" {
                    Val::Number(items.len() as f64)
                } else {
                    array_index(key)
                        .and_then(|i| items.get(i))
                        .map_or(Val::Undefined, Val::borrowed)
                }
            }
            Value::String(s) => string_member(s, key),
            Value::Null | Value::Bool(_) | Value::Number(_) => Val::Undefined,
        },
        // A computed value: move the member out rather than copy it.
        Val::Json(Cow::Owned(value)) => match value {
            Value::Object(mut fields) => fields.remove(key).map_or(Val::Undefined, Val::owned),
            Value::Array(mut items) => {
                if key == "length" {
                    Val::Number(items.len() as f64)
                } else {
                    match array_index(key) {
                        Some(i) if i < items.len() => Val::owned(items.swap_remove(i)),
                        _ => Val::Undefined,
                    }
                }
            }
            Value::String(s) => string_member(&s, key),
            Value::Null | Value::Bool(_) | Value::Number(_) => Val::Undefined,
        },
        Val::Undefined | Val::Number(_) => Val::Undefined,
    }
}

/// `s.length` (UTF-16 code units) or `s[i]` (the code unit at `i`).
fn string_member(s: &str, key: &str) -> Val<'static> {
    if key == "length" {
        return Val::Number(s.encode_utf16().count() as f64);
    }
    let Some(index) = array_index(key) else {
        return Val::Undefined;
    };
    let mut at = 0;
    for c in s.chars() {
        let width = c.len_utf16();
        if index < at + width {
            return Val::owned(Value::String(if width == 1 {
                c.to_string()
            } else {
                char::REPLACEMENT_CHARACTER.to_string()
            }));
        }
        at += width;
    }
    Val::Undefined
}

/// The array index a property name is: canonical decimal digits (`"0"`,
/// `"12"`, not `"012"`, `"+1"` or `"1.0"`).
fn array_index(key: &str) -> Option<usize> {
    let canonical = !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'));
    if canonical { key.parse().ok() } else { None }
}

// ---------------------------------------------------------------------------
// Operators

fn binary<'a>(
    op: BinOp,
    left: &Expr,
    right: &Expr,
    scope: &Scope<'a>,
) -> Result<Val<'a>, EvalError> {
    if let (BinOp::Add, Expr::Str(text)) = (op, left) {
        // A literal string plus anything: concatenation, without copying
        // the literal first.
        let b = eval(right, scope)?;
        let mut out = String::with_capacity(text.len() + 16);
        push_limited(&mut out, text, MAX_STRING)?;
        write_js_string(&b, &mut out, MAX_STRING)?;
        return Ok(Val::owned(Value::String(out)));
    }
    let a = eval(left, scope)?;
    // `&&` and `||`: the right side only when needed.
    match op {
        BinOp::And if !truthy(&a) => return Ok(a),
        BinOp::Or if truthy(&a) => return Ok(a),
        BinOp::And | BinOp::Or => return eval(right, scope),
        _ => {}
    }
    let b = eval(right, scope)?;
    Ok(match op {
        BinOp::Add => add(&a, &b)?,
        BinOp::Sub => Val::Number(to_number(&a) - to_number(&b)),
        BinOp::Mul => Val::Number(to_number(&a) * to_number(&b)),
        BinOp::Div => Val::Number(to_number(&a) / to_number(&b)),
        // Rust's `%` on f64 is C's fmod, as JavaScript's.
        BinOp::Rem => Val::Number(to_number(&a) % to_number(&b)),
        BinOp::Lt => boolean(compare(&a, &b)? == Some(Ordering::Less)),
        BinOp::Gt => boolean(compare(&a, &b)? == Some(Ordering::Greater)),
        BinOp::Le => boolean(matches!(
            compare(&a, &b)?,
            Some(Ordering::Less | Ordering::Equal)
        )),
        BinOp::Ge => boolean(matches!(
            compare(&a, &b)?,
            Some(Ordering::Greater | Ordering::Equal)
        )),
        BinOp::Eq => boolean(loose_eq(&a, &b)?),
        BinOp::Ne => boolean(!loose_eq(&a, &b)?),
        BinOp::StrictEq => boolean(strict_eq(&a, &b)),
        BinOp::StrictNe => boolean(!strict_eq(&a, &b)),
        // Handled above.
        BinOp::And | BinOp::Or => b,
    })
}

/// `a + b`: concatenation when either side is a string, an array or an
/// object (their primitive is a string), else numeric addition.
fn add(a: &Val, b: &Val) -> Result<Val<'static>, EvalError> {
    let stringy = |k: Kind| matches!(k, Kind::Str(_) | Kind::Array(_) | Kind::Object);
    if stringy(kind(a)) || stringy(kind(b)) {
        let mut out = String::new();
        write_js_string(a, &mut out, MAX_STRING)?;
        write_js_string(b, &mut out, MAX_STRING)?;
        Ok(Val::owned(Value::String(out)))
    } else {
        Ok(Val::Number(to_number(a) + to_number(b)))
    }
}

/// A primitive for comparison: a string (strings, and the text of arrays
/// and objects) or a number (everything else).
enum Prim<'v> {
    Str(Cow<'v, str>),
    Num(f64),
}

impl Prim<'_> {
    fn number(&self) -> f64 {
        match self {
            Prim::Str(s) => string_to_number(s),
            Prim::Num(n) => *n,
        }
    }
}

fn prim<'v>(value: &'v Val<'_>) -> Result<Prim<'v>, EvalError> {
    Ok(match kind(value) {
        Kind::Str(s) => Prim::Str(Cow::Borrowed(s)),
        Kind::Array(_) | Kind::Object => {
            let mut text = String::new();
            write_js_string(value, &mut text, MAX_STRING)?;
            Prim::Str(Cow::Owned(text))
        }
        _ => Prim::Num(to_number(value)),
    })
}

/// The relational comparison: strings by UTF-16 code units, anything else
/// as numbers; `None` when a number is `NaN` (every comparison is false).
fn compare(a: &Val, b: &Val) -> Result<Option<Ordering>, EvalError> {
    Ok(match (prim(a)?, prim(b)?) {
        (Prim::Str(x), Prim::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        (x, y) => x.number().partial_cmp(&y.number()),
    })
}

/// Whether both are the same array or object: borrowed from the same
/// place.
fn same_place(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Json(Cow::Borrowed(x)), Val::Json(Cow::Borrowed(y))) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

/// `a === b`.
fn strict_eq(a: &Val, b: &Val) -> bool {
    match (kind(a), kind(b)) {
        (Kind::Undefined, Kind::Undefined) | (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Number(x), Kind::Number(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Array(_), Kind::Array(_)) | (Kind::Object, Kind::Object) => same_place(a, b),
        _ => false,
    }
}

/// `a == b`: `null` and `undefined` equal each other only; arrays and
/// objects by identity between themselves, by their text against a
/// primitive; booleans as numbers; a string against a number as a number.
fn loose_eq(a: &Val, b: &Val) -> Result<bool, EvalError> {
    let (ka, kb) = (kind(a), kind(b));
    Ok(match (ka, kb) {
        (Kind::Undefined | Kind::Null, Kind::Undefined | Kind::Null) => true,
        (Kind::Undefined | Kind::Null, _) | (_, Kind::Undefined | Kind::Null) => false,
        (Kind::Array(_) | Kind::Object, Kind::Array(_) | Kind::Object) => same_place(a, b),
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Number(x), Kind::Number(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        // Different types, at least one a non-nullish primitive: booleans
        // become numbers, arrays and objects their text; then equal
        // strings, or equal numbers.
        _ => match (prim(a)?, prim(b)?) {
            (Prim::Str(x), Prim::Str(y)) => x == y,
            (x, y) => x.number() == y.number(),
        },
    })
}

// ---------------------------------------------------------------------------
// Conversions

/// Appends `s`, unless `out` would grow over `limit` bytes.
fn push_limited(out: &mut String, s: &str, limit: usize) -> Result<(), EvalError> {
    if out.len().saturating_add(s.len()) > limit {
        return Err(EvalError::TooLarge);
    }
    out.push_str(s);
    Ok(())
}

/// Appends the text of a value (`undefined` and `null` empty).
fn write_text(value: &Val, out: &mut String, limit: usize) -> Result<(), EvalError> {
    match kind(value) {
        Kind::Undefined | Kind::Null => Ok(()),
        _ => write_js_string(value, out, limit),
    }
}

/// Appends JavaScript's `String(value)`.
fn write_js_string(value: &Val, out: &mut String, limit: usize) -> Result<(), EvalError> {
    match kind(value) {
        Kind::Undefined => push_limited(out, "undefined", limit),
        Kind::Array(items) => write_join(items, out, limit),
        other => write_primitive(other, out, limit),
    }
}

/// Appends the string of anything but an array.
fn write_primitive(value: Kind, out: &mut String, limit: usize) -> Result<(), EvalError> {
    match value {
        Kind::Undefined => push_limited(out, "undefined", limit),
        Kind::Null => push_limited(out, "null", limit),
        Kind::Bool(b) => push_limited(out, if b { "true" } else { "false" }, limit),
        Kind::Number(n) => push_limited(out, &format_number(n), limit),
        Kind::Str(s) => push_limited(out, s, limit),
        Kind::Object => push_limited(out, "[object Object]", limit),
        // Arrays are joined by the caller; an empty text is never wrong
        // for an unexpected one.
        Kind::Array(_) => Ok(()),
    }
}

/// Appends `Array.prototype.join(",")` of `items`: nested arrays joined the
/// same way, `null` empty. Iterative: nesting in the data costs no stack.
fn write_join(items: &[Value], out: &mut String, limit: usize) -> Result<(), EvalError> {
    let mut stack: Vec<(std::slice::Iter<'_, Value>, bool)> = vec![(items.iter(), true)];
    loop {
        let (next, first) = match stack.last_mut() {
            None => return Ok(()),
            Some((iter, first)) => {
                let was_first = *first;
                *first = false;
                (iter.next(), was_first)
            }
        };
        let Some(item) = next else {
            stack.pop();
            continue;
        };
        if !first {
            push_limited(out, ",", limit)?;
        }
        match item {
            Value::Array(inner) => stack.push((inner.iter(), true)),
            Value::Null => {}
            other => write_primitive(json_kind(other), out, limit)?,
        }
    }
}

/// `Number` of an array: the number of its text. An array of two or more
/// elements has a `,` in its text (`NaN`); `[]` is `""` (0); `[x]` is the
/// text of `x`.
fn array_to_number(items: &[Value]) -> f64 {
    let mut items = items;
    loop {
        match items {
            [] => return 0.0,
            [only] => match only {
                Value::Array(inner) => items = inner,
                Value::Null => return 0.0,
                Value::Bool(_) | Value::Object(_) => return f64::NAN,
                // Through its text: `[-0]` is "0", +0.
                Value::Number(n) => return n.as_f64().map_or(f64::NAN, |n| n + 0.0),
                Value::String(s) => return string_to_number(s),
            },
            _ => return f64::NAN,
        }
    }
}

/// JavaScript's white space and line terminators, as `String.prototype.trim`
/// removes them.
fn is_js_space(c: char) -> bool {
    c == '\u{FEFF}' || (c.is_whitespace() && c != '\u{85}')
}

/// JavaScript's `Number(string)`.
fn string_to_number(s: &str) -> f64 {
    let s = s.trim_matches(is_js_space);
    match s {
        "" => return 0.0,
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    for (prefixes, radix) in [(["0x", "0X"], 16), (["0o", "0O"], 8), (["0b", "0B"], 2)] {
        if let Some(digits) = prefixes.iter().find_map(|p| s.strip_prefix(p)) {
            return radix_to_number(digits, radix);
        }
    }
    if is_decimal_literal(s) {
        s.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// The digits of a `0x`/`0o`/`0b` literal (at least one, no sign).
fn radix_to_number(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut exact: Option<u128> = Some(0);
    let mut approx = 0.0_f64;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return f64::NAN;
        };
        exact = exact
            .and_then(|e| e.checked_mul(u128::from(radix)))
            .and_then(|e| e.checked_add(u128::from(d)));
        approx = approx * f64::from(radix) + f64::from(d);
    }
    // Exact digits round once (as JavaScript); past 128 bits, approximate.
    exact.map_or(approx, |e| e as f64)
}

/// JavaScript's StrDecimalLiteral (without `Infinity`): a sign, digits
/// with an optional `.` (at least one digit), an optional exponent. Rust's
/// `f64::from_str` then reads it exactly (it would also take `inf` and
/// `nan`, which JavaScript does not).
fn is_decimal_literal(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
        digits += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Expression builders.
    fn d(name: &str) -> Expr {
        Expr::Data(name.to_owned())
    }
    fn n(x: f64) -> Expr {
        Expr::Number(x)
    }
    fn s(x: &str) -> Expr {
        Expr::Str(x.to_owned())
    }
    fn b(x: bool) -> Expr {
        Expr::Bool(x)
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }
    fn add(a: Expr, b: Expr) -> Expr {
        bin(BinOp::Add, a, b)
    }
    fn mem(e: Expr, name: &str) -> Expr {
        Expr::Member(Box::new(e), name.to_owned())
    }
    fn idx(e: Expr, key: Expr) -> Expr {
        Expr::Index(Box::new(e), Box::new(key))
    }
    fn text(e: Expr) -> Expr {
        Expr::Text(Box::new(e))
    }
    fn arr(items: Vec<Expr>) -> Expr {
        Expr::Array(items.into_iter().map(Item::One).collect())
    }
    /// A value from a JSON literal (as the data would hold it).
    fn lit(v: Value) -> Val<'static> {
        Val::owned(v)
    }

    fn data() -> Value {
        json!({
            "name": "Ann",
            "count": 3,
            "zero": 0,
            "list": [
                {"title": "a", "id": 1},
                {"title": "b", "id": 2},
                {"title": "c", "id": 3},
                {"title": "d", "id": 4}
            ],
            "nums": [1, 2],
            "obj": {"a": 1, "b": "x"},
            "accent": "héllo",
            "emoji": "😀",
            "nul": null,
            "t": true,
            "empty": [],
            "str": "1"
        })
    }

    fn run(e: &Expr, data: &Value) -> Result<Val<'static>, EvalError> {
        eval(e, &Scope::new(data)).map(Val::into_owned)
    }

    /// The value's type and content, for exact expectations: numbers as
    /// JavaScript prints them, strings quoted, `undefined`, JSON otherwise.
    fn show(v: &Val) -> String {
        match kind(v) {
            Kind::Undefined => "undefined".to_owned(),
            Kind::Number(x) => format_number(x),
            _ => v.as_json().map(Value::to_string).unwrap_or_default(),
        }
    }

    fn ev(e: Expr) -> String {
        show(&run(&e, &data()).expect("evaluates"))
    }

    #[test]
    fn truthiness_table() {
        let falsy = [
            Val::Undefined,
            lit(json!(null)),
            lit(json!(false)),
            lit(json!(0)),
            lit(json!(0.0)),
            Val::Number(-0.0),
            Val::Number(f64::NAN),
            Val::Number(0.0),
            lit(json!("")),
        ];
        for v in &falsy {
            assert!(!truthy(v), "{v:?} is falsy");
        }
        let truthy_values = [
            lit(json!(true)),
            lit(json!(1)),
            lit(json!(-1.5)),
            Val::Number(f64::INFINITY),
            lit(json!("false")),
            lit(json!("0")),
            lit(json!(" ")),
            lit(json!([])),
            lit(json!({})),
        ];
        for v in &truthy_values {
            assert!(truthy(v), "{v:?} is truthy");
        }
    }

    #[test]
    fn plus_table() {
        assert_eq!(ev(add(n(1.0), n(2.0))), "3");
        assert_eq!(ev(add(s("a"), n(1.0))), r#""a1""#);
        assert_eq!(ev(add(n(1.0), s("a"))), r#""1a""#);
        assert_eq!(ev(add(s("1"), n(1.0))), r#""11""#);
        assert_eq!(ev(add(Expr::Null, n(1.0))), "1");
        assert_eq!(ev(add(Expr::Undefined, n(1.0))), "NaN");
        assert_eq!(ev(add(d("nums"), s(""))), r#""1,2""#);
        assert_eq!(ev(add(b(true), n(1.0))), "2");
        assert_eq!(ev(add(b(true), s("a"))), r#""truea""#);
        assert_eq!(ev(add(s("a"), Expr::Undefined)), r#""aundefined""#);
        assert_eq!(ev(add(s("a"), Expr::Null)), r#""anull""#);
        assert_eq!(ev(add(d("obj"), n(1.0))), r#""[object Object]1""#);
        assert_eq!(ev(add(d("empty"), n(1.0))), r#""1""#);
        assert_eq!(ev(add(n(0.1), n(0.2))), "0.30000000000000004");
        assert_eq!(
            ev(add(s(""), add(n(0.1), n(0.2)))),
            r#""0.30000000000000004""#
        );
        assert_eq!(ev(add(s(""), n(3.0))), r#""3""#);
        assert_eq!(ev(add(s(""), n(-0.0))), r#""0""#);
        assert_eq!(ev(add(d("count"), n(1.0))), "4");
        assert_eq!(ev(add(s("n="), d("count"))), r#""n=3""#);
        // Nested arrays and nulls in a join.
        let nested = json!({"x": [1, [2, [3, null]], null, "s", {"k": 1}, true]});
        let v = run(&add(d("x"), s("")), &nested).expect("evaluates");
        assert_eq!(show(&v), r#""1,2,3,,,s,[object Object],true""#);
    }

    #[test]
    fn arithmetic() {
        assert_eq!(ev(bin(BinOp::Sub, s("5"), n(2.0))), "3");
        assert_eq!(ev(bin(BinOp::Sub, s(" 5 "), s(""))), "5");
        assert_eq!(ev(bin(BinOp::Mul, s("abc"), n(2.0))), "NaN");
        assert_eq!(ev(bin(BinOp::Mul, Expr::Null, n(2.0))), "0");
        assert_eq!(ev(bin(BinOp::Div, n(1.0), n(0.0))), "Infinity");
        assert_eq!(ev(bin(BinOp::Div, n(-1.0), n(0.0))), "-Infinity");
        assert_eq!(ev(bin(BinOp::Div, n(0.0), n(0.0))), "NaN");
        assert_eq!(ev(bin(BinOp::Rem, n(7.0), n(3.0))), "1");
        assert_eq!(ev(bin(BinOp::Rem, n(-7.0), n(3.0))), "-1");
        assert_eq!(ev(bin(BinOp::Rem, n(5.5), n(2.0))), "1.5");
        assert_eq!(ev(Expr::Neg(Box::new(s("2")))), "-2");
        assert_eq!(ev(Expr::Neg(Box::new(Expr::Undefined))), "NaN");
        assert_eq!(ev(Expr::ToNumber(Box::new(s("0x1A")))), "26");
        assert_eq!(ev(Expr::ToNumber(Box::new(b(true)))), "1");
        assert_eq!(ev(Expr::ToNumber(Box::new(d("empty")))), "0");
        assert_eq!(ev(Expr::ToNumber(Box::new(d("nums")))), "NaN");
        assert_eq!(ev(Expr::ToNumber(Box::new(d("obj")))), "NaN");
        assert!(to_number(&Val::Number(-0.0)).is_sign_negative());
    }

    #[test]
    fn string_to_number_table() {
        let cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("  \n\t ", 0.0),
            ("42", 42.0),
            (" 42 ", 42.0),
            ("\u{FEFF}7\u{A0}", 7.0),
            ("-1.5", -1.5),
            ("+2", 2.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
            ("0x1A", 26.0),
            ("0b101", 5.0),
            ("0o17", 15.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("1e400", f64::INFINITY),
        ];
        for (text, expected) in cases {
            assert_eq!(string_to_number(text), *expected, "Number({text:?})");
        }
        for text in [
            "abc", "1a", "1,2", ".", "e5", "1e", "inf", "nan", "NaN", "infinity", "0x", "-0x1",
            "0xg", "1 2", "+", "--1",
        ] {
            assert!(string_to_number(text).is_nan(), "Number({text:?}) is NaN");
        }
        assert!(string_to_number("-0").is_sign_negative());
    }

    #[test]
    fn number_formatting() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (123456789.0, "123456789"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (1e-6, "0.000001"),
            (0.000123, "0.000123"),
            (-0.0, "0"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-1e-7, "-1e-7"),
            (9007199254740993.0, "9007199254740992"),
        ];
        for (x, expected) in cases {
            assert_eq!(format_number(*x), *expected, "{x:e}");
        }
    }

    #[test]
    fn comparisons() {
        let t = r"true";
        let f = r"false";
        assert_eq!(ev(bin(BinOp::Lt, n(1.0), n(2.0))), t);
        assert_eq!(ev(bin(BinOp::Gt, n(1.0), n(2.0))), f);
        assert_eq!(ev(bin(BinOp::Le, n(2.0), n(2.0))), t);
        assert_eq!(ev(bin(BinOp::Ge, n(2.0), n(3.0))), f);
        // Both strings: lexicographic.
        assert_eq!(ev(bin(BinOp::Lt, s("10"), s("9"))), t);
        assert_eq!(ev(bin(BinOp::Lt, s("a"), s("b"))), t);
        assert_eq!(ev(bin(BinOp::Lt, s("B"), s("a"))), t);
        assert_eq!(ev(bin(BinOp::Lt, s("ab"), s("abc"))), t);
        assert_eq!(ev(bin(BinOp::Ge, s("abc"), s("abc"))), t);
        // UTF-16 order: U+FF61 sorts after the surrogates of U+1F600,
        // though its UTF-8 (and code point) sorts before.
        assert_eq!(ev(bin(BinOp::Lt, s("😀"), s("\u{FF61}"))), t);
        // Mixed: numeric.
        assert_eq!(ev(bin(BinOp::Lt, s("10"), n(9.0))), f);
        assert_eq!(ev(bin(BinOp::Lt, Expr::Null, n(1.0))), t);
        assert_eq!(ev(bin(BinOp::Lt, b(false), b(true))), t);
        assert_eq!(ev(bin(BinOp::Lt, d("empty"), n(1.0))), t);
        // NaN: every comparison false.
        for op in [BinOp::Lt, BinOp::Gt, BinOp::Le, BinOp::Ge] {
            assert_eq!(ev(bin(op, Expr::Undefined, n(1.0))), f);
            assert_eq!(ev(bin(op, s("x"), n(1.0))), f);
            assert_eq!(ev(bin(op, n(1.0), Expr::Undefined)), f);
        }
        assert_eq!(ev(bin(BinOp::Le, Expr::Null, n(0.0))), t);
        assert_eq!(ev(bin(BinOp::Le, n(-0.0), n(0.0))), t);
        // Data values.
        assert_eq!(ev(bin(BinOp::Gt, d("count"), n(2.0))), t);
        assert_eq!(ev(bin(BinOp::Lt, mem(d("list"), "length"), n(5.0))), t);
    }

    #[test]
    fn loose_equality_table() {
        let eq = |a: Expr, b: Expr| ev(bin(BinOp::Eq, a, b)) == "true";
        let ne = |a: Expr, b: Expr| ev(bin(BinOp::Ne, a, b)) == "true";
        assert!(eq(Expr::Null, Expr::Undefined));
        assert!(eq(Expr::Undefined, Expr::Null));
        assert!(eq(d("missing"), Expr::Null));
        assert!(eq(s("1"), n(1.0)));
        assert!(eq(n(1.0), s("1")));
        assert!(eq(n(0.0), b(false)));
        assert!(eq(s(""), n(0.0)));
        assert!(eq(s("0"), b(false)));
        assert!(eq(s("1"), b(true)));
        assert!(eq(s(" 1 "), n(1.0)));
        assert!(!eq(Expr::Null, n(0.0)));
        assert!(!eq(Expr::Undefined, n(0.0)));
        assert!(!eq(Expr::Null, b(false)));
        assert!(!eq(s("true"), b(true)));
        assert!(!eq(n(f64::NAN), n(f64::NAN)));
        assert!(eq(n(0.0), n(-0.0)));
        assert!(eq(s("a"), s("a")));
        assert!(!eq(s("a"), s("b")));
        // Arrays and objects against primitives: by their text.
        assert!(eq(d("nums"), s("1,2")));
        assert!(eq(d("empty"), b(false)));
        assert!(eq(d("empty"), n(0.0)));
        assert!(eq(d("empty"), s("")));
        assert!(eq(d("obj"), s("[object Object]")));
        assert!(!eq(d("obj"), Expr::Null));
        // Arrays and objects between themselves: by place.
        assert!(eq(d("list"), d("list")));
        assert!(eq(idx(d("list"), n(0.0)), idx(d("list"), s("0"))));
        assert!(!eq(idx(d("list"), n(0.0)), idx(d("list"), n(1.0))));
        assert!(!eq(arr(vec![]), arr(vec![])));
        assert!(!eq(d("empty"), arr(vec![])));
        assert!(ne(d("empty"), arr(vec![])));
        assert!(ne(Expr::Null, n(0.0)));
        assert!(!ne(s("1"), n(1.0)));
    }

    #[test]
    fn strict_equality() {
        let seq = |a: Expr, b: Expr| ev(bin(BinOp::StrictEq, a, b)) == "true";
        assert!(seq(n(1.0), n(1.0)));
        assert!(seq(d("count"), n(3.0)));
        assert!(!seq(s("1"), n(1.0)));
        assert!(!seq(Expr::Null, Expr::Undefined));
        assert!(seq(Expr::Null, Expr::Null));
        assert!(seq(d("missing"), Expr::Undefined));
        assert!(seq(b(true), d("t")));
        assert!(!seq(n(0.0), b(false)));
        assert!(!seq(n(f64::NAN), n(f64::NAN)));
        assert!(seq(n(0.0), n(-0.0)));
        assert!(seq(d("obj"), d("obj")));
        assert!(!seq(d("obj"), Expr::Object(vec![])));
        assert_eq!(ev(bin(BinOp::StrictNe, s("1"), n(1.0))), "true");
        assert_eq!(ev(bin(BinOp::StrictNe, n(1.0), n(1.0))), "false");
    }

    #[test]
    fn logic_returns_operands() {
        assert_eq!(ev(bin(BinOp::And, n(0.0), s("x"))), "0");
        assert_eq!(ev(bin(BinOp::And, n(1.0), s("x"))), r#""x""#);
        assert_eq!(ev(bin(BinOp::Or, s(""), s("y"))), r#""y""#);
        assert_eq!(ev(bin(BinOp::Or, d("name"), s("y"))), r#""Ann""#);
        assert_eq!(ev(bin(BinOp::Or, d("missing"), Expr::Null)), "null");
        assert_eq!(ev(Expr::Not(Box::new(d("empty")))), "false");
        assert_eq!(ev(Expr::Not(Box::new(s("")))), "true");
        let cond = |c: Expr| Expr::Cond(Box::new(c), Box::new(s("yes")), Box::new(s("no")));
        assert_eq!(ev(cond(d("count"))), r#""yes""#);
        assert_eq!(ev(cond(d("zero"))), r#""no""#);
    }

    #[test]
    fn short_circuit() {
        // An expression that errors when evaluated: a spread over the limit.
        let big = json!({ "big": vec![Value::Null; MAX_ITEMS + 1], "long": "x".repeat(MAX_STRING / 2 + 1) });
        let boom = || Expr::Array(vec![Item::Spread(d("big"))]);
        assert_eq!(run(&boom(), &big), Err(EvalError::TooManyItems));
        let concat = add(d("long"), d("long"));
        assert_eq!(run(&concat, &big), Err(EvalError::TooLarge));
        let unknown = Expr::Scope(7);
        assert_eq!(
            run(&unknown, &big),
            Err(EvalError::UnknownScope { depth: 7, len: 0 })
        );

        let ok = |e: Expr| show(&run(&e, &big).expect("short-circuits"));
        assert_eq!(ok(bin(BinOp::And, b(false), boom())), "false");
        assert_eq!(ok(bin(BinOp::Or, n(1.0), boom())), "1");
        assert_eq!(ok(bin(BinOp::Or, b(true), concat.clone())), "true");
        assert_eq!(ok(bin(BinOp::And, Expr::Null, Expr::Scope(7))), "null");
        let cond = |c: bool| {
            Expr::Cond(
                Box::new(b(c)),
                Box::new(if c { n(1.0) } else { boom() }),
                Box::new(if c { boom() } else { n(2.0) }),
            )
        };
        assert_eq!(ok(cond(true)), "1");
        assert_eq!(ok(cond(false)), "2");
        // Needed: evaluated, and the error comes through.
        assert_eq!(
            run(&bin(BinOp::And, b(true), boom()), &big),
            Err(EvalError::TooManyItems)
        );
        assert_eq!(
            run(&bin(BinOp::Or, b(false), concat), &big),
            Err(EvalError::TooLarge)
        );
    }

    #[test]
    fn member_paths() {
        assert_eq!(ev(mem(d("list"), "length")), "4");
        assert_eq!(ev(mem(d("accent"), "length")), "5");
        assert_eq!(ev(mem(d("emoji"), "length")), "2");
        assert_eq!(ev(mem(s(""), "length")), "0");
        assert_eq!(ev(mem(idx(d("list"), n(3.0)), "title")), r#""d""#);
        assert_eq!(ev(mem(idx(d("list"), s("1")), "id")), "2");
        assert_eq!(ev(mem(d("obj"), "b")), r#""x""#);
        assert_eq!(ev(idx(d("obj"), s("a"))), "1");
        assert_eq!(ev(idx(d("nums"), n(-0.0))), "1");
        assert_eq!(ev(idx(d("accent"), n(1.0))), r#""é""#);
        assert_eq!(ev(idx(d("emoji"), n(0.0))), r#""�""#);
        assert_eq!(ev(idx(d("emoji"), n(1.0))), r#""�""#);
        assert_eq!(ev(idx(s("a😀b"), n(3.0))), r#""b""#);
        // Computed bases.
        assert_eq!(ev(mem(arr(vec![n(1.0), n(2.0)]), "length")), "2");
        assert_eq!(ev(idx(arr(vec![s("p"), s("q")]), n(1.0))), r#""q""#);
        let literal = Expr::Object(vec![Field::Named("k".into(), s("v"))]);
        assert_eq!(ev(mem(literal, "k")), r#""v""#);
        assert_eq!(ev(mem(d("name"), "length")), "3");
        // A key from a computed number.
        assert_eq!(ev(idx(d("nums"), bin(BinOp::Sub, d("count"), n(2.0)))), "2");
    }

    #[test]
    fn missing_paths_are_undefined() {
        let undefined = [
            d("missing"),
            mem(d("missing"), "x"),
            mem(mem(d("missing"), "x"), "y"),
            mem(d("nul"), "x"),
            mem(d("count"), "x"),
            mem(d("t"), "x"),
            mem(d("obj"), "length"),
            mem(d("obj"), "missing"),
            idx(d("list"), n(4.0)),
            idx(d("list"), n(-1.0)),
            idx(d("list"), n(1.5)),
            idx(d("list"), s("01")),
            idx(d("list"), s("+1")),
            idx(d("list"), s("x")),
            idx(d("list"), Expr::Undefined),
            mem(d("list"), "map"),
            idx(d("name"), n(3.0)),
            mem(d("name"), "x"),
            mem(Expr::Undefined, "length"),
            mem(n(1.0), "length"),
            idx(idx(d("list"), n(9.0)), s("title")),
        ];
        for e in undefined {
            let v = run(&e, &data()).expect("evaluates");
            assert!(v.is_undefined(), "{e:?} is {v:?}");
        }
        // Data that is not an object has no fields.
        let v = run(&d("x"), &json!([1])).expect("evaluates");
        assert!(v.is_undefined());
    }

    #[test]
    fn paths_borrow_the_data() {
        let data = data();
        let scope = Scope::new(&data);
        let v = eval(&mem(idx(d("list"), n(3.0)), "title"), &scope).expect("evaluates");
        match v {
            Val::Json(Cow::Borrowed(title)) => {
                assert!(std::ptr::eq(title, &data["list"][3]["title"]));
            }
            other => panic!("copied: {other:?}"),
        }
    }

    #[test]
    fn text_of_each_kind() {
        assert_eq!(ev(text(Expr::Undefined)), r#""""#);
        assert_eq!(ev(text(d("missing"))), r#""""#);
        assert_eq!(ev(text(Expr::Null)), r#""""#);
        assert_eq!(ev(text(b(true))), r#""true""#);
        assert_eq!(ev(text(b(false))), r#""false""#);
        assert_eq!(ev(text(n(3.0))), r#""3""#);
        assert_eq!(ev(text(n(-0.0))), r#""0""#);
        assert_eq!(ev(text(n(1e21))), r#""1e+21""#);
        assert_eq!(ev(text(bin(BinOp::Div, n(0.0), n(0.0)))), r#""NaN""#);
        assert_eq!(ev(text(d("count"))), r#""3""#);
        assert_eq!(ev(text(s("hi"))), r#""hi""#);
        assert_eq!(ev(text(d("nums"))), r#""1,2""#);
        assert_eq!(ev(text(d("empty"))), r#""""#);
        assert_eq!(ev(text(d("obj"))), r#""[object Object]""#);
        assert_eq!(
            ev(text(d("list"))),
            r#""[object Object],[object Object],[object Object],[object Object]""#
        );

        assert_eq!(to_text(&Val::Undefined), "");
        assert_eq!(to_text(&lit(json!(null))), "");
        assert_eq!(to_text(&Val::Number(0.5)), "0.5");
        assert_eq!(to_text(&lit(json!(2.5))), "2.5");
        assert_eq!(to_text(&lit(json!([null, [1, null], "a"]))), ",1,,a");
        assert_eq!(to_text(&lit(json!({"a": 1}))), "[object Object]");
        // Deep nesting costs no stack.
        let mut deep = json!([1]);
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        assert_eq!(to_text(&Val::borrowed(&deep)), "1");
        assert_eq!(to_number(&Val::borrowed(&deep)), 1.0);
        // Dropping a deep serde_json value recurses: take it apart.
        while let Value::Array(mut inner) = deep {
            deep = inner.pop().unwrap_or(Value::Null);
        }
    }

    #[test]
    fn text_of_a_string_is_not_copied() {
        let data = data();
        let scope = Scope::new(&data);
        let v = eval(&text(d("name")), &scope).expect("evaluates");
        assert!(matches!(v, Val::Json(Cow::Borrowed(_))));
    }

    #[test]
    fn text_is_capped() {
        let big = json!({ "list": vec!["x".repeat(1 << 20); 5] });
        assert_eq!(run(&text(d("list")), &big), Err(EvalError::TooLarge));
        assert_eq!(to_text(&Val::borrowed(&big["list"])).len(), (5 << 20) + 4);
    }

    #[test]
    fn object_literals_and_spread() {
        let item = json!({"id": 1, "title": "a", "done": false});
        let data = json!({"item": item, "arr": ["p", "q"], "s": "a😀"});
        let spread = Expr::Object(vec![
            Field::Spread(d("item")),
            Field::Named("index".into(), n(2.0)),
            Field::Named("title".into(), s("b")),
        ]);
        let v = run(&spread, &data).expect("evaluates");
        assert_eq!(
            v.into_json(),
            Some(json!({"id": 1, "title": "b", "done": false, "index": 2}))
        );
        // Later fields win; `undefined` removes; nullish and numbers add nothing.
        let e = Expr::Object(vec![
            Field::Named("title".into(), s("z")),
            Field::Spread(d("item")),
            Field::Named("done".into(), Expr::Undefined),
            Field::Spread(Expr::Null),
            Field::Spread(Expr::Undefined),
            Field::Spread(n(5.0)),
            Field::Spread(b(true)),
        ]);
        let v = run(&e, &data).expect("evaluates");
        assert_eq!(v.into_json(), Some(json!({"id": 1, "title": "a"})));
        // Arrays and strings spread their indices.
        let e = Expr::Object(vec![Field::Spread(d("arr")), Field::Spread(d("s"))]);
        let v = run(&e, &data).expect("evaluates");
        assert_eq!(
            v.into_json(),
            Some(json!({"0": "a", "1": "\u{FFFD}", "2": "\u{FFFD}"}))
        );
        // Computed (owned) spreads.
        let inner = Expr::Object(vec![Field::Named("a".into(), n(1.0))]);
        let e = Expr::Object(vec![Field::Spread(inner), Field::Spread(arr(vec![s("x")]))]);
        let v = run(&e, &data).expect("evaluates");
        assert_eq!(v.into_json(), Some(json!({"a": 1, "0": "x"})));
        // Non-finite numbers become null, integers stay integers.
        let e = Expr::Object(vec![
            Field::Named("nan".into(), bin(BinOp::Div, n(0.0), n(0.0))),
            Field::Named("two".into(), add(n(1.0), n(1.0))),
            Field::Named("half".into(), n(0.5)),
        ]);
        let v = run(&e, &data).expect("evaluates");
        assert_eq!(
            serde_json::to_string(&v.into_json()).expect("serializes"),
            r#"{"half":0.5,"nan":null,"two":2}"#
        );
    }

    #[test]
    fn array_literals_and_spread() {
        let data = json!({"a": [1, 2], "o": {"k": 1}, "s": "ab"});
        let e = Expr::Array(vec![
            Item::One(n(0.0)),
            Item::Spread(d("a")),
            Item::Spread(arr(vec![n(3.0)])),
            Item::One(Expr::Undefined),
            Item::Spread(d("s")),
            Item::Spread(d("o")),
            Item::Spread(d("missing")),
        ]);
        let v = run(&e, &data).expect("evaluates");
        assert_eq!(
            v.into_json(),
            Some(json!([0, 1, 2, 3, null, "ab", {"k": 1}, null]))
        );
        // A literal at the limit is fine; one more is not.
        let data = json!({"a": vec![0; MAX_ITEMS - 1]});
        let e = Expr::Array(vec![Item::Spread(d("a")), Item::One(n(1.0))]);
        assert!(run(&e, &data).is_ok());
        let e = Expr::Array(vec![
            Item::Spread(d("a")),
            Item::One(n(1.0)),
            Item::One(n(2.0)),
        ]);
        assert!(matches!(run(&e, &data), Err(EvalError::TooManyItems)));
        // Spread keys that overlap do not count twice.
        let e = Expr::Object(vec![Field::Spread(d("a")), Field::Spread(s("ab"))]);
        assert!(run(&e, &data).is_ok());
        let e = Expr::Object(vec![
            Field::Spread(d("a")),
            Field::Named("x".into(), n(1.0)),
            Field::Named("y".into(), n(2.0)),
        ]);
        assert!(matches!(run(&e, &data), Err(EvalError::TooManyItems)));
    }

    #[test]
    fn scopes() {
        let data = json!({"rows": [[10, 11], [20, 21]]});
        let root = Scope::new(&data);
        let rows = eval(&d("rows"), &root).expect("evaluates");
        let rows = rows.as_json().and_then(Value::as_array).expect("an array");
        let mut seen = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let outer = root.with_item(Val::borrowed(row), i);
            let cells = eval(&Expr::Scope(0), &outer).expect("evaluates");
            let cells = cells.as_json().and_then(Value::as_array).expect("an array");
            for (j, cell) in cells.iter().enumerate() {
                let inner = outer.with_item(Val::borrowed(cell), j);
                assert_eq!(inner.len(), 4);
                // `{{index}}.{{j}}: {{cell}} of {{row.length}}`
                let e = add(
                    add(
                        add(add(text(Expr::Scope(1)), s(".")), text(Expr::Scope(3))),
                        s(": "),
                    ),
                    add(
                        add(text(Expr::Scope(2)), s(" of ")),
                        text(mem(Expr::Scope(0), "length")),
                    ),
                );
                seen.push(to_text(&eval(&e, &inner).expect("evaluates")));
                // The item is the list's element itself.
                let same = bin(BinOp::Eq, Expr::Scope(0), idx(d("rows"), Expr::Scope(1)));
                assert!(truthy(&eval(&same, &inner).expect("evaluates")));
            }
            assert_eq!(
                eval(&Expr::Scope(2), &outer),
                Err(EvalError::UnknownScope { depth: 2, len: 2 })
            );
        }
        assert_eq!(
            seen,
            [
                "0.0: 10 of 2",
                "0.1: 11 of 2",
                "1.0: 20 of 2",
                "1.1: 21 of 2"
            ]
        );

        // A computed list lives in the renderer; its items are borrowed.
        let list = eval(&arr(vec![s("x"), s("y")]), &root).expect("evaluates");
        let items = list.as_json().and_then(Value::as_array).expect("an array");
        let child = root.nest(vec![Val::borrowed(&items[1]), Val::Number(1.0)]);
        assert_eq!(show(&eval(&Expr::Scope(0), &child).expect("ok")), r#""y""#);

        // push / pop in place.
        let mut flat = Scope::new(&data);
        flat.push(Val::Number(7.0));
        assert_eq!(flat.len(), 1);
        assert_eq!(show(&eval(&Expr::Scope(0), &flat).expect("ok")), "7");
        assert_eq!(flat.pop(), Some(Val::Number(7.0)));
        assert!(flat.is_empty());
        assert!(flat.var(0).is_none());
    }

    #[test]
    fn text_written_in_place_is_the_text_of_the_value() {
        let big = "x".repeat(MAX_STRING - 2);
        let data = json!({
            "done": true, "no": false, "id": 42, "neg": -7, "half": 0.5,
            "name": "a<b", "list": [1, [2, null], "c"], "obj": {"k": 1},
            "nil": null, "big": big,
        });
        let scope = Scope::new(&data);
        let cond = |c: Expr, a: Expr, b: Expr| Expr::Cond(Box::new(c), Box::new(a), Box::new(b));
        let cases = vec![
            s("plain"),
            add(s("item "), text(cond(d("done"), s("done"), s("")))),
            add(s("item "), text(cond(d("no"), s("done"), s("")))),
            add(add(s("a "), text(d("missing"))), s(" b")),
            add(text(d("nil")), add(s("-"), d("nil"))),
            add(d("missing"), s("!")),
            add(s(""), d("list")),
            add(d("obj"), text(d("list"))),
            add(n(1.0), add(n(2.0), s("x"))),
            add(add(n(1.0), n(2.0)), s("x")),
            cond(d("done"), d("id"), s("no")),
            cond(d("no"), s("yes"), d("half")),
            text(d("nil")),
            text(d("list")),
            d("id"),
            d("neg"),
            d("half"),
            d("name"),
            d("missing"),
            d("nil"),
            add(d("big"), s("ok")),
            add(d("big"), s("too long")),
            add(text(d("big")), text(d("big"))),
            mem(d("obj"), "k"),
        ];
        for expr in cases {
            let expected = eval(&expr, &scope).map(into_text);
            let mut out = String::new();
            let written = write_text_of(&expr, &scope, &mut out).map(|()| out);
            assert_eq!(written, expected, "{expr:?}");
        }
    }

    #[test]
    fn val_conversions() {
        assert_eq!(Val::Undefined.into_json(), None);
        assert_eq!(Val::Number(2.0).into_json(), Some(json!(2)));
        assert_eq!(Val::Number(f64::INFINITY).into_json(), Some(Value::Null));
        assert_eq!(Val::Number(2.0).as_f64(), Some(2.0));
        assert_eq!(lit(json!(2.5)).as_f64(), Some(2.5));
        assert_eq!(lit(json!("2")).as_f64(), None);
        assert_eq!(Val::Number(1.0).as_json(), None);
        assert_eq!(Val::from(json!(1)).as_json(), Some(&json!(1)));
    }
}
