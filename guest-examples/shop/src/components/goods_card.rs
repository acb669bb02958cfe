//! `<goods-card product="tea" name="Green tea" price="1200" image="URL" bind:open="open"/>`:
//! a product in a list, its picture, name and price (a `price`
//! component); a tap on it triggers `open` with the product's id.

use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, component};
use serde::{Deserialize, Serialize};

/// Its attributes (the template reads those the logic does not).
#[derive(Deserialize, Properties)]
pub struct GoodsCardProps {
    /// The product's id.
    product: String,
    name: String,
    /// In fen.
    price: i64,
    /// Its picture's URL.
    image: String,
}

/// Its own data: none but the properties.
#[derive(Default, Serialize, PageData)]
pub struct GoodsCardData {}

/// The `open` event's detail.
#[derive(Serialize)]
struct Opened<'a> {
    id: &'a str,
}

/// A goods card (no state of its own).
#[derive(Default)]
pub struct GoodsCard;

#[component("components/goods-card/goods-card", properties = GoodsCardProps, data = GoodsCardData)]
impl GoodsCard {
    #[handler]
    fn open(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let id = &this.properties().product;
        this.trigger_event("open", &Opened { id }, EventOptions::default())
    }
}
