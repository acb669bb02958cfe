//! The news reader against a local HTTP server: declared and allowed origins
//! work, everything else is refused with a clear error the app handles.

use std::net::SocketAddr;

use miniapp_runtime::{AppInstance, Event, LaunchOptions, Manifest, Package, Policy, Providers};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{assert_refused, example, granting, launched, repacked};

/// Serve a tiny news API on 127.0.0.1; `/redirect` redirects to `elsewhere`.
pub(crate) async fn serve(elsewhere: Option<String>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let elsewhere = elsewhere.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, extra, body) = match path.as_str() {
                    "/headlines.json" => (
                        "200 OK",
                        String::new(),
                        json!([{"id": 1, "title": "Local news"}, {"id": 2, "title": "Weather"}])
                            .to_string(),
                    ),
                    "/articles/2.json" => (
                        "200 OK",
                        String::new(),
                        json!({"id": 2, "title": "Weather", "body": "Sunny"}).to_string(),
                    ),
                    "/big/headlines.json" => ("200 OK", String::new(), "x".repeat(64 * 1024)),
                    "/pixel.png" => (
                        "200 OK",
                        "X-Kind: image/png\r\n".into(),
                        "\u{89}PNG".to_string(),
                    ),
                    p if p.starts_with("/hoard") => ("200 OK", String::new(), "x".repeat(1 << 20)),
                    p if p.starts_with("/huge") => ("200 OK", String::new(), "x".repeat(6 << 20)),
                    "/redirect/headlines.json" => (
                        "302 Found",
                        format!("Location: {}\r\n", elsewhere.unwrap_or_default()),
                        String::new(),
                    ),
                    _ => ("404 Not Found", String::new(), String::new()),
                };
                let kind = match extra.strip_prefix("X-Kind: ") {
                    Some(kind) => kind.trim().to_string(),
                    None => "application/json".to_string(),
                };
                let extra = if extra.starts_with("X-Kind") {
                    String::new()
                } else {
                    extra
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    addr
}

/// The news package with `origin` declared in its manifest.
pub(crate) fn news_declaring(origin: &str) -> Package {
    declaring("news", origin)
}

/// Example `name` with `origin` declared in its manifest.
pub(crate) fn declaring(name: &str, origin: &str) -> Package {
    let package = example(name);
    let manifest = Manifest {
        origins: vec![origin.to_string()],
        ..package.manifest.clone()
    };
    repacked(&package, manifest, package.assets.clone())
}

/// A policy that lets apps reach the test servers on 127.0.0.1: loopback is
/// refused unless the operator allows it explicitly.
fn loopback_allowed() -> Policy {
    let mut policy = Policy::default();
    policy.defaults.allow_addresses.push("127.0.0.1".into());
    policy
}

/// Loopback allowed ([`loopback_allowed`]) and `package` granted all it
/// declares.
pub(crate) fn allowed_and_granted(package: &Package) -> Policy {
    let mut policy = loopback_allowed();
    policy.grant_declared(&package.manifest);
    policy
}

pub(crate) fn launch_at(api: &str) -> LaunchOptions {
    LaunchOptions {
        path: Some(format!("index?api={api}")),
        ..LaunchOptions::default()
    }
}

/// A news API on 127.0.0.1 ([`serve`]): its origin, and the news package
/// declaring it.
pub(crate) async fn served_news() -> (String, Package) {
    let addr = serve(None).await;
    let origin = format!("http://{addr}");
    let news = news_declaring(&origin);
    (origin, news)
}

/// Launch `news` under `policy` with the default providers, its API at `api`.
async fn news_at(policy: Policy, news: Package, api: &str) -> (tempfile::TempDir, AppInstance) {
    launched(policy, Providers::default(), news, launch_at(api)).await
}

#[tokio::test]
async fn a_declared_and_allowed_origin_is_reachable() {
    let (origin, news) = served_news().await;
    let policy = allowed_and_granted(&news);
    let (_dir, mut inst) = news_at(policy, news, &origin).await;
    assert_eq!(inst.page_data()["error"], serde_json::Value::Null);
    assert_eq!(inst.page_data()["headlines"][0]["title"], "Local news");
    inst.dispatch(&Event::new("index", "open").with_detail(json!({"id": 2})))
        .await
        .unwrap();
    assert_eq!(inst.pages().last().unwrap().route, "article");
    assert_eq!(inst.page_data()["article"]["body"], "Sunny");
}

#[tokio::test]
async fn an_origin_the_operator_did_not_allow_is_refused() {
    let (origin, news) = served_news().await;
    // http granted, but no origin allowed.
    let mut policy = loopback_allowed();
    policy
        .defaults
        .permissions
        .insert(miniapp_runtime::Capability::Http);
    let (_dir, inst) = news_at(policy, news, &origin).await;
    assert_refused(
        inst.page_data(),
        "permission-denied",
        &format!("origin {origin} is not allowed for app `demo.news`"),
    );
}

#[tokio::test]
async fn an_undeclared_origin_is_refused_even_if_the_operator_allows_it() {
    let addr = serve(None).await;
    let news = news_declaring("https://news.example.com");
    let mut policy = allowed_and_granted(&news);
    policy
        .apps
        .get_mut("demo.news")
        .unwrap()
        .origins
        .push(format!("http://{addr}"));
    let (_dir, inst) = news_at(policy, news, &format!("http://{addr}")).await;
    assert_eq!(inst.page_data()["error_kind"], "permission-denied");
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused() {
    let target = serve(None).await;
    let addr = serve(Some(format!("http://{target}/headlines.json"))).await;
    let origin = format!("http://{addr}");
    let news = news_declaring(&origin);
    let policy = allowed_and_granted(&news);
    let (_dir, inst) = news_at(policy, news, &format!("{origin}/redirect")).await;
    assert_refused(
        inst.page_data(),
        "permission-denied",
        &format!("redirect to a disallowed origin: http://{target}/"),
    );
}

#[tokio::test]
async fn a_response_over_the_size_limit_is_a_quota_error() {
    let (origin, news) = served_news().await;
    let mut policy = allowed_and_granted(&news);
    policy.defaults.quotas = toml::from_str("http_response_bytes = 1024").unwrap();
    let (_dir, inst) = news_at(policy, news, &format!("{origin}/big")).await;
    assert_refused(
        inst.page_data(),
        "quota-exceeded",
        "over the limit of 1024 bytes",
    );
}

#[tokio::test]
async fn loopback_is_refused_unless_the_operator_allows_it() {
    let (origin, news) = served_news().await;
    let (_dir, inst) = news_at(granting(&news), news, &origin).await;
    assert_refused(
        inst.page_data(),
        "permission-denied",
        "127.0.0.1 is an IP address (loopback); the operator has not allowed it",
    );
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused() {
    // `localhost` is a DNS name: the check applies to what it resolves to.
    let addr = serve(None).await;
    let origin = format!("http://localhost:{}", addr.port());
    let news = news_declaring(&origin);
    let mut policy = granting(&news);
    let (_dir, inst) = news_at(policy.clone(), news.clone(), &origin).await;
    assert_refused(
        inst.page_data(),
        "permission-denied",
        "localhost resolves to",
    );
    // Allowed explicitly, the same request goes through.
    policy.defaults.allow_addresses = vec!["127.0.0.0/8".into(), "::1".into()];
    let (_dir, inst) = news_at(policy, news, &origin).await;
    assert_eq!(inst.page_data()["headlines"][0]["title"], "Local news");
}

#[tokio::test]
pub(crate) async fn pending_response_bodies_are_bounded_by_the_instance_budget() {
    let addr = serve(None).await;
    let api = format!("http://{addr}");
    let hoarder = declaring("hostile/http-hoarder", &api);
    let mut policy = allowed_and_granted(&hoarder);
    // Bounded by bytes; the time limits sit far above what these events need
    // on a slow, loaded machine, so only a broken byte bound can fail this.
    policy.defaults.quotas = toml::from_str(
        "host_memory_bytes = 4194304\nhttp_response_bytes = 8388608\nmemory_bytes = 33554432\n\
         event_timeout_ms = 600000\ncpu_ms_per_event = 600000",
    )
    .unwrap();
    let launch = |path: &str| LaunchOptions {
        path: Some(format!("index?api={api}&path={path}&count=8")),
        ..LaunchOptions::default()
    };
    // A 6 MiB body is under the response limit (8 MiB) but over what the
    // host holds for one instance: refused while it arrives.
    let (_dir, mut inst) = launched(
        policy.clone(),
        Providers::default(),
        hoarder.clone(),
        launch("/huge"),
    )
    .await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data();
    assert_eq!(data["error_kind"], "quota-exceeded", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("host memory budget of 4194304 bytes"),
        "{error}"
    );
    assert!(
        inst.host_memory().0 < 64 * 1024,
        "the partial body was freed"
    );
    // 1 MiB bodies go through one at a time; what the guest keeps counts
    // against its own memory, and the host holds nothing after each call.
    let (_dir, mut inst) = launched(policy, Providers::default(), hoarder, launch("/hoard")).await;
    inst.dispatch(&Event::tap("index", "attack")).await.unwrap();
    let data = inst.page_data();
    assert!(data["fetches_ok"].as_u64().unwrap() >= 4, "{data}");
    assert!(inst.host_memory().0 < 64 * 1024);
}

/// Keeps every exchange it sees.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<miniapp_runtime::HttpExchange>>);

impl miniapp_runtime::HttpObserver for Recorder {
    fn exchange(&self, exchange: &miniapp_runtime::HttpExchange) {
        self.0.lock().unwrap().push(exchange.clone());
    }
}

#[tokio::test]
async fn every_http_call_and_refusal_reaches_the_embedder_s_observer() {
    let (origin, news) = served_news().await;
    let policy = allowed_and_granted(&news);
    let recorder = std::sync::Arc::new(Recorder::default());
    let dir = tempfile::tempdir().unwrap();
    let runtime = miniapp_runtime::Runtime::builder(dir.path())
        .policy(policy)
        .http_observer(recorder.clone())
        .build()
        .unwrap();
    let app = runtime.load(news).unwrap();
    // Headlines from the local server, then a page whose API is elsewhere.
    app.launch(launch_at(&origin)).await.unwrap();
    app.launch(launch_at("https://elsewhere.example"))
        .await
        .unwrap();
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let ok = &seen[0];
    assert_eq!(
        (ok.app.as_str(), ok.method.as_str(), ok.status),
        ("demo.news", "GET", Some(200))
    );
    assert_eq!(ok.url, format!("{origin}/headlines.json"));
    assert!(ok.bytes > 0 && ok.refused.is_none(), "{ok:?}");
    let refused = &seen[1];
    assert_eq!(refused.status, None);
    assert!(
        refused
            .refused
            .as_deref()
            .unwrap()
            .contains("is not allowed for app `demo.news`"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_view_s_remote_image_is_fetched_with_the_app_s_egress_checks() {
    let (origin, news) = served_news().await;
    let dir = tempfile::tempdir().unwrap();
    let load = |policy: Policy| {
        miniapp_runtime::Runtime::builder(dir.path())
            .policy(policy)
            .build()
            .unwrap()
            .load(news.clone())
            .unwrap()
    };
    // Loopback is refused unless the operator allows it, as for the app's calls.
    let err = load(granting(&news))
        .fetch_image(&format!("{origin}/pixel.png"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    let app = load(allowed_and_granted(&news));
    let (kind, bytes) = app
        .fetch_image(&format!("{origin}/pixel.png"))
        .await
        .unwrap();
    assert_eq!(kind, "image/png");
    assert!(!bytes.is_empty());
    // The host fetched it for the app: its usage counts it.
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.http_calls, usage.http_bytes),
        (1, bytes.len() as u64)
    );
    // Not an image, or not an origin of the app: refused.
    let err = app
        .fetch_image(&format!("{origin}/headlines.json"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not an image"), "{err}");
    let err = app
        .fetch_image("https://elsewhere.example/x.png")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not one of the app's"), "{err}");
}
