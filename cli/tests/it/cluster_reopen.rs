//! Two nodes on one database: a session opened again on a node whose
//! instance another node's committed writes made stale shows the page as
//! stored (a cold start), not the page from before those writes.

use crate::cluster::{Postgres, two_nodes};
use crate::serve::texts;

/// Whether every one of `titles` is on `page`.
fn shows(page: &serde_json::Value, titles: &[&str]) -> bool {
    let texts = texts(&page["nodes"]);
    titles.iter().all(|w| texts.iter().any(|t| t == w))
}

#[tokio::test]
async fn opening_again_after_another_nodes_writes_shows_them() {
    let pg = Postgres::start();
    let (first, second) = two_nodes(&pg);
    let ada = first.session("demo.todo", "ada").await;
    let (status, body) = first.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = second.add_todo(&ada, "a2", "eggs").await;
    assert_eq!(status, 200, "{body}");

    // The first node's instance saw only "milk": opening the app again
    // there relaunches it from the shared storage.
    let (status, again) = first.open("demo.todo", "ada").await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["session"], ada.as_str(), "{again}");
    assert!(shows(&again["page"], &["milk", "eggs"]), "{again}");
    assert_eq!(again["start"], "cold", "{again}");

    // The record of the events applied was read again with it: a retry of
    // the second node's event here is answered, not applied twice.
    let (status, retried) = first.add_todo(&ada, "a2", "eggs").await;
    assert_eq!(status, 200, "{retried}");
    let page = &retried["frames"][0];
    let eggs = texts(&page["nodes"])
        .iter()
        .filter(|t| *t == "eggs")
        .count();
    assert_eq!(eggs, 1, "{retried}");

    // Opened again with nothing written elsewhere: a warm start.
    let (status, warm) = first.open("demo.todo", "ada").await;
    assert_eq!(
        (status, warm["start"].as_str()),
        (201, Some("warm")),
        "{warm}"
    );
    assert!(shows(&warm["page"], &["milk", "eggs"]), "{warm}");
}
