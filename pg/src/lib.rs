//! miniapp on PostgreSQL: what many `miniapp serve` nodes share. Storage
//! ([`PgKvStore`]: every write and its namespace's usage in one
//! transaction, so quotas hold across nodes), the operator's catalog and
//! packages ([`PgCatalog`]), and the key session ids are signed with.
//!
//! The runtime's storage calls are synchronous; this crate runs its
//! queries on a small runtime of its own (tokio-postgres with a
//! deadpool-postgres pool) and the caller waits for the answer, at most
//! [`QUERY_TIMEOUT`]: a node that loses its database fails fast and says so.

mod audit;
mod catalog;
mod kv;
pub mod migrations;

use std::future::Future;
use std::time::Duration;

pub use audit::PgAudit;
pub use catalog::PgCatalog;
pub use kv::PgKvStore;

/// The longest a query (with its wait for a connection) may take.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection pool to the database, and the runtime its queries run on.
pub struct Database {
    pool: deadpool_postgres::Pool,
    /// Taken on drop (shut down in the background: a drop may happen on an
    /// async worker, where blocking is not allowed).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What went wrong with the database.
pub type DbError = String;

impl Database {
    /// A pool of up to `connections` connections to `url`
    /// (`postgres://user@host:port/db`, or `host=... port=...`).
    pub fn connect(url: &str, connections: usize) -> Result<Database, DbError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("miniapp-pg")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the database runtime: {e}"))?;
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| format!("database URL: {e}"))?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(QUERY_TIMEOUT))
            .create_timeout(Some(QUERY_TIMEOUT))
            .build()
            .map_err(|e| format!("database pool: {e}"))?;
        Ok(Database {
            pool,
            runtime: Some(runtime),
        })
    }

    /// Run `query` with a connection, on the database's runtime, and wait
    /// for it (from any thread, async workers included), at most
    /// [`QUERY_TIMEOUT`].
    pub fn run<T, F, Q>(&self, query: Q) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, tokio_postgres::Error>> + Send + 'static,
        Q: FnOnce(deadpool_postgres::Object) -> F + Send + 'static,
    {
        let pool = self.pool.clone();
        let (send, answer) = std::sync::mpsc::sync_channel(1);
        let runtime = self.runtime.as_ref().expect("taken only on drop");
        runtime.spawn(async move {
            let work = async {
                let client = pool.get().await.map_err(|e| format!("database: {e}"))?;
                query(client).await.map_err(|e| describe(&e))
            };
            let done = tokio::time::timeout(QUERY_TIMEOUT, work).await;
            let _ = send.send(done.unwrap_or_else(|_| {
                Err(format!(
                    "database: no answer within {} s",
                    QUERY_TIMEOUT.as_secs()
                ))
            }));
        });
        answer
            .recv()
            .map_err(|_| "database: the query was dropped".to_string())?
    }

    /// Run `query` with a connection on the database's runtime (from an
    /// async task of that runtime), at most [`QUERY_TIMEOUT`].
    pub async fn query<T, F, Q>(&self, query: Q) -> Result<T, DbError>
    where
        F: Future<Output = Result<T, tokio_postgres::Error>>,
        Q: FnOnce(deadpool_postgres::Object) -> F,
    {
        let work = async {
            let client = self
                .pool
                .get()
                .await
                .map_err(|e| format!("database: {e}"))?;
            query(client).await.map_err(|e| describe(&e))
        };
        tokio::time::timeout(QUERY_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| Err("database: no answer in time".to_string()))
    }

    /// Run `task` on the database's runtime.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let runtime = self.runtime.as_ref().expect("taken only on drop");
        runtime.spawn(task);
    }

    /// The schema version the database has (0: none).
    pub fn schema_version(&self) -> Result<i32, DbError> {
        self.run(|client| async move {
            let exists = client
                .query_one("SELECT to_regclass('miniapp_migrations') IS NOT NULL", &[])
                .await?;
            if !exists.get::<_, bool>(0) {
                return Ok(0);
            }
            let row = client
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM miniapp_migrations",
                    &[],
                )
                .await?;
            Ok(row.get(0))
        })
    }

    /// Apply the migrations the database lacks; the versions applied.
    pub fn migrate(&self) -> Result<Vec<i32>, DbError> {
        let have = self.schema_version()?;
        if have == 0 {
            self.run(|client| async move {
                client
                    .batch_execute(
                        "CREATE TABLE IF NOT EXISTS miniapp_migrations (
                            version int PRIMARY KEY, description text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now())",
                    )
                    .await
            })?;
        }
        let mut applied = Vec::new();
        for &(version, description, sql) in migrations::STEPS {
            if version <= have {
                continue;
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| e.to_string())?;
            self.run(move |mut client| async move {
                let txn = client.transaction().await?;
                txn.batch_execute(sql).await?;
                if version == 1 {
                    txn.execute(
                        "INSERT INTO cluster VALUES ('session_key', $1)",
                        &[&key.as_slice()],
                    )
                    .await?;
                }
                txn.execute(
                    "INSERT INTO miniapp_migrations (version, description) VALUES ($1, $2)",
                    &[&version, &description],
                )
                .await?;
                txn.commit().await
            })
            .map_err(|e| format!("migration {version} ({description}): {e}"))?;
            applied.push(version);
        }
        Ok(applied)
    }

    /// Refuse a database whose schema is behind this build's.
    pub fn check_schema(&self) -> Result<(), DbError> {
        let have = self.schema_version()?;
        let want = migrations::STEPS.last().map_or(0, |s| s.0);
        match have.cmp(&want) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Less => Err(format!(
                "the database schema is at version {have}, this build needs {want}: \
                 run `miniapp serve --database URL --migrate`"
            )),
            std::cmp::Ordering::Greater => Err(format!(
                "the database schema is at version {have}, newer than this build's {want}"
            )),
        }
    }

    /// The key every node signs session ids with.
    pub fn session_key(&self) -> Result<[u8; 32], DbError> {
        let bytes: Vec<u8> = self.run(|client| async move {
            let row = client
                .query_one("SELECT value FROM cluster WHERE name = 'session_key'", &[])
                .await?;
            Ok(row.get(0))
        })?;
        bytes
            .try_into()
            .map_err(|_| "the cluster's session key is not 32 bytes".to_string())
    }
}

/// A database error with the server's message, if it sent one.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("database: {}: {}", db.code().code(), db.message()),
        None => format!("database: {e}"),
    }
}
