//! `payment`: request-payment, settled by the host's payment provider; the
//! app sees only the outcome.

use super::{CallError, CallResult, Capability, bounded};
use crate::bindings::payment;
use crate::instance::InstanceState;
use crate::providers::{Order, PaymentOutcome};

fn check_order(order: &payment::Order) -> Result<(), String> {
    if order.order_id.is_empty() || order.order_id.len() > 128 {
        return Err("order-id must be 1 to 128 bytes".into());
    }
    if order.amount == 0 {
        return Err("amount must be greater than 0".into());
    }
    if order.currency.len() != 3 || !order.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "currency `{}` is not an ISO 4217 code like CNY",
            order.currency
        ));
    }
    if order.description.len() > 512 {
        return Err("description must be at most 512 bytes".into());
    }
    Ok(())
}

impl payment::Host for InstanceState {
    async fn request_payment(&mut self, order: payment::Order) -> CallResult<payment::Outcome> {
        self.require(Capability::Payment)?;
        self.require_gesture("request-payment")?;
        check_order(&order).map_err(CallError::invalid)?;
        let order = Order {
            order_id: order.order_id,
            amount: order.amount,
            currency: order.currency,
            description: order.description,
        };
        let app = self.app.clone();
        let pay = app.services.providers.payment.pay(&app.manifest.id, &order);
        let outcome = bounded(self.time_left(), pay)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(match outcome {
            PaymentOutcome::Paid { transaction_id } => payment::Outcome::Paid(transaction_id),
            PaymentOutcome::Cancelled => payment::Outcome::Cancelled,
        })
    }
}
