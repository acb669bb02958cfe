//! Typed custom components with a real guest, the `components` example
//! (the SDK's `#[component]`, the typed twin of `components-raw`): the
//! SDK's registry gets the host's lifetimes in order, properties typed
//! with observers given the old value, a data observer on a path, an
//! instance's own setData re-rendering its subtree only, `trigger_event`
//! reaching the page's typed handler and bubbling through a parent
//! component, a keyed move, detached, and `select`/`with` from the page.

use miniapp_runtime::AppInstance;
use miniapp_runtime::view::diff::Op;
use serde_json::json;

use crate::common::{example, launched_alone, node, tap};

/// The example, launched.
async fn launched() -> (tempfile::TempDir, AppInstance) {
    launched_alone(example("components")).await
}

/// Tap `selector`, which must succeed.
async fn tapped(inst: &mut AppInstance, selector: &str) {
    (tap(inst, selector).await).unwrap_or_else(|e| panic!("{selector}: {e}"));
}

/// What the components journaled so far (the page's `journal` handler
/// copies it into the page's data).
async fn journal(inst: &mut AppInstance) -> Vec<String> {
    tapped(inst, "#journal").await;
    let all = inst.page_data()["notices"].as_array().cloned().unwrap();
    all.iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// The ids of the `created:ID:PATH` entries of component `path`.
fn created(journal: &[String], path: &str) -> Vec<u32> {
    (journal.iter())
        .filter_map(|n| n.strip_prefix("created:"))
        .filter(|n| n.split_once(':').map(|(_, p)| p) == Some(path))
        .map(|n| n.split(':').next().unwrap().parse().unwrap())
        .collect()
}

/// Deliver the next completion, which must be due (`what` says which).
async fn completes(inst: &mut AppInstance, what: &str) {
    let hang = std::time::Duration::from_secs(60);
    let next = tokio::time::timeout(hang, inst.complete_next())
        .await
        .unwrap();
    next.unwrap_or_else(|| panic!("{what}")).unwrap();
}

/// The page's HTML.
fn html(inst: &AppInstance) -> String {
    inst.view_html().unwrap()
}

/// The text inside element `selector` (a `<text>`: its first text).
fn text_of(inst: &AppInstance, selector: &str) -> String {
    let (page, nid) = (html(inst), node(inst, selector));
    let at = page.find(&format!("data-nid=\"{nid}\"")).unwrap();
    let texts = page[at..].split('<').filter_map(|tag| tag.split_once('>'));
    let first = texts.map(|(_, text)| text).find(|text| !text.is_empty());
    first.unwrap_or_default().to_string()
}

#[tokio::test]
async fn instances_are_created_attached_and_ready_in_order_with_typed_properties() {
    let (_dir, mut inst) = launched().await;
    let seen = journal(&mut inst).await;
    // One batch: every instance created (the badge journals nothing),
    // then the list items attached, then ready, in document order.
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for kind in seen.iter().map(|n| n.split(':').next().unwrap()) {
        match runs.last_mut() {
            Some((last, n)) if *last == kind => *n += 1,
            _ => runs.push((kind, 1)),
        }
    }
    assert_eq!(
        runs,
        [("created", 6), ("attached", 3), ("ready", 3)],
        "{seen:?}"
    );
    let counter = created(&seen, "components/counter/counter");
    let items = created(&seen, "components/list-item/list-item");
    assert_eq!((counter.len(), items.len()), (1, 3), "{seen:?}");
    assert!(counter[0] < items[0] && items.windows(2).all(|w| w[0] < w[1]));
    let attached: Vec<String> = items.iter().map(|id| format!("attached:{id}")).collect();
    assert_eq!(seen[6..9], attached[..]);
    // The counter shows its property, its data's default, nothing observed.
    assert!(html(&inst).contains("1/0/"), "{}", html(&inst));
}

#[tokio::test]
async fn a_property_observer_gets_the_old_value_and_a_data_observer_its_path() {
    let (_dir, mut inst) = launched().await;
    let counter = created(&journal(&mut inst).await, "components/counter/counter")[0];
    tapped(&mut inst, "#bump").await;
    let seen = journal(&mut inst).await;
    assert_eq!(seen.last().unwrap(), &format!("value:{counter}:2:1"));
    let shown = html(&inst);
    assert!(
        shown.contains("2/0/1 -&gt; 2") || shown.contains("2/0/1 -> 2"),
        "{shown}"
    );
    // `+` sets `clicks`: the observer of path `clicks` sets `twice`.
    tapped(&mut inst, "#inc").await;
    tapped(&mut inst, "#inc").await;
    assert!(html(&inst).contains("2/2/"), "{}", html(&inst));
    assert_eq!(text_of(&inst, "#twice"), "4");
}

#[tokio::test]
async fn a_triggered_event_reaches_the_pages_typed_handler_and_bubbles_through_a_component() {
    let (_dir, mut inst) = launched().await;
    tapped(&mut inst, "#inc").await;
    tapped(&mut inst, "#inc").await;
    // The counter's `change` {value: clicks} reached the page's `onChange`,
    // with the tap's gesture (one user gesture, as on WeChat).
    assert_eq!(inst.page_data()["changed"], 2);
    assert_eq!(inst.page_data()["gestured"], true);
    // The badge's `poke` reached the card's handler (in the card's
    // template), then, composed, the page's (on the card's host element).
    tapped(&mut inst, "#poke").await;
    assert_eq!(inst.page_data()["poked"], "Hello");
    let seen = journal(&mut inst).await;
    let card = created(&seen, "components/card/card")[0];
    assert!(seen.contains(&format!("poke:{card}:Hello")), "{seen:?}");
    assert_eq!(text_of(&inst, "#pokes"), "1", "the card shows one poke");
}

#[tokio::test]
async fn a_keyed_move_is_moved_and_a_component_leaving_is_detached() {
    let (_dir, mut inst) = launched().await;
    let seen = journal(&mut inst).await;
    let items = created(&seen, "components/list-item/list-item");
    let boxed = created(&seen, "components/timer-box/timer-box")[0];
    tapped(&mut inst, "#reverse").await;
    let after = journal(&mut inst).await;
    assert_eq!(
        after[seen.len()..],
        [format!("moved:{}", items[2]), format!("moved:{}", items[0])]
    );
    inst.hide().await.unwrap();
    inst.show().await.unwrap();
    tapped(&mut inst, "#drop").await;
    let last = journal(&mut inst).await;
    assert_eq!(
        last[after.len()..],
        [format!("hide:{boxed}"), format!("detached:{boxed}")]
    );
}

#[tokio::test]
async fn the_page_selects_its_components_and_calls_one() {
    let (_dir, mut inst) = launched().await;
    let seen = journal(&mut inst).await;
    tapped(&mut inst, "#pick").await;
    let mut expected = created(&seen, "components/counter/counter");
    expected.extend(created(&seen, "components/list-item/list-item"));
    assert_eq!(inst.page_data()["picked"], json!(expected));
    tapped(&mut inst, "#inc").await;
    assert!(html(&inst).contains("1/1/"), "{}", html(&inst));
    assert_eq!(inst.page_data()["changed"], 1);
    // `component::with` from the page: the counter's `reset`, whose
    // `change` reaches the page once the page's handler returned.
    tapped(&mut inst, "#reset").await;
    assert!(html(&inst).contains("1/0/"), "{}", html(&inst));
    assert_eq!(inst.page_data()["changed"], 0);
}

#[tokio::test]
async fn an_instances_own_set_data_from_a_timer_changes_only_its_subtree() {
    let (_dir, mut inst) = launched().await;
    tapped(&mut inst, "#later").await;
    let _ = inst.take_view_ops();
    completes(&mut inst, "a 0 ms timer is due").await;
    // One operation, under the counter's #late: nothing else was drawn again.
    let ops = inst.take_view_ops().expect("a diff of the same page");
    let parents: Vec<Option<u32>> = (ops.iter())
        .map(|op| match op {
            Op::Insert { parent, .. } => *parent,
            other => panic!("an insert, not {other:?}"),
        })
        .collect();
    assert_eq!(parents, [Some(node(&inst, "#late"))]);
    assert_eq!(text_of(&inst, "#late"), "done");
}

#[tokio::test]
async fn a_page_handler_reached_by_a_components_event_starts_page_work() {
    let (_dir, mut inst) = launched().await;
    let boxed = created(&journal(&mut inst).await, "components/timer-box/timer-box")[0];
    // The box's `ask` reaches the page's `onAsk`, which drops the box and
    // starts a 0 ms timer: the page's, so the box's detach leaves it.
    tapped(&mut inst, "#ask").await;
    let seen = journal(&mut inst).await;
    assert!(seen.contains(&format!("detached:{boxed}")), "{seen:?}");
    completes(&mut inst, "the page's 0 ms timer is due").await;
    // Its callback's setData reached the page.
    assert_eq!(inst.page_data()["asked"], "late");
    assert_eq!(text_of(&inst, "#asked"), "late");
}

#[tokio::test]
async fn acting_for_a_target_no_trigger_event_returned_is_refused() {
    let (_dir, mut inst) = launched().await;
    let counter = created(&journal(&mut inst).await, "components/counter/counter")[0];
    tapped(&mut inst, "#forge").await;
    let forged = inst.page_data()["forged"].as_str().unwrap().to_string();
    assert!(
        forged.contains(&format!(
            "act-for component instance {counter}: no trigger-event of this callback returned it"
        )),
        "{forged}"
    );
}

#[tokio::test]
async fn a_property_observer_sees_a_first_value_other_than_its_default() {
    let (_dir, mut inst) = launched().await;
    // The items' labels are not their default `new`: each item's observer
    // saw its first value, the default as the old one.
    let shown = html(&inst);
    for label in ["A", "B", "C"] {
        let seen = format!("&quot;new&quot; -&gt; {label}");
        assert!(shown.contains(&seen), "{seen} in {shown}");
    }
    // The page gives the counter its default value: no observer then.
    let seen = journal(&mut inst).await;
    assert!(!seen.iter().any(|n| n.starts_with("value:")), "{seen:?}");
}

#[tokio::test]
async fn a_components_selector_query_asks_its_own_template() {
    let (_dir, mut inst) = launched().await;
    // The counter's `this.create_selector_query()`: its `#inc`, not the
    // page's `#bump`.
    tapped(&mut inst, "#measure").await;
    // The answer comes when the host has measured: wait for it.
    let hang = std::time::Duration::from_secs(60);
    let waited = tokio::time::timeout(hang, inst.wake().wait()).await;
    assert!(waited.is_ok(), "no answer came");
    completes(&mut inst, "the query is answered").await;
    assert_eq!(text_of(&inst, "#measured"), "inc:1,bump:0");
}

/// What the relations saw and the list's linked items (the page's
/// `relations` handler copies them).
async fn relations(inst: &mut AppInstance) -> (Vec<String>, Vec<u32>) {
    tapped(inst, "#relations").await;
    let data = inst.page_data();
    let seen = data["relations"].as_array().unwrap().iter();
    let seen = seen.map(|n| n.as_str().unwrap().to_string()).collect();
    let nodes = data["nodes"].as_array().unwrap().iter();
    (seen, nodes.map(|n| n.as_u64().unwrap() as u32).collect())
}

/// Both sides of a link of `lower` to `upper`, as the journal says them.
fn both(kind: &str, lower: u32, upper: u32) -> [String; 2] {
    [
        format!("{kind}:{lower}:{upper}"),
        format!("{kind}:{upper}:{lower}"),
    ]
}

#[tokio::test]
async fn relations_link_items_given_through_a_slot_and_unlink_one_that_leaves() {
    let (_dir, mut inst) = launched().await;
    let (seen, items) = relations(&mut inst).await;
    // The list is drawn before its items, each item before its mark. The
    // items are the list's children through its slot, their marks (in
    // the items' own templates) its descendants. Each link: the lower
    // side, then the list's, in document order.
    assert_eq!(items.len(), 3, "{seen:?}");
    let list = items[0] - 1;
    let mark = |item: u32| item + 1;
    let expected: Vec<String> = (items.iter())
        .flat_map(|item| {
            [
                both("linked", *item, list),
                both("linked", mark(*item), list),
            ]
        })
        .flatten()
        .collect();
    assert_eq!(seen, expected);
    assert!(items.windows(2).all(|w| w[0] < w[1]), "{items:?}");
    // The middle item leaves with its mark: unlinked on both sides, the
    // rest stay.
    tapped(&mut inst, "#shrink").await;
    let (after, nodes) = relations(&mut inst).await;
    let middle = items[1];
    let unlinked: Vec<String> = [
        both("unlinked", middle, list),
        both("unlinked", mark(middle), list),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(after[seen.len()..], unlinked[..]);
    assert_eq!(nodes, [items[0], items[2]]);
    // A relation the list does not declare is refused by name.
    let refused = inst.page_data()["unrelated"].as_str().unwrap().to_string();
    assert!(
        refused.contains(
            "component `components/rel-list/rel-list` declares no relation `../rel-box/rel-box`"
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn a_linked_item_that_moves_is_link_changed() {
    let (_dir, mut inst) = launched().await;
    let (seen, items) = relations(&mut inst).await;
    let list = items[0] - 1;
    // Reversed, keyed: the first and last items moved, the middle kept its
    // place; the list hears of each moved link in the new document order.
    tapped(&mut inst, "#turn").await;
    let (after, nodes) = relations(&mut inst).await;
    assert_eq!(
        after[seen.len()..],
        [
            format!("link-changed:{list}:{}", items[2]),
            format!("link-changed:{list}:{}", items[0])
        ]
    );
    assert_eq!(nodes, [items[2], items[1], items[0]]);
}

#[tokio::test]
async fn a_behavior_mixes_its_property_data_handler_and_lifetime_into_a_component() {
    let (_dir, mut inst) = launched().await;
    // The behavior's `attached` ran before the chip's own; its property
    // `tag` took the page's value.
    assert_eq!(text_of(&inst, "#chip-order"), "behavior,component");
    assert_eq!(text_of(&inst, "#chip-tag"), "hot");
    // Its observer saw the page's first value over its default.
    assert_eq!(
        text_of(&inst, "#chip-tagged"),
        "&quot;plain&quot; -&gt; hot"
    );
    assert_eq!(text_of(&inst, "#chip-label"), "L");
    // The chip's template binds the behavior's handler `pick`.
    tapped(&mut inst, "#chip-pick").await;
    tapped(&mut inst, "#chip-pick").await;
    assert_eq!(text_of(&inst, "#chip-picked"), "hot:2");
}

#[tokio::test]
async fn a_name_both_a_component_and_its_behavior_declare_is_the_component_s() {
    let (_dir, mut inst) = launched().await;
    // Property `shade`: the chip's default, not the behavior's.
    assert_eq!(text_of(&inst, "#chip-shade"), "own");
    // Handler `clear`: the chip's runs, not the behavior's.
    tapped(&mut inst, "#chip-clear").await;
    assert_eq!(text_of(&inst, "#chip-cleared"), "component:own");
}

#[tokio::test]
async fn a_form_submits_a_form_field_components_name_and_value_with_its_inputs() {
    let (_dir, mut inst) = launched().await;
    // The qty-field's `value` is its data's: the page gave 2, its `+` made 3.
    tapped(&mut inst, "#qty-more").await;
    assert_eq!(text_of(&inst, "#qty-value"), "3");
    tapped(&mut inst, "#form-send").await;
    assert_eq!(text_of(&inst, "#submitted"), "note=hi qty=3");
}

#[tokio::test]
async fn a_relation_with_a_target_links_a_component_by_its_behavior() {
    let (_dir, inst) = launched().await;
    // The pick-group's relation names no path but the `Pickable` behavior:
    // the chip inside it has that behavior and declares the group its
    // ancestor, so both are linked (the chip outside any group is not).
    assert_eq!(text_of(&inst, "#group-linked"), "Pickable");
}
