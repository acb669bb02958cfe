//! `feedback`: toasts, the loading toast, the modal and the action sheet,
//! as WeChat's `wx.showToast`, `wx.showLoading`, `wx.showModal` and
//! `wx.showActionSheet`. Core (no permission), as on WeChat. The host's UI
//! provider ([`HostUiProvider`](crate::providers::HostUiProvider)) draws them
//! outside the page; this module checks WeChat's bounds first, so a
//! provider sees only what it can draw. A modal and an action sheet are
//! pending calls (`pending_calls`): the user's answer is held (what they
//! typed charged to `host_memory_bytes`) for the
//! app's `on-complete` (`take-modal-answer`, `take-action-sheet-answer`).
//! A dialog may not speak as the host (`host_name.rs`), and a callback
//! draws `host_ui_per_event` toasts and bar changes at most.

mod host_name;

pub(super) use host_name::not_the_host;

use super::pending::Answer;
use super::{CallCtx, CallError, CallResult};
use crate::bindings::feedback;
use crate::limits::Held;
use crate::providers::{ActionSheet, HostUi, Modal, ModalAnswer, ToastIcon};

/// Characters at most in a title, a placeholder, an alert line.
pub(super) const TITLE_CHARS: usize = 64;
/// Characters at most in a modal's content (and its edited answer).
const CONTENT_CHARS: usize = 1024;
/// A modal's button text is at most 4 Chinese characters wide, as on
/// WeChat: 8 where a character outside ASCII counts as two.
const BUTTON_WIDTH: usize = 8;
/// Items at most in an action sheet, as on WeChat.
const SHEET_ITEMS: usize = 6;
/// Characters at most in an action sheet's item.
const ITEM_CHARS: usize = 32;
/// A toast shows at most this long, milliseconds.
const TOAST_MS: u32 = 60_000;

/// Refuse `text` (the app's `what`) longer than `most` characters, or
/// empty unless `empty` is allowed.
pub(super) fn text(what: &str, text: &str, most: usize, empty: bool) -> CallResult<()> {
    let chars = text.chars().count();
    if chars == 0 && !empty {
        return Err(CallError::invalid(format!("{what} is empty")));
    }
    if chars > most {
        return Err(CallError::invalid(format!(
            "{what} is {chars} characters, over the {most} allowed"
        )));
    }
    Ok(())
}

/// Refuse a button text that is empty or wider than [`BUTTON_WIDTH`].
fn button(what: &str, text: &str) -> CallResult<()> {
    let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    match width {
        0 => Err(CallError::invalid(format!("{what} is empty"))),
        w if w > BUTTON_WIDTH => Err(CallError::invalid(format!(
            "{what} `{text}` is wider than 4 Chinese characters (8 ASCII ones)"
        ))),
        _ => Ok(()),
    }
}

/// Refuse a colour that is not `#RRGGBB`.
pub(super) fn colour(what: &str, colour: &str) -> CallResult<()> {
    let digits = colour.strip_prefix('#').unwrap_or("");
    match digits.len() == 6 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        true => Ok(()),
        false => Err(CallError::invalid(format!(
            "{what} `{colour}` is not a colour written #RRGGBB"
        ))),
    }
}

/// Refuse a duration over `most` milliseconds.
pub(super) fn duration(what: &str, ms: u32, most: u32) -> CallResult<()> {
    match ms > most {
        true => Err(CallError::invalid(format!(
            "{what} is {ms} ms, over the {most} ms allowed"
        ))),
        false => Ok(()),
    }
}

fn checked_modal(modal: feedback::Modal) -> CallResult<Modal> {
    text("the modal's title", &modal.title, TITLE_CHARS, true)?;
    text("the modal's content", &modal.content, CONTENT_CHARS, true)?;
    let placeholder = &modal.placeholder_text;
    text(
        "the modal's placeholder text",
        placeholder,
        TITLE_CHARS,
        true,
    )?;
    not_the_host("the modal's title", &modal.title)?;
    button("the confirm text", &modal.confirm_text)?;
    not_the_host("the confirm text", &modal.confirm_text)?;
    colour("the confirm colour", &modal.confirm_color)?;
    if modal.show_cancel {
        button("the cancel text", &modal.cancel_text)?;
        not_the_host("the cancel text", &modal.cancel_text)?;
        colour("the cancel colour", &modal.cancel_color)?;
    }
    Ok(Modal {
        title: modal.title,
        content: modal.content,
        show_cancel: modal.show_cancel,
        cancel_text: modal.cancel_text,
        cancel_color: modal.cancel_color,
        confirm_text: modal.confirm_text,
        confirm_color: modal.confirm_color,
        editable: modal.editable,
        placeholder_text: modal.placeholder_text,
    })
}

fn checked_sheet(sheet: feedback::ActionSheet) -> CallResult<ActionSheet> {
    if let Some(alert) = &sheet.alert_text {
        text("the action sheet's alert text", alert, TITLE_CHARS, false)?;
        not_the_host("the action sheet's alert text", alert)?;
    }
    let items = sheet.item_list.len();
    if !(1..=SHEET_ITEMS).contains(&items) {
        return Err(CallError::invalid(format!(
            "the action sheet has {items} items; it takes 1 to {SHEET_ITEMS}"
        )));
    }
    for (i, item) in sheet.item_list.iter().enumerate() {
        text(&format!("item {i}"), item, ITEM_CHARS, false)?;
    }
    colour("the item colour", &sheet.item_color)?;
    Ok(ActionSheet {
        alert_text: sheet.alert_text,
        item_list: sheet.item_list,
        item_color: sheet.item_color,
    })
}

/// A provider's answer to `modal`, within what the app was promised.
fn checked_answer(modal: &Modal, answer: ModalAnswer) -> CallResult<feedback::ModalAnswer> {
    let content = match (answer.confirm && modal.editable, answer.content) {
        (true, Some(content)) => {
            let what = "the modal's edited content";
            text(what, &content, CONTENT_CHARS, true).map_err(|_| {
                CallError::failed(format!("{what} is over {CONTENT_CHARS} characters"))
            })?;
            Some(content)
        }
        (true, None) => Some(String::new()),
        (false, _) => None,
    };
    Ok(feedback::ModalAnswer {
        confirm: answer.confirm,
        content,
    })
}

impl CallCtx {
    /// Draw `ui`, which needs no answer, with the host's UI provider,
    /// within the callback's `host_ui_per_event`.
    pub(super) fn show(&mut self, ui: HostUi) -> CallResult<()> {
        self.count_drawn("toasts or bar changes")?;
        let host_ui = &self.app.services.providers.host_ui;
        host_ui.show(&self.app.manifest.id, ui);
        Ok(())
    }

    /// Count one more thing the host draws or does for this callback
    /// (`what` it draws), refused past `host_ui_per_event`.
    pub(super) fn count_drawn(&mut self, what: &str) -> CallResult<()> {
        let most = self.app.grants.quotas.host_ui_per_event;
        if self.host_ui_drawn >= most {
            return Err(CallError::quota(format!(
                "host_ui_per_event: this callback has asked the host to draw {most} {what}, \
                 all it may (a page shows one toast at a time)"
            )));
        }
        self.host_ui_drawn += 1;
        Ok(())
    }

    /// Whether `schema` (as `system.can-i-use` takes it) names a dialog
    /// that this host would refuse: nobody can answer it.
    pub(super) fn dialog_nobody_answers(&self, schema: &str) -> bool {
        let dialog = ["feedback.show-modal", "feedback.show-action-sheet"]
            .iter()
            .any(|d| schema == *d || schema.starts_with(&format!("{d}.")));
        dialog && !self.app.services.providers.host_ui.can_ask()
    }

    /// Refuse a dialog when nobody can answer it.
    fn can_ask(&self, what: &str) -> CallResult<()> {
        match self.app.services.providers.host_ui.can_ask() {
            true => Ok(()),
            false => Err(CallError::unsupported(format!(
                "this host has nobody to answer {what}: it has no screen"
            ))),
        }
    }
}

super::linked_by!(calls, feedback);

#[miniapp_runtime_macros::recorded]
impl feedback::Host for CallCtx {
    fn show_toast(&mut self, toast: feedback::Toast) -> CallResult<()> {
        text("the toast's title", &toast.title, TITLE_CHARS, false)?;
        duration("the toast's duration", toast.duration_ms, TOAST_MS)?;
        let icon = match toast.icon {
            feedback::ToastIcon::Success => ToastIcon::Success,
            feedback::ToastIcon::Error => ToastIcon::Error,
            feedback::ToastIcon::Loading => ToastIcon::Loading,
            feedback::ToastIcon::None => ToastIcon::None,
        };
        self.show(HostUi::Toast {
            title: toast.title,
            icon,
            duration_ms: toast.duration_ms,
            mask: toast.mask,
        })
    }

    fn hide_toast(&mut self) -> CallResult<()> {
        self.show(HostUi::HideToast)
    }

    fn show_loading(&mut self, title: String, mask: bool) -> CallResult<()> {
        text("the loading title", &title, TITLE_CHARS, false)?;
        self.show(HostUi::Loading { title, mask })
    }

    fn hide_loading(&mut self) -> CallResult<()> {
        self.show(HostUi::HideLoading)
    }

    fn show_modal(&mut self, modal: feedback::Modal) -> CallResult<u64> {
        let modal = checked_modal(modal)?;
        self.can_ask("a modal")?;
        let asked =
            (self.app.services.providers.host_ui).ask_modal(&self.app.manifest.id, modal.clone());
        let memory = self.pending.host_memory().clone();
        self.pending.start(async move {
            let answer = asked.await.map_err(|e| CallError::failed(e.0))?;
            let answer = checked_answer(&modal, answer)?;
            let typed = answer.content.as_ref().map_or(0, String::len) as u64;
            let held = (memory.hold(typed, "a modal's edited answer")).map_err(CallError::quota)?;
            let held = HeldModalAnswer {
                answer,
                _held: held,
            };
            Ok(Some(Box::new(held) as Answer))
        })
    }

    fn take_modal_answer(&mut self, id: u64) -> CallResult<feedback::ModalAnswer> {
        let answer = self
            .pending
            .take_answer(id)
            .map(|held: HeldModalAnswer| held.answer);
        answer.ok_or_else(|| {
            CallError::invalid(format!(
                "call {id} has no modal answer to take: take it once, in the `on-complete` of a `show-modal` that succeeded"
            ))
        })
    }

    fn show_action_sheet(&mut self, sheet: feedback::ActionSheet) -> CallResult<u64> {
        let sheet = checked_sheet(sheet)?;
        self.can_ask("an action sheet")?;
        let items = sheet.item_list.len() as u32;
        let host_ui = &self.app.services.providers.host_ui;
        let asked = host_ui.ask_action_sheet(&self.app.manifest.id, sheet);
        self.pending.start(async move {
            let tapped = asked.await.map_err(|e| CallError::failed(e.0))?;
            if let Some(index) = tapped.filter(|i| *i >= items) {
                return Err(CallError::failed(format!(
                    "the host answered item {index} of an action sheet of {items}"
                )));
            }
            Ok(Some(Box::new(SheetAnswer(tapped)) as Answer))
        })
    }

    fn take_action_sheet_answer(&mut self, id: u64) -> CallResult<Option<u32>> {
        match self.pending.take_answer::<SheetAnswer>(id) {
            Some(SheetAnswer(tapped)) => Ok(tapped),
            None => Err(CallError::invalid(format!(
                "call {id} has no action sheet answer to take: take it once, in the `on-complete` of a `show-action-sheet` that succeeded"
            ))),
        }
    }
}

/// A modal's answer, what the user typed charged to the instance's host
/// memory until the app takes it (or its completion ends without).
struct HeldModalAnswer {
    answer: feedback::ModalAnswer,
    _held: Held,
}

/// An action sheet's answer, typed apart from any other call's `Option<u32>`.
struct SheetAnswer(Option<u32>);

#[cfg(test)]
mod tests {
    use super::*;

    fn modal() -> feedback::Modal {
        feedback::Modal {
            title: "Delete?".into(),
            content: "The order goes.".into(),
            show_cancel: true,
            cancel_text: "Keep".into(),
            cancel_color: "#000000".into(),
            confirm_text: "删除订单".into(),
            confirm_color: "#576B95".into(),
            editable: false,
            placeholder_text: String::new(),
        }
    }

    fn refusal(result: CallResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(CallError::Guest(crate::bindings::types::Error::InvalidArgument(m))) => m,
            other => panic!("not an invalid argument: {other:?}"),
        }
    }

    #[test]
    fn a_modal_within_wechat_s_bounds_is_drawn_as_asked() {
        let checked = checked_modal(modal()).unwrap();
        assert_eq!(
            checked.confirm_text, "删除订单",
            "four characters, not bytes"
        );
    }

    #[test]
    fn button_texts_colours_and_lengths_are_refused_by_name() {
        let wide = feedback::Modal {
            confirm_text: "删除订单吧".into(),
            ..modal()
        };
        let message = refusal(checked_modal(wide));
        assert_eq!(
            message,
            "the confirm text `删除订单吧` is wider than 4 Chinese characters (8 ASCII ones)"
        );
        let english = feedback::Modal {
            confirm_text: "Confirm".into(),
            ..modal()
        };
        checked_modal(english).unwrap();
        let grey = feedback::Modal {
            cancel_color: "grey".into(),
            ..modal()
        };
        let message = refusal(checked_modal(grey));
        assert!(message.contains("cancel colour `grey`"), "{message}");
        // Without a cancel button its text and colour are not drawn.
        let no_cancel = feedback::Modal {
            show_cancel: false,
            cancel_text: String::new(),
            cancel_color: "none".into(),
            ..modal()
        };
        checked_modal(no_cancel).unwrap();
    }

    #[test]
    fn an_action_sheet_takes_one_to_six_items() {
        let sheet = |n: usize| feedback::ActionSheet {
            alert_text: None,
            item_list: (0..n).map(|i| format!("item {i}")).collect(),
            item_color: "#000000".into(),
        };
        checked_sheet(sheet(6)).unwrap();
        let message = refusal(checked_sheet(sheet(7)));
        assert_eq!(message, "the action sheet has 7 items; it takes 1 to 6");
        refusal(checked_sheet(sheet(0)));
    }

    #[test]
    fn a_callback_draws_host_ui_per_event_toasts_and_bar_changes_at_most() {
        use crate::audit::AuditEvent;
        use crate::bindings::frame::Host as _;
        use feedback::Host as _;
        let manifest = "id = \"demo.t\"\nname = \"T\"\nversion = \"0.1.0\"\npages = [\"index\"]\n";
        let policy = "[defaults.quotas]\nhost_ui_per_event = 3\n";
        let mut host = crate::testing::TestHost::new(manifest, policy, &[]);
        let toast = || feedback::Toast {
            title: "Saved".into(),
            icon: feedback::ToastIcon::Success,
            duration_ms: 1500,
            mask: false,
        };
        let call = &mut host.state.call;
        call.show_toast(toast()).unwrap();
        call.show_loading("Loading".into(), false).unwrap();
        call.set_navigation_bar_title("Title".into()).unwrap();
        let refused = call.show_toast(toast());
        let refused = host.guest(refused).unwrap_err();
        let crate::bindings::types::Error::QuotaExceeded(message) = refused else {
            panic!("not a quota refusal: {refused:?}")
        };
        assert!(message.starts_with("host_ui_per_event: "), "{message}");
        let bar = host.state.call.hide_navigation_bar_loading();
        assert!(host.guest(bar).is_err(), "the bars count too");
        assert!(host.audited(|e| matches!(e, AuditEvent::QuotaExceeded { .. })));
        // The next callback draws again.
        host.event(false);
        host.state.call.hide_toast().unwrap();
    }

    #[test]
    fn an_edited_answer_counts_only_when_confirmed() {
        let editable = Modal {
            editable: true,
            ..checked_modal(modal()).unwrap()
        };
        let answer = |confirm, content: Option<&str>| ModalAnswer {
            confirm,
            content: content.map(str::to_string),
        };
        let kept = checked_answer(&editable, answer(true, Some("hi"))).unwrap();
        assert_eq!(kept.content.as_deref(), Some("hi"));
        let cancelled = checked_answer(&editable, answer(false, Some("hi"))).unwrap();
        assert_eq!(cancelled.content, None);
        let long = "x".repeat(CONTENT_CHARS + 1);
        assert!(checked_answer(&editable, answer(true, Some(&long))).is_err());
    }
}
