//! `wx.request` sent without holding the callback (`http.fetch-start`: the
//! news example's `index:fetch`, WeChat's callbacks) under the limits the
//! blocking request has: a redirect to an origin the app did not declare,
//! and a body over `http_response_bytes`, each fail the call by name, and
//! `complete` runs either way. (The allowlist and the time limit are in
//! `fetch_start.rs`.)

use miniapp_runtime::{AppInstance, LaunchOptions, Policy, Providers};
use serde_json::{Value, json};

use crate::common::{assert_refused, launched};
use crate::http::{allowed_and_granted, news_declaring, serve};
use crate::pending::{deliver_until, dispatch};

/// The news example on the API at `origin`, which it declares, under
/// `policy` (given the package, to grant it).
async fn news_on(
    origin: &str,
    policy: impl FnOnce(&miniapp_runtime::Package) -> Policy,
) -> (tempfile::TempDir, AppInstance) {
    let news = news_declaring(origin);
    let launch = LaunchOptions {
        path: Some(format!("index?api={origin}")),
        ..LaunchOptions::default()
    };
    launched(policy(&news), Providers::default(), news, launch).await
}

/// Send `url` with `index:fetch` and deliver until its `complete` ran; the
/// page's data then.
async fn fetched(inst: &mut AppInstance, url: &str) -> Value {
    dispatch(inst, "index", "fetch", json!({ "url": url })).await;
    deliver_until(inst, |data| data["fetch_complete"] == true).await;
    inst.page_data().clone()
}

#[tokio::test]
async fn a_request_redirected_to_an_undeclared_origin_fails_by_name() {
    let target = serve(None).await;
    let addr = serve(Some(format!("http://{target}/headlines.json"))).await;
    let origin = format!("http://{addr}");
    let (_dir, mut inst) = news_on(&origin, allowed_and_granted).await;
    let data = fetched(&mut inst, &format!("{origin}/headlines.json")).await;
    assert_eq!(data["fetched"]["status"], 200, "{data}");
    let data = fetched(&mut inst, &format!("{origin}/redirect/headlines.json")).await;
    assert_refused(
        &data,
        "permission-denied",
        &format!("redirect to a disallowed origin: http://{target}/"),
    );
    assert_eq!(data["fetched"]["status"], 200, "success did not run again");
}

#[tokio::test]
async fn a_response_over_http_response_bytes_fails_the_request_by_name() {
    let addr = serve(None).await;
    let origin = format!("http://{addr}");
    let limited = |news: &miniapp_runtime::Package| {
        let mut policy = allowed_and_granted(news);
        policy.defaults.quotas = toml::from_str("http_response_bytes = 1024").unwrap();
        policy
    };
    let (_dir, mut inst) = news_on(&origin, limited).await;
    assert_eq!(inst.page_data()["error"], Value::Null, "the headlines fit");
    let data = fetched(&mut inst, &format!("{origin}/big/headlines.json")).await;
    assert_refused(&data, "quota-exceeded", "over the limit of 1024 bytes");
    assert_eq!(data["fetched"], Value::Null, "success never ran");
}
