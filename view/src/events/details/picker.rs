//! A picker's events, checked against the rendered picker in each of
//! WeChat's five modes: a selector's index within its `range`, a
//! multiSelector's index per column within that column, a time or a date
//! well formed and within `start`..`end` (a date in its `fields`' format),
//! a region's names and codes those of the region table in force, each
//! under the one before. A disabled picker sends nothing.

use serde_json::Value as Json;

use super::{attr, enabled};
use crate::animation::clip;
use crate::region::{LEVELS, Region, Regions};
use crate::render::VElement;

/// WeChat's picker modes.
pub const MODES: &[&str] = &["selector", "multiSelector", "time", "date", "region"];

/// The events a picker sends: `change` (the user confirmed), `columnchange`
/// (a multiSelector column moved) and `cancel`.
pub const EVENTS: &[&str] = &["change", "columnchange", "cancel"];

/// Check `detail` of event `kind` on the picker `element`.
pub(super) fn check(
    element: &VElement,
    kind: &str,
    detail: &Json,
    regions: &Regions,
) -> Result<(), String> {
    enabled(element)?;
    let mode = attr(element, "mode").unwrap_or("selector");
    if kind == "cancel" {
        return Ok(());
    }
    if kind == "columnchange" && mode != "multiSelector" {
        return Err(format!(
            "only a multiSelector picker's columns change, and its `mode` is `{mode}`"
        ));
    }
    match mode {
        "selector" => selector(element, detail),
        "multiSelector" if kind == "columnchange" => column_change(element, detail),
        "multiSelector" => multi_selector(element, detail),
        "time" => time(element, detail),
        "date" => date(element, detail),
        "region" => region(element, detail, regions),
        other => Err(format!(
            "its `mode` is `{other}`, not one of: {}",
            MODES.join(", ")
        )),
    }
}

/// A picker's rendered `range` as its events check it: how many items it
/// has, and how many each column has when every item is a list (a
/// multiSelector's), or why not. Read once per render
/// ([`VElement::range_shape`]), so an event costs the same whatever the
/// size of the range.
#[derive(Debug, Clone)]
pub(crate) struct RangeShape {
    items: Result<usize, String>,
    columns: Result<Vec<usize>, String>,
}

impl RangeShape {
    /// Read `element`'s rendered `range` (a computed array is rendered as
    /// its JSON text; no `range`: no items).
    fn read(element: &VElement) -> RangeShape {
        #[cfg(test)]
        tests::READS.with(|reads| reads.set(reads.get() + 1));
        // A range is quoted in an error only so far: it may be large.
        let not_array = |shown: String| format!("its `range` is {shown}, not an array");
        let items = match attr(element, "range") {
            None => Ok(Vec::new()),
            Some(text) => match serde_json::from_str(text) {
                Ok(Json::Array(items)) => Ok(items),
                Ok(other) => Err(not_array(clip(&other.to_string()))),
                Err(_) => Err(not_array(Json::String(clip(text)).to_string())),
            },
        };
        let columns = match &items {
            Ok(items) => (items.iter().enumerate())
                .map(|(i, column)| match column {
                    Json::Array(items) => Ok(items.len()),
                    other => Err(format!(
                        "its `range` column {i} is {}, not an array",
                        clip(&other.to_string())
                    )),
                })
                .collect(),
            Err(why) => Err(why.clone()),
        };
        RangeShape {
            items: items.map(|items| items.len()),
            columns,
        }
    }

    /// `element`'s, read on its first event since it was rendered.
    fn of(element: &VElement) -> &RangeShape {
        element
            .range_shape
            .get_or_init(|| RangeShape::read(element))
    }
}

/// The number of items in the picker's `range`.
fn range(element: &VElement) -> Result<usize, String> {
    RangeShape::of(element).items.clone()
}

/// `value` as an index among `len` items, `what` naming them in an error.
fn index(value: Option<&Json>, len: usize, what: &str) -> Result<usize, String> {
    let Some(n) = value.and_then(Json::as_u64) else {
        return Err(format!(
            "`value` must be an index (a whole number from 0), not {}",
            shown(value)
        ));
    };
    match usize::try_from(n).ok().filter(|n| *n < len) {
        Some(n) => Ok(n),
        None => Err(format!("`value` {n} is outside {what} of {len} items")),
    }
}

fn shown(value: Option<&Json>) -> String {
    crate::quote::json(value)
}

/// selector: `{value: index}` within `range`.
fn selector(element: &VElement, detail: &Json) -> Result<(), String> {
    let items = range(element)?;
    index(detail.get("value"), items, "its `range`").map(drop)
}

/// The number of items in each of a multiSelector's columns (its `range`
/// as a list of lists).
fn columns(element: &VElement) -> Result<&[usize], String> {
    match &RangeShape::of(element).columns {
        Ok(columns) => Ok(columns),
        Err(why) => Err(why.clone()),
    }
}

/// multiSelector: `{value: [index per column]}`, one per column, each
/// within its column.
fn multi_selector(element: &VElement, detail: &Json) -> Result<(), String> {
    let columns = columns(element)?;
    let value = detail.get("value");
    let Some(indices) = value.and_then(Json::as_array) else {
        return Err(format!(
            "`value` must be an array of indices, one per column, not {}",
            shown(value)
        ));
    };
    if indices.len() != columns.len() {
        return Err(format!(
            "`value` has {} indices and its `range` {} columns",
            indices.len(),
            columns.len()
        ));
    }
    for (i, (at, column)) in indices.iter().zip(columns).enumerate() {
        index(Some(at), *column, &format!("its `range` column {i}"))?;
    }
    Ok(())
}

/// multiSelector's columnchange: `{column, value}`, the column one of its
/// columns and the value an index within it.
fn column_change(element: &VElement, detail: &Json) -> Result<(), String> {
    let columns = columns(element)?;
    let column = detail.get("column");
    let Some(c) = column
        .and_then(Json::as_u64)
        .and_then(|c| usize::try_from(c).ok())
        .filter(|c| *c < columns.len())
    else {
        return Err(format!(
            "`column` must be one of its {} columns (0 to {}), not {}",
            columns.len(),
            columns.len().saturating_sub(1),
            shown(column)
        ));
    };
    let what = format!("its `range` column {c}");
    index(detail.get("value"), columns[c], &what).map(drop)
}

/// `hh:mm` as minutes since midnight.
fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let two = |s: &str| match s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        true => s.parse::<u32>().ok(),
        false => None,
    };
    let (h, m) = (two(h)?, two(m)?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A rendered bound (`start`, `end`) read by `parse`, else `default`.
fn bound<T>(
    element: &VElement,
    name: &str,
    form: &str,
    default: T,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    match attr(element, name) {
        None => Ok(default),
        Some(text) => parse(text).ok_or_else(|| format!("its `{name}` is `{text}`, not {form}")),
    }
}

/// time: `{value: "hh:mm"}` within `start` (default 00:00) to `end`
/// (default 23:59).
fn time(element: &VElement, detail: &Json) -> Result<(), String> {
    let start = bound(element, "start", "hh:mm", 0, parse_time)?;
    let end = bound(element, "end", "hh:mm", 23 * 60 + 59, parse_time)?;
    let value = detail.get("value");
    let Some(v) = value.and_then(Json::as_str).and_then(parse_time) else {
        return Err(format!(
            "`value` must be a time \"hh:mm\", not {}",
            shown(value)
        ));
    };
    if v < start || v > end {
        let (s, e) = (attr(element, "start"), attr(element, "end"));
        return Err(format!(
            "`value` {} is outside `start` {} to `end` {}",
            shown(value),
            s.unwrap_or("00:00"),
            e.unwrap_or("23:59")
        ));
    }
    Ok(())
}

/// A date of a date picker: year, month and day as far as it goes (1 to 3
/// parts).
type Date = Vec<u32>;

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date.
fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.split('-').collect();
    let widths = [4, 2, 2];
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut date = Vec::with_capacity(3);
    for (part, width) in parts.iter().zip(widths) {
        if part.len() != width || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        date.push(part.parse().ok()?);
    }
    let month_ok = date.get(1).is_none_or(|m| (1..=12).contains(m));
    let day_ok = match date[..] {
        [y, m, d] => (1..=days_in(y, m)).contains(&d),
        _ => true,
    };
    (month_ok && day_ok).then_some(date)
}

fn days_in(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// date: `{value}` in its `fields`' format (`year` YYYY, `month` YYYY-MM,
/// `day`, the default, YYYY-MM-DD), a real date within `start`..`end`
/// (compared as far as both go).
fn date(element: &VElement, detail: &Json) -> Result<(), String> {
    let fields = attr(element, "fields").unwrap_or("day");
    let (parts, form) = match fields {
        "year" => (1, "\"YYYY\""),
        "month" => (2, "\"YYYY-MM\""),
        "day" => (3, "\"YYYY-MM-DD\""),
        other => {
            return Err(format!(
                "its `fields` is `{other}`, not one of: year, month, day"
            ));
        }
    };
    let value = detail.get("value");
    let date = value.and_then(Json::as_str).and_then(parse_date);
    let Some(date) = date.filter(|d| d.len() == parts) else {
        return Err(format!(
            "`value` must be a date {form} (its `fields` is `{fields}`), not {}",
            shown(value)
        ));
    };
    let within = |bound: &Date, outside: fn(&[u32], &[u32]) -> bool| {
        let n = bound.len().min(date.len());
        !outside(&date[..n], &bound[..n])
    };
    let start = bound(element, "start", "a date YYYY-MM-DD", None, |t| {
        parse_date(t).map(Some)
    })?;
    let end = bound(element, "end", "a date YYYY-MM-DD", None, |t| {
        parse_date(t).map(Some)
    })?;
    let early = start.as_ref().is_some_and(|s| !within(s, |d, s| d < s));
    let late = end.as_ref().is_some_and(|e| !within(e, |d, e| d > e));
    if early || late {
        return Err(format!(
            "`value` {} is outside `start` {} to `end` {}",
            shown(value),
            attr(element, "start").unwrap_or("(none)"),
            attr(element, "end").unwrap_or("(none)")
        ));
    }
    Ok(())
}

/// The text items of a region change's `name` array (`value`, `code`).
fn texts<'d>(detail: &'d Json, name: &str, depth: usize) -> Result<Vec<&'d str>, String> {
    let field = detail.get(name);
    let items = field.and_then(Json::as_array);
    let texts: Option<Vec<&str>> = items.and_then(|i| i.iter().map(Json::as_str).collect());
    match texts {
        Some(texts) if texts.len() == depth => Ok(texts),
        _ => Err(format!(
            "`{name}` must be an array of {depth} strings (its `level` has {depth} columns), \
             not {}",
            shown(field)
        )),
    }
}

/// region: `{value: [names], code: [codes]}`, one per column of its
/// `level` (`province`, `city`, or `region`, the default), each region of
/// the table in force under the one before, each code its region's. A
/// column showing the picker's `custom-item` names it with the code `""`,
/// and the columns after it show it too. The table has no postcodes: a
/// change with one is refused.
fn region(element: &VElement, detail: &Json, regions: &Regions) -> Result<(), String> {
    let level = attr(element, "level").unwrap_or("region");
    let Some(depth) = LEVELS.iter().position(|l| *l == level).map(|i| i + 1) else {
        return Err(match level {
            "sub-district" => "its `level` `sub-district` is not supported yet: the region \
                               table stops at counties"
                .into(),
            other => format!(
                "its `level` is `{other}`, not one of: {}",
                LEVELS.join(", ")
            ),
        });
    };
    if let Some(postcode) = detail.get("postcode") {
        return Err(format!(
            "`postcode` {postcode}: the region table in force has no postcodes"
        ));
    }
    let names = texts(detail, "value", depth)?;
    let codes = texts(detail, "code", depth)?;
    let custom = attr(element, "custom-item").filter(|c| !c.is_empty());
    let mut parent: Option<&Region> = None;
    let mut customised = false;
    for (column, (name, code)) in names.iter().zip(&codes).enumerate() {
        if custom == Some(*name) || customised {
            if custom != Some(*name) {
                return Err(format!(
                    "`value` `{name}` (column {column}) follows its `custom-item` \
                     `{}`: the columns after it show it too",
                    custom.unwrap_or_default()
                ));
            }
            if !code.is_empty() {
                return Err(format!(
                    "`code` `{code}` (column {column}) belongs to no region: its \
                     `custom-item` `{name}` has the code \"\""
                ));
            }
            customised = true;
            continue;
        }
        let under = parent.map_or(String::new(), |p| format!(" under `{}`", p.name));
        let Some(found) = regions.child(parent, name) else {
            return Err(format!(
                "`value` `{name}` is not a {} of the region table{under}",
                ["province", "city", "county"][column]
            ));
        };
        if found.code != *code {
            return Err(format!(
                "`code` `{code}` is not `{name}`'s, which is `{}`",
                found.code
            ));
        }
        parent = Some(found);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
