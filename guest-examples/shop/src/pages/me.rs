//! The me tab: how many orders were paid, the order history and the
//! delivery address (an address card; tapped, the address form).

use miniapp_sdk::{PageData, Patch, Result, Tap, nav, page};
use serde::Serialize;

use crate::orders;
use crate::pages::{Address, AddressInfo};

/// What the me page shows.
#[derive(Default, Serialize, PageData)]
pub struct MeData {
    /// Orders paid, ever.
    pub orders: u64,
    pub address: Option<AddressInfo>,
}

/// The me page.
#[derive(Default)]
pub struct Me;

#[page("me", data = MeData)]
impl Me {
    /// Each time it shows: back from an order or the address form.
    fn on_show(&mut self) -> Result<()> {
        Patch::new()
            .set(MeData::orders(), orders::count()?)?
            .set(MeData::address(), Address::saved()?)?
            .apply()
    }

    #[handler]
    fn orders(&mut self, _tap: Tap) -> Result<()> {
        nav::navigate_to("orders")
    }

    /// The address card's `edit`.
    #[handler]
    fn address(&mut self) -> Result<()> {
        nav::navigate_to("address")
    }
}
