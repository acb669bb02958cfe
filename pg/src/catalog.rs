//! The operator's catalog in the database: one row per app (its record as
//! JSON), the packages by hash, and a version every save increments, which
//! nodes poll to take each other's changes.

use std::sync::Arc;

use miniapp_serve::catalog::{AppRecord, Book, CatalogStore};

use crate::Database;

/// The catalog every node shares.
pub struct PgCatalog {
    db: Arc<Database>,
}

impl PgCatalog {
    /// The catalog in `db` (migrated).
    pub fn new(db: Arc<Database>) -> PgCatalog {
        PgCatalog { db }
    }
}

impl CatalogStore for PgCatalog {
    fn load(&self) -> Result<(Book, u64), String> {
        let (rows, version) = self.db.run(|mut c| async move {
            // One snapshot: the records and the version that goes with them.
            let txn = c
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .start()
                .await?;
            let rows = txn
                .query("SELECT app, record FROM catalog_apps", &[])
                .await?;
            let version = txn
                .query_one("SELECT version FROM catalog_version", &[])
                .await?;
            let rows: Vec<(String, serde_json::Value)> =
                rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            let version: i64 = version.get(0);
            txn.commit().await?;
            Ok((rows, version))
        })?;
        let mut book = Book::default();
        for (app, record) in rows {
            let record: AppRecord = serde_json::from_value(record)
                .map_err(|e| format!("the catalog's record of `{app}`: {e}"))?;
            book.apps.insert(app, record);
        }
        Ok((book, version as u64))
    }

    fn version(&self) -> Result<u64, String> {
        let version: i64 = self.db.run(|c| async move {
            let row = c
                .query_one("SELECT version FROM catalog_version", &[])
                .await?;
            Ok(row.get(0))
        })?;
        Ok(version as u64)
    }

    fn save(&self, book: &Book, app: &str) -> Result<u64, String> {
        let record = book.apps.get(app).cloned().unwrap_or_default();
        let record = serde_json::to_value(record).map_err(|e| e.to_string())?;
        let app = app.to_string();
        let version: i64 = self.db.run(move |mut c| async move {
            let txn = c.transaction().await?;
            txn.execute(
                "INSERT INTO catalog_apps VALUES ($1, $2)
                 ON CONFLICT (app) DO UPDATE SET record = EXCLUDED.record",
                &[&app, &record],
            )
            .await?;
            commit_with_next_version(txn).await
        })?;
        Ok(version as u64)
    }

    /// In one transaction: the stored record, locked, must be `before`
    /// (compared as JSON); a node whose book was stale stores nothing.
    fn save_over(
        &self,
        book: &Book,
        app: &str,
        before: Option<&AppRecord>,
    ) -> Result<Option<u64>, String> {
        let record = book.apps.get(app).cloned().unwrap_or_default();
        let record = serde_json::to_value(record).map_err(|e| e.to_string())?;
        let before = (before.map(serde_json::to_value).transpose()).map_err(|e| e.to_string())?;
        let app = app.to_string();
        let version: Option<i64> = self.db.run(move |mut c| async move {
            let txn = c.transaction().await?;
            let stored = txn
                .query_opt(
                    "SELECT record FROM catalog_apps WHERE app = $1 FOR UPDATE",
                    &[&app],
                )
                .await?;
            let stored: Option<serde_json::Value> = stored.map(|r| r.get(0));
            if stored != before {
                return Ok(None);
            }
            // No record to lock: another node may insert one meanwhile.
            let written = match before {
                Some(_) => {
                    txn.execute(
                        "UPDATE catalog_apps SET record = $2 WHERE app = $1",
                        &[&app, &record],
                    )
                    .await?
                }
                None => {
                    txn.execute(
                        "INSERT INTO catalog_apps VALUES ($1, $2) ON CONFLICT (app) DO NOTHING",
                        &[&app, &record],
                    )
                    .await?
                }
            };
            if written != 1 {
                return Ok(None);
            }
            commit_with_next_version(txn).await.map(Some)
        })?;
        Ok(version.map(|v| v as u64))
    }

    fn put_package(&self, hash: &str, bytes: &[u8]) -> Result<(), String> {
        let (hash, bytes) = (hash.to_string(), bytes.to_vec());
        self.db.run(move |c| async move {
            c.execute(
                "INSERT INTO packages VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
                &[&hash, &bytes],
            )
            .await?;
            Ok(())
        })
    }

    fn package(&self, hash: &str) -> Result<Vec<u8>, String> {
        let hash = hash.to_string();
        let bytes: Option<Vec<u8>> = self.db.run(move |c| async move {
            let row = c
                .query_opt("SELECT bytes FROM packages WHERE hash = $1", &[&hash])
                .await?;
            Ok(row.map(|r| r.get(0)))
        })?;
        bytes.ok_or_else(|| "no such package in the database".to_string())
    }
}

/// Commit `txn`'s writes with the catalog's next version, which it returns:
/// the number other nodes poll to take the change.
async fn commit_with_next_version(
    txn: deadpool_postgres::Transaction<'_>,
) -> Result<i64, tokio_postgres::Error> {
    let row = txn
        .query_one(
            "UPDATE catalog_version SET version = version + 1 RETURNING version",
            &[],
        )
        .await?;
    txn.commit().await?;
    Ok(row.get(0))
}
