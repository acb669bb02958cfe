//! `app.json`'s app-wide keys with a real guest (`guest-examples/device-apis`
//! repacked with an app.json): `permission`'s `desc` is the reason the
//! consent prompt shows (a scope also in the manifest's `[scopes]` is
//! refused at load); `requiredPrivateInfos` refuses a location API it
//! does not declare; `networkTimeout` is the default timeout of a request
//! (news), a download (files) and a socket's handshake (chat) against a
//! loopback server that never answers, within the operator's bound.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use miniapp_runtime::providers::{
    ConsentProvider, ConsentRequest, DeviceAct, DeviceAnswer, FixedConsent, Place, ScriptedDevice,
};
use miniapp_runtime::{Event, LaunchOptions, Providers, Scope};

use crate::common::{example, granting, repacked, runtime};

/// Grants every scope and keeps each prompt it was shown.
#[derive(Default, Clone)]
struct Prompts(Arc<Mutex<Vec<(Scope, String)>>>);

#[async_trait]
impl ConsentProvider for Prompts {
    async fn ask(&self, request: &ConsentRequest) -> bool {
        let prompt = (request.scope, request.reason.clone());
        self.0.lock().unwrap().push(prompt);
        true
    }
}

/// device-apis with `app_json` as its app.json and its manifest's
/// `user-location` scope taken out when `keep_toml_scope` is false.
fn device_apis_with(app_json: &str, keep_toml_scope: bool) -> miniapp_runtime::Package {
    let package = example("device-apis");
    let mut manifest = package.manifest.clone();
    if !keep_toml_scope {
        manifest.scopes.remove(&Scope::UserLocation);
    }
    let mut assets = package.assets.clone();
    assets.insert("app.json".into(), app_json.as_bytes().to_vec());
    repacked(&package, manifest, assets)
}

const APP_JSON: &str =
    r#"{"permission": {"scope.userLocation": {"desc": "Find the lockers near you"}}}"#;

#[tokio::test]
async fn the_consent_prompt_shows_app_json_s_desc() {
    let package = device_apis_with(APP_JSON, false);
    let policy = granting(&package);
    let dir = tempfile::tempdir().unwrap();
    let prompts = Prompts::default();
    let providers = Providers {
        consent: Arc::new(prompts.clone()),
        ..Providers::default()
    };
    let app = (runtime(dir.path(), policy, providers).load(package)).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    inst.dispatch(&Event::tap("index", "locate")).await.unwrap();
    assert_eq!(inst.page_data()["located"], true);
    let shown = prompts.0.lock().unwrap().clone();
    assert_eq!(
        shown,
        [(Scope::UserLocation, "Find the lockers near you".into())]
    );
}

#[tokio::test]
async fn a_scope_in_both_app_json_and_the_manifest_is_refused_at_load() {
    let package = device_apis_with(APP_JSON, true);
    let policy = granting(&package);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), policy, Providers::default());
    let err = rt.load(package).err().expect("refused").to_string();
    assert!(
        err.contains(
            "app.json:1:17: `scope.userLocation` is declared here and as `user-location` \
             in miniapp.toml's [scopes]: keep one"
        ),
        "{err}"
    );
}

/// Longest a test waits for a completion (a hang guard: the scripted
/// device answers at once).
const HANG: std::time::Duration = std::time::Duration::from_secs(60);

/// The place the user chooses, and the page's `place` once the tap on
/// "choose-place" has run (its completion delivered if it started).
async fn chosen_place(app_json: &str) -> (serde_json::Value, Vec<DeviceAct>) {
    let package = device_apis_with(app_json, true);
    let place = Place {
        name: "The shop".into(),
        address: "1 Nanjing Road".into(),
        latitude: 31.2304,
        longitude: 121.4737,
    };
    let device = ScriptedDevice::answering([DeviceAnswer::Place(Some(place))]);
    let providers = Providers {
        device: Arc::new(device.clone()),
        consent: Arc::new(FixedConsent::granting([Scope::UserLocation])),
        ..Providers::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&package), providers);
    let app = rt.load(package).unwrap();
    let mut inst = app.launch(LaunchOptions::default()).await.unwrap();
    inst.dispatch(&Event::tap("index", "choose-place"))
        .await
        .unwrap();
    if inst.page_data()["place"].is_null() {
        let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
        assert!(waited.is_ok(), "nothing came: {}", inst.page_data());
        inst.complete_next().await.expect("due").unwrap();
    }
    (inst.page_data()["place"].clone(), device.take_acts())
}

#[tokio::test]
async fn a_location_api_not_in_required_private_infos_is_refused_naming_the_key() {
    let (place, acts) = chosen_place(r#"{"requiredPrivateInfos": ["chooseAddress"]}"#).await;
    let place = place.as_str().unwrap_or_default().to_string();
    assert!(
        place.contains("`chooseLocation` must be declared in app.json's `requiredPrivateInfos`"),
        "{place}"
    );
    assert_eq!(acts, [], "the map never opened");
    // An app.json without the key declares none.
    let (place, _) = chosen_place("{}").await;
    assert!(
        place
            .as_str()
            .unwrap_or_default()
            .contains("requiredPrivateInfos"),
        "{place}"
    );
    // Declared, it is called.
    let (place, acts) = chosen_place(r#"{"requiredPrivateInfos": ["chooseLocation"]}"#).await;
    assert_eq!(place["name"], "The shop");
    assert_eq!(acts, [DeviceAct::ChooseLocation]);
}

/// A loopback server that takes every connection and never answers; its
/// origin.
async fn never_answering() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    origin
}

/// A loopback server that answers a GET with five bytes and never answers
/// anything else (an upload); its origin.
async fn answering_only_gets() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = [0u8; 4];
                if socket.read_exact(&mut head).await.is_ok() && &head == b"GET " {
                    let answer =
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
                    let _ = socket.write_all(answer.as_bytes()).await;
                }
                // Held, unanswered, until the client gives up.
                let mut rest = [0u8; 1024];
                while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
            });
        }
    });
    origin
}

/// Example `name` declaring `origin` with `app_json`, under an operator's
/// `http_timeout_ms` of `bound`, launched at `path`.
async fn launched_against(
    name: &str,
    origin: &str,
    app_json: &str,
    bound: Option<u64>,
    path: String,
) -> (
    tempfile::TempDir,
    miniapp_runtime::App,
    miniapp_runtime::AppInstance,
) {
    let example = crate::http::declaring(name, origin);
    let mut assets = example.assets.clone();
    assets.insert("app.json".into(), app_json.as_bytes().to_vec());
    let package = repacked(&example, example.manifest.clone(), assets);
    let mut policy = crate::http::allowed_and_granted(&package);
    policy.defaults.quotas.http_timeout_ms = bound;
    let dir = tempfile::tempdir().unwrap();
    let app = (runtime(dir.path(), policy, Providers::default()).load(package)).unwrap();
    let launch = LaunchOptions {
        path: Some(path),
        ..LaunchOptions::default()
    };
    let inst = app.launch(launch).await.unwrap();
    (dir, app, inst)
}

/// Whether the page shows an error.
fn failed(data: &serde_json::Value) -> bool {
    data["error"].as_str().is_some_and(|e| !e.is_empty())
}

/// The news example with `app_json`, its fetch of a server that never
/// answers (naming no timeout) under an operator's `http_timeout_ms` of
/// `bound`: the error it gets.
async fn unanswered_fetch(app_json: &str, bound: Option<u64>) -> String {
    let origin = never_answering().await;
    let path = format!("index?api={origin}");
    let (_dir, _app, mut inst) = launched_against("news", &origin, app_json, bound, path).await;
    let url = format!("{origin}/headlines.json");
    let detail = serde_json::json!({ "url": url });
    crate::pending::dispatch(&mut inst, "index", "fetch", detail).await;
    crate::pending::deliver_until(&mut inst, |data| data["fetch_complete"] == true).await;
    let data = inst.page_data().clone();
    assert_eq!(data["error_kind"], "failed", "{data}");
    data["error"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn network_timeout_is_a_request_s_default_within_the_operator_s_bound() {
    let app_json = r#"{"networkTimeout": {"request": 300, "downloadFile": 60000}}"#;
    let error = unanswered_fetch(app_json, None).await;
    assert!(error.contains("timed out after 300 ms"), "{error}");
    // The operator's bound is smaller: it wins.
    let app_json = r#"{"networkTimeout": {"request": 50000}}"#;
    let error = unanswered_fetch(app_json, Some(200)).await;
    assert!(error.contains("timed out after 200 ms"), "{error}");
}

#[tokio::test]
async fn network_timeout_is_a_download_s_and_a_socket_handshake_s_default() {
    let origin = never_answering().await;
    let app_json = r#"{"networkTimeout": {"downloadFile": 250, "request": 60000}}"#;
    let path = "index".to_string();
    let (_dir, _app, mut inst) = launched_against("files", &origin, app_json, None, path).await;
    let detail = serde_json::json!({ "url": format!("{origin}/big.bin") });
    crate::pending::dispatch(&mut inst, "index", "download", detail).await;
    crate::pending::deliver_until(&mut inst, failed).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(error.contains("timed out after 250 ms"), "{error}");

    let server = origin.replace("http://", "ws://");
    let app_json = r#"{"networkTimeout": {"connectSocket": 350}}"#;
    let path = format!("index?server={server}&retry_ms=600000");
    let (_dir, _app, mut inst) = launched_against("chat", &server, app_json, None, path).await;
    crate::pending::deliver_until(&mut inst, failed).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(error.contains("the connection took over 350 ms"), "{error}");
}

#[tokio::test]
async fn network_timeout_is_an_upload_s_default() {
    let origin = answering_only_gets().await;
    let app_json = r#"{"networkTimeout": {"uploadFile": 300}}"#;
    let path = "index".to_string();
    let (_dir, _app, mut inst) = launched_against("files", &origin, app_json, None, path).await;
    let detail = serde_json::json!({ "url": format!("{origin}/file.txt") });
    crate::pending::dispatch(&mut inst, "index", "download", detail).await;
    let downloaded =
        |data: &serde_json::Value| data["path"].as_str().is_some_and(|p| !p.is_empty());
    crate::pending::deliver_until(&mut inst, |data| downloaded(data) || failed(data)).await;
    assert!(downloaded(inst.page_data()), "{}", inst.page_data());
    let detail = serde_json::json!({ "url": format!("{origin}/upload") });
    crate::pending::dispatch(&mut inst, "index", "upload", detail).await;
    crate::pending::deliver_until(&mut inst, failed).await;
    let error = inst.page_data()["error"].as_str().unwrap().to_string();
    assert!(error.contains("timed out after 300 ms"), "{error}");
}
