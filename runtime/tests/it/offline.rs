//! A device with no network (its provider says `none`, as the simulator's
//! network switch sets it): the app's requests and sockets fail at once,
//! `failed`, naming the network, as on a phone in airplane mode; back on a
//! network, the same app reaches the same server.

use std::sync::Arc;

use miniapp_runtime::providers::{NetworkType, ScriptedDevice};
use miniapp_runtime::{Event, LaunchOptions, Providers};
use serde_json::json;

use crate::common::{assert_refused, launched};
use crate::http::{allowed_and_granted, declaring, launch_at, served_news};

/// Providers whose device is `device`.
fn on(device: &ScriptedDevice) -> Providers {
    Providers {
        device: Arc::new(device.clone()),
        ..Providers::default()
    }
}

#[tokio::test]
async fn a_request_fails_while_the_device_has_no_network_and_goes_through_once_it_has() {
    let (origin, news) = served_news().await;
    let device = ScriptedDevice::default();
    device.set_network(NetworkType::None);
    let policy = allowed_and_granted(&news);
    let (_dir, mut inst) = launched(policy, on(&device), news, launch_at(&origin)).await;
    assert_refused(
        inst.page_data(),
        "failed",
        &format!("the device has no network (networkType `none`): nothing was sent to {origin}"),
    );

    device.set_network(NetworkType::Cell4g);
    let open = Event::new("index", "open").with_detail(json!({"id": 2}));
    inst.dispatch(&open).await.unwrap();
    assert_eq!(inst.page_data()["article"]["body"], "Sunny");
}

#[tokio::test]
async fn a_socket_is_not_opened_while_the_device_has_no_network() {
    let origin = "ws://127.0.0.1:9";
    let chat = declaring("chat", origin);
    let device = ScriptedDevice::default();
    device.set_network(NetworkType::None);
    let policy = allowed_and_granted(&chat);
    let options = LaunchOptions {
        path: Some(format!("index?server={origin}&room=lobby")),
        ..LaunchOptions::default()
    };
    let (_dir, inst) = launched(policy, on(&device), chat, options).await;
    let data = inst.page_data();
    assert_eq!(data["status"], "offline", "{data}");
    assert_eq!(
        data["error"],
        format!("the device has no network (networkType `none`): nothing was sent to {origin}")
    );
}
