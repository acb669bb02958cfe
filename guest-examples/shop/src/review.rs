//! The review page's upload: the user picks a photo (the host's image
//! picker, `chooseImage`) and it is uploaded to the shop's server with the
//! product's id, its progress shown as it goes; the server's answer (the
//! bytes it received and their CRC-32) is shown when done. A failed upload
//! shows why, with a Retry button that sends the same photo again.

use miniapp_sdk::device_api::{self, ImageSources};
use miniapp_sdk::{Error, Patch, Result, files, page, set, task};

use crate::catalogue;
use crate::pages::{Review, ReviewData};

/// How often the upload's progress is shown, ms.
const PROGRESS_MS: u32 = 100;

/// What the server answers to a review.
#[derive(serde::Deserialize)]
struct Received {
    review: u64,
    photo_bytes: u64,
    photo_crc32: String,
}

/// Let the user pick a photo, then upload it.
pub fn choose_photo() {
    task::spawn(async {
        let chosen = device_api::choose_image(1, ImageSources::ALBUM | ImageSources::CAMERA).await;
        let photo = match chosen {
            Ok(mut photos) if !photos.is_empty() => photos.remove(0),
            Ok(_) => return set(ReviewData::review_status(), "cancelled"),
            Err(e) => return failed(&e),
        };
        page::with_page(|review: &mut Review| review.photo = Some(photo.temp_path.clone()))?;
        Patch::new()
            .set(ReviewData::review_photo(), Some(photo.temp_path))?
            .set(ReviewData::review_size(), photo.size)?
            .apply()?;
        upload()
    });
}

/// Show why the review did not go, with the Retry button.
fn failed(error: &Error) -> Result<()> {
    Patch::new()
        .set(ReviewData::review_status(), "error")?
        .set(
            ReviewData::review_error(),
            Some(format!("{}: {}", error.kind(), error.message())),
        )?
        .apply()
}

/// Upload the photo picked last for the page's product (from a task or a
/// callback: it reaches the page with `with_page`).
pub fn upload() -> Result<()> {
    let (photo, product) =
        page::with_page(|review: &mut Review| (review.photo.clone(), review.product.clone()))?;
    send(photo, product)
}

/// Upload `photo` for `product`.
pub fn send(photo: Option<String>, product: String) -> Result<()> {
    let Some(photo) = photo else {
        return failed(&Error::app("pick a photo first"));
    };
    Patch::new()
        .set(ReviewData::review_status(), "uploading")?
        .set(ReviewData::review_error(), None)?
        .set(ReviewData::review_progress(), 0)?
        .apply()?;
    let transfer = files::upload_file(&files::Upload {
        url: format!("{}/reviews", catalogue::server()?),
        temp_path: photo,
        field_name: "photo".into(),
        form_data: vec![("product".into(), product)],
        headers: Vec::new(),
        timeout_ms: None,
    });
    let transfer = match transfer {
        Ok(transfer) => transfer,
        Err(e) => return failed(&e),
    };
    transfer.on_progress_update(PROGRESS_MS, |p| {
        let percent = (p.sent * 100).checked_div(p.to_send).unwrap_or(0);
        set(ReviewData::review_progress(), percent)
    });
    task::spawn(async move {
        let reply = match transfer.await {
            Ok(reply) => reply,
            Err(e) => return failed(&e),
        };
        if !reply.is_success() {
            let why = format!("the server answered {}: {}", reply.status, reply.text());
            return failed(&Error::app(why));
        }
        let received: Received = reply.json()?;
        Patch::new()
            .set(ReviewData::review_status(), "sent")?
            .set(ReviewData::review_progress(), 100)?
            .set(ReviewData::review_number(), received.review)?
            .set(ReviewData::review_bytes(), received.photo_bytes)?
            .set(ReviewData::review_crc32(), received.photo_crc32)?
            .apply()
    });
    Ok(())
}
