//! The record of the events a session applied, which makes each event
//! apply exactly once across retries, nodes and crashes: the client ids of
//! its last events with their answers, kept in the store beside the app's
//! storage. It is read before the session's instance sees that storage,
//! checked for a retry, and written in one transaction with the event's
//! storage writes, expecting the record as it was read.

use std::collections::VecDeque;
use std::sync::Arc;

use miniapp_runtime::AppInstance;
use miniapp_runtime::platform::kv::{self, KvError, KvLimits, KvStore, KvWrites};

use crate::error::ApiError;

/// Client ids remembered per session: a retry of any of the last this many
/// events is recognised, on any node (they are kept in the store too).
const REMEMBERED_EVENTS: usize = 16;

/// The store's namespace of session `session`'s records (its events
/// applied, its open sockets): from a digest of its id.
pub(super) fn namespace(session: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(session.as_bytes());
    format!("miniapp:events:{}", hex::encode(&digest[..16]))
}

/// The record of events applied and the holder's mark, as the store has them.
type Records = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The events a session applied, as this node knows them.
pub struct Applied {
    /// The store's namespace of the record (from the session's id).
    namespace: String,
    /// Client ids applied, oldest first, with whether each succeeded.
    events: VecDeque<(String, Result<(), ApiError>)>,
    /// Whether `events` is what the store holds: read once per session
    /// here, again after a commit that failed or may not have landed.
    read: bool,
    /// The record as this node last read or wrote it: a commit expects it
    /// still there, so that two nodes applying events of one session at
    /// once cannot both commit (one would overwrite the other's record,
    /// and a retry of the lost event apply twice).
    stored: Option<Vec<u8>>,
    /// The mark of the node that last took the session up, as this node
    /// last read or wrote it ([`Applied::take_up`]).
    holder: Option<Vec<u8>>,
}

/// The store's key of the mark a node writes when it takes the session up.
const HOLDER: &str = "holder";

impl Applied {
    /// The record of session `session`'s events, to be read at its first
    /// action.
    pub fn new(session: &str) -> Applied {
        Applied {
            namespace: namespace(session),
            events: VecDeque::new(),
            read: false,
            stored: None,
            holder: None,
        }
    }

    /// Read the events this session applied on other nodes (or before this
    /// process restarted), unless this node holds what the store holds.
    /// Read before the instance sees the app's storage: the commit expects
    /// the record unchanged since, so nothing that another node applied
    /// after what this instance saw can be overwritten.
    pub async fn read(&mut self, kv: &Arc<dyn KvStore>) -> Result<(), ApiError> {
        if self.read {
            return Ok(());
        }
        let (stored, holder) = self.records(kv).await?;
        match &stored {
            Some(bytes) => self.take_json(bytes),
            None => self.events.clear(),
        }
        self.stored = stored;
        self.holder = holder;
        self.read = true;
        Ok(())
    }

    /// The store's record of events applied and the holder's mark.
    async fn records(&self, kv: &Arc<dyn KvStore>) -> Result<Records, ApiError> {
        let ns = self.namespace.clone();
        let read = move |kv: &dyn KvStore| Ok((kv.get(&ns, "applied")?, kv.get(&ns, HOLDER)?));
        (kv::call(kv, read).await)
            .map_err(|e| ApiError::unavailable(format!("cannot read the session's events: {e}")))
    }

    /// This node takes the session up (it rebuilt the session from its id
    /// and launches its instance: the balancer moved it here, or its node
    /// died or drained): a fresh mark in the store, so that a node that
    /// still runs an instance of it ends that instance at its next
    /// completion ([`Applied::applied_elsewhere`]) without waiting for an
    /// event here. A mark the store did not take is not retried: events
    /// still tell.
    pub async fn take_up(&mut self, kv: &Arc<dyn KvStore>) {
        let mut nonce = [0u8; 16];
        if getrandom::fill(&mut nonce).is_err() {
            return;
        }
        let mark = hex::encode(nonce).into_bytes();
        let write =
            KvWrites::new(self.namespace.clone(), KvLimits::NONE).with(HOLDER, mark.clone());
        if kv::call(kv, move |kv| kv.commit(&[write])).await.is_ok() {
            self.holder = Some(mark);
        }
    }

    /// Read the record from the store again: another node wrote this
    /// session's storage, and applied events this node does not know.
    pub async fn read_again(&mut self, kv: &Arc<dyn KvStore>) -> Result<(), ApiError> {
        self.read = false;
        self.read(kv).await
    }

    /// Whether another node applied an event of this session, or took it
    /// up ([`Applied::take_up`]), since this node last read or wrote the
    /// record: the store's record or mark differs from this node's. A
    /// record this node has not read yet is read now (and nothing is known
    /// to differ).
    pub async fn applied_elsewhere(&mut self, kv: &Arc<dyn KvStore>) -> Result<bool, ApiError> {
        if !self.read {
            self.read(kv).await?;
            return Ok(false);
        }
        let (stored, holder) = self.records(kv).await?;
        Ok(stored != self.stored || holder != self.holder)
    }

    /// The answer given to event `cid`, if it was applied.
    pub fn answer(&self, cid: &str) -> Option<Result<(), ApiError>> {
        self.events
            .iter()
            .find(|(c, _)| c == cid)
            .map(|(_, answer)| answer.clone())
    }

    /// Commit what an action wrote (held by `instance`) and, for event
    /// `cid` answered `result` by the app (done, its own error or a trap),
    /// the record that it was applied, in one transaction expecting the
    /// record as read, so that a retry reaching another node (or this one
    /// restarted) is recognised exactly when its writes are there. Another
    /// answer (the event did not reach the app) is not recorded. `also`,
    /// other writes of the session's namespace (its open sockets), is
    /// committed in the same transaction. On an error nothing was written
    /// and the event is not remembered.
    pub async fn commit(
        &mut self,
        instance: Option<&mut AppInstance>,
        cid: Option<&str>,
        result: &Result<(), ApiError>,
        kv: &Arc<dyn KvStore>,
        also: Option<KvWrites>,
    ) -> Result<(), KvError> {
        let answered = matches!(
            result,
            Ok(())
                | Err(ApiError {
                    kind: "app-error" | "trap",
                    ..
                })
        );
        let cid = cid.filter(|_| answered);
        let mut record: Vec<KvWrites> = Vec::new();
        let mut written = None;
        let session = also.unwrap_or_else(|| KvWrites::new(self.namespace.clone(), KvLimits::NONE));
        if let Some(cid) = cid {
            self.remember(cid.to_string(), result.clone());
            let bytes = self.to_json();
            let applied = session
                .with("applied", bytes.clone())
                .expecting("applied", self.stored.clone());
            record.push(applied);
            written = Some(bytes);
            // Read again unless the commit is known to have landed (this
            // future may be dropped while it waits).
            self.read = false;
        } else if !session.is_empty() {
            record.push(session);
        }
        let committed = match instance {
            Some(instance) => instance.commit_storage_writes(record).await,
            None if record.is_empty() => Ok(()),
            None => kv::call(kv, move |kv| kv.commit(&record)).await,
        };
        match (&committed, written, cid) {
            (Ok(()), Some(bytes), _) => {
                self.stored = Some(bytes);
                self.read = true;
            }
            (Err(_), _, Some(cid)) => self.forget(cid),
            _ => {}
        }
        committed
    }

    /// Forget event `cid` (its writes may not be durable: a retry applies it).
    pub fn forget(&mut self, cid: &str) {
        self.events.retain(|(c, _)| c != cid);
    }

    /// Remember that event `cid` was applied, with its answer.
    fn remember(&mut self, cid: String, answer: Result<(), ApiError>) {
        if self.events.len() == REMEMBERED_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back((cid, answer));
    }

    /// The events applied, as the store keeps them.
    fn to_json(&self) -> Vec<u8> {
        let events: Vec<serde_json::Value> = (self.events.iter())
            .map(|(cid, answer)| match answer {
                Ok(()) => serde_json::json!([cid, null, null]),
                Err(e) => serde_json::json!([cid, e.kind, e.message]),
            })
            .collect();
        serde_json::to_vec(&events).unwrap_or_default()
    }

    /// Take the events applied from the store's bytes: they replace what
    /// this node remembers (every event it remembers was committed with
    /// the record, so the store's record is the whole truth).
    fn take_json(&mut self, bytes: &[u8]) {
        self.events.clear();
        let events: Vec<(String, Option<String>, Option<String>)> =
            serde_json::from_slice(bytes).unwrap_or_default();
        for (cid, kind, message) in events {
            if self.answer(&cid).is_some() {
                continue;
            }
            let answer = match kind.as_deref() {
                None => Ok(()),
                Some(kind) => Err(ApiError::applied_failure(kind, message.unwrap_or_default())),
            };
            self.remember(cid, answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use miniapp_runtime::platform::kv::{KvError, KvStore, MemoryStore};

    use super::Applied;
    use crate::error::ApiError;

    fn store() -> Arc<dyn KvStore> {
        Arc::new(MemoryStore::default())
    }

    /// Two nodes holding one session: a commit from a record that the
    /// other changed since it was read is refused and its event not
    /// remembered (a retry applies it); read again, each sees the other's.
    #[tokio::test]
    async fn a_commit_from_a_record_changed_since_it_was_read_is_refused() {
        let kv = store();
        let (mut one, mut two) = (Applied::new("s2.x"), Applied::new("s2.x"));
        one.read(&kv).await.unwrap();
        two.read(&kv).await.unwrap();
        one.commit(None, Some("a"), &Ok(()), &kv, None)
            .await
            .unwrap();
        assert_eq!(one.answer("a"), Some(Ok(())));
        let stale = two.commit(None, Some("b"), &Ok(()), &kv, None).await;
        assert!(matches!(stale, Err(KvError::Changed { .. })), "{stale:?}");
        assert_eq!(two.answer("b"), None, "a refused commit is not remembered");
        two.read(&kv).await.unwrap();
        assert_eq!(two.answer("a"), Some(Ok(())), "read again after a failure");
        let failed = Err(ApiError::applied_failure("app-error", "no stock".into()));
        two.commit(None, Some("b"), &failed, &kv, None)
            .await
            .unwrap();
        one.read(&kv).await.unwrap();
        assert_eq!(one.answer("b"), None, "read once while nothing failed");
        one.read_again(&kv).await.unwrap();
        assert_eq!(one.answer("b"), Some(failed));
        assert_eq!(one.answer("a"), Some(Ok(())));
    }

    /// Only the app's answers (done, its error, a trap) are recorded, the
    /// last 16 of them; each session has its own record.
    #[tokio::test]
    async fn only_the_apps_answers_are_recorded_the_last_sixteen() {
        let kv = store();
        let mut applied = Applied::new("s2.x");
        applied.read(&kv).await.unwrap();
        let busy = Err(ApiError::busy("wait", 1));
        applied
            .commit(None, Some("busy"), &busy, &kv, None)
            .await
            .unwrap();
        assert_eq!(applied.answer("busy"), None);
        for n in 0..17 {
            let cid = format!("e{n}");
            applied
                .commit(None, Some(&cid), &Ok(()), &kv, None)
                .await
                .unwrap();
        }
        let mut restarted = Applied::new("s2.x");
        restarted.read(&kv).await.unwrap();
        assert_eq!(restarted.answer("busy"), None);
        assert_eq!(restarted.answer("e0"), None, "the oldest is forgotten");
        assert_eq!(restarted.answer("e1"), Some(Ok(())));
        assert_eq!(restarted.answer("e16"), Some(Ok(())));
        let mut other = Applied::new("s2.y");
        other.read(&kv).await.unwrap();
        assert_eq!(other.answer("e16"), None, "another session's record");
    }
}
