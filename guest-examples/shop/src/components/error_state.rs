//! `<error-state message="{{why}}" bind:retry="retry"/>`: why a list is
//! empty, and a button to try again (`action`, `Retry` unless given),
//! which triggers `retry`.

use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, component};
use serde::{Deserialize, Serialize};

/// Its attributes (the template reads those the logic does not).
#[derive(Deserialize, Properties)]
pub struct ErrorStateProps {
    message: String,
    /// The button's text.
    #[property(default = "Retry")]
    action: String,
}

/// Its own data: none but the properties.
#[derive(Default, Serialize, PageData)]
pub struct ErrorStateData {}

/// An error state (no state of its own).
#[derive(Default)]
pub struct ErrorState;

#[component("components/error-state/error-state", properties = ErrorStateProps, data = ErrorStateData)]
impl ErrorState {
    #[handler]
    fn retry(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        this.trigger_event("retry", &miniapp_sdk::json!({}), EventOptions::default())
    }
}
