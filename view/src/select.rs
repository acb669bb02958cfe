//! Finding elements of a rendered page by a CSS-like selector, as tools and
//! tests name them: `#id`, `.class`, `tag`, `tag.class`, and
//! `tag:nth-of-type(n)` (1-based, among the element's siblings of that tag);
//! and the component instances WeChat's selectors ([`query`], as
//! `createSelectorQuery` takes them) name (`selectComponent`).

pub mod query;

use crate::component::InstanceKey;
use crate::render::{Tree, VElement, VNode};

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    tag: Option<String>,
    id: Option<String>,
    classes: Vec<String>,
    nth_of_type: Option<usize>,
}

impl Selector {
    /// Parse `#id`, `.class`, `tag`, `tag.class.other`, `tag:nth-of-type(n)`.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let bad = || {
            format!(
                "`{text}` is not a selector like `#id`, `.class`, `tag` or `tag:nth-of-type(2)`"
            )
        };
        let (simple, nth) = match text.split_once(":nth-of-type(") {
            Some((simple, rest)) => {
                let n = rest
                    .strip_suffix(')')
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(bad)?;
                (simple, Some(n))
            }
            None => (text, None),
        };
        let mut selector = Selector {
            tag: None,
            id: None,
            classes: Vec::new(),
            nth_of_type: nth,
        };
        let name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let mut rest = simple.trim();
        let tag_end = rest.find(['#', '.']).unwrap_or(rest.len());
        if tag_end > 0 {
            if !name(&rest[..tag_end]) {
                return Err(bad());
            }
            selector.tag = Some(rest[..tag_end].to_string());
        }
        rest = &rest[tag_end..];
        while !rest.is_empty() {
            let (kind, body) = rest.split_at(1);
            let end = body.find(['#', '.']).unwrap_or(body.len());
            let part = &body[..end];
            if !name(part) {
                return Err(bad());
            }
            match kind {
                "#" => selector.id = Some(part.to_string()),
                _ => selector.classes.push(part.to_string()),
            }
            rest = &body[end..];
        }
        if selector
            == (Selector {
                tag: None,
                id: None,
                classes: Vec::new(),
                nth_of_type: nth,
            })
        {
            return Err(bad());
        }
        if nth.is_some() && selector.tag.is_none() {
            return Err(bad());
        }
        Ok(selector)
    }

    fn matches(&self, element: &VElement, nth_of_type: usize) -> bool {
        let attr = |name: &str| {
            element
                .attrs
                .iter()
                .find(|(n, _)| &**n == name)
                .map(|(_, v)| &**v)
        };
        self.tag
            .as_ref()
            .is_none_or(|t| *t == crate::html::component_name(element))
            && self
                .id
                .as_ref()
                .is_none_or(|id| attr("id") == Some(id.as_str()))
            && self.classes.iter().all(|c| {
                attr("class").is_some_and(|classes| {
                    classes
                        .split_whitespace()
                        .any(|x| x == c || unscoped(x) == Some(c.as_str()))
                })
            })
            && self.nth_of_type.is_none_or(|n| n == nth_of_type)
    }

    /// The first element of `tree` it matches, in document order.
    pub fn find<'t>(&self, tree: &'t Tree) -> Option<&'t VElement> {
        find(self, &tree.nodes)
    }
}

fn find<'t>(selector: &Selector, nodes: &'t [VNode]) -> Option<&'t VElement> {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for node in nodes {
        let VNode::Element(element) = node else {
            continue;
        };
        let count = match seen.iter_mut().find(|(t, _)| *t == element.tag) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                seen.push((element.tag, 1));
                1
            }
        };
        if selector.matches(element, count) {
            return Some(element);
        }
        if let Some(found) = find(selector, &element.children) {
            return Some(found);
        }
    }
    None
}

/// A class as its template wrote it, when it is scoped to a component
/// (`c-components_card_card--title` is `title`; a page's `btn--primary`
/// is no scoped class).
fn unscoped(class: &str) -> Option<&str> {
    let scoped = class.strip_prefix("c-")?;
    scoped.split_once("--").map(|(_, name)| name)
}

/// The component instances `selector` (WeChat's, [`query::Selector`])
/// matches among the hosts the template of `scope` drew (`None`: the
/// page's), in document order: the first, or `all`. WeChat's
/// `selectComponent` and `selectAllComponents`.
pub fn components(
    tree: &Tree,
    scope: Option<&InstanceKey>,
    selector: &str,
    all: bool,
) -> Result<Vec<InstanceKey>, String> {
    /// `reached`: what the selector reached at each ancestor of `nodes`
    /// that `scope`'s template drew.
    fn walk(
        selector: &query::Selector,
        scope: Option<&InstanceKey>,
        nodes: &[VNode],
        all: bool,
        reached: &mut Vec<query::Reach>,
        out: &mut Vec<InstanceKey>,
    ) {
        for node in nodes {
            if !all && !out.is_empty() {
                return;
            }
            let VNode::Element(element) = node else {
                continue;
            };
            let drawn = element.owner.as_ref() == scope;
            if drawn {
                reached.push(selector.reach(reached.last(), element));
            }
            if let Some(host) = &element.host
                && drawn
                && reached.last().is_some_and(query::Reach::matched)
            {
                out.push(host.key.clone());
            }
            walk(selector, scope, &element.children, all, reached, out);
            if drawn {
                reached.pop();
            }
        }
    }
    let selector = query::Selector::parse(selector)?;
    let mut out = Vec::new();
    walk(
        &selector,
        scope,
        &tree.nodes,
        all,
        &mut Vec::new(),
        &mut out,
    );
    Ok(out)
}

/// The page as readable text: one line an element (`tag#id.class`) or text
/// (`"…"`), indented by depth.
pub fn outline(tree: &Tree) -> Vec<String> {
    fn walk(nodes: &[VNode], depth: usize, out: &mut Vec<String>) {
        for node in nodes {
            let indent = "  ".repeat(depth);
            match node {
                VNode::Text(text) => out.push(format!("{indent}{:?}", text.text)),
                VNode::Element(e) => {
                    let mut line = format!("{indent}{}", crate::html::component_name(e));
                    for (name, value) in &e.attrs {
                        match &**name {
                            "id" => line.push_str(&format!("#{value}")),
                            "class" => {
                                for class in value.split_whitespace() {
                                    line.push_str(&format!(".{class}"));
                                }
                            }
                            "style" => {}
                            // Headless, an animation shows where it ends.
                            "animation" => line.push_str(&format!(
                                " [animation={:?}]",
                                crate::animation::final_style(value)
                            )),
                            _ if value.is_empty() => line.push_str(&format!(" [{name}]")),
                            _ => line.push_str(&format!(" [{name}={value:?}]")),
                        }
                    }
                    out.push(line);
                    walk(&e.children, depth + 1, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&tree.nodes, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::rendered;

    fn tree() -> Tree {
        rendered(
            r#"<view id="top" class="a b"><text>one</text><text class="x">two</text><button disabled="{{true}}">go</button></view>"#,
            &json!({}),
        )
    }

    #[test]
    fn selectors_find_elements() {
        let tree = tree();
        let tag = |s: &str| Selector::parse(s).unwrap().find(&tree).map(|e| e.id);
        assert_eq!(tag("#top"), Some(1));
        assert_eq!(tag("view.a.b"), Some(1));
        assert_eq!(tag(".x"), tag("text:nth-of-type(2)"));
        assert_eq!(tag("text"), tag("text:nth-of-type(1)"));
        assert_eq!(tag("text:nth-of-type(3)"), None);
        assert_eq!(tag("button"), Some(6));
        for bad in [
            "",
            "#",
            ".a b",
            ":nth-of-type(1)",
            "text:nth-of-type(0)",
            "a>b",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_outline_reads_like_the_page() {
        assert_eq!(
            outline(&tree()),
            [
                "view#top.a.b",
                "  text",
                "    \"one\"",
                "  text.x",
                "    \"two\"",
                "  button [disabled]",
                "    \"go\""
            ]
        );
    }
}
