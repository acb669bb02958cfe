//! The review page: the user picks a photo (the host's image picker,
//! `chooseImage`) and it is uploaded to the shop's server with the
//! product's id, its progress shown as it goes; the server's answer (the
//! bytes it received and their CRC-32) is shown when done. A failed upload
//! shows why, with a Retry button that sends the same photo again.

use miniapp_sdk::device_api::{self, ImageSources};
use miniapp_sdk::{Result, files, json, task, view, with_app};

use crate::Shop;

/// How often the upload's progress is shown, ms.
const PROGRESS_MS: u32 = 100;

/// What the server answers to a review.
#[derive(serde::Deserialize)]
struct Received {
    review: u64,
    photo_bytes: u64,
    photo_crc32: String,
}

/// `review:photo`: let the user pick a photo, then upload it.
pub fn choose_photo() {
    task::spawn(async {
        let chosen = device_api::choose_image(1, ImageSources::ALBUM | ImageSources::CAMERA).await;
        let photo = match chosen {
            Ok(mut photos) if !photos.is_empty() => photos.remove(0),
            Ok(_) => return view::set("review_status", "cancelled"),
            Err(e) => return failed(&e),
        };
        with_app(|shop: &mut Shop| shop.review_photo = Some(photo.temp_path.clone()))?;
        view::set_data(json!({ "review_photo": photo.temp_path, "review_size": photo.size }))?;
        upload()
    });
}

/// Show why the review did not go, with the Retry button.
fn failed(error: &miniapp_sdk::Error) -> Result<()> {
    view::set_data(json!({
        "review_status": "error",
        "review_error": format!("{}: {}", error.kind(), error.message()),
    }))
}

/// `review:retry`, and after a photo is picked: upload the photo picked
/// last for the page's product.
pub fn upload() -> Result<()> {
    let (server, photo, product) = with_app(|shop: &mut Shop| {
        (
            shop.server.clone(),
            shop.review_photo.clone(),
            shop.reviewing.map(|p| p.id),
        )
    })?;
    let (Some(photo), Some(product)) = (photo, product) else {
        return failed(&miniapp_sdk::Error::app("pick a photo first"));
    };
    view::set_data(
        json!({ "review_status": "uploading", "review_error": null, "review_progress": 0 }),
    )?;
    let transfer = files::upload_file(&files::Upload {
        url: format!("{server}/reviews"),
        temp_path: photo,
        field_name: "photo".into(),
        form_data: vec![("product".into(), product.into())],
        headers: Vec::new(),
        timeout_ms: None,
    });
    let transfer = match transfer {
        Ok(transfer) => transfer,
        Err(e) => return failed(&e),
    };
    transfer.on_progress_update(PROGRESS_MS, |p| {
        let percent = (p.sent * 100).checked_div(p.to_send).unwrap_or(0);
        view::set("review_progress", percent)
    });
    task::spawn(async move {
        let reply = match transfer.await {
            Ok(reply) => reply,
            Err(e) => return failed(&e),
        };
        if !reply.is_success() {
            let why = format!("the server answered {}: {}", reply.status, reply.text());
            return failed(&miniapp_sdk::Error::app(why));
        }
        let received: Received = reply.json()?;
        view::set_data(json!({
            "review_status": "sent",
            "review_progress": 100,
            "review_number": received.review,
            "review_bytes": received.photo_bytes,
            "review_crc32": received.photo_crc32,
        }))
    });
    Ok(())
}
