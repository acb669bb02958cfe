//! The cart tab: each line with its quantity on a stepper, its price and a
//! Remove (after the host's modal), the total, and Checkout. Empty, it
//! says so and offers the home tab.

use miniapp_sdk::{Detail, PageData, Patch, Result, Tap, nav, page, set, with_app};
use serde::Serialize;

use crate::cart::{self, MAX_QUANTITY, ShownLine};
use crate::pages::{Id, Quantity};
use crate::{Shop, price_text};

/// What the cart page shows.
#[derive(Default, Serialize, PageData)]
pub struct CartData {
    pub cart: Vec<ShownLine>,
    pub cart_count: u32,
    /// In fen.
    pub total: u64,
    pub total_text: String,
    /// The stepper's most.
    pub max: u32,
    /// The product last removed (null when kept).
    pub removed: Option<String>,
}

/// The cart page (no state of its own: the cart is the app's).
#[derive(Default)]
pub struct CartPage;

/// The cart as it is now.
fn show() -> Result<()> {
    let (lines, count, total) =
        with_app(|shop: &mut Shop| (shop.cart.shown(), shop.cart.count(), shop.cart.total()))?;
    Patch::new()
        .set(CartData::cart(), lines)?
        .set(CartData::cart_count(), count)?
        .set(CartData::total(), total)?
        .set(CartData::total_text(), price_text(total))?
        .set(CartData::max(), MAX_QUANTITY)?
        .apply()
}

#[page("cart", data = CartData)]
impl CartPage {
    fn on_show(&mut self) -> Result<()> {
        show()
    }

    /// A line's stepper moved: its `name` is the line's key.
    #[handler]
    fn quantity(&mut self, moved: Detail<Quantity>) -> Result<()> {
        let (key, value) = (moved.name.clone(), moved.value);
        with_app(|shop: &mut Shop| shop.cart.set_quantity(&key, value))??;
        show()
    }

    #[handler]
    fn remove(&mut self, tap: Tap<Id>) -> Result<()> {
        cart::remove(tap.dataset.id.clone(), |removed| {
            show()?;
            set(CartData::removed(), removed)
        });
        Ok(())
    }

    #[handler]
    fn checkout(&mut self, _tap: Tap) -> Result<()> {
        nav::navigate_to("checkout")
    }

    /// Empty: back to the home tab.
    #[handler]
    fn shop(&mut self, _tap: Tap) -> Result<()> {
        nav::switch_tab("index")
    }
}
