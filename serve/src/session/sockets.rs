//! The sockets a session's instance has open (the url and the app's tag of
//! each), kept in the store beside the record of its events: written with
//! a callback's writes whenever they changed, read when the session's
//! instance is launched. So the next instance, on this node after an
//! eviction or on another after the session moved there (its node drained
//! or died), is told that each closed and why (the runtime's
//! `LaunchOptions::closed_sockets`), and can reconnect. Only for apps
//! granted `socket`: others neither read nor write it.

use std::sync::Arc;

use miniapp_runtime::platform::kv::{self, KvLimits, KvStore, KvWrites};
use miniapp_runtime::{AppInstance, Capability, ClosedSocket, OpenSocket};

use crate::error::ApiError;

/// Why a socket closed, told when this node ran the session's previous
/// instance: it ended here (evicted, its app killed or trapped).
const ENDED_HERE: &str = "the app's instance was ended by the host (evicted or stopped)";
/// Why, when the previous instance ran elsewhere: on another node (drained
/// or lost), or in this node's process before a restart.
const MOVED: &str = "the session moved to another node (or its node restarted)";

/// The store's key of the record, in the session's namespace.
const KEY: &str = "sockets";

/// A session's record of its open sockets, as this node knows it.
pub struct OpenSockets {
    /// The store's namespace (the session's, as its events').
    namespace: String,
    /// The record as this node last read or wrote it.
    stored: Option<Vec<u8>>,
    /// Whether this node launched an instance of the session before.
    launched_here: bool,
}

impl OpenSockets {
    /// The record of session `session`'s sockets, read at its launch.
    pub fn new(session: &str) -> OpenSockets {
        OpenSockets {
            namespace: super::applied::namespace(session),
            stored: None,
            launched_here: false,
        }
    }

    /// Before a launch of `app`: the sockets the session's previous
    /// instance had open, closed with 1001 and why, at most the app's
    /// `sockets` quota (an operator may have lowered it since) and only
    /// those the runtime can tell (a record it cannot read tells nothing).
    /// A session opened on this node (not `rebuilt` from its id) has no
    /// previous instance at its first launch: nothing is read then.
    pub async fn closed(
        &mut self,
        app: &miniapp_runtime::App,
        kv: &Arc<dyn KvStore>,
        rebuilt: bool,
    ) -> Result<Vec<ClosedSocket>, ApiError> {
        if !holds_sockets(app) {
            return Ok(Vec::new());
        }
        let first = !self.launched_here;
        self.launched_here = true;
        if first && !rebuilt {
            return Ok(Vec::new());
        }
        let reason = if first { MOVED } else { ENDED_HERE };
        let ns = self.namespace.clone();
        let stored = kv::call(kv, move |kv| kv.get(&ns, KEY))
            .await
            .map_err(|e| {
                ApiError::unavailable(format!("cannot read the session's sockets: {e}"))
            })?;
        let open: Vec<OpenSocket> = (stored.as_deref())
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or_default();
        self.stored = stored;
        Ok(ClosedSocket::all_going_away(app, open, reason))
    }

    /// The write that brings the record to the sockets `instance` has
    /// open, with its bytes, if they changed (none for an app without
    /// `socket`, or a discarded instance: what it had open stays recorded).
    pub fn write(&self, instance: &AppInstance) -> Option<(KvWrites, Vec<u8>)> {
        let open = instance.open_sockets()?;
        let bytes = serde_json::to_vec(&open).ok()?;
        let unchanged = match &self.stored {
            Some(stored) => *stored == bytes,
            None => open.is_empty(),
        };
        if unchanged {
            return None;
        }
        let write = KvWrites::new(self.namespace.clone(), KvLimits::NONE).with(KEY, bytes.clone());
        Some((write, bytes))
    }

    /// The record now holds `bytes` (a commit of [`OpenSockets::write`]'s
    /// write landed).
    pub fn wrote(&mut self, bytes: Vec<u8>) {
        self.stored = Some(bytes);
    }

    /// Right after a launch: commit `write` ([`OpenSockets::write`] of the
    /// new instance: none open, or what its launch connected), so that
    /// what the previous one had open is told once. A failed write is
    /// written at the next callback's commit.
    pub async fn after_launch(
        &mut self,
        write: Option<(KvWrites, Vec<u8>)>,
        kv: &Arc<dyn KvStore>,
    ) {
        let Some((write, bytes)) = write else {
            return;
        };
        if kv::call(kv, move |kv| kv.commit(&[write])).await.is_ok() {
            self.wrote(bytes);
        }
    }
}

/// Whether instances of `app` may open sockets.
fn holds_sockets(app: &miniapp_runtime::App) -> bool {
    app.grants().capabilities.contains(&Capability::Socket)
}
