//! Picker: an order form with WeChat's five pickers. Each shows what was
//! chosen: a fruit (a selector over objects, shown by `range-key`), a box
//! size (a multiSelector of two columns, whose column moves are shown
//! too; a large box offers one more wrapping, as WeChat's linked columns
//! do), a delivery time and day (within the form's `start` and `end`),
//! a region (province, city and county, with its codes), and a speed bound
//! with `model:value` (no handler: the host sets it). The host checks each
//! change against the rendered picker (and the region table in force)
//! before this app sees it, so an index off a range, a time out of hours
//! or a region not in the table never arrives here.
//!
//! A typed page: each handler is a method of `Index`, its event typed
//! with the detail WeChat gives.

use miniapp_sdk::{App, Change, Detail, PageData, Patch, Result, page, set};
use serde::{Deserialize, Serialize};

#[derive(Default)]
struct Picker;

impl App for Picker {}

/// A fruit of the selector's range, shown by its `name` (`range-key`).
#[derive(Serialize)]
struct Fruit {
    name: &'static str,
}

/// A region picker's change: the names and their codes.
#[derive(Deserialize)]
struct Region {
    value: Vec<String>,
    code: Vec<String>,
}

/// A multiSelector's column move, as WeChat's `columnchange` gives it.
#[derive(Clone, Copy, Deserialize, Serialize)]
struct Moved {
    column: u32,
    value: u32,
}

/// The page's data.
#[derive(Serialize, PageData)]
struct IndexData {
    fruits: Vec<Fruit>,
    fruit: u32,
    sizes: Vec<Vec<&'static str>>,
    size: [u32; 2],
    time: String,
    date: String,
    region: Vec<String>,
    code: String,
    speeds: Vec<&'static str>,
    /// Set by the host (`model:value`).
    speed: u32,
    /// The last column move of the box size, if any.
    column: Option<Moved>,
    cancelled: bool,
}

impl Default for IndexData {
    fn default() -> Self {
        IndexData {
            fruits: ["Apple", "Pear", "Plum"].map(|name| Fruit { name }).into(),
            fruit: 0,
            sizes: vec![vec!["Small", "Medium", "Large"], vec!["Paper", "Gift"]],
            size: [1, 0],
            time: "12:00".into(),
            date: "2026-12-24".into(),
            region: ["广东省", "广州市", "海珠区"].map(String::from).into(),
            code: "440000 440100 440105".into(),
            speeds: vec!["Standard", "Express"],
            speed: 0,
            column: None,
            cancelled: false,
        }
    }
}

#[derive(Default)]
struct Index;

#[page("index", data = IndexData)]
impl Index {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        miniapp_sdk::view::set_data(IndexData::default())
    }

    #[handler]
    fn fruit(&mut self, chose: Change<u32>) -> Result<()> {
        Patch::new()
            .set(IndexData::fruit(), chose.value)?
            .set(IndexData::cancelled(), false)?
            .apply()
    }

    #[handler]
    fn cancelled(&mut self) -> Result<()> {
        set(IndexData::cancelled(), true)
    }

    #[handler]
    fn size(&mut self, chose: Change<[u32; 2]>) -> Result<()> {
        set(IndexData::size(), chose.value)
    }

    /// WeChat's linked columns: a large box also comes in a crate.
    #[handler]
    fn column(&mut self, moved: Detail<Moved>) -> Result<()> {
        let mut patch = Patch::new().set(IndexData::column(), Some(*moved))?;
        if moved.column == 0 {
            let wraps = match moved.value {
                2 => vec!["Paper", "Gift", "Crate"],
                _ => vec!["Paper", "Gift"],
            };
            patch = patch.set(IndexData::sizes().at(1), wraps)?;
        }
        patch.apply()
    }

    #[handler]
    fn time(&mut self, chose: Change<String>) -> Result<()> {
        set(IndexData::time(), &chose.value)
    }

    #[handler]
    fn date(&mut self, chose: Change<String>) -> Result<()> {
        set(IndexData::date(), &chose.value)
    }

    #[handler]
    fn region(&mut self, chose: Detail<Region>) -> Result<()> {
        Patch::new()
            .set(IndexData::region(), &chose.value)?
            .set(IndexData::code(), chose.code.join(" "))?
            .apply()
    }
}

miniapp_sdk::export_app!(Picker, pages = [Index]);
