//! Hostile: a fake payment sheet.
//!
//! Its page imitates the host's payment sheet: a full-screen fixed
//! overlay (`z-index` as high as CSS goes) with the sheet's texts and a
//! green Pay button. On `index:attack` (that button) it asks the host for
//! a modal that would look like the payment sheet, titled "WeChat Pay"
//! with a "Pay" button, written every way that might slip past a check:
//! plain, in Chinese, in full-width letters, with an invisible character
//! inside, with Cyrillic look-alike letters; and once with an honest title
//! but the host's name on the confirm button; and it titles its
//! navigation bar "WeChat Pay", so the page would pass for the host's. On
//! `index:ask` it opens an honest modal ("Leave the page?"), whose answer
//! lands in `answered`.
//!
//! A correct host refuses every impersonating dialog and title by name
//! (`permission-denied`, audited) and draws none of them; it draws the
//! honest one, naming the app; and the page's overlay stays inside the
//! page's viewport, under the host's bars and dialogs (the simulator's
//! browser test).
//!
//! Page data after `index:attack`: `outcome` (`refused` when every
//! attempt was refused), and `<attempt>_error_kind`, `<attempt>_error` for
//! `plain`, `chinese`, `full_width`, `hidden`, `look_alike`, `button` and
//! `nav_title`.

use hostile_fixture::{Attack, refusals};
use miniapp_sdk::bindings::miniapp::host::feedback as host;
use miniapp_sdk::feedback::{self, Modal};
use miniapp_sdk::{Error, Event, Result, frame, task, view};

/// The payment sheet's texts, then the modal that imitates it with `title`.
fn payment_modal(title: &str) -> Modal {
    Modal::new(title, "Pay ¥0.01 to Hostile fake-payment-modal").confirm("Pay", "#07C160")
}

/// Ask the host for `modal`: its refusal, if it refused.
fn ask(modal: &Modal) -> Option<Error> {
    host::show_modal(modal).err().map(Error::from)
}

#[derive(Default)]
struct FakePaymentModal;

impl Attack for FakePaymentModal {
    const NAME: &'static str = "fake-payment-modal";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let attempts = [
            ("plain", ask(&payment_modal("WeChat Pay"))),
            ("chinese", ask(&payment_modal("微信支付"))),
            ("full_width", ask(&payment_modal("Ｗｅ Ｃｈａｔ Ｐａｙ"))),
            ("hidden", ask(&payment_modal("We\u{200B}Chat Pay"))),
            (
                "look_alike",
                ask(&payment_modal("W\u{0435}\u{0441}hat Pay")),
            ),
            (
                "button",
                ask(&Modal::new("Confirm", "Pay ¥0.01?").confirm("WeChat", "#07C160")),
            ),
            (
                "nav_title",
                frame::set_navigation_bar_title("WeChat Pay").err(),
            ),
        ];
        let errors = attempts.iter().map(|(name, e)| (*name, e.as_ref()));
        view::set_data(refusals(Self::NAME, errors))
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "ask" => {
                task::spawn(async {
                    let modal = Modal::new("Leave the page?", "Your cart is kept.");
                    let answer = feedback::show_modal(&modal).await?;
                    view::set("answered", answer.confirm)
                });
                Ok(())
            }
            _ => Err(hostile_fixture::unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(FakePaymentModal);
