//! `miniapp dev`, run as a developer runs it: a real server process on
//! loopback, driven by real HTTP and WebSocket clients.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::cli::package;

/// The longest wait for a frame: it includes a rebuild of the app with
/// cargo (the frame of a saved source file), slow on a slow or loaded
/// machine. Only a hang reaches it: each wait ends with its frame.
pub(crate) const HANG: Duration = Duration::from_secs(180);

/// A running `miniapp dev`, killed when dropped.
pub(crate) struct Simulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The run's token.
    pub token: String,
    _data: tempfile::TempDir,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Simulator {
    /// `miniapp dev SOURCE ARGS...` on a free port, once it prints its URL.
    pub(crate) fn start(source: &str, args: &[&str]) -> Simulator {
        Simulator::start_with(source, args, &[])
    }

    /// `miniapp dev` of the example `name`, built.
    pub(crate) fn example(name: &str) -> Simulator {
        Simulator::start(&package(name), &[])
    }

    /// `miniapp dev` of a crate made by `miniapp new`, building where the
    /// examples build (their dependencies are compiled there).
    pub(crate) fn scaffolded(app: &Path) -> Simulator {
        Simulator::scaffolded_with(app, &[])
    }

    /// [`Simulator::scaffolded`] with `args`.
    pub(crate) fn scaffolded_with(app: &Path, args: &[&str]) -> Simulator {
        let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples/target");
        let targets = [("CARGO_TARGET_DIR", targets.to_str().unwrap())];
        Simulator::start_with(app.to_str().unwrap(), args, &targets)
    }

    /// [`Simulator::start`] with environment variables.
    pub(crate) fn start_with(source: &str, args: &[&str], envs: &[(&str, &str)]) -> Simulator {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_miniapp"))
            .args(["dev", source, "--data-dir", data.path().to_str().unwrap()])
            .args(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("miniapp dev starts");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        // Keep reading what it prints, so it never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        let (base, token) = url.split_once("/?token=").unwrap();
        Simulator {
            child,
            base: base.to_string(),
            token: token.to_string(),
            _data: data,
        }
    }

    /// `GET /api/state`.
    pub(crate) async fn state(&self) -> Value {
        let url = format!("{}/api/state?token={}", self.base, self.token);
        reqwest::get(url).await.unwrap().json().await.unwrap()
    }

    /// `GET /temp?path=PATH` with the token: the status and the bytes of
    /// a temp file of the running instance (an `<image>`'s source).
    pub(crate) async fn temp_file(&self, path: &str) -> (u16, Vec<u8>) {
        let url = format!("{}/temp?token={}", self.base, self.token);
        let request = reqwest::Client::new().get(url).query(&[("path", path)]);
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// `POST /api/dispatch`: an event on the element `selector` names.
    pub(crate) async fn dispatch(&self, selector: &str, kind: &str, detail: Value) -> Value {
        let url = format!("{}/api/dispatch?token={}", self.base, self.token);
        let body = json!({ "selector": selector, "kind": kind, "detail": detail });
        (crate::serve::post_json(url, &body).await.json().await).unwrap()
    }

    /// A WebSocket to `/ws` with `token` and, if given, an `Origin`.
    async fn socket(
        &self,
        token: &str,
        origin: Option<&str>,
    ) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/ws?token={token}", self.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket(socket))
    }

    /// The status of `GET path` (no token) with the one header `name: value`.
    async fn status_with(&self, path: &str, (name, value): (&str, &str)) -> u16 {
        let request = reqwest::Client::new().get(format!("{}{path}", self.base));
        let response = request.header(name, value).send().await.unwrap();
        response.status().as_u16()
    }

    /// A page connected with the run's token, and the first page it shows.
    async fn open_page(&self) -> (Socket, Value) {
        let mut page = self.socket(&self.token, None).await.unwrap();
        let first = page.next_of("page").await;
        (page, first)
    }

    /// This simulator's own origin.
    fn origin(&self) -> String {
        self.base.clone()
    }
}

/// A page's connection.
struct Socket(
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl Socket {
    async fn send(&mut self, frame: Value) {
        self.0.send(Message::text(frame.to_string())).await.unwrap();
    }

    /// A tap on the node `node`, as event `id`.
    async fn tap(&mut self, id: u64, node: u64) {
        let tap = json!({"type": "event", "id": id, "node": node, "kind": "tap", "detail": {}});
        self.send(tap).await;
    }

    /// A tap, as event `id`, on the element `#element` of the page frame
    /// `shown`: its node.
    async fn tap_on(&mut self, id: u64, shown: &Value, element: &str) -> u64 {
        let node = node_with(&shown["nodes"], "id", element)
            .unwrap_or_else(|| panic!("no #{element} on {shown}"));
        self.tap(id, node).await;
        node
    }

    /// The next frame of `kind`, skipping others (within [`HANG`]).
    async fn next_of(&mut self, kind: &str) -> Value {
        self.first(kind, |_| true).await
    }

    /// The first frame of `kind` (`*`: any) that `wanted` accepts (within [`HANG`]).
    async fn first(&mut self, kind: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let wait = async {
            loop {
                match self.0.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let frame: Value = serde_json::from_str(&text).unwrap();
                        if (kind == "*" || frame["type"] == kind) && wanted(&frame) {
                            return frame;
                        }
                    }
                    Some(Ok(Message::Close(close))) => {
                        panic!("closed waiting for {kind}: {close:?}")
                    }
                    Some(Ok(_)) => {}
                    other => panic!("no {kind} frame: {other:?}"),
                }
            }
        };
        tokio::time::timeout(HANG, wait)
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame within {HANG:?}"))
    }
}

/// The node id of the element whose attribute `name` is `value`, in a
/// `page` frame's nodes.
fn node_with(nodes: &Value, name: &str, value: &str) -> Option<u64> {
    for node in nodes.as_array()? {
        let has = node["attrs"]
            .as_array()
            .is_some_and(|attrs| attrs.iter().any(|a| a[0] == name && a[1] == value));
        if has {
            return node["id"].as_u64();
        }
        if let Some(id) = node_with(&node["children"], name, value) {
            return Some(id);
        }
    }
    None
}

#[tokio::test]
async fn the_page_drives_the_app_over_the_socket_and_sees_ops_and_data() {
    let sim = Simulator::example("todo");
    let mut page = sim.socket(&sim.token, Some(&sim.origin())).await.unwrap();
    let hello = page.next_of("hello").await;
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["app"]["id"], "demo.todo");
    let first = page.next_of("page").await;
    assert_eq!(first["route"], "index");
    assert!(first["style"].as_str().unwrap().contains("vw"), "{first}");
    let input = node_with(&first["nodes"], "id", "new").expect("the input is on the page");
    page.send(json!({"type": "event", "id": 1, "node": input, "kind": "input", "detail": {"value": "milk"}})).await;
    page.send(json!({"type": "event", "id": 2, "node": input, "kind": "confirm", "detail": {"value": "milk"}})).await;
    let ops = page.first("ops", |f| f.to_string().contains("milk")).await;
    let inserted = ops["ops"]
        .as_array()
        .unwrap()
        .iter()
        .any(|op| op["op"] == "insert" && op["node"].to_string().contains("milk"));
    assert!(inserted, "{ops}");
    let data = page
        .first("data", |f| f["data"]["todos"][0].is_object())
        .await;
    assert_eq!(data["data"]["todos"][0]["title"], "milk");
    // An event for a node that is not on the page is refused, by name.
    page.tap(3, 9999).await;
    let result = page.first("result", |r| r["id"] == 3).await;
    assert_eq!(result["ok"], false);
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("not on the page"),
        "{result}"
    );
    // The AppData panel's edit is a set-data from the host.
    page.send(json!({"type": "set-data", "id": 4, "patch": {"todos[0].title": "oat milk"}}))
        .await;
    let edited = page.first("result", |r| r["id"] == 4).await;
    assert_eq!(edited["ok"], true, "{edited}");
    // The JSON API sees the same session.
    let state = sim.state().await;
    assert!(
        state["html"].as_str().unwrap().contains("oat milk"),
        "{state}"
    );
    let done = sim.dispatch(".item", "tap", json!({})).await;
    assert_eq!(done["ok"], true, "{done}");
    assert_eq!(sim.state().await["data"]["todos"][0]["done"], true);
}

#[tokio::test]
async fn a_timer_updates_the_page_with_no_event() {
    let sim = Simulator::example("timers");
    let (mut page, first) = sim.open_page().await;
    let start = node_with(&first["nodes"], "id", "start").expect("the start button");
    let detail = json!({ "ms": 10, "times": 3 });
    let tap = json!({"type": "event", "id": 1, "node": start, "kind": "tap", "detail": detail});
    page.send(tap).await;
    // The tap's own frames show no tick; each firing then brings its own
    // data and ops, with no event from the page (the result of the one tap
    // may come before or between them). The quota panel counts the timer
    // while it runs.
    let (mut ticks, mut answered, mut drawn) = (Vec::new(), false, false);
    let (mut timers, mut settled) = (Vec::new(), false);
    while !(answered && drawn && settled) {
        let frame = page.next_of("*").await;
        match frame["type"].as_str() {
            Some("quota") => {
                let limit = frame["budget"]["timers_limit"].as_u64();
                assert!(limit.is_some_and(|n| n > 0), "{frame}");
                timers.push(frame["budget"]["timers"].clone());
                settled = ticks.last() == Some(&json!(3));
            }
            Some("data") if frame["data"]["ticks"] != 0 => {
                ticks.push(frame["data"]["ticks"].clone())
            }
            Some("ops") => drawn |= frame.to_string().contains("Ticks: 3"),
            Some("result") => {
                assert_eq!(
                    (frame["id"].clone(), frame["ok"].clone()),
                    (json!(1), json!(true)),
                    "{frame}"
                );
                answered = true;
            }
            _ => {}
        }
    }
    assert_eq!(ticks, [1, 2, 3]);
    assert!(timers.contains(&json!(1)), "{timers:?}");
    assert_eq!(
        timers.last(),
        Some(&json!(0)),
        "the interval cleared itself"
    );
    assert!(
        sim.state().await["html"]
            .as_str()
            .unwrap()
            .contains("Ticks: 3")
    );
}

#[tokio::test]
async fn only_this_origin_with_the_token_reaches_the_simulator() {
    let sim = Simulator::example("todo");
    // Without the token, or with another, the socket and the API refuse.
    for token in ["", "0123456789abcdef0123456789abcdef"] {
        let err = sim.socket(token, None).await.err().expect("refused");
        assert!(err.to_string().contains("401"), "{err}");
        let url = format!("{}/api/state?token={token}", sim.base);
        assert_eq!(reqwest::get(url).await.unwrap().status(), 401);
    }
    // A page of another origin is refused even with the token.
    let err = sim
        .socket(&sim.token, Some("http://evil.example"))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("403"), "{err}");
    // A DNS-rebinding request names another host.
    assert_eq!(sim.status_with("/", ("host", "evil.example")).await, 403);
    // Another site cannot even probe which assets the app has.
    let cross_site = ("sec-fetch-site", "cross-site");
    let probe = sim
        .status_with("/assets/pages/index.wxml", cross_site)
        .await;
    assert_eq!(probe, 403);
    // The page itself carries a strict Content-Security-Policy.
    let response = reqwest::get(format!("{}/", sim.base)).await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    // The page fetches images from itself only: remote ones come through
    // the runtime's egress checks (`/remote`), never from the browser.
    assert!(csp.contains("img-src 'self';"), "{csp}");
    // Connections are bounded: past 16 pages, a new one is refused.
    let mut pages = Vec::new();
    for _ in 0..16 {
        pages.push(sim.socket(&sim.token, None).await.unwrap());
    }
    let err = sim.socket(&sim.token, None).await.err().expect("refused");
    assert!(err.to_string().contains("429"), "{err}");
    drop(pages);
}

/// The simulator serves the package's files only: its asset route looks a
/// name up in the package, so no name reaches the disk; and the build reads
/// the crate's files through a handle on its directory, so a symlink that
/// leads out of the crate is refused by name, not packed and served.
#[tokio::test]
async fn no_name_or_symlink_reaches_a_file_outside_the_app() {
    let sim = Simulator::example("todo");
    let same = ("sec-fetch-site", "same-origin");
    let with_token = |path: &str| format!("{path}?token={}", sim.token);
    let index = with_token("/assets/pages/index.wxml");
    assert_eq!(sim.status_with(&index, same).await, 200);
    for path in [
        "/assets/%2e%2e/Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/assets/pages/%2e%2e/%2e%2e/miniapp.toml",
        "/assets/%2fetc%2fhostname",
    ] {
        assert_eq!(
            sim.status_with(&with_token(path), same).await,
            404,
            "{path}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "the developer's").unwrap();
    let app = scaffold(dir.path(), "leaky");
    std::os::unix::fs::symlink("../secret", app.join("app.wxss")).unwrap();
    let sim = Simulator::scaffolded(&app);
    let mut page = sim.socket(&sim.token, None).await.unwrap();
    let failed = page.first("build", |b| b["status"] == "failed").await;
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("app.wxss") && message.contains("leads out of"),
        "{message}"
    );
    assert!(!message.contains("the developer's"), "{message}");
}

#[tokio::test]
async fn a_flood_of_frames_or_an_oversized_one_closes_the_socket() {
    let sim = Simulator::example("todo");
    let mut page = sim.socket(&sim.token, None).await.unwrap();
    // A flood in frames, not in time: the bucket holds 100 and refills 50 a
    // second, so 1,000 frames empty it unless the server reads fewer than
    // about 55 a second (it reads thousands). They go until the socket fails.
    for _ in 0..1000 {
        if page
            .0
            .send(Message::text(r#"{"type":"refresh"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    let closed = tokio::time::timeout(HANG, async {
        loop {
            match page.0.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return Some(frame),
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await
    .unwrap()
    .expect("a close frame");
    assert_eq!(u16::from(closed.code), 1008);
    assert!(closed.reason.contains("too many frames"), "{closed:?}");
    // A frame over 64 KiB is closed with 1008 and the reason.
    let mut page = sim.socket(&sim.token, None).await.unwrap();
    let huge = json!({"type": "set-data", "patch": {"x": "a".repeat(70 * 1024)}});
    let _ = page.0.send(Message::text(huge.to_string())).await;
    let closed = tokio::time::timeout(HANG, async {
        loop {
            match page.0.next().await {
                Some(Ok(Message::Close(close))) => return close,
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap()
    .expect("a close frame");
    assert_eq!(u16::from(closed.code), 1008);
    assert!(closed.reason.contains("64 KiB"), "{closed:?}");
    // The simulator itself runs on.
    assert_eq!(sim.state().await["route"], "index");
}

#[tokio::test]
async fn the_payment_sheet_and_consent_prompt_are_answered_on_the_page() {
    let sim = Simulator::example("shop");
    let (mut page, first) = sim.open_page().await;
    page.tap_on(1, &first, "buy-cake").await;
    let checkout = page.next_of("page").await;
    assert_eq!(checkout["route"], "checkout");
    // Cancel the sheet: the app is told, and stays on checkout.
    let pay = page.tap_on(2, &checkout, "pay").await;
    let prompt = page.next_of("prompt").await;
    assert_eq!(prompt["kind"], "payment");
    assert_eq!(prompt["order"]["amount"], 3500);
    page.send(json!({"type": "answer", "prompt": prompt["id"], "allow": false}))
        .await;
    let cancelled = page.first("result", |r| r["id"] == 2).await;
    assert_eq!(cancelled["ok"], true, "{cancelled}");
    assert_eq!(sim.state().await["route"], "checkout");
    // Pay: the paid page.
    page.tap(3, pay).await;
    let prompt = page.next_of("prompt").await;
    page.send(json!({"type": "answer", "prompt": prompt["id"], "allow": true}))
        .await;
    let paid = page.next_of("page").await;
    assert_eq!(paid["route"], "paid", "{paid}");
}

#[tokio::test]
async fn a_denied_consent_sticks_and_reaches_the_audit_panel() {
    let sim = Simulator::example("shop");
    let (mut page, first) = sim.open_page().await;
    let profile = page.tap_on(1, &first, "profile").await;
    let prompt = page.next_of("prompt").await;
    assert_eq!(prompt["kind"], "consent");
    assert_eq!(prompt["scope"], "user-info");
    page.send(json!({"type": "answer", "id": 2, "prompt": prompt["id"], "allow": false}))
        .await;
    // The audit record and the event's result come on two channels, in
    // either order.
    let (mut audited, mut answered) = (None, false);
    while audited.is_none() || !answered {
        let frame = page.first("*", |_| true).await;
        if frame["type"] == "audit" && frame["entry"]["kind"] == "consent" {
            audited = Some(frame["entry"]["granted"].clone());
        }
        answered |= frame["type"] == "result" && frame["id"] == 1;
    }
    assert_eq!(audited, Some(json!(false)));
    // Asked again, the app gets the sticky denial: no second prompt.
    page.tap(3, profile).await;
    let mut prompts = 0;
    loop {
        let frame = page.first("*", |_| true).await;
        if frame["type"] == "result" && frame["id"] == 3 {
            break;
        }
        prompts += usize::from(frame["type"] == "prompt");
    }
    assert_eq!(prompts, 0);
}

#[tokio::test]
async fn saving_a_template_re_renders_in_place_and_saving_code_relaunches() {
    let dir = tempfile::tempdir().unwrap();
    let app = scaffold(dir.path(), "hot");
    let sim = Simulator::scaffolded(&app);
    let mut page = sim.socket(&sim.token, None).await.unwrap();
    page.next_of("page").await;
    for _ in 0..2 {
        assert_eq!(sim.dispatch("#tap", "tap", json!({})).await["ok"], true);
    }
    // A template saved: rendered again with the data kept.
    let template = app.join("pages/index.wxml");
    let marker = "<text id=\"marker\">hot {{count}}</text></view>";
    let text = edit(&template, "</view>", marker);
    let built = page.first("build", |b| b["status"] != "building").await;
    assert_eq!(built["message"], "templates reloaded", "{built}");
    let repainted = page
        .first("page", |p| p["nodes"].to_string().contains("hot 2"))
        .await;
    assert_eq!(repainted["route"], "index");
    // A template that does not parse: the error is shown, the last good
    // version runs on.
    std::fs::write(&template, "<view>\n  <view wx:iff=\"{{a}}\"/>\n</view>").unwrap();
    let failed = page.first("build", |b| b["status"] == "failed").await;
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("pages/index.wxml:2:9"), "{message}");
    assert_eq!(sim.dispatch("#tap", "tap", json!({})).await["ok"], true);
    assert_eq!(sim.state().await["data"]["count"], 3);
    // Code saved (the template fixed too): rebuilt, relaunched.
    std::fs::write(&template, text).unwrap();
    let code = app.join("src/lib.rs");
    edit(
        &code,
        "let title = \"hot\".to_string();",
        "let title = \"hot reloaded\".to_string();",
    );
    let built = page
        .first("build", |b| {
            b["status"] == "ok" && b["message"] == "rebuilt and relaunched"
        })
        .await;
    assert_eq!(built["status"], "ok");
    let state = sim.state().await;
    assert_eq!(state["data"]["title"], "hot reloaded", "{state}");
}

/// `miniapp new NAME` in `dir`; its crate directory.
pub(crate) fn scaffold(dir: &Path, name: &str) -> PathBuf {
    let new = crate::cli::miniapp_in(dir, &["new", name]);
    crate::cli::assert_ok(&new, "miniapp new");
    dir.join(name)
}

/// Save `path` with `from` replaced by `to`, as an editor would (`from`
/// must be there): the text it had.
pub(crate) fn edit(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "no {from:?} in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
    text
}

#[tokio::test]
async fn an_app_with_a_template_error_starts_shows_it_and_launches_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let app = scaffold(dir.path(), "broken");
    let template = app.join("pages/index.wxml");
    let good = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, "<view>\n  <view wx:iff=\"{{a}}\"/>\n</view>").unwrap();
    // It starts (it used to exit 2), and the page shows why nothing runs.
    let sim = Simulator::scaffolded(&app);
    let mut page = sim.socket(&sim.token, None).await.unwrap();
    let hello = page.next_of("hello").await;
    assert_eq!(hello["app"]["id"], "dev.broken", "{hello}");
    let failed = page.first("build", |b| b["status"] == "failed").await;
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("pages/index.wxml:2:9"), "{message}");
    assert_eq!(failed["last_good"], false);
    let empty = page.next_of("page").await;
    assert_eq!(empty["route"], Value::Null);
    let stopped = page.next_of("stopped").await;
    assert!(
        stopped["message"]
            .as_str()
            .unwrap()
            .contains("no version of the app has built yet"),
        "{stopped}"
    );
    assert_eq!(sim.state().await["route"], Value::Null);
    // Fixed and saved: built, launched, drawn.
    std::fs::write(&template, good).unwrap();
    let built = page.first("build", |b| b["status"] == "ok").await;
    assert_eq!(built["message"], "built and launched", "{built}");
    let drawn = page.first("page", |p| p["route"] == "index").await;
    assert_eq!(drawn["title"], "broken", "{drawn}");
    assert_eq!(sim.dispatch("#tap", "tap", json!({})).await["ok"], true);
    assert_eq!(sim.state().await["data"]["count"], 1);
}

/// The app reads the phone frame it starts in (`--device`, iPhone 12 by
/// default: the window below its status bar of 47 and the navigation bar
/// of 44); a relaunch carries the page's frame; a bad one is refused
/// naming the fact.
#[tokio::test]
async fn the_app_reads_its_frame_and_a_relaunch_the_device_sent() {
    let sim = Simulator::example("hello");
    sim.dispatch("#device", "tap", Value::Null).await;
    let info = &sim.state().await["data"]["system_info"];
    let size = |info: &Value| (info["windowWidth"].clone(), info["windowHeight"].clone());
    assert_eq!(size(info), (json!(390), json!(844 - 47 - 44)), "{info}");
    assert_eq!(info["screenHeight"], 844, "{info}");
    assert_eq!(info["statusBarHeight"], 47, "{info}");
    let url = format!("{}/api/relaunch?token={}", sim.base, sim.token);
    let frame =
        json!({ "device": { "windowWidth": 412, "windowHeight": 847, "statusBarHeight": 24 } });
    let answer: Value = (crate::serve::post_json(url.clone(), &frame)
        .await
        .json()
        .await)
        .unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    sim.dispatch("#device", "tap", Value::Null).await;
    let info = &sim.state().await["data"]["system_info"];
    assert_eq!(size(info), (json!(412), json!(847)), "{info}");
    assert_eq!(info["statusBarHeight"], 24, "{info}");

    let bad = json!({ "device": { "pixelRatio": 0.1 } });
    let answer = crate::serve::post_json(url, &bad)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        answer.contains("device fact `pixelRatio` is 0.1"),
        "{answer}"
    );
}

#[tokio::test]
async fn allow_address_lets_the_simulated_app_call_a_local_backend() {
    let origin = crate::examples::serve_news();
    let dir = tempfile::tempdir().unwrap();
    let news = crate::cli::news_declaring(&origin, dir.path());
    let path = format!("index?api={origin}");
    let refused = Simulator::start(&news, &["--path", &path]);
    let data = &refused.state().await["data"];
    assert_eq!(data["error_kind"], "permission-denied", "{data}");
    assert!(
        data["error"]
            .as_str()
            .unwrap()
            .contains("`--allow-address 127.0.0.1`"),
        "{data}"
    );
    let allowed = Simulator::start(&news, &["--path", &path, "--allow-address", "127.0.0.1"]);
    let data = &allowed.state().await["data"];
    assert_eq!(data["headlines"][0]["title"], "Local news", "{data}");
}

#[test]
fn a_policy_says_at_start_what_it_grants_the_simulated_app() {
    let origin = crate::examples::serve_news();
    let dir = tempfile::tempdir().unwrap();
    let news = crate::cli::news_declaring(&origin, dir.path());
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("[apps.\"demo.news\"]\npermissions = [\"http\"]\norigins = [\"{origin}\"]\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args([
            "dev",
            &news,
            "--port",
            "0",
            "--policy",
            policy.to_str().unwrap(),
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        line.trim_end(),
        format!(
            "policy {} grants app demo.news: http (origins {origin}); the manifest's other \
             requests (location) are not granted (with --policy, only what the policy grants \
             holds)",
            policy.display()
        )
    );
}
