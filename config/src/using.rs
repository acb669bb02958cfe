//! `usingComponents`, in `app.json` (every page and component), a page's
//! json and a component's own json (`"component": true`): each tag a
//! template may write, with the path of its component (`/components/card/card`,
//! `./card`, `../item/item`, `card`). The paths are resolved against the
//! package by the runtime's view check, which places its errors at the
//! entry read here.

use serde_json::Value;

use crate::app_json::{ConfigError, Reader};
use crate::json_pos::join;

/// Most entries one `usingComponents` holds.
pub const MAX_USING: usize = 256;

/// One `usingComponents` entry: a tag and the path it names, at its place
/// in its json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Using {
    /// The tag templates write (`my-card`).
    pub tag: String,
    /// The path as written (`/components/card/card`).
    pub path: String,
    /// The json file it is in (`pages/index.json`).
    pub file: String,
    /// Line of its value, from 1.
    pub line: usize,
    /// Column of its value, from 1.
    pub col: usize,
}

impl Using {
    /// An error about this entry, at its value's place.
    pub fn error(&self, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: self.line,
            col: self.col,
            message,
        }
    }
}

/// Whether `tag` can name a custom component: a letter, then letters,
/// digits, `-` and `_`, at most 64.
pub fn is_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        && tag.len() <= 64
}

/// Read the `usingComponents` object at `path` of `reader`'s file.
pub(crate) fn read(reader: &Reader, path: &str, value: &Value) -> Result<Vec<Using>, ConfigError> {
    let Value::Object(entries) = value else {
        return Err(reader.value_error(
            path,
            "`usingComponents` must be an object of tags and component paths".into(),
        ));
    };
    if entries.len() > MAX_USING {
        return Err(reader.value_error(
            path,
            format!(
                "`usingComponents` has {} entries, over the limit of {MAX_USING}",
                entries.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (tag, target) in entries {
        let at = join(path, tag);
        if !is_tag(tag) {
            return Err(reader.key_error(
                &at,
                format!(
                    "`{tag}` is not a component tag (a letter, then letters, digits, `-` and `_`)"
                ),
            ));
        }
        let Value::String(target) = target else {
            return Err(reader.value_error(&at, format!("the path of `{tag}` must be a string")));
        };
        if target.is_empty() || target.contains(['\\', '?', '#']) || target.ends_with('/') {
            return Err(reader.value_error(
                &at,
                format!("`{target}` is not a component path like `/components/card/card`"),
            ));
        }
        if target.starts_with("plugin://") || target.starts_with("plugin-private://") {
            return Err(reader.value_error(
                &at,
                format!("`{target}`: plugin components are not supported yet"),
            ));
        }
        let pos = reader.at.value(&at);
        out.push(Using {
            tag: tag.clone(),
            path: target.clone(),
            file: reader.file().to_string(),
            line: pos.line,
            col: pos.col,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageConfig;

    #[test]
    fn entries_are_read_with_their_places() {
        let text = "{\n  \"usingComponents\": {\n    \"my-card\": \"/components/card/card\",\n    \"row\": \"../row/row\"\n  }\n}";
        let page = PageConfig::parse("pages/index.json", text).unwrap();
        assert_eq!(
            page.using,
            [
                Using {
                    tag: "my-card".into(),
                    path: "/components/card/card".into(),
                    file: "pages/index.json".into(),
                    line: 3,
                    col: 16,
                },
                Using {
                    tag: "row".into(),
                    path: "../row/row".into(),
                    file: "pages/index.json".into(),
                    line: 4,
                    col: 12,
                },
            ]
        );
    }

    #[test]
    fn bad_entries_are_refused_at_their_place() {
        let refused = |using: &str| {
            let text = format!("{{\"usingComponents\": {using}}}");
            PageConfig::parse("pages/a.json", &text)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused("[]"),
            "pages/a.json:1:21: `usingComponents` must be an object of tags and component paths"
        );
        assert_eq!(
            refused(r#"{"9card": "/c/c"}"#),
            "pages/a.json:1:22: `9card` is not a component tag (a letter, then letters, digits, `-` and `_`)"
        );
        assert_eq!(
            refused(r#"{"card": 3}"#),
            "pages/a.json:1:30: the path of `card` must be a string"
        );
        assert_eq!(
            refused(r#"{"card": "c/"}"#),
            "pages/a.json:1:30: `c/` is not a component path like `/components/card/card`"
        );
        assert_eq!(
            refused(r#"{"card": "plugin://x/y"}"#),
            "pages/a.json:1:30: `plugin://x/y`: plugin components are not supported yet"
        );
    }

    #[test]
    fn a_component_json_must_say_it_is_one() {
        use crate::ComponentConfig;
        let text = r#"{"component": true, "styleIsolation": "apply-shared", "usingComponents": {"row": "./row"}}"#;
        let config = ComponentConfig::parse("components/list/list.json", text).unwrap();
        assert_eq!(config.style_isolation.as_deref(), Some("apply-shared"));
        assert_eq!(config.using[0].path, "./row");
        let refused = |text: &str| {
            ComponentConfig::parse("components/c/c.json", text)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused(r#"{"usingComponents": {}}"#),
            "components/c/c.json:1:1: a component's json must say `\"component\": true`"
        );
        assert_eq!(
            refused(r#"{"component": true, "styleIsolation": "open"}"#),
            "components/c/c.json:1:39: `styleIsolation` must be `isolated` or `apply-shared` or `shared` or `page-isolated` or `page-apply-shared` or `page-shared`, not `open`"
        );
        assert_eq!(
            refused(r#"{"component": true, "componentGenerics": {}}"#),
            "components/c/c.json:1:21: `componentGenerics` is not supported yet"
        );
        assert_eq!(
            refused(r#"{"component": true, "usingComponent": {}}"#),
            "components/c/c.json:1:21: unknown key `usingComponent`: did you mean `usingComponents`?"
        );
    }
}
