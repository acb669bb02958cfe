//! `miniapp fixture shop`, the shop example's server, run as a user runs
//! it and spoken to with plain HTTP: its catalogue is JSON by page and by
//! id, its product images are PNGs, a review photo is kept byte for byte and answered with its size and CRC-32, and
//! what it cannot take is refused by name.

use std::process::Child;

use serde_json::{Value, json};

use crate::cli::fixture;

/// A running `miniapp fixture shop`, killed when dropped.
pub(crate) struct ShopFixture {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) origin: String,
    /// Where it keeps the review photos it receives (`--save-to`).
    pub(crate) saved: tempfile::TempDir,
}

impl ShopFixture {
    /// `miniapp fixture shop` on a free loopback port.
    pub(crate) fn start() -> ShopFixture {
        ShopFixture::on("127.0.0.1:0")
    }

    /// `miniapp fixture shop --listen ADDRESS`, once it says where it is.
    pub(crate) fn on(address: &str) -> ShopFixture {
        let saved = tempfile::tempdir().unwrap();
        let dir = saved.path().to_str().unwrap();
        let (child, line) = fixture(&["shop", "--listen", address, "--save-to", dir]);
        let origin = (line.as_str())
            .strip_prefix("miniapp fixture shop: images and reviews at ")
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        ShopFixture {
            child,
            origin,
            saved,
        }
    }

    /// The bytes of the `n`th review photo it received.
    pub(crate) fn review_photo(&self, n: u32) -> Vec<u8> {
        let path = self.saved.path().join(format!("review-{n}.photo"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

impl Drop for ShopFixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `multipart/form-data` body with the text field `product` and the
/// file field `photo`, and its content type.
fn review_form(product: &str, photo: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--b0undary\r\ncontent-disposition: form-data; name=\"product\"\r\n\r\n{product}\r\n\
         --b0undary\r\ncontent-disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(photo);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    ("multipart/form-data; boundary=b0undary".into(), body)
}

/// `POST /reviews` with `body` as `kind`: the status and the JSON answer.
async fn post_review(fixture: &ShopFixture, kind: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/reviews", fixture.origin))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_shop_fixture_serves_each_product_image_as_a_png() {
    let fixture = ShopFixture::start();
    for product in ["tea", "cake"] {
        let response = reqwest::get(format!("{}/products/{product}.png", fixture.origin))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{product}");
        assert_eq!(response.headers()["content-type"], "image/png");
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
            "{product}"
        );
        // 64 by 64 pixels.
        assert_eq!(&bytes[16..24], &[0, 0, 0, 64, 0, 0, 0, 64], "{product}");
    }
    let missing = reqwest::get(format!("{}/products/bread.png", fixture.origin))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let answer: Value = missing.json().await.unwrap();
    assert_eq!(
        answer["error"],
        "no image bread.png: the images are tea.png, cake.png"
    );
}

#[tokio::test]
async fn the_shop_fixture_keeps_a_review_photo_as_sent_and_refuses_what_is_not_a_review() {
    let fixture = ShopFixture::start();
    let photo: Vec<u8> = (0..=255u8).cycle().take(5_000).collect();
    let (kind, body) = review_form("cake", &photo);
    let (status, answer) = post_review(&fixture, &kind, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["review"], 1, "{answer}");
    assert_eq!(answer["product"], "cake", "{answer}");
    assert_eq!(answer["photo_bytes"], 5_000, "{answer}");
    assert_eq!(fixture.review_photo(1), photo);

    // Each refused with its status and why.
    let (kind, mut open) = review_form("cake", b"x");
    open.truncate(open.len() - "\r\n--b0undary--\r\n".len());
    let no_photo = b"--b0undary\r\ncontent-disposition: form-data; name=\"product\"\r\n\r\ntea\r\n--b0undary--\r\n";
    let (_, too_big) = review_form("tea", &vec![0u8; 4 * 1024 * 1024 + 1]);
    let refused = [
        (
            "application/json",
            b"{}".to_vec(),
            400,
            "a review is a multipart/form-data form",
        ),
        (
            &kind,
            open,
            400,
            "a part of the form has no closing boundary",
        ),
        (
            &kind,
            no_photo.to_vec(),
            400,
            "the form has no file field `photo`",
        ),
        (
            &kind,
            too_big,
            413,
            "a review form is at most 4194304 bytes",
        ),
    ];
    for (kind, body, status, why) in refused {
        let (got, answer) = post_review(&fixture, kind, body).await;
        assert_eq!(got, status, "{answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.starts_with(why), "{error}");
    }
}

/// `GET path` on the fixture: the status and the JSON answer.
async fn get_json(fixture: &ShopFixture, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}{path}", fixture.origin))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The width and height a PNG at `path` on the fixture says it has.
async fn png_size(fixture: &ShopFixture, path: &str) -> (u32, u32) {
    let response = reqwest::get(format!("{}{path}", fixture.origin))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "image/png", "{path}");
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
        "{path}"
    );
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn the_shop_fixture_serves_its_catalogue_by_page_and_by_id_with_pictures() {
    let fixture = ShopFixture::start();
    let (status, banners) = get_json(&fixture, "/api/banners").await;
    assert_eq!(status, 200, "{banners}");
    let banners = banners.as_array().unwrap();
    assert_eq!(banners.len(), 3);
    for banner in banners {
        let image = banner["image"].as_str().unwrap();
        assert_eq!(png_size(&fixture, image).await, (320, 128), "{banner}");
        let product = format!("/api/products/{}", banner["product"].as_str().unwrap());
        assert_eq!(get_json(&fixture, &product).await.0, 200, "{banner}");
    }
    let (_, categories) = get_json(&fixture, "/api/categories").await;
    let ids: Vec<&str> = (categories.as_array().unwrap().iter())
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tea", "cakes", "fruit", "gifts"]);

    // Page by page, 6 at a time: every product once, the last page says
    // no more follow, and a page past the end is empty.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let (status, listing) =
            get_json(&fixture, &format!("/api/products?page={page}&size=6")).await;
        assert_eq!(status, 200, "{listing}");
        assert_eq!(listing["total"], 24, "{listing}");
        assert_eq!(listing["more"], page < 4, "{listing}");
        let products = listing["products"].as_array().unwrap();
        assert_eq!(products.len(), 6, "{listing}");
        seen.extend(
            products
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(&seen[..2], ["tea", "cake"]);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 24, "{seen:?}");
    let (_, past) = get_json(&fixture, "/api/products?page=5&size=6").await;
    assert_eq!(
        (past["products"].as_array().unwrap().len(), &past["more"]),
        (0, &json!(false))
    );
    let (_, tea) = get_json(&fixture, "/api/products?category=tea&size=50").await;
    let teas = tea["products"].as_array().unwrap();
    assert_eq!(teas.len(), 6, "{tea}");
    assert!(teas.iter().all(|p| p["category"] == "tea"), "{tea}");

    // One product: its variants and prices, and its picture.
    let (status, product) = get_json(&fixture, "/api/products/tea").await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["name"], "Green tea");
    assert_eq!(product["price"], 1200);
    assert_eq!(
        product["variants"],
        json!([{"name": "250 g", "price": 1200}, {"name": "500 g", "price": 2200}])
    );
    let image = product["image"].as_str().unwrap();
    assert_eq!(png_size(&fixture, image).await, (64, 64));

    // What it does not have, and what it cannot take, refused by name.
    let refused = [
        ("/api/products/bread", 404, "no product `bread`"),
        ("/api/products?page=0", 400, "page=0 is not a number from 1"),
        (
            "/api/products?size=51",
            400,
            "size=51 is not a number from 1 to 50",
        ),
        (
            "/api/products?category=shoes",
            400,
            "no category `shoes`: the categories are tea, cakes, fruit, gifts",
        ),
        ("/api/products?sort=price", 400, "unknown parameter `sort`"),
        ("/images/bread.png", 404, "no image bread.png"),
        (
            "/banners/4.png",
            404,
            "no banner 4.png: the banners are 1.png to 3.png",
        ),
    ];
    for (path, status, why) in refused {
        let (got, answer) = get_json(&fixture, path).await;
        assert_eq!(got, status, "{path}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.starts_with(why), "{path}: {error}");
    }
}
