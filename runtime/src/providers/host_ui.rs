//! The host's own UI around an app's page: toasts, the loading toast, the
//! navigation and tab bars, the scroll position and pull-down refresh
//! (shown, no answer), and the modal and action sheet (the user answers).
//! The runtime has checked every field against WeChat's bounds before a
//! provider sees it. The host draws these outside the page: a page's markup
//! cannot reach that layer, so an app cannot fake one.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use super::ProviderError;
use super::script::Script;

/// A toast's icon (`feedback.toast-icon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToastIcon {
    /// A tick.
    Success,
    /// A cross.
    Error,
    /// A spinner.
    Loading,
    /// No icon.
    None,
}

/// The navigation bar's text colour (`frame.front-color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrontColor {
    /// `#000000`.
    Black,
    /// `#ffffff`.
    White,
}

/// Something the host draws that needs no answer. As JSON (the protocol's
/// `host-ui` frame) its kind is the `ui` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "ui", rename_all = "kebab-case")]
pub enum HostUi {
    /// A toast, replacing any toast or loading shown.
    Toast {
        /// Its text.
        title: String,
        /// Its icon.
        icon: ToastIcon,
        /// How long it stays, milliseconds.
        duration_ms: u32,
        /// Whether taps on the page are stopped while it shows.
        mask: bool,
    },
    /// Hide the toast.
    HideToast,
    /// A loading toast until hidden, replacing any toast shown.
    Loading {
        /// Its text.
        title: String,
        /// Whether taps on the page are stopped while it shows.
        mask: bool,
    },
    /// Hide the loading toast.
    HideLoading,
    /// The navigation bar's title.
    NavigationBarTitle {
        /// The title.
        title: String,
    },
    /// The navigation bar's colours.
    NavigationBarColor {
        /// The text colour.
        front: FrontColor,
        /// The background, `#RRGGBB`.
        background: String,
        /// How long the change takes, milliseconds.
        duration_ms: u32,
    },
    /// The navigation bar's loading spinner, shown or hidden.
    NavigationBarLoading {
        /// Shown.
        shown: bool,
    },
    /// Scroll the page.
    PageScrollTo {
        /// To this many CSS pixels from the top.
        scroll_top: u32,
        /// Over this long, milliseconds.
        duration_ms: u32,
    },
    /// A tab's badge, set or removed.
    TabBarBadge {
        /// The tab, from 0.
        index: u32,
        /// The text, `None` to remove the badge.
        text: Option<String>,
    },
    /// A tab's red dot, shown or hidden.
    TabBarRedDot {
        /// The tab, from 0.
        index: u32,
        /// Shown.
        shown: bool,
    },
    /// The tab bar, shown or hidden (its badges and dots kept).
    TabBar {
        /// Shown.
        shown: bool,
        /// Whether it slides in or out (`false`: at once).
        animation: bool,
    },
    /// The window's background, seen behind the page when it is pulled
    /// down (a page-meta's `background-color` and `background-text-style`,
    /// as WeChat's `wx.setBackgroundColor` and
    /// `wx.setBackgroundTextStyle` set them).
    Background {
        /// The background, `#RRGGBB`, if set.
        color: Option<String>,
        /// The pull-down dots' style, `dark` or `light`, if set.
        text_style: Option<String>,
    },
    /// A video or audio of the page shown, by its id, asked to act
    /// (`frame.media-context`: WeChat's `VideoContext`, `AudioContext`).
    Media {
        /// The element's id.
        id: String,
        /// What it does.
        #[serde(flatten)]
        action: MediaAction,
    },
    /// The page's pull-down refresh animation, started or stopped.
    PullDownRefresh {
        /// Started.
        started: bool,
    },
}

/// What a video or audio is asked to do ([`HostUi::Media`]); as JSON, its
/// kind is the `action` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum MediaAction {
    /// Play.
    Play,
    /// Pause.
    Pause,
    /// Pause and go back to the start.
    Stop,
    /// Go to a time.
    Seek {
        /// From the start, milliseconds.
        position_ms: u64,
    },
    /// Play at a rate.
    PlaybackRate {
        /// The rate in hundredths (`125`: 1.25 times).
        percent: u32,
    },
    /// Fill the screen.
    RequestFullScreen,
    /// Leave the full screen.
    ExitFullScreen,
}

/// A modal dialog to show (`feedback.modal`, checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Modal {
    /// The title (may be empty).
    pub title: String,
    /// The content (may be empty).
    pub content: String,
    /// Whether the cancel button shows.
    pub show_cancel: bool,
    /// The cancel button's text.
    pub cancel_text: String,
    /// Its colour, `#RRGGBB`.
    pub cancel_color: String,
    /// The confirm button's text.
    pub confirm_text: String,
    /// Its colour, `#RRGGBB`.
    pub confirm_color: String,
    /// Whether the content is a text box the user may edit.
    pub editable: bool,
    /// The text box's placeholder.
    pub placeholder_text: String,
}

/// What the user did with a modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModalAnswer {
    /// The user confirmed (`false`: cancelled).
    pub confirm: bool,
    /// The edited content of an editable modal the user confirmed.
    pub content: Option<String>,
}

/// An action sheet to show (`feedback.action-sheet`, checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionSheet {
    /// A line above the items.
    pub alert_text: Option<String>,
    /// The items, 1 to 6.
    pub item_list: Vec<String>,
    /// Their colour, `#RRGGBB`.
    pub item_color: String,
}

/// The user's answer to come: run on the runtime's tasks after the app's
/// call returned, until the user answers (or the call is cancelled, when it
/// is dropped).
pub type Asked<T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send>>;

/// Draws the host's UI for an app (`feedback`, `frame`). Its methods
/// are called during the app's call, so a provider that needs the call's
/// context (whose session it is) takes it there; `show` must not block. A
/// dialog is drawn when its future is first polled, after the call
/// returned: a call the runtime refuses after asking (a quota) drops it
/// unpolled, and nothing is shown.
pub trait HostUiProvider: Send + Sync {
    /// Draw `ui` for app `app_id`.
    fn show(&self, app_id: &str, ui: HostUi);
    /// Whether there is a user to answer modals and action sheets: if not,
    /// the runtime refuses them with `unsupported` at once.
    fn can_ask(&self) -> bool;
    /// Show `modal` for app `app_id`; its answer comes when the user gives it.
    fn ask_modal(&self, app_id: &str, modal: Modal) -> Asked<ModalAnswer>;
    /// Show `sheet`; the index of the item tapped, `None` if cancelled.
    fn ask_action_sheet(&self, app_id: &str, sheet: ActionSheet) -> Asked<Option<u32>>;
}

/// The default: a host with no screen (a server, `miniapp run` without
/// answers). What needs no answer is drawn nowhere; a modal or an action
/// sheet is refused with `unsupported` (no user can answer it: answering
/// `cancel` for them would tell the app the user chose, which nobody did).
#[derive(Debug, Clone, Copy, Default)]
pub struct Headless;

impl HostUiProvider for Headless {
    fn show(&self, _: &str, _: HostUi) {}

    fn can_ask(&self) -> bool {
        false
    }

    fn ask_modal(&self, _: &str, _: Modal) -> Asked<ModalAnswer> {
        Box::pin(async { Err(ProviderError("this host has no screen".into())) })
    }

    fn ask_action_sheet(&self, _: &str, _: ActionSheet) -> Asked<Option<u32>> {
        Box::pin(async { Err(ProviderError("this host has no screen".into())) })
    }
}

/// One scripted answer of [`ScriptedUi`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptedAnswer {
    /// Answers the next modal.
    Modal(ModalAnswer),
    /// Answers the next action sheet: the item tapped, `None` to cancel.
    ActionSheet(Option<u32>),
}

/// What [`ScriptedUi`] was asked to draw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drawn {
    /// Something that needs no answer.
    Shown(HostUi),
    /// A modal.
    Modal(Modal),
    /// An action sheet.
    ActionSheet(ActionSheet),
}

/// A host UI answered from a script, for tests and non-interactive hosts
/// (`miniapp run`): each modal or action sheet takes the next answer of
/// its kind, and fails when none is left; everything drawn is recorded.
/// Clones share the script and the record.
#[derive(Debug, Clone, Default)]
pub struct ScriptedUi {
    script: Script<ScriptedAnswer, Drawn>,
}

impl ScriptedUi {
    /// A host UI giving `answers`, each to the next dialog of its kind.
    pub fn answering(answers: impl IntoIterator<Item = ScriptedAnswer>) -> ScriptedUi {
        ScriptedUi {
            script: Script::new(answers),
        }
    }

    /// Everything drawn since the last call, in order.
    pub fn take_drawn(&self) -> Vec<Drawn> {
        self.script.take_record()
    }
}

impl HostUiProvider for ScriptedUi {
    fn show(&self, _: &str, ui: HostUi) {
        self.script.record(Drawn::Shown(ui));
    }

    fn can_ask(&self) -> bool {
        true
    }

    fn ask_modal(&self, _: &str, modal: Modal) -> Asked<ModalAnswer> {
        (self.script).answer("modal", Drawn::Modal(modal), |a| match a {
            ScriptedAnswer::Modal(answer) => Some(answer.clone()),
            ScriptedAnswer::ActionSheet(_) => None,
        })
    }

    fn ask_action_sheet(&self, _: &str, sheet: ActionSheet) -> Asked<Option<u32>> {
        (self.script).answer("action sheet", Drawn::ActionSheet(sheet), |a| match a {
            ScriptedAnswer::ActionSheet(index) => Some(*index),
            ScriptedAnswer::Modal(_) => None,
        })
    }
}
