//! Payment through the host's payment provider. The order is created by the
//! app's server; the host shows the payment UI and returns the outcome.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::bindings::miniapp::host::payment as host;

/// An order to pay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Order id created by the app's server.
    pub order_id: String,
    /// Amount in the smallest currency unit (cents, fen).
    pub amount: u64,
    /// ISO 4217 currency code, e.g. `CNY`.
    pub currency: String,
    /// What is being bought, shown to the user.
    pub description: String,
}

/// How a payment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Paid.
    Paid {
        /// The provider's transaction id.
        transaction_id: String,
    },
    /// The user cancelled.
    Cancelled,
}

/// Ask the user to pay `order`.
///
/// Needs a live user gesture: call it while handling an [`Event`](crate::Event)
/// whose [`gesture`](crate::Event::gesture) is set (a tap); otherwise the
/// host refuses it.
pub fn request(order: &Order) -> Result<Outcome> {
    let order = host::Order {
        order_id: order.order_id.clone(),
        amount: order.amount,
        currency: order.currency.clone(),
        description: order.description.clone(),
    };
    Ok(match host::request_payment(&order)? {
        host::Outcome::Paid(transaction_id) => Outcome::Paid { transaction_id },
        host::Outcome::Cancelled => Outcome::Cancelled,
    })
}
