//! Shop: login, the user's profile (behind consent) and payment.

use miniapp_sdk::payment::{self, Order, Outcome};
use miniapp_sdk::{App, Error, Event, Launch, Result, identity, json, nav, storage, view};
use serde::{Deserialize, Serialize};

const ORDERS: &str = "orders";
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

/// A paid order, as saved under the storage key "orders".
#[derive(Serialize, Deserialize)]
struct PaidOrder {
    order_id: String,
    product: String,
    transaction_id: String,
}

#[derive(Deserialize)]
struct Buy {
    product: String,
}

fn load_orders() -> Result<Vec<PaidOrder>> {
    Ok(storage::get(ORDERS)?.unwrap_or_default())
}

fn buy(product_id: &str) -> Result<()> {
    let product = PRODUCTS
        .iter()
        .find(|p| p.id == product_id)
        .ok_or_else(|| Error::app(format!("unknown product {product_id}")))?;
    let mut orders = load_orders()?;

    nav::navigate_to(&format!("checkout?product={}", product.id))?;
    view::set_data(json!({ "product": product.id, "amount": product.price }))?;

    let order = Order {
        order_id: format!("order-{}", orders.len() + 1),
        amount: product.price,
        currency: CURRENCY.into(),
        description: product.name.into(),
    };
    match payment::request(&order) {
        Ok(Outcome::Paid { transaction_id }) => {
            orders.push(PaidOrder {
                order_id: order.order_id.clone(),
                product: product.id.into(),
                transaction_id: transaction_id.clone(),
            });
            storage::set(ORDERS, &orders)?;
            nav::redirect_to("paid")?;
            view::set_data(json!({
                "status": "paid",
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
struct Shop;

impl App for Shop {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({
            "products": PRODUCTS,
            "currency": CURRENCY,
            "orders": load_orders()?.len(),
        }))
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
                let Buy { product } = event.detail_as()?;
                buy(&product)
            }
            ("checkout" | "paid", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Shop);
