//! `miniapp serve`, run as a platform runs it: a real server process on
//! loopback ports, real HTTP and WebSocket clients, the operator plane
//! driven over HTTP with its token.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::cli::package;

/// The operator token the servers of these tests accept: fresh and random
/// for each run of the tests (it displays as the token).
pub(crate) const TOKEN: Token = Token;

/// [`TOKEN`].
pub(crate) struct Token;

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        f.write_str(TOKEN.get_or_init(miniapp_serve::operator::token::new_token))
    }
}

/// The platform's grants for the examples the tests publish.
pub(crate) const POLICY: &str = r#"
[apps."demo.todo"]
permissions = ["storage"]
per_user_storage = true

[apps."demo.game2048"]
permissions = ["storage"]
per_user_storage = true

[apps."hostile.spin".quotas]
fuel_per_event = 10000000000
cpu_ms_per_event = 60000
event_timeout_ms = 60000
trap_budget = 0
"#;
// The spinner's events end by fuel, a count of guest instructions (about
// 0.5 s of spinning here): work, so on a slower or loaded machine they slow
// down as much as everything else does. Its time limits sit far above that,
// so that only fuel ends them. The other apps run with the defaults (5 s of
// CPU and of wall-clock time, 5e9 fuel per event), hundreds of times what a
// todo, shop or 2048 event takes in a debug build.

/// How long a wait for something that must happen may last before the test
/// gives up: not a measure, only what turns a hang into a failure. Each wait
/// ends as soon as its condition holds.
pub(crate) const HANG: Duration = Duration::from_secs(60);

/// A running `miniapp serve`, killed if dropped before [`Served::stop`].
pub(crate) struct Served {
    child: Option<Child>,
    /// `http://IP:PORT` of the sessions.
    pub public: String,
    /// `http://IP:PORT` of the operator plane.
    pub operator: String,
    /// Its data directory, token file and policy.
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Served {
    /// `miniapp serve` on free ports, publishing the `examples` (built), with
    /// [`POLICY`], the operator token [`TOKEN`] and `args`.
    pub(crate) fn start(examples: &[&str], args: &[&str]) -> Served {
        Served::start_in(tempfile::tempdir().unwrap(), examples, args)
    }

    /// [`Served::start`] with `policy` in place of [`POLICY`].
    pub(crate) fn start_with_policy(policy: &str, examples: &[&str], args: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        Served::start_in(dir, examples, args)
    }

    /// [`Served::start`] with `lines` (`NAME TOKEN [SCOPE]`) in its token
    /// file after alice's.
    pub(crate) fn start_with_tokens(lines: &str, examples: &[&str], args: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("more-tokens"), lines).unwrap();
        Served::start_in(dir, examples, args)
    }

    /// [`Served::start`] in `dir` (a restart keeps its data; a policy
    /// already there is kept).
    fn start_in(dir: tempfile::TempDir, examples: &[&str], args: &[&str]) -> Served {
        let more = std::fs::read_to_string(dir.path().join("more-tokens")).unwrap_or_default();
        std::fs::write(dir.path().join("tokens"), format!("alice {TOKEN}\n{more}")).unwrap();
        if !dir.path().join("policy.toml").exists() {
            std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
        }
        let mut command = serve_command(dir.path(), args);
        for example in examples {
            command.args(["--publish", &package(example)]);
        }
        let mut child = (command.stdout(Stdio::piped()).stderr(Stdio::null()))
            .spawn()
            .expect("miniapp serve starts");
        let (public, operator) = listeners(&mut child);
        Served {
            public,
            operator,
            child: Some(child),
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// `POST /v1/sessions`: the status and the body.
    pub(crate) async fn open(&self, app: &str, user: &str) -> (u16, Value) {
        let body = json!({ "app": app, "user": user });
        self.post(&format!("{}/v1/sessions", self.public), body)
            .await
    }

    /// The id of a session that must open.
    pub(crate) async fn session(&self, app: &str, user: &str) -> String {
        let (status, body) = self.open(app, user).await;
        assert_eq!(status, 201, "{app} for {user}: {body}");
        body["session"].as_str().unwrap().to_string()
    }

    /// An event by selector over HTTP, with client id `cid`.
    pub(crate) async fn event(
        &self,
        session: &str,
        cid: &str,
        selector: &str,
        kind: &str,
        detail: Value,
    ) -> (u16, Value) {
        let url = format!("{}/v1/sessions/{session}/events", self.public);
        let body = json!({ "cid": cid, "selector": selector, "kind": kind, "detail": detail });
        self.post(&url, body).await
    }

    /// Add a todo titled `title` (todo's `#new` confirmed) over HTTP, with
    /// client id `cid`.
    pub(crate) async fn add_todo(&self, session: &str, cid: &str, title: &str) -> (u16, Value) {
        let detail = json!({ "value": title });
        self.event(session, cid, "#new", "confirm", detail).await
    }

    /// `POST /v1/operator/apps/{app}/versions{query}` with the package
    /// `bytes` and the token: the status and the body.
    pub(crate) async fn publish(&self, app: &str, query: &str, bytes: Vec<u8>) -> (u16, Value) {
        let url = format!("{}/v1/operator/apps/{app}/versions{query}", self.operator);
        let response = (self.http.post(url).bearer_auth(TOKEN).body(bytes))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, url: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(url).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Publish todo as `version` (another hash) over the operator API,
    /// which must take it: its hash.
    pub(crate) async fn publish_todo_as(&self, version: &str) -> String {
        let bytes = std::fs::read(todo_as(version, self.dir.path())).unwrap();
        let (status, body) = self.publish("demo.todo", "", bytes).await;
        assert_eq!(status, 201, "{body}");
        body["version"]["hash"].as_str().unwrap().to_string()
    }

    /// An operator call with the token: the status and the body.
    pub(crate) async fn op(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = (self
            .http
            .request(method, format!("{}{path}", self.operator)))
        .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An operator call on `app`'s `call` (`release`, `kill`, `route?user=u1`
    /// ...) with the token: the status and the body.
    pub(crate) async fn on_app(
        &self,
        method: reqwest::Method,
        app: &str,
        call: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let path = format!("/v1/operator/apps/{app}/{call}");
        self.op(method, &path, body).await
    }

    /// The kill switch of `app`, with the `reason` users see: the status.
    pub(crate) async fn kill(&self, app: &str, reason: &str) -> u16 {
        let body = json!({ "reason": reason });
        let (status, _) = (self.on_app(reqwest::Method::PUT, app, "kill", Some(body))).await;
        status
    }

    /// `/metrics`, as text.
    pub(crate) async fn metrics(&self) -> String {
        let response = (self.http.get(format!("{}/metrics", self.operator)))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// The value of `series` (`name{labels}`) in `/metrics`, if it is there.
    pub(crate) async fn metric(&self, series: &str) -> Option<f64> {
        sum_of(&self.metrics().await, series)
    }

    /// Wait until `series` is there and `holds` of its value; the value.
    pub(crate) async fn until_metric(&self, series: &str, holds: impl Fn(f64) -> bool) -> f64 {
        let deadline = Instant::now() + HANG;
        loop {
            if let Some(value) = self.metric(series).await
                && holds(value)
            {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{series} never came to hold: {}",
                self.metrics().await
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGTERM; the exit status once drained.
    pub(crate) fn terminate(&mut self) -> Child {
        let child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(kill.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        child
    }

    /// SIGTERM, and the exit status once it has drained.
    pub(crate) fn stop(mut self) -> ExitStatus {
        self.terminate().wait().unwrap()
    }

    /// Kill it (SIGKILL: no drain) and start it again on the same data.
    pub(crate) fn kill_and_restart(mut self, args: &[&str]) -> Served {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        Served::start_in(dir, &[], args)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Wait until `holds`, asking again every 50 ms: a wait that ends as soon
/// as it holds, failing with `what` only past [`HANG`].
pub(crate) async fn until(what: &str, mut holds: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + HANG;
    while !holds().await {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `POST url` with the JSON `body` (no token), which must be answered.
pub(crate) async fn post_json(url: String, body: &Value) -> reqwest::Response {
    let request = reqwest::Client::new().post(url).json(body);
    request.send().await.unwrap()
}

/// The status of `GET url` (no token), which must be answered.
pub(crate) async fn status_of(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

/// Every text of a page frame's nodes, in order.
pub(crate) fn texts(nodes: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(node: &Value, out: &mut Vec<String>) {
        if let Some(text) = node["text"].as_str() {
            out.push(text.to_string());
        }
        for child in node["children"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    for node in nodes.as_array().into_iter().flatten() {
        walk(node, &mut out);
    }
    out
}

/// The texts of the first frame of an event's answer, which must be a page.
pub(crate) fn page_texts(answer: &Value) -> Vec<String> {
    let frame = &answer["frames"][0];
    assert_eq!(frame["type"], "page", "{answer}");
    texts(&frame["nodes"])
}

/// The answer is the whole page, with one "milk" on it (a retried add
/// was not applied again).
fn assert_one_milk(answer: &Value) {
    let texts = page_texts(answer);
    assert_eq!(
        texts.iter().filter(|t| *t == "milk").count(),
        1,
        "{texts:?}"
    );
}

#[tokio::test]
async fn sessions_of_several_apps_and_users_run_at_once_each_with_its_own_state() {
    let served = Served::start(&["todo", "game2048"], &[]);
    let (ada, bob) = tokio::join!(
        served.session("demo.todo", "ada"),
        served.session("demo.todo", "bob")
    );
    let game = served.session("demo.game2048", "ada").await;
    let (status, added) = served.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["frames"][0]["type"], "ops", "{added}");
    let (_, refreshed) = served
        .post(
            &format!("{}/v1/sessions/{bob}/show", served.public),
            json!({}),
        )
        .await;
    // Bob's list is his own: opening again is a warm start of his session.
    let (status, again) = served.open("demo.todo", "bob").await;
    assert_eq!(
        (status, again["start"].as_str()),
        (201, Some("warm")),
        "{again}"
    );
    assert_eq!(again["session"], bob.as_str());
    assert!(
        !texts(&again["page"]["nodes"]).iter().any(|t| t == "milk"),
        "{refreshed}"
    );
    let (_, ada_again) = served.open("demo.todo", "ada").await;
    assert!(
        texts(&ada_again["page"]["nodes"])
            .iter()
            .any(|t| t == "milk")
    );

    // The game over its WebSocket: hello, the page, then an event's ops and result.
    let mut socket = session_socket(&served, &game).await;
    let event = json!({ "type": "event", "id": 7, "cid": "g1", "selector": "#up", "kind": "tap" });
    socket
        .send(Message::Text(event.to_string().into()))
        .await
        .unwrap();
    let mut frames = Vec::new();
    loop {
        let frame = receive(&mut socket).await;
        if frame["type"] == "result" {
            assert_eq!(
                (frame["id"].as_u64(), frame["ok"].as_bool()),
                (Some(7), Some(true)),
                "{frame}"
            );
            break;
        }
        frames.push(frame);
    }
    assert!(frames.iter().any(|f| f["type"] == "ops"), "{frames:?}");
    every_json_endpoint_refuses_a_malformed_body_with_the_error_object(&served, &ada).await;
    served.stop();
}

/// Each endpoint that takes a JSON body answers a malformed one, or one of
/// the wrong shape, with the protocol's error object naming the problem.
async fn every_json_endpoint_refuses_a_malformed_body_with_the_error_object(
    served: &Served,
    session: &str,
) {
    let public = |path: &str| format!("{}{path}", served.public);
    let operator = |path: &str| format!("{}/v1/operator/apps/demo.todo/{path}", served.operator);
    let calls = [
        (reqwest::Method::POST, public("/v1/sessions")),
        (
            reqwest::Method::POST,
            public(&format!("/v1/sessions/{session}/events")),
        ),
        (
            reqwest::Method::POST,
            public(&format!("/v1/sessions/{session}/answers")),
        ),
        (reqwest::Method::POST, operator("release")),
        (reqwest::Method::POST, operator("rollback")),
        (reqwest::Method::PUT, operator("kill")),
        (reqwest::Method::PUT, operator("min-host-api")),
    ];
    for (method, url) in calls {
        for body in ["{\"unclosed\": ", "[1, 2]"] {
            let response = (served.http.request(method.clone(), &url))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            let answer: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {url} with {body}: not JSON ({e}): {text}"));
            assert!(
                (400..500).contains(&status),
                "{method} {url}: {status} {text}"
            );
            assert_eq!(
                answer["error"]["kind"], "bad-request",
                "{method} {url}: {text}"
            );
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(!message.is_empty(), "{method} {url}: {text}");
        }
    }
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket on `session`, past its `hello` and its first `page`.
pub(crate) async fn session_socket(served: &Served, session: &str) -> Socket {
    session_socket_with(served, session, "").await
}

/// [`session_socket`] opened with `query` (`?measure=true`, or empty).
pub(crate) async fn session_socket_with(served: &Served, session: &str, query: &str) -> Socket {
    let public = served.public.replace("http://", "ws://");
    let url = format!("{public}/v1/sessions/{session}{query}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "hello");
    assert_eq!(receive(&mut socket).await["type"], "page");
    socket
}

/// The next frame, as JSON.
pub(crate) async fn receive(socket: &mut Socket) -> Value {
    let message = tokio::time::timeout(HANG, socket.next()).await;
    let message = message.expect("a frame").unwrap().unwrap();
    serde_json::from_str(message.to_text().unwrap()).unwrap()
}

/// Frames from `socket` until one is `wanted` (the others skipped).
pub(crate) async fn until_frame(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = receive(socket).await;
        if wanted(&frame) {
            return frame;
        }
    }
}

pub(crate) fn of_type(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |frame| frame["type"] == kind
}

/// The page's text as a refresh over `socket` draws it.
pub(crate) async fn page_now(socket: &mut Socket) -> String {
    let refresh = json!({ "type": "refresh" }).to_string();
    socket.send(Message::text(refresh)).await.unwrap();
    let page = until_frame(socket, of_type("page")).await;
    texts(&page["nodes"]).concat()
}

#[tokio::test]
async fn an_evicted_session_relaunches_from_storage_and_a_retried_event_applies_once() {
    let served = Served::start(&["todo"], &["--idle-secs", "1"]);
    let ada = served.session("demo.todo", "ada").await;
    for _ in 0..2 {
        // The same client id twice: a retry, applied once.
        let (status, body) = served.add_todo(&ada, "add-milk", "milk").await;
        assert_eq!(status, 200, "{body}");
    }
    // Evicted: no live instance, and an eviction counted. A wait for that
    // state, not for a time: on a slow machine the idle second may even run
    // out between the retries (the retry is then recognised from storage).
    served
        .until_metric("miniapp_app_sessions_live{app=\"demo.todo\"}", |n| n == 0.0)
        .await;
    let evictions = served
        .metric("miniapp_evictions_total{app=\"demo.todo\"}")
        .await;
    assert!(evictions.is_some_and(|n| n >= 1.0), "{evictions:?}");
    // The next event relaunches it from storage: a full page first.
    let (status, body) = served.add_todo(&ada, "add-eggs", "eggs").await;
    assert_eq!(status, 200, "{body}");
    assert_one_milk(&body);
    let texts = page_texts(&body);
    assert!(texts.iter().any(|t| t == "eggs"), "{texts:?}");
    served.stop();
}

#[tokio::test]
async fn past_its_bounds_the_server_refuses_at_once_with_429_and_retry_after() {
    let served = Served::start(
        &["todo", "hostile/spin"],
        &["--max-sessions", "2", "--app-queue", "1"],
    );
    let spin = served.session("hostile.spin", "ada").await;
    served.session("demo.todo", "ada").await;
    let url = format!("{}/v1/sessions", served.public);
    let response = post_json(url, &json!({ "app": "demo.todo", "user": "bob" })).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "busy", "{body}");

    // One spinning event fills the spin app's queue: the next is refused at once.
    let spinning = served.event(&spin, "s1", "#attack", "tap", Value::Null);
    let second = async {
        // Sent once the server counts the first in its queue (not after a
        // fixed 100 ms): it then arrives while the first spins, whose fuel is
        // over a hundred times the work of one request, on any machine.
        served
            .until_metric("miniapp_queue_depth{app=\"hostile.spin\"}", |n| n >= 1.0)
            .await;
        served
            .event(&spin, "s2", "#attack", "tap", Value::Null)
            .await
    };
    let ((first_status, first), (status, refused)) = tokio::join!(spinning, second);
    assert_eq!(status, 429, "{refused}");
    assert_eq!(first_status, 422, "{first}");
    assert_eq!(first["error"]["kind"], "trap", "{first}");
    assert!(
        served
            .metrics()
            .await
            .contains("miniapp_refusals_total{app=\"hostile.spin\",reason=\"busy\"} 1")
    );
    served.stop();
}

#[tokio::test]
async fn a_spinning_tenant_gets_its_slices_and_its_traps_while_another_app_is_served() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let served = Served::start(&["todo", "hostile/spin"], &[]);
    let mut spinners = Vec::new();
    for i in 0..4 {
        spinners.push(
            served
                .session("hostile.spin", &format!("spinner-{i}"))
                .await,
        );
    }
    let ada = served.session("demo.todo", "ada").await;
    let stop = AtomicBool::new(false);
    // Spinning events answered so far (each one trapped at its fuel).
    let spun = AtomicUsize::new(0);
    let (server, stop, spun) = (&served, &stop, &spun);
    let spin =
        futures_util::future::join_all(spinners.iter().enumerate().map(|(i, s)| async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (status, _) = server
                    .event(s, &format!("spin-{i}-{n}"), "#attack", "tap", Value::Null)
                    .await;
                assert_eq!(status, 422);
                spun.fetch_add(1, Ordering::Relaxed);
            }
        }));
    let witness = async {
        // Every spinner has an event in the server's queue before the
        // witness starts: a count, where a fixed wait would not do on a
        // slow machine.
        served
            .until_metric("miniapp_queue_depth{app=\"hostile.spin\"}", |n| n >= 4.0)
            .await;
        let mut overlapping = 0;
        for i in 0..20 {
            let before = spun.load(Ordering::Relaxed);
            let (status, body) = served
                .add_todo(&ada, &format!("w{i}"), &format!("item {i}"))
                .await;
            assert_eq!(status, 200, "{body}");
            overlapping += spun.load(Ordering::Relaxed) - before;
        }
        stop.store(true, Ordering::Relaxed);
        overlapping
    };
    let (_, overlapping) = tokio::join!(spin, witness);
    // Fairness in counts, not milliseconds: the spinning events that ended
    // while a witness event was in flight. A starved witness waits for a
    // spinning event to end (trap) before it gets a slot, at every event: 20
    // or more. A fair one runs beside them, and a spinning event, which ends
    // by its fuel, is over a hundred times the work of a todo event, on a
    // slow or loaded machine as on a fast one: 0 here, quiet or under
    // stress-ng, and below 10 unless the witness waits behind spinners at
    // half of its events.
    assert!(
        overlapping < 10,
        "{overlapping} spinning events ended during the witness's 20 events"
    );
    let metrics = served.metrics().await;
    let traps = sum_of(&metrics, "miniapp_traps_total{app=\"hostile.spin\"}");
    assert!(traps.is_some_and(|n| n > 0.0), "{metrics}");
    served.stop();
}

/// The todo package again, as version `version` (another hash).
pub(crate) fn todo_as(version: &str, dir: &Path) -> PathBuf {
    let mut package =
        miniapp_runtime::Package::read(Path::new(&package("todo")), &Default::default()).unwrap();
    package.manifest.version = version.to_string();
    let path = dir.join(format!("todo-{version}.miniapp"));
    std::fs::write(&path, package.to_bytes().unwrap()).unwrap();
    path
}

#[tokio::test]
async fn phased_release_rollback_and_kill_switch_reach_new_sessions_at_once_and_live_ones_at_their_next_event()
 {
    use reqwest::Method;
    let served = Served::start(&["todo"], &[]);
    let v2 = served.publish_todo_as("0.2.0").await;
    let release = json!({ "version": v2, "percent": 30, "trial_users": ["trial-1"] });
    let (status, body) = served
        .on_app(Method::POST, "demo.todo", "release", Some(release))
        .await;
    assert_eq!(status, 200, "{body}");

    // 30% of 10,000 users, within tolerance, and the trial user.
    let mut on_v2 = 0;
    for i in 0..10_000 {
        let (_, routed) = served
            .on_app(Method::GET, "demo.todo", &format!("route?user=u{i}"), None)
            .await;
        on_v2 += usize::from(routed["version"] == v2.as_str());
    }
    assert!(
        (2_800..3_200).contains(&on_v2),
        "{on_v2} of 10,000 users on the new version"
    );
    let (_, trial) = served.open("demo.todo", "trial-1").await;
    assert_eq!(trial["app"]["version"], "0.2.0", "{trial}");
    let trial_session = trial["session"].as_str().unwrap().to_string();

    // A release only grows.
    let shrink = json!({ "version": v2, "percent": 10 });
    let (status, body) = served
        .on_app(Method::POST, "demo.todo", "release", Some(shrink))
        .await;
    assert_eq!(status, 400, "{body}");

    // Rollback: new sessions get the stable version at once; the live one
    // relaunches on it at its next event (a full page first).
    let (status, body) = served
        .on_app(Method::POST, "demo.todo", "rollback", Some(json!({})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, fresh) = served.open("demo.todo", "trial-2").await;
    assert_eq!(fresh["app"]["version"], "0.1.0", "{fresh}");
    let (status, next) = served.add_todo(&trial_session, "t1", "x").await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(next["frames"][0]["type"], "page", "{next}");

    // The kill switch, with the reason users see.
    let status = served
        .kill("demo.todo", "Closed for maintenance until noon")
        .await;
    assert_eq!(status, 200);
    let (status, refused) = served.open("demo.todo", "someone").await;
    assert_eq!(
        (status, refused["error"]["kind"].as_str()),
        (403, Some("disabled")),
        "{refused}"
    );
    assert_eq!(
        refused["error"]["message"],
        "Closed for maintenance until noon"
    );
    let (status, refused) = served.add_todo(&trial_session, "t2", "y").await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) = served
        .on_app(Method::DELETE, "demo.todo", "kill", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = served.open("demo.todo", "someone").await;
    assert_eq!(status, 201);

    // Every call audited with the operator's name.
    let audit =
        std::fs::read_to_string(served.dir.path().join("data/operator-audit.jsonl")).unwrap();
    assert!(
        audit.lines().any(|l| l.contains("\"operator\":\"alice\"")
            && l.contains("PUT /v1/operator/apps/demo.todo/kill")),
        "{audit}"
    );
    served.stop();
}

#[tokio::test]
async fn a_flood_of_refused_operator_calls_writes_a_bounded_audit() {
    let served = Served::start(&["todo"], &[]);
    let client = reqwest::Client::new();
    let url = format!("{}/v1/operator/{}", served.operator, "a".repeat(15_000));
    let began = std::time::Instant::now();
    for _ in 0..2_000 {
        let refused = client.get(&url).send().await.unwrap();
        assert_eq!(refused.status(), 401);
    }
    let seconds = began.elapsed().as_secs() + 1;
    let audit = served.dir.path().join("data/operator-audit.jsonl");
    let text = std::fs::read_to_string(&audit).unwrap();
    served.stop();
    // Each refused call's line is short (its path cut), and at most 100 of
    // them a second are written, the rest counted: a bound in bytes per
    // second of flood, whatever the machine's speed. (Unbounded, the 2,000
    // calls wrote 30 MB.)
    assert!(
        text.len() as u64 <= seconds * 100 * 400 + 4096,
        "{} bytes in {seconds} s",
        text.len()
    );
    let call = "GET /v1/operator/".len() + 15_000;
    assert!(text.contains(&format!("... ({call} bytes)")), "{text}");
}

#[tokio::test]
async fn operator_calls_without_the_token_are_refused_and_audited() {
    let served = Served::start(&["todo"], &[]);
    let client = reqwest::Client::new();
    let calls = [
        (reqwest::Method::GET, "/metrics"),
        (reqwest::Method::GET, "/v1/operator/apps"),
        (
            reqwest::Method::POST,
            "/v1/operator/apps/demo.todo/versions",
        ),
        (reqwest::Method::PUT, "/v1/operator/apps/demo.todo/kill"),
        (
            reqwest::Method::DELETE,
            "/v1/operator/apps/demo.todo/quarantine",
        ),
        (
            reqwest::Method::POST,
            "/v1/operator/apps/demo.todo/rollback",
        ),
    ];
    for (method, path) in calls {
        let url = format!("{}{path}", served.operator);
        let none = client.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(none.status(), 401, "{method} {path} without a token");
        let wrong = (client.request(method.clone(), &url))
            .bearer_auth("alice-0123456789abcdeX")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{method} {path} with a wrong token");
    }
    // Health needs no token; the public listener has no operator routes.
    assert_eq!(
        status_of(&format!("{}/healthz", served.operator)).await,
        200
    );
    let public = client
        .get(format!("{}/v1/operator/apps", served.public))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let audit =
        std::fs::read_to_string(served.dir.path().join("data/operator-audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .filter(|l| l.contains("(no valid token)"))
            .count()
            >= 12,
        "{audit}"
    );
    // With the token, a decision about an app nobody published is refused
    // and makes no record of it.
    assert_eq!(served.kill("no.such", "typo").await, 404);
    let (_, apps) = served
        .op(reqwest::Method::GET, "/v1/operator/apps", None)
        .await;
    assert!(apps["apps"].get("no.such").is_none(), "{apps}");
    served.stop();
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_carry_no_user_ids() {
    let served = Served::start(&["todo"], &[]);
    let ada = served.session("demo.todo", "user-secret-42").await;
    served.add_todo(&ada, "m1", "milk").await;
    for i in 0..3 {
        let (status, _) = served.open(&format!("no.such-app-{i}"), "ada").await;
        assert_eq!(status, 404);
    }
    let text = served.metrics().await;
    // Apps nobody published share one label.
    assert!(
        text.contains("miniapp_refusals_total{app=\"\",reason=\"not-found\"} 3"),
        "{text}"
    );
    assert!(!text.contains("user-secret-42"), "{text}");
    let mut families = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split_whitespace();
            let kind = words.next().unwrap();
            assert!(["HELP", "TYPE", "UNIT", "EOF"].contains(&kind), "{line}");
            if kind == "TYPE" {
                families.insert(words.next().unwrap().to_string());
            }
            continue;
        }
        // name{label="value",...} number
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(value.parse::<f64>().is_ok(), "not a number in {line}");
        let name = series.split('{').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            assert!(
                labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                "{line}"
            );
        }
    }
    for family in [
        "miniapp_events",
        "miniapp_event_seconds",
        "miniapp_cpu_seconds",
        "miniapp_traps",
        "miniapp_denials",
        "miniapp_quota_hits",
        "miniapp_app_sessions_live",
        "miniapp_queue_depth",
        "miniapp_refusals",
        "miniapp_launch_seconds",
        "miniapp_memory_bytes",
    ] {
        assert!(families.contains(family), "no {family} in {families:?}");
    }
    let events = sum_of(&text, "miniapp_events_total{app=\"demo.todo\"}");
    assert_eq!(events, Some(1.0), "{text}");
    served.stop();
}

#[tokio::test]
async fn sigterm_drains_the_running_event_then_exits() {
    let mut served = Served::start(&["hostile/spin"], &[]);
    let spin = served.session("hostile.spin", "ada").await;
    let url = format!("{}/v1/sessions/{spin}/events", served.public);
    let running = tokio::spawn(async move {
        let body = json!({ "cid": "s", "selector": "#attack", "kind": "tap" });
        post_json(url, &body).await.status().as_u16()
    });
    // SIGTERM once the server counts the event in its queue (not after a
    // fixed 100 ms, which a slow machine may not meet): it is then running,
    // for its fuel, over a hundred times the work of delivering the signal.
    served
        .until_metric("miniapp_queue_depth{app=\"hostile.spin\"}", |n| n >= 1.0)
        .await;
    let mut child = served.terminate();
    // The running event is answered (its trap), then the process exits 0.
    assert_eq!(running.await.unwrap(), 422);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
    let refused = reqwest::Client::new()
        .post(format!("{}/v1/sessions", served.public))
        .json(&json!({}))
        .send()
        .await;
    assert!(refused.is_err(), "the listener is closed");
}

#[tokio::test]
async fn a_session_id_outlives_its_node_a_restarted_node_takes_it_back_from_storage() {
    let served = Served::start(&["todo"], &[]);
    let ada = served.session("demo.todo", "ada").await;
    let (status, _) = served.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200);
    let served = served.kill_and_restart(&[]);
    // The id is all the new process has: it rebuilds the session and
    // relaunches the app from storage. A retry of the event applied before
    // the kill is recognised (the session's applied events are in the
    // store): the client gets the page, with one milk.
    let (status, body) = served.add_todo(&ada, "a1", "milk").await;
    assert_eq!(status, 200, "{body}");
    assert_one_milk(&body);
    let (status, body) = served.add_todo(&ada, "a2", "eggs").await;
    assert_eq!(
        (status, body["frames"][0]["type"].as_str()),
        (200, Some("ops")),
        "{body}"
    );
    // An id this cluster did not sign is unknown.
    let last = if ada.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &ada[..ada.len() - 1]);
    let (status, _) = served.add_todo(&forged, "a3", "x").await;
    assert_eq!(status, 404);
    served.stop();
}

/// The value of `series` (`name{labels}`) in Prometheus `text`: the sum of
/// the series whose labels begin with those given (so `{app="a"}` takes in
/// each version's `{app="a",version="..."}`), if there is one.
pub(crate) fn sum_of(text: &str, series: &str) -> Option<f64> {
    let head = series.strip_suffix('}').unwrap_or(series);
    let values: Vec<f64> = (text.lines())
        .filter_map(|line| {
            let rest = line.strip_prefix(head)?;
            let rest = match series.ends_with('}') {
                true => rest.strip_prefix('}').or_else(|| {
                    let labels = rest.strip_prefix(',')?;
                    Some(&labels[labels.find('}')? + 1..])
                })?,
                false => rest,
            };
            rest.strip_prefix(' ')?.parse().ok()
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// `miniapp serve` on loopback ports with the data, token file
/// (`dir/tokens`) and policy (`dir/policy.toml`) of `dir`, and `args`;
/// closing at once on SIGTERM unless `args` set `--drain-secs` (no load
/// balancer to tell).
pub(crate) fn serve_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--operator-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--operator-token-file")
        .arg(dir.join("tokens"))
        .arg("--policy")
        .arg(dir.join("policy.toml"))
        .args(args);
    if !args.contains(&"--drain-secs") {
        command.args(["--drain-secs", "0"]);
    }
    command
}

/// The public and operator addresses a started `miniapp serve` (stdout
/// piped) prints first; the rest of its stdout is drained.
pub(crate) fn listeners(child: &mut Child) -> (String, String) {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let (public, operator) = (line.trim())
        .strip_prefix("miniapp serve: sessions at ")
        .and_then(|rest| rest.split_once(", operator at "))
        .unwrap_or_else(|| panic!("no listeners in {line:?}"));
    (public.to_string(), operator.to_string())
}
