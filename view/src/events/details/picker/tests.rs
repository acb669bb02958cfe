//! The picker in each of its five modes: rendered as its children in a
//! `div` carrying its attributes, and its details accepted or refused.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::events::{EventError, Resolved, ViewEvent, model_patch, resolve_in};
use crate::html::to_html;
use crate::region::Regions;
use crate::render::Tree;
use crate::select::Selector;
use crate::testing::{handler_or_refusal, rendered, template_errors, template_warnings};

const PAGE: &str = r#"<picker id="fruit" range="{{fruits}}" value="{{1}}" bindchange="chose" bindcancel="dropped"><view>Fruit: {{fruits[1]}}</view></picker>
<picker id="named" range="{{people}}" range-key="name" bindchange="chose"><text>who</text></picker>
<picker id="off" disabled="{{true}}" range="{{fruits}}" bindchange="chose" bindcancel="dropped">off</picker>
<picker id="multi" mode="multiSelector" range="{{[['a', 'b'], ['x', 'y', 'z']]}}" value="{{[0, 2]}}" bindchange="chose" bindcolumnchange="moved">multi</picker>
<picker id="clock" mode="time" start="09:00" end="17:30" value="10:00" bindchange="chose">time</picker>
<picker id="day" mode="date" start="2024-02-10" end="2025-06-30" bindchange="chose">day</picker>
<picker id="month" mode="date" fields="month" start="2024-02-10" bindchange="chose">month</picker>
<picker id="year" mode="date" fields="year" bindchange="chose">year</picker>
<picker id="place" mode="region" value="{{['广东省', '深圳市', '南山区']}}" bindchange="chose">place</picker>
<picker id="city" mode="region" level="city" custom-item="全部" bindchange="chose">city</picker>
<picker id="bad" mode="{{badMode}}" bindchange="chose">bad</picker>
<picker id="bound" model:value="{{choice}}" range="{{fruits}}">bound</picker>"#;

fn data() -> Json {
    json!({
        "fruits": ["apple", "pear", "plum"],
        "people": [{"name": "Ada"}, {"name": "Bo"}],
        "badMode": "wheel",
        "choice": 0,
    })
}

fn tree() -> Tree {
    rendered(PAGE, &data())
}

fn node(tree: &Tree, id: &str) -> u32 {
    let selector = Selector::parse(&format!("#{id}")).unwrap();
    selector.find(tree).unwrap_or_else(|| panic!("no #{id}")).id
}

/// The handler `kind` with `detail` on `#id` reaches (checked against
/// `regions`), or why it is refused.
fn send_in(id: &str, kind: &str, detail: Json, regions: &Regions) -> Result<String, String> {
    let tree = tree();
    let event = ViewEvent {
        node: node(&tree, id),
        kind: kind.into(),
        detail,
    };
    match resolve_in(&tree, &event, &BTreeMap::new(), regions) {
        Ok(Resolved::Handlers(calls)) => Ok(calls[0].handler.clone()),
        Ok(other) => panic!("{other:?}"),
        Err(EventError::Detail(e)) => Err(e.to_string()),
        Err(e) => panic!("{e}"),
    }
}

fn send(id: &str, kind: &str, detail: Json) -> Result<String, String> {
    send_in(id, kind, detail, &Regions::shipped())
}

#[test]
fn a_picker_is_drawn_as_its_children_with_its_attributes_as_data() {
    let html = to_html(&tree());
    assert!(
        html.contains(
            r#"data-mp="picker" id="fruit" data-range="[&quot;apple&quot;,&quot;pear&quot;,&quot;plum&quot;]" data-value="1"><div data-nid="2" data-mp="view"><span data-nid="3">Fruit: pear</span></div></div>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"data-mode="multiSelector" data-range="[[&quot;a&quot;,&quot;b&quot;],[&quot;x&quot;,&quot;y&quot;,&quot;z&quot;]]" data-value="[0,2]""#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-mode="time" data-start="09:00" data-end="17:30" data-value="10:00""#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-mode="region" data-level="city" data-custom-item="全部""#),
        "{html}"
    );
    assert!(html.contains(r#"id="off" data-disabled="""#), "{html}");
    // A range's object items keep their fields, escaped.
    assert!(
        html.contains(r#"data-range="[{&quot;name&quot;:&quot;Ada&quot;},{&quot;name&quot;:&quot;Bo&quot;}]" data-range-key="name""#),
        "{html}"
    );
}

#[test]
fn a_hostile_range_reaches_the_html_as_escaped_text_only() {
    let page = r#"<picker range="{{r}}" header-text="{{h}}"><view>x</view></picker>"#;
    let hostile = json!({
        "r": ["\"><script>alert(1)</script>", "<img src=x onerror=alert(1)>"],
        "h": "\" onclick=\"alert(1)",
    });
    let html = to_html(&rendered(page, &hostile));
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );
    assert!(!html.contains("\" onclick"), "{html}");
    assert!(
        html.contains("data-header-text=\"&quot; onclick=&quot;alert(1)\""),
        "{html}"
    );
}

#[test]
fn a_picker_mode_not_wechats_is_refused_and_an_undocumented_attribute_warned() {
    assert_eq!(
        template_errors(r#"<picker mode="wheel"/>"#),
        [
            "1:9: `mode` on `<picker>`: `wheel` is not one of: selector, multiSelector, time, date, region"
        ]
    );
    assert_eq!(
        template_errors(r#"<picker mode="region" level="sub-district"/>"#),
        ["1:23: `level` on `<picker>`: `sub-district` is not one of: province, city, region"]
    );
    assert_eq!(
        template_warnings(r#"<picker mode="date" fields="day" header-text="When"/>"#),
        Vec::<String>::new()
    );
    let warned = template_warnings(r#"<picker rangekey="name"/>"#);
    assert!(
        warned[0].ends_with("did you mean `range-key`?"),
        "{warned:?}"
    );
}

#[test]
fn a_selector_index_within_its_range_reaches_the_app() {
    assert_eq!(
        send("fruit", "change", json!({"value": 2})).unwrap(),
        "chose"
    );
    assert_eq!(
        send("named", "change", json!({"value": 1})).unwrap(),
        "chose"
    );
    assert_eq!(send("fruit", "cancel", json!({})).unwrap(), "dropped");
    let refused = |detail| send("fruit", "change", detail).unwrap_err();
    assert_eq!(
        refused(json!({"value": 3})),
        "`change` on <picker>: `value` 3 is outside its `range` of 3 items"
    );
    assert_eq!(
        refused(json!({"value": -1})),
        "`change` on <picker>: `value` must be an index (a whole number from 0), not -1"
    );
    assert_eq!(
        refused(json!({"value": "1"})),
        "`change` on <picker>: `value` must be an index (a whole number from 0), not \"1\""
    );
    assert_eq!(
        send("off", "change", json!({"value": 0})).unwrap_err(),
        "`change` on <picker>: it is `disabled`: the user cannot change it"
    );
    assert_eq!(
        send("off", "cancel", json!({})).unwrap_err(),
        "`cancel` on <picker>: it is `disabled`: the user cannot change it"
    );
    assert_eq!(
        send("bad", "change", json!({"value": 0})).unwrap_err(),
        "`change` on <picker>: its `mode` is `wheel`, not one of: selector, multiSelector, \
         time, date, region"
    );
}

#[test]
fn a_multi_selector_index_per_column_within_it_reaches_the_app() {
    assert_eq!(
        send("multi", "change", json!({"value": [1, 2]})).unwrap(),
        "chose"
    );
    assert_eq!(
        send("multi", "columnchange", json!({"column": 1, "value": 2})).unwrap(),
        "moved"
    );
    let refused = |kind, detail| send("multi", kind, detail).unwrap_err();
    assert_eq!(
        refused("change", json!({"value": [2, 0]})),
        "`change` on <picker>: `value` 2 is outside its `range` column 0 of 2 items"
    );
    assert_eq!(
        refused("change", json!({"value": [0]})),
        "`change` on <picker>: `value` has 1 indices and its `range` 2 columns"
    );
    assert_eq!(
        refused("change", json!({"value": 1})),
        "`change` on <picker>: `value` must be an array of indices, one per column, not 1"
    );
    assert_eq!(
        refused("columnchange", json!({"column": 2, "value": 0})),
        "`columnchange` on <picker>: `column` must be one of its 2 columns (0 to 1), not 2"
    );
    assert_eq!(
        refused("columnchange", json!({"column": 0, "value": 2})),
        "`columnchange` on <picker>: `value` 2 is outside its `range` column 0 of 2 items"
    );
    assert_eq!(
        send("fruit", "columnchange", json!({"column": 0, "value": 0})).unwrap_err(),
        "`columnchange` on <picker>: only a multiSelector picker's columns change, and its \
         `mode` is `selector`"
    );
}

#[test]
fn a_time_within_start_and_end_reaches_the_app() {
    for ok in ["09:00", "12:45", "17:30"] {
        assert_eq!(
            send("clock", "change", json!({ "value": ok })).unwrap(),
            "chose"
        );
    }
    let refused = |v: Json| send("clock", "change", json!({ "value": v })).unwrap_err();
    assert_eq!(
        refused(json!("08:59")),
        "`change` on <picker>: `value` \"08:59\" is outside `start` 09:00 to `end` 17:30"
    );
    assert_eq!(
        refused(json!("17:31")),
        "`change` on <picker>: `value` \"17:31\" is outside `start` 09:00 to `end` 17:30"
    );
    for malformed in [json!("9:00"), json!("24:00"), json!("12:60"), json!(900)] {
        assert_eq!(
            refused(malformed.clone()),
            format!("`change` on <picker>: `value` must be a time \"hh:mm\", not {malformed}")
        );
    }
}

#[test]
fn a_date_in_its_fields_format_within_start_and_end_reaches_the_app() {
    for ok in ["2024-02-10", "2024-02-29", "2025-06-30"] {
        assert_eq!(
            send("day", "change", json!({ "value": ok })).unwrap(),
            "chose"
        );
    }
    assert_eq!(
        send("month", "change", json!({"value": "2024-02"})).unwrap(),
        "chose"
    );
    assert_eq!(
        send("year", "change", json!({"value": "1999"})).unwrap(),
        "chose"
    );
    let refused = |id, v: Json| send(id, "change", json!({ "value": v })).unwrap_err();
    assert_eq!(
        refused("day", json!("2024-02-09")),
        "`change` on <picker>: `value` \"2024-02-09\" is outside `start` 2024-02-10 to `end` \
         2025-06-30"
    );
    assert_eq!(
        refused("day", json!("2025-07-01")),
        "`change` on <picker>: `value` \"2025-07-01\" is outside `start` 2024-02-10 to `end` \
         2025-06-30"
    );
    assert_eq!(
        refused("day", json!("2025-02-29")),
        "`change` on <picker>: `value` must be a date \"YYYY-MM-DD\" (its `fields` is `day`), \
         not \"2025-02-29\""
    );
    assert_eq!(
        refused("month", json!("2024-01")),
        "`change` on <picker>: `value` \"2024-01\" is outside `start` 2024-02-10 to `end` (none)"
    );
    assert_eq!(
        refused("month", json!("2024-03-01")),
        "`change` on <picker>: `value` must be a date \"YYYY-MM\" (its `fields` is `month`), \
         not \"2024-03-01\""
    );
    assert_eq!(
        refused("year", json!("99")),
        "`change` on <picker>: `value` must be a date \"YYYY\" (its `fields` is `year`), not \
         \"99\""
    );
}

#[test]
fn a_region_of_the_table_in_force_reaches_the_app() {
    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    assert_eq!(send("place", "change", shenzhen).unwrap(), "chose");
    let city = json!({"value": ["北京市", "北京市"], "code": ["110000", "110100"]});
    assert_eq!(send("city", "change", city).unwrap(), "chose");
    // The custom item, in a column and every one after it.
    let custom = json!({"value": ["广东省", "全部"], "code": ["440000", ""]});
    assert_eq!(send("city", "change", custom).unwrap(), "chose");
    let refused = |id, detail| send(id, "change", detail).unwrap_err();
    assert_eq!(
        refused(
            "place",
            json!({"value": ["广东省", "深圳市", "东城区"], "code": ["440000", "440300", "110101"]})
        ),
        "`change` on <picker>: `value` `东城区` is not a county of the region table under `深圳市`"
    );
    assert_eq!(
        refused(
            "place",
            json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440306"]})
        ),
        "`change` on <picker>: `code` `440306` is not `南山区`'s, which is `440305`"
    );
    assert_eq!(
        refused(
            "place",
            json!({"value": ["广东省", "深圳市"], "code": ["440000", "440300"]})
        ),
        "`change` on <picker>: `value` must be an array of 3 strings (its `level` has 3 \
         columns), not [\"广东省\",\"深圳市\"]"
    );
    assert_eq!(
        refused(
            "place",
            json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"], "postcode": "518000"})
        ),
        "`change` on <picker>: `postcode` \"518000\": the region table in force has no postcodes"
    );
    assert_eq!(
        refused(
            "city",
            json!({"value": ["全部", "深圳市"], "code": ["", "440300"]})
        ),
        "`change` on <picker>: `value` `深圳市` (column 1) follows its `custom-item` `全部`: the \
         columns after it show it too"
    );
    assert_eq!(
        refused(
            "city",
            json!({"value": ["全部", "全部"], "code": ["44", ""]})
        ),
        "`change` on <picker>: `code` `44` (column 0) belongs to no region: its `custom-item` \
         `全部` has the code \"\""
    );
    assert_eq!(
        refused(
            "place",
            json!({"value": ["全部", "全部", "全部"], "code": ["", "", ""]})
        ),
        "`change` on <picker>: `value` `全部` is not a province of the region table"
    );
}

#[test]
fn a_region_change_is_checked_against_the_operators_table_when_one_is_in_force() {
    let table = Regions::parse("N\tNorthland\nN1\tPort\tN\nN11\tDocks\tN1\n").unwrap();
    let docks = json!({"value": ["Northland", "Port", "Docks"], "code": ["N", "N1", "N11"]});
    assert_eq!(
        send_in("place", "change", docks.clone(), &table).unwrap(),
        "chose"
    );
    assert_eq!(
        send("place", "change", docks).unwrap_err(),
        "`change` on <picker>: `value` `Northland` is not a province of the region table"
    );
    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    assert_eq!(
        send_in("place", "change", shenzhen, &table).unwrap_err(),
        "`change` on <picker>: `value` `广东省` is not a province of the region table"
    );
}

#[test]
fn model_value_on_a_picker_sets_its_path_once_the_change_is_checked() {
    let tree = tree();
    let event = |value| ViewEvent {
        node: node(&tree, "bound"),
        kind: "change".into(),
        detail: json!({ "value": value }),
    };
    assert_eq!(
        model_patch(&tree, &event(json!(2))).unwrap(),
        Some(json!({"choice": 2}))
    );
    let impossible = event(json!(7));
    let refused = resolve_in(&tree, &impossible, &BTreeMap::new(), &Regions::shipped());
    assert_eq!(
        refused.unwrap_err().to_string(),
        "`change` on <picker>: `value` 7 is outside its `range` of 3 items"
    );
}

thread_local! {
    /// How many times this thread read a picker's rendered `range`.
    pub(super) static READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[test]
fn a_large_range_is_read_once_per_render_not_once_per_event() {
    let page = r#"<picker id="many" range="{{items}}" bindchange="chose">many</picker>
<picker id="grid" mode="multiSelector" range="{{[items, items]}}" bindchange="chose" bindcolumnchange="moved">grid</picker>"#;
    let items: Vec<String> = (0..50_000).map(|i| format!("item {i}")).collect();
    let data = json!({ "items": items });
    let tree = rendered(page, &data);
    let before = READS.with(std::cell::Cell::get);
    for i in 0..100u64 {
        let at = i * 499;
        assert_eq!(
            handler_or_refusal(&tree, "many", "change", json!({ "value": at })),
            Ok("chose".into())
        );
        assert_eq!(
            handler_or_refusal(
                &tree,
                "grid",
                "columnchange",
                json!({"column": 1, "value": at})
            ),
            Ok("moved".into())
        );
    }
    // Refusals are checked against the same reading.
    assert_eq!(
        handler_or_refusal(&tree, "many", "change", json!({"value": 50_000})).unwrap_err(),
        "`change` on <picker>: `value` 50000 is outside its `range` of 50000 items"
    );
    assert_eq!(
        handler_or_refusal(&tree, "grid", "change", json!({"value": [0, 50_000]})).unwrap_err(),
        "`change` on <picker>: `value` 50000 is outside its `range` column 1 of 50000 items"
    );
    // 202 events on two pickers: each range read once.
    assert_eq!(READS.with(std::cell::Cell::get) - before, 2);
    // A new render reads it again, once.
    let again = rendered(page, &data);
    for _ in 0..10 {
        assert!(handler_or_refusal(&again, "many", "change", json!({"value": 1})).is_ok());
    }
    assert_eq!(READS.with(std::cell::Cell::get) - before, 3);
}

#[test]
fn a_range_not_an_array_is_quoted_only_so_far_in_the_refusal() {
    let page = r#"<picker id="odd" range="{{text}}" bindchange="chose">odd</picker>"#;
    let tree = rendered(page, &json!({ "text": "x".repeat(100_000) }));
    let refused = handler_or_refusal(&tree, "odd", "change", json!({"value": 0})).unwrap_err();
    assert!(refused.ends_with("...\", not an array"), "{refused}");
    assert!(refused.len() < 200, "{}", refused.len());
}
