//! The shop example between and beyond taps: a toast when a product goes
//! in the cart, a confirm modal before one comes out (its answer a
//! completion), a sort menu (an action sheet), and the unpaid order's
//! countdown (a timer updating the checkout page), through `miniapp run`.

use serde_json::{Value, json};

use crate::cli::{assert_exit, json_steps, last_data, run_fresh, stderr};
use crate::run_answer::step;

/// Longer than any run below needs: `--wait` ends once nothing is
/// pending, so only a hang reaches it.
const WAIT: &str = "60000";

/// `miniapp run --json` of the shop with `args`, waiting for what is pending.
fn shop(args: &[&str]) -> Vec<Value> {
    let out = run_fresh("shop", &[args, &["--wait", WAIT, "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "every answer used: {}",
        stderr(&out)
    );
    let mut steps = json_steps(&out);
    steps.push(json!({ "step": "last", "data": last_data(&out) }));
    steps
}

/// The names of the cart's products, in order.
fn cart(data: &Value) -> Vec<&str> {
    let lines = data["cart"]
        .as_array()
        .unwrap_or_else(|| panic!("no cart: {data}"));
    lines.iter().map(|l| l["name"].as_str().unwrap()).collect()
}

#[test]
fn shop_toasts_an_add_confirms_a_remove_and_sorts_through_an_action_sheet() {
    let steps = shop(&[
        "--tap",
        "#add-tea",
        "--tap",
        "#add-cake",
        "--tap",
        "#remove-tea",
        "--tap",
        "#sort",
        "--answer",
        "modal=confirm",
        "--answer",
        "action-sheet=1",
    ]);
    let toast = &step(&steps, "tap #add-tea")["host_ui"][0];
    assert_eq!(
        (&toast["ui"], &toast["title"]),
        (&json!("toast"), &json!("Added to cart")),
        "{toast}"
    );
    let modal = &step(&steps, "tap #remove-tea")["host_ui"][0];
    assert_eq!(modal["ui"], "modal", "{modal}");
    assert_eq!(modal["title"], "Remove from the cart?", "{modal}");
    assert_eq!(modal["content"], "Green tea leaves your cart.", "{modal}");
    assert_eq!(modal["confirm_text"], "Remove", "{modal}");
    let sheet = &step(&steps, "tap #sort")["host_ui"][0];
    assert_eq!(sheet["ui"], "action-sheet", "{sheet}");
    assert_eq!(
        sheet["item_list"],
        json!(["Price: low to high", "Price: high to low"])
    );
    let data = &step(&steps, "last")["data"];
    assert_eq!(cart(data), ["Moon cake"], "{data}");
    assert_eq!(data["removed"], "Green tea", "{data}");
    assert_eq!(data["cart_total_text"], "¥35.00", "{data}");
    assert_eq!(data["sorted"], "Price: high to low", "{data}");
    let names: Vec<&Value> = data["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["name"])
        .collect();
    assert_eq!(names, [&json!("Moon cake"), &json!("Green tea")], "{data}");
}

#[test]
fn shop_keeps_in_the_cart_what_the_user_did_not_confirm_removing() {
    let steps = shop(&[
        "--tap",
        "#add-tea",
        "--tap",
        "#remove-tea",
        "--answer",
        "modal=cancel",
    ]);
    let data = &step(&steps, "last")["data"];
    assert_eq!(cart(data), ["Green tea"], "{data}");
    assert_eq!(data["removed"], Value::Null, "{data}");
}

#[test]
fn shop_checkout_counts_down_every_second_and_the_unpaid_order_expires() {
    let steps = shop(&["--event", r#"index:buy={"product":"cake","pay_within":2}"#]);
    let mut countdown: Vec<&Value> = (steps.iter())
        .filter(|s| s["step"] != "last")
        .map(|s| &s["data"]["countdown"])
        .filter(|c| !c.is_null())
        .collect();
    countdown.dedup();
    // Opened at 00:02, one completion a second down to 00:00 (the run's
    // --wait ended once the expired order's timer was cleared).
    let expected = [json!("00:02"), json!("00:01"), json!("00:00")];
    assert_eq!(countdown, expected.iter().collect::<Vec<_>>(), "{steps:?}");
    let data = &step(&steps, "last")["data"];
    assert_eq!(
        (&data["expired"], &data["countdown"]),
        (&json!(true), &json!("00:00")),
        "{data}"
    );
}

#[test]
fn shop_checkout_refuses_a_time_to_pay_it_cannot_count_down_naming_it() {
    for within in ["0", "901"] {
        let detail = format!(r#"index:buy={{"product":"cake","pay_within":{within}}}"#);
        let out = run_fresh("shop", &["--event", &detail]);
        let says = format!("checkout: within={within} is not a number of seconds from 1 to 900");
        assert_exit(&out, 1, &says);
    }
}
