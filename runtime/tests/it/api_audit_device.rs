//! What `device_apis.rs` counts but does not name, from the same real
//! guest (`guest-examples/device-apis`): the strength of a short vibration
//! reaches the device as the app asked it.

use std::sync::Arc;

use miniapp_runtime::providers::{DeviceAct, ScriptedDevice, Vibration};

use crate::device_apis::{device_apis, tap_with};

#[tokio::test]
async fn a_light_short_vibration_reaches_the_device_as_light() {
    let device = ScriptedDevice::default();
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap_with(&mut inst, "buzz", "times", "2").await;
    assert_eq!(inst.page_data()["buzzed"], 2);
    let light = DeviceAct::Vibrated(Vibration::ShortLight);
    assert_eq!(device.take_acts(), [light.clone(), light]);
}
