//! `<price value="{{fen}}" large="{{true}}"/>`: a price in fen as shops
//! draw it, `¥` and the yuan large, the fen small (`¥12.00`).

use miniapp_sdk::{Instance, PageData, Properties, Result, component};
use serde::{Deserialize, Serialize};

/// Its attributes (the template reads those the logic does not).
#[derive(Deserialize, Properties)]
pub struct PriceProps {
    /// In fen.
    value: i64,
    /// Drawn larger (a product page's price).
    large: bool,
}

/// What it shows: `¥12` and `.00`.
#[derive(Default, Serialize, PageData)]
pub struct PriceData {
    yuan: String,
    fen: String,
}

/// A price tag (no state of its own).
#[derive(Default)]
pub struct PriceTag;

impl PriceTag {
    fn show(this: &Instance<Self>) -> Result<()> {
        let value = this.properties().value;
        let sign = if value < 0 { "-" } else { "" };
        let fen = value.unsigned_abs();
        this.set_data(PriceData {
            yuan: format!("{sign}¥{}", fen / 100),
            fen: format!(".{:02}", fen % 100),
        })
    }
}

#[component("components/price/price", properties = PriceProps, data = PriceData)]
impl PriceTag {
    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        PriceTag::show(this)
    }

    #[observer("value")]
    fn value_changed(&mut self, this: &Instance<Self>) -> Result<()> {
        PriceTag::show(this)
    }
}
