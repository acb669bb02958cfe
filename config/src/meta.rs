//! What the host knows of an app's page and component logic without running
//! it: each page's handlers, and each custom component's properties, own
//! data, handlers, external classes, options, page lifetimes and relations
//! (WeChat's `Component({...})` definition, as data).
//!
//! A Rust app's SDK writes it as the wasm custom section [`SECTION`] of its
//! core module (the runtime reads it at load); a JS app's build will write
//! the same JSON as the package asset `meta.json`. Bounded
//! ([`MAX_META_BYTES`], [`MAX_DEFINITIONS`], [`MAX_NAMES`]) and strict:
//! an unknown key, a name that is not one, a name given twice or a default
//! of the wrong type is refused naming its place.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The custom section a guest's core module carries its meta in.
pub const SECTION: &str = "miniapp:meta";

/// Largest meta, bytes of JSON.
pub const MAX_META_BYTES: usize = 256 * 1024;

/// Most component definitions, and most pages, one meta describes.
pub const MAX_DEFINITIONS: usize = 512;

/// Most handlers, properties, external classes or relations of one page or
/// component.
pub const MAX_NAMES: usize = 256;

/// Longest handler, property or class name, route or component path.
pub const MAX_NAME_BYTES: usize = 256;

/// The only meta version this host reads.
pub const VERSION: u32 = 1;

/// An app's meta: its pages by route and its components by path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Always [`VERSION`].
    pub version: u32,
    /// Each page's logic, by route (`cart/cart`).
    #[serde(default)]
    pub pages: BTreeMap<String, PageMeta>,
    /// Each component's logic, by path (`components/card/card`).
    #[serde(default)]
    pub components: BTreeMap<String, ComponentMeta>,
}

/// What the host knows of a page's logic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    /// The handlers its template may bind (`bindtap="add"`).
    #[serde(default)]
    pub handlers: Vec<String>,
}

/// What the host knows of a component's logic (WeChat's `Component({...})`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentMeta {
    /// Its properties, in declaration order.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// Its own initial data (a JSON object).
    #[serde(default = "empty_object")]
    pub data: Value,
    /// The handlers its template may bind.
    #[serde(default)]
    pub handlers: Vec<String>,
    /// Classes its user may pass in (`externalClasses`).
    #[serde(default)]
    pub external_classes: Vec<String>,
    /// Its options.
    #[serde(default)]
    pub options: Options,
    /// The host page's lifetimes it listens to (`pageLifetimes`).
    #[serde(default)]
    pub page_lifetimes: Vec<PageLifetime>,
    /// Its relations to other components, by the other's path as written
    /// (`../item/item`).
    #[serde(default)]
    pub relations: BTreeMap<String, Relation>,
    /// The behaviors it mixes in (WeChat's `behaviors`), in order. [`Meta::parse`]
    /// merges their properties and handlers into the component's and
    /// leaves this empty: a name the component declares is its own, and
    /// among behaviors the later one's wins (as WeChat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<BehaviorMeta>,
    /// Whether it has WeChat's built-in behavior `wx://form-field`: a form
    /// around it submits its data's `value` under its data's `name`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub form_field: bool,
    /// The names of the behaviors it has (a relation's `target` links it
    /// by one); [`ComponentMeta::merge_behaviors`] adds its behaviors'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behavior_names: Vec<String>,
}

/// What a behavior a component mixes in adds to it (WeChat's
/// `Behavior({...})`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviorMeta {
    /// Its name, which a relation's `target` gives to link the components
    /// that have it.
    #[serde(default)]
    pub name: Option<String>,
    /// Its properties, in declaration order.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// The handlers it adds.
    #[serde(default)]
    pub handlers: Vec<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// A property of a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Property {
    /// Its name as templates write it (`title`).
    pub name: String,
    /// Its type (`null`: any).
    #[serde(rename = "type")]
    pub kind: PropertyType,
    /// Other types it accepts (`optionalTypes`).
    #[serde(default)]
    pub optional_types: Vec<PropertyType>,
    /// Its value when not given (WeChat's `value`); `null` gives the
    /// type's own default.
    #[serde(default)]
    pub default: Value,
    /// Whether its logic observes changes of it (a property `observer`).
    #[serde(default)]
    pub observer: bool,
}

/// A property's type, as WeChat names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PropertyType {
    /// Text.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A list.
    Array,
    /// Any value.
    #[serde(rename = "null")]
    Any,
}

impl PropertyType {
    /// Whether `value` is of this type.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            PropertyType::String => value.is_string(),
            PropertyType::Number => value.is_number(),
            PropertyType::Boolean => value.is_boolean(),
            PropertyType::Object => value.is_object(),
            PropertyType::Array => value.is_array(),
            PropertyType::Any => true,
        }
    }

    /// The value WeChat gives a property of this type that has no default.
    pub fn empty(self) -> Value {
        match self {
            PropertyType::String => Value::String(String::new()),
            PropertyType::Number => Value::from(0),
            PropertyType::Boolean => Value::Bool(false),
            PropertyType::Object | PropertyType::Any => Value::Null,
            PropertyType::Array => Value::Array(Vec::new()),
        }
    }
}

/// A component's options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// Whether its template has named slots.
    #[serde(default)]
    pub multiple_slots: bool,
    /// How its styles and its page's affect each other.
    #[serde(default)]
    pub style_isolation: StyleIsolation,
    /// Whether the page's styles reach it (as `apply-shared`).
    #[serde(default)]
    pub add_global_class: bool,
    /// Whether its host element is left out of the rendered page.
    #[serde(default)]
    pub virtual_host: bool,
}

/// WeChat's `styleIsolation`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StyleIsolation {
    /// Neither reaches the other (the default).
    #[default]
    Isolated,
    /// The page's styles reach the component.
    ApplyShared,
    /// Both reach each other.
    Shared,
    /// A page's own isolation (WeChat's page-level options).
    PageIsolated,
    /// As above, app styles applying.
    PageApplyShared,
    /// As above, shared.
    PageShared,
}

/// A host page lifetime a component listens to (`pageLifetimes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PageLifetime {
    /// The page was shown.
    Show,
    /// The page was hidden.
    Hide,
    /// The page's size changed.
    Resize,
}

/// A relation to another component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// How the other component stands to this one.
    #[serde(rename = "type")]
    pub kind: RelationKind,
    /// The behavior the other component has, when the relation links any
    /// component with it (WeChat's `target`) rather than the one its key
    /// names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// WeChat's relation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelationKind {
    /// The other is a direct child.
    Child,
    /// The other is the direct parent.
    Parent,
    /// The other is an ancestor.
    Ancestor,
    /// The other is a descendant.
    Descendant,
}

/// Why a meta was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// Over [`MAX_META_BYTES`].
    #[error("the app's meta is {0} bytes, over the limit of {MAX_META_BYTES} bytes")]
    TooLarge(usize),
    /// Not the JSON of a [`Meta`].
    #[error("the app's meta is not valid: {0}")]
    Malformed(String),
    /// A version this host does not read.
    #[error("the app's meta is version {0}; this host reads version {VERSION}")]
    Version(u32),
    /// Something at a place in it is wrong.
    #[error("the app's meta: {place}: {message}")]
    At {
        /// Where (`components."components/card/card".properties[1]`).
        place: String,
        /// What is wrong.
        message: String,
    },
}

impl Meta {
    /// Read and check a meta's JSON.
    pub fn parse(bytes: &[u8]) -> Result<Meta, MetaError> {
        if bytes.len() > MAX_META_BYTES {
            return Err(MetaError::TooLarge(bytes.len()));
        }
        let mut meta: Meta =
            serde_json::from_slice(bytes).map_err(|e| MetaError::Malformed(e.to_string()))?;
        for (path, component) in &mut meta.components {
            component.merge_behaviors(&format!("components.{path:?}"))?;
        }
        meta.check()?;
        Ok(meta)
    }

    /// Check what serde does not: the version, the bounds, names, and each
    /// default against its property's types.
    pub fn check(&self) -> Result<(), MetaError> {
        if self.version != VERSION {
            return Err(MetaError::Version(self.version));
        }
        for (what, count) in [
            ("pages", self.pages.len()),
            ("components", self.components.len()),
        ] {
            if count > MAX_DEFINITIONS {
                return Err(at(
                    what,
                    format!("{count} entries, over the limit of {MAX_DEFINITIONS}"),
                ));
            }
        }
        for (route, page) in &self.pages {
            let place = format!("pages.{route:?}");
            path_name(&place, route)?;
            names(
                &format!("{place}.handlers"),
                &page.handlers,
                is_handler_name,
            )?;
        }
        for (path, component) in &self.components {
            component.check(&format!("components.{path:?}"), path)?;
        }
        Ok(())
    }

    /// The handlers of page `route`; `None` if the meta does not describe it.
    pub fn page_handlers(&self, route: &str) -> Option<&[String]> {
        self.pages.get(route).map(|p| p.handlers.as_slice())
    }

    /// The component at `path`, if the meta describes it.
    pub fn component(&self, path: &str) -> Option<&ComponentMeta> {
        self.components.get(path)
    }
}

impl ComponentMeta {
    /// Merge its behaviors' properties and handlers into its own (after
    /// them, in list order), each name once: the component's own
    /// declaration wins, then the last behavior's that declares it. Each
    /// behavior's lists are checked first (a name twice in one is refused).
    pub fn merge_behaviors(&mut self, place: &str) -> Result<(), MetaError> {
        let behaviors = std::mem::take(&mut self.behaviors);
        for (i, behavior) in behaviors.iter().enumerate() {
            let place = format!("{place}.behaviors[{i}]");
            let properties: Vec<String> =
                behavior.properties.iter().map(|p| p.name.clone()).collect();
            names(&format!("{place}.properties"), &properties, is_identifier)?;
            names(
                &format!("{place}.handlers"),
                &behavior.handlers,
                is_handler_name,
            )?;
        }
        let later =
            |i: usize, has: &dyn Fn(&BehaviorMeta) -> bool| behaviors[i + 1..].iter().any(has);
        let mut properties = Vec::new();
        let mut handlers = Vec::new();
        for (i, behavior) in behaviors.iter().enumerate() {
            for property in &behavior.properties {
                let name = property.name.as_str();
                if self.property(name).is_none()
                    && !later(i, &|b| b.properties.iter().any(|p| p.name == name))
                {
                    properties.push(property.clone());
                }
            }
            for handler in &behavior.handlers {
                if !self.handlers.contains(handler) && !later(i, &|b| b.handlers.contains(handler))
                {
                    handlers.push(handler.clone());
                }
            }
        }
        self.properties.extend(properties);
        self.handlers.extend(handlers);
        (self.behavior_names).extend(behaviors.into_iter().filter_map(|b| b.name));
        Ok(())
    }

    fn check(&self, place: &str, path: &str) -> Result<(), MetaError> {
        path_name(place, path)?;
        if !self.behaviors.is_empty() {
            let message = "not merged into the component (ComponentMeta::merge_behaviors)";
            return Err(at(&format!("{place}.behaviors"), message.into()));
        }
        if !self.data.is_object() {
            return Err(at(&format!("{place}.data"), "must be a JSON object".into()));
        }
        let properties: Vec<String> = self.properties.iter().map(|p| p.name.clone()).collect();
        names(&format!("{place}.properties"), &properties, is_identifier)?;
        for (i, property) in self.properties.iter().enumerate() {
            property.check(&format!("{place}.properties[{i}]"))?;
        }
        names(
            &format!("{place}.handlers"),
            &self.handlers,
            is_handler_name,
        )?;
        let classes = &self.external_classes;
        names(&format!("{place}.externalClasses"), classes, is_class)?;
        let lifetimes: BTreeSet<_> = self.page_lifetimes.iter().collect();
        if lifetimes.len() != self.page_lifetimes.len() {
            return Err(at(
                &format!("{place}.pageLifetimes"),
                "names a lifetime twice".into(),
            ));
        }
        let behaviors = &self.behavior_names;
        names(&format!("{place}.behaviorNames"), behaviors, is_identifier)?;
        for (key, relation) in &self.relations {
            let target = relation.target.iter().cloned().collect::<Vec<_>>();
            names(
                &format!("{place}.relations.{key:?}.target"),
                &target,
                is_identifier,
            )?;
        }
        let relations: Vec<String> = self.relations.keys().cloned().collect();
        names(&format!("{place}.relations"), &relations, |p| {
            !p.is_empty() && !p.contains(['\\', '?', '#']) && !p.chars().any(char::is_whitespace)
        })?;
        Ok(())
    }

    /// The property named `name`, if it has one.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Its initial data with every property's default merged in (what
    /// WeChat's `this.data` holds before any value is given).
    pub fn initial_data(&self) -> Value {
        let mut data = match &self.data {
            Value::Object(map) => map.clone(),
            _ => Default::default(),
        };
        for property in &self.properties {
            data.insert(property.name.clone(), property.initial());
        }
        Value::Object(data)
    }
}

impl Property {
    fn check(&self, place: &str) -> Result<(), MetaError> {
        if self.default.is_null() || self.accepts(&self.default) {
            return Ok(());
        }
        Err(at(
            &format!("{place}.default"),
            format!(
                "`{}` is not of the type of property `{}`",
                self.default, self.name
            ),
        ))
    }

    /// Whether `value` is of its type or one of its optional types.
    pub fn accepts(&self, value: &Value) -> bool {
        std::iter::once(self.kind)
            .chain(self.optional_types.iter().copied())
            .any(|t| t.accepts(value))
    }

    /// Its value when none is given: its default, else its type's empty one.
    pub fn initial(&self) -> Value {
        match &self.default {
            Value::Null => self.kind.empty(),
            value => value.clone(),
        }
    }
}

fn at(place: &str, message: String) -> MetaError {
    MetaError::At {
        place: place.to_string(),
        message,
    }
}

/// Check a list of names: at most [`MAX_NAMES`], each valid and given once.
fn names(place: &str, list: &[String], valid: fn(&str) -> bool) -> Result<(), MetaError> {
    if list.len() > MAX_NAMES {
        let message = format!("{} names, over the limit of {MAX_NAMES}", list.len());
        return Err(at(place, message));
    }
    let mut seen = BTreeSet::new();
    for (i, name) in list.iter().enumerate() {
        if name.len() > MAX_NAME_BYTES || !valid(name) {
            let message = format!("`{}` is not a valid name here", name.escape_debug());
            return Err(at(&format!("{place}[{i}]"), message));
        }
        if !seen.insert(name) {
            return Err(at(
                &format!("{place}[{i}]"),
                format!("`{name}` appears twice"),
            ));
        }
    }
    Ok(())
}

/// A route or component path: `a/b/c` of plain segments.
fn path_name(place: &str, path: &str) -> Result<(), MetaError> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if path.len() > MAX_NAME_BYTES || !path.split('/').all(segment_ok) {
        let message = format!(
            "`{}` is not a path like `components/card/card`",
            path.escape_debug()
        );
        return Err(at(place, message));
    }
    Ok(())
}

/// Longest handler name (the view's rule).
pub const MAX_HANDLER_BYTES: usize = 128;

/// A handler name as templates bind it (the view's rule): ASCII letters,
/// digits, `_`, `$` and `-`, starting with a letter, `_` or `$`; at most
/// [`MAX_HANDLER_BYTES`].
pub fn is_handler_name(name: &str) -> bool {
    name.len() <= MAX_HANDLER_BYTES
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && (name.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'))
}

/// A property name: a JavaScript identifier of ASCII letters, digits, `_`
/// and `$`, not starting with a digit.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A class name: letters, digits, `-` and `_`, not starting with a digit.
fn is_class(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<Meta, MetaError> {
        Meta::parse(value.to_string().as_bytes())
    }

    fn card(extra: Value) -> Value {
        let mut card = json!({
            "properties": [
                {"name": "title", "type": "String", "default": "Hi", "observer": true},
                {"name": "count", "type": "Number", "optionalTypes": ["String"]}
            ],
            "data": {"open": false},
            "handlers": ["tapTitle"],
            "externalClasses": ["title-class"],
            "options": {"multipleSlots": true, "styleIsolation": "apply-shared",
                        "addGlobalClass": false, "virtualHost": false},
            "pageLifetimes": ["show", "resize"],
            "relations": {"../item/item": {"type": "child"}}
        });
        for (k, v) in extra.as_object().unwrap() {
            card[k] = v.clone();
        }
        json!({"version": 1, "pages": {"index": {"handlers": ["add"]}},
               "components": {"components/card/card": card}})
    }

    #[test]
    fn reads_the_seams_shape() {
        let meta = parse(card(
            json!({"handlers": ["tapTitle", "clear-done", "$x"], "formField": true}),
        ))
        .unwrap();
        assert_eq!(meta.page_handlers("index").unwrap(), ["add"]);
        assert_eq!(meta.page_handlers("other"), None);
        let card = meta.component("components/card/card").unwrap();
        assert_eq!(card.options.style_isolation, StyleIsolation::ApplyShared);
        assert!(card.options.multiple_slots);
        assert!(card.form_field);
        assert_eq!(
            card.page_lifetimes,
            [PageLifetime::Show, PageLifetime::Resize]
        );
        assert_eq!(card.relations["../item/item"].kind, RelationKind::Child);
        assert!(card.property("count").unwrap().accepts(&json!("3")));
        assert!(!card.property("count").unwrap().accepts(&json!(true)));
        assert_eq!(
            card.initial_data(),
            json!({"open": false, "title": "Hi", "count": 0})
        );
        let round = serde_json::to_string(&meta).unwrap();
        assert_eq!(Meta::parse(round.as_bytes()).unwrap(), meta);
        // Everything but the version is optional.
        let bare = parse(json!({"version": 1, "components": {"c/x": {}}})).unwrap();
        assert_eq!(bare.component("c/x").unwrap().initial_data(), json!({}));
    }

    #[test]
    fn refuses_each_mistake_naming_its_place() {
        let cases = [
            (json!({"version": 2}), "version 2"),
            (json!({"version": 1, "extra": 1}), "unknown field `extra`"),
            (card(json!({"handler": []})), "unknown field `handler`"),
            (
                card(json!({"handlers": ["tap", "tap"]})),
                "handlers[1]: `tap` appears twice",
            ),
            (
                card(json!({"handlers": ["1tap", "on tap"]})),
                "handlers[0]: `1tap` is not a valid",
            ),
            (card(json!({"data": [1]})), ".data: must be a JSON object"),
            (
                card(json!({"properties": [{"name": "n", "type": "Number", "default": "x"}]})),
                "properties[0].default: `\"x\"` is not of the type of property `n`",
            ),
            (
                card(json!({"properties": [{"name": "n", "type": "Int"}]})),
                "unknown variant `Int`",
            ),
            (
                card(json!({"options": {"styleIsolation": "open"}})),
                "unknown variant `open`",
            ),
            (
                card(json!({"pageLifetimes": ["show", "show"]})),
                "names a lifetime twice",
            ),
            (
                card(json!({"externalClasses": ["a b"]})),
                "externalClasses[0]",
            ),
            (
                card(json!({"relations": {"x": {"type": "sibling"}}})),
                "unknown variant `sibling`",
            ),
            (
                json!({"version": 1, "components": {"../up": {}}}),
                "is not a path like `components/card/card`",
            ),
            (json!({"version": 1, "pages": {"": {}}}), "pages.\"\""),
        ];
        for (value, expected) in cases {
            let err = parse(value.clone()).unwrap_err().to_string();
            assert!(err.contains(expected), "{value}: {err}");
        }
    }

    #[test]
    fn bounds_are_enforced() {
        let big = vec![b' '; MAX_META_BYTES + 1];
        assert_eq!(
            Meta::parse(&big).unwrap_err(),
            MetaError::TooLarge(MAX_META_BYTES + 1)
        );
        let many: Vec<String> = (0..=MAX_NAMES).map(|i| format!("h{i}")).collect();
        let err = parse(json!({"version": 1, "pages": {"index": {"handlers": many}}}));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("over the limit of 256")
        );
        let pages: serde_json::Map<String, Value> = (0..=MAX_DEFINITIONS)
            .map(|i| (format!("p{i}"), json!({})))
            .collect();
        let err = parse(json!({"version": 1, "pages": pages})).unwrap_err();
        assert!(err.to_string().contains("513 entries"), "{err}");
        let long = "h".repeat(MAX_NAME_BYTES + 1);
        let err = parse(json!({"version": 1, "pages": {"index": {"handlers": [long]}}}));
        assert!(err.unwrap_err().to_string().contains("not a valid name"));
    }

    #[test]
    fn a_behaviors_names_merge_under_the_components_own_and_later_ones() {
        let prop = |name: &str, kind: &str| json!({"name": name, "type": kind});
        let meta = parse(card(json!({
            "handlers": ["tap"],
            "behaviors": [
                {"properties": [prop("title", "Number"), prop("size", "Number")],
                 "handlers": ["tap", "pick"]},
                {"name": "Sized", "properties": [prop("size", "String")], "handlers": ["pick", "drop"]}
            ],
            "relations": {"group": {"type": "ancestor", "target": "Grouped"}}
        })))
        .unwrap();
        let card = meta.component("components/card/card").unwrap();
        assert!(card.behaviors.is_empty());
        let names: Vec<_> = card.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["title", "count", "size"]);
        // The component's `title` (a String), the later behavior's `size`.
        assert_eq!(card.property("title").unwrap().kind, PropertyType::String);
        assert_eq!(card.property("size").unwrap().kind, PropertyType::String);
        assert_eq!(card.handlers, ["tap", "pick", "drop"]);
        // A named behavior is among its behavior names (a relation's
        // `target` links by them).
        assert_eq!(card.behavior_names, ["Sized"]);
        assert_eq!(card.relations["group"].target.as_deref(), Some("Grouped"));
        let bad = json!({"relations": {"g": {"type": "child", "target": "no such"}}});
        let err = parse(self::card(bad)).unwrap_err().to_string();
        assert!(
            err.contains(".relations.\"g\".target[0]: `no such` is not a valid name"),
            "{err}"
        );
        // A name twice within one behavior is still refused, at its place.
        let err = parse(card_with_behavior(json!({"handlers": ["a", "a"]})));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains(".behaviors[0].handlers[1]: `a` appears twice")
        );
        let err = parse(card_with_behavior(json!({"extra": 1})));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("unknown field `extra`")
        );
    }

    fn card_with_behavior(behavior: Value) -> Value {
        card(json!({ "behaviors": [behavior] }))
    }
}
