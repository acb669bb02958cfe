//! An instance's storage writes held for its embedder, who commits them in
//! one transaction with its own record of the event (exactly once across a
//! crash), or drops them.

use super::AppInstance;
use crate::kv::{KvError, KvWrites};

impl AppInstance {
    /// Hold this instance's storage writes from now on: each `set`,
    /// `remove` and `clear` of the app goes to a write set that its own
    /// reads see, refused where the store would refuse it (the same quota
    /// checks, against the store's usage with the held writes), and
    /// reaches the store only at [`AppInstance::commit_storage_writes`].
    /// An embedder that records the events it applied holds the writes of
    /// each event and commits them with that record, so that a crash
    /// between the two cannot make a retried event apply twice. A trap
    /// does not drop them: what the event wrote before it can be committed
    /// with the record of the trap. Nothing to hold for an app without
    /// storage or a discarded instance.
    pub fn hold_storage_writes(&mut self) {
        let Some(live) = &self.live else { return };
        if let Ok(storage) = &live.store.data().storage {
            self.held = Some(storage.hold());
        }
    }

    /// Commit the held writes with `also` (the embedder's own records) in
    /// one transaction ([`crate::kv::KvStore::commit`]): all of them or,
    /// on an error, none. With nothing held, `also` alone. The instance
    /// writes at once again either way.
    pub async fn commit_storage_writes(&mut self, also: Vec<KvWrites>) -> Result<(), KvError> {
        match self.held.take() {
            Some(held) => held.commit(also).await,
            None => {
                let batch: Vec<KvWrites> = also.into_iter().filter(|w| !w.is_empty()).collect();
                if batch.is_empty() {
                    return Ok(());
                }
                crate::kv::call(&self.app.services.kv, move |kv| kv.commit(&batch)).await
            }
        }
    }

    /// Whether its storage writes are held: an event that held them did
    /// not reach its commit (its caller was cancelled), and the instance
    /// saw writes that were never made.
    pub fn holds_storage_writes(&self) -> bool {
        self.held.is_some()
    }
}
