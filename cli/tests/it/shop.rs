//! The shop example between and beyond taps: a toast when a product goes
//! in the cart, a confirm modal before one comes out (its answer a
//! completion), a sort menu (an action sheet), and the unpaid order's
//! countdown (a timer updating the checkout page), through `miniapp run`;
//! its product images downloaded from `miniapp fixture shop` and a review
//! photo uploaded to it, its catalogue on the home, category and product
//! pages, and, without the fixture, the error with a Retry (through
//! `miniapp run`, and `miniapp dev` for the retry once the fixture is up);
//! a page's query it cannot serve is refused by name.

use std::time::Duration;

use serde_json::{Value, json};

use crate::cli::{assert_exit, declaring, json_steps, last_data, miniapp, run_fresh, stderr};
use crate::dev::Simulator;
use crate::fixture_shop::ShopFixture;
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

/// `http://127.0.0.1:PORT` where nothing listens (a port just freed).
fn nothing_at() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// `miniapp run --json` of the shop declaring `origin`, allowed to reach
/// loopback, launched on `page` with `shop=origin`, with `args`, waiting
/// for what is pending: its steps, then `last` (see [`shop`]).
fn shop_with(origin: &str, page: &str, args: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let package = declaring("shop", origin, dir.path());
    let sep = if page.contains('?') { '&' } else { '?' };
    let path = format!("{page}{sep}shop={origin}");
    let data = dir.path().join("data");
    let run = ["run", &package, "--data-dir", data.to_str().unwrap()];
    let allowed = ["--allow-address", "127.0.0.1", "--path", &path];
    let out = miniapp(&[&run[..], &allowed, args, &["--wait", WAIT, "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let mut steps = json_steps(&out);
    let html = steps.last().map_or(Value::Null, |s| s["html"].clone());
    steps.push(json!({ "step": "last", "data": last_data(&out), "html": html }));
    steps
}

/// Whether `path` is a temp path as the host gives them out.
fn is_temp_path(path: &Value) -> bool {
    let name = path.as_str().and_then(|p| p.strip_prefix("wxfile://tmp/"));
    name.is_some_and(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn shop_without_its_server_shows_the_error_and_a_retry_and_exits_0() {
    // No fixture, and loopback not allowed: both downloads are refused at
    // launch, and again at the retry; the shop works on without them.
    let out = run_fresh("shop", &["--tap", "#retry", "--tap", "#add-tea", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    assert_eq!(steps.len(), 3, "{steps:?}");
    for step in &steps[..2] {
        let data = &step["data"];
        assert_eq!(data["images_status"], "error", "{data}");
        let error = data["images_error"].as_str().unwrap();
        assert!(error.contains("--allow-address 127.0.0.1"), "{error}");
        let html = step["html"].as_str().unwrap();
        assert!(html.contains(r#"id="retry""#), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
    assert_eq!(cart(&steps[2]["data"]), ["Green tea"]);
    // Allowed, but nothing listens: the download fails on the way, the
    // same error state.
    let origin = nothing_at();
    let steps = shop_with(&origin, "index", &[]);
    let data = &step(&steps, "last")["data"];
    assert_eq!(data["images_status"], "error", "{data}");
    let error = data["images_error"].as_str().unwrap();
    assert!(error.contains(&origin[7..]), "names the server: {error}");
}

#[test]
fn shop_checkout_opens_the_review_page_of_its_product() {
    let out = run_fresh(
        "shop",
        &["--tap", "#buy-cake", "--tap", "#review", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let last = steps.last().unwrap();
    assert_eq!(
        last["pages"],
        json!(["index", "checkout", "review"]),
        "{last}"
    );
    assert_eq!(last["data"]["name"], "Moon cake", "{last}");
    assert_eq!(last["data"]["review_status"], "none", "{last}");
}

#[test]
fn shop_shows_each_product_image_downloaded_from_its_fixture_by_its_temp_path() {
    let fixture = ShopFixture::start();
    let steps = shop_with(&fixture.origin, "index", &[]);
    let last = step(&steps, "last");
    assert_eq!(last["data"]["images_status"], "ready", "{last}");
    let html = last["html"].as_str().unwrap();
    let products = last["data"]["products"].as_array().unwrap();
    assert_eq!(products.len(), 2);
    for product in products {
        let image = &product["image"];
        assert!(is_temp_path(image), "{product}");
        // Headless, the page shows the path itself.
        let id = product["id"].as_str().unwrap();
        let img = format!(
            r#"id="image-{id}" class="photo" src="{}""#,
            image.as_str().unwrap()
        );
        assert!(html.contains(&img), "{img} in {html}");
    }
    assert_ne!(products[0]["image"], products[1]["image"]);
}

#[test]
fn shop_review_uploads_the_picked_photo_and_the_fixture_receives_its_bytes() {
    let fixture = ShopFixture::start();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.png");
    let bytes: Vec<u8> = (b"\x89PNG\r\n\x1a\n".iter().copied())
        .chain((0..=255u8).cycle().take(200_000))
        .collect();
    std::fs::write(&photo, &bytes).unwrap();
    let fixture_arg = format!("image={}", photo.display());
    let args = ["--fixture", &fixture_arg, "--tap", "#photo"];
    let steps = shop_with(&fixture.origin, "review?product=tea", &args);
    let uploading = (steps.iter()).find(|s| s["data"]["review_status"] == "uploading");
    let uploading = uploading.unwrap_or_else(|| panic!("never uploading: {steps:?}"));
    assert!(
        is_temp_path(&uploading["data"]["review_photo"]),
        "{uploading}"
    );
    let data = &step(&steps, "last")["data"];
    assert_eq!(data["review_status"], "sent", "{data}");
    assert_eq!(data["review_progress"], 100, "{data}");
    assert_eq!(data["review_number"], 1, "{data}");
    assert_eq!(data["review_bytes"], bytes.len(), "{data}");
    assert_eq!(
        fixture.review_photo(1),
        bytes,
        "the fixture got the photo as picked"
    );
}

#[test]
fn shop_review_without_its_server_shows_why_with_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n a photo").unwrap();
    let fixture_arg = format!("image={}", photo.display());
    let args = ["--fixture", &fixture_arg, "--tap", "#photo"];
    let steps = shop_with(&nothing_at(), "review?product=cake", &args);
    let last = step(&steps, "last");
    assert_eq!(last["data"]["review_status"], "error", "{last}");
    let error = last["data"]["review_error"].as_str().unwrap();
    assert!(error.starts_with("failed: "), "{error}");
    assert!(
        last["html"].as_str().unwrap().contains(r#"id="retry""#),
        "{last}"
    );
}

/// The simulator's page data once `done` holds of it (only a hang reaches
/// the guard).
async fn data_once(simulator: &Simulator, done: impl Fn(&Value) -> bool) -> Value {
    let wait = async {
        loop {
            let data = simulator.state().await["data"].clone();
            if done(&data) {
                return data;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(crate::serve::HANG, wait)
        .await
        .expect("the page data changed in time")
}

#[tokio::test]
async fn shop_retry_downloads_the_images_once_the_fixture_is_up() {
    let origin = nothing_at();
    let dir = tempfile::tempdir().unwrap();
    let package = declaring("shop", &origin, dir.path());
    let path = format!("index?shop={origin}");
    let args = ["--path", &path, "--allow-address", "127.0.0.1"];
    let simulator = Simulator::start(&package, &args);
    let data = data_once(&simulator, |d| d["images_status"] == "error").await;
    assert!(data["products"][0]["image"].is_null(), "{data}");
    let fixture = ShopFixture::on(origin.strip_prefix("http://").unwrap());
    assert_eq!(fixture.origin, origin);
    let answer = simulator.dispatch("#retry", "tap", json!({})).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let data = data_once(&simulator, |d| d["images_status"] != "loading").await;
    assert_eq!(data["images_status"], "ready", "{data}");
    for product in data["products"].as_array().unwrap() {
        assert!(is_temp_path(&product["image"]), "{product}");
    }
    // The simulator's page gets each image's bytes from the instance's
    // temp area: the fixture's PNG.
    let image = data["products"][0]["image"].as_str().unwrap();
    let (status, bytes) = simulator.temp_file(image).await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{bytes:?}");
    // Only the running instance's own files: once relaunched, the first
    // instance's are gone, and a name the host never gave is refused alike.
    let url = format!("{}/api/relaunch?token={}", simulator.base, simulator.token);
    let relaunch = json!({ "path": "index", "query": [["shop", origin]] });
    let answer: Value = (crate::serve::post_json(url, &relaunch).await.json().await).unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    let never_given = format!("wxfile://tmp/{}", "0".repeat(32));
    for path in [image, never_given.as_str()] {
        let (status, why) = simulator.temp_file(path).await;
        let why = String::from_utf8_lossy(&why);
        assert_eq!(status, 404, "{path}: {why}");
        assert!(why.contains("is not a temp file of this app"), "{why}");
    }
}

#[test]
fn shop_lists_its_fixture_s_catalogue_on_the_home_category_and_product_pages() {
    let fixture = ShopFixture::start();
    let origin = &fixture.origin;
    // Home: the banners and the list's first page, more to come.
    let home = shop_with(origin, "index", &[]);
    let data = &step(&home, "last")["data"];
    assert_eq!(data["goods_status"], "ready", "{data}");
    assert_eq!(data["goods_more"], true, "{data}");
    let goods = data["goods"].as_array().unwrap();
    let ids: Vec<&str> = goods.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["tea", "cake", "oolong", "puer", "jasmine", "black"]);
    assert_eq!(goods[0]["image"], format!("{origin}/images/tea.png"));
    assert_eq!(data["banners"].as_array().unwrap().len(), 3, "{data}");
    // A category: the first one chosen, its products.
    let category = shop_with(origin, "category", &[]);
    let data = &step(&category, "last")["data"];
    assert_eq!(data["chosen"], "tea", "{data}");
    assert_eq!(data["goods"].as_array().unwrap().len(), 6, "{data}");
    // A product: its variants for the picker, the first one's price, and
    // the stepper and price components drawn with them.
    let steps = shop_with(origin, "product?id=tea", &[]);
    let last = step(&steps, "last");
    let data = &last["data"];
    assert_eq!(data["status"], "ready", "{data}");
    assert_eq!(data["product"]["name"], "Green tea", "{data}");
    assert_eq!(data["variants"], json!(["250 g", "500 g"]), "{data}");
    assert_eq!(
        (&data["price"], &data["quantity"]),
        (&json!(1200), &json!(1))
    );
    let html = last["html"].as_str().unwrap();
    assert!(html.contains(r#"data-mp="stepper""#), "{html}");
    assert!(html.contains(">¥12</span>"), "{html}");
}

#[test]
fn shop_pages_refuse_a_query_they_cannot_serve_naming_it() {
    let refused = [
        ("product", "product: the query names no id (product?id=tea)"),
        ("checkout", "checkout: the cart is empty"),
        (
            "checkout?product=lychee&variant=1",
            "checkout: variant 1 of lychee was not chosen on its product page",
        ),
        ("review?product=bread", "unknown product bread"),
    ];
    for (path, says) in refused {
        let out = run_fresh("shop", &["--path", path]);
        assert_exit(&out, 1, says);
    }
}
