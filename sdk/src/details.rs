//! Typed events for page handlers: the detail WeChat sends with each
//! event, and the element's `data-*` attributes (its dataset) as a type of
//! the app's.
//!
//! ```ignore
//! #[derive(Deserialize)]
//! struct Row { id: u32 }
//!
//! #[handler]
//! fn toggle(&mut self, e: Tap<Row>) -> Result<()> { self.flip(e.dataset.id) }
//! #[handler]
//! fn typed(&mut self, e: Input) -> Result<()> { view::set("name", &e.value) }
//! ```
//!
//! A dataset's values are the attributes' text: a field of a number or a
//! `bool` type is parsed from it (`data-id="{{item.id}}"` gives `id: u32`).
//! A handler called with no element (`miniapp run --event
//! 'index:toggle={"id":2}'`, a test's event) has no dataset: one that
//! needs fields is then read from the detail.

use std::collections::BTreeMap;
use std::ops::Deref;

use serde::Deserialize;
use serde::de::value::{Error as DeError, MapDeserializer};
use serde::de::{DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

use crate::{Error, Event, Result, Value};

/// An element's dataset as text, by name (`data-item-id` is `itemId`):
/// the dataset of an event whose handler does not type it.
pub type Dataset = BTreeMap<String, String>;

/// An event whose detail is a `T` and whose element's dataset is a `D`;
/// it derefs to the detail (`e.value` of an [`Input`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail<T, D = Dataset> {
    /// The event's detail.
    pub detail: T,
    /// The element's `data-*` attributes.
    pub dataset: D,
    /// The gesture token when the event is a user gesture (a tap): see
    /// [`Event::gesture`].
    pub gesture: Option<String>,
}

impl<T, D> Deref for Detail<T, D> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.detail
    }
}

/// Where a touch was, WeChat's tap and longpress detail (`{x, y}`, 0
/// when the host sent none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Position {
    /// Page x, in px.
    pub x: f64,
    /// Page y, in px.
    pub y: f64,
}

/// A tap (`bindtap`).
pub type Tap<D = Dataset> = Detail<Position, D>;
/// A long press (`bindlongpress`).
pub type LongPress<D = Dataset> = Detail<Position, D>;

/// An input's or textarea's typing, WeChat's `{value, cursor, keyCode}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typed {
    /// What the field holds now.
    pub value: String,
    /// Where the cursor is, if the host said.
    #[serde(default)]
    pub cursor: Option<u32>,
    /// The key pressed, if the host said.
    #[serde(default)]
    pub key_code: Option<u32>,
}

/// An input's `bindinput`.
pub type Input<D = Dataset> = Detail<Typed, D>;

/// A detail `{value}`: a change's, a confirm's, a form's submit's.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Valued<T> {
    /// The value.
    pub value: T,
}

/// A `bindchange` whose value is a `T`: `bool` for a switch, `f64` for a
/// slider, `Vec<String>` for a checkbox-group, `String` for a
/// radio-group, `u32` (the index) for a selector picker.
pub type Change<T, D = Dataset> = Detail<Valued<T>, D>;
/// An input's `bindconfirm` (`{value}`).
pub type Confirm<D = Dataset> = Detail<Valued<String>, D>;
/// A form's `bindsubmit`: its fields by name, as a `T` of the app's.
pub type Submit<T, D = Dataset> = Detail<Valued<T>, D>;
/// A slider's `bindchange` and `bindchanging`.
pub type SliderChange<D = Dataset> = Change<f64, D>;

/// A swiper's change, WeChat's `{current, source, currentItemId}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Swiped {
    /// The item now shown.
    pub current: u32,
    /// What moved it: `autoplay`, `touch` or empty.
    #[serde(default)]
    pub source: String,
    /// The shown item's `item-id`.
    #[serde(default)]
    pub current_item_id: String,
}

/// A swiper's `bindchange`.
pub type SwiperChange<D = Dataset> = Detail<Swiped, D>;

/// A picker's `bindchange` whose value is a `T`: `u32` (the index) for a
/// selector, `Vec<u32>` for a multiSelector, `String` for a time
/// (`"09:30"`) or a date (`"2026-12-06"`); a picker-view's `Vec<u32>`.
pub type PickerChange<T = u32, D = Dataset> = Change<T, D>;

/// A multiSelector picker's column moved, WeChat's `{column, value}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct ColumnMoved {
    /// Which column.
    pub column: u32,
    /// The index it shows now.
    pub value: u32,
}

/// A multiSelector picker's `bindcolumnchange`.
pub type ColumnChange<D = Dataset> = Detail<ColumnMoved, D>;

/// A region picker's choice, WeChat's `{value, code, postcode}`: the
/// names and the codes of the province, city and county.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RegionPicked {
    /// The names, from the province down.
    pub value: Vec<String>,
    /// Their codes, in the same order.
    #[serde(default)]
    pub code: Vec<String>,
    /// The postcode, if the host's table has one.
    #[serde(default)]
    pub postcode: Option<String>,
}

/// A region picker's `bindchange`.
pub type RegionChange<D = Dataset> = Detail<RegionPicked, D>;

/// What a page handler takes as its event: generated handler routing
/// builds it from the host's [`Event`]. Implemented for every [`Detail`]
/// and for `&Event` itself.
pub trait FromEvent<'e>: Sized {
    /// Read it from `event`; a detail or dataset not of its type is an
    /// [`Error::InvalidArgument`] naming the handler.
    fn from_event(event: &'e Event) -> Result<Self>;
}

impl<'e> FromEvent<'e> for &'e Event {
    fn from_event(event: &'e Event) -> Result<&'e Event> {
        Ok(event)
    }
}

impl<'e, T: DeserializeOwned, D: DeserializeOwned> FromEvent<'e> for Detail<T, D> {
    fn from_event(event: &'e Event) -> Result<Detail<T, D>> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| {
            Error::InvalidArgument(format!(
                "event {}:{} {what}: {e}",
                event.page, event.handler
            ))
        };
        let empty = Value::Object(Default::default());
        let detail = if event.detail.is_null() {
            &empty
        } else {
            &event.detail
        };
        let parsed = T::deserialize(detail).map_err(|e| invalid("detail", &e))?;
        let dataset = match dataset::<D>(&event.dataset) {
            Ok(dataset) => dataset,
            // No element, no dataset: what it needs comes in the detail.
            Err(_) if event.dataset.is_empty() && detail.is_object() => {
                D::deserialize(detail).map_err(|e| invalid("dataset (from its detail)", &e))?
            }
            Err(e) => return Err(invalid("dataset", &e)),
        };
        Ok(Detail {
            detail: parsed,
            dataset,
            gesture: event.gesture.clone(),
        })
    }
}

/// Read a `D` from a dataset's text values.
pub fn dataset<D: DeserializeOwned>(dataset: &BTreeMap<String, String>) -> Result<D, DeError> {
    let entries = dataset.iter().map(|(k, v)| (k.as_str(), Text(v)));
    D::deserialize(MapDeserializer::new(entries))
}

/// One dataset value: text, parsed when the type asks for a number or a
/// `bool`.
struct Text<'a>(&'a str);

impl<'de> IntoDeserializer<'de, DeError> for Text<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0.trim().parse::<$ty>() {
                Ok(value) => visitor.$visit(value),
                Err(_) => Err(serde::de::Error::custom(format!(
                    "`{}` is not a {}", self.0, stringify!($ty)
                ))),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for Text<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    parsed! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        IntoDeserializer::<DeError>::into_deserializer(self.0)
            .deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        id: u32,
        item_name: String,
        done: Option<bool>,
    }

    fn event(detail: Value, dataset: &[(&str, &str)]) -> Event {
        Event {
            page: "index".into(),
            handler: "toggle".into(),
            detail,
            dataset: (dataset.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            gesture: Some("g1".into()),
        }
    }

    #[test]
    fn a_dataset_is_typed_from_its_text() {
        let e = event(
            json!({"x": 3, "y": 4.5}),
            &[("id", "7"), ("itemName", "12"), ("done", "true")],
        );
        let tap = <Tap<Row>>::from_event(&e).unwrap();
        let row = Row {
            id: 7,
            item_name: "12".into(),
            done: Some(true),
        };
        assert_eq!(tap.dataset, row);
        assert_eq!((tap.x, tap.y), (3.0, 4.5));
        assert_eq!(tap.gesture.as_deref(), Some("g1"));
    }

    #[test]
    fn a_dataset_not_of_its_type_is_refused_naming_the_handler() {
        let e = event(json!({}), &[("id", "seven"), ("itemName", "a")]);
        let err = <Tap<Row>>::from_event(&e).unwrap_err().to_string();
        assert!(
            err.contains("event index:toggle dataset") && err.contains("`seven` is not a u32"),
            "{err}"
        );
    }

    #[test]
    fn without_an_element_the_dataset_comes_from_the_detail() {
        let e = event(json!({"id": 2, "itemName": "milk"}), &[]);
        assert_eq!(<Tap<Row>>::from_event(&e).unwrap().dataset.id, 2);
        let plain = <Tap>::from_event(&event(Value::Null, &[])).unwrap();
        assert!(plain.dataset.is_empty());
    }

    #[test]
    fn details_are_typed_as_wechat_sends_them() {
        let typed = <Input>::from_event(&event(json!({"value": "Ada", "cursor": 3}), &[])).unwrap();
        assert_eq!((typed.value.as_str(), typed.cursor), ("Ada", Some(3)));
        let switched = <Change<bool>>::from_event(&event(json!({"value": true}), &[])).unwrap();
        assert!(switched.value);
        let wrong = <Change<bool>>::from_event(&event(json!({"value": "on"}), &[]));
        let err = wrong.unwrap_err().to_string();
        assert!(
            err.starts_with("invalid argument: event index:toggle detail:"),
            "{err}"
        );
        let swiped =
            <SwiperChange>::from_event(&event(json!({"current": 2, "source": "touch"}), &[]));
        assert_eq!(swiped.unwrap().current, 2);
        let picked = <PickerChange>::from_event(&event(json!({"value": 3}), &[])).unwrap();
        assert_eq!(picked.value, 3);
        let columns = <PickerChange<Vec<u32>>>::from_event(&event(json!({"value": [1, 0]}), &[]));
        assert_eq!(columns.unwrap().value, [1, 0]);
        let moved = <ColumnChange>::from_event(&event(json!({"column": 1, "value": 2}), &[]));
        assert_eq!(
            *moved.unwrap(),
            ColumnMoved {
                column: 1,
                value: 2
            }
        );
        let region = json!({"value": ["广东省", "广州市", "海珠区"], "code": ["440000", "440100", "440105"]});
        let region = <RegionChange>::from_event(&event(region, &[])).unwrap();
        assert_eq!(
            (region.value[2].as_str(), region.code[0].as_str()),
            ("海珠区", "440000")
        );
    }
}
