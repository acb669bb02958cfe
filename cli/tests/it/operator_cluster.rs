//! The operator's catalog on PostgreSQL, changed from two nodes whose books
//! are stale (each took the other's changes at its last poll, or never): a
//! change is made on the stored record, so neither overwrites the other's
//! change, and a version number stays published once.

use std::sync::Arc;

use miniapp_serve::catalog::Catalog;

use crate::cli::package;
use crate::cluster::Postgres;
use crate::operator_cli::todo_described;

/// A node's catalog on the database at `url` (no poller: its book is what
/// it read last).
fn node(url: &str) -> Catalog {
    let db = Arc::new(miniapp_pg::Database::connect(url, 2).unwrap());
    Catalog::open(Box::new(miniapp_pg::PgCatalog::new(db))).unwrap()
}

#[test]
fn nodes_with_stale_books_neither_overwrite_each_other_nor_publish_a_number_twice() {
    let pg = Postgres::start();
    miniapp_pg::Database::connect(&pg.url, 1)
        .unwrap()
        .migrate()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runtime = miniapp_runtime::Runtime::builder(dir.path().join("data"))
        .build()
        .unwrap();
    let (a, b) = (node(&pg.url), node(&pg.url));

    // A publishes 0.1.0; B, which has not seen it, publishes other content
    // as 0.1.0: refused (before, B's record replaced A's, 0.1.0 and all).
    let first = std::fs::read(package("todo")).unwrap();
    let (published, _) = a.publish(&runtime, None, &first, "alice", true).unwrap();
    let other = std::fs::read(todo_described("0.1.0", "other content", dir.path())).unwrap();
    let refused = b.publish(&runtime, None, &other, "bob", true).unwrap_err();
    assert_eq!(
        (refused.status.as_u16(), refused.kind),
        (409, "conflict"),
        "{refused}"
    );
    assert!(refused.message.contains(&published.hash), "{refused}");

    // A kills the app; B, which has not seen it, sets the minimum host
    // API: both stay (before, B's record undid the kill).
    a.change("demo.todo", |r| {
        r.killed = Some("maintenance".into());
        Ok(())
    })
    .unwrap();
    b.change("demo.todo", |r| {
        r.min_host_api = Some("0.1.0".into());
        Ok(())
    })
    .unwrap();
    let stored = node(&pg.url).app("demo.todo").unwrap();
    assert_eq!(stored.killed.as_deref(), Some("maintenance"), "{stored:?}");
    assert_eq!(stored.min_host_api.as_deref(), Some("0.1.0"), "{stored:?}");
    assert_eq!(stored.versions.len(), 1, "{stored:?}");
    assert_eq!(stored.versions[0].hash, published.hash);
}
