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
    /// The sockets the session's previous instance had open when it ended
    /// (what [`AppInstance::open_sockets`](crate::AppInstance::open_sockets)
    /// said last, as the embedder kept it), with why they closed: told to
    /// this instance after its launch, one completion each, when it asks
    /// (`socket.closed-before-launch`). At most the app's `sockets` quota,
    /// each within [`ClosedSocket::check`]'s bounds, else the launch is
    /// refused with [`Error::BadRequest`](crate::Error::BadRequest);
    /// charged to the instance's host memory until told.
    pub closed_sockets: Vec<ClosedSocket>,
}

/// Most bytes of a socket's URL (a longer one is refused at connect).
pub const MAX_SOCKET_URL_BYTES: usize = 2048;
/// Most bytes of a socket's tag (`socket.set-tag`).
pub const MAX_SOCKET_TAG_BYTES: usize = 256;
/// Most bytes of a close reason (WebSocket's limit).
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// A socket an instance has open: what a next instance of the session
/// needs to reconnect it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenSocket {
    /// The URL the app opened (at most [`MAX_SOCKET_URL_BYTES`]).
    pub url: String,
    /// The tag the app gave it (`socket.set-tag`), empty if none (at most
    /// [`MAX_SOCKET_TAG_BYTES`]).
    pub tag: String,
}

/// A socket that closed because its instance ended, as a next instance is
/// told it (WeChat's `onSocketClose`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedSocket {
    /// The socket as it was open.
    pub socket: OpenSocket,
    /// The close code: 1001 (going away) for an instance that ended.
    pub code: u16,
    /// Why (at most [`MAX_CLOSE_REASON_BYTES`]).
    pub reason: String,
}

impl ClosedSocket {
    /// `socket`, closed with 1001 (going away) for `reason`.
    pub fn going_away(socket: OpenSocket, reason: &str) -> ClosedSocket {
        ClosedSocket {
            socket,
            code: 1001,
            reason: reason.to_string(),
        }
    }

    /// The sockets `open` as the next instance of `app` is told them:
    /// each closed with 1001 for `reason`, those it can be told
    /// ([`ClosedSocket::check`]), at most the app's `sockets` quota (an
    /// operator may have lowered it since); none for an app not granted
    /// `socket`.
    pub fn all_going_away(
        app: &crate::App,
        open: Vec<OpenSocket>,
        reason: &str,
    ) -> Vec<ClosedSocket> {
        let grants = app.grants();
        if !grants.capabilities.contains(&crate::Capability::Socket) {
            return Vec::new();
        }
        (open.into_iter())
            .map(|socket| ClosedSocket::going_away(socket, reason))
            .filter(|closed| closed.check().is_ok())
            .take(grants.quotas.sockets as usize)
            .collect()
    }

    /// Why it cannot be told to an app, if it cannot: a URL, tag or
    /// reason past its bound, or a code no close frame carries.
    pub fn check(&self) -> Result<(), String> {
        let url = self.socket.url.len();
        let tag = self.socket.tag.len();
        let reason = self.reason.len();
        if url > MAX_SOCKET_URL_BYTES {
            return Err(format!(
                "a closed socket's URL of {url} bytes is over {MAX_SOCKET_URL_BYTES} bytes"
            ));
        }
        if tag > MAX_SOCKET_TAG_BYTES {
            return Err(format!(
                "a closed socket's tag of {tag} bytes is over {MAX_SOCKET_TAG_BYTES} bytes"
            ));
        }
        if reason > MAX_CLOSE_REASON_BYTES {
            return Err(format!(
                "a close reason of {reason} bytes is over {MAX_CLOSE_REASON_BYTES} bytes"
            ));
        }
        if !(1000..=4999).contains(&self.code) {
            return Err(format!(
                "close code {} is not a WebSocket close code (1000 to 4999)",
                self.code
            ));
        }
        Ok(())
    }

    /// The bytes it holds, charged while held.
    pub(crate) fn bytes(&self) -> u64 {
        (self.socket.url.len() + self.socket.tag.len() + self.reason.len()) as u64
    }
}

/// A user event from the renderer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
