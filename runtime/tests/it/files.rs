//! Files with a real guest (`guest-examples/files`: `index:download`,
//! `read`, `upload`, `remove`) against a loopback fixture: a download read
//! back from the app's temp area and uploaded to the fixture, which checks
//! the bytes; a download over the app's `temp_bytes` refused by name with
//! nothing left on disk; paths the host did not give this instance (`..`,
//! absolute, another app's, another instance's) refused; an instance's
//! files gone with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miniapp_runtime::{
    AppInstance, LaunchOptions, Manifest, Package, Policy, Providers, QuotaOverrides, Runtime,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};

use crate::common::{assert_refused, example, repacked, runtime};
use crate::http::allowed_and_granted;
use crate::pending::{deliver_until, dispatch};

/// What the fixture serves at `/photo`.
const PHOTO: &[u8] = b"\x89PNG not really, but bytes the upload must carry back";

/// One upload the fixture received: its form fields, and the file part's
/// field name and bytes.
#[derive(Debug, Default, PartialEq)]
struct Received {
    fields: Vec<(String, String)>,
    file: Option<(String, Vec<u8>)>,
}

/// A loopback HTTP server: `GET /photo` answers [`PHOTO`], `GET /bytes/N`
/// N bytes, `GET /half/N` N bytes of which the second half only once the
/// test [releases](Fixture::release) it, `POST /upload` reads a
/// `multipart/form-data` body, reports it and answers `got N bytes`;
/// `/hold` reads what comes and never answers.
pub(crate) struct Fixture {
    pub origin: String,
    uploads: mpsc::UnboundedReceiver<Received>,
    second_half: Arc<Notify>,
}

impl Fixture {
    pub async fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (report, uploads) = mpsc::unbounded_channel();
        let second_half = Arc::new(Notify::new());
        let gate = second_half.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(socket, report.clone(), gate.clone()));
            }
        });
        Fixture {
            origin,
            uploads,
            second_half,
        }
    }

    /// Let a `/half/` response send its second half.
    fn release(&self) {
        self.second_half.notify_one();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

async fn answer(mut socket: TcpStream, report: mpsc::UnboundedSender<Received>, gate: Arc<Notify>) {
    let Some((head, body)) = request(&mut socket).await else {
        return;
    };
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    if path == "/hold" {
        // Read until the client goes: it ends the request, not the fixture.
        let mut rest = [0u8; 1024];
        while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
        return;
    }
    if let Some(n) = path.strip_prefix("/half/") {
        let n: usize = n.parse().unwrap();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n");
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(&vec![b'h'; n / 2]).await;
        gate.notified().await;
        let _ = socket.write_all(&vec![b'h'; n - n / 2]).await;
        return;
    }
    let body: Vec<u8> = if path == "/photo" {
        PHOTO.to_vec()
    } else if let Some(n) = path.strip_prefix("/bytes/") {
        vec![b'x'; n.parse().unwrap()]
    } else if path == "/upload" {
        let received = multipart(&head, &body);
        let n = received.file.as_ref().map_or(0, |f| f.1.len());
        let _ = report.send(received);
        format!("got {n} bytes").into_bytes()
    } else {
        Vec::new()
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&body).await;
}

/// The head of the request on `socket` (as text) and its body (by its
/// `content-length`).
async fn request(socket: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let length: usize = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
    while bytes.len() < end + length {
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    }
    Some((head, bytes[end..end + length].to_vec()))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The parts of a `multipart/form-data` body, by the boundary its head names.
fn multipart(head: &str, body: &[u8]) -> Received {
    let kind = header(head, "content-type").unwrap_or_default();
    let boundary = kind.split_once("boundary=").map(|(_, b)| b).unwrap();
    let delimiter = format!("--{boundary}");
    let mut received = Received::default();
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(at) = part.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue; // the closing `--`
        };
        let part_head = String::from_utf8_lossy(&part[..at]).into_owned();
        let content = part[at + 4..].strip_suffix(b"\r\n").unwrap().to_vec();
        let name = (part_head.split("name=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        match part_head.contains("filename=") {
            true => received.file = Some((name, content)),
            false => (received.fields).push((name, String::from_utf8(content).unwrap())),
        }
    }
    received
}

fn split<'a>(bytes: &'a [u8], by: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(by.len()).position(|w| w == by) {
        parts.push(&rest[..at]);
        rest = &rest[at + by.len()..];
    }
    parts.push(rest);
    parts
}

/// `package` as app `id`, declaring only `origin`.
pub(crate) fn reaching(package: &Package, id: &str, origin: &str) -> Package {
    let manifest = Manifest {
        id: id.to_string(),
        origins: vec![origin.to_string()],
        ..package.manifest.clone()
    };
    repacked(package, manifest, package.assets.clone())
}

/// The files example as app `id`, declaring the fixture's origin.
fn files_app(fixture: &Fixture, id: &str) -> Package {
    reaching(&example("files"), id, &fixture.origin)
}

/// A runtime over `dir` where `packages` reach the fixture, under `quotas`.
fn runtime_for(dir: &Path, packages: &[&Package], quotas: QuotaOverrides) -> Runtime {
    let mut policy: Policy = allowed_and_granted(packages[0]);
    for package in &packages[1..] {
        policy.grant_declared(&package.manifest);
    }
    policy.defaults.quotas = quotas;
    runtime(dir, policy, Providers::default())
}

async fn launch(rt: &Runtime, package: &Package) -> AppInstance {
    let app = rt.load(package.clone()).unwrap();
    app.launch(LaunchOptions::default()).await.unwrap()
}

/// `demo.files` (the files example) reaching a new fixture, launched in a
/// runtime over a fresh data directory under `quotas`.
struct Launched {
    fixture: Fixture,
    dir: tempfile::TempDir,
    rt: Runtime,
    package: Package,
    inst: AppInstance,
}

async fn launched(quotas: QuotaOverrides) -> Launched {
    let fixture = Fixture::start().await;
    let package = files_app(&fixture, "demo.files");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime_for(dir.path(), &[&package], quotas);
    let inst = launch(&rt, &package).await;
    Launched {
        fixture,
        dir,
        rt,
        package,
        inst,
    }
}

/// The files in app `id`'s temp area under data directory `dir`.
pub(crate) fn on_disk(dir: &Path, id: &str) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("tmp").join(id)) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Download `url` in the app and deliver until it has its file or an error.
async fn download(inst: &mut AppInstance, url: &str) {
    dispatch(inst, "index", "download", json!({ "url": url })).await;
    deliver_until(inst, |data| data["path"] != "" || data["error"] != "").await;
}

fn path(inst: &AppInstance) -> String {
    inst.page_data()["path"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_download_is_read_back_uploaded_with_its_bytes_and_removed() {
    let Launched {
        mut fixture,
        dir,
        mut inst,
        ..
    } = launched(QuotaOverrides::default()).await;
    download(&mut inst, &fixture.url("/photo")).await;
    let data = inst.page_data().clone();
    assert_eq!(data["status"], 200, "{data}");
    let path = path(&inst);
    let name = path
        .strip_prefix("wxfile://tmp/")
        .expect("a host-given name");
    assert!(
        name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{path}"
    );
    let stored = on_disk(dir.path(), "demo.files");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        std::fs::read(&stored[0]).unwrap(),
        PHOTO,
        "streamed into the area"
    );

    dispatch(&mut inst, "index", "read", json!({})).await;
    let read = inst.page_data()["read"].as_str().unwrap().to_string();
    assert_eq!(read.as_bytes(), String::from_utf8_lossy(PHOTO).as_bytes());

    let upload = json!({ "url": fixture.url("/upload") });
    dispatch(&mut inst, "index", "upload", upload).await;
    deliver_until(&mut inst, |data| {
        data["uploaded"] != 0 || data["error"] != ""
    })
    .await;
    let data = inst.page_data().clone();
    assert_eq!(data["uploaded"], 200, "{data}");
    assert_eq!(data["reply"], format!("got {} bytes", PHOTO.len()));
    let received = fixture.uploads.recv().await.unwrap();
    assert_eq!(
        received,
        Received {
            fields: vec![("order".into(), "42".into())],
            file: Some(("photo".into(), PHOTO.to_vec())),
        }
    );

    dispatch(&mut inst, "index", "remove", json!({})).await;
    assert_eq!(inst.page_data()["removed"], true);
    assert!(on_disk(dir.path(), "demo.files").is_empty());
    dispatch(&mut inst, "index", "read", json!({})).await;
    assert_refused(
        inst.page_data(),
        "invalid-argument",
        "not a temp file of this app",
    );
}

#[tokio::test]
async fn a_download_over_the_apps_temp_bytes_is_refused_by_name_and_leaves_nothing() {
    let quotas = QuotaOverrides {
        temp_bytes: Some(1_000),
        ..QuotaOverrides::default()
    };
    let Launched {
        fixture,
        dir,
        rt,
        package,
        mut inst,
    } = launched(quotas).await;
    download(&mut inst, &fixture.url("/bytes/600")).await;
    assert_eq!(inst.page_data()["status"], 200);
    // The app's figures count every load of it in the runtime.
    let usage = rt.load(package.clone()).unwrap().usage().unwrap();
    assert_eq!((usage.temp_bytes, usage.temp_files), (600, 1));
    // Another instance of the app shares the app's budget.
    let mut other = launch(&rt, &package).await;
    download(&mut other, &fixture.url("/bytes/600")).await;
    assert_refused(other.page_data(), "quota-exceeded", "quota `temp_bytes`");
    assert_eq!(other.page_data()["path"], "");
    let stored = on_disk(dir.path(), "demo.files");
    assert_eq!(
        stored.len(),
        1,
        "only the first download is kept: {stored:?}"
    );
    assert_eq!(std::fs::metadata(&stored[0]).unwrap().len(), 600);
}

#[tokio::test]
async fn paths_the_host_did_not_give_this_instance_are_refused() {
    let fixture = Fixture::start().await;
    let mine = files_app(&fixture, "demo.files");
    let theirs = files_app(&fixture, "demo.other");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime_for(dir.path(), &[&mine, &theirs], QuotaOverrides::default());
    let mut other_app = launch(&rt, &theirs).await;
    download(&mut other_app, &fixture.url("/photo")).await;
    let their_path = path(&other_app);
    let mut inst = launch(&rt, &mine).await;
    let secret = dir.path().join("storage.redb").display().to_string();
    for bad in [
        "wxfile://tmp/../../storage.redb",
        secret.as_str(),
        "../demo.other",
    ] {
        dispatch(&mut inst, "index", "read", json!({ "path": bad })).await;
        assert_refused(
            inst.page_data(),
            "invalid-argument",
            "is not a temp file path",
        );
    }
    for (handler, name) in [("read", "read"), ("remove", "remove")] {
        dispatch(&mut inst, "index", handler, json!({ "path": their_path })).await;
        assert_refused(
            inst.page_data(),
            "invalid-argument",
            "not a temp file of this app",
        );
        assert_eq!(on_disk(dir.path(), "demo.other").len(), 1, "{name}");
    }
    // Another instance of the same app is refused too.
    let mut sibling = launch(&rt, &theirs).await;
    dispatch(&mut sibling, "index", "read", json!({ "path": their_path })).await;
    assert_refused(
        sibling.page_data(),
        "invalid-argument",
        "not a temp file of this app",
    );
    dispatch(&mut other_app, "index", "read", json!({})).await;
    assert_eq!(
        other_app.page_data()["error"],
        "",
        "its own instance reads it"
    );
}

#[tokio::test]
async fn an_instances_files_go_with_it() {
    let Launched {
        fixture,
        dir,
        mut inst,
        ..
    } = launched(QuotaOverrides::default()).await;
    download(&mut inst, &fixture.url("/photo")).await;
    assert_eq!(on_disk(dir.path(), "demo.files").len(), 1);
    drop(inst);
    assert!(on_disk(dir.path(), "demo.files").is_empty());
}

#[tokio::test]
async fn a_download_from_an_origin_not_declared_is_refused_at_once() {
    let Launched { dir, mut inst, .. } = launched(QuotaOverrides::default()).await;
    let elsewhere = Fixture::start().await;
    let url = elsewhere.url("/photo");
    dispatch(&mut inst, "index", "download", json!({ "url": url })).await;
    assert_refused(
        inst.page_data(),
        "permission-denied",
        "is not allowed for app `demo.files`",
    );
    assert!(on_disk(dir.path(), "demo.files").is_empty());
}

#[tokio::test]
async fn a_transfer_s_progress_is_shown_while_it_moves() {
    let Launched {
        fixture, mut inst, ..
    } = launched(QuotaOverrides::default()).await;
    let download = json!({ "url": fixture.url("/half/200000"), "ms": 5 });
    dispatch(&mut inst, "index", "download", download).await;
    // The fixture holds the second half: the progress stops at the first.
    deliver_until(&mut inst, |data| data["progress"]["received"] == 100_000).await;
    let progress = inst.page_data()["progress"].clone();
    assert_eq!(
        progress,
        json!({ "sent": 0, "to_send": 0, "received": 100_000, "to_receive": 200_000 })
    );
    fixture.release();
    deliver_until(&mut inst, |data| data["path"] != "").await;
    assert_eq!(inst.page_data()["error"], "", "{}", inst.page_data());

    // Sent to a server that reads it all and never answers.
    let upload = json!({ "url": fixture.url("/hold"), "ms": 5 });
    dispatch(&mut inst, "index", "upload", upload).await;
    let all_sent = |data: &serde_json::Value| {
        let p = &data["progress"];
        p["to_send"].as_u64().unwrap() > 200_000 && p["sent"] == p["to_send"]
    };
    deliver_until(&mut inst, all_sent).await;
    assert_eq!(inst.page_data()["progress"]["received"], 0);
}

#[tokio::test]
async fn wechat_s_callbacks_report_a_download_and_a_refusal() {
    let Launched {
        fixture, mut inst, ..
    } = launched(QuotaOverrides::default()).await;
    let url = fixture.url("/photo");
    dispatch(
        &mut inst,
        "index",
        "download-callbacks",
        json!({ "url": url }),
    )
    .await;
    deliver_until(&mut inst, |data| data["completed"] == true).await;
    let data = inst.page_data().clone();
    assert_eq!(
        (&data["status"], &data["error"]),
        (&json!(200), &json!("")),
        "{data}"
    );
    assert!(data["path"].as_str().unwrap().starts_with("wxfile://tmp/"));

    // Refused at once: `fail`, then `complete`, right after the handler.
    let elsewhere = json!({ "url": "https://elsewhere.example/x" });
    dispatch(&mut inst, "index", "download-callbacks", elsewhere).await;
    assert_refused(inst.page_data(), "permission-denied", "is not allowed");
    assert_eq!(inst.page_data()["completed"], true);
}

#[tokio::test]
async fn an_upload_s_file_and_the_form_built_from_it_are_charged_to_host_memory() {
    let launched_with = |quotas| async move {
        let mut launched = launched(quotas).await;
        let url = launched.fixture.url("/bytes/100000");
        download(&mut launched.inst, &url).await;
        assert_eq!(launched.inst.page_data()["status"], 200);
        launched
    };
    let roomy = launched_with(QuotaOverrides::default()).await;
    let (downloaded, _) = roomy.inst.host_memory();
    // Room for the form the request holds, not for the file read beside it.
    let quotas = QuotaOverrides {
        host_memory_bytes: Some(downloaded + 150_000),
        ..QuotaOverrides::default()
    };
    let Launched {
        fixture,
        dir: _dir,
        mut inst,
        ..
    } = launched_with(quotas).await;
    let upload = json!({ "url": fixture.url("/upload") });
    dispatch(&mut inst, "index", "upload", upload).await;
    assert_refused(
        inst.page_data(),
        "quota-exceeded",
        "an upload's file and its form needs 200000 bytes",
    );
    assert_eq!(inst.page_data()["uploaded"], 0, "nothing was sent");
}

#[cfg(target_os = "linux")]
/// A [`Fixture`] on a thread and runtime of its own, so the bytes it
/// sends and reads are not this thread's; its origin.
fn fixture_on_its_own_thread() -> String {
    let (origin, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tokio.block_on(async {
            let fixture = Fixture::start().await;
            origin.send(fixture.origin.clone()).unwrap();
            std::future::pending::<()>().await
        })
    });
    started.recv().unwrap()
}

/// This thread's count of bytes passed to `read` or `write` calls so far
/// (`field` `rchar` or `wchar` of Linux's per-thread I/O counters).
#[cfg(target_os = "linux")]
pub(crate) fn this_threads_io(field: &str) -> u64 {
    let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
    (io.lines())
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(": "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {io}"))
}

#[cfg(target_os = "linux")]
/// `demo.files` under `quotas` reaching a fixture on its own thread,
/// launched on this one (a current-thread runtime: the instance's host
/// work runs here too).
async fn launched_beside_its_fixture(
    quotas: QuotaOverrides,
) -> (String, tempfile::TempDir, Runtime, AppInstance) {
    let origin = fixture_on_its_own_thread();
    let package = reaching(&example("files"), "demo.files", &origin);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime_for(dir.path(), &[&package], quotas);
    let inst = launch(&rt, &package).await;
    (origin, dir, rt, inst)
}

/// Bytes of the big file below: under `http_response_bytes` (4 MiB), its
/// upload's file and form (twice it) over `host_memory_bytes` (4 MiB).
#[cfg(target_os = "linux")]
const BIG: u64 = 3_000_000;

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_downloads_bytes_are_written_to_disk_off_the_async_worker() {
    let (origin, dir, _rt, mut inst) = launched_beside_its_fixture(QuotaOverrides::default()).await;
    let written = this_threads_io("wchar");
    download(&mut inst, &format!("{origin}/bytes/{BIG}")).await;
    let written = this_threads_io("wchar") - written;
    assert_eq!(inst.page_data()["status"], 200, "{}", inst.page_data());
    let stored = on_disk(dir.path(), "demo.files");
    assert_eq!(std::fs::metadata(&stored[0]).unwrap().len(), BIG);
    // The file's 3,000,000 bytes went to disk from the blocking pool: this
    // thread (the instance's async worker) wrote only its own few.
    assert!(
        written < BIG / 10,
        "the async worker wrote {written} bytes during the download"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_upload_over_the_host_memory_budget_is_refused_before_its_file_is_read() {
    let (origin, _dir, _rt, mut inst) =
        launched_beside_its_fixture(QuotaOverrides::default()).await;
    download(&mut inst, &format!("{origin}/bytes/{BIG}")).await;
    assert_eq!(inst.page_data()["status"], 200, "{}", inst.page_data());
    let read = this_threads_io("rchar");
    let upload = json!({ "url": format!("{origin}/upload") });
    dispatch(&mut inst, "index", "upload", upload).await;
    let read = this_threads_io("rchar") - read;
    assert_refused(
        inst.page_data(),
        "quota-exceeded",
        "an upload's file and its form needs 6000000 bytes",
    );
    assert!(
        read < BIG / 10,
        "{read} bytes were read for an upload refused by its size"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_read_over_the_host_memory_budget_is_refused_before_its_file_is_read() {
    let quotas = QuotaOverrides {
        host_memory_bytes: Some(BIG / 2),
        ..QuotaOverrides::default()
    };
    let (origin, _dir, _rt, mut inst) = launched_beside_its_fixture(quotas).await;
    download(&mut inst, &format!("{origin}/bytes/{BIG}")).await;
    assert_eq!(inst.page_data()["status"], 200, "{}", inst.page_data());
    let read = this_threads_io("rchar");
    dispatch(&mut inst, "index", "read", json!({})).await;
    let read = this_threads_io("rchar") - read;
    assert_refused(
        inst.page_data(),
        "quota-exceeded",
        "a temp file read needs 3000000 bytes",
    );
    assert!(read < BIG / 10, "{read} bytes were read for a refused read");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_temp_file_is_read_and_uploaded_off_the_async_worker() {
    // Host memory for the upload's file and form (twice the file).
    let quotas = QuotaOverrides {
        host_memory_bytes: Some(16 << 20),
        ..QuotaOverrides::default()
    };
    let (origin, _dir, _rt, mut inst) = launched_beside_its_fixture(quotas).await;
    // 1,000,000 bytes: what the page may show of it, read back whole.
    const SIZE: u64 = 1_000_000;
    download(&mut inst, &format!("{origin}/bytes/{SIZE}")).await;
    assert_eq!(inst.page_data()["status"], 200, "{}", inst.page_data());
    let read = this_threads_io("rchar");
    dispatch(&mut inst, "index", "read", json!({})).await;
    let upload = json!({ "url": format!("{origin}/upload") });
    dispatch(&mut inst, "index", "upload", upload).await;
    let read = this_threads_io("rchar") - read;
    let shown = inst.page_data()["read"].as_str().map(str::len);
    assert_eq!(shown, Some(SIZE as usize), "{}", inst.page_data()["error"]);
    deliver_until(&mut inst, |data| {
        data["uploaded"] != 0 || data["error"] != ""
    })
    .await;
    assert_eq!(inst.page_data()["reply"], format!("got {SIZE} bytes"));
    // Both reads of the file ran on the blocking pool: this thread (the
    // instance's async worker) read only its own few bytes.
    assert!(
        read < SIZE / 10,
        "the async worker read {read} bytes to read and upload the file"
    );
}
