//! App-controlled text made safe for an operator's terminal.
//!
//! Log lines, stdout and stderr, page data, error messages and manifest
//! fields are written by the app. Printed as they are, an escape sequence
//! retitles or clears the terminal, a bidi override reorders what the
//! operator reads, and a line break starts a line that looks exactly like one
//! the host printed. [`printable`] makes a string safe for one line of text
//! and [`json_line`] does the same for one line of JSON; both keep every
//! character, so nothing the app wrote is lost, only escaped.
//!
//! The characters escaped are those of [`is_unsafe`]: C0 controls (line
//! breaks and tabs included), DEL, C1 controls, the Unicode line and
//! paragraph separators, bidi embeddings, overrides, isolates and marks, and
//! the invisible format characters (zero-width spaces and joiners, word
//! joiner, invisible operators, byte order mark) that can disguise text.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// Whether `c` may not reach a terminal as it is: it moves the cursor,
/// starts an escape sequence, breaks the line, reorders or hides text.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        // C0 controls (\t \n \r ESC ...), DEL, C1 controls (CSI U+009B ...).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Arabic letter mark (a bidi mark).
        | '\u{61c}'
        // Zero-width space, non-joiner and joiner, left-to-right and
        // right-to-left marks.
        | '\u{200b}'..='\u{200f}'
        // Line and paragraph separators; bidi embeddings and overrides.
        | '\u{2028}'..='\u{202e}'
        // Word joiner, invisible operators, bidi isolates, deprecated
        // format characters.
        | '\u{2060}'..='\u{206f}'
        // Byte order mark (zero-width no-break space).
        | '\u{feff}')
}

/// `text` made safe for one terminal line.
///
/// Every [unsafe](is_unsafe) character is replaced by a visible escape:
/// `\n`, `\r` and `\t` for those three, `\x1b` style for the other C0
/// controls and DEL, `\u{9b}` style for the rest. The backslash itself
/// becomes `\\`, so an app cannot print a literal `\n` that reads like an
/// escape: the output stands for exactly one input. Text with neither is
/// returned as it is, without copying.
///
/// ```
/// use miniapp_runtime::text::printable;
/// assert_eq!(printable("plain"), "plain");
/// assert_eq!(printable("a\nb\x1b[2J\u{202e}\\"), r"a\nb\x1b[2J\u{202e}\\");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, r"\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, r"\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `value` as compact JSON on one line, safe for a terminal.
///
/// Beyond what JSON requires (quotes, backslashes and C0 controls are
/// escaped by serde_json), every other [unsafe](is_unsafe) character in a
/// string or key is written as a `\uXXXX` escape. The line is valid JSON
/// and parses back to the same value.
///
/// ```
/// use miniapp_runtime::text::json_line;
/// let value = serde_json::json!({"m": "\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}"});
/// assert_eq!(json_line(&value), r#"{"m":"\u001b]0;pwned\u0007\u009b2J\u202e"}"#);
/// ```
pub fn json_line(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SafeFormatter);
    value
        .serialize(&mut serializer)
        .expect("a JSON value always serializes into memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// `text` cut to at most `max` bytes at a character boundary, followed by
/// `... (N bytes)` saying how long it was; unchanged if it fits.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}... ({} bytes)", &text[..end], text.len()))
}

/// serde_json's compact formatter, escaping the unsafe characters serde_json
/// leaves as they are.
struct SafeFormatter;

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has already escaped `"`, `\` and C0 controls out of the
        // fragments it hands over; everything left unsafe is in the BMP.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "hello, 世界 — ok (\"quoted\") 👋";
        assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(printable("a\nb\rc\td"), r"a\nb\rc\td");
        assert_eq!(printable("\x1b]0;pwned\x07"), r"\x1b]0;pwned\x07");
        assert_eq!(printable("\x1b[2J\x00\x7f"), r"\x1b[2J\x00\x7f");
        assert_eq!(printable("\u{9b}2J\u{80}\u{9f}"), r"\u{9b}2J\u{80}\u{9f}");
    }

    #[test]
    fn separators_bidi_and_invisible_characters_are_escaped() {
        assert_eq!(printable("a\u{2028}b\u{2029}"), r"a\u{2028}b\u{2029}");
        assert_eq!(
            printable("\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}"),
            r"\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}"
        );
        assert_eq!(
            printable("\u{2066}\u{2067}\u{2068}\u{2069}"),
            r"\u{2066}\u{2067}\u{2068}\u{2069}"
        );
        assert_eq!(
            printable("x\u{200b}\u{200c}\u{200d}\u{200e}\u{200f}\u{feff}\u{61c}\u{2060}"),
            r"x\u{200b}\u{200c}\u{200d}\u{200e}\u{200f}\u{feff}\u{61c}\u{2060}"
        );
    }

    #[test]
    fn backslash_is_escaped_so_escapes_are_unambiguous() {
        // A literal backslash-n and a real line break print differently.
        assert_eq!(printable(r"a\nb"), r"a\\nb");
        assert_eq!(printable("a\nb"), r"a\nb");
        assert_eq!(printable(r"\x1b"), r"\\x1b");
    }

    #[test]
    fn a_multi_line_message_cannot_start_a_host_line() {
        let forged = "ok\n== event index:add\n   data  {\"forged\":true}\r\nerror: boom";
        let out = printable(forged);
        assert_eq!(out.lines().count(), 1);
        assert_eq!(
            out,
            r#"ok\n== event index:add\n   data  {"forged":true}\r\nerror: boom"#
        );
    }

    #[test]
    fn no_unsafe_character_survives_printable() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = printable(&all);
        assert!(!out.chars().any(is_unsafe), "{out}");
    }

    #[test]
    fn json_line_escapes_what_serde_json_leaves() {
        let value = json!({
            "\u{1b}]0;pwned\u{7}": "\u{9b}2J\u{202e}evil\u{2028}\u{7f}\u{feff}",
            "list": ["a\nb", "\\", "é 世 👋"],
        });
        assert_eq!(
            json_line(&value),
            r#"{"\u001b]0;pwned\u0007":"\u009b2J\u202eevil\u2028\u007f\ufeff","list":["a\nb","\\","é 世 👋"]}"#
        );
    }

    #[test]
    fn json_line_round_trips_to_the_same_value() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let value = json!({
            "all": all,
            all.clone(): [1, 2.5, null, true, {"nested": "\u{2066}x\u{2069}"}],
            "forged": "x\n== event index:add\n   data  {\"forged\":true}",
        });
        let line = json_line(&value);
        assert!(!line.chars().any(is_unsafe), "{line}");
        assert!(!line.contains('\n'));
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed, value);
    }

    #[test]
    fn json_line_of_safe_values_is_serde_jsons_compact_output() {
        let value = json!({"a": [1, "two", {"b": null}], "c": "d\"e"});
        assert_eq!(json_line(&value), value.to_string());
    }
}
