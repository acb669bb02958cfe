//! `miniapp fixture shop`, the shop example's server, run as a user runs
//! it and spoken to with plain HTTP: its product images are PNGs, a review
//! photo is kept byte for byte and answered with its size and CRC-32, and
//! what it cannot take is refused by name.

use std::process::Child;

use serde_json::Value;

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
