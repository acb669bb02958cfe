//! `docs/components.md`: the built-in components table as a page.

use std::fmt::Write;

use super::{Attribute, Effect, EventSupport, Kind, table};

/// The components page: every component on WeChat's list, each drawn (with
/// its attributes and events, and what each does here) or refused (with
/// why). `MINIAPP_BLESS=1 cargo test -p miniapp-view --lib builtins` writes
/// it to `docs/components.md`.
pub fn page() -> String {
    let mut out = String::from(
        "<!-- Generated from view/src/builtins/table.rs by \
         `MINIAPP_BLESS=1 cargo test -p miniapp-view --lib builtins`; do not edit. -->\n\n\
         # Built-in components\n\n\
         Every component on WeChat's list, as this host treats it. A template may use the \
         components under *Drawn* with the attributes and events listed (WeChat's names). An \
         attribute WeChat does not document for a component is a build warning naming \
         `file:line:col` and the closest documented one, and is dropped; a static value of the \
         wrong kind (a number, one of a list) is an error. Values under *here*: **drawn** (into \
         the page's HTML as the attribute named), host (kept in the page's tree, not the HTML, \
         with what the host does with it; some are not acted on yet, and say so), or *no \
         effect* (accepted, with why a browser has no use for it).\n\n",
    );
    out.push_str("## Every component\n\n| attribute | kind | here |\n|---|---|---|\n");
    for attribute in table::COMMON {
        row(attribute, &mut out);
    }
    row(
        &Attribute {
            name: "aria-*",
            kind: Kind::Text,
            effect: table::ARIA,
        },
        &mut out,
    );
    out.push('\n');
    out.push_str("Events on every component:\n\n");
    for name in super::common_events() {
        event_line(name, &mut out);
    }
    out.push_str("\n## Drawn\n\n");
    for builtin in table::BUILTINS {
        let (tag, fixed) = builtin.html;
        let _ = writeln!(
            out,
            "### `{}`\n\nDrawn as `<{tag}{fixed}>`.\n",
            builtin.name
        );
        if table::INLINE.contains(&builtin.name) {
            out.push_str(
                "Inline text, inert: only the attributes and events every component takes \
                 (an `href` is warned of and dropped).\n\n",
            );
        }
        if !builtin.attributes.is_empty() {
            out.push_str("| attribute | kind | here |\n|---|---|---|\n");
            for attribute in builtin.attributes {
                row(attribute, &mut out);
            }
            out.push('\n');
        }
        if !builtin.events.is_empty() {
            out.push_str("Events:\n\n");
            for name in builtin.events {
                event_line(name, &mut out);
            }
            out.push('\n');
        }
    }
    out.push_str("## Refused\n\n| component | why |\n|---|---|\n");
    for refused in table::REFUSED {
        let _ = writeln!(out, "| `{}` | {} |", refused.name, refused.why);
    }
    out
}

fn row(attribute: &Attribute, out: &mut String) {
    let kind = match attribute.kind {
        Kind::Bool => "bool".to_string(),
        Kind::Flag => "bool, on by default".to_string(),
        Kind::Number => "number".to_string(),
        Kind::Text => "text".to_string(),
        Kind::Url => "url (package path or declared origin)".to_string(),
        Kind::Json => "object (a binding)".to_string(),
        Kind::Color => "colour".to_string(),
        Kind::OneOf(values) => format!("one of `{}`", values.join("`, `")),
    };
    let here = match attribute.effect {
        Effect::Drawn(html) => format!("**drawn** as `{html}`"),
        Effect::Host(what) => format!("host: {what}"),
        Effect::NoEffect(why) => format!("*no effect*: {why}"),
    };
    let _ = writeln!(out, "| `{}` | {kind} | {here} |", attribute.name);
}

fn event_line(name: &str, out: &mut String) {
    let support = super::support(name);
    let here = match support {
        EventSupport::Delivered => "delivered".to_string(),
        EventSupport::Silent(why) => format!("accepted, never fired: {why}"),
        EventSupport::NotYet => "refused: not supported yet".to_string(),
    };
    let _ = writeln!(out, "- `bind{name}`: {here}");
}
