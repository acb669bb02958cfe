//! `<address-card name="Ada" phone="138..." region="{{[...]}}" detail="1 Long Road" bind:edit="edit"/>`:
//! where an order goes, or, with no name, that it is picked up at the
//! shop and an address may be added; a tap triggers `edit`.

use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, component};
use serde::{Deserialize, Serialize};

/// Its attributes (the template reads those the logic does not).
#[derive(Deserialize, Properties)]
pub struct AddressCardProps {
    name: String,
    phone: String,
    /// Province, city, county.
    region: Vec<String>,
    detail: String,
}

/// What it shows.
#[derive(Default, Serialize, PageData)]
pub struct AddressCardData {
    /// The region on one line.
    place: String,
}

/// An address card (no state of its own).
#[derive(Default)]
pub struct AddressCard;

impl AddressCard {
    fn show(this: &Instance<Self>) -> Result<()> {
        this.set(AddressCardData::place(), this.properties().region.join(" "))
    }
}

#[component("components/address-card/address-card", properties = AddressCardProps, data = AddressCardData)]
impl AddressCard {
    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        AddressCard::show(this)
    }

    #[observer("region")]
    fn region_changed(&mut self, this: &Instance<Self>) -> Result<()> {
        AddressCard::show(this)
    }

    #[handler]
    fn edit(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        this.trigger_event("edit", &miniapp_sdk::json!({}), EventOptions::default())
    }
}
