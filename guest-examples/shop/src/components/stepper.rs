//! `<stepper value="{{n}}" min="1" max="99" name="tea" bind:change="qty"/>`:
//! a quantity with − and + buttons, kept within `min`..`max` (a button at
//! its end is disabled). Each change triggers `change` with the new value
//! and the stepper's `name` (which line of a list it is).

use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, component};
use serde::{Deserialize, Serialize};

/// Its attributes.
#[derive(Deserialize, Properties)]
pub struct StepperProps {
    #[property(default = 1)]
    value: i64,
    #[property(default = 1)]
    min: i64,
    #[property(default = 99)]
    max: i64,
    /// Given back with each change.
    name: String,
}

/// What it shows.
#[derive(Default, Serialize, PageData)]
pub struct StepperData {
    count: i64,
    at_min: bool,
    at_max: bool,
}

/// The `change` event's detail.
#[derive(Serialize)]
struct Changed<'a> {
    value: i64,
    name: &'a str,
}

/// A stepper's state: the count it shows.
#[derive(Default)]
pub struct Stepper {
    count: i64,
}

impl Stepper {
    /// Show `count`, kept within the bounds.
    fn show(&mut self, this: &Instance<Self>, count: i64) -> Result<()> {
        let props = this.properties();
        self.count = count.clamp(props.min, props.max.max(props.min));
        this.set_data(StepperData {
            count: self.count,
            at_min: self.count <= props.min,
            at_max: self.count >= props.max,
        })
    }

    /// Move by `step` and tell the page.
    fn step(&mut self, this: &Instance<Self>, step: i64) -> Result<()> {
        let before = self.count;
        self.show(this, before + step)?;
        if self.count == before {
            return Ok(());
        }
        let name = &this.properties().name;
        let changed = Changed {
            value: self.count,
            name,
        };
        this.trigger_event("change", &changed, EventOptions::default())
    }
}

#[component("components/stepper/stepper", properties = StepperProps, data = StepperData)]
impl Stepper {
    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        self.show(this, this.properties().value)
    }

    /// The page set another value (or bounds).
    #[observer("value, min, max")]
    fn bounds_changed(&mut self, this: &Instance<Self>) -> Result<()> {
        self.show(this, this.properties().value)
    }

    #[handler]
    fn minus(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        self.step(this, -1)
    }

    #[handler]
    fn plus(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        self.step(this, 1)
    }
}
