//! Shop: a mini-program shop as people ship them. Four tabs (app.json's
//! `tabBar`): home (a swiper of banners, the shop's two picks with their
//! images, a sort menu and a cart summary, and the product list from the
//! shop's server, refreshed by a pull and loading more at the bottom),
//! category (the server's categories and their products), cart (each
//! line's quantity on a stepper, the total, checkout) and me (the order
//! history, the delivery address). A product page picks a variant (a
//! picker) and a quantity (the stepper); checkout shows the address (or
//! pickup at the shop), counts the unpaid order down and pays on a tap (a
//! payment needs the user's gesture); the paid page, the orders page and a
//! review page uploading a photo follow. The host draws the toast of an
//! add, the modal before a removal and the sort menu; login and the user's
//! profile go behind consent.
//!
//! Five custom components, typed (`components/`): `stepper`, `goods-card`,
//! `price`, `error-state` (with its Retry) and `address-card`.
//!
//! The catalogue, the images and the reviews come from the shop's server:
//! `miniapp fixture shop` in one terminal, then
//! `miniapp run guest-examples/shop --allow-address 127.0.0.1 --wait 5000`
//! (loopback is not a public address: the host refuses it unless allowed).
//! Without it the shop still launches: the lists show why they are empty,
//! with a Retry, and the picks and the cart work on.

mod cart;
mod catalogue;
mod components;
mod countdown;
mod images;
mod orders;
mod pages;
mod review;

use miniapp_sdk::{App, Launch, Result};

use crate::cart::Cart;
use crate::components::{AddressCard, ErrorState, GoodsCard, PriceTag, Stepper};
use crate::pages::{
    Address, CartPage, Category, Checkout, Index, Me, Orders, Paid, ProductPage, Review,
};

/// The currency every price is in.
const CURRENCY: &str = "CNY";

/// A price in fen as the user reads it: `¥12.00`.
pub(crate) fn price_text(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The app-wide state every page shares (WeChat's `globalData`).
#[derive(Default)]
pub(crate) struct Shop {
    /// The shop's server, from the launch query `shop`.
    pub(crate) server: String,
    /// What the user is buying.
    pub(crate) cart: Cart,
    /// How the home page lists its picks.
    pub(crate) sort: cart::Sort,
    /// The picks' images downloaded, by product id.
    pub(crate) images: images::Images,
    /// The last order paid, for the paid page.
    pub(crate) paid: Option<orders::PaidOrder>,
    /// The line the product page chose to buy now, for its checkout.
    pub(crate) buy_now: Option<cart::Line>,
    /// The name of every product seen, by id (the picks', and those the
    /// server listed).
    pub(crate) names: std::collections::BTreeMap<String, String>,
}

impl App for Shop {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let server = launch.query("shop").unwrap_or(catalogue::DEFAULT_SERVER);
        self.server = server.trim_end_matches('/').to_string();
        Ok(())
    }
}

miniapp_sdk::export_app!(
    Shop,
    pages = [
        Index,
        Category,
        CartPage,
        Me,
        ProductPage,
        Checkout,
        Address,
        Paid,
        Orders,
        Review
    ],
    components = [Stepper, GoodsCard, PriceTag, ErrorState, AddressCard]
);
