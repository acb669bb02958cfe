//! How `miniapp render` shows a swiper and a picker-view as a phone shows
//! them still: a swiper's current item (and the next ones with
//! `display-multiple-items`) and its dots; a picker-view's chosen item of
//! each column. Only these HTML marks are added (`hidden`, `data-selected`,
//! dots without node ids); the simulator draws the same from the
//! attributes itself (`dev/static/widgets.js`).

use crate::render::{VElement, VNode};

/// What a widget adds to each of its children in the HTML, and after them.
pub(super) enum Marks {
    /// A swiper: which items show, and its dots.
    Swiper {
        /// The item (child index among swiper-items) that is current.
        current: usize,
        /// How many items show at once.
        shown: usize,
        /// How many items it has.
        items: usize,
    },
    /// A picker-view: each column's chosen item.
    PickerView(Vec<usize>),
}

/// The marks `element` needs, if it is a swiper or a picker-view.
pub(super) fn marks(element: &VElement) -> Option<Marks> {
    match element.tag {
        "swiper" => {
            let items: Vec<&VElement> = items(element, "swiper-item").collect();
            let by_id = attr(element, "current-item-id")
                .filter(|id| !id.is_empty())
                .and_then(|id| items.iter().position(|i| attr(i, "item-id") == Some(id)));
            let current = by_id.unwrap_or_else(|| number(element, "current", 0));
            Some(Marks::Swiper {
                current: current.min(items.len().saturating_sub(1)),
                shown: number(element, "display-multiple-items", 1).max(1),
                items: items.len(),
            })
        }
        "picker-view" => {
            // Its value as JSON text (`[1,2]`); anything else chooses row 0.
            let value = attr(element, "value").unwrap_or("");
            let rows: Vec<serde_json::Value> = serde_json::from_str(value).unwrap_or_default();
            let chosen = rows.iter().map(|v| v.as_u64().map_or(0, |n| n as usize));
            Some(Marks::PickerView(chosen.collect()))
        }
        _ => None,
    }
}

impl Marks {
    /// The attribute `child` (the `nth` swiper-item or column) gets, if any.
    pub(super) fn on_child(&self, child: &VElement, nth: usize) -> &'static str {
        match self {
            Marks::Swiper {
                current,
                shown,
                items,
            } if child.tag == "swiper-item" => {
                let ahead = (nth + items - current) % (*items).max(1);
                if ahead < *shown || attr(child, "hidden").is_some() {
                    ""
                } else {
                    " hidden"
                }
            }
            _ => "",
        }
    }

    /// The attribute the `nth` item of `column` (the `index`th column) gets.
    pub(super) fn on_item(&self, index: usize, nth: usize) -> &'static str {
        match self {
            Marks::PickerView(chosen) if chosen.get(index).copied().unwrap_or(0) == nth => {
                " data-selected"
            }
            _ => "",
        }
    }
}

/// A swiper's dots, when it has `indicator-dots`: one per item, the
/// current one `data-active`, in its colours (through the style check).
pub(super) fn dots(element: &VElement, marks: &Marks, out: &mut String) {
    let Marks::Swiper { current, items, .. } = marks else {
        return;
    };
    if attr(element, "indicator-dots").is_none() {
        return;
    }
    let colour = |name: &str, default: &str| {
        let colour = attr(element, name).unwrap_or(default);
        crate::safety::style(&format!("background-color:{colour}"))
    };
    let (idle, active) = (
        colour("indicator-color", "rgba(0, 0, 0, .3)"),
        colour("indicator-active-color", "#000000"),
    );
    out.push_str("<span data-mp=\"swiper-dots\">");
    for n in 0..*items {
        let (mark, style) = match n == *current {
            true => (" data-active", &active),
            false => ("", &idle),
        };
        out.push_str("<i data-mp=\"swiper-dot\"");
        out.push_str(mark);
        out.push_str(" style=\"");
        super::escape_into(style, out);
        out.push_str("\"></i>");
    }
    out.push_str("</span>");
}

/// Whether `child` counts as one of a widget's items (a swiper's items, a
/// picker-view's columns, a column's rows).
pub(super) fn is_element(child: &VNode) -> Option<&VElement> {
    match child {
        VNode::Element(e) => Some(&**e),
        VNode::Text(_) => None,
    }
}

fn items<'e>(element: &'e VElement, tag: &'static str) -> impl Iterator<Item = &'e VElement> {
    (element.children.iter().filter_map(is_element)).filter(move |e| e.tag == tag)
}

fn attr<'e>(element: &'e VElement, name: &str) -> Option<&'e str> {
    (element.attrs.iter())
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| &**v)
}

fn number(element: &VElement, name: &str, default: usize) -> usize {
    (attr(element, name).and_then(|v| v.trim().parse::<f64>().ok()))
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(default, |n| n as usize)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::html::to_html;
    use crate::testing::rendered;

    fn html(source: &str, data: serde_json::Value) -> String {
        to_html(&rendered(source, &data))
    }

    #[test]
    fn a_swiper_shows_its_current_item_and_its_dots() {
        let page = r##"<swiper current="{{c}}" indicator-dots indicator-active-color="#07c160" circular><swiper-item wx:for="{{[1, 2, 3]}}" wx:key="*this" item-id="i{{item}}">{{item}}</swiper-item></swiper>"##;
        let out = html(page, json!({"c": 1}));
        let items: Vec<&str> = out.split("data-mp=\"swiper-item\"").skip(1).collect();
        assert_eq!(items.len(), 3, "{out}");
        assert!(
            items[0].starts_with(" data-item-id=\"i1\" hidden>"),
            "{out}"
        );
        assert!(items[1].starts_with(" data-item-id=\"i2\">"), "{out}");
        assert!(
            items[2].starts_with(" data-item-id=\"i3\" hidden>"),
            "{out}"
        );
        assert!(
            out.contains(
                "<span data-mp=\"swiper-dots\"><i data-mp=\"swiper-dot\" style=\"background-color:rgba(0, 0, 0, .3)\"></i>\
                 <i data-mp=\"swiper-dot\" data-active style=\"background-color:#07c160\"></i>\
                 <i data-mp=\"swiper-dot\" style=\"background-color:rgba(0, 0, 0, .3)\"></i></span></div>"
            ),
            "{out}"
        );
        // Without indicator-dots: no dots; current-item-id wins over current.
        let page = r#"<swiper current="0" current-item-id="b"><swiper-item item-id="a">A</swiper-item><swiper-item item-id="b">B</swiper-item></swiper>"#;
        let out = html(page, json!({}));
        assert!(!out.contains("swiper-dots"), "{out}");
        assert!(out.contains("data-item-id=\"a\" hidden>"), "{out}");
        assert!(out.contains("data-item-id=\"b\">"), "{out}");
    }

    #[test]
    fn a_swiper_showing_two_wraps_when_circular_and_a_colour_cannot_fetch() {
        let page = r#"<swiper current="2" display-multiple-items="2" circular indicator-dots indicator-color="{{bad}}"><swiper-item>0</swiper-item><swiper-item>1</swiper-item><swiper-item>2</swiper-item></swiper>"#;
        let out = html(
            page,
            json!({"bad": "red;background-image:url(https://evil.example/x)"}),
        );
        let hidden: Vec<bool> = (out.split("data-mp=\"swiper-item\"").skip(1))
            .map(|item| item.starts_with(" hidden>"))
            .collect();
        assert_eq!(hidden, [false, true, false], "{out}");
        // The colour reaches the dots' style only through the style check.
        let dots = out.split("swiper-dots").nth(1).unwrap();
        assert!(!dots.contains("url("), "{out}");
        assert!(dots.contains("style=\"background-color:red\""), "{out}");
    }

    #[test]
    fn a_movable_views_animation_is_its_own_flag_not_an_export() {
        let page = r#"<movable-area><movable-view id="a" animation="{{false}}" x="5"/><movable-view id="b" animation/></movable-area>"#;
        let out = html(page, json!({}));
        assert!(out.contains("data-move-animation=\"false\""), "{out}");
        assert!(out.contains("data-move-animation=\"true\""), "{out}");
        assert!(!out.contains("data-animation"), "{out}");
        // Elsewhere `animation` is still the export, refused as a literal.
        assert_eq!(
            crate::testing::template_errors(r#"<view animation="true"/>"#).len(),
            1
        );
    }

    #[test]
    fn a_picker_view_marks_each_columns_chosen_row() {
        let page = r#"<picker-view value="{{[1, 0]}}"><picker-view-column><view>a</view><view>b</view></picker-view-column><picker-view-column><view>c</view><view>d</view></picker-view-column></picker-view>"#;
        let out = html(page, json!({}));
        assert!(out.contains("data-value=\"[1,0]\""), "{out}");
        let rows: Vec<bool> = (out.split("data-mp=\"view\"").skip(1))
            .map(|row| row.starts_with(" data-selected>"))
            .collect();
        assert_eq!(rows, [false, true, true, false], "{out}");
    }
}
