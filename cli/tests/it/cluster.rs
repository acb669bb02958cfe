//! Beyond one machine, on one machine: a throwaway PostgreSQL on loopback
//! (Debian's binaries, started by `scripts/pg-start`), the storage
//! behaviour suite against it, and two `miniapp serve` nodes sharing it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::serve::{HANG, Served, page_texts, status_of, until};

/// A PostgreSQL of its own, stopped when dropped.
pub(crate) struct Postgres {
    dir: tempfile::TempDir,
    pub(crate) url: String,
}

impl Postgres {
    pub(crate) fn start() -> Postgres {
        let dir = tempfile::Builder::new()
            .prefix("miniapp-pg")
            .tempdir()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = Self::pg_start(dir.path(), &port.to_string());
        Postgres { dir, url }
    }

    /// `scripts/pg-start` on the data under `dir` and `port`, which must
    /// start it: its URL.
    fn pg_start(dir: &Path, port: &str) -> String {
        let out = Command::new(Self::script("pg-start"))
            .arg(dir.join("data"))
            .arg(port)
            .output()
            .expect("scripts/pg-start runs");
        assert!(
            out.status.success(),
            "PostgreSQL did not start (apt-get install postgresql): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn script(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scripts")
            .join(name)
    }

    /// Stop it at once (as a crash would).
    fn stop(&self) {
        let stopped = Command::new(Self::script("pg-stop"))
            .arg(self.dir.path().join("data"))
            .arg("immediate")
            .status()
            .unwrap();
        assert!(stopped.success());
    }

    /// Start it again on the same data and port.
    fn restart(&self) {
        let port = self
            .url
            .rsplit(':')
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        Self::pg_start(self.dir.path(), port);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new(Self::script("pg-stop"))
            .arg(self.dir.path().join("data"))
            .arg("immediate")
            .status();
    }
}

#[test]
fn postgres_storage_behaves_as_every_store_must_after_one_explicit_migration() {
    let pg = Postgres::start();
    let db = miniapp_pg::Database::connect(&pg.url, 4).unwrap();
    let behind = db.check_schema().unwrap_err();
    assert!(behind.contains("--migrate"), "{behind}");
    assert_eq!(db.migrate().unwrap(), [1]);
    assert_eq!(db.migrate().unwrap(), Vec::<i32>::new(), "applied once");
    db.check_schema().unwrap();
    let store = miniapp_pg::PgKvStore::new(std::sync::Arc::new(db));
    miniapp_runtime::platform::kv::behaviour::check(&store);
}

/// Two nodes on `pg`'s database: the first migrates its schema and
/// publishes the todo example, the second serves what it finds there.
pub(crate) fn two_nodes(pg: &Postgres) -> (Served, Served) {
    let database = ["--database", pg.url.as_str()];
    let first = Served::start(&["todo"], &[database[0], database[1], "--migrate"]);
    let second = Served::start(&[], &database);
    (first, second)
}

#[tokio::test]
async fn two_nodes_on_one_database_serve_each_others_sessions_and_decisions() {
    let pg = Postgres::start();
    let (first, second) = two_nodes(&pg);
    let ada = first.session("demo.todo", "ada").await;
    let (status, _) = first.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200);
    // The second node never saw the session: it reads the id, launches the
    // app from the shared storage, and applies the event.
    let (status, body) = second.add_todo(&ada, "a2", "eggs").await;
    assert_eq!(status, 200, "{body}");
    let texts = page_texts(&body);
    assert!(texts.iter().any(|t| t == "milk"), "{texts:?}");
    // Back on the first node: its instance is stale, so it relaunches.
    let (status, body) = first.add_todo(&ada, "a3", "tea").await;
    assert_eq!(status, 200, "{body}");
    let texts = page_texts(&body);
    assert!(
        ["milk", "eggs", "tea"]
            .iter()
            .all(|w| texts.iter().any(|t| t == w)),
        "{texts:?}"
    );

    // An operator's kill switch on one node reaches the other (which polls
    // the catalog every half second): a wait that ends when it does, bounded
    // only against a hang, not a measure of how soon.
    assert_eq!(first.kill("demo.todo", "Paused by the operator").await, 200);
    let refused = async || second.open("demo.todo", "bob").await.0 == 403;
    until("not seen by the other node", refused).await;
    // The audit stream of every node lands in the database (a wait, bounded
    // only against a hang).
    let (status, _) = second
        .op(
            reqwest::Method::DELETE,
            "/v1/operator/apps/demo.todo/consent/ada",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let audited = Instant::now();
    loop {
        let count = Command::new("psql")
            .args([pg.url.as_str(), "-Atc"])
            .arg("SELECT count(*) FROM audit WHERE record->>'kind' = 'consent-changed'")
            .output()
            .expect("psql runs");
        let count = String::from_utf8_lossy(&count.stdout).trim().to_string();
        if count.parse::<u32>().unwrap_or(0) >= 5 {
            break;
        }
        assert!(audited.elapsed() < HANG, "audit rows: {count}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.stop();
    second.stop();
}

#[tokio::test]
async fn a_node_without_its_database_is_not_ready_and_answers_retry_never_a_lost_write() {
    let pg = Postgres::start();
    let node = Served::start(&["todo"], &["--database", &pg.url, "--migrate"]);
    let ada = node.session("demo.todo", "ada").await;
    let readyz = format!("{}/readyz", node.public);
    let ready = async || status_of(&readyz).await;
    assert_eq!(ready().await, 200);
    pg.stop();
    // Waits for the node to notice, bounded only against a hang.
    let lost = async || ready().await == 503;
    until("still ready without a database", lost).await;
    let (status, body) = node.add_todo(&ada, "a1", "milk").await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
    let (status, _) = node.open("demo.todo", "bob").await;
    assert_eq!(status, 503);
    // Back: ready again, and the same event (same client id) goes through.
    pg.restart();
    // A wait for readiness, bounded only against a hang.
    until("not ready again", async || ready().await == 200).await;
    let (status, body) = node.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200, "{body}");
    let stored = Command::new("psql")
        .args([pg.url.as_str(), "-Atc"])
        .arg("SELECT convert_from(value, 'UTF8') FROM kv WHERE key = 'todos'")
        .output()
        .unwrap();
    let stored = String::from_utf8_lossy(&stored.stdout);
    assert_eq!(stored.matches("\"milk\"").count(), 1, "{stored}");
    node.stop();
}
