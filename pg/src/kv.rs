//! [`KvStore`] on PostgreSQL: rows keyed by (namespace, key), and each
//! namespace's usage updated in the same transaction as the write (the
//! `kv_set` and `kv_remove` functions of the schema), so every node sees
//! one quota. A commit is durable when it returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use miniapp_runtime::platform::kv::{KvError, KvLimits, KvStore, KvUsage, KvWrites};

use crate::Database;

/// Storage in the database, shared by every node.
pub struct PgKvStore {
    db: Arc<Database>,
    failures: AtomicU64,
}

impl PgKvStore {
    /// Storage in `db` (migrated).
    pub fn new(db: Arc<Database>) -> PgKvStore {
        PgKvStore {
            db,
            failures: AtomicU64::new(0),
        }
    }

    /// Run a query, counting failures (see [`KvStore::failures`]).
    fn query<T: Send + 'static, F>(
        &self,
        query: impl FnOnce(deadpool_postgres::Object) -> F + Send + 'static,
    ) -> Result<T, KvError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>> + Send + 'static,
    {
        self.db.run(query).map_err(|e| {
            self.failures.fetch_add(1, Ordering::Relaxed);
            KvError::Backend(e)
        })
    }
}

impl KvStore for PgKvStore {
    fn get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let (ns, key) = (ns.to_string(), key.to_string());
        self.query(move |c| async move {
            let row = c
                .query_opt(
                    "SELECT value FROM kv WHERE ns = $1 AND key = $2",
                    &[&ns, &key],
                )
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn set(&self, ns: &str, key: &str, value: &[u8], limits: KvLimits) -> Result<(), KvError> {
        let (ns, key, value) = (ns.to_string(), key.to_string(), value.to_vec());
        let (max_keys, max_bytes) = (limits.max_keys as i64, limits.max_bytes as i64);
        let (written, keys, bytes): (bool, i64, i64) = self.query(move |c| async move {
            let row = c
                .query_one(
                    "SELECT * FROM kv_set($1, $2, $3, $4, $5)",
                    &[&ns, &key, &value, &max_keys, &max_bytes],
                )
                .await?;
            Ok((row.get(0), row.get(1), row.get(2)))
        })?;
        match written {
            true => Ok(()),
            // The same refusal, by the same check, as every other store.
            false => limits.check(keys as u64, bytes as u64),
        }
    }

    fn remove(&self, ns: &str, key: &str) -> Result<(), KvError> {
        let (ns, key) = (ns.to_string(), key.to_string());
        self.query(move |c| async move {
            c.execute("SELECT kv_remove($1, $2)", &[&ns, &key]).await?;
            Ok(())
        })
    }

    /// One transaction: each namespace's writes made by `kv_set` and
    /// `kv_remove` (which lock its usage row and bump its revision in the
    /// same transaction), namespaces in name order (two batches never wait
    /// on each other in a cycle), its limits checked on the usage they
    /// leave; dropped (rolled back) at the first refusal.
    fn commit(&self, batch: &[KvWrites]) -> Result<(), KvError> {
        KvWrites::check_batch(batch)?;
        let mut batch = batch.to_vec();
        batch.sort_by(|a, b| a.ns.cmp(&b.ns));
        self.query(move |mut c| async move {
            let txn = c.transaction().await?;
            for writes in &batch {
                if let Err(refused) = write_in(&txn, writes).await? {
                    return Ok(Err(refused));
                }
            }
            txn.commit().await?;
            Ok(Ok(()))
        })?
    }

    fn keys(&self, ns: &str) -> Result<Vec<String>, KvError> {
        let ns = ns.to_string();
        self.query(move |c| async move {
            let rows = c
                .query("SELECT key FROM kv WHERE ns = $1 ORDER BY key", &[&ns])
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn clear(&self, ns: &str) -> Result<(), KvError> {
        let ns = ns.to_string();
        self.query(move |mut c| async move {
            let txn = c.transaction().await?;
            txn.execute("SELECT 1 FROM kv_usage WHERE ns = $1 FOR UPDATE", &[&ns])
                .await?;
            txn.execute("DELETE FROM kv WHERE ns = $1", &[&ns]).await?;
            // The row stays: its revision must still grow.
            txn.execute(
                "UPDATE kv_usage SET keys = 0, bytes = 0, revision = revision + 1 WHERE ns = $1",
                &[&ns],
            )
            .await?;
            txn.commit().await
        })
    }

    fn usage(&self, ns: &str) -> Result<KvUsage, KvError> {
        let ns = ns.to_string();
        let usage: Option<(i64, i64)> = self.query(move |c| async move {
            let row = c
                .query_opt("SELECT keys, bytes FROM kv_usage WHERE ns = $1", &[&ns])
                .await?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        })?;
        Ok(
            usage.map_or_else(KvUsage::default, |(keys, bytes)| KvUsage {
                keys: keys as u64,
                bytes: bytes as u64,
            }),
        )
    }

    fn revision(&self, ns: &str) -> Result<u64, KvError> {
        let ns = ns.to_string();
        let revision: Option<i64> = self.query(move |c| async move {
            let row = c
                .query_opt("SELECT revision FROM kv_usage WHERE ns = $1", &[&ns])
                .await?;
            Ok(row.map(|r| r.get(0)))
        })?;
        Ok(revision.unwrap_or(0) as u64)
    }

    fn check(&self) -> Result<(), KvError> {
        self.query(|c| async move {
            c.execute("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

/// One namespace's share of [`KvStore::commit`] in `txn`: the clear, the
/// writes, then the limits on the usage they leave (a refusal is returned,
/// the transaction left for the caller to drop).
async fn write_in(
    txn: &deadpool_postgres::Transaction<'_>,
    writes: &KvWrites,
) -> Result<Result<(), KvError>, tokio_postgres::Error> {
    let ns = &writes.ns;
    if !writes.expect.is_empty() {
        // Writers that expect values in `ns` take turns (a row lock cannot
        // cover a key no row holds yet), and each compares under its turn.
        txn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[ns],
        )
        .await?;
        for (key, value) in &writes.expect {
            let row = txn
                .query_opt(
                    "SELECT value FROM kv WHERE ns = $1 AND key = $2",
                    &[ns, key],
                )
                .await?;
            if row.map(|r| r.get::<_, Vec<u8>>(0)) != *value {
                return Ok(Err(KvError::Changed {
                    ns: ns.clone(),
                    key: key.clone(),
                }));
            }
        }
    }
    if writes.clear {
        txn.execute("SELECT 1 FROM kv_usage WHERE ns = $1 FOR UPDATE", &[ns])
            .await?;
        txn.execute("DELETE FROM kv WHERE ns = $1", &[ns]).await?;
        txn.execute(
            "UPDATE kv_usage SET keys = 0, bytes = 0, revision = revision + 1 WHERE ns = $1",
            &[ns],
        )
        .await?;
    }
    // Unbounded here: the bound is on what the whole batch leaves.
    let unbounded = i64::MAX;
    for (key, value) in &writes.entries {
        match value {
            Some(value) => {
                let args: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                    [ns, key, value, &unbounded, &unbounded];
                txn.execute("SELECT kv_set($1, $2, $3, $4, $5)", &args)
                    .await?
            }
            None => txn.execute("SELECT kv_remove($1, $2)", &[ns, key]).await?,
        };
    }
    if writes.sets_a_key() {
        let row = txn
            .query_one("SELECT keys, bytes FROM kv_usage WHERE ns = $1", &[ns])
            .await?;
        let (keys, bytes): (i64, i64) = (row.get(0), row.get(1));
        return Ok(writes.limits.check(keys as u64, bytes as u64));
    }
    Ok(Ok(()))
}
