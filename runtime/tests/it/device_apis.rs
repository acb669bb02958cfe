//! The device's services with a real guest (`guest-examples/device-apis`)
//! and a scripted device provider: the network and its changes as
//! repeated completions (stopped by the app, ended by the page's leaving),
//! vibration and the screen reaching the provider, the capsule from the
//! device facts, a phone call and the settings page answered by the user
//! within a tap's gesture; images the user picks become the instance's
//! temp files; a headless host refuses what needs a screen, and
//! `can-i-use` says so.

use std::sync::Arc;
use std::time::Duration;

use miniapp_runtime::providers::{
    Address, DeviceAct, DeviceAnswer, DeviceServices, FixedConsent, HeadlessDevice, ImageSources,
    NetworkType, PickedImage, Place, ScanResult, ScriptedDevice, Vibration,
};
use miniapp_runtime::{
    App, AppInstance, Consent, DeviceFacts, Event, LaunchOptions, Providers, QuotaOverrides, Scope,
};

use crate::common::{example, granting, runtime};

/// Longest a test waits for a completion before it calls the run hung (a
/// hang guard: scripted answers are ready at once).
const HANG: Duration = Duration::from_secs(60);

/// The number the example calls.
const NUMBER: &str = "+86 10 1234 5678";

/// The example launched on `device` (consent granting `user-location`
/// `camera` and `album`),
/// on `facts` if given.
pub(crate) async fn device_apis(
    device: Arc<dyn DeviceServices>,
    facts: Option<DeviceFacts>,
) -> (tempfile::TempDir, App, AppInstance) {
    let granted = [Scope::UserLocation, Scope::Camera, Scope::Album];
    device_apis_under(device, facts, QuotaOverrides::default(), &granted).await
}

/// [`device_apis`] under `quotas`.
pub(crate) async fn device_apis_under(
    device: Arc<dyn DeviceServices>,
    facts: Option<DeviceFacts>,
    quotas: QuotaOverrides,
    granted: &[Scope],
) -> (tempfile::TempDir, App, AppInstance) {
    let package = example("device-apis");
    let mut policy = granting(&package);
    policy.defaults.quotas = quotas;
    let dir = tempfile::tempdir().unwrap();
    let providers = Providers {
        device,
        consent: Arc::new(FixedConsent::granting(granted.iter().copied())),
        ..Providers::default()
    };
    let app = (runtime(dir.path(), policy, providers).load(package)).unwrap();
    let options = LaunchOptions {
        device: facts,
        ..LaunchOptions::default()
    };
    let inst = app.launch(options).await.unwrap();
    (dir, app, inst)
}

async fn tap(inst: &mut AppInstance, page: &str, handler: &str) {
    let event = Event::tap(page, handler);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("{page}:{handler}: {e}"));
}

/// Tap `handler` of the index page with `key` set to `value` in its detail.
pub(crate) async fn tap_with(inst: &mut AppInstance, handler: &str, key: &str, value: &str) {
    let event = Event::tap("index", handler).with_detail(serde_json::json!({ key: value }));
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("index:{handler}: {e}"));
}

/// The page's `key`, a string.
pub(crate) fn text(inst: &AppInstance, key: &str) -> String {
    let data = inst.page_data();
    (data[key].as_str())
        .unwrap_or_else(|| panic!("`{key}` in {data}"))
        .to_string()
}

/// Deliver the one completion due next.
pub(crate) async fn delivered(inst: &mut AppInstance) {
    let waited = tokio::time::timeout(HANG, inst.wake().wait()).await;
    assert!(waited.is_ok(), "nothing came; data: {}", inst.page_data());
    let delivered = inst.complete_next().await.expect("a completion is due");
    delivered.unwrap();
}

#[tokio::test]
async fn network_changes_reach_the_guest_until_it_stops_listening() {
    let device = ScriptedDevice::default();
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    assert_eq!(inst.page_data()["network"], "wifi");
    assert_eq!(inst.page_data()["connected"], true);
    tap(&mut inst, "index", "watch").await;
    assert_eq!(
        app.usage().unwrap().pending_calls,
        1,
        "the watch is pending"
    );
    device.set_network(NetworkType::Cell4g);
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["changes"], 1);
    assert_eq!(inst.page_data()["seen"], "4g");
    // Changes while one waits make one completion, with the type then.
    device.set_network(NetworkType::None);
    device.set_network(NetworkType::Cell3g);
    device.set_network(NetworkType::None);
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["seen"], "none");
    assert_eq!(inst.page_data()["connected"], false);
    let changes = inst.page_data()["changes"].as_u64().unwrap();
    assert!((2..=3).contains(&changes), "{changes} deliveries");
    while inst.wake().at().is_some() {
        delivered(&mut inst).await;
    }
    tap(&mut inst, "index", "unwatch").await;
    assert_eq!(app.usage().unwrap().pending_calls, 0, "off ends the watch");
    let before = inst.page_data()["changes"].clone();
    device.set_network(NetworkType::Wifi);
    assert!(inst.complete_next().await.is_none(), "nothing after off");
    assert_eq!(inst.page_data()["changes"], before);
}

#[tokio::test]
async fn a_page_s_network_watch_ends_when_the_page_leaves() {
    let device = ScriptedDevice::default();
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap(&mut inst, "index", "open-detail").await;
    assert_eq!(app.usage().unwrap().pending_calls, 1);
    device.set_network(NetworkType::Cell5g);
    delivered(&mut inst).await;
    tap(&mut inst, "detail", "back").await;
    let hang = tokio::time::timeout(HANG, inst.complete_next()).await;
    hang.unwrap().expect("the cancellation is due").unwrap();
    let usage = app.usage().unwrap();
    assert_eq!((usage.pending_calls, usage.calls_cancelled), (0, 1));
    device.set_network(NetworkType::Wifi);
    assert!(inst.complete_next().await.is_none());
    // The page's listener ran once, on the detail page's data.
    assert_eq!(inst.page_data()["changes"], 0, "{}", inst.page_data());
}

#[tokio::test]
async fn vibration_the_screen_and_the_capsule_reach_the_provider() {
    let device = ScriptedDevice::default();
    let facts = DeviceFacts {
        window_width: 414,
        status_bar_height: 44,
        ..DeviceFacts::default()
    };
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), Some(facts)).await;
    assert_eq!(inst.page_data()["can_dim"], true);
    tap(&mut inst, "index", "vibrate").await;
    tap(&mut inst, "index", "keep-on").await;
    tap_with(&mut inst, "brightness", "value", "0.8").await;
    assert_eq!(inst.page_data()["brightness"], 0.8);
    tap_with(&mut inst, "brightness", "value", "1.5").await;
    assert_eq!(
        inst.page_data()["refused"],
        "invalid argument: the screen brightness 1.5 is not between 0 and 1"
    );
    assert_eq!(
        device.take_acts(),
        [
            DeviceAct::Vibrated(Vibration::ShortHeavy),
            DeviceAct::Vibrated(Vibration::Long),
            DeviceAct::KeepScreenOn(true),
            DeviceAct::Brightness(0.8),
        ]
    );
    tap(&mut inst, "index", "capsule").await;
    let capsule = &inst.page_data()["capsule"];
    let rect =
        ["left", "top", "right", "bottom", "width", "height"].map(|k| capsule[k].as_u64().unwrap());
    assert_eq!(rect, [320, 48, 407, 80, 87, 32], "{capsule}");
}

#[tokio::test]
async fn a_phone_call_is_the_user_s_to_make_within_a_tap() {
    let device = ScriptedDevice::answering([
        DeviceAnswer::PhoneCall(true),
        DeviceAnswer::PhoneCall(false),
    ]);
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    assert_eq!(inst.page_data()["can_call"], true);
    tap_with(&mut inst, "call", "number", NUMBER).await;
    assert_eq!(inst.page_data()["called"], "", "the user answers later");
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["called"], "called");
    tap_with(&mut inst, "call", "number", NUMBER).await;
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["called"], "failed: cancel");
    let number = NUMBER.to_string();
    assert_eq!(
        device.take_acts(),
        [
            DeviceAct::PhoneCall(number.clone()),
            DeviceAct::PhoneCall(number)
        ]
    );
    // Without a tap there is no gesture; a bad number is refused by name.
    let untapped = Event::new("index", "call").with_detail(serde_json::json!({"number": "10086"}));
    inst.dispatch(&untapped).await.unwrap();
    let called = text(&inst, "called");
    assert!(
        called.contains("make-phone-call needs a user gesture"),
        "{called}"
    );
    tap_with(&mut inst, "call", "number", "tel:10086").await;
    let called = text(&inst, "called");
    assert!(called.contains("holds 't'"), "{called}");
    assert_eq!(device.take_acts(), [], "neither reached the user");
}

#[tokio::test]
async fn the_settings_page_changes_the_user_s_stored_answer() {
    let denied = vec![(Scope::UserLocation, Consent::Denied)];
    let device = ScriptedDevice::answering([DeviceAnswer::Setting(denied)]);
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap(&mut inst, "index", "locate").await;
    assert_eq!(inst.page_data()["located"], true);
    tap(&mut inst, "index", "settings").await;
    delivered(&mut inst).await;
    assert_eq!(
        inst.page_data()["settings"],
        "user-location=denied,album=not-asked,camera=not-asked"
    );
    let shown = vec![(Scope::UserLocation, Consent::Granted)];
    assert_eq!(device.take_acts(), [DeviceAct::Setting(shown)]);
    // The change is stored: the scope stays denied.
    tap(&mut inst, "index", "locate").await;
    let refused = text(&inst, "refused");
    assert!(
        refused.contains("the user denied scope `user-location`"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_host_with_no_screen_refuses_what_needs_one_and_says_so() {
    let (_dir, _app, mut inst) = device_apis(Arc::new(HeadlessDevice::default()), None).await;
    let data = inst.page_data();
    assert_eq!(data["network"], "unknown");
    assert_eq!(data["connected"], true);
    assert_eq!(
        (&data["can_call"], &data["can_dim"]),
        (&false.into(), &false.into())
    );
    tap(&mut inst, "index", "vibrate").await;
    tap_with(&mut inst, "brightness", "value", "0.5").await;
    assert_eq!(
        inst.page_data()["refused"],
        "unsupported: this host has no screen for its brightness"
    );
    tap_with(&mut inst, "call", "number", NUMBER).await;
    assert_eq!(
        inst.page_data()["called"],
        "unsupported: this host has no screen for a phone call"
    );
    tap_with(&mut inst, "choose-image", "count", "2").await;
    assert_eq!(
        inst.page_data()["images"],
        "unsupported: this host has no screen for the image picker"
    );
}

#[tokio::test]
async fn a_loop_of_vibrations_is_bounded_per_callback_as_toasts_are() {
    let device = ScriptedDevice::default();
    let quotas = QuotaOverrides {
        host_ui_per_event: Some(3),
        ..QuotaOverrides::default()
    };
    let (_dir, app, mut inst) =
        device_apis_under(Arc::new(device.clone()), None, quotas, &[]).await;
    tap_with(&mut inst, "buzz", "times", "10").await;
    assert_eq!(inst.page_data()["buzzed"], 3);
    let refused = text(&inst, "refused");
    assert!(
        refused.starts_with("quota exceeded: host_ui_per_event: this callback has asked the host to draw 3 toasts, bar changes, vibrations or screen changes"),
        "{refused}"
    );
    assert_eq!(device.take_acts().len(), 3, "the provider did three");
    assert_eq!(app.usage().unwrap().quota_hits, 1);
    // The next callback has its own three.
    tap_with(&mut inst, "buzz", "times", "2").await;
    assert_eq!(inst.page_data()["buzzed"], 2);
}

#[tokio::test]
async fn a_code_scanned_and_a_place_chosen_and_shown_behind_their_scopes() {
    let read = ScanResult {
        result: "SF1234567890".into(),
        scan_type: "CODE_128".into(),
    };
    let place = Place {
        name: "The shop".into(),
        address: "1 Nanjing Road".into(),
        latitude: 31.2304,
        longitude: 121.4737,
    };
    let device = ScriptedDevice::answering([
        DeviceAnswer::Scan(Some(read)),
        DeviceAnswer::Scan(None),
        DeviceAnswer::Place(Some(place.clone())),
    ]);
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap(&mut inst, "index", "scan").await;
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["scanned"], "CODE_128 SF1234567890");
    tap(&mut inst, "index", "scan").await;
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["scanned"], "failed: cancel");
    tap(&mut inst, "index", "choose-place").await;
    delivered(&mut inst).await;
    assert_eq!(inst.page_data()["place"]["name"], "The shop");
    assert_eq!(inst.page_data()["place"]["latitude"], 31.2304);
    tap_with(&mut inst, "show-place", "name", "The shop").await;
    assert_eq!(inst.page_data()["shown"], "The shop");
    let shown = Place {
        address: String::new(),
        ..place
    };
    assert_eq!(
        device.take_acts(),
        [
            DeviceAct::Scan(true),
            DeviceAct::Scan(true),
            DeviceAct::ChooseLocation,
            DeviceAct::OpenLocation(shown, 16),
        ]
    );
    let long = "x".repeat(257);
    tap_with(&mut inst, "show-place", "name", &long).await;
    assert_eq!(
        text(&inst, "refused"),
        "invalid argument: the place's name is 257 characters, over the 256 allowed"
    );
}

#[tokio::test]
async fn without_the_user_s_consent_no_scanner_or_map_opens() {
    let device = ScriptedDevice::answering([DeviceAnswer::Scan(None)]);
    let quotas = QuotaOverrides::default();
    let (_dir, _app, mut inst) =
        device_apis_under(Arc::new(device.clone()), None, quotas, &[]).await;
    tap(&mut inst, "index", "scan").await;
    let scanned = text(&inst, "scanned");
    assert!(
        scanned.contains("the user denied scope `camera`"),
        "{scanned}"
    );
    tap(&mut inst, "index", "choose-place").await;
    let place = text(&inst, "place");
    assert!(
        place.contains("the user denied scope `user-location`"),
        "{place}"
    );
    assert_eq!(device.take_acts(), [], "neither opened");
}

#[tokio::test]
async fn an_address_is_the_user_s_to_give_within_a_tap_and_a_preview_is_checked() {
    let address = Address {
        user_name: "Ada".into(),
        postal_code: "100006".into(),
        province_name: "Beijing".into(),
        city_name: "Beijing".into(),
        county_name: "Dongcheng".into(),
        detail_info: "8 Wangfujing Street".into(),
        tel_number: "13900000000".into(),
    };
    let device = ScriptedDevice::answering([DeviceAnswer::Address(Some(address))]);
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap(&mut inst, "index", "address").await;
    delivered(&mut inst).await;
    assert_eq!(
        inst.page_data()["address"],
        "Ada 8 Wangfujing Street, Beijing"
    );
    inst.dispatch(&Event::new("index", "address"))
        .await
        .unwrap();
    let refused = text(&inst, "address");
    assert!(
        refused.contains("choose-address needs a user gesture"),
        "{refused}"
    );
    let a = "https://example.com/a.png";
    tap_with(&mut inst, "preview", "current", a).await;
    assert_eq!(inst.page_data()["previewed"], true);
    tap_with(&mut inst, "preview", "current", "https://example.com/c.png").await;
    assert_eq!(
        text(&inst, "refused"),
        "invalid argument: the current image is not one of the URLs to preview"
    );
    let urls = ["https://example.com/a.png", "https://example.com/b.png"].map(String::from);
    assert_eq!(
        device.take_acts(),
        [
            DeviceAct::ChooseAddress,
            DeviceAct::PreviewImage(urls.to_vec(), a.to_string())
        ]
    );
}

#[tokio::test]
async fn images_the_user_picks_are_the_instance_s_temp_files_until_it_ends() {
    // A PNG's header, 3 by 2 pixels; and bytes that are no image.
    let one = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02".to_vec();
    let two = b"\xff\xd8 two, longer".to_vec();
    let three = vec![PickedImage(b"x".to_vec()); 3];
    let device = ScriptedDevice::answering([
        DeviceAnswer::Images(Some(vec![
            PickedImage(one.clone()),
            PickedImage(two.clone()),
        ])),
        DeviceAnswer::Images(None),
        DeviceAnswer::Images(Some(three)),
    ]);
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap_with(&mut inst, "choose-image", "count", "2").await;
    delivered(&mut inst).await;
    let images = inst.page_data()["images"].clone();
    let paths: Vec<&str> = (images.as_array().unwrap().iter())
        .map(|image| image["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{images}");
    assert!(
        paths.iter().all(|p| p.starts_with("wxfile://tmp/")),
        "{images}"
    );
    assert_ne!(paths[0], paths[1]);
    assert_eq!(images[0]["size"], one.len());
    assert_eq!(images[1]["size"], two.len());
    let usage = app.usage().unwrap();
    let bytes = (one.len() + two.len()) as u64;
    assert_eq!((usage.temp_bytes, usage.temp_files), (bytes, 2));
    tap_with(&mut inst, "choose-image", "count", "2").await;
    delivered(&mut inst).await;
    assert_eq!(text(&inst, "images"), "failed: cancel");
    tap_with(&mut inst, "choose-image", "count", "2").await;
    delivered(&mut inst).await;
    assert_eq!(
        text(&inst, "images"),
        "failed: the host's picker gave 3 images for a count of 2"
    );
    let event = Event::new("index", "choose-image").with_detail(serde_json::json!({"count": "2"}));
    inst.dispatch(&event).await.unwrap();
    let refused = text(&inst, "images");
    assert!(
        refused.contains("choose-image needs a user gesture"),
        "{refused}"
    );
    tap_with(&mut inst, "choose-image", "count", "10").await;
    assert_eq!(
        text(&inst, "images"),
        "invalid argument: choose-image's count is 10; it takes 1 to 9"
    );
    let both = ImageSources {
        album: true,
        camera: true,
    };
    assert_eq!(device.take_acts(), vec![DeviceAct::ChooseImage(2, both); 3]);
    tap_with(&mut inst, "image-info", "src", paths[0]).await;
    assert_eq!(text(&inst, "info"), "3x2 png");
    tap_with(&mut inst, "save-image", "src", paths[0]).await;
    assert_eq!(inst.page_data()["saved"], true);
    let saved = DeviceAct::SavedToAlbum(PickedImage(one.clone()));
    assert_eq!(device.take_acts(), [saved]);
    tap_with(&mut inst, "image-info", "src", paths[1]).await;
    assert_eq!(
        text(&inst, "info"),
        format!(
            "invalid argument: {} is not a PNG, JPEG or GIF image",
            paths[1]
        )
    );
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.temp_bytes, usage.temp_files),
        (bytes, 2),
        "only the first kept"
    );
    drop(inst);
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.temp_bytes, usage.temp_files),
        (0, 0),
        "gone with the instance"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_picked_image_is_written_and_read_off_the_async_worker() {
    use crate::files::this_threads_io;
    // A PNG of 3 by 2 pixels by its header, 3,000,000 bytes: under the one
    // file's `http_response_bytes` and the `host_memory_bytes` its reads
    // hold (4 MiB each).
    const BIG: usize = 3_000_000;
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02".to_vec();
    png.resize(BIG, 0);
    let picked = vec![PickedImage(png.clone())];
    let device = ScriptedDevice::answering([DeviceAnswer::Images(Some(picked))]);
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    let written = this_threads_io("wchar");
    tap_with(&mut inst, "choose-image", "count", "1").await;
    delivered(&mut inst).await;
    let written = this_threads_io("wchar") - written;
    let images = inst.page_data()["images"].clone();
    assert_eq!(images[0]["size"], BIG, "{images}");
    assert_eq!(app.usage().unwrap().temp_bytes, BIG as u64);
    // The image went to disk from the blocking pool, and comes back from
    // it: this thread (the instance's async worker) wrote and read only
    // its own few bytes.
    assert!(
        written < BIG as u64 / 10,
        "the async worker wrote {written} bytes while the image was stored"
    );
    let path = images[0]["path"].as_str().unwrap().to_string();
    // The first save's consent check opens the consent store (its own
    // reads, about 1 MiB here): the album's read is measured on a second.
    tap_with(&mut inst, "save-image", "src", &path).await;
    assert_eq!(inst.page_data()["saved"], true);
    let read = this_threads_io("rchar");
    tap_with(&mut inst, "image-info", "src", &path).await;
    tap_with(&mut inst, "save-image", "src", &path).await;
    let read = this_threads_io("rchar") - read;
    assert_eq!(text(&inst, "info"), "3x2 png");
    let saved = DeviceAct::SavedToAlbum(PickedImage(png));
    assert_eq!(device.take_acts()[1..], [saved.clone(), saved]);
    assert!(
        read < BIG as u64 / 10,
        "the async worker read {read} bytes for the image's info and the album"
    );
}
