//! Payment through the host's payment provider. The order is created by the
//! app's server; the host shows the payment UI and returns the outcome.

use crate::Result;
use crate::bindings::miniapp::host::payment as host;

// An order to pay and how a payment ended are the host API's own types
// (the WIT is their one definition; `lib.rs` adds their derives).
pub use host::{Order, Outcome};

/// Ask the user to pay `order`.
///
/// Needs a live user gesture: call it while handling an [`Event`](crate::Event)
/// whose [`gesture`](crate::Event::gesture) is set (a tap); otherwise the
/// host refuses it.
#[doc(alias = "requestPayment")]
pub fn request(order: &Order) -> Result<Outcome> {
    Ok(host::request_payment(order)?)
}
