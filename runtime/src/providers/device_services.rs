//! The device's services an app uses beyond its facts (`device-api`): the
//! network, vibration, the screen, the phone and the app's settings page.
//! The runtime has checked the app's arguments, its gesture and its quotas
//! before a provider sees a call. [`HeadlessDevice`] is the default (a host
//! with no screen); [`ScriptedDevice`] answers from a script, for tests and
//! non-interactive hosts.

use std::sync::{Arc, Mutex};

use miniapp_config::Scope;
use serde::Serialize;
use tokio::sync::watch;

use super::script::Script;
use super::{Asked, ProviderError};
use crate::consent::Consent;

/// The network the device is on (`device-api.network-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkType {
    /// Wi-Fi.
    Wifi,
    /// A 2G cell network.
    Cell2g,
    /// A 3G cell network.
    Cell3g,
    /// A 4G cell network.
    Cell4g,
    /// A 5G cell network.
    Cell5g,
    /// Connected, the kind unknown.
    Unknown,
    /// No network.
    None,
}

/// A vibration (`device-api.vibrate-short`, `vibrate-long`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vibration {
    /// 15 ms, heavy.
    ShortHeavy,
    /// 15 ms, medium.
    ShortMedium,
    /// 15 ms, light.
    ShortLight,
    /// 400 ms.
    Long,
}

/// What the scanner read (`device-api.scan-result`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanResult {
    /// The code's content.
    pub result: String,
    /// Its kind, WeChat's `scanType` (`QR_CODE`, `EAN_13`...).
    pub scan_type: String,
}

/// A place on the map (`device-api.place`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
}

/// A delivery address (`device-api.address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// The receiver's name.
    pub user_name: String,
    /// The postal code.
    pub postal_code: String,
    /// The province.
    pub province_name: String,
    /// The city.
    pub city_name: String,
    /// The county or district.
    pub county_name: String,
    /// The street address.
    pub detail_info: String,
    /// The receiver's phone number.
    pub tel_number: String,
}

/// Where the image picker may take pictures from (`device-api.image-sources`):
/// at least one of them (checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImageSources {
    /// The user's album.
    pub album: bool,
    /// The camera.
    pub camera: bool,
}

/// What the media picker may give (`device-api.media-types`): at least
/// one kind (checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MediaTypes {
    /// Images (PNG, JPEG, GIF).
    pub image: bool,
    /// Videos (MP4).
    pub video: bool,
}

/// A file the user picked in the media picker: its bytes, as the picker
/// gives them (the runtime reads its kind from them).
#[derive(Clone, PartialEq, Eq)]
pub struct PickedMedia(pub Vec<u8>);

impl std::fmt::Debug for PickedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PickedMedia({} bytes)", self.0.len())
    }
}

/// An image the user picked: its bytes, as the picker gives them.
#[derive(Clone, PartialEq, Eq)]
pub struct PickedImage(pub Vec<u8>);

impl std::fmt::Debug for PickedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PickedImage({} bytes)", self.0.len())
    }
}

/// The device's services for apps. Methods without an answer to wait for
/// must not block; a phone call and the settings page are answered by the
/// user later (their future runs after the app's call returned, and is
/// dropped if the call is cancelled).
pub trait DeviceServices: Send + Sync {
    /// The network now, and its changes: the runtime watches the receiver
    /// for an app that asked to be told (`on-network-status-change-start`).
    fn network(&self) -> watch::Receiver<NetworkType>;
    /// Vibrate for app `app_id`.
    fn vibrate(&self, app_id: &str, vibration: Vibration);
    /// Keep the screen on (or not) while app `app_id` is shown.
    fn keep_screen_on(&self, app_id: &str, on: bool);
    /// Whether there is a screen and a user: if not, the runtime refuses
    /// the brightness, phone calls and the settings page with
    /// `unsupported` at once, and `can-i-use` says no to them.
    fn has_screen(&self) -> bool;
    /// Set the screen's brightness, 0 to 1 (checked).
    fn set_brightness(&self, app_id: &str, value: f64) -> Result<(), ProviderError>;
    /// The screen's brightness, 0 to 1.
    fn brightness(&self, app_id: &str) -> Result<f64, ProviderError>;
    /// Ask the user whether to call `number` for app `app_id`: `true` if
    /// they called.
    fn ask_phone_call(&self, app_id: &str, number: String) -> Asked<bool>;
    /// Show app `app_id`'s settings page with `settings` (the scopes the
    /// user was asked for, and their answers): the answers as the user
    /// left them. A scope not in `settings` is ignored, as is `NotAsked`.
    fn open_setting(
        &self,
        app_id: &str,
        settings: Vec<(Scope, Consent)>,
    ) -> Asked<Vec<(Scope, Consent)>>;
    /// Open the scanner for app `app_id` (the runtime has checked the
    /// `camera` consent): what it read, `None` if the user closed it.
    fn scan_code(&self, app_id: &str, only_from_camera: bool) -> Asked<Option<ScanResult>>;
    /// Let the user pick a place for app `app_id` (the runtime has checked
    /// the `user-location` consent): `None` if they closed the map.
    fn choose_location(&self, app_id: &str) -> Asked<Option<Place>>;
    /// Show `place` (checked) on the map at zoom `scale` for app `app_id`.
    fn open_location(&self, app_id: &str, place: Place, scale: u32) -> Result<(), ProviderError>;
    /// Let the user pick one of their addresses for app `app_id`: `None`
    /// if they closed the list.
    fn choose_address(&self, app_id: &str) -> Asked<Option<Address>>;
    /// Show `urls` (checked) full screen from `current` for app `app_id`.
    fn preview_image(
        &self,
        app_id: &str,
        urls: Vec<String>,
        current: String,
    ) -> Result<(), ProviderError>;
    /// Whether `choose_image` can be answered: where there is a screen, or
    /// where a host without one answers the picker from a fixture
    /// (`miniapp run --fixture image=FILE`). If not, the runtime refuses
    /// the picker with `unsupported` at once, and `can-i-use` says no.
    fn can_pick_images(&self) -> bool {
        self.has_screen()
    }
    /// Save `image` (a temp file of app `app_id`) to the user's photo album
    /// (the runtime has checked the `album` consent).
    fn save_to_album(&self, app_id: &str, image: PickedImage) -> Result<(), ProviderError>;
    /// Let the user pick up to `count` images (1 to 9, checked) from
    /// `sources` for app `app_id`: their bytes, in the order picked
    /// (the runtime writes them to the app's temp area and refuses more
    /// than `count`); `None` if they closed the picker.
    fn choose_image(
        &self,
        app_id: &str,
        count: u32,
        sources: ImageSources,
    ) -> Asked<Option<Vec<PickedImage>>>;
    /// Whether `choose_media` can be answered with a video: where there is
    /// a screen, or where a host without one answers the picker from a
    /// fixture (`miniapp run --fixture video=FILE`). The runtime refuses a
    /// picker this host answers with neither kind asked for.
    fn can_pick_videos(&self) -> bool {
        self.has_screen()
    }
    /// Let the user pick up to `count` files (1 to 9, checked) of `media`
    /// from `sources` for app `app_id`, a video at most `max_duration`
    /// seconds (3 to 60, checked; the runtime refuses a longer one): their
    /// bytes, in the order picked (the runtime reads each one's kind and
    /// size from its header, refuses a kind not asked for, and writes them
    /// to the app's temp area); `None` if they closed the picker.
    fn choose_media(
        &self,
        app_id: &str,
        count: u32,
        media: MediaTypes,
        sources: ImageSources,
        max_duration: u32,
    ) -> Asked<Option<Vec<PickedMedia>>>;
}

/// The default: a host with no screen (a server, `miniapp run` without
/// fixtures). Its network is `unknown` (it answers requests; it cannot
/// tell their kind) and never changes; vibrating and keeping the screen on
/// do nothing; the brightness, phone calls and the settings page are
/// refused (nobody sees or answers them), and so is saving to the album.
/// Its pickers are refused too, unless a fixture answers them
/// ([`HeadlessDevice::picking`], [`HeadlessDevice::picking_video`]).
#[derive(Debug, Clone)]
pub struct HeadlessDevice {
    network: watch::Sender<NetworkType>,
    image: Option<Arc<[u8]>>,
    video: Option<Arc<[u8]>>,
}

impl Default for HeadlessDevice {
    fn default() -> Self {
        HeadlessDevice {
            network: watch::Sender::new(NetworkType::Unknown),
            image: None,
            video: None,
        }
    }
}

impl HeadlessDevice {
    /// A headless device whose image picker answers every `choose_image`
    /// with one image, `image`'s bytes, as a user who picks that file.
    pub fn picking(image: Vec<u8>) -> HeadlessDevice {
        HeadlessDevice {
            image: Some(image.into()),
            ..HeadlessDevice::default()
        }
    }

    /// This device, its media picker answering a `choose_media` that
    /// takes videos with one video, `video`'s bytes (and one that takes
    /// only images with its fixture image, if any).
    pub fn picking_video(self, video: Vec<u8>) -> HeadlessDevice {
        HeadlessDevice {
            video: Some(video.into()),
            ..self
        }
    }
}

fn no_screen<T>() -> Result<T, ProviderError> {
    Err(ProviderError("this host has no screen".into()))
}

impl DeviceServices for HeadlessDevice {
    fn network(&self) -> watch::Receiver<NetworkType> {
        self.network.subscribe()
    }
    fn vibrate(&self, _: &str, _: Vibration) {}
    fn keep_screen_on(&self, _: &str, _: bool) {}
    fn has_screen(&self) -> bool {
        false
    }
    fn set_brightness(&self, _: &str, _: f64) -> Result<(), ProviderError> {
        no_screen()
    }
    fn brightness(&self, _: &str) -> Result<f64, ProviderError> {
        no_screen()
    }
    fn ask_phone_call(&self, _: &str, _: String) -> Asked<bool> {
        Box::pin(async { no_screen() })
    }
    fn open_setting(&self, _: &str, _: Vec<(Scope, Consent)>) -> Asked<Vec<(Scope, Consent)>> {
        Box::pin(async { no_screen() })
    }
    fn scan_code(&self, _: &str, _: bool) -> Asked<Option<ScanResult>> {
        Box::pin(async { no_screen() })
    }
    fn choose_location(&self, _: &str) -> Asked<Option<Place>> {
        Box::pin(async { no_screen() })
    }
    fn open_location(&self, _: &str, _: Place, _: u32) -> Result<(), ProviderError> {
        no_screen()
    }
    fn choose_address(&self, _: &str) -> Asked<Option<Address>> {
        Box::pin(async { no_screen() })
    }
    fn preview_image(&self, _: &str, _: Vec<String>, _: String) -> Result<(), ProviderError> {
        no_screen()
    }
    fn can_pick_images(&self) -> bool {
        self.image.is_some()
    }
    fn save_to_album(&self, _: &str, _: PickedImage) -> Result<(), ProviderError> {
        no_screen()
    }
    fn choose_image(&self, _: &str, _: u32, _: ImageSources) -> Asked<Option<Vec<PickedImage>>> {
        let image = self.image.clone();
        Box::pin(async move {
            match image {
                Some(bytes) => Ok(Some(vec![PickedImage(bytes.to_vec())])),
                None => no_screen(),
            }
        })
    }
    fn can_pick_videos(&self) -> bool {
        self.video.is_some()
    }
    fn choose_media(
        &self,
        _: &str,
        _: u32,
        media: MediaTypes,
        _: ImageSources,
        _: u32,
    ) -> Asked<Option<Vec<PickedMedia>>> {
        let video = self.video.clone().filter(|_| media.video);
        let fixture = video.or_else(|| self.image.clone().filter(|_| media.image));
        Box::pin(async move {
            match fixture {
                Some(bytes) => Ok(Some(vec![PickedMedia(bytes.to_vec())])),
                None => no_screen(),
            }
        })
    }
}

/// What [`ScriptedDevice`] was asked to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceAct {
    /// A vibration.
    Vibrated(Vibration),
    /// The screen kept on, or let go.
    KeepScreenOn(bool),
    /// The brightness set.
    Brightness(f64),
    /// A phone call asked for.
    PhoneCall(String),
    /// The settings page shown with these settings.
    Setting(Vec<(Scope, Consent)>),
    /// The scanner opened (only from the camera, or not).
    Scan(bool),
    /// The map opened to choose a place.
    ChooseLocation,
    /// A place shown on the map, at a zoom.
    OpenLocation(Place, u32),
    /// The address list opened.
    ChooseAddress,
    /// Images shown full screen: the URLs, and the one shown first.
    PreviewImage(Vec<String>, String),
    /// The image picker opened: the most images, and where from.
    ChooseImage(u32, ImageSources),
    /// An image saved to the album.
    SavedToAlbum(PickedImage),
    /// The media picker opened: the most files, of what kinds, where from,
    /// and a video's longest in seconds.
    ChooseMedia(u32, MediaTypes, ImageSources, u32),
}

/// One scripted answer of [`ScriptedDevice`].
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceAnswer {
    /// Answers the next phone call: `true` if the user calls.
    PhoneCall(bool),
    /// Answers the next settings page: the changes the user makes.
    Setting(Vec<(Scope, Consent)>),
    /// Answers the next scan: what the camera read, `None` to close it.
    Scan(Option<ScanResult>),
    /// Answers the next map to choose on: the place, `None` to close it.
    Place(Option<Place>),
    /// Answers the next address list: the address, `None` to close it.
    Address(Option<Address>),
    /// Answers the next image picker: the images, `None` to close it.
    Images(Option<Vec<PickedImage>>),
    /// Answers the next media picker: the files, `None` to close it.
    Media(Option<Vec<PickedMedia>>),
}

/// A device answered from a script: the network is what
/// [`ScriptedDevice::set_network`] last set (Wi-Fi at first); the
/// brightness is held (0.5 at first); each phone call or settings page
/// takes the next answer of its kind, and fails when none is left;
/// everything asked is recorded. Clones share the script and the record.
#[derive(Debug, Clone)]
pub struct ScriptedDevice {
    network: watch::Sender<NetworkType>,
    brightness: Arc<Mutex<f64>>,
    script: Script<DeviceAnswer, DeviceAct>,
}

impl ScriptedDevice {
    /// A device giving `answers`, each to the next question of its kind.
    pub fn answering(answers: impl IntoIterator<Item = DeviceAnswer>) -> ScriptedDevice {
        ScriptedDevice {
            network: watch::Sender::new(NetworkType::Wifi),
            brightness: Arc::new(Mutex::new(0.5)),
            script: Script::new(answers),
        }
    }

    /// The device moves to `network` (apps watching are told if it changed).
    pub fn set_network(&self, network: NetworkType) {
        self.network.send_if_modified(|now| {
            let changed = *now != network;
            *now = network;
            changed
        });
    }

    /// Everything asked since the last call, in order.
    pub fn take_acts(&self) -> Vec<DeviceAct> {
        self.script.take_record()
    }

    fn brightness_now(&self) -> std::sync::MutexGuard<'_, f64> {
        self.brightness.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for ScriptedDevice {
    fn default() -> Self {
        ScriptedDevice::answering([])
    }
}

impl DeviceServices for ScriptedDevice {
    fn network(&self) -> watch::Receiver<NetworkType> {
        self.network.subscribe()
    }
    fn vibrate(&self, _: &str, vibration: Vibration) {
        self.script.record(DeviceAct::Vibrated(vibration));
    }
    fn keep_screen_on(&self, _: &str, on: bool) {
        self.script.record(DeviceAct::KeepScreenOn(on));
    }
    fn has_screen(&self) -> bool {
        true
    }
    fn set_brightness(&self, _: &str, value: f64) -> Result<(), ProviderError> {
        *self.brightness_now() = value;
        self.script.record(DeviceAct::Brightness(value));
        Ok(())
    }
    fn brightness(&self, _: &str) -> Result<f64, ProviderError> {
        Ok(*self.brightness_now())
    }
    fn ask_phone_call(&self, _: &str, number: String) -> Asked<bool> {
        self.script
            .answer("phone call", DeviceAct::PhoneCall(number), |a| match a {
                DeviceAnswer::PhoneCall(called) => Some(*called),
                _ => None,
            })
    }
    fn open_setting(
        &self,
        _: &str,
        settings: Vec<(Scope, Consent)>,
    ) -> Asked<Vec<(Scope, Consent)>> {
        let shown = settings.clone();
        let changes = self
            .script
            .answer("settings page", DeviceAct::Setting(shown), |a| match a {
                DeviceAnswer::Setting(changes) => Some(changes.clone()),
                _ => None,
            });
        Box::pin(async move {
            let changes = changes.await?;
            Ok(settings
                .into_iter()
                .map(|(scope, was)| {
                    let changed = changes.iter().find(|(s, _)| *s == scope);
                    (scope, changed.map_or(was, |(_, now)| *now))
                })
                .collect())
        })
    }
    fn scan_code(&self, _: &str, only_from_camera: bool) -> Asked<Option<ScanResult>> {
        self.script
            .answer("scanner", DeviceAct::Scan(only_from_camera), |a| match a {
                DeviceAnswer::Scan(read) => Some(read.clone()),
                _ => None,
            })
    }
    fn choose_location(&self, _: &str) -> Asked<Option<Place>> {
        self.script
            .answer("map", DeviceAct::ChooseLocation, |a| match a {
                DeviceAnswer::Place(place) => Some(place.clone()),
                _ => None,
            })
    }
    fn open_location(&self, _: &str, place: Place, scale: u32) -> Result<(), ProviderError> {
        self.script.record(DeviceAct::OpenLocation(place, scale));
        Ok(())
    }
    fn choose_address(&self, _: &str) -> Asked<Option<Address>> {
        self.script
            .answer("address list", DeviceAct::ChooseAddress, |a| match a {
                DeviceAnswer::Address(address) => Some(address.clone()),
                _ => None,
            })
    }
    fn preview_image(
        &self,
        _: &str,
        urls: Vec<String>,
        current: String,
    ) -> Result<(), ProviderError> {
        self.script.record(DeviceAct::PreviewImage(urls, current));
        Ok(())
    }
    fn save_to_album(&self, _: &str, image: PickedImage) -> Result<(), ProviderError> {
        self.script.record(DeviceAct::SavedToAlbum(image));
        Ok(())
    }
    fn choose_image(
        &self,
        _: &str,
        count: u32,
        sources: ImageSources,
    ) -> Asked<Option<Vec<PickedImage>>> {
        let act = DeviceAct::ChooseImage(count, sources);
        self.script.answer("image picker", act, |a| match a {
            DeviceAnswer::Images(images) => Some(images.clone()),
            _ => None,
        })
    }
    fn choose_media(
        &self,
        _: &str,
        count: u32,
        media: MediaTypes,
        sources: ImageSources,
        max_duration: u32,
    ) -> Asked<Option<Vec<PickedMedia>>> {
        let act = DeviceAct::ChooseMedia(count, media, sources, max_duration);
        self.script.answer("media picker", act, |a| match a {
            DeviceAnswer::Media(files) => Some(files.clone()),
            _ => None,
        })
    }
}
