//! The `miniapp` binary, run for real.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

pub(crate) fn miniapp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args(args)
        .output()
        .expect("miniapp runs")
}

/// `miniapp fixture ARGS...` started, once it printed its first line
/// (where it listens): the child (its stdout drained from then on) and
/// that line.
pub(crate) fn fixture(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .arg("fixture")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("miniapp fixture starts");
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, line.trim().to_string())
}

/// `miniapp ARGS` run in `dir`.
pub(crate) fn miniapp_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("miniapp runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `output` must be of a command that exited with `code`, saying `says`
/// on stderr.
pub(crate) fn assert_exit(output: &Output, code: i32, says: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(err.contains(says), "no {says:?} in: {err}");
}

/// `output` must be of a command that succeeded; `what` names it in the
/// failure, with its stderr.
pub(crate) fn assert_ok(output: &Output, what: &str) {
    assert!(output.status.success(), "{what}: {}", stderr(output));
}

pub(crate) fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples")
}

/// `miniapp new my-counter` in `dir`, which must succeed: the new app's
/// path and what the command printed.
pub(crate) fn new_counter(dir: &Path) -> (PathBuf, String) {
    let out = miniapp_in(dir, &["new", "my-counter"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir.join("my-counter"), stdout(&out))
}

/// A one-page mini-program crate `name` in `dir` (app id `dev.NAME`) with
/// `lib` as its `src/lib.rs` and `page` as its `pages/index.wxml`: its path.
pub(crate) fn crate_with(dir: &Path, name: &str, lib: &str, page: &str) -> PathBuf {
    let app = dir.join(name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::create_dir_all(app.join("pages")).unwrap();
    let cargo = format!(
        "[package]\nname = \"{name}\"\nedition = \"2024\"\n[lib]\ncrate-type = [\"cdylib\"]\n[workspace]\n"
    );
    std::fs::write(app.join("Cargo.toml"), cargo).unwrap();
    let manifest =
        format!("id = \"dev.{name}\"\nname = \"B\"\nversion = \"1.0.0\"\npages = [\"index\"]\n");
    std::fs::write(app.join("miniapp.toml"), manifest).unwrap();
    std::fs::write(app.join("src/lib.rs"), lib).unwrap();
    std::fs::write(app.join("pages/index.wxml"), page).unwrap();
    app
}

/// Build an example with `miniapp build` and return its package path.
pub(crate) fn package(name: &str) -> String {
    static LOCK: OnceLock<std::sync::Mutex<()>> = OnceLock::new();
    let _guard = LOCK.get_or_init(Default::default).lock().unwrap();
    let dir = examples().join(name);
    let out = miniapp(&["build", dir.to_str().unwrap()]);
    assert!(out.status.success(), "build {name}: {}", stderr(&out));
    let path = stdout(&out).trim().to_string();
    assert!(
        path.ends_with(".miniapp") && Path::new(&path).is_file(),
        "{path}"
    );
    path
}

#[test]
fn run_prints_each_step_and_exits_0() {
    let greet = r#"index:greet={"name":"Ada"}"#;
    let out = run_fresh("hello", &["--event", "index:tap", "--event", greet]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("== launch"), "{text}");
    assert!(text.contains("hello launched on index (scene 0)"), "{text}");
    assert!(text.contains("== event index:greet"), "{text}");
    assert!(text.contains(r#""greeting":"Hello, Ada!""#), "{text}");
}

#[test]
fn run_json_prints_one_object_per_line() {
    let events = ["--event", "index:tap", "--event", "index:push"];
    let out = run_fresh("hello", &[&["--json"], &events[..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = (stdout(&out).lines())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let steps: Vec<_> = lines.iter().map(|l| l["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["launch", "event index:tap", "event index:push"]);
    assert_eq!(lines[1]["data"]["count"], 1);
    assert_eq!(lines[2]["pages"], serde_json::json!(["index", "detail"]));
    assert_eq!(lines[0]["logs"][0]["source"], "stdout");
}

#[test]
fn run_device_shows_the_app_on_that_phone_and_refuses_a_bad_one() {
    let read = ["--json", "--event", "index:device"];
    let default = last_data(&run_fresh("hello", &read))["system_info"].clone();
    assert_eq!(
        (
            default["windowWidth"].clone(),
            default["pixelRatio"].clone()
        ),
        (json!(375), json!(2.0))
    );
    let out = run_fresh("hello", &[&read[..], &["--device", "390x844@3"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let info = last_data(&out)["system_info"].clone();
    for (name, value) in [
        ("screenWidth", json!(390)),
        ("windowWidth", json!(390)),
        ("windowHeight", json!(844)),
        ("pixelRatio", json!(3.0)),
    ] {
        assert_eq!(info[name], value, "{name} in {info}");
    }
    let flat = last_data(&run_fresh(
        "hello",
        &[&read[..], &["--device", "414x896"]].concat(),
    ));
    assert_eq!(flat["system_info"]["pixelRatio"], 2.0, "{flat}");
    for (device, message) in [
        (
            "390by844",
            "--device `390by844`: expected WIDTHxHEIGHT[@RATIO] in CSS pixels",
        ),
        (
            "390x844@fast",
            "--device `390x844@fast`: expected WIDTHxHEIGHT[@RATIO]",
        ),
        (
            "0x844",
            "device fact `screenWidth` is 0; it must be 1 to 10000 CSS pixels",
        ),
        (
            "390x844@12",
            "device fact `pixelRatio` is 12; it must be 0.5 to 8",
        ),
    ] {
        let out = run_fresh("hello", &["--device", device]);
        assert_eq!(out.status.code(), Some(2), "{device}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{device}: {}", stderr(&out));
    }
}

#[test]
fn storage_persists_under_the_data_dir_between_runs() {
    let todo = Runs::of("todo");
    let first = todo.run(&["--event", r#"index:add={"title":"milk"}"#]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = todo.run(&["--json"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let launch: Value = serde_json::from_str(stdout(&second).lines().next().unwrap()).unwrap();
    assert_eq!(launch["data"]["todos"][0]["title"], "milk");
}

#[test]
fn consent_flags_answer_the_prompt_and_a_denial_sticks() {
    let shop = Runs::of("shop");
    let run = |flag: &str| {
        let out = shop.run(&["--json", flag, "user-info", "--event", "index:profile"]);
        assert!(out.status.success(), "{}", stderr(&out));
        last_line(&out)
    };
    let denied = run("--deny");
    assert_eq!(denied["data"]["profile_error"], "permission-denied");
    let still = run("--grant");
    assert_eq!(
        still["data"]["profile_error"], "permission-denied",
        "a denial is sticky"
    );
    // The user changes it in settings: the next prompt is answered again.
    let reset = miniapp(&[
        "consent",
        "demo.shop",
        "user-info",
        "reset",
        "--data-dir",
        shop.data(),
    ]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    let granted = run("--grant");
    assert_eq!(granted["data"]["nickname"], "Test User");
    let out = run_fresh(
        "shop",
        &["--json", "--grant", "user-info", "--event", "index:profile"],
    );
    assert_eq!(last_data(&out)["nickname"], "Test User");
}

#[test]
fn an_app_failure_exits_1_with_one_clear_line() {
    let out = run_fresh("hello", &["--event", "index:fail"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: app `demo.hello` failed in on-event index:fail: asked to fail"
    );
}

#[test]
fn a_panic_is_named_by_its_own_message_with_the_trap_below() {
    let crash = Runs::of("crash");
    // A tap on the page's button runs into the app's bug.
    let out = crash.run(&["--tap", "#tap", "--tap", "#crash"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    let headline = lines[0];
    // `panicked at FILE:LINE:COL: MESSAGE`, as the panic said it.
    let panic = headline
        .strip_prefix("error: app `demo.crash` trapped in on-event index:crash: panicked at ")
        .unwrap_or_else(|| panic!("{err}"));
    let (location, message) = panic.split_once(": ").unwrap();
    assert!(location.starts_with("crash/src/lib.rs:"), "{err}");
    assert_eq!(message, "the order list is empty after 0 taps");
    assert_eq!(
        lines[1],
        "  | wasm trap: wasm `unreachable` instruction executed"
    );
    // The app's stderr is still shown, under the step that failed.
    let text = stdout(&out);
    let failed = text
        .split("== tap #crash")
        .nth(1)
        .expect("the step's heading");
    assert!(failed.contains("the order list is empty"), "{text}");
    // A panic in a launch is named the same way; --json carries it too.
    let out = crash.run(&["--path", "index?panic=launch", "--json"]);
    assert_exit(
        &out,
        1,
        "trapped in on-launch: panicked at crash/src/lib.rs:",
    );
    let last = last_line(&out);
    assert_eq!(last["ok"], false);
    let error = last["error"].as_str().unwrap();
    assert!(
        error.contains(": asked to panic at launch (wasm trap: "),
        "{error}"
    );
}

/// The news app declaring `origin` (a local server) in its manifest, packed
/// under `dir`.
pub(crate) fn news_declaring(origin: &str, dir: &Path) -> String {
    declaring("news", origin, dir)
}

/// The example `name` declaring `origin` (a local server) in its manifest,
/// packed under `dir`.
pub(crate) fn declaring(name: &str, origin: &str, dir: &Path) -> String {
    let built = package(name);
    let app = miniapp_runtime::Package::read(Path::new(&built), &Default::default()).unwrap();
    let manifest = miniapp_runtime::Manifest {
        origins: vec![origin.to_string()],
        ..app.manifest.clone()
    };
    let local =
        miniapp_runtime::Package::new(manifest, app.component, app.assets, &Default::default())
            .unwrap();
    let path = dir.join(format!("{name}-{}.miniapp", local.hash));
    local.write(&path).unwrap();
    path.to_str().unwrap().to_string()
}

/// The page data after `miniapp run ARGS... --json` (the last step's).
pub(crate) fn last_data(out: &Output) -> Value {
    last_line(out)["data"].clone()
}

/// The last line `miniapp run ARGS... --json` printed, as JSON.
pub(crate) fn last_line(out: &Output) -> Value {
    let text = stdout(out);
    let last = text
        .lines()
        .last()
        .unwrap_or_else(|| panic!("{}", stderr(out)));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {last}"))
}

/// The steps `miniapp run ARGS... --json` printed (its lines with `ok`).
pub(crate) fn json_steps(out: &Output) -> Vec<Value> {
    (stdout(out).lines())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .filter(|l: &Value| l.get("ok").is_some())
        .collect()
}

/// `miniapp run` of the example `name` (built) in a fresh data directory,
/// with `args`.
pub(crate) fn run_fresh(name: &str, args: &[&str]) -> Output {
    Runs::of(name).run(args)
}

/// Runs of one example (built) that share a fresh data directory.
struct Runs {
    package: String,
    data: tempfile::TempDir,
}

impl Runs {
    fn of(name: &str) -> Runs {
        let data = tempfile::tempdir().unwrap();
        Runs {
            package: package(name),
            data,
        }
    }

    /// The data directory.
    fn data(&self) -> &str {
        self.data.path().to_str().unwrap()
    }

    /// `miniapp run PACKAGE --data-dir DATA` with `args`.
    fn run(&self, args: &[&str]) -> Output {
        miniapp(&[&["run", &self.package, "--data-dir", self.data()], args].concat())
    }
}

#[test]
fn allow_address_lets_an_app_call_a_local_backend_and_the_refusal_says_so() {
    let origin = crate::examples::serve_news();
    let port = origin.rsplit(':').next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    for (host, flag) in [("127.0.0.1", "127.0.0.1"), ("localhost", "localhost")] {
        let origin = format!("http://{host}:{port}");
        let news = news_declaring(&origin, dir.path());
        let path = format!("index?api={origin}");
        let run = |extra: &[&str]| {
            let args = [
                &["run", &news, "--json", "--data-dir", data, "--path", &path],
                extra,
            ];
            miniapp(&args.concat())
        };
        // Declared in the manifest, refused by the host: the refusal names
        // the flag, and the policy key for operators.
        let out = run(&[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let refused = last_data(&out);
        assert_eq!(refused["error_kind"], "permission-denied", "{refused}");
        let error = refused["error"].as_str().unwrap();
        assert!(error.contains("the operator has not allowed"), "{error}");
        assert!(
            error.contains(&format!("`--allow-address {flag}`")),
            "{error}"
        );
        assert!(error.contains("`allow_addresses` in the policy"), "{error}");
        // Allowed on the command line: the call goes through.
        let out = run(&["--allow-address", flag]);
        assert!(out.status.success(), "{}", stderr(&out));
        let reached = last_data(&out);
        assert_eq!(reached["headlines"][0]["title"], "Local news", "{reached}");
        assert_eq!(reached["error"], Value::Null, "{reached}");
    }
    let out = miniapp(&["run", "x.miniapp", "--allow-address", "my-laptop"]);
    assert_exit(
        &out,
        2,
        "--allow-address `my-laptop`: expected an IP address",
    );
}

#[test]
fn a_policy_says_at_start_which_of_the_manifests_requests_it_grants() {
    let origin = crate::examples::serve_news();
    let dir = tempfile::tempdir().unwrap();
    let news = news_declaring(&origin, dir.path());
    let data = dir.path().join("data");
    let path = format!("index?api={origin}");
    let run = |policy: &str, extra: &[&str]| {
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, policy).unwrap();
        let file = file.to_str().unwrap().to_string();
        let args = [
            &["run", &news, "--json", "--path", &path, "--policy", &file][..],
            &["--data-dir", data.to_str().unwrap()],
            extra,
        ];
        (miniapp(&args.concat()), file)
    };
    // The policy grants http, not location: it says so before anything runs.
    let grants_http =
        format!("[apps.\"demo.news\"]\npermissions = [\"http\"]\norigins = [\"{origin}\"]\n");
    let (out, file) = run(&grants_http, &["--allow-address", "127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().collect::<Vec<_>>(),
        [format!(
            "policy {file} grants app demo.news: http (origins {origin}), non-public addresses \
             127.0.0.1/32; the manifest's other requests (location) are not granted (with \
             --policy, only what the policy grants holds)"
        )]
    );
    assert_eq!(last_data(&out)["headlines"][0]["title"], "Local news");
    // Everything the manifest asks for.
    let everything = format!(
        "[apps.\"demo.news\"]\npermissions = [\"http\", \"location\"]\norigins = [\"{origin}\"]\n"
    );
    let (out, file) = run(&everything, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "policy {file} grants app demo.news: http (origins {origin}), location; that is all \
             its manifest requests"
        )
    );
    // Nothing: an origin the policy does not list is not granted either.
    let (out, file) = run(
        "[defaults]\norigins = [\"https://elsewhere.example\"]\n",
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "policy {file} grants app demo.news nothing; the manifest's requests (http, \
             location) are not granted (with --policy, only what the policy grants holds)"
        )
    );
    assert_eq!(last_data(&out)["error_kind"], "permission-denied");
}

#[test]
fn bad_input_exits_2_naming_what_is_wrong() {
    let hello = package("hello");
    let data = tempfile::tempdir().unwrap();
    let data = data.path().to_str().unwrap();
    let garbage = data.to_string() + "/garbage.miniapp";
    std::fs::write(&garbage, b"not a package").unwrap();
    let bad_policy = data.to_string() + "/policy.toml";
    std::fs::write(&bad_policy, "[defaults]\nteleport = true\n").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["run", &garbage, "--data-dir", data],
            "not a miniapp package",
        ),
        (
            &["run", &hello, "--data-dir", data, "--event", "tap"],
            "--event `tap`: expected PAGE:HANDLER[=JSON]",
        ),
        (
            &[
                "run",
                &hello,
                "--data-dir",
                data,
                "--event",
                "index:greet={oops",
            ],
            "the detail is not JSON",
        ),
        (
            &["run", &hello, "--data-dir", data, "--grant", "teleport"],
            "unknown scope `teleport`",
        ),
        (
            &["run", &hello, "--data-dir", data, "--policy", &bad_policy],
            "unknown field `teleport`",
        ),
    ];
    for (args, message) in cases {
        let out = miniapp(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn build_names_a_bad_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("broken");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("Cargo.toml"), "[package]\nname = \"broken\"\n").unwrap();
    std::fs::write(
        app.join("miniapp.toml"),
        "id = \"Broken App\"\nname = \"B\"\nversion = \"1.0.0\"\npages = [\"index\"]\n",
    )
    .unwrap();
    let out = miniapp(&["build", app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("miniapp.toml: manifest field `id` is invalid"),
        "{err}"
    );
}

#[test]
fn build_shows_compile_errors_line_by_line_with_controls_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate_with(
        dir.path(),
        "broken",
        "compile_error!(\"\\u{9b}2Jboom\");\n",
        "<view/>\n",
    );
    let out = miniapp(&["build", app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let mut lines = err.lines();
    // What it does, before cargo runs (for tens of seconds on a first build).
    assert_eq!(
        lines.next(),
        Some("miniapp: compiling broken for wasm32-wasip2 (cargo build --release) ..."),
        "{err}"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("error: cargo build failed for "),
        "{err}"
    );
    // cargo's diagnostics follow, one line each behind a prefix, with the
    // C1 escape the source makes rustc print shown, not sent to the
    // terminal.
    assert!(lines.all(|l| l.starts_with("  | ")), "{err}");
    assert!(!err.contains('\u{9b}'), "{err:?}");
    assert!(err.contains(r"error: \u{9b}2Jboom"), "{err}");
}

#[test]
fn inspect_shows_manifest_hash_and_imports() {
    let todo = package("todo");
    let out = miniapp(&["inspect", &todo, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["manifest"]["id"], "demo.todo");
    assert_eq!(
        report["manifest"]["permissions"],
        serde_json::json!(["storage"])
    );
    assert_eq!(report["hash"].as_str().unwrap().len(), 64);
    let imports: Vec<_> = report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        imports.contains(&"miniapp:host/storage@0.2.0"),
        "{imports:?}"
    );
}

/// Every file under `dir`, with its text (a binary one's bytes read as
/// text, so a path in it still shows).
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    files
}

#[test]
fn new_scaffolds_an_app_that_builds_and_runs_with_only_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap();
    let temp = dir.path().canonicalize().unwrap();
    assert!(
        !temp.starts_with(&checkout),
        "the app must be outside the checkout"
    );
    let new = |path: &str| miniapp_in(dir.path(), &["new", path]);
    let out = new("a/b/my-counter");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("created a/b/my-counter/ (app id dev.my-counter)"),
        "{}",
        stdout(&out)
    );
    let app = dir.path().join("a/b/my-counter");
    // Nothing written points back at the checkout this binary came from, or
    // at any absolute path: the SDK and the WIT are in the crate.
    let files = files_under(&app);
    for (path, text) in &files {
        for absolute in [checkout.to_str().unwrap(), temp.to_str().unwrap()] {
            assert!(
                !text.contains(absolute),
                "{} names {absolute}",
                path.display()
            );
        }
        assert!(!text.contains("path = \"/"), "{}", path.display());
        assert!(!text.contains("workspace = \"."), "{}", path.display());
    }
    for expected in [
        "Cargo.toml",
        "vendor/miniapp-sdk/Cargo.toml",
        "vendor/miniapp-sdk/src/lib.rs",
        "vendor/wit/miniapp.wit",
        "app.json",
        "pages/mine.wxml",
        "pages/mine.json",
    ] {
        assert!(
            files.iter().any(|(path, _)| path == &app.join(expected)),
            "no {expected}"
        );
    }
    // The tab bar's icons: png files within WeChat's 40 KB.
    for icon in ["home", "home-on", "mine", "mine-on"] {
        let png = std::fs::read(app.join(format!("assets/icons/{icon}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{icon}.png");
        assert!(png.len() <= 40 * 1024, "{icon}.png: {} bytes", png.len());
    }
    let cargo_toml = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    assert!(
        cargo_toml.contains(r#"miniapp-sdk = { path = "vendor/miniapp-sdk" }"#),
        "{cargo_toml}"
    );
    // Share the examples' target directory so the SDK's dependencies build once.
    let build = Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", examples().join("target"))
        .args(["build", "a/b/my-counter"])
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", stderr(&build));
    let package = stdout(&build).trim().to_string();
    let data = dir.path().join("data");
    let run = |steps: &[&str]| {
        let mut args = vec!["run", &package, "--json", "--data-dir"];
        args.push(data.to_str().unwrap());
        args.extend(steps);
        let run = miniapp(&args);
        assert!(run.status.success(), "{}", stderr(&run));
        run
    };
    let last = last_line(&run(&["--event", "index:tap", "--tap", "#tap"]));
    // Once straight to the app, once through its rendered page.
    assert_eq!(last["step"], "tap #tap");
    assert_eq!(last["data"]["count"], 2);
    assert!(
        last["html"].as_str().unwrap().contains(">2</span>"),
        "{last}"
    );
    assert_eq!(last["app"], "dev.my-counter");
    // Its `badge` component shows the count the page gives it, and its
    // Clear button's `clear` event reaches the page's `onClear`.
    assert!(
        last["html"].as_str().unwrap().contains("Taps: 2 (some)"),
        "{last}"
    );
    let cleared = last_line(&run(&["--tap", "#tap", "--tap", "#clear"]));
    assert_eq!(cleared["data"]["count"], 0, "{cleared}");
    assert!(
        cleared["html"].as_str().unwrap().contains("Taps: 0 (none)"),
        "{cleared}"
    );
    // The second tab, its own typed page and title; kept alive while the
    // first tab shows.
    let steps = json_steps(&run(&["--tab", "1", "--tab", "0", "--tab", "1"]));
    let shown: Vec<_> = steps
        .iter()
        .map(|s| {
            (
                s["step"].clone(),
                s["page"].clone(),
                s["window"]["navigationBarTitleText"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (json!("launch"), json!("index"), json!("my-counter")),
            (json!("tab 1"), json!("mine"), json!("Mine")),
            (json!("tab 0"), json!("index"), json!("my-counter")),
            (json!("tab 1"), json!("mine"), json!("Mine")),
        ]
    );
    let texts: Vec<_> = steps[0]["tab_bar"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["text"].clone(), t["iconPath"].clone()))
        .collect();
    assert_eq!(
        texts,
        [
            (json!("Home"), json!("icons/home.png")),
            (json!("Mine"), json!("icons/mine.png"))
        ]
    );
    assert_eq!(steps[1]["data"]["shows"], 1, "{}", steps[1]);
    assert_eq!(steps[3]["data"]["shows"], 2, "{}", steps[3]);
    assert!(
        steps[3]["html"]
            .as_str()
            .unwrap()
            .contains("Times shown: 2"),
        "{}",
        steps[3]
    );
    let again = new("a/b/my-counter");
    assert_exit(&again, 2, "already exists");
    let bad = new("a/b/My App");
    assert_exit(&bad, 2, "`My App` is not a crate name");
    assert!(!dir.path().join("a/b/My App").exists());
}

#[test]
fn a_new_apps_tests_pass_with_the_command_it_documents() {
    let dir = tempfile::tempdir().unwrap();
    let (app, said) = new_counter(dir.path());
    // Said where a user looks: after `miniapp new`, and in the app's source.
    let command = "cargo test --target host-tuple";
    assert!(
        said.contains(&format!("test:   cd my-counter && {command}\n")),
        "{said}"
    );
    let lib = std::fs::read_to_string(app.join("src/lib.rs")).unwrap();
    assert!(lib.contains(&format!("`{command}`")), "{lib}");
    // As the user runs it (sharing the examples' target directory, so the
    // SDK's dependencies build once); a plain `cargo test` builds test
    // binaries for wasm32-wasip2, which cannot run here.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let test = Command::new(cargo)
        .current_dir(&app)
        .args(command.split(' ').skip(1))
        .env("CARGO_TARGET_DIR", examples().join("target"))
        .output()
        .unwrap();
    assert!(test.status.success(), "{}", stderr(&test));
    assert!(
        stdout(&test).contains("test tests::an_unknown_handler_is_an_error ... ok"),
        "{}",
        stdout(&test)
    );
}

#[test]
fn precompile_fills_the_artifact_cache_once() {
    let dir = tempfile::tempdir().unwrap();
    let packages = dir.path().join("packages");
    std::fs::create_dir_all(&packages).unwrap();
    std::fs::copy(package("hello"), packages.join("hello.miniapp")).unwrap();
    std::fs::copy(package("todo"), packages.join("todo.miniapp")).unwrap();
    let data = dir.path().join("data");
    let precompile = || {
        miniapp(&[
            "precompile",
            packages.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ])
    };
    let first = precompile();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        stdout(&first).trim(),
        "2 compiled, 0 already cached, 0 failed"
    );
    let again = precompile();
    assert_eq!(
        stdout(&again).trim(),
        "0 compiled, 2 already cached, 0 failed"
    );
    // A run then loads from the cache without compiling.
    let run = miniapp(&[
        "run",
        packages.join("hello.miniapp").to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    std::fs::write(packages.join("broken.miniapp"), b"not a package").unwrap();
    let broken = precompile();
    assert_exit(&broken, 2, "broken.miniapp: not a miniapp package");
}

#[test]
fn render_prints_a_page_as_html_and_names_a_bad_template() {
    let todo = package("todo");
    let data = r#"{"todos":[{"id":1,"title":"<milk>","done":true}],"left":0}"#;
    let out = miniapp(&["render", &todo, "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = stdout(&out);
    assert!(
        html.starts_with("<div data-nid=\"1\" data-mp=\"view\" class=\"todo\">"),
        "{html}"
    );
    assert!(
        html.contains("class=\"item done\"") && html.contains("&lt;milk&gt;"),
        "{html}"
    );
    // Without data, the app launches and its own data is rendered.
    let dir = tempfile::tempdir().unwrap();
    let out = miniapp(&["render", &todo, "--data-dir", dir.path().to_str().unwrap()]);
    assert!(stdout(&out).contains("Nothing to do"), "{}", stderr(&out));
    // With its stylesheet, compiled: 750 rpx is the screen's width.
    let out = miniapp(&["render", &todo, "--data", data, "--style"]);
    let styled = stdout(&out);
    assert!(
        styled.starts_with("<style>.todo{padding:3.2vw}") && styled.contains("</style>\n<div"),
        "{styled}"
    );
    // The todo package with one file replaced, rendered.
    let render_with = |file: &str, text: &[u8]| {
        let package =
            miniapp_runtime::Package::read(Path::new(&todo), &Default::default()).unwrap();
        let mut assets = package.assets.clone();
        assets.insert(file.into(), text.to_vec());
        let bad = miniapp_runtime::Package::new(
            package.manifest.clone(),
            package.component.clone(),
            assets,
            &Default::default(),
        )
        .unwrap();
        let path = dir.path().join("bad.miniapp");
        bad.write(&path).unwrap();
        miniapp(&["render", path.to_str().unwrap(), "--data", "{}"])
    };
    // A stylesheet reaching outside the package is refused at load: exit 2.
    let out = render_with(
        "pages/index.wxss",
        b".todo {\n  background: url(https://evil.example/pixel.png) }",
    );
    assert_exit(
        &out,
        2,
        "pages/index.wxss:2:15: url(`https://evil.example/pixel.png`)",
    );
    // A package whose template does not parse is refused at load: exit 2.
    let out = render_with(
        "pages/index.wxml",
        b"<view>\n<view wx:iff=\"{{a}}\"/></view>",
    );
    assert_exit(&out, 2, "pages/index.wxml:2:7: invalid attribute prefix");
}

#[test]
fn run_taps_and_types_through_the_rendered_view() {
    let todo = Runs::of("todo");
    let out = todo.run(&["--json", "--input", "#new=milk", "--tap", ".item"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_steps(&out);
    let steps: Vec<&str> = lines.iter().map(|l| l["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["launch", "input #new", "tap .item"]);
    assert!(lines[0]["html"].as_str().unwrap().contains("Nothing to do"));
    assert_eq!(
        lines[0]["ops"],
        Value::Null,
        "the first render is painted whole"
    );
    assert_eq!(lines[2]["data"]["todos"][0]["done"], true);
    let ops = lines[2]["ops"].as_array().unwrap();
    assert!(
        ops.iter()
            .any(|op| op["op"] == "set-attr" && op["value"] == "item done"),
        "{ops:?}"
    );
    // A selector that matches nothing is bad input, named.
    let out = todo.run(&["--tap", "#nope"]);
    assert_exit(&out, 2, "`#nope`: no element on the page matches");
}

#[test]
fn run_fills_a_form_submits_it_and_follows_a_navigator() {
    let taps = ["--tap", "#greet", "--tap", "#detail", "--tap", "#up"];
    let out = run_fresh(
        "hello",
        &[&["--json", "--input", "#name=Ada"], &taps[..]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_steps(&out);
    // The typed name reaches the app in the form's submit.
    assert_eq!(lines[2]["data"]["greeting"], "Hello, Ada!", "{lines:?}");
    // The navigator opens the detail page: loaded with its query, painted whole.
    assert!(lines[3]["html"].as_str().unwrap().contains("Detail page 0"));
    assert_eq!(lines[3]["ops"], Value::Null);
    // And its navigateBack returns to the first page.
    assert!(lines[4]["html"].as_str().unwrap().contains("Greet"));
}
