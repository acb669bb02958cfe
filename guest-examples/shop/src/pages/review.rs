//! The review page (`review?product=tea`): a photo the user picks,
//! uploaded to the shop's server with the product's id (`crate::review`).

use miniapp_sdk::{Error, PageData, Result, Tap, nav, page, with_app};
use serde::Serialize;

use crate::catalogue::PICKS;
use crate::{Shop, review};

/// What the review page shows.
#[derive(Default, Serialize, PageData)]
pub struct ReviewData {
    /// The product's name.
    pub name: String,
    /// A pick's downloaded image.
    pub image: Option<String>,
    /// `none`, `uploading`, `sent`, `cancelled` or `error`.
    pub review_status: String,
    pub review_photo: Option<String>,
    pub review_size: u64,
    pub review_progress: u64,
    pub review_error: Option<String>,
    pub review_number: u64,
    pub review_bytes: u64,
    pub review_crc32: String,
}

/// The review page's own state.
#[derive(Default)]
pub struct Review {
    pub(crate) product: String,
    /// The photo picked last.
    pub(crate) photo: Option<String>,
}

#[page("review", data = ReviewData)]
impl Review {
    fn on_load(&mut self, query: &page::Query) -> Result<()> {
        let id = query.get("product").unwrap_or_default();
        let (name, image) = with_app(|shop: &mut Shop| {
            let pick = PICKS
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.to_string());
            let name = pick.or_else(|| shop.names.get(id).cloned());
            (name, shop.images.get(id).cloned())
        })?;
        let name = name.ok_or_else(|| Error::app(format!("unknown product {id}")))?;
        self.product = id.to_string();
        miniapp_sdk::view::set_data(ReviewData {
            name,
            image,
            review_status: "none".into(),
            ..ReviewData::default()
        })
    }

    #[handler]
    fn photo(&mut self, _tap: Tap) -> Result<()> {
        review::choose_photo();
        Ok(())
    }

    /// The same photo again.
    #[handler]
    fn retry(&mut self, _tap: Tap) -> Result<()> {
        review::send(self.photo.clone(), self.product.clone())
    }

    #[handler]
    fn back(&mut self, _tap: Tap) -> Result<()> {
        nav::navigate_back(1)
    }
}
