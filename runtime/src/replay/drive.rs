//! What an embedder asked of an instance, recorded as it asked it (JSON,
//! borrowed while recording): replay asks the same of a fresh instance,
//! in the same order, and the host's own work between (page hooks,
//! renders, component lifetimes) follows as it did.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::capability::pending::{Completion, Outcome, Owner};
use crate::event::{ClosedSocket, Event, LaunchOptions, OpenSocket};
use crate::instance::ClientPageEvent;

/// One call of the embedder into an instance.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Drive<'a> {
    /// The instance launched (its user is left out: the app never sees it).
    Launch(Launch),
    /// `show`.
    Show,
    /// `hide`.
    Hide,
    /// `dispatch` of a user event.
    Event(Cow<'a, Event>),
    /// `navigate`, as the host's own controls do.
    Navigate {
        /// `navigate`, `redirect` or `navigateBack`.
        open_type: Cow<'a, str>,
        /// Where to.
        url: Cow<'a, str>,
        /// How far back.
        delta: u32,
    },
    /// `dispatch_view`: an event the renderer reported.
    View {
        /// The node.
        node: u32,
        /// Its type.
        kind: Cow<'a, str>,
        /// Its detail.
        detail: Cow<'a, Value>,
    },
    /// `tap_tab`.
    TapTab(u32),
    /// `complete_next` delivered this completion.
    Complete {
        /// The call's id.
        id: u64,
        /// What the app received.
        outcome: Cow<'a, Outcome>,
        /// Whose it was.
        owner: Option<Owner>,
    },
    /// `page_event`.
    PageEvent(Cow<'a, ClientPageEvent>),
}

/// How the instance was opened, without its user.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Launch {
    path: Option<String>,
    scene: u32,
    referrer: Option<String>,
    device: Option<crate::DeviceFacts>,
    closed_sockets: Vec<(OpenSocket, u16, String)>,
}

impl Launch {
    /// What of `options` the instance saw.
    pub fn of(options: &LaunchOptions) -> Launch {
        Launch {
            path: options.path.clone(),
            scene: options.scene,
            referrer: options.referrer.clone(),
            device: options.device.clone(),
            closed_sockets: (options.closed_sockets.iter())
                .map(|c| (c.socket.clone(), c.code, c.reason.clone()))
                .collect(),
        }
    }

    /// The options to launch a replay with (no user).
    pub fn options(self) -> LaunchOptions {
        LaunchOptions {
            path: self.path,
            scene: self.scene,
            referrer: self.referrer,
            user: None,
            device: self.device,
            closed_sockets: (self.closed_sockets.into_iter())
                .map(|(socket, code, reason)| ClosedSocket {
                    socket,
                    code,
                    reason,
                })
                .collect(),
        }
    }
}

impl Drive<'_> {
    /// The completion a `Complete` drive delivered.
    pub fn completion(id: u64, outcome: Outcome, owner: Option<Owner>) -> Completion {
        Completion { id, outcome, owner }
    }
}
