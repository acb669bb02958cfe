//! What the embedder sends an app: how it is opened, and user events.

use serde_json::Value;

/// How an app is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// The page to open, with its query (`detail?id=3`); default: the home page.
    pub path: Option<String>,
    /// Scene code: where the user came from.
    pub scene: u32,
    /// App id of the mini-program that opened this one.
    pub referrer: Option<String>,
    /// The user, for per-user storage and consent.
    pub user: Option<String>,
    /// The device the app is shown on, as the client sent it (checked at
    /// launch: a bad fact refuses the launch with
    /// [`Error::BadRequest`](crate::Error::BadRequest) naming it); `None`:
    /// [the default phone](crate::DeviceFacts::default).
    pub device: Option<crate::DeviceFacts>,
}

/// A user event from the renderer.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Route of the page the event happened on.
    pub page: String,
    /// Handler name bound in the page template.
    pub handler: String,
    /// Event detail.
    pub detail: Value,
    /// The element's `data-*` attributes.
    pub dataset: Vec<(String, String)>,
    /// Whether the event is a user gesture (a tap). Only then may the app
    /// pay, read the profile or open another mini-program while handling
    /// it, and only one of those per gesture.
    pub gesture: bool,
}

impl Event {
    /// An event with no detail and no dataset that is not a user gesture
    /// (a scroll, a timer, an input change).
    pub fn new(page: impl Into<String>, handler: impl Into<String>) -> Event {
        Event {
            page: page.into(),
            handler: handler.into(),
            detail: Value::Null,
            dataset: Vec::new(),
            gesture: false,
        }
    }

    /// A user tap: an event that carries a user gesture.
    pub fn tap(page: impl Into<String>, handler: impl Into<String>) -> Event {
        Event {
            gesture: true,
            ..Event::new(page, handler)
        }
    }

    /// The same event with `detail`.
    pub fn with_detail(mut self, detail: Value) -> Event {
        self.detail = detail;
        self
    }
}
