//! What an embedder that draws the page reads of an instance's temp files:
//! the bytes of a `wxfile://tmp/...` path its view shows (an `<image>`
//! whose `src` is a download's or a chooser's file).

use super::AppInstance;
use crate::Error;

impl AppInstance {
    /// The bytes of `path`, a temp file given to this instance (a
    /// download's or a chooser's `wxfile://tmp/...`), at most the app's
    /// `http_response_bytes` (no temp file is larger), for a renderer
    /// showing it. Read through the app's temp area, as the app's own
    /// reads are: a path the host did not give out, another instance's
    /// file (of this app or another), a removed one, or any read once a
    /// trap has discarded the instance, is refused, naming the path.
    pub fn read_temp_file(&self, path: &str) -> Result<Vec<u8>, Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let live = (self.live.as_ref())
            .ok_or_else(|| refused(format!("{path}: the instance has ended")))?;
        let max = self.app.grants.quotas.http_response_bytes;
        (live.store.data().device.temp)
            .read_blocking(path, max)
            .map_err(|e| refused(e.message()))
    }
}
