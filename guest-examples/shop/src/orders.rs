//! Orders: what a payment buys, and the orders paid, kept in storage (the
//! most recent ones, for the order history, and how many were ever paid).

use miniapp_sdk::payment::{self, Order, Outcome};
use miniapp_sdk::{Result, storage};
use serde::{Deserialize, Serialize};

use crate::cart::Line;
use crate::{CURRENCY, price_text};

/// Storage key of the most recent orders paid.
const ORDERS: &str = "orders";
/// Storage key of the number of orders paid, ever.
const ORDER_COUNT: &str = "order-count";
/// Orders kept under [`ORDERS`]: the most recent ones (a payment reads and
/// writes them, so their size must not grow with the user's history).
const RECENT_ORDERS: usize = 20;

/// A paid order, as saved under the storage key "orders".
#[derive(Clone, Serialize, Deserialize)]
pub struct PaidOrder {
    pub order_id: String,
    /// The product, when one product was bought at once (buy now).
    #[serde(default)]
    pub product: Option<String>,
    pub transaction_id: String,
    #[serde(default)]
    pub lines: Vec<Line>,
    /// In fen.
    #[serde(default)]
    pub total: u64,
    /// Where it goes: the address, or pickup at the shop.
    #[serde(default)]
    pub deliver_to: String,
}

impl PaidOrder {
    /// What it was for, as the user reads it: `Moon cake x2, Green tea`.
    pub fn summary(&self) -> String {
        let items: Vec<String> = (self.lines.iter())
            .map(|l| match l.quantity {
                1 => format!("{} ({})", l.name, l.variant),
                n => format!("{} ({}) x{n}", l.name, l.variant),
            })
            .collect();
        items.join(", ")
    }
}

/// An order of the history as the orders page shows it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Debug)]
pub struct ShownOrder {
    pub order_id: String,
    pub summary: String,
    pub total_text: String,
    pub transaction_id: String,
    pub deliver_to: String,
}

/// The most recent orders paid, oldest first.
pub fn recent() -> Result<Vec<PaidOrder>> {
    Ok(storage::get(ORDERS)?.unwrap_or_default())
}

/// The orders paid as the history shows them, newest first.
pub fn history() -> Result<Vec<ShownOrder>> {
    Ok((recent()?.into_iter().rev())
        .map(|o| ShownOrder {
            summary: o.summary(),
            total_text: price_text(o.total),
            order_id: o.order_id,
            transaction_id: o.transaction_id,
            deliver_to: o.deliver_to,
        })
        .collect())
}

/// Orders paid, ever.
pub fn count() -> Result<u64> {
    Ok(storage::get(ORDER_COUNT)?.unwrap_or_default())
}

/// What the payment is for.
pub struct Buying {
    /// The product, when one product is bought at once.
    pub product: Option<String>,
    pub lines: Vec<Line>,
    pub deliver_to: String,
}

impl Buying {
    /// In fen.
    pub fn total(&self) -> u64 {
        (self.lines.iter())
            .map(|l| l.price * u64::from(l.quantity))
            .sum()
    }

    /// As the payment sheet names it.
    pub fn description(&self) -> String {
        match &self.lines[..] {
            [one] => one.name.clone(),
            lines => format!("{} and {} more", lines[0].name, lines.len() - 1),
        }
    }
}

/// Pay for `buying` (in a tap's gesture): the order saved once paid,
/// `None` if the user cancelled.
pub fn pay(buying: Buying) -> Result<Option<PaidOrder>> {
    let count = count()? + 1;
    let order = Order {
        order_id: format!("order-{count}"),
        amount: buying.total(),
        currency: CURRENCY.into(),
        description: buying.description(),
    };
    let transaction_id = match payment::request(&order)? {
        Outcome::Paid(id) => id,
        Outcome::Cancelled => return Ok(None),
    };
    let paid = PaidOrder {
        order_id: order.order_id,
        product: buying.product,
        transaction_id,
        total: order.amount,
        lines: buying.lines,
        deliver_to: buying.deliver_to,
    };
    let mut orders = recent()?;
    if orders.len() >= RECENT_ORDERS {
        orders.drain(..=orders.len() - RECENT_ORDERS);
    }
    orders.push(paid.clone());
    storage::set(ORDERS, &orders)?;
    storage::set(ORDER_COUNT, &count)?;
    Ok(Some(paid))
}
