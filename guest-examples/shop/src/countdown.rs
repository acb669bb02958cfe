//! The unpaid order's countdown: the checkout page says how long is left to
//! pay, a timer updating it every second; at zero the order expires and the
//! Pay button is disabled. The timer ends with the page (paid, or left).

use miniapp_sdk::{Error, Result, json, timer, view, with_app};

use crate::Shop;

/// Seconds an unpaid order waits for its payment.
pub const PAY_WITHIN_SECONDS: u32 = 15 * 60;

/// Seconds as the user reads them: `14:59`.
pub fn clock(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

/// The seconds the checkout page's `within` query gives to pay (1 to
/// [`PAY_WITHIN_SECONDS`]), or [`PAY_WITHIN_SECONDS`] without one.
pub fn within(query: Option<&str>) -> Result<u32> {
    let Some(text) = query else {
        return Ok(PAY_WITHIN_SECONDS);
    };
    match text.parse::<u32>() {
        Ok(s) if (1..=PAY_WITHIN_SECONDS).contains(&s) => Ok(s),
        _ => Err(Error::app(format!(
            "checkout: within={text} is not a number of seconds from 1 to {PAY_WITHIN_SECONDS}"
        ))),
    }
}

/// Start the checkout page's countdown from `seconds`.
pub fn start(shop: &mut Shop, seconds: u32) -> Result<()> {
    shop.seconds_left = seconds;
    view::set_data(json!({ "countdown": clock(seconds), "expired": false }))?;
    let id = timer::set_interval(1000, tick)?;
    shop.countdown = Some(id);
    Ok(())
}

/// One second less; at zero the order expires and the timer stops.
fn tick() -> Result<()> {
    let (left, expired) = with_app(|shop: &mut Shop| {
        shop.seconds_left = shop.seconds_left.saturating_sub(1);
        let expired = shop.seconds_left == 0;
        if expired && let Some(id) = shop.countdown.take() {
            timer::clear_interval(id);
        }
        (shop.seconds_left, expired)
    })?;
    view::set_data(json!({ "countdown": clock(left), "expired": expired }))
}
