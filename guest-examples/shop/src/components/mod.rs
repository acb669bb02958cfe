//! The shop's custom components, typed: each a folder under
//! `components/` (template, styles, json) and its logic here.

mod address_card;
mod error_state;
mod goods_card;
mod price;
mod stepper;

pub use address_card::AddressCard;
pub use error_state::ErrorState;
pub use goods_card::GoodsCard;
pub use price::PriceTag;
pub use stepper::Stepper;
