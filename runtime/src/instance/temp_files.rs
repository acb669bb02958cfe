//! What an embedder that draws the page reads of an instance's temp files:
//! the bytes of a `wxfile://tmp/...` path its view shows (an `<image>`
//! whose `src` is a download's or a chooser's file).

use std::sync::{Arc, Weak};

use super::AppInstance;
use crate::Error;
use crate::capability::temp_area::InstanceTemp;

/// One instance's temp files, for a renderer showing them (a simulator's
/// `<image src="wxfile://tmp/...">`): read through the app's temp area as
/// the app's own reads are, only the files given to this instance. It does
/// not keep them: once the instance has ended (a relaunch, eviction, a
/// trap) every read is refused. A read is blocking file I/O: off async
/// workers (`tokio::task::spawn_blocking`).
#[derive(Clone)]
pub struct TempFiles {
    app: String,
    temp: Weak<InstanceTemp>,
    /// No temp file is larger: the app's `http_response_bytes`.
    max: u64,
}

impl TempFiles {
    /// The bytes of `path`, a temp file given to the instance (a
    /// download's or a chooser's `wxfile://tmp/...`). A path the host did
    /// not give out, another instance's file (of this app or another), a
    /// removed one, or any once the instance has ended, is refused naming
    /// the path.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.clone(),
            reason,
        };
        let temp = (self.temp.upgrade())
            .ok_or_else(|| refused(format!("{path}: the instance has ended")))?;
        (temp.read_blocking(path, self.max)).map_err(|e| refused(e.message()))
    }
}

impl AppInstance {
    /// This instance's temp files, for a renderer ([`TempFiles`]); `None`
    /// once a trap has discarded it.
    pub fn temp_files(&self) -> Option<TempFiles> {
        let live = self.live.as_ref()?;
        Some(TempFiles {
            app: self.app.manifest.id.clone(),
            temp: Arc::downgrade(&live.store.data().device.temp),
            max: self.app.grants.quotas.http_response_bytes,
        })
    }
}
