//! The unpaid order's countdown: the checkout page says how long is left to
//! pay, a timer updating it every second; at zero the order expires and the
//! Pay button is disabled. The timer ends with the page (paid, or left).

use miniapp_sdk::{Error, Patch, Result, page, timer};

use crate::pages::{Checkout, CheckoutData};

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

/// Show `seconds` left, and whether the order expired.
fn show(seconds: u32) -> Result<()> {
    Patch::new()
        .set(CheckoutData::countdown(), clock(seconds))?
        .set(CheckoutData::expired(), seconds == 0)?
        .apply()
}

/// Start the checkout page's countdown from `seconds`.
pub fn start(checkout: &mut Checkout, seconds: u32) -> Result<()> {
    checkout.seconds_left = seconds;
    show(seconds)?;
    checkout.countdown = Some(timer::set_interval(1000, tick)?);
    Ok(())
}

/// One second less; at zero the order expires and the timer stops.
fn tick() -> Result<()> {
    let left = page::with_page(|checkout: &mut Checkout| {
        checkout.seconds_left = checkout.seconds_left.saturating_sub(1);
        if checkout.seconds_left == 0
            && let Some(id) = checkout.countdown.take()
        {
            timer::clear_interval(id);
        }
        checkout.seconds_left
    })?;
    show(left)
}
