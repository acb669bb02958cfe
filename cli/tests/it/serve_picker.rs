//! `miniapp serve` and the picker example: a client of a session is
//! untrusted, so a picker change (sent over HTTP) that the rendered picker
//! could not give is refused naming it, and the app keeps its data; with a
//! policy naming its own region table, a region change is checked against
//! that table on the node, not the shipped one.

use serde_json::{Value, json};

use crate::serve::{Served, page_now, session_socket};

/// Send a `change` of the picker `selector` with `detail` over HTTP (as
/// client event `cid`): the status and the answer's error message, if any.
async fn change(
    served: &Served,
    session: &str,
    cid: &str,
    selector: &str,
    detail: Value,
) -> (u16, String) {
    let (status, body) = served.event(session, cid, selector, "change", detail).await;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    (status, message.to_string())
}

#[tokio::test]
async fn impossible_picker_changes_from_a_client_are_refused_and_the_policys_regions_taken() {
    let tables = tempfile::tempdir().unwrap();
    let table = tables.path().join("regions.tsv");
    std::fs::write(&table, "N\tNorthland\nN1\tPort\tN\nN11\tDocks\tN1\n").unwrap();
    let policy = format!("[host]\nregion_table = {:?}\n", table.to_str().unwrap());
    let served = Served::start_with_policy(&policy, &["picker"], &[]);
    let ada = served.session("demo.picker", "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    let refused = [
        (
            "#fruit",
            json!({"value": 3}),
            "`value` 3 is outside its `range` of 3 items",
        ),
        (
            "#time",
            json!({"value": "07:30"}),
            "`value` \"07:30\" is outside `start` 09:00 to `end` 18:00",
        ),
        (
            "#region",
            json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]}),
            "`value` `广东省` is not a province of the region table",
        ),
    ];
    for (n, (selector, detail, why)) in refused.into_iter().enumerate() {
        let (status, message) = change(&served, &ada, &format!("p{n}"), selector, detail).await;
        assert_eq!(status, 400, "{message}");
        assert!(
            message.contains(&format!("`change` on <picker>: {why}")),
            "{message}"
        );
    }
    let page = page_now(&mut socket).await;
    assert!(page.contains("Apple") && page.contains("12:00"), "{page}");

    let docks = json!({"value": ["Northland", "Port", "Docks"], "code": ["N", "N1", "N11"]});
    let (status, message) = change(&served, &ada, "p9", "#region", docks).await;
    assert_eq!(status, 200, "{message}");
    assert!(page_now(&mut socket).await.contains("Northland Port Docks"));
    served.stop();
}
