//! The picker's row of the table: WeChat's attributes of its five modes
//! (`selector`, `multiSelector`, `time`, `date`, `region`), each drawn as
//! a `data-*` attribute of the `div` that holds its children, for the
//! simulator's sheet (`dev/static/picker.js`). Its `change` and
//! `columnchange` details are checked against them
//! (`events/details/picker.rs`) before the app sees them.

use super::{Attribute, Drawn, Json, OneOf, Text, a};
use crate::events::details::picker::MODES;

/// A picker's attributes, every mode's.
pub(super) const PICKER: &[Attribute] = &[
    a("mode", OneOf(MODES), Drawn("data-mode")),
    a("disabled", super::Bool, Drawn("data-disabled")),
    a("header-text", Text, Drawn("data-header-text")),
    // selector and multiSelector: a list (of lists), items shown by their
    // `range-key` field when objects; `value` an index (an array of them).
    a("range", Json, Drawn("data-range")),
    a("range-key", Text, Drawn("data-range-key")),
    // Every mode: an index, an array of indices or of region names, or a
    // time `hh:mm` or a date in the `fields`' format.
    a("value", Json, Drawn("data-value")),
    // time and date: the bounds, in the value's format.
    a("start", Text, Drawn("data-start")),
    a("end", Text, Drawn("data-end")),
    a(
        "fields",
        OneOf(&["year", "month", "day"]),
        Drawn("data-fields"),
    ),
    // region: the item at the top of each column, and how many columns
    // (`sub-district`, a fourth column of streets, is not supported yet:
    // the region table stops at counties).
    a("custom-item", Text, Drawn("data-custom-item")),
    a(
        "level",
        OneOf(&["province", "city", "region"]),
        Drawn("data-level"),
    ),
];

/// A picker's events: `change` when the user confirms, `columnchange` when
/// a multiSelector's column moves, `cancel` when the sheet is dismissed.
pub(super) const EVENTS: &[&str] = &["change", "columnchange", "cancel"];
