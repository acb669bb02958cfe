//! `payment`: request-payment, settled by the host's payment provider; the
//! app sees only the outcome. Each payment sheet needs its own user gesture.

use super::{CallError, CallResult, Capability, Granted, View, bounded, context};
use crate::app_core::AppCore;
use crate::bindings::payment;
use crate::providers::{Order, PaymentOutcome};

/// Payment of one instance (nothing to hold but the grant).
pub(crate) struct PaymentCtx;

impl PaymentCtx {
    /// The context of an instance of `app`, if payment is granted.
    pub fn new(app: &AppCore) -> Granted<PaymentCtx> {
        super::grant(app, Capability::Payment)?;
        Ok(PaymentCtx)
    }
}

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

super::linked_by!(view of Granted<PaymentCtx>, payment);

#[miniapp_runtime_macros::recorded]
impl payment::Host for View<'_, Granted<PaymentCtx>> {
    async fn request_payment(&mut self, order: payment::Order) -> CallResult<payment::Outcome> {
        context(self.ctx)?;
        check_order(&order).map_err(CallError::invalid)?;
        self.call.gesture.spend("request-payment")?;
        let order = Order {
            order_id: order.order_id,
            amount: order.amount,
            currency: order.currency,
            description: order.description,
        };
        let app = &*self.call.app;
        let pay = app.services.providers.payment.pay(&app.manifest.id, &order);
        let outcome = bounded(self.call.deadline.left(), pay)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(match outcome {
            PaymentOutcome::Paid { transaction_id } => payment::Outcome::Paid(transaction_id),
            PaymentOutcome::Cancelled => payment::Outcome::Cancelled,
        })
    }
}
