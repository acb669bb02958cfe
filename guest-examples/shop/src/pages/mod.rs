//! The shop's pages, each a typed page: the four tabs (index, category,
//! cart, me) and the pages they open.

mod address;
mod cart;
mod category;
mod checkout;
mod index;
mod me;
mod orders;
mod paid;
mod product;
mod review;

pub use address::{Address, AddressInfo};
pub use cart::CartPage;
pub use category::Category;
pub use checkout::{Checkout, CheckoutData};
pub use index::{Index, IndexData};
pub use me::Me;
pub use orders::Orders;
pub use paid::Paid;
pub use product::ProductPage;
pub use review::{Review, ReviewData};

use serde::Deserialize;

/// A goods card's `open` event: the product it shows.
#[derive(Deserialize)]
pub struct Opened {
    pub id: String,
}

/// A stepper's `change` event: its new value and the name it was given.
#[derive(Deserialize)]
pub struct Quantity {
    pub value: u32,
    #[serde(default)]
    pub name: String,
}

/// An element's `data-id`.
#[derive(Deserialize)]
pub struct Id {
    pub id: String,
}

/// Open product `id`'s page.
pub fn open_product(id: &str) -> miniapp_sdk::Result<()> {
    miniapp_sdk::nav::navigate_to(&format!("product?id={id}"))
}
