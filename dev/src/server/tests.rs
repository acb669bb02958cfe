//! What the simulator sends again and again is sent from memory it keeps,
//! not copied per request: the region table's text, and a package file or
//! the part of it a player asks for.

use axum::body::{Bytes, to_bytes};
use axum::http::HeaderValue;
use miniapp_runtime::ByteRange;
use miniapp_runtime::view::region::Regions;

use super::shared_text;

#[test]
fn the_region_table_is_sent_from_the_table_itself() {
    let regions = Regions::shipped();
    let (first, second) = (shared_text(&regions), shared_text(&regions));
    assert_eq!(first, regions.text().as_bytes());
    // Both answers point at the table's own text.
    assert_eq!(first.as_ptr(), regions.text().as_ptr());
    assert_eq!(second.as_ptr(), regions.text().as_ptr());
}

#[tokio::test]
async fn a_part_of_a_package_file_is_sent_from_the_file_itself() {
    let file = Bytes::from((0..1000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let range = ByteRange::From {
        start: 100,
        end: Some(199),
    };
    let response = crate::media::part(&file, HeaderValue::from_static("video/webm"), range);
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    assert_eq!(body, file[100..200]);
    assert_eq!(body.as_ptr(), file[100..].as_ptr());
    let whole = super::app_file(file.clone(), HeaderValue::from_static("video/webm"));
    let body = to_bytes(whole.into_body(), 1 << 20).await.unwrap();
    assert_eq!(body.as_ptr(), file.as_ptr());
}
