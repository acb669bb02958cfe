//! The behaviour every [`KvStore`] must have: the runtime's stores run it
//! in their tests, and so does any other backend (`miniapp-pg` against a
//! real PostgreSQL). It panics, naming the step, at the first difference.

use super::{KvError, KvLimits, KvStore, KvUsage, KvWrites};

const ROOMY: KvLimits = KvLimits {
    max_bytes: 1 << 20,
    max_keys: 100,
};

/// Run every check on `store` (namespaces `behaviour:*` are used).
pub fn check(store: &dyn KvStore) {
    namespaces_are_isolated_and_usage_is_tracked(store);
    a_write_over_quota_changes_nothing(store);
    revisions_never_repeat(store);
    a_batch_commits_whole_or_not_at_all(store);
    a_batch_expecting_a_changed_value_writes_nothing(store);
}

fn namespaces_are_isolated_and_usage_is_tracked(store: &dyn KvStore) {
    let (a, b) = ("behaviour:a", "behaviour:b");
    store.set(a, "k", b"12345", ROOMY).unwrap();
    store.set(a, "k2", b"1", ROOMY).unwrap();
    store.set(b, "k", b"other", ROOMY).unwrap();
    assert_eq!(store.get(a, "k").unwrap().unwrap(), b"12345");
    assert_eq!(store.get(a, "missing").unwrap(), None);
    assert_eq!(store.keys(a).unwrap(), ["k", "k2"]);
    assert_eq!(store.usage(a).unwrap(), KvUsage { keys: 2, bytes: 9 });
    store.set(a, "k", b"1", ROOMY).unwrap();
    assert_eq!(store.usage(a).unwrap(), KvUsage { keys: 2, bytes: 5 });
    store.remove(a, "k2").unwrap();
    store.remove(a, "missing").unwrap();
    assert_eq!(store.usage(a).unwrap(), KvUsage { keys: 1, bytes: 2 });
    store.clear(a).unwrap();
    assert!(store.keys(a).unwrap().is_empty());
    assert_eq!(store.usage(a).unwrap(), KvUsage::default());
    assert_eq!(store.get(b, "k").unwrap().unwrap(), b"other");
    store.clear(b).unwrap();
}

fn a_write_over_quota_changes_nothing(store: &dyn KvStore) {
    let ns = "behaviour:quota";
    let limits = KvLimits {
        max_bytes: 10,
        max_keys: 2,
    };
    store.set(ns, "k", b"1234", limits).unwrap();
    let err = store.set(ns, "k", b"1234567890", limits).unwrap_err();
    assert!(
        err.to_string()
            .contains("storage bytes would be 11, over the limit of 10"),
        "{err}"
    );
    store.set(ns, "j", b"1", limits).unwrap();
    let err = store.set(ns, "i", b"", limits).unwrap_err();
    assert!(
        err.to_string()
            .contains("storage keys would be 3, over the limit of 2"),
        "{err}"
    );
    assert_eq!(store.get(ns, "k").unwrap().unwrap(), b"1234");
    assert_eq!(store.usage(ns).unwrap(), KvUsage { keys: 2, bytes: 7 });
    store.clear(ns).unwrap();
}

/// A store that counts revisions never gives one twice for a namespace
/// (a clear included); one that does not answers 0 always.
fn revisions_never_repeat(store: &dyn KvStore) {
    let ns = "behaviour:revision";
    let mut seen = vec![store.revision(ns).unwrap()];
    store.set(ns, "k", b"1", ROOMY).unwrap();
    seen.push(store.revision(ns).unwrap());
    store.remove(ns, "k").unwrap();
    seen.push(store.revision(ns).unwrap());
    store.set(ns, "k", b"1", ROOMY).unwrap();
    store.clear(ns).unwrap();
    seen.push(store.revision(ns).unwrap());
    let counted = seen.iter().any(|r| *r != 0);
    if counted {
        assert!(seen.windows(2).all(|w| w[1] > w[0]), "revisions {seen:?}");
    }
}

/// [`KvStore::commit`]: every namespace's writes land together, usage and
/// revision follow; one namespace over its limits refuses the whole batch,
/// and a batch naming a namespace twice is refused.
fn a_batch_commits_whole_or_not_at_all(store: &dyn KvStore) {
    let (data, record) = ("behaviour:batch", "behaviour:batch-record");
    store.set(data, "old", b"123", ROOMY).unwrap();
    store.set(data, "gone", b"1", ROOMY).unwrap();
    let revision = store.revision(data).unwrap();
    let mut writes = KvWrites::new(data, ROOMY).with("k", b"12345".to_vec());
    writes.entries.insert("gone".into(), None);
    let applied = KvWrites::new(record, KvLimits::NONE).with("applied", b"e1".to_vec());
    store.commit(&[writes, applied]).unwrap();
    assert_eq!(store.keys(data).unwrap(), ["k", "old"]);
    assert_eq!(store.usage(data).unwrap(), KvUsage { keys: 2, bytes: 12 });
    assert_eq!(store.get(record, "applied").unwrap().unwrap(), b"e1");
    let counted = store.revision(data).unwrap();
    assert!(
        counted == 0 || counted > revision,
        "revision {counted} after {revision}"
    );

    // Over the limits after the writes: nothing of the batch is written.
    let tight = KvLimits {
        max_bytes: 14,
        max_keys: 3,
    };
    let over = KvWrites::new(data, tight).with("j", b"123".to_vec());
    let applied = KvWrites::new(record, KvLimits::NONE).with("applied", b"e2".to_vec());
    let err = store.commit(&[applied, over]).unwrap_err();
    assert!(
        err.to_string()
            .contains("storage bytes would be 16, over the limit of 14"),
        "{err}"
    );
    assert_eq!(store.get(record, "applied").unwrap().unwrap(), b"e1");
    assert_eq!(store.keys(data).unwrap(), ["k", "old"]);

    // A clear, then writes: only they are left; checked on what is left.
    let mut fresh = KvWrites::new(data, tight).with("j", b"123".to_vec());
    fresh.clear = true;
    store.commit(&[fresh]).unwrap();
    assert_eq!(store.keys(data).unwrap(), ["j"]);
    assert_eq!(store.usage(data).unwrap(), KvUsage { keys: 1, bytes: 4 });

    let twice = [KvWrites::new(data, ROOMY), KvWrites::new(data, ROOMY)];
    let err = store.commit(&twice).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    store.clear(data).unwrap();
    store.clear(record).unwrap();
}

/// [`KvWrites::expecting`]: a batch is made only while the keys it expects
/// hold what it read; another writer's change in between refuses all of it
/// (two nodes committing events of one session).
fn a_batch_expecting_a_changed_value_writes_nothing(store: &dyn KvStore) {
    let (data, record) = ("behaviour:expect", "behaviour:expect-record");
    // Expecting an unset key: made.
    let first = KvWrites::new(record, KvLimits::NONE)
        .with("applied", b"[e1]".to_vec())
        .expecting("applied", None);
    store.commit(&[first]).unwrap();
    // Another writer read nothing too: refused, and its data is not written.
    let stale = KvWrites::new(record, KvLimits::NONE)
        .with("applied", b"[e9]".to_vec())
        .expecting("applied", None);
    let writes = KvWrites::new(data, ROOMY).with("item", b"doubled".to_vec());
    let err = store.commit(&[writes, stale]).unwrap_err();
    assert!(
        matches!(&err, KvError::Changed { key, .. } if key == "applied"),
        "{err}"
    );
    assert!(
        err.to_string().contains("changed since it was read"),
        "{err}"
    );
    assert_eq!(store.get(data, "item").unwrap(), None);
    assert_eq!(store.usage(data).unwrap(), KvUsage::default());
    assert_eq!(store.get(record, "applied").unwrap().unwrap(), b"[e1]");
    // Expecting what is there: made.
    let next = KvWrites::new(record, KvLimits::NONE)
        .with("applied", b"[e1,e2]".to_vec())
        .expecting("applied", Some(b"[e1]".to_vec()));
    let writes = KvWrites::new(data, ROOMY).with("item", b"once".to_vec());
    store.commit(&[writes, next]).unwrap();
    assert_eq!(store.get(data, "item").unwrap().unwrap(), b"once");
    assert_eq!(store.get(record, "applied").unwrap().unwrap(), b"[e1,e2]");
    store.clear(data).unwrap();
    store.clear(record).unwrap();
}
