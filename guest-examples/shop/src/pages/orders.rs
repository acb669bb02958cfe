//! The order history: the orders paid, newest first (the most recent
//! ones, as storage keeps them), each with what it bought, its total,
//! where it goes and its transaction. None yet: it says so.

use miniapp_sdk::{PageData, Result, Tap, nav, page};
use serde::Serialize;

use crate::orders::{self, ShownOrder};

/// What the orders page shows.
#[derive(Default, Serialize, PageData)]
pub struct OrdersData {
    pub orders: Vec<ShownOrder>,
    /// Orders paid, ever.
    pub count: u64,
}

/// The orders page.
#[derive(Default)]
pub struct Orders;

#[page("orders", data = OrdersData)]
impl Orders {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        miniapp_sdk::view::set_data(OrdersData {
            orders: orders::history()?,
            count: orders::count()?,
        })
    }

    /// None yet: the home tab.
    #[handler]
    fn shop(&mut self, _tap: Tap) -> Result<()> {
        nav::switch_tab("index")
    }
}
