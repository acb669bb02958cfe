//! Feedback the host draws over the page, as WeChat's `wx.showToast`,
//! `wx.showLoading`, `wx.showModal` and `wx.showActionSheet`. The host
//! draws them outside the page, so the user can tell them from the app's
//! own markup. A toast or a loading toast returns at once; a modal and an
//! action sheet wait for the user without holding the app: `.await` them in
//! a task ([`task::spawn`]), or give WeChat's
//! `success`/`fail`/`complete` callbacks ([`modal`], [`action_sheet`]).
//!
//! ```ignore
//! use miniapp_sdk::{feedback, task, view};
//!
//! feedback::show_toast(&feedback::Toast::new("Saved"))?;
//! task::spawn(async {
//!     let answer = feedback::show_modal(&feedback::Modal::new("Delete?", "The order goes.")).await?;
//!     if answer.confirm {
//!         view::set("deleted", true)?;
//!     }
//!     Ok(())
//! });
//! feedback::action_sheet(feedback::ActionSheet::new(["Camera", "Album"]))
//!     .success(|index| view::set("source", index))
//!     .fail(|error| view::set("source", error.to_string()))
//!     .show();
//! ```
//!
//! A host with nobody to answer (a server without a client, `miniapp run`
//! without answers) refuses a modal or an action sheet with
//! [`Error::Unsupported`]. If the page that showed a dialog leaves the
//! stack first, its future ends with [`Error::Cancelled`] and none of its
//! callbacks is called.

use crate::bindings::miniapp::host::feedback as host;
use crate::task;
use crate::{Error, Result};

pub use crate::callbacks::Callbacks;

// The host API's own records (the WIT is their one definition).
pub use host::{ActionSheet, Modal, ModalAnswer, Toast, ToastIcon};

impl Toast {
    /// A toast with `title` and WeChat's defaults: the `success` icon, 1500
    /// ms, no mask.
    pub fn new(title: impl Into<String>) -> Toast {
        Toast {
            title: title.into(),
            icon: ToastIcon::Success,
            duration_ms: 1_500,
            mask: false,
        }
    }

    /// With `icon` (`none` lets the title take two lines).
    pub fn icon(mut self, icon: ToastIcon) -> Toast {
        self.icon = icon;
        self
    }

    /// Shown for `ms` milliseconds.
    pub fn duration_ms(mut self, ms: u32) -> Toast {
        self.duration_ms = ms;
        self
    }

    /// With a mask that stops taps on the page while it shows.
    pub fn mask(mut self, mask: bool) -> Toast {
        self.mask = mask;
        self
    }
}

impl Modal {
    /// A modal with `title`, `content` and WeChat's defaults: a cancel
    /// button `Cancel` in `#000000`, a confirm button `OK` in `#576B95`,
    /// not editable.
    pub fn new(title: impl Into<String>, content: impl Into<String>) -> Modal {
        Modal {
            title: title.into(),
            content: content.into(),
            show_cancel: true,
            cancel_text: "Cancel".into(),
            cancel_color: "#000000".into(),
            confirm_text: "OK".into(),
            confirm_color: "#576B95".into(),
            editable: false,
            placeholder_text: String::new(),
        }
    }

    /// The content is a text box the user edits, showing `placeholder`
    /// while empty; the answer has what they typed.
    pub fn editable(mut self, placeholder: impl Into<String>) -> Modal {
        self.editable = true;
        self.placeholder_text = placeholder.into();
        self
    }

    /// Without a cancel button.
    pub fn without_cancel(mut self) -> Modal {
        self.show_cancel = false;
        self
    }

    /// The confirm button's text and colour (`#RRGGBB`).
    pub fn confirm(mut self, text: impl Into<String>, color: impl Into<String>) -> Modal {
        self.confirm_text = text.into();
        self.confirm_color = color.into();
        self
    }

    /// The cancel button's text and colour (`#RRGGBB`).
    pub fn cancel(mut self, text: impl Into<String>, color: impl Into<String>) -> Modal {
        self.cancel_text = text.into();
        self.cancel_color = color.into();
        self
    }
}

impl ActionSheet {
    /// An action sheet of `items` (1 to 6) in `#000000`.
    pub fn new<S: Into<String>>(items: impl IntoIterator<Item = S>) -> ActionSheet {
        ActionSheet {
            alert_text: None,
            item_list: items.into_iter().map(Into::into).collect(),
            item_color: "#000000".into(),
        }
    }

    /// With a line of `text` above the items.
    pub fn alert(mut self, text: impl Into<String>) -> ActionSheet {
        self.alert_text = Some(text.into());
        self
    }
}

/// Show `toast`, replacing any toast or loading shown (`wx.showToast`).
#[doc(alias = "showToast")]
pub fn show_toast(toast: &Toast) -> Result<()> {
    Ok(host::show_toast(toast)?)
}

/// Hide the toast (`wx.hideToast`).
#[doc(alias = "hideToast")]
pub fn hide_toast() -> Result<()> {
    Ok(host::hide_toast()?)
}

/// Show a loading toast with `title` until [`hide_loading`]
/// (`wx.showLoading`); with `mask`, taps on the page are stopped.
#[doc(alias = "showLoading")]
pub fn show_loading(title: &str, mask: bool) -> Result<()> {
    Ok(host::show_loading(title, mask)?)
}

/// Hide the loading toast (`wx.hideLoading`).
#[doc(alias = "hideLoading")]
pub fn hide_loading() -> Result<()> {
    Ok(host::hide_loading()?)
}

/// Show `modal` and wait for the user (`wx.showModal`): whether they
/// confirmed, and the text of an editable modal they confirmed. The host
/// checks the modal when this is first awaited.
#[doc(alias = "showModal")]
pub async fn show_modal(modal: &Modal) -> Result<ModalAnswer> {
    let id = host::show_modal(modal)?;
    task::completion(id).await?;
    Ok(host::take_modal_answer(id)?)
}

/// Show `sheet` and wait for the user (`wx.showActionSheet`): the index of
/// the item tapped (`tapIndex`), `None` if they cancelled.
#[doc(alias = "showActionSheet")]
pub async fn show_action_sheet(sheet: &ActionSheet) -> Result<Option<u32>> {
    let id = host::show_action_sheet(sheet)?;
    task::completion(id).await?;
    Ok(host::take_action_sheet_answer(id)?)
}

/// `modal` with WeChat's callbacks: add them, then [`Callbacks::show`].
/// `success` gets the answer, confirmed or cancelled (as on WeChat).
pub fn modal(modal: Modal) -> Callbacks<ModalAnswer> {
    Callbacks::new(move || Box::pin(async move { show_modal(&modal).await }))
}

/// `sheet` with WeChat's callbacks: `success` gets the item's index; a
/// cancel is a `fail` with [`Error::Failed`]`("cancel")`, as WeChat's
/// `showActionSheet:fail cancel`.
pub fn action_sheet(sheet: ActionSheet) -> Callbacks<u32> {
    Callbacks::new(move || {
        Box::pin(async move {
            match show_action_sheet(&sheet).await? {
                Some(index) => Ok(index),
                None => Err(Error::Failed("cancel".into())),
            }
        })
    })
}

impl Callbacks<ModalAnswer> {
    /// Show the modal; the callbacks run in the completion that answers
    /// it (a refusal: right after the current handler). If its page leaves
    /// the stack first, none of them is called. As on WeChat, an app
    /// cannot close it: the user answers it.
    pub fn show(self) {
        self.start();
    }
}

impl Callbacks<u32> {
    /// Show the action sheet, as [`Callbacks::<ModalAnswer>::show`].
    pub fn show(self) {
        self.start();
    }
}
