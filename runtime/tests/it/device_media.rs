//! The media picker and the album with a real guest
//! (`guest-examples/device-apis`): photos and videos the user picks
//! (`choose-media`, `choose-video`) become the instance's temp files with
//! their kind, size in pixels and length read from their headers; a file
//! of a kind not asked for, a longer video or one that is neither is
//! refused by name; a photo is saved to the album behind the `album`
//! scope; a headless host refuses both unless a fixture answers the
//! picker, and `can-i-use` says so.

use std::sync::Arc;

use miniapp_runtime::providers::{
    DeviceAct, DeviceAnswer, HeadlessDevice, ImageSources, MediaTypes, PickedImage, PickedMedia,
    ScriptedDevice,
};
use miniapp_runtime::{AppInstance, Event, QuotaOverrides, Scope};
use serde_json::{Value, json};

use crate::device_apis::{delivered, device_apis, device_apis_under, tap_with, text};

/// A PNG's header, 3 by 2 pixels.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02";

/// One ISO box: its size, `kind` and the boxes or bytes `inside`.
fn iso_box(kind: &str, inside: &[&[u8]]) -> Vec<u8> {
    let body = inside.concat();
    let mut out = u32::try_from(8 + body.len())
        .unwrap()
        .to_be_bytes()
        .to_vec();
    out.extend(kind.bytes().chain(body));
    out
}

/// The header of an MP4 video `seconds` long (timescale 600) whose video
/// track is `width` by `height`: `ftyp`, then `moov` with `mvhd` (version
/// 0) and one `trak` (`tkhd` version 0, `mdia/hdlr` of `vide`).
fn clip(seconds: u32, width: u32, height: u32) -> Vec<u8> {
    let mut mvhd = [0u8; 100];
    mvhd[12..16].copy_from_slice(&600u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&(seconds * 600).to_be_bytes());
    let mut tkhd = [0u8; 84];
    tkhd[76..80].copy_from_slice(&(width << 16).to_be_bytes());
    tkhd[80..84].copy_from_slice(&(height << 16).to_be_bytes());
    let hdlr = [&[0u8; 8][..], b"vide", &[0; 12]].concat();
    let mdia = iso_box("mdia", &[&iso_box("hdlr", &[&hdlr])]);
    let trak = iso_box("trak", &[&iso_box("tkhd", &[&tkhd]), &mdia]);
    let moov = iso_box("moov", &[&iso_box("mvhd", &[&mvhd]), &trak]);
    [iso_box("ftyp", &[b"mp42\0\0\0\0mp42isom"]), moov].concat()
}

/// Tap `handler` of the index page with `detail`.
async fn tap_detail(inst: &mut AppInstance, handler: &str, detail: Value) {
    let event = Event::tap("index", handler).with_detail(detail);
    (inst.dispatch(&event).await).unwrap_or_else(|e| panic!("index:{handler}: {e}"));
}

/// Tap `handler` with `detail` and deliver the picker's completion.
async fn pick(inst: &mut AppInstance, handler: &str, detail: Value) {
    tap_detail(inst, handler, detail).await;
    delivered(inst).await;
}

const BOTH: ImageSources = ImageSources {
    album: true,
    camera: true,
};

#[tokio::test]
async fn picked_photos_and_videos_are_temp_files_described_by_their_headers() {
    let video = clip(12, 640, 360);
    let device = ScriptedDevice::answering([
        DeviceAnswer::Media(Some(vec![
            PickedMedia(PNG.to_vec()),
            PickedMedia(video.clone()),
        ])),
        DeviceAnswer::Media(Some(vec![PickedMedia(clip(45, 1280, 720))])),
    ]);
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    let mix = json!({ "count": "3", "media": "mix", "max": "30" });
    pick(&mut inst, "choose-media", mix).await;
    let media = inst.page_data()["media"].clone();
    let shown = |at: usize| {
        let file = &media[at];
        let path = file["path"].as_str().unwrap_or_else(|| panic!("{media}"));
        assert!(path.starts_with("wxfile://tmp/"), "{media}");
        let kind = &file["type"];
        (kind.clone(), file["size"].clone(), file["duration"].clone())
    };
    assert_eq!(shown(0), (json!("image"), json!(PNG.len()), json!(0.0)));
    assert_eq!(shown(1), (json!("video"), json!(video.len()), json!(12.0)));
    assert_eq!(
        (&media[0]["width"], &media[0]["height"]),
        (&json!(3), &json!(2))
    );
    assert_eq!(
        (&media[1]["width"], &media[1]["height"]),
        (&json!(640), &json!(360))
    );
    let usage = app.usage().unwrap();
    let bytes = (PNG.len() + video.len()) as u64;
    assert_eq!((usage.temp_bytes, usage.temp_files), (bytes, 2));
    pick(&mut inst, "choose-video", json!({ "max": "60" })).await;
    let chosen = text(&inst, "video");
    assert!(chosen.starts_with("1280x720 45s wxfile://tmp/"), "{chosen}");
    let mix = MediaTypes {
        image: true,
        video: true,
    };
    let only_video = MediaTypes {
        image: false,
        video: true,
    };
    assert_eq!(
        device.take_acts(),
        [
            DeviceAct::ChooseMedia(3, mix, BOTH, 30),
            DeviceAct::ChooseMedia(1, only_video, BOTH, 60)
        ]
    );
    drop(inst);
    let usage = app.usage().unwrap();
    assert_eq!((usage.temp_bytes, usage.temp_files), (0, 0));
}

#[tokio::test]
async fn a_picked_file_of_the_wrong_kind_or_too_long_is_refused_by_name_and_not_kept() {
    let long = clip(75, 320, 240);
    let device = ScriptedDevice::answering([
        DeviceAnswer::Media(Some(vec![PickedMedia(long.clone())])),
        DeviceAnswer::Media(Some(vec![PickedMedia(PNG.to_vec())])),
        DeviceAnswer::Media(Some(vec![PickedMedia(b"a text file".to_vec())])),
        DeviceAnswer::Media(Some(vec![PickedMedia(PNG.to_vec()); 2])),
        DeviceAnswer::Media(None),
    ]);
    let (_dir, app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    let refusals = [
        format!(
            "failed: picked file 1 ({} bytes) is a video of 75 seconds, over the max-duration of 60",
            long.len()
        ),
        format!(
            "failed: picked file 1 ({} bytes) is an image; videos were asked for",
            PNG.len()
        ),
        "failed: picked file 1 (11 bytes) is neither a PNG, JPEG or GIF image nor an MP4 video"
            .to_string(),
        "failed: the host's picker gave 2 files for a count of 1".to_string(),
        "failed: cancel".to_string(),
    ];
    for refusal in refusals {
        pick(&mut inst, "choose-video", json!({ "max": "60" })).await;
        assert_eq!(text(&inst, "video"), refusal);
    }
    let usage = app.usage().unwrap();
    assert_eq!((usage.temp_bytes, usage.temp_files), (0, 0), "none kept");
    // Refused before the picker opens: no tap, a max-duration off 3 to 60.
    let event = Event::new("index", "choose-video").with_detail(json!({ "max": "60" }));
    inst.dispatch(&event).await.unwrap();
    let refused = text(&inst, "video");
    assert!(
        refused.contains("choose-media needs a user gesture"),
        "{refused}"
    );
    tap_with(&mut inst, "choose-video", "max", "61").await;
    assert_eq!(
        text(&inst, "video"),
        "invalid argument: choose-media's max-duration is 61 seconds; it takes 3 to 60"
    );
    let mix = json!({ "count": "10", "media": "mix", "max": "10" });
    tap_detail(&mut inst, "choose-media", mix).await;
    assert_eq!(
        text(&inst, "media"),
        "invalid argument: choose-media's count is 10; it takes 1 to 9"
    );
    assert_eq!(
        device.take_acts().len(),
        5,
        "only the five picks reached it"
    );
}

#[tokio::test]
async fn a_photo_goes_to_the_album_only_with_the_album_scope() {
    let answer = || DeviceAnswer::Images(Some(vec![PickedImage(PNG.to_vec())]));
    let device = ScriptedDevice::answering([answer(), answer()]);
    let denied = [Scope::Camera];
    let (_dir, _app, mut inst) = device_apis_under(
        Arc::new(device.clone()),
        None,
        QuotaOverrides::default(),
        &denied,
    )
    .await;
    tap_with(&mut inst, "choose-image", "count", "1").await;
    delivered(&mut inst).await;
    let photo = text(&inst, "photo");
    tap_with(&mut inst, "save-image", "src", &photo).await;
    let refused = text(&inst, "saved");
    assert!(refused.contains("scope `album`"), "{refused}");
    tap_with(&mut inst, "save-image", "src", "wxfile://tmp/none").await;
    let refused = text(&inst, "saved");
    assert!(refused.contains("wxfile://tmp/none"), "{refused}");
    assert_eq!(device.take_acts(), [DeviceAct::ChooseImage(1, BOTH)]);
    let (_dir, _app, mut inst) = device_apis(Arc::new(device.clone()), None).await;
    tap_with(&mut inst, "choose-image", "count", "1").await;
    delivered(&mut inst).await;
    let photo = text(&inst, "photo");
    tap_with(&mut inst, "save-image", "src", &photo).await;
    assert_eq!(inst.page_data()["saved"], true);
    let saved = DeviceAct::SavedToAlbum(PickedImage(PNG.to_vec()));
    assert_eq!(device.take_acts(), [DeviceAct::ChooseImage(1, BOTH), saved]);
}

/// The device-apis example under `quotas`, the `album` scope granted, after
/// the user picked `image` (its temp path): the instance, the device that
/// answered and the path.
async fn photo_picked(
    image: Vec<u8>,
    quotas: QuotaOverrides,
) -> (tempfile::TempDir, AppInstance, ScriptedDevice, String) {
    let device = ScriptedDevice::answering([DeviceAnswer::Images(Some(vec![PickedImage(image)]))]);
    let (dir, _app, mut inst) =
        device_apis_under(Arc::new(device.clone()), None, quotas, &[Scope::Album]).await;
    tap_with(&mut inst, "choose-image", "count", "1").await;
    delivered(&mut inst).await;
    let photo = text(&inst, "photo");
    (dir, inst, device, photo)
}

#[tokio::test]
async fn saves_to_the_album_count_in_the_host_s_draws_per_callback() {
    let quotas = QuotaOverrides {
        host_ui_per_event: Some(2),
        ..QuotaOverrides::default()
    };
    let (_dir, mut inst, device, photo) = photo_picked(PNG.to_vec(), quotas).await;
    let three = json!({ "src": photo, "times": "3" });
    tap_detail(&mut inst, "save-images", three).await;
    let refused = text(&inst, "saved");
    assert!(refused.contains("host_ui_per_event"), "{refused}");
    let saved = DeviceAct::SavedToAlbum(PickedImage(PNG.to_vec()));
    assert_eq!(
        device.take_acts(),
        [DeviceAct::ChooseImage(1, BOTH), saved.clone(), saved],
        "two saved, the third refused"
    );
}

#[tokio::test]
async fn a_big_photo_is_refused_by_the_host_memory_budget_naming_it() {
    // A PNG's header and 100,000 bytes more: over a 60,000-byte budget.
    let big = [PNG, &[0; 100_000]].concat();
    let big_len = big.len();
    let quotas = QuotaOverrides {
        host_memory_bytes: Some(60_000),
        ..QuotaOverrides::default()
    };
    let (_dir, mut inst, device, photo) = photo_picked(big, quotas).await;
    tap_with(&mut inst, "save-image", "src", &photo).await;
    let refused = text(&inst, "saved");
    assert!(
        refused.contains(&format!(
            "an image saved to the album needs {big_len} bytes"
        )) && refused.contains("quota `host_memory_bytes`"),
        "{refused}"
    );
    assert_eq!(
        device.take_acts(),
        [DeviceAct::ChooseImage(1, BOTH)],
        "not saved"
    );
    // Reading its size holds it whole too.
    tap_with(&mut inst, "image-info", "src", &photo).await;
    let refused = text(&inst, "info");
    let needs = format!("an image read for its size needs {big_len} bytes");
    assert!(refused.contains(&needs), "{refused}");
}

#[tokio::test]
async fn a_headless_host_picks_only_its_fixture_and_saves_nothing() {
    let headless = Arc::new(HeadlessDevice::default());
    let (_dir, _app, mut inst) = device_apis(headless, None).await;
    let data = inst.page_data();
    assert_eq!(
        (&data["can_pick_media"], &data["can_save"]),
        (&json!(false), &json!(false))
    );
    tap_with(&mut inst, "choose-video", "max", "60").await;
    assert_eq!(
        text(&inst, "video"),
        "unsupported: this host has no screen for the media picker"
    );
    let fixtures = HeadlessDevice::picking(PNG.to_vec()).picking_video(clip(5, 320, 240));
    let (_dir, _app, mut inst) = device_apis(Arc::new(fixtures), None).await;
    assert_eq!(inst.page_data()["can_pick_media"], true);
    pick(&mut inst, "choose-video", json!({ "max": "10" })).await;
    assert!(text(&inst, "video").starts_with("320x240 5s wxfile://tmp/"));
    let photos = json!({ "count": "1", "media": "image", "max": "10" });
    pick(&mut inst, "choose-media", photos).await;
    assert_eq!(inst.page_data()["media"][0]["type"], "image");
    let photo = text(&inst, "photo");
    tap_with(&mut inst, "save-image", "src", &photo).await;
    assert_eq!(
        text(&inst, "saved"),
        "unsupported: this host has no screen for the photo album"
    );
}
