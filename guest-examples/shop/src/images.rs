//! The product images: downloaded from the shop's server into the app's
//! temp area (`wxfile://tmp/...`) and shown from there. When the server
//! cannot be reached (not running, or not allowed), the list says why and
//! offers a Retry button; the shop works on without its pictures.

use std::collections::BTreeMap;

use miniapp_sdk::{Error, Result, files, json, task, view, with_app};

use crate::{PRODUCTS, Shop, cart};

/// The shop's server: `miniapp fixture shop` (launch with
/// `index?shop=http://HOST:PORT` for another, declared in the manifest too).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8766";

/// Where product `id`'s image is.
pub fn url(server: &str, id: &str) -> String {
    format!("{server}/products/{id}.png")
}

/// The temp paths of the images downloaded, by product id.
pub type Images = BTreeMap<&'static str, String>;

/// Show that the images could not be had, and why (with the Retry button).
fn failed(error: &Error) -> Result<()> {
    view::set_data(json!({ "images_status": "error", "images_error": error.message() }))
}

/// Download the images of the products not downloaded yet; the list shows
/// each with its product once all have come, or the first error.
pub fn fetch(shop: &mut Shop) -> Result<()> {
    view::set_data(json!({ "images_status": "loading", "images_error": null }))?;
    let mut transfers = Vec::new();
    for product in PRODUCTS.iter().filter(|p| !shop.images.contains_key(p.id)) {
        match files::download_file(&url(&shop.server, product.id)) {
            Ok(transfer) => transfers.push((product.id, transfer)),
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
                let server = with_app(|shop: &mut Shop| shop.server.clone())?;
                let why = format!("{} answered {}", url(&server, id), file.status);
                return failed(&Error::app(why));
            }
            with_app(|shop: &mut Shop| shop.images.insert(id, file.temp_path))?;
        }
        let products = with_app(|shop: &mut Shop| cart::catalogue(shop.sort, &shop.images))?;
        view::set_data(json!({ "images_status": "ready", "products": products }))
    });
    Ok(())
}
