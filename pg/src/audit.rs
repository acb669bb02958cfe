//! The audit stream in the database: every node's records in one table,
//! `audit` (time, app, version, the record as JSON). A record is queued and
//! written in batches by the database's runtime, so the app's call never
//! waits for the database; past [`QUEUE`] records waiting (the database is
//! gone or slow), records are dropped and counted in the next batch as a
//! record of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use miniapp_runtime::audit::{AuditRecord, AuditSink};
use tokio::sync::mpsc;

use crate::Database;

/// Records waiting to be written at most.
pub const QUEUE: usize = 10_000;
/// Records written in one statement at most.
const BATCH: usize = 500;

/// The audit stream of every node.
pub struct PgAudit {
    queue: mpsc::Sender<AuditRecord>,
    dropped: Arc<AtomicU64>,
}

impl PgAudit {
    /// Records written to `db` (migrated).
    pub fn new(db: Arc<Database>) -> PgAudit {
        let (queue, records) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = write_batches(db.clone(), records, dropped.clone());
        db.spawn(writer);
        PgAudit { queue, dropped }
    }
}

impl AuditSink for PgAudit {
    fn record(&self, record: &AuditRecord) {
        if self.queue.try_send(record.clone()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn write_batches(
    db: Arc<Database>,
    mut records: mpsc::Receiver<AuditRecord>,
    dropped: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while records.recv_many(&mut batch, BATCH).await > 0 {
        let lost = dropped.swap(0, Ordering::Relaxed);
        let rows: Vec<(i64, String, String, serde_json::Value)> = batch
            .drain(..)
            .map(|r| {
                let json = serde_json::to_value(&r).unwrap_or_default();
                (r.time_ms as i64, r.app, r.version, json)
            })
            .chain((lost > 0).then(|| {
                let note = serde_json::json!({ "kind": "audit-dropped", "records": lost });
                (0, String::new(), String::new(), note)
            }))
            .collect();
        // If the batch cannot be written, all of it is lost, and so are the
        // records its note counted.
        let batch_records = rows.len() as u64 - u64::from(lost > 0) + lost;
        let written = db
            .query(move |c| async move {
                for (time_ms, app, version, record) in &rows {
                    c.execute(
                        "INSERT INTO audit (time_ms, app, version, record) VALUES ($1, $2, $3, $4)",
                        &[time_ms, app, version, record],
                    )
                    .await?;
                }
                Ok(())
            })
            .await;
        if written.is_err() {
            dropped.fetch_add(batch_records, Ordering::Relaxed);
        }
    }
}
