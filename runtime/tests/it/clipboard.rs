//! The clipboard through a real guest (`guest-examples/invite`): a copy
//! needs the grant, a paste a tap too, and the host's provider holds it.

use std::sync::Arc;

use async_trait::async_trait;
use miniapp_runtime::providers::{ClipboardProvider, ProviderError};
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
