//! Typed page data paths: `#[derive(PageData)]` on the page's data struct
//! gives each field a [`Path`], so a misspelled field or a value of the
//! wrong type is a compile error, not a silent new key.
//!
//! ```ignore
//! #[derive(Default, Serialize, PageData)]
//! struct IndexData { items: Vec<Item>, total: u32 }
//! #[derive(Serialize, PageData)]
//! struct Item { title: String, done: bool }
//!
//! miniapp_sdk::set(IndexData::items().at(2).done(), true)?; // `items[2].done`
//! miniapp_sdk::set(IndexData::total(), 3)?;                 // `total`
//! ```
//!
//! [`view::set_data`](crate::view::set_data) and [`view::set`](crate::view::set)
//! by path string stay, for data without a type.
//!
//! A misspelled field is a compile error:
//!
//! ```compile_fail
//! #[derive(serde::Serialize, miniapp_sdk::PageData)]
//! struct IndexData { total: u32 }
//! let _ = IndexData::totl(); // no field `totl`
//! ```
//!
//! ```
//! #[derive(serde::Serialize, miniapp_sdk::PageData)]
//! struct IndexData { total: u32 }
//! assert_eq!(IndexData::total().as_str(), "total");
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Result, view};

/// A page data type whose fields have typed paths (derive it with
/// `#[derive(PageData)]`; its names follow serde's `rename` and
/// `rename_all`).
pub trait PageData {
    /// The data names of its fields, in order (what a template can read).
    const FIELDS: &'static [&'static str];
}

/// A path into the page's data (`items[2].done`) whose value is a `T`.
pub struct Path<T: ?Sized> {
    path: String,
    value: PhantomData<fn() -> T>,
}

impl<T: ?Sized> Path<T> {
    /// The top-level field `name` (what `#[derive(PageData)]` calls).
    pub fn root(name: &str) -> Path<T> {
        Path {
            path: name.to_owned(),
            value: PhantomData,
        }
    }

    /// The path as `set_data` takes it.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The field `name` under this path (what `#[derive(PageData)]`'s
    /// field methods call).
    #[doc(hidden)]
    pub fn field<U: ?Sized>(self, name: &str) -> Path<U> {
        Path {
            path: format!("{}.{name}", self.path),
            value: PhantomData,
        }
    }

    fn index<U>(self, index: usize) -> Path<U> {
        Path {
            path: format!("{}[{index}]", self.path),
            value: PhantomData,
        }
    }
}

impl<T> Path<Vec<T>> {
    /// Element `index` of the list (`items[2]`).
    pub fn at(self, index: usize) -> Path<T> {
        self.index(index)
    }
}

impl<T, const N: usize> Path<[T; N]> {
    /// Element `index` of the array (`cells[2]`).
    pub fn at(self, index: usize) -> Path<T> {
        self.index(index)
    }
}

impl<T> Path<BTreeMap<String, T>> {
    /// The entry `key` of the map (`prices.apple`); `key` must be a data
    /// path segment (no `.` or `[`), else [`set`] is refused by the host.
    pub fn key(self, key: &str) -> Path<T> {
        self.field(key)
    }
}

impl<T> Path<HashMap<String, T>> {
    /// The entry `key` of the map (`prices.apple`).
    pub fn key(self, key: &str) -> Path<T> {
        self.field(key)
    }
}

impl<T> Path<Option<T>> {
    /// The value inside the option, to reach its fields (`user.name`
    /// under `user: Option<User>`).
    pub fn some(self) -> Path<T> {
        Path {
            path: self.path,
            value: PhantomData,
        }
    }
}

impl<T: ?Sized> fmt::Display for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

impl<T: ?Sized> fmt::Debug for Path<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({})", self.path)
    }
}

impl<T: ?Sized> Clone for Path<T> {
    fn clone(&self) -> Path<T> {
        Path {
            path: self.path.clone(),
            value: PhantomData,
        }
    }
}

/// A value [`set`] takes for a path of type `T`: a `T`, a `&T`, or a
/// `&str` for a `String`.
pub trait ValueOf<T: ?Sized>: Serialize {}

impl<T: Serialize> ValueOf<T> for T {}
impl<T: Serialize + ?Sized> ValueOf<T> for &T {}
impl ValueOf<String> for &str {}

/// Set the page data at `path` to `value`, a value of the path's type:
/// [`view::set`] with the path and the value's type checked by the
/// compiler.
///
/// ```compile_fail
/// # use miniapp_sdk::Path;
/// let done: Path<bool> = Path::root("done");
/// miniapp_sdk::set(done, "yes"); // a `&str` is not a `bool`
/// ```
pub fn set<T: ?Sized>(path: Path<T>, value: impl ValueOf<T>) -> Result<()> {
    view::set(path.as_str(), value)
}

/// Several typed paths set in one patch (one render), as
/// [`view::set_data`] with an object of paths, applied in the order set:
///
/// ```ignore
/// Patch::new().set(Data::items().at(i).done(), true)?.set(Data::left(), 2)?.apply()
/// ```
#[derive(Debug, Default)]
pub struct Patch(Map<String, Value>);

impl Patch {
    /// An empty patch.
    pub fn new() -> Patch {
        Patch::default()
    }

    /// Add `path` = `value` (a later value for the same path wins, in the
    /// place of the first).
    pub fn set<T: ?Sized>(mut self, path: Path<T>, value: impl ValueOf<T>) -> Result<Patch> {
        self.0.insert(path.path, serde_json::to_value(value)?);
        Ok(self)
    }

    /// Send it to the page.
    pub fn apply(self) -> Result<()> {
        view::set_data(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item;

    #[derive(Serialize, crate::PageData)]
    #[serde(rename_all = "camelCase")]
    struct TodoData {
        items: Vec<TodoItem>,
        left_count: u32,
        #[serde(skip)]
        #[allow(dead_code)]
        cache: u8,
    }

    #[derive(Serialize, crate::PageData)]
    struct TodoItem {
        title: String,
        #[serde(rename = "isDone")]
        done: bool,
    }

    #[test]
    fn derived_paths_follow_serdes_names() {
        assert_eq!(TodoData::items().at(2).done().as_str(), "items[2].isDone");
        assert_eq!(TodoData::items().at(0).title().as_str(), "items[0].title");
        assert_eq!(TodoData::left_count().as_str(), "leftCount");
        assert_eq!(TodoData::FIELDS, ["items", "leftCount"]);
        assert_eq!(TodoItem::FIELDS, ["title", "isDone"]);
    }

    #[test]
    fn a_patch_holds_each_path_once() {
        let patch = (Patch::new().set(TodoData::left_count(), 2).unwrap())
            .set(TodoData::items().at(1).title(), "milk")
            .unwrap()
            .set(TodoData::left_count(), 1)
            .unwrap();
        let json = serde_json::to_value(&patch.0).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"leftCount": 1, "items[1].title": "milk"})
        );
    }

    #[test]
    fn a_patch_keeps_the_order_set() {
        let mut patch = Patch::new();
        for i in 6..18 {
            patch = patch.set(TodoData::items().at(i).title(), "milk").unwrap();
        }
        patch = patch.set(TodoData::items().at(6).title(), "eggs").unwrap();
        let text = serde_json::to_string(&patch.0).unwrap();
        let keys: Vec<&str> = text
            .split('"')
            .filter(|p| p.starts_with("items["))
            .collect();
        let written: Vec<String> = (6..18).map(|i| format!("items[{i}].title")).collect();
        assert_eq!(keys, written);
        assert!(
            text.starts_with(r#"{"items[6].title":"eggs","items[7].title""#),
            "{text}"
        );
        let typed = serde_json::json!({"b.c": 1, "b": 5, "a": 0});
        assert_eq!(typed.to_string(), r#"{"b.c":1,"b":5,"a":0}"#);
    }

    #[test]
    fn paths_are_written_as_set_data_reads_them() {
        let items: Path<Vec<Item>> = Path::root("items");
        let done: Path<bool> = items.at(2).field("done");
        assert_eq!(done.as_str(), "items[2].done");
        let prices: Path<BTreeMap<String, u32>> = Path::root("prices");
        assert_eq!(prices.key("apple").to_string(), "prices.apple");
        let grid: Path<[[u8; 4]; 4]> = Path::root("grid");
        assert_eq!(grid.at(1).at(3).as_str(), "grid[1][3]");
        let user: Path<Option<Item>> = Path::root("user");
        assert_eq!(user.some().field::<String>("name").as_str(), "user.name");
    }
}
