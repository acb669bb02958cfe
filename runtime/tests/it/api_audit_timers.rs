//! `clearTimeout` from a real guest (`guest-examples/timers`): a timeout
//! cleared after it came due, but before it was delivered, is never
//! delivered and holds no timer; the same timeout left alone fires.

use serde_json::json;

use crate::common::{example, launched_alone};
use crate::pending::{HANG, deliver_until, dispatch};

#[tokio::test]
async fn a_timeout_cleared_when_due_is_never_delivered() {
    let (_dir, mut inst) = launched_alone(example("timers")).await;
    dispatch(&mut inst, "index", "once", json!({ "ms": 1 })).await;
    assert_eq!(inst.budget().unwrap().timers, 1);
    let due = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(due.is_ok(), "the timeout never came due");
    dispatch(&mut inst, "index", "clear-once", json!({})).await;
    assert_eq!(inst.budget().unwrap().timers, 0, "its timer is gone");
    assert!(inst.wake().at().is_none(), "nothing is left to wake for");
    assert!(inst.complete_next().await.is_none(), "nothing is delivered");
    assert_eq!(inst.page_data()["timeout"], "", "its callback never ran");
    // Not cleared, the same timeout fires.
    dispatch(&mut inst, "index", "once", json!({ "ms": 1 })).await;
    deliver_until(&mut inst, |data| data["timeout"] == "fired").await;
    assert_eq!(inst.budget().unwrap().timers, 0);
}
