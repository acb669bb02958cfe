//! Everything `miniapp` prints goes through here.
//!
//! Most of what the CLI prints holds text an app controls: log lines,
//! stdout and stderr, page data, manifest fields, error messages, trap and
//! quarantine reasons. Each function prints exactly one line with every
//! control, bidi and invisible format character escaped (see
//! [`miniapp_runtime::text`]), so nothing reaches the terminal raw and no
//! app text can start a line that looks like the host's. The crate's
//! `clippy.toml` forbids `println!` and friends elsewhere, so a new print
//! cannot skip this.
#![allow(
    clippy::disallowed_macros,
    reason = "the one place that writes to stdout and stderr"
)]

use std::io::Write;

use miniapp_runtime::text::{json_line, printable};
use serde_json::Value;

/// Write one line to stdout. A closed stdout (the reader left, as `| head`
/// does) is not an error worth dying for: the line is dropped.
fn out(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Write one line to stderr, dropped if stderr is closed.
fn err(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Print `text` as one line of stdout, its line breaks and controls escaped.
pub fn line(text: impl AsRef<str>) {
    out(format_args!("{}", printable(text.as_ref())));
}

/// Print `value` as one line of compact, terminal-safe JSON on stdout.
pub fn json(value: &Value) {
    out(format_args!("{}", json_line(value)));
}

/// Print `label` (escaped as by [`line`]) followed by `value` as
/// terminal-safe JSON, on one line of stdout.
pub fn labelled_json(label: &str, value: &Value) {
    out(format_args!("{}{}", printable(label), json_line(value)));
}

/// Print `text` as one line of stderr, its line breaks and controls escaped.
pub fn error_line(text: impl AsRef<str>) {
    err(format_args!("{}", printable(text.as_ref())));
}

/// Print a JSON document the host generated from its own types (a JSON
/// schema), pretty, on stdout. Never for app text: only its strings'
/// C0 controls are escaped (by JSON itself).
pub fn host_json_document(value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    out(format_args!("{text}"));
}
