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

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// A picker's change: an index, indices, a time or a date, region names.
#[derive(Deserialize)]
struct Chose<T> {
    value: T,
}

/// A region picker's change: the names and their codes.
#[derive(Deserialize)]
struct Region {
    value: Vec<String>,
    code: Vec<String>,
}

/// A multiSelector's column move.
#[derive(Deserialize)]
struct Column {
    column: u32,
    value: u32,
}

#[derive(Default)]
struct Picker;

impl App for Picker {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({
            "fruits": [{"name": "Apple"}, {"name": "Pear"}, {"name": "Plum"}],
            "fruit": 0,
            "sizes": [["Small", "Medium", "Large"], ["Paper", "Gift"]],
            "size": [1, 0],
            "time": "12:00",
            "date": "2026-12-24",
            "region": ["广东省", "广州市", "海珠区"],
            "code": "440000 440100 440105",
            "speeds": ["Standard", "Express"],
            "speed": 0,
            "column": null,
            "cancelled": false,
        }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "fruit") => view::set_data(json!({
                "fruit": event.detail_as::<Chose<u32>>()?.value,
                "cancelled": false,
            })),
            ("index", "cancelled") => view::set("cancelled", true),
            ("index", "size") => view::set("size", event.detail_as::<Chose<[u32; 2]>>()?.value),
            ("index", "column") => {
                // WeChat's linked columns: a large box also comes in a crate.
                let moved = event.detail_as::<Column>()?;
                let mut patch = json!({"column": {"column": moved.column, "value": moved.value}});
                if moved.column == 0 {
                    patch["sizes[1]"] = match moved.value {
                        2 => json!(["Paper", "Gift", "Crate"]),
                        _ => json!(["Paper", "Gift"]),
                    };
                }
                view::set_data(patch)
            }
            ("index", "time") => view::set("time", event.detail_as::<Chose<String>>()?.value),
            ("index", "date") => view::set("date", event.detail_as::<Chose<String>>()?.value),
            ("index", "region") => {
                let region = event.detail_as::<Region>()?;
                view::set_data(json!({"region": region.value, "code": region.code.join(" ")}))
            }
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Picker);
