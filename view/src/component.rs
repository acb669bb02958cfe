//! Custom components as the view layer knows them: each definition (its
//! template, scoped style, declared properties and options, the tags it
//! uses), the instances a render made, and WeChat's rules for turning an
//! attribute's value into a property of its declared type.
//!
//! A render ([`crate::render`]) meets a custom tag, finds its definition
//! through the using template's declarations, evaluates the properties in
//! the caller's scope, and renders the definition's template against the
//! instance's data (the runtime's, through [`Instances`]) with that
//! instance as the owner of what it draws.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::eval::{self, Val};

/// An instance's identity, stable across renders: its owner's key, the
/// place of its tag in the template (`line:col`, with the `<template
/// is>`/`<include>` and slot it was reached through) and the keys (or
/// indices, when unkeyed) of the enclosing `wx:for` items. A keyed list
/// keeps its instances when its items move.
pub type InstanceKey = Arc<str>;

/// A declared type of a property, as WeChat names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `String`.
    String,
    /// `Number`.
    Number,
    /// `Boolean`.
    Boolean,
    /// `Object` (`null` included, as JavaScript's `typeof`).
    Object,
    /// `Array`.
    Array,
    /// `null`: any value, kept as it is.
    Any,
}

impl Kind {
    /// The kind WeChat's name stands for (`String`, `Number`, `Boolean`,
    /// `Object`, `Array`, `null`), `None` for another name.
    pub fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "String" => Kind::String,
            "Number" => Kind::Number,
            "Boolean" => Kind::Boolean,
            "Object" => Kind::Object,
            "Array" => Kind::Array,
            "null" => Kind::Any,
            _ => return None,
        })
    }

    /// Whether `value` is of this kind as it is.
    fn holds(self, value: &Json) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Boolean => value.is_boolean(),
            Kind::Object => value.is_object() || value.is_null(),
            Kind::Array => value.is_array(),
            Kind::Any => true,
        }
    }

    /// The value a property of this kind has when neither its default nor
    /// a value is given.
    pub fn zero(self) -> Json {
        match self {
            Kind::String => Json::String(String::new()),
            Kind::Number => Json::from(0),
            Kind::Boolean => Json::Bool(false),
            Kind::Array => Json::Array(Vec::new()),
            Kind::Object | Kind::Any => Json::Null,
        }
    }
}

/// A declared property of a component.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its name as the component's data has it (`itemTitle`; a template
    /// may write it `item-title`).
    pub name: String,
    /// Its declared type.
    pub kind: Kind,
    /// Other types it takes as they are (`optionalTypes`).
    pub optional: Vec<Kind>,
    /// Its value when none is given (`None`: the type's [`Kind::zero`]).
    pub default: Option<Json>,
}

impl Property {
    /// Its value when the caller gives none.
    pub fn initial(&self) -> Json {
        self.default.clone().unwrap_or_else(|| self.kind.zero())
    }

    /// `value` as this property takes it, by WeChat's rules: a value of
    /// its type or of an optional type is kept; otherwise a `String` takes
    /// the text of a number or a boolean, a `Number` the number a string
    /// or a boolean reads as, a `Boolean` the value's truthiness; anything
    /// else (a `null` for a `String`, an object for a `Number`, a non-array
    /// for an `Array`) is the property's default.
    pub fn coerce(&self, value: Json) -> Json {
        if self.kind.holds(&value) || self.optional.iter().any(|k| k.holds(&value)) {
            return value;
        }
        let val = Val::borrowed(&value);
        match (self.kind, &value) {
            (Kind::String, Json::Number(_) | Json::Bool(_)) => Json::String(eval::to_text(&val)),
            (Kind::Number, Json::String(_) | Json::Bool(_)) => {
                let n = eval::to_number(&val);
                match n.is_finite() {
                    true => eval::number_json(n),
                    false => self.initial(),
                }
            }
            (Kind::Boolean, _) => Json::Bool(eval::truthy(&val)),
            _ => self.initial(),
        }
    }
}

/// How a component's styles meet the page's (`styleIsolation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StyleIsolation {
    /// Its classes and the page's do not meet (the default).
    #[default]
    Isolated,
    /// The page's (and app's) classes reach it; its own do not leave it.
    ApplyShared,
    /// Its classes and the page's reach each other.
    Shared,
}

impl StyleIsolation {
    /// The mode WeChat's name stands for; the `page-` forms (for a page
    /// built as a component) are their plain form.
    pub fn named(name: &str) -> Option<StyleIsolation> {
        Some(match name {
            "isolated" | "page-isolated" => StyleIsolation::Isolated,
            "apply-shared" | "page-apply-shared" => StyleIsolation::ApplyShared,
            "shared" | "page-shared" => StyleIsolation::Shared,
            _ => return None,
        })
    }
}

/// A component's options that change how it renders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Whether it takes named slots (`multipleSlots`); without, only the
    /// default slot.
    pub multiple_slots: bool,
    /// How its styles meet the page's.
    pub style_isolation: StyleIsolation,
    /// `addGlobalClass`: the page's classes reach it (as `apply-shared`).
    pub add_global_class: bool,
    /// `virtualHost`: no host element; its nodes sit in the caller's.
    pub virtual_host: bool,
}

impl Options {
    /// Whether the page's classes reach the component's template.
    pub fn takes_page_classes(&self) -> bool {
        self.add_global_class || self.style_isolation != StyleIsolation::Isolated
    }
}

/// A custom component's definition: what the host knows of it without
/// running it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definition {
    /// Its path in the package, without extension (`components/card/card`).
    pub path: Arc<str>,
    /// Its template's key in [`crate::render::Context::files`]
    /// (`components/card/card.wxml`).
    pub template: String,
    /// Its stylesheet, compiled and scoped to it (see
    /// [`crate::stylesheet`]); empty for none.
    pub style: String,
    /// The prefix its classes are scoped with (`c3-`): unique in the
    /// package.
    pub scope: Arc<str>,
    /// Its declared properties.
    pub properties: Vec<Property>,
    /// Its initial own data (the logic's, from its meta), an object.
    pub data: Json,
    /// Its `externalClasses`: class attributes the caller writes with the
    /// caller's classes.
    pub external_classes: Vec<String>,
    /// Its options.
    pub options: Options,
    /// The components its template uses: tag to definition path.
    pub using: BTreeMap<String, Arc<str>>,
}

impl Definition {
    /// The declared property an attribute names (`item-title` or
    /// `itemTitle` for `itemTitle`).
    pub fn property(&self, attribute: &str) -> Option<&Property> {
        let wanted = camel_case(attribute);
        self.properties.iter().find(|p| p.name == wanted)
    }

    /// The data its template renders against when the runtime holds none
    /// for the instance yet: its own initial data with each property's
    /// given value (else its default) merged.
    pub fn initial_data(&self, given: &Map<String, Json>) -> Json {
        let mut data = match &self.data {
            Json::Object(fields) => fields.clone(),
            _ => Map::new(),
        };
        for property in &self.properties {
            let value = given
                .get(&property.name)
                .cloned()
                .unwrap_or_else(|| property.initial());
            data.insert(property.name.clone(), value);
        }
        Json::Object(data)
    }
}

/// `item-title` as `itemTitle` (an attribute's name as a property's).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '-' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The runtime's data of each component instance: its own data with its
/// properties merged.
pub trait Instances {
    /// The data of instance `key`; `None` for an instance not created yet
    /// (the render then uses its definition's [`Definition::initial_data`]).
    fn data(&self, key: &InstanceKey) -> Option<&Json>;
}

/// No instance data: every instance renders from its definition.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInstances;

impl Instances for NoInstances {
    fn data(&self, _: &InstanceKey) -> Option<&Json> {
        None
    }
}

/// Instance data held in a map, by key.
impl Instances for BTreeMap<InstanceKey, Json> {
    fn data(&self, key: &InstanceKey) -> Option<&Json> {
        self.get(key)
    }
}

/// No definitions: a package without custom components.
pub fn none() -> &'static BTreeMap<Arc<str>, Definition> {
    static NONE: BTreeMap<Arc<str>, Definition> = BTreeMap::new();
    &NONE
}

/// A component instance a render drew.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedInstance {
    /// Its key.
    pub key: InstanceKey,
    /// Its definition's path.
    pub definition: Arc<str>,
    /// The instance whose template holds its tag (`None`: the page's).
    pub parent: Option<InstanceKey>,
    /// The node id of its host element (0 for a `virtualHost` one, which
    /// has none).
    pub host: u32,
    /// Its properties, evaluated in the caller's scope and coerced to
    /// their declared types, every declared one present.
    pub properties: Json,
    /// The `model:` bindings on its tag, one per property bound.
    pub models: Vec<ModelBinding>,
}

/// A `model:value="{{qty}}"` on a custom component's tag: the property
/// takes the caller's value as any other, and when the component sets the
/// property itself (its own `setData`), the host writes the new value
/// back to `path` in the caller's data (the page's, or the enclosing
/// instance's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelBinding {
    /// The property's name (`value`).
    pub property: String,
    /// The caller's data path (`qty`, `form.items[2].qty`).
    pub path: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn property(kind: Kind, default: Option<Json>) -> Property {
        Property {
            name: "p".into(),
            kind,
            optional: Vec::new(),
            default,
        }
    }

    #[test]
    fn values_are_coerced_by_wechats_rules() {
        let string = property(Kind::String, Some(json!("none")));
        assert_eq!(string.coerce(json!(12)), json!("12"));
        assert_eq!(string.coerce(json!(1.5)), json!("1.5"));
        assert_eq!(string.coerce(json!(true)), json!("true"));
        assert_eq!(string.coerce(json!(null)), json!("none"));
        assert_eq!(string.coerce(json!({"a": 1})), json!("none"));
        let number = property(Kind::Number, None);
        assert_eq!(number.coerce(json!("42")), json!(42));
        assert_eq!(number.coerce(json!("0x10")), json!(16));
        assert_eq!(number.coerce(json!("2.5")), json!(2.5));
        assert_eq!(number.coerce(json!(" ")), json!(0));
        assert_eq!(number.coerce(json!("4x")), json!(0));
        assert_eq!(number.coerce(json!(true)), json!(1));
        assert_eq!(number.coerce(json!([1])), json!(0));
        let boolean = property(Kind::Boolean, None);
        assert_eq!(boolean.coerce(json!("")), json!(false));
        assert_eq!(boolean.coerce(json!("false")), json!(true));
        assert_eq!(boolean.coerce(json!(0)), json!(false));
        let array = property(Kind::Array, None);
        assert_eq!(array.coerce(json!("a")), json!([]));
        let object = property(Kind::Object, Some(json!({"x": 1})));
        assert_eq!(object.coerce(json!(null)), json!(null));
        assert_eq!(object.coerce(json!(3)), json!({"x": 1}));
        let either = Property {
            optional: vec![Kind::Number],
            ..property(Kind::String, None)
        };
        assert_eq!(either.coerce(json!(3)), json!(3));
        assert_eq!(property(Kind::Any, None).coerce(json!([1])), json!([1]));
    }

    #[test]
    fn attribute_names_reach_properties_in_camel_case() {
        let definition = Definition {
            properties: vec![Property {
                name: "itemTitle".into(),
                ..property(Kind::String, None)
            }],
            data: json!({"open": false}),
            ..Definition::default()
        };
        assert!(definition.property("item-title").is_some());
        assert!(definition.property("itemTitle").is_some());
        assert!(definition.property("title").is_none());
        let given = json!({"itemTitle": "Hi"});
        assert_eq!(
            definition.initial_data(given.as_object().unwrap()),
            json!({"open": false, "itemTitle": "Hi"})
        );
        assert_eq!(
            definition.initial_data(&Map::new()),
            json!({"open": false, "itemTitle": ""})
        );
    }
}
