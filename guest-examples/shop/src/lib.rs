//! Shop: a product list with a sort menu and the products' images
//! (downloaded from the shop's server, `miniapp fixture shop`; without it,
//! an error and a Retry button), a cart (a toast when a product goes in, a
//! confirm modal before one comes out), a checkout page where a tap pays
//! (payment needs the user's gesture) within a countdown, a review page
//! that uploads a photo the user picks, login and the user's profile
//! (behind consent).
//!
//! With its server: `miniapp fixture shop` in one terminal, then
//! `miniapp run guest-examples/shop --allow-address 127.0.0.1 --wait 5000`
//! (loopback is not a public address: the host refuses it unless allowed).

mod cart;
mod countdown;
mod images;
mod review;

use miniapp_sdk::payment::{self, Order, Outcome};
use miniapp_sdk::timer::TimerId;
use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, identity, json, nav, storage, view,
};
use serde::{Deserialize, Serialize};

const ORDERS: &str = "orders";
/// Storage key of the number of orders paid, ever.
const ORDER_COUNT: &str = "order-count";
/// Orders kept under [`ORDERS`]: the most recent ones (a payment reads and
/// writes them, so their size must not grow with the user's history).
const RECENT_ORDERS: usize = 20;
const CURRENCY: &str = "CNY";

#[derive(Serialize)]
struct Product {
    id: &'static str,
    name: &'static str,
    /// In fen.
    price: u64,
}

const PRODUCTS: [Product; 2] = [
    Product {
        id: "tea",
        name: "Green tea",
        price: 1200,
    },
    Product {
        id: "cake",
        name: "Moon cake",
        price: 3500,
    },
];

/// A paid order, as saved (the most recent ones) under the storage key "orders".
#[derive(Serialize, Deserialize)]
struct PaidOrder {
    order_id: String,
    product: String,
    transaction_id: String,
}

#[derive(Deserialize)]
struct Buy {
    product: String,
    /// Seconds to pay within, if not [`countdown::PAY_WITHIN_SECONDS`]
    /// (`--event 'index:buy={"product":"tea","pay_within":2}'`).
    pay_within: Option<u32>,
}

fn load_orders() -> Result<Vec<PaidOrder>> {
    Ok(storage::get(ORDERS)?.unwrap_or_default())
}

/// Orders paid, ever.
fn order_count() -> Result<u64> {
    Ok(storage::get(ORDER_COUNT)?.unwrap_or_default())
}

fn product(id: &str) -> Result<&'static Product> {
    PRODUCTS
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Error::app(format!("unknown product {id}")))
}

/// A price in fen as the user reads it: `¥12.00`.
fn price_text(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The product an event is about: the tapped element's `data-id` through
/// the view, or the `product` of its detail (`--event 'index:buy={"product":"tea"}'`).
fn product_of(event: &Event) -> Result<&'static Product> {
    match event.dataset.get("id") {
        Some(id) => product(id),
        None => product(&event.detail_as::<Buy>()?.product),
    }
}

/// Pay for `product` (on the checkout page, in a tap's gesture); when paid,
/// the checkout page gives way to the paid page.
fn pay(product: &Product) -> Result<()> {
    let count = order_count()? + 1;
    let order = Order {
        order_id: format!("order-{count}"),
        amount: product.price,
        currency: CURRENCY.into(),
        description: product.name.into(),
    };
    view::set_data(json!({ "status": "paying", "error": null, "error_kind": null }))?;
    match payment::request(&order) {
        Ok(Outcome::Paid(transaction_id)) => {
            let mut orders = load_orders()?;
            if orders.len() >= RECENT_ORDERS {
                orders.drain(..=orders.len() - RECENT_ORDERS);
            }
            orders.push(PaidOrder {
                order_id: order.order_id.clone(),
                product: product.id.into(),
                transaction_id: transaction_id.clone(),
            });
            storage::set(ORDERS, &orders)?;
            storage::set(ORDER_COUNT, &count)?;
            nav::redirect_to(&format!("paid?product={}", product.id))?;
            view::set_data(json!({
                "status": "paid",
                "name": product.name,
                "price_text": price_text(product.price),
                "transaction_id": transaction_id,
                "order_id": order.order_id,
            }))
        }
        Ok(Outcome::Cancelled) => view::set("status", "cancelled"),
        Err(e) => view::set_data(json!({
            "status": "error",
            "error_kind": e.kind(),
            "error": e.to_string(),
        })),
    }
}

#[derive(Default)]
struct Shop {
    /// The product of the checkout page, from its query.
    checkout: Option<&'static Product>,
    /// The products in the cart, each once, in the order they went in.
    cart: Vec<&'static Product>,
    /// How the index page lists the products.
    sort: cart::Sort,
    /// The checkout page's countdown timer, until it reaches zero.
    countdown: Option<TimerId>,
    /// Seconds left to pay for the checkout page's order.
    seconds_left: u32,
    /// The shop's server (images, reviews), from the launch query `shop`.
    server: String,
    /// The product images downloaded, by product id.
    images: images::Images,
    /// The review page's product.
    reviewing: Option<&'static Product>,
    /// The photo picked last on the review page.
    review_photo: Option<String>,
}

impl App for Shop {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        self.server = (launch.query("shop").unwrap_or(images::DEFAULT_SERVER)).to_string();
        view::set_data(json!({
            "products": cart::catalogue(self.sort, &self.images),
            "currency": CURRENCY,
            "orders": order_count()?,
        }))?;
        view::set_data(cart::cart_data(&self.cart))?;
        match launch.path.as_str() {
            "index" => images::fetch(self),
            _ => Ok(()),
        }
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        if page.route == "review" {
            let product = product(page.query("product").unwrap_or_default())?;
            self.reviewing = Some(product);
            self.review_photo = None;
            return view::set_data(json!({
                "name": product.name,
                "image": self.images.get(product.id),
                "review_status": "none",
            }));
        }
        if page.route != "checkout" {
            return Ok(());
        }
        // The checkout page shows the product its query names.
        let product = product(page.query("product").unwrap_or_default())?;
        self.checkout = Some(product);
        view::set_data(json!({
            "product": product.id,
            "name": product.name,
            "amount": product.price,
            "price_text": price_text(product.price),
            "image": self.images.get(product.id),
        }))?;
        countdown::start(self, countdown::within(page.query("within"))?)
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "login") => match identity::login() {
                Ok(code) => view::set("login_code", code),
                Err(e) => view::set("login_error", e.kind()),
            },
            ("index", "profile") => match identity::profile() {
                Ok(profile) => view::set("nickname", profile.nickname),
                Err(e) => view::set_data(json!({
                    "profile_error": e.kind(),
                    "profile_message": e.to_string(),
                })),
            },
            ("index", "buy") => {
                let product = product_of(event)?;
                let within = event.detail_as::<Buy>().ok().and_then(|b| b.pay_within);
                match within {
                    Some(s) => {
                        nav::navigate_to(&format!("checkout?product={}&within={s}", product.id))
                    }
                    None => nav::navigate_to(&format!("checkout?product={}", product.id)),
                }
            }
            ("index", "add") => cart::add(self, product_of(event)?),
            ("index", "remove") => {
                cart::remove(product_of(event)?);
                Ok(())
            }
            ("index", "sort") => {
                cart::sort_menu();
                Ok(())
            }
            ("checkout", "pay") if self.seconds_left == 0 => view::set_data(json!({
                "status": "error",
                "error_kind": "expired",
                "error": "the order expired: go back and buy again",
            })),
            ("checkout", "pay") => {
                let product = match event.dataset.get("id") {
                    Some(id) => product(id)?,
                    None => self
                        .checkout
                        .ok_or_else(|| Error::app("no product to pay for"))?,
                };
                pay(product)
            }
            ("index", "retry") => images::fetch(self),
            ("checkout", "back") => nav::navigate_back(1),
            ("checkout", "review") => {
                let product = self
                    .checkout
                    .ok_or_else(|| Error::app("no product to review"))?;
                nav::navigate_to(&format!("review?product={}", product.id))
            }
            ("review", "photo") => {
                review::choose_photo();
                Ok(())
            }
            ("review", "retry") => review::upload(),
            ("review", "back") => nav::navigate_back(1),
            ("paid", "back") => {
                // Back on the list, which counts the new order.
                nav::navigate_back(1)?;
                view::set("orders", order_count()?)
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Shop);
