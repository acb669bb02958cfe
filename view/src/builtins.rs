//! The built-in components: for each one the host draws, the attributes and
//! events WeChat documents for it, what kind of value each attribute takes
//! and what it does here (drawn into the HTML, read by the host, or of no
//! effect in a browser, and why); for each other component on WeChat's
//! list, why it is refused. Parsing ([`mod@crate::parse`]), the HTML
//! ([`crate::html`]), the simulator's allowlists (checked by a test) and
//! `docs/components.md` (rendered by [`page`]) all read this one table
//! (`builtins/table.rs`).

mod table;

/// The components a template may use: WeChat's built-ins the host draws,
/// and the HTML-like `span`, `i` and `a` (inline text, inert).
pub const COMPONENTS: &[&str] = &[
    "view",
    "scroll-view",
    "swiper",
    "swiper-item",
    "movable-area",
    "movable-view",
    "icon",
    "text",
    "progress",
    "button",
    "checkbox",
    "checkbox-group",
    "form",
    "input",
    "label",
    "picker",
    "picker-view",
    "picker-view-column",
    "radio",
    "radio-group",
    "slider",
    "switch",
    "textarea",
    "navigator",
    "image",
    "rich-text",
    "video",
    "audio",
    "cover-view",
    "cover-image",
    "page-meta",
    "navigation-bar",
    "match-media",
    "page-container",
    "root-portal",
    "span",
    "i",
    "a",
];

/// Events a template may bind on any component, which the host delivers;
/// the first six (tap, longpress and the touches) are those every component
/// fires (they bubble).
pub const EVENTS: &[&str] = &[
    "tap",
    "longpress",
    "touchstart",
    "touchmove",
    "touchend",
    "touchcancel",
    "input",
    "focus",
    "blur",
    "confirm",
    "change",
    "changing",
    "submit",
    "reset",
    "scroll",
    "scrolltoupper",
    "scrolltolower",
    "linechange",
    "load",
    "error",
    "transition",
    "animationfinish",
    "pickstart",
    "pickend",
    "scale",
    "htouchmove",
    "vtouchmove",
    "columnchange",
    "cancel",
    "play",
    "pause",
    "ended",
    "timeupdate",
    "waiting",
    "loadedmetadata",
    "progress",
    "seekcomplete",
    "fullscreenchange",
    "dragstart",
    "dragging",
    "dragend",
    "refresherpulling",
    "refresherrefresh",
    "refresherrestore",
    "refresherabort",
    "beforeenter",
    "enter",
    "afterenter",
    "beforeleave",
    "leave",
    "afterleave",
    "clickoverlay",
];

/// How many of [`EVENTS`] come first as the touch and tap events every
/// component fires.
const TOUCH_EVENTS: usize = 6;

/// The events WeChat documents on every component.
fn common_events() -> impl Iterator<Item = &'static str> {
    (EVENTS[..TOUCH_EVENTS].iter())
        .chain(table::MORE_COMMON_EVENTS)
        .copied()
}

/// The kind of value an attribute takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Present or absent (`disabled`, `hidden="{{x}}"`).
    Bool,
    /// A flag WeChat turns on by default (a video's `controls`): rendered
    /// `"true"`, or `"false"` when bound to a false value.
    Flag,
    /// A number (`maxlength="140"`).
    Number,
    /// Any text.
    Text,
    /// A URL: a package path or a declared origin (checked at render).
    Url,
    /// An object or array, from a binding.
    Json,
    /// A CSS colour.
    Color,
    /// One of these values.
    OneOf(&'static [&'static str]),
}

/// What a documented attribute does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Written into the HTML as this attribute, for the page to draw.
    Drawn(&'static str),
    /// Kept in the page's tree, not in the HTML; what the host does with it.
    Host(&'static str),
    /// Accepted but of no effect in a browser, and why.
    NoEffect(&'static str),
}

/// A documented attribute of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// Its WXML name (`cursor-spacing`).
    pub name: &'static str,
    /// The value it takes.
    pub kind: Kind,
    /// What it does here.
    pub effect: Effect,
}

/// A built-in component the host draws.
#[derive(Debug)]
pub struct Builtin {
    /// Its tag (`scroll-view`).
    pub name: &'static str,
    /// The HTML element it is drawn with, and that element's fixed
    /// attributes (` type="checkbox"`).
    pub html: (&'static str, &'static str),
    /// Its documented attributes beyond [`common_attributes`].
    pub attributes: &'static [Attribute],
    /// Its documented events beyond the touch and tap ones every
    /// component fires.
    pub events: &'static [&'static str],
}

/// A component on WeChat's list that the host refuses.
#[derive(Debug)]
pub struct Refused {
    /// Its tag.
    pub name: &'static str,
    /// Why it is refused.
    pub why: &'static str,
}

/// How the host treats a documented event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSupport {
    /// Delivered to its handler.
    Delivered,
    /// Accepted, but no browser fires it, and why.
    Silent(&'static str),
    /// Documented, and not built yet: refused.
    NotYet,
}

/// The built-in component `name`, if the host draws it.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    table::BUILTINS.iter().find(|b| b.name == name)
}

/// Every built-in component the host draws.
pub fn builtins() -> &'static [Builtin] {
    table::BUILTINS
}

/// Why the host refuses `name`, if it is one of WeChat's components it
/// does not draw.
pub fn refused(name: &str) -> Option<&'static Refused> {
    table::REFUSED.iter().find(|r| r.name == name)
}

/// The attributes every component takes (`id`, `class`, `style`,
/// `hidden`...); `aria-*` ones beyond them are accepted too
/// ([`attribute`]).
pub fn common_attributes() -> &'static [Attribute] {
    table::COMMON
}

/// The documented attribute `name` of `builtin`: its own, a common one, or
/// one of WeChat's `aria-*` accessibility attributes; `None` if WeChat does
/// not document it there.
pub fn attribute(builtin: &Builtin, name: &str) -> Option<Attribute> {
    let own = builtin.attributes.iter().chain(table::COMMON);
    if let Some(found) = own.copied().find(|a| a.name == name) {
        return Some(found);
    }
    let aria = name
        .strip_prefix("aria-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase()));
    aria.then_some(Attribute {
        name: "aria-*",
        kind: Kind::Text,
        effect: table::ARIA,
    })
}

/// How the host treats event `name` bound on `builtin`; `None` if WeChat
/// does not document it there.
pub fn event(builtin: &Builtin, name: &str) -> Option<EventSupport> {
    if table::INLINE.contains(&builtin.name) {
        return common_events().any(|e| e == name).then(|| support(name));
    }
    let documented = EVENTS.contains(&name)
        || builtin.events.contains(&name)
        || common_events().any(|e| e == name);
    documented.then(|| support(name))
}

/// The events the host delivers on `builtin`, for an error's "expected".
pub fn delivered_events(builtin: &Builtin) -> Vec<&'static str> {
    let inline = table::INLINE.contains(&builtin.name);
    let each = EVENTS.iter().copied();
    each.filter(|e| !inline || common_events().any(|c| c == *e))
        .collect()
}

/// How the host treats the documented event `name`.
fn support(name: &str) -> EventSupport {
    if EVENTS.contains(&name) || crate::events::OPEN_TYPE_EVENTS.contains(&name) {
        return EventSupport::Delivered;
    }
    match table::SILENT_EVENTS.iter().find(|(e, _)| *e == name) {
        Some((_, why)) => EventSupport::Silent(why),
        None => EventSupport::NotYet,
    }
}

/// The HTML element component `tag` is drawn with, and its fixed
/// attributes.
pub(crate) fn html_tag(tag: &str) -> (&'static str, &'static str) {
    if let Some(rich) = crate::rich_text::html_tag(tag) {
        return (rich, "");
    }
    builtin(tag).map_or(("div", ""), |b| b.html)
}

/// The HTML name of attribute `name` of component `tag`, or `None` to keep
/// it host-side.
pub(crate) fn html_attribute(tag: &str, name: &str) -> Option<&'static str> {
    if crate::rich_text::html_tag(tag).is_some() {
        return crate::rich_text::html_attribute(name);
    }
    match name {
        "id" => return Some("id"),
        "class" => return Some("class"),
        "style" => return Some("style"),
        "hidden" => return Some("hidden"),
        "animation" if !crate::safety::is_flag(tag, name) => return Some("data-animation"),
        _ => {}
    }
    match attribute(builtin(tag)?, name)?.effect {
        Effect::Drawn(html) => Some(html),
        Effect::Host(_) | Effect::NoEffect(_) => None,
    }
}

/// Whether the static value `value` fits `kind`; if not, what it should be.
pub fn check_value(kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Number if value.trim().parse::<f64>().is_err() => {
            Err(format!("`{value}` is not a number"))
        }
        Kind::OneOf(values) if !values.contains(&value) => {
            Err(format!("`{value}` is not one of: {}", values.join(", ")))
        }
        _ => Ok(()),
    }
}

/// Why the host refuses the static value `value` of attribute `name` on
/// `<tag>`, if it does (a `<button open-type>` whose flow it does not run).
pub fn refused_value(tag: &str, name: &str, value: &str) -> Option<&'static str> {
    if (tag, name) != ("button", "open-type") {
        return None;
    }
    let refused = table::REFUSED_OPEN_TYPES.iter().find(|(v, _)| *v == value);
    refused.map(|(_, why)| *why)
}

/// The name among `names` closest to `name` (fewest edits, at most half its
/// length), for a "did you mean".
pub fn closest<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|candidate| (edits(name, candidate), candidate))
        .filter(|(d, _)| *d <= name.len().max(2) / 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance between `a` and `b`, in bytes (names are ASCII).
fn edits(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

mod page;
pub use page::page;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod media_tests;

#[cfg(test)]
mod containers_tests;
