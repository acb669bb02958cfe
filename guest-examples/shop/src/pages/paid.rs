//! The paid page (`paid?product=cake`, or `paid?order=order-3` for a
//! cart): the order paid, its transaction, and the way back.

use miniapp_sdk::{Error, PageData, Result, Tap, nav, page, with_app};
use serde::Serialize;

use crate::{Shop, price_text};

/// What the paid page shows.
#[derive(Default, Serialize, PageData)]
pub struct PaidData {
    pub status: String,
    /// What was bought.
    pub name: String,
    pub price_text: String,
    pub transaction_id: String,
    pub order_id: String,
    pub deliver_to: String,
}

/// The paid page.
#[derive(Default)]
pub struct Paid;

#[page("paid", data = PaidData)]
impl Paid {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        let paid = with_app(|shop: &mut Shop| shop.paid.clone())?
            .ok_or_else(|| Error::app("paid: no order was paid"))?;
        miniapp_sdk::view::set_data(PaidData {
            status: "paid".into(),
            name: paid.summary(),
            price_text: price_text(paid.total),
            transaction_id: paid.transaction_id,
            order_id: paid.order_id,
            deliver_to: paid.deliver_to,
        })
    }

    /// Back to the page checkout was opened from.
    #[handler]
    fn back(&mut self, _tap: Tap) -> Result<()> {
        nav::navigate_back(1)
    }

    /// The order history, in place of this page.
    #[handler]
    fn orders(&mut self, _tap: Tap) -> Result<()> {
        nav::redirect_to("orders")
    }
}
