//! WeChat's selectors for `createSelectorQuery` and `selectComponent`:
//! compounds of a tag, `#id` and `.class`es, joined by ` ` (a descendant)
//! or `>` (a child), alternatives by `,`, matched against the elements one
//! template draws (a custom component's host by the name that template
//! gives it, a class as that template writes it).

use super::unscoped;
use crate::html::component_name;
use crate::render::VElement;

/// Characters at most in one selector.
pub const SELECTOR_CHARS: usize = 256;

/// One compound: what a single element must be.
#[derive(Debug, Default, PartialEq)]
struct Compound {
    tag: Option<String>,
    id: Option<String>,
    classes: Vec<String>,
}

/// How a compound relates to the one before it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Joined {
    Descendant,
    Child,
}

/// One alternative: compounds from the outermost, each with how it is
/// joined to the previous one (the first's join is unused).
type Chain = Vec<(Joined, Compound)>;

/// A parsed selector: its alternatives.
#[derive(Debug)]
pub struct Selector(Vec<Chain>);

impl Selector {
    /// Parse `text`, or say what in it is not a selector WeChat takes.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let chars = text.chars().count();
        if chars > SELECTOR_CHARS {
            return Err(format!(
                "the selector is {chars} characters; it takes at most {SELECTOR_CHARS}"
            ));
        }
        let chains = text.split(',').map(|alt| chain(alt, text));
        let chains = chains.collect::<Result<Vec<_>, _>>()?;
        Ok(Selector(chains))
    }

    /// Whether the last of `path` (the element, after its ancestors from
    /// the root of the template that draws it) matches: at most one check
    /// of each compound on each element of the path.
    pub fn matches(&self, path: &[&VElement]) -> bool {
        let mut reach: Option<Reach> = None;
        for element in path {
            reach = Some(self.reach(reach.as_ref(), element));
        }
        reach.is_some_and(|r| r.matched())
    }

    /// How far this selector reaches at `element`, from what it reached at
    /// its parent in the same template (`None`: it has none there). A walk
    /// down a tree keeps one a level, so matching all its elements costs
    /// the compounds times the elements (a chain of ` `s is never tried
    /// again for each way through the ancestors).
    pub fn reach(&self, parent: Option<&Reach>, element: &VElement) -> Reach {
        let chains = self.0.iter().enumerate().map(|(c, chain)| {
            let above = parent.map(|p| &p.0[c]);
            let mut here = Vec::with_capacity(chain.len());
            let mut seen = Vec::with_capacity(chain.len());
            for (i, (joined, compound)) in chain.iter().enumerate() {
                let outer_ok = i == 0
                    || above.is_some_and(|(here, seen)| match joined {
                        Joined::Child => here[i - 1],
                        Joined::Descendant => seen[i - 1],
                    });
                let matched = outer_ok && compound.matches(element);
                here.push(matched);
                seen.push(matched || above.is_some_and(|(_, seen)| seen[i]));
            }
            (here, seen)
        });
        Reach(chains.collect())
    }
}

/// What a [`Selector`] reached at one element, for each alternative: which
/// of its compounds match with their outer ones at the element itself
/// (`here`), and which at it or one of its ancestors (`seen`).
#[derive(Debug, Clone)]
pub struct Reach(Vec<(Vec<bool>, Vec<bool>)>);

impl Reach {
    /// Whether some alternative matches the element whole.
    pub fn matched(&self) -> bool {
        (self.0.iter()).any(|(here, _)| here.last().copied().unwrap_or(false))
    }
}

fn chain(alt: &str, whole: &str) -> Result<Chain, String> {
    if alt.contains(">>>") {
        return Err(format!(
            "the selector `{whole}` crosses into components with `>>>`, which is not \
             supported yet: query inside a component with `query-start-in` (WeChat's \
             `this.createSelectorQuery()` in it)"
        ));
    }
    let spaced = alt.replace('>', " > ");
    let mut chain = Chain::new();
    let mut joined = Joined::Descendant;
    for word in spaced.split_whitespace() {
        if word == ">" {
            if chain.is_empty() || joined == Joined::Child {
                return Err(format!(
                    "the selector `{whole}` has a `>` with nothing before it"
                ));
            }
            joined = Joined::Child;
            continue;
        }
        chain.push((joined, compound(word, whole)?));
        joined = Joined::Descendant;
    }
    if chain.is_empty() {
        return Err(format!("the selector `{whole}` has an empty alternative"));
    }
    if joined == Joined::Child {
        return Err(format!("the selector `{whole}` ends with `>`"));
    }
    Ok(chain)
}

fn compound(word: &str, whole: &str) -> Result<Compound, String> {
    let mut out = Compound::default();
    let starts = word.match_indices(['#', '.']).map(|(i, _)| i);
    let mut bounds: Vec<usize> = std::iter::once(0).chain(starts).collect();
    bounds.dedup();
    bounds.push(word.len());
    for pair in bounds.windows(2) {
        let part = &word[pair[0]..pair[1]];
        let (kind, name) = match part.strip_prefix('#') {
            Some(name) => ('#', name),
            None => match part.strip_prefix('.') {
                Some(name) => ('.', name),
                None => (' ', part),
            },
        };
        let named = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if name.is_empty() || !name.chars().all(named) {
            return Err(format!(
                "the selector `{whole}` holds `{part}`: it takes a tag, #id and .class names of letters, digits, - and _, joined by ` `, `>` or `,`"
            ));
        }
        match kind {
            '#' if out.id.is_some() => {
                return Err(format!("the selector `{whole}` names two ids in `{word}`"));
            }
            '#' => out.id = Some(name.to_owned()),
            '.' => out.classes.push(name.to_owned()),
            _ => out.tag = Some(name.to_owned()),
        }
    }
    Ok(out)
}

impl Compound {
    fn matches(&self, element: &VElement) -> bool {
        #[cfg(test)]
        tests::CHECKS.with(|checks| checks.set(checks.get() + 1));
        let attr = |name: &str| {
            (element.attrs.iter())
                .find(|(n, _)| &**n == name)
                .map(|(_, v)| &**v)
        };
        // A custom component's host by the name its template gives it.
        let tag = (self.tag.as_deref()).is_none_or(|t| t == component_name(element));
        let id = self.id.as_deref().is_none_or(|id| attr("id") == Some(id));
        let classes = attr("class").unwrap_or("");
        // In a component's template, a class as that template writes it.
        let inside = element.owner.is_some();
        let class = |c: &String| {
            (classes.split_whitespace())
                .map(|k| if inside { unscoped(k).unwrap_or(k) } else { k })
                .any(|k| k == c)
        };
        tag && id && self.classes.iter().all(class)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Selector;
    use crate::render::{VElement, VNode};
    use crate::testing::rendered;

    thread_local! {
        /// Compound checks made on this thread.
        pub(super) static CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// Whether `selector` matches the innermost of `classes`, each a
    /// `<view>` inside the one before, and the compound checks it took.
    fn innermost(selector: &str, classes: &[&str]) -> (bool, usize) {
        let open: String = (classes.iter())
            .map(|c| format!(r#"<view class="{c}">"#))
            .collect();
        let tree = rendered(
            &format!("{open}{}", "</view>".repeat(classes.len())),
            &json!({}),
        );
        let mut path: Vec<&VElement> = Vec::new();
        let mut nodes = &tree.nodes;
        while let Some(VNode::Element(e)) = nodes.first() {
            path.push(e);
            nodes = &e.children;
        }
        let selector = Selector::parse(selector).unwrap();
        let before = CHECKS.with(std::cell::Cell::get);
        let matched = selector.matches(&path);
        (matched, CHECKS.with(std::cell::Cell::get) - before)
    }

    #[test]
    fn descendants_are_matched_with_each_compound_checked_once_an_element() {
        // 12 compounds on 24 nested elements, the outermost matching none:
        // trying each way through the ancestors took over a million checks.
        let selector = format!(".z{}", " .a".repeat(11));
        let (matched, checks) = innermost(&selector, &["a"; 24]);
        assert!(!matched);
        assert!(checks <= 12 * 24, "{checks} checks");
        let mut classes = vec!["z"];
        classes.extend(["a"; 11]);
        let (matched, checks) = innermost(&selector, &classes);
        assert!(matched);
        assert!(checks <= 12 * 12, "{checks} checks");
        // Children and descendants mixed, where the nearest ancestor is not
        // the one that matches.
        let path = ["x", "a", "c", "a", "b"];
        assert!(innermost(".x > .a .b", &path).0);
        assert!(innermost(".x > .a > .c .b", &path).0);
        assert!(innermost(".x .c > .a > .b", &path).0);
        assert!(!innermost(".x > .c .b", &path).0);
        assert!(!innermost(".a > .a .b", &path).0);
        assert!(!innermost(".b .b", &path).0);
        assert!(innermost(".q, .x .b", &path).0);
    }

    #[test]
    fn a_descendant_across_components_is_refused_naming_the_scoped_query() {
        let refused = Selector::parse(".list >>> .item").unwrap_err();
        assert_eq!(
            refused,
            "the selector `.list >>> .item` crosses into components with `>>>`, which is not \
             supported yet: query inside a component with `query-start-in` (WeChat's \
             `this.createSelectorQuery()` in it)"
        );
        // A child of a child is not one.
        assert!(Selector::parse(".list > view > .item").is_ok());
        assert!(Selector::parse(".list >> .item").is_err());
    }
}
