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
    /// the root of the template that draws it) matches.
    pub fn matches(&self, path: &[&VElement]) -> bool {
        self.0.iter().any(|chain| matches_chain(chain, path))
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

/// Whether `chain` matches the last of `path`, its ancestors before it.
fn matches_chain(chain: &[(Joined, Compound)], path: &[&VElement]) -> bool {
    let Some(((joined, last), outer)) = chain.split_last() else {
        return true;
    };
    let Some((element, ancestors)) = path.split_last() else {
        return false;
    };
    if !last.matches(element) {
        return false;
    }
    if outer.is_empty() {
        return true;
    }
    match joined {
        Joined::Child => matches_chain(outer, ancestors),
        Joined::Descendant => (1..=ancestors.len()).any(|n| matches_chain(outer, &ancestors[..n])),
    }
}

#[cfg(test)]
mod tests {
    use super::Selector;

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
