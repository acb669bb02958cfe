//! `miniapp dev` and the sockets of an instance it replaces: relaunched, or
//! its code rebuilt, the chat example's next instance is told that its
//! room's socket closed (1001, and which), as `miniapp serve` tells the
//! next instance of an evicted or moved session.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::dev::{Simulator, edit, scaffold};
use crate::serve_chat::chat_server;

/// Poll the simulator's state until its page data `holds`: that data.
async fn data_until(sim: &Simulator, holds: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + crate::dev::HANG;
    loop {
        let data = sim.state().await["data"].clone();
        if holds(&data) {
            return data;
        }
        assert!(Instant::now() < deadline, "never came: {data}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_relaunched_chat_is_told_its_socket_closed_and_connects_again_after_a_failed_launch() {
    let origin = chat_server().await;
    let dir = tempfile::tempdir().unwrap();
    let chat = crate::cli::declaring("chat", &origin, dir.path());
    let path = format!("index?server={origin}&room=lobby&retry_ms=60000");
    let sim = Simulator::start(&chat, &["--path", &path, "--allow-address", "127.0.0.1"]);
    let open = |data: &Value| data["status"] == "open";
    let data = data_until(&sim, open).await;
    assert_eq!(data["dropped"], "", "{data}");

    // A relaunch whose launch fails (the chat refuses a retry that is not
    // a number) leaves them to the next launch.
    let relaunch = async |path: &str| -> Value {
        let url = format!("{}/api/relaunch?token={}", sim.base, sim.token);
        let answer = crate::serve::post_json(url, &json!({ "path": path })).await;
        answer.json().await.unwrap()
    };
    let failed = relaunch(&path.replace("retry_ms=60000", "retry_ms=soon")).await;
    assert_eq!(failed["ok"], false, "{failed}");
    let answer = relaunch(&path).await;
    assert_eq!(answer["ok"], true, "{answer}");
    // The new instance's launch connects its room again; the old socket's
    // end is told after it, in a completion of its own.
    let told = |data: &Value| data["dropped"] != "" && open(data);
    let data = data_until(&sim, told).await;
    assert_eq!(
        data["dropped"], "1001 the simulator relaunched the app",
        "{data}"
    );
}

/// The chat example's code, pages and manifest (declaring `origin`) in a
/// crate made by `miniapp new` under `dir`, which the simulator rebuilds
/// when a file is saved: its directory.
fn chat_crate(dir: &std::path::Path, origin: &str) -> std::path::PathBuf {
    let app = scaffold(dir, "chat");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples/chat");
    for file in ["src/lib.rs", "pages/index.wxml", "pages/index.wxss"] {
        std::fs::copy(example.join(file), app.join(file)).unwrap();
    }
    // The scaffold's tab app, which the chat example is not.
    for scaffolded in [
        "app.json",
        "pages/index.json",
        "pages/mine.wxml",
        "pages/mine.json",
    ] {
        std::fs::remove_file(app.join(scaffolded)).unwrap();
    }
    let manifest = std::fs::read_to_string(example.join("miniapp.toml")).unwrap();
    let declared = r#"origins = ["ws://127.0.0.1:8765"]"#;
    assert!(manifest.contains(declared), "{manifest}");
    let manifest = manifest.replace(declared, &format!("origins = [\"{origin}\"]"));
    std::fs::write(app.join("miniapp.toml"), manifest).unwrap();
    app
}

#[tokio::test]
async fn a_chat_whose_code_is_saved_is_told_after_the_rebuild_its_socket_closed() {
    let origin = chat_server().await;
    let dir = tempfile::tempdir().unwrap();
    let app = chat_crate(dir.path(), &origin);
    let path = format!("index?server={origin}&room=lobby&retry_ms=60000");
    let args = ["--path", &path, "--allow-address", "127.0.0.1"];
    let sim = Simulator::scaffolded_with(&app, &args);
    let open = |data: &Value| data["status"] == "open";
    data_until(&sim, open).await;
    // Its code saved: rebuilt, and relaunched on its pages.
    edit(
        &app.join("src/lib.rs"),
        r#""dropped": "","#,
        r#""dropped": "", "build": 2,"#,
    );
    let told = |data: &Value| data["build"] == 2 && data["dropped"] != "" && open(data);
    let data = data_until(&sim, told).await;
    assert_eq!(
        data["dropped"], "1001 the simulator reloaded the app's rebuilt code",
        "{data}"
    );
}
