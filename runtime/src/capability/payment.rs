//! `payment`: request-payment, settled by the host's payment provider; the
//! app sees only the outcome. Each payment sheet needs its own user gesture.

use wasmtime::component::{HasData, Linker};

use super::gesture::Gesture;
use super::{CallError, CallResult, Capability, Granted, bounded, context, refusals_recorded};
use crate::app::AppShared;
use crate::audit::EventAudit;
use crate::bindings::payment;
use crate::instance::InstanceState;
use crate::limits::Deadline;
use crate::providers::{Order, PaymentOutcome};

/// Payment of one instance (nothing to hold but the grant).
pub(crate) struct PaymentCtx;

impl PaymentCtx {
    /// The context of an instance of `app`, if payment is granted.
    pub fn new(app: &AppShared) -> Granted<PaymentCtx> {
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

/// The `payment` interface as one host call sees it.
pub(crate) struct Payment<'a> {
    ctx: &'a mut Granted<PaymentCtx>,
    gesture: &'a mut Gesture,
    deadline: &'a Deadline,
    app: &'a AppShared,
    audit: &'a EventAudit,
}

refusals_recorded!(Payment);

struct HasPayment;

impl HasData for HasPayment {
    type Data<'a> = Payment<'a>;
}

/// The `payment` view of an instance's state.
pub(crate) fn payment_view(s: &mut InstanceState) -> Payment<'_> {
    Payment {
        ctx: &mut s.payment,
        gesture: &mut s.gesture,
        deadline: &s.deadline,
        app: &s.app,
        audit: &s.audit,
    }
}

/// Link `payment`.
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    payment::add_to_linker::<_, HasPayment>(linker, payment_view)
}

impl payment::Host for Payment<'_> {
    async fn request_payment(&mut self, order: payment::Order) -> CallResult<payment::Outcome> {
        context(self.ctx)?;
        check_order(&order).map_err(CallError::invalid)?;
        self.gesture.spend("request-payment")?;
        let order = Order {
            order_id: order.order_id,
            amount: order.amount,
            currency: order.currency,
            description: order.description,
        };
        let app = self.app;
        let pay = app.services.providers.payment.pay(&app.manifest.id, &order);
        let outcome = bounded(self.deadline.left(), pay)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        Ok(match outcome {
            PaymentOutcome::Paid { transaction_id } => payment::Outcome::Paid(transaction_id),
            PaymentOutcome::Cancelled => payment::Outcome::Cancelled,
        })
    }
}
