//! The example apps driven as a user drives them: only taps on the rendered
//! page (`miniapp run --tap`), checked on what the page then shows (the
//! printed view outline of each step).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use crate::cli::{miniapp, package, stderr, stdout};

/// One step of `miniapp run` as printed: its name, the page stack and the
/// view outline.
struct Step {
    name: String,
    pages: String,
    view: Vec<String>,
}

impl Step {
    /// The outline lines of the element `#id` and everything inside it.
    fn element(&self, id: &str) -> Vec<&str> {
        let head = |line: &str| {
            let tag = line.trim_start().split(' ').next().unwrap_or("");
            tag.split('.')
                .next()
                .unwrap_or("")
                .ends_with(&format!("#{id}"))
        };
        let Some(at) = self.view.iter().position(|l| head(l)) else {
            panic!(
                "step `{}`: no #{id} on the page:\n{}",
                self.name,
                self.view.join("\n")
            );
        };
        let depth = |line: &str| line.len() - line.trim_start().len();
        let indent = depth(&self.view[at]);
        std::iter::once(self.view[at].as_str())
            .chain(
                self.view[at + 1..]
                    .iter()
                    .take_while(|l| depth(l) > indent)
                    .map(String::as_str),
            )
            .collect()
    }

    /// The text `#id` shows (its text nodes, joined).
    fn text(&self, id: &str) -> String {
        self.element(id)
            .iter()
            .filter_map(|l| serde_json::from_str::<String>(l.trim()).ok())
            .collect()
    }

    /// Whether anything on the page is `#id`.
    fn has(&self, id: &str) -> bool {
        let marker = format!("#{id}");
        self.view.iter().any(|l| {
            let tag = l.trim_start().split(' ').next().unwrap_or("");
            tag.split('.').next().unwrap_or("").ends_with(&marker)
        })
    }
}

/// `miniapp run` with `args` (text output), which must succeed; its steps.
fn run(args: &[&str]) -> Vec<Step> {
    let out = miniapp(&[&["run"], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let mut steps: Vec<Step> = Vec::new();
    let mut in_view = false;
    for line in stdout(&out).lines() {
        if let Some(name) = line.strip_prefix("== ") {
            steps.push(Step {
                name: name.to_string(),
                pages: String::new(),
                view: Vec::new(),
            });
            in_view = false;
            continue;
        }
        let step = steps.last_mut().expect("a step heading first");
        if let Some(pages) = line.strip_prefix("   pages ") {
            step.pages = pages.to_string();
        } else if let Some(first) = line.strip_prefix("   view  ") {
            step.view.push(first.to_string());
            in_view = true;
        } else if in_view && line.starts_with("         ") {
            step.view.push(line["         ".len()..].to_string());
        } else {
            in_view = false;
        }
    }
    steps
}

/// `miniapp run` with `args` then a `--tap` for each of `taps`: its steps,
/// checked to be the launch then `taps` in order.
fn tap_through(args: &[&str], taps: &[&str]) -> Vec<Step> {
    let tap_args: Vec<&str> = taps.iter().flat_map(|t| ["--tap", *t]).collect();
    let steps = run(&[args, &tap_args].concat());
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let expected: Vec<String> = std::iter::once("launch".to_string())
        .chain(taps.iter().map(|t| format!("tap {t}")))
        .collect();
    assert_eq!(names, expected);
    steps
}

/// The `example` app in a fresh data directory, tapped through `taps`:
/// its steps (see [`tap_through`]).
fn play(example: &str, taps: &[&str]) -> Vec<Step> {
    let data = tempfile::tempdir().unwrap();
    let package = package(example);
    tap_through(
        &[&package, "--data-dir", data.path().to_str().unwrap()],
        taps,
    )
}

#[test]
fn chat_without_its_server_shows_the_error_and_a_retry_and_exits_0() {
    // No server, and loopback not allowed: the room's socket is refused at
    // launch, and again at the retry.
    let steps = play("chat", &["#retry"]);
    for step in &steps {
        assert_eq!(step.text("status"), "lobby: offline", "{}", step.name);
        let error = step.text("error");
        assert!(error.contains("--allow-address 127.0.0.1"), "{error}");
        assert!(step.has("retry"), "{}", step.name);
    }
}

#[test]
fn prefs_callbacks_run_after_their_tap_s_handler_and_a_missing_key_is_getstorage_s_fail() {
    let steps = play("prefs", &["#reload", "#dark", "#reload"]);
    assert_eq!(steps[0].text("theme"), "Theme: light");
    assert_eq!(steps[0].text("steps"), "Steps: ");
    assert_eq!(
        steps[1].text("error"),
        "failed: data not found: no key `theme`"
    );
    assert_eq!(steps[1].text("steps"), "Steps: handler, complete");
    assert_eq!(steps[2].text("theme"), "Theme: dark");
    assert_eq!(
        steps[2].text("steps"),
        "Steps: handler, complete, handler, stored"
    );
    assert!(!steps[3].has("error"), "read back: the error is gone");
    assert!(
        (steps[3].text("steps")).ends_with("handler, read dark, complete"),
        "{}",
        steps[3].text("steps")
    );
}

#[test]
fn game2048_moves_merge_score_and_restart_by_buttons() {
    let steps = play("game2048", &["#up", "#down", "#restart"]);
    let [launch, up, down, restart] = &steps[..] else {
        unreachable!()
    };
    // A new game: two tiles on a 4×4 grid of cells, nothing scored yet.
    let cells = |step: &Step| {
        step.element("board")
            .iter()
            .filter(|l| l.trim_start().starts_with("view.cell"))
            .count()
    };
    let tiles = |step: &Step| step.text("board");
    assert_eq!(cells(launch), 16);
    assert_eq!(tiles(launch), "22", "{:?}", launch.element("board"));
    assert_eq!(launch.text("score"), "0");
    assert_eq!(launch.text("moves"), "0");
    // Up slides the tiles and adds one; the board on screen changes.
    assert_ne!(up.element("board"), launch.element("board"));
    assert_eq!(up.text("moves"), "1");
    assert_eq!(tiles(up), "222");
    // Down merges two 2s into a 4: scored.
    assert_eq!(down.text("moves"), "2");
    assert_eq!(down.text("score"), "4");
    assert_eq!(down.text("best"), "4");
    assert!(tiles(down).contains('4'), "{:?}", down.element("board"));
    // New game: the first board again, the best score kept.
    assert_eq!(restart.element("board"), launch.element("board"));
    assert_eq!(restart.text("score"), "0");
    assert_eq!(restart.text("moves"), "0");
    assert_eq!(restart.text("best"), "4");
    assert!(!restart.has("over"));
}

#[test]
fn shop_buy_goes_to_checkout_and_a_pay_tap_to_the_paid_page() {
    let shop = package("shop");
    let data = tempfile::tempdir().unwrap();
    let args = [shop.as_str(), "--data-dir", data.path().to_str().unwrap()];
    let steps = tap_through(&args, &["#buy-cake", "#pay", "#back"]);
    let [launch, buy, pay, back] = &steps[..] else {
        unreachable!()
    };
    assert_eq!(launch.pages, "[index]");
    assert!(launch.has("buy-tea") && launch.has("buy-cake"));
    assert_eq!(launch.text("orders"), "0 orders paid");
    // Buy opens the checkout page for that product; nothing is paid yet.
    assert_eq!(buy.pages, "[index > checkout]");
    assert_eq!(buy.text("name"), "Moon cake");
    assert_eq!(buy.text("amount"), "¥35.00");
    assert_eq!(buy.text("pay"), "Pay ¥35.00");
    // The tap on Pay pays: the paid page replaces the checkout page.
    assert_eq!(pay.pages, "[index > paid]");
    assert_eq!(pay.text("order"), "Order order-1");
    assert!(
        pay.text("transaction")
            .starts_with("Transaction sim-order-1-"),
        "{}",
        pay.text("transaction")
    );
    // Back on the list, the order is counted; and it is kept.
    assert_eq!(back.pages, "[index]");
    assert_eq!(back.text("orders"), "1 order paid");
    let again = run(&args);
    assert_eq!(again[0].text("orders"), "1 order paid");
}

/// Serve a tiny news API on 127.0.0.1 (a thread, for the test's life);
/// returns its origin.
pub(crate) fn serve_news() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The rest of the head, up to the blank line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match path {
                "/headlines.json" => (
                    "200 OK",
                    serde_json::json!([
                        {"id": 1, "title": "Local news"},
                        {"id": 2, "title": "Weather"},
                        {"id": 3, "title": "Withdrawn"},
                    ])
                    .to_string(),
                ),
                "/articles/2.json" => (
                    "200 OK",
                    serde_json::json!({"id": 2, "title": "Weather", "body": "Sunny all week"})
                        .to_string(),
                ),
                _ => ("404 Not Found", String::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    origin
}

#[test]
fn news_opens_an_article_from_its_headline_and_shows_where_the_reader_is() {
    let origin = serve_news();
    let dir = tempfile::tempdir().unwrap();
    // The news app, declaring the local server as its origin.
    let package = crate::cli::news_declaring(&origin, dir.path());
    // The operator allows it, loopback included.
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[apps.\"demo.news\"]\npermissions = [\"http\", \"location\"]\norigins = [\"{origin}\"]\nallow_addresses = [\"127.0.0.1\"]\n"
        ),
    )
    .unwrap();
    let path = format!("index?api={origin}");
    let taps = ["#headline-2", "#back", "#locate", "#headline-3"];
    let data = dir.path().join("data");
    let args = [
        &package,
        "--data-dir",
        data.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--path",
        &path,
        "--grant",
        "user-location",
    ];
    let steps = tap_through(&args, &taps);
    let [launch, article, back, locate, missing] = &steps[..] else {
        unreachable!()
    };
    // The headlines, each a link to its article.
    assert_eq!(launch.text("headline-1"), "Local news");
    assert_eq!(launch.text("headline-2"), "Weather");
    assert!(!launch.has("error"), "{}", launch.view.join("\n"));
    // A headline opens its article page, which loads the article.
    assert_eq!(article.pages, "[index > article]");
    assert_eq!(article.text("title"), "Weather");
    assert_eq!(article.text("body"), "Sunny all week");
    // Back to the headlines.
    assert_eq!(back.pages, "[index]");
    assert_eq!(back.text("headline-1"), "Local news");
    // News near me: the reader's position, with their consent.
    assert!(
        locate
            .text("position")
            .starts_with("Near 31.2304, 121.4737"),
        "{}",
        locate.text("position")
    );
    // An article the server no longer has: the page says so.
    assert_eq!(missing.pages, "[index > article]");
    assert!(!missing.has("title"));
    assert_eq!(
        missing.text("error"),
        "Could not load the article: failed: HTTP status 404"
    );
}

#[test]
fn layout_measures_its_page_headless_in_a_completion() {
    // The query is answered after the tap, as its own callback: with
    // `--wait` (a hang guard; the run ends once nothing is pending).
    let data = tempfile::tempdir().unwrap();
    let package = package("layout");
    let dir = data.path().to_str().unwrap();
    let args = ["run", &package, "--data-dir", dir, "--tap", "#measure"];
    let out = miniapp(&[&args[..], &["--wait", "60000"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let completion = (text.lines())
        .find(|l| l.starts_with("== completion"))
        .unwrap_or_else(|| panic!("no completion step:\n{text}"));
    // The title first, a block the default phone's 375 wide and a line
    // high; the three items under it (compared as JSON: the app keeps the
    // host's key order, which is no part of the answer).
    let data: serde_json::Value = (completion.split_once("  data ").map(|(_, d)| d))
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_else(|| panic!("no data in {completion}"));
    let measured: serde_json::Value = (data["measured"].as_str())
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_else(|| panic!("no measured answer in {completion}"));
    let title = serde_json::json!({
        "id": "title", "dataset": {"kind": "heading"}, "left": 0.0, "top": 0.0,
        "right": 375.0, "bottom": 22.0, "width": 375.0, "height": 22.0
    });
    assert_eq!(measured[0][0], title, "{completion}");
    for n in 0..3 {
        let item = serde_json::json!({"dataset": {"n": n}, "width": 375.0, "height": 22.0});
        assert_eq!(measured[1][n], item, "{completion}");
    }
}

#[test]
fn animation_shows_where_its_steps_end_headless_and_a_new_export_replaces_them() {
    let steps = play("animation", &["#play", "#back"]);
    let [launch, played, back] = &steps[..] else {
        unreachable!()
    };
    // Nothing to play at launch (`ani` is `{}`): no attribute.
    assert_eq!(launch.element("box")[0], "  view#box.box");
    // Two steps: the second holds the first's changes too (as on WeChat);
    // the outline shows the state the last one leaves.
    let ends = |state: &str| format!("  view#box.box [animation={state:?}]");
    assert_eq!(
        played.element("box")[0],
        ends(
            "opacity:0.5;transform:rotate(45deg) scale(2, 2);transform-origin:50% 50% 0;\
             width:120px;background-color:#ff0000"
        )
    );
    assert_eq!(played.text("status"), "played");
    assert_eq!(
        back.element("box")[0],
        ends(
            "opacity:1;width:60px;background-color:#1aad19;\
             transform:rotate(0deg) scale(1, 1);transform-origin:50% 50% 0"
        )
    );
}

#[test]
fn a_bad_animation_is_refused_by_the_sdk_or_the_view_by_name() {
    let data = tempfile::tempdir().unwrap();
    let package = package("animation");
    let dir = data.path().to_str().unwrap();
    let nan = r#"index:broken={"nan":true}"#;
    let args = ["run", &package, "--data-dir", dir, "--event", nan];
    let out = miniapp(&[&args[..], &["--tap", "#broken"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // The SDK's export refuses a rotation by NaN: the app shows the error.
    let status = r#""status":"invalid argument: animation: rotate(NaN): not a finite number""#;
    assert!(text.contains(status), "{text}");
    // A hand-written export the view cannot play: the page, line and
    // attribute named; the app runs on.
    let refused = "view  not rendered: pages/index.wxml:2: attribute `animation` of `<view>`: \
                   step 1: spin: unknown animate type";
    assert!(text.contains(refused), "{text}");
}
