//! `miniapp serve` and app-wide state (WeChat's `globalData`): the
//! pages-nav example's note, set on its index page, is read on the next
//! page while the instance lives; once the server evicts the idle instance
//! the session's next event starts a new one, whose note is empty, while
//! the note it saved in storage is still there.

use serde_json::Value;

use crate::serve::Served;
use crate::serve_timers::shown;

const PAGES: &str = "demo.pages-nav";

/// The pages-nav example may use storage.
const POLICY: &str = r#"
[apps."demo.pages-nav"]
permissions = ["storage"]
"#;

/// A tap on `#button`, which must succeed: the texts its answer shows.
async fn tap(served: &Served, session: &str, cid: &str, button: &str) -> Vec<String> {
    let selector = format!("#{button}");
    let (status, body) = served
        .event(session, cid, &selector, "tap", Value::Null)
        .await;
    assert_eq!(status, 200, "{button}: {body}");
    shown(&body["frames"])
}

#[tokio::test]
async fn app_wide_state_is_read_on_the_next_page_and_gone_after_an_eviction_where_storage_stays() {
    let served = Served::start_with_policy(POLICY, &["pages-nav"], &["--idle-secs", "1"]);
    let ada = served.session(PAGES, "ada").await;
    tap(&served, &ada, "r1", "remember").await;
    tap(&served, &ada, "s1", "save").await;
    let list = tap(&served, &ada, "o1", "open-list").await;
    let read = "App-wide note: from index; saved: saved on index; opened from index".to_string();
    assert!(list.contains(&read), "{list:?}");

    // Idle past --idle-secs: the instance is evicted.
    let live = format!("miniapp_app_sessions_live{{app=\"{PAGES}\"}}");
    served.until_metric(&live, |n| n == 0.0).await;
    let evictions = served
        .metric(&format!("miniapp_evictions_total{{app=\"{PAGES}\"}}"))
        .await;
    assert!(evictions.is_some_and(|n| n >= 1.0), "{evictions:?}");

    // The next event launches a new instance: a full page from its launch,
    // the note gone and the saved one read back from storage.
    let (status, body) = served
        .event(&ada, "f1", "#refresh", "tap", Value::Null)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["frames"][0]["type"], "page", "{body}");
    let after = shown(&body["frames"]);
    let note = "App-wide note: ; saved: saved on index".to_string();
    assert!(after.contains(&note), "{after:?}");
    served.stop();
}
