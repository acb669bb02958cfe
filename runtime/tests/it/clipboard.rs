//! The clipboard through a real guest (`guest-examples/invite`): a copy
//! needs the grant, a paste a tap too, and the host's provider holds it.

use std::sync::Arc;

use async_trait::async_trait;
use miniapp_runtime::providers::{
    ClipboardLimits, ClipboardProvider, HeldClipboards, ProviderError,
};
use miniapp_runtime::{Event, Policy, Providers};
use serde_json::json;

use crate::common::{assert_refused, example, granting, launched, launched_alone, runtime};

#[tokio::test]
async fn a_copied_code_is_pasted_back_on_a_tap_and_only_on_a_tap() {
    let (_dir, mut inst) = launched_alone(example("invite")).await;
    inst.dispatch(&Event::new("index", "copy")).await.unwrap();
    assert_eq!(inst.page_data()["copied"], 9, "{}", inst.page_data());

    // Not a tap: no gesture, no read.
    inst.dispatch(&Event::new("index", "paste")).await.unwrap();
    assert_refused(
        inst.page_data(),
        "permission-denied",
        "needs a user gesture",
    );
    assert_eq!(inst.page_data()["friend"], json!(null));

    inst.dispatch(&Event::tap("index", "paste")).await.unwrap();
    assert_eq!(inst.page_data()["friend"], "MINI-2048");
    assert_eq!(inst.page_data()["error"], json!(null));
}

#[tokio::test]
async fn the_clipboard_is_denied_without_a_grant() {
    let invite = example("invite");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), Policy::default(), Providers::default());
    let mut inst = crate::common::opened(&rt, invite).await;
    for event in [Event::new("index", "copy"), Event::tap("index", "paste")] {
        inst.dispatch(&event).await.unwrap();
        assert_refused(
            inst.page_data(),
            "permission-denied",
            "the operator has not granted `clipboard` to app `demo.invite`",
        );
    }
}

#[tokio::test]
async fn what_an_app_puts_on_the_clipboard_is_bounded_by_its_quota() {
    let invite = example("invite");
    let mut policy = granting(&invite);
    policy.defaults.quotas = toml::from_str("clipboard_bytes = 9").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), policy, Providers::default());
    let mut inst = crate::common::opened(&rt, invite).await;
    inst.dispatch(&Event::new("index", "copy")).await.unwrap();
    assert_eq!(inst.page_data()["copied"], 9);
    let long = Event::new("index", "copy").with_detail(json!({"text": "MINI-20480"}));
    inst.dispatch(&long).await.unwrap();
    assert_refused(
        inst.page_data(),
        "quota-exceeded",
        "the data is 10 bytes, over the clipboard_bytes quota of 9 bytes",
    );
    // What was there stays.
    inst.dispatch(&Event::tap("index", "paste")).await.unwrap();
    assert_eq!(inst.page_data()["friend"], "MINI-2048");
}

/// The device's clipboard, as an embedder's provider: it holds what the
/// user copied in another program.
struct Device;

#[async_trait]
impl ClipboardProvider for Device {
    async fn write(&self, _: &str, _: Option<&str>, data: String) -> Result<(), ProviderError> {
        Err(ProviderError(format!(
            "the device refused {} bytes",
            data.len()
        )))
    }
    async fn read(&self, app_id: &str, _: Option<&str>) -> Result<String, ProviderError> {
        Ok(format!("copied elsewhere, read by {app_id}"))
    }
}

#[tokio::test]
async fn an_embedder_s_clipboard_provider_answers() {
    let invite = example("invite");
    let providers = Providers {
        clipboard: Arc::new(Device),
        ..Providers::default()
    };
    let policy = granting(&invite);
    let options = Default::default();
    let (_dir, mut inst) = launched(policy, providers, invite, options).await;
    inst.dispatch(&Event::tap("index", "paste")).await.unwrap();
    assert_eq!(
        inst.page_data()["friend"],
        "copied elsewhere, read by demo.invite"
    );
    inst.dispatch(&Event::new("index", "copy")).await.unwrap();
    assert_refused(inst.page_data(), "failed", "the device refused 9 bytes");
}

/// A full default clipboard quota's worth of data.
fn copy_of(app: &str) -> String {
    app.repeat(64 * 1024 / app.len())
}

/// An app opening sessions as ever more users keeps at most its share of
/// the host's clipboards, forgetting its own oldest first: another app's
/// copy stays.
#[tokio::test]
async fn one_app_copying_as_many_users_holds_at_most_its_share() {
    let clipboards = HeldClipboards::default();
    clipboards
        .write("demo.invite", Some("bob"), "MINI-2048".into())
        .await
        .unwrap();
    for n in 0..HeldClipboards::MAX_USERS {
        let user = format!("user-{n}");
        let data = copy_of("flood");
        clipboards
            .write("demo.flood", Some(&user), data)
            .await
            .unwrap();
    }
    let flood = clipboards.held_bytes_of("demo.flood");
    assert!(flood <= HeldClipboards::MAX_APP_BYTES, "{flood}");
    assert!(flood > HeldClipboards::MAX_APP_BYTES / 2, "{flood}");
    assert_eq!(clipboards.held_bytes(), flood + "MINI-2048bob".len());
    assert_eq!(
        clipboards.read("demo.flood", Some("bob")).await.unwrap(),
        "MINI-2048"
    );
    let last = format!("user-{}", HeldClipboards::MAX_USERS - 1);
    let newest = clipboards.read("demo.flood", Some(&last)).await.unwrap();
    assert_eq!(newest, copy_of("flood"));
    let oldest = clipboards.read("demo.flood", Some("user-0")).await.unwrap();
    assert_eq!(oldest, "");
}

/// An app copying a byte as ever more users keeps at most its share of
/// the host's clipboards by count too: the users' limit does not make
/// another app's copy forgotten.
#[tokio::test]
async fn one_app_copying_tiny_data_as_many_users_keeps_its_share_of_clipboards() {
    let clipboards = HeldClipboards::default();
    clipboards
        .write("demo.invite", Some("bob"), "MINI-2048".into())
        .await
        .unwrap();
    for n in 0..2 * HeldClipboards::MAX_USERS {
        let user = format!("u{n}");
        clipboards
            .write("demo.flood", Some(&user), "x".into())
            .await
            .unwrap();
    }
    assert_eq!(
        clipboards.read("demo.flood", Some("bob")).await.unwrap(),
        "MINI-2048"
    );
    let share = ClipboardLimits::default().app_users();
    assert!(share < HeldClipboards::MAX_USERS, "{share}");
    let newest = format!("u{}", 2 * HeldClipboards::MAX_USERS - 1);
    assert_eq!(clipboards.read("", Some(&newest)).await.unwrap(), "x");
    let forgotten = format!("u{}", 2 * HeldClipboards::MAX_USERS - 1 - share);
    assert_eq!(clipboards.read("", Some(&forgotten)).await.unwrap(), "");
}

/// Many apps together keep at most the host's total, the least recently
/// written forgotten first; an app's overwritten copy no longer counts
/// against it.
#[tokio::test]
async fn all_apps_together_hold_at_most_the_host_s_total() {
    let clipboards = HeldClipboards::default();
    let per_app = HeldClipboards::MAX_APP_BYTES / (64 * 1024) / 2;
    let apps = HeldClipboards::MAX_BYTES / HeldClipboards::MAX_APP_BYTES * 2 + 1;
    for app in 0..apps {
        for n in 0..per_app {
            let (id, user) = (format!("app{app:02}"), format!("user-{app}-{n}"));
            clipboards
                .write(&id, Some(&user), copy_of(&id))
                .await
                .unwrap();
        }
    }
    let held = clipboards.held_bytes();
    assert!(held <= HeldClipboards::MAX_BYTES, "{held}");
    assert!(held > HeldClipboards::MAX_BYTES - 64 * 1024 - 64, "{held}");
    assert_eq!(clipboards.read("", Some("user-0-0")).await.unwrap(), "");
    assert_eq!(clipboards.held_bytes_of("app00"), 0);
    for n in 0..per_app {
        let user = format!("user-{}-{n}", apps - 1);
        let data = clipboards.read("", Some(&user)).await.unwrap();
        assert_eq!(data, copy_of(&format!("app{:02}", apps - 1)), "{user}");
    }
    // Overwritten by another app: it counts against that one.
    let user = format!("user-{}-0", apps - 1);
    let before = clipboards.held_bytes_of("app01");
    clipboards
        .write("app01", Some(&user), "x".into())
        .await
        .unwrap();
    assert_eq!(clipboards.held_bytes_of("app01"), before + 1 + user.len());
    let id = format!("app{:02}", apps - 1);
    let kept: usize = (1..per_app)
        .map(|n| copy_of(&id).len() + format!("user-{}-{n}", apps - 1).len())
        .sum();
    assert_eq!(clipboards.held_bytes_of(&id), kept);
}

#[tokio::test]
async fn a_copy_larger_than_an_app_s_share_is_refused() {
    let limits = ClipboardLimits {
        app_bytes: 16,
        ..ClipboardLimits::default()
    };
    let clipboards = HeldClipboards::with_limits(limits);
    clipboards
        .write("demo.invite", Some("bob"), "MINI-2048".into())
        .await
        .unwrap();
    let err = (clipboards.write("demo.invite", Some("bob"), "MINI-204800000".into()))
        .await
        .unwrap_err();
    assert_eq!(
        err.0,
        "this copy takes 17 bytes (its data and the user's id), more than \
         the host keeps of one app's copies (16 bytes)"
    );
    // What was there stays; a copy of exactly the share is held.
    assert_eq!(clipboards.read("", Some("bob")).await.unwrap(), "MINI-2048");
    let share = "MINI-20480000".to_string();
    clipboards
        .write("demo.invite", Some("bob"), share.clone())
        .await
        .unwrap();
    assert_eq!(clipboards.read("", Some("bob")).await.unwrap(), share);
    assert_eq!(clipboards.held_bytes_of("demo.invite"), 16);
    let none = HeldClipboards::with_limits(ClipboardLimits {
        users: 0,
        ..ClipboardLimits::default()
    });
    let err = none
        .write("demo.invite", None, "a".into())
        .await
        .unwrap_err();
    assert!(err.0.contains("allow 0 users"), "{}", err.0);
}
