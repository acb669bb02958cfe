//! `miniapp serve` and the picker example: a client of a session is
//! untrusted, so a picker change over the socket that the rendered picker
//! could not give is refused naming it, and the app keeps its data; with a
//! policy naming its own region table, a region change is checked against
//! that table on the node, not the shipped one.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, Socket, page_now, session_socket, until_frame};

/// Send a `change` of the picker `selector` with `detail` as event `id`;
/// its `result` frame.
async fn change(socket: &mut Socket, id: u64, selector: &str, detail: Value) -> Value {
    let event = json!({
        "type": "event", "id": id, "cid": format!("p{id}"),
        "selector": selector, "kind": "change", "detail": detail,
    });
    socket.send(Message::text(event.to_string())).await.unwrap();
    until_frame(socket, |f| f["type"] == "result" && f["id"] == id).await
}

fn refusal(result: &Value) -> &str {
    assert_eq!(result["ok"], false, "{result}");
    result["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn impossible_picker_changes_over_the_socket_are_refused_and_the_policys_regions_taken() {
    let tables = tempfile::tempdir().unwrap();
    let table = tables.path().join("regions.tsv");
    std::fs::write(&table, "N\tNorthland\nN1\tPort\tN\nN11\tDocks\tN1\n").unwrap();
    let policy = format!("[host]\nregion_table = {:?}\n", table.to_str().unwrap());
    let served = Served::start_with_policy(&policy, &["picker"], &[]);
    let ada = served.session("demo.picker", "ada").await;
    let mut socket = session_socket(&served, &ada).await;

    let refused = change(&mut socket, 1, "#fruit", json!({"value": 3})).await;
    let message = refusal(&refused);
    assert!(
        message.contains("`change` on <picker>: `value` 3 is outside its `range` of 3 items"),
        "{refused}"
    );
    let refused = change(&mut socket, 2, "#time", json!({"value": "07:30"})).await;
    assert!(
        refusal(&refused).contains("`value` \"07:30\" is outside `start` 09:00 to `end` 18:00"),
        "{refused}"
    );
    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    let refused = change(&mut socket, 3, "#region", shenzhen).await;
    assert!(
        refusal(&refused).contains("`value` `广东省` is not a province of the region table"),
        "{refused}"
    );
    let page = page_now(&mut socket).await;
    assert!(page.contains("Apple") && page.contains("12:00"), "{page}");

    let docks = json!({"value": ["Northland", "Port", "Docks"], "code": ["N", "N1", "N11"]});
    let taken = change(&mut socket, 4, "#region", docks).await;
    assert_eq!(taken["ok"], true, "{taken}");
    assert!(page_now(&mut socket).await.contains("Northland Port Docks"));
    served.stop();
}
