//! The picks' images: downloaded from the shop's server into the app's
//! temp area (`wxfile://tmp/...`) and shown from there. When the server
//! cannot be reached (not running, or not allowed), the home page says why
//! and offers a Retry button; the shop works on without its pictures.

use std::collections::BTreeMap;

use miniapp_sdk::{Error, Result, files, set, task, with_app};

use crate::catalogue::{self, PICKS};
use crate::pages::IndexData;
use crate::{Shop, cart};

/// Where pick `id`'s image is.
pub fn url(server: &str, id: &str) -> String {
    format!("{server}/products/{id}.png")
}

/// The temp paths of the images downloaded, by product id.
pub type Images = BTreeMap<&'static str, String>;

/// Show that the images could not be had, and why (with the Retry button).
fn failed(error: &Error) -> Result<()> {
    set(IndexData::images_status(), "error")?;
    set(IndexData::images_error(), Some(error.message().to_string()))
}

/// Download the images of the picks not downloaded yet; the home page
/// shows each with its pick once all have come, or the first error.
pub fn fetch() -> Result<()> {
    set(IndexData::images_status(), "loading")?;
    set(IndexData::images_error(), None)?;
    let server = catalogue::server()?;
    let have = with_app(|shop: &mut Shop| shop.images.clone())?;
    let mut transfers = Vec::new();
    for pick in PICKS.iter().filter(|p| !have.contains_key(p.id)) {
        match files::download_file(&url(&server, pick.id)) {
            Ok(transfer) => transfers.push((pick.id, transfer)),
            Err(e) => return failed(&e),
        }
    }
    task::spawn(async move {
        for (id, transfer) in transfers {
            let file = match transfer.await {
                Ok(file) => file,
                Err(e) => return failed(&e),
            };
            if file.status != 200 {
                files::remove_temp_file(&file.temp_path)?;
                let why = format!("{} answered {}", url(&server, id), file.status);
                return failed(&Error::app(why));
            }
            with_app(|shop: &mut Shop| shop.images.insert(id, file.temp_path))?;
        }
        let picks = with_app(|shop: &mut Shop| cart::picks(shop.sort, &shop.images))?;
        set(IndexData::products(), picks)?;
        set(IndexData::images_status(), "ready")
    });
    Ok(())
}
