//! The device's services as a client draws and answers them
//! (`device-api`): a vibration, the screen kept on and its brightness are
//! `host-ui` frames (`vibrate`, `keep-screen-on`, `screen-brightness`); a
//! phone call is a `phone-call` prompt (`allow`: the user called); the
//! settings page a `setting` prompt listing the scopes the user answered,
//! whose answer's `value` maps each scope the user changed to `true`
//! (granted) or `false` (denied); the scanner, a fake camera, is a
//! `scan-code` prompt whose `value` is the code's text; choosing a place is
//! a `choose-location` prompt at the simulated position (its `value`, if
//! any, names the place); a place shown is an `open-location` `host-ui`
//! frame; choosing an address is a `choose-address` prompt with the
//! simulated user's one address; a preview is a `preview-image` `host-ui`
//! frame; the image picker is a `choose-image` prompt (`count`, `sources`)
//! whose `value` lists the picked files' bytes in hex, and the media
//! picker a `choose-media` prompt (`count`, `media`, `sources`,
//! `max_duration`) answered the same way; an image saved to the album is a
//! `save-image` `host-ui` frame with its bytes in hex (`image`), which the
//! simulator offers as a download. The simulated network is Wi-Fi until
//! the user's client switches it ([`Prompts::set_network`], the
//! simulator's network switch): an app watching is told, and with `none`
//! the runtime refuses the app's requests and sockets as a phone in
//! airplane mode fails them.

use std::sync::Mutex;

use miniapp_runtime::Consent;
use miniapp_runtime::Scope;
use miniapp_runtime::providers::{
    Address, Asked, DeviceServices, ImageSources, MediaTypes, NetworkType, PickedImage,
    PickedMedia, Place, ProviderError, ScanResult, Vibration,
};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::{Prompts, SimulatedHost};

/// What the simulated device holds: its brightness, and the network when
/// no user's prompts are in scope (Wi-Fi; a user's device has its own, in
/// its [`Prompts`]).
pub(super) struct SimulatedDevice {
    network: watch::Sender<NetworkType>,
    brightness: Mutex<f64>,
}

impl Default for SimulatedDevice {
    fn default() -> Self {
        SimulatedDevice {
            network: wifi(),
            brightness: Mutex::new(0.5),
        }
    }
}

/// A device's network, on Wi-Fi.
pub(super) fn wifi() -> watch::Sender<NetworkType> {
    watch::Sender::new(NetworkType::Wifi)
}

/// The names a client gives the networks, as WeChat's `networkType`.
const NETWORKS: [(&str, NetworkType); 6] = [
    ("wifi", NetworkType::Wifi),
    ("2g", NetworkType::Cell2g),
    ("3g", NetworkType::Cell3g),
    ("4g", NetworkType::Cell4g),
    ("5g", NetworkType::Cell5g),
    ("none", NetworkType::None),
];

impl Prompts {
    /// The user's device moves to network `name` (`wifi`, `2g`, `3g`,
    /// `4g`, `5g` or `none`, WeChat's `networkType`): the app's network
    /// watch is told if it changed, and while it is `none` the runtime
    /// refuses the app's requests and sockets. Any other name is refused,
    /// naming the ones there are.
    pub fn set_network(&self, name: &str) -> Result<(), String> {
        let Some(&(_, network)) = NETWORKS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = NETWORKS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "no network `{name}`: a device is on {}",
                names.join(", ")
            ));
        };
        self.network.send_if_modified(|now| {
            let changed = *now != network;
            *now = network;
            changed
        });
        Ok(())
    }

    /// The name of the network the user's device is on now (as
    /// [`Prompts::set_network`] takes it).
    pub fn network_name(&self) -> &'static str {
        let now = *self.network.borrow();
        NETWORKS
            .iter()
            .find(|(_, network)| *network == now)
            .map_or("unknown", |(name, _)| *name)
    }
}

impl SimulatedHost {
    fn draw_device(&self, ui: Value) {
        if let Some(prompts) = self.prompts() {
            prompts.draw_value(ui);
        }
    }
}

/// The user's changes on the settings page: `value` maps a scope's name
/// to `true` (granted) or `false` (denied).
fn changes(
    settings: Vec<(Scope, Consent)>,
    value: Option<&Value>,
) -> Result<Vec<(Scope, Consent)>, ProviderError> {
    let Some(value) = value else {
        return Ok(settings);
    };
    let Some(changed) = value.as_object() else {
        return Err(ProviderError(format!(
            "a settings page's answer maps scopes to true or false, not {value}"
        )));
    };
    let mut left = settings;
    for (name, granted) in changed {
        let Some(at) = left.iter().position(|(s, _)| s.to_string() == *name) else {
            return Err(ProviderError(format!(
                "the settings page did not show scope `{name}`"
            )));
        };
        left[at].1 = match granted.as_bool() {
            Some(true) => Consent::Granted,
            Some(false) => Consent::Denied,
            None => {
                return Err(ProviderError(format!(
                    "scope `{name}` is answered true or false, not {granted}"
                )));
            }
        };
    }
    Ok(left)
}

impl DeviceServices for SimulatedHost {
    fn network(&self) -> watch::Receiver<NetworkType> {
        match self.prompts() {
            Some(prompts) => prompts.network.subscribe(),
            None => self.device.network.subscribe(),
        }
    }

    fn vibrate(&self, _app_id: &str, vibration: Vibration) {
        self.draw_device(json!({ "ui": "vibrate", "vibration": vibration }));
    }

    fn keep_screen_on(&self, _app_id: &str, on: bool) {
        self.draw_device(json!({ "ui": "keep-screen-on", "on": on }));
    }

    fn has_screen(&self) -> bool {
        self.prompts().is_some()
    }

    fn set_brightness(&self, _app_id: &str, value: f64) -> Result<(), ProviderError> {
        *self
            .device
            .brightness
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = value;
        self.draw_device(json!({ "ui": "screen-brightness", "value": value }));
        Ok(())
    }

    fn brightness(&self, _app_id: &str) -> Result<f64, ProviderError> {
        Ok(*self
            .device
            .brightness
            .lock()
            .unwrap_or_else(|e| e.into_inner()))
    }

    fn ask_phone_call(&self, _app_id: &str, number: String) -> Asked<bool> {
        let reply = self.dialog("phone-call", json!({ "number": number }));
        Box::pin(async move { Ok(reply.await?.is_some_and(|r| r.allow)) })
    }

    fn open_setting(
        &self,
        _app_id: &str,
        settings: Vec<(Scope, Consent)>,
    ) -> Asked<Vec<(Scope, Consent)>> {
        let shown: Vec<Value> = (settings.iter())
            .map(|(scope, consent)| {
                json!({ "scope": scope.to_string(), "granted": *consent == Consent::Granted })
            })
            .collect();
        let reply = self.dialog("setting", json!({ "settings": shown }));
        Box::pin(async move {
            match reply.await? {
                Some(reply) if reply.allow => changes(settings, reply.value.as_ref()),
                _ => Ok(settings),
            }
        })
    }

    fn scan_code(&self, _app_id: &str, only_from_camera: bool) -> Asked<Option<ScanResult>> {
        let fields = json!({ "only_from_camera": only_from_camera });
        let reply = self.dialog("scan-code", fields);
        Box::pin(async move {
            let Some(reply) = reply.await?.filter(|r| r.allow) else {
                return Ok(None);
            };
            match reply.value {
                Some(Value::String(result)) => Ok(Some(ScanResult {
                    result,
                    scan_type: "QR_CODE".into(),
                })),
                other => Err(ProviderError(format!(
                    "a scan's answer is the code's text, not {other:?}"
                ))),
            }
        })
    }

    fn choose_location(&self, _app_id: &str) -> Asked<Option<Place>> {
        let at = self.simulator.position;
        let fields = json!({ "position": { "latitude": at.latitude, "longitude": at.longitude } });
        let reply = self.dialog("choose-location", fields);
        Box::pin(async move {
            let Some(reply) = reply.await?.filter(|r| r.allow) else {
                return Ok(None);
            };
            let name = match reply.value {
                Some(Value::String(name)) => name,
                None => "Dropped pin".into(),
                Some(other) => {
                    return Err(ProviderError(format!(
                        "a chosen place's answer is its name, not {other}"
                    )));
                }
            };
            Ok(Some(Place {
                name,
                address: String::new(),
                latitude: at.latitude,
                longitude: at.longitude,
            }))
        })
    }

    fn open_location(&self, _app_id: &str, place: Place, scale: u32) -> Result<(), ProviderError> {
        self.draw_device(json!({ "ui": "open-location", "place": place, "scale": scale }));
        Ok(())
    }

    fn choose_address(&self, _app_id: &str) -> Asked<Option<Address>> {
        let address = simulated_address();
        let reply = self.dialog("choose-address", json!({ "address": address }));
        Box::pin(async move { Ok(reply.await?.filter(|r| r.allow).map(|_| address)) })
    }

    fn preview_image(
        &self,
        _app_id: &str,
        urls: Vec<String>,
        current: String,
    ) -> Result<(), ProviderError> {
        self.draw_device(json!({ "ui": "preview-image", "urls": urls, "current": current }));
        Ok(())
    }

    fn save_to_album(&self, _app_id: &str, image: PickedImage) -> Result<(), ProviderError> {
        self.draw_device(json!({ "ui": "save-image", "image": hex::encode(image.0) }));
        Ok(())
    }

    fn choose_image(
        &self,
        _app_id: &str,
        count: u32,
        sources: ImageSources,
    ) -> Asked<Option<Vec<PickedImage>>> {
        let fields = json!({ "count": count, "sources": sources });
        let picked = self.pick_files("choose-image", fields, count);
        Box::pin(async move {
            Ok(picked
                .await?
                .map(|f| f.into_iter().map(PickedImage).collect()))
        })
    }

    fn choose_media(
        &self,
        _app_id: &str,
        count: u32,
        media: MediaTypes,
        sources: ImageSources,
        max_duration: u32,
    ) -> Asked<Option<Vec<PickedMedia>>> {
        let asked = json!({ "count": count, "media": media, "sources": sources, "max_duration": max_duration });
        let picked = self.pick_files("choose-media", asked, count);
        Box::pin(async move {
            Ok(picked
                .await?
                .map(|f| f.into_iter().map(PickedMedia).collect()))
        })
    }
}

/// The one address the simulated user keeps.
fn simulated_address() -> Address {
    Address {
        user_name: "Test User".into(),
        postal_code: "200001".into(),
        province_name: "Shanghai".into(),
        city_name: "Shanghai".into(),
        county_name: "Huangpu".into(),
        detail_info: "1 Nanjing Road".into(),
        tel_number: "13800000000".into(),
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::broadcast;

    use super::super::{Prompts, Reply, providers};
    use super::*;

    #[tokio::test]
    async fn the_settings_page_is_a_prompt_whose_answer_names_the_changes() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let device = providers(&prompts).device;
        let shown = vec![
            (Scope::UserLocation, Consent::Granted),
            (Scope::Camera, Consent::Denied),
        ];
        let asked = tokio::spawn(device.open_setting("demo.a", shown.clone()));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(frame["kind"], "setting");
        assert_eq!(
            frame["settings"],
            json!([
                { "scope": "user-location", "granted": true },
                { "scope": "camera", "granted": false },
            ])
        );
        let id = frame["id"].as_u64().unwrap();
        let value = Some(json!({ "user-location": false }));
        assert!(prompts.reply(id, Reply { allow: true, value }));
        let left = asked.await.unwrap().unwrap();
        assert_eq!(
            left,
            [
                (Scope::UserLocation, Consent::Denied),
                (Scope::Camera, Consent::Denied)
            ]
        );
        let refused = changes(shown.clone(), Some(&json!({ "album": true })));
        assert_eq!(
            refused.unwrap_err().0,
            "the settings page did not show scope `album`"
        );
        assert_eq!(changes(shown.clone(), None).unwrap(), shown);
    }

    #[tokio::test]
    async fn the_network_switch_tells_a_watch_and_refuses_a_network_by_name() {
        let prompts = Prompts::new(broadcast::channel(16).0);
        let device = providers(&prompts).device;
        let mut watch = device.network();
        assert_eq!(*watch.borrow_and_update(), NetworkType::Wifi);
        prompts.set_network("none").unwrap();
        assert!(watch.has_changed().unwrap());
        assert_eq!(*watch.borrow_and_update(), NetworkType::None);
        assert_eq!(prompts.network_name(), "none");
        prompts.set_network("none").unwrap();
        assert!(
            !watch.has_changed().unwrap(),
            "the same network is no change"
        );
        assert_eq!(
            prompts.set_network("lte").unwrap_err(),
            "no network `lte`: a device is on wifi, 2g, 3g, 4g, 5g, none"
        );
        assert_eq!(prompts.network_name(), "none", "unchanged by the refusal");
    }

    #[tokio::test]
    async fn a_phone_call_is_a_prompt_and_a_vibration_a_host_ui_frame() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let device = providers(&prompts).device;
        device.vibrate("demo.a", Vibration::ShortLight);
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(
            frame,
            json!({ "type": "host-ui", "ui": "vibrate", "vibration": "short-light" })
        );
        let called = tokio::spawn(device.ask_phone_call("demo.a", "10086".into()));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(
            (&frame["kind"], &frame["number"]),
            (&json!("phone-call"), &json!("10086"))
        );
        prompts.answer(frame["id"].as_u64().unwrap(), true);
        assert!(called.await.unwrap().unwrap());
    }

    #[tokio::test]
    async fn the_fake_camera_reads_what_the_user_types_and_a_closed_one_nothing() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let device = providers(&prompts).device;
        let scan = tokio::spawn(device.scan_code("demo.a", true));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(
            (&frame["kind"], &frame["only_from_camera"]),
            (&json!("scan-code"), &json!(true))
        );
        let value = Some(json!("SF123"));
        prompts.reply(frame["id"].as_u64().unwrap(), Reply { allow: true, value });
        let read = scan.await.unwrap().unwrap().unwrap();
        assert_eq!(
            (read.result.as_str(), read.scan_type.as_str()),
            ("SF123", "QR_CODE")
        );
        frames.recv().await.unwrap();
        let closed = tokio::spawn(device.scan_code("demo.a", false));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        prompts.answer(frame["id"].as_u64().unwrap(), false);
        assert_eq!(closed.await.unwrap().unwrap(), None);
    }

    #[tokio::test]
    async fn the_file_picker_gives_the_files_the_user_picked_and_refuses_what_is_not_hex() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let device = providers(&prompts).device;
        let sources = ImageSources {
            album: true,
            camera: false,
        };
        let pick = tokio::spawn(device.choose_image("demo.a", 2, sources));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(
            (&frame["kind"], &frame["count"], &frame["sources"]),
            (
                &json!("choose-image"),
                &json!(2),
                &json!({ "album": true, "camera": false })
            )
        );
        let value = Some(json!(["89504e47", "ffd8"]));
        prompts.reply(frame["id"].as_u64().unwrap(), Reply { allow: true, value });
        let images = pick.await.unwrap().unwrap().unwrap();
        let bytes: Vec<Vec<u8>> = images.into_iter().map(|i| i.0).collect();
        assert_eq!(bytes, [b"\x89PNG".to_vec(), b"\xff\xd8".to_vec()]);
        frames.recv().await.unwrap();
        let bad = tokio::spawn(device.choose_image("demo.a", 1, sources));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        let value = Some(json!(["not hex"]));
        prompts.reply(frame["id"].as_u64().unwrap(), Reply { allow: true, value });
        let refused = bad.await.unwrap().unwrap_err();
        assert!(refused.0.contains("a list of files in hex"), "{refused}");
    }

    #[tokio::test]
    async fn the_media_picker_says_what_it_takes_and_a_saved_image_comes_as_its_bytes() {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let device = providers(&prompts).device;
        let sources = ImageSources {
            album: true,
            camera: true,
        };
        let media = MediaTypes {
            image: false,
            video: true,
        };
        let pick = tokio::spawn(device.choose_media("demo.a", 1, media, sources, 30));
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(frame["kind"], "choose-media");
        assert_eq!(frame["media"], json!({ "image": false, "video": true }));
        assert_eq!(
            (&frame["count"], &frame["max_duration"]),
            (&json!(1), &json!(30))
        );
        let value = Some(json!(["0000001c66747970"]));
        prompts.reply(frame["id"].as_u64().unwrap(), Reply { allow: true, value });
        let files = pick.await.unwrap().unwrap().unwrap();
        assert_eq!(files, [PickedMedia(b"\0\0\0\x1cftyp".to_vec())]);
        frames.recv().await.unwrap();
        device
            .save_to_album("demo.a", PickedImage(b"GIF89a".to_vec()))
            .unwrap();
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        assert_eq!(
            frame,
            json!({ "type": "host-ui", "ui": "save-image", "image": "474946383961" })
        );
    }
}
