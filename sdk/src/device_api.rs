//! The device's services, as WeChat's `wx.getNetworkType`,
//! `wx.onNetworkStatusChange`, `wx.vibrateShort`, `wx.vibrateLong`,
//! `wx.setKeepScreenOn`, `wx.setScreenBrightness`, `wx.getScreenBrightness`,
//! `wx.getMenuButtonBoundingClientRect`, `wx.makePhoneCall`,
//! `wx.openSetting`, `wx.scanCode`, `wx.chooseLocation`,
//! `wx.openLocation`, `wx.chooseAddress`, `wx.previewImage`,
//! `wx.chooseImage`, `wx.chooseMedia`, `wx.chooseVideo`, `wx.getImageInfo`
//! and `wx.saveImageToPhotosAlbum`. Every app may call them (no
//! permission); a phone call, the settings page, the address list and the
//! image and media pickers only while handling a tap. A host with no screen
//! (a server, `miniapp run`) says the network is `unknown` and refuses the
//! brightness, phone calls and the settings page with
//! [`Error::Unsupported`] (ask
//! [`system::can_i_use`](crate::system::can_i_use) first).
//!
//! ```ignore
//! use miniapp_sdk::{device_api, task, view};
//!
//! view::set("network", device_api::network_type().as_str())?;
//! device_api::on_network_status_change(|status| view::set("online", status.is_connected))?;
//! task::spawn(async {
//!     device_api::make_phone_call("+86 10 1234 5678").await?;
//!     view::set("called", true)
//! });
//! ```

use crate::bindings::miniapp::host::device_api as host;
use crate::callbacks::Callbacks;
use crate::permission::{Consent, Scope};
use crate::task::{self, TaskId};
use crate::{Error, Result};

// The host API's own types (the WIT is their one definition).
pub use host::{
    Address, ChosenFile, ChosenMedia, ImageInfo, ImageSources, MediaType, MediaTypes, NetworkType,
    Place, Rect, ScanResult, VibrationStrength,
};

impl MediaType {
    /// WeChat's name for it (`fileType`): `image` or `video`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Video => "video",
        }
    }
}

impl NetworkType {
    /// WeChat's name for it: `wifi`, `2g`, `3g`, `4g`, `5g`, `unknown`,
    /// `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkType::Wifi => "wifi",
            NetworkType::Cell2g => "2g",
            NetworkType::Cell3g => "3g",
            NetworkType::Cell4g => "4g",
            NetworkType::Cell5g => "5g",
            NetworkType::Unknown => "unknown",
            NetworkType::None => "none",
        }
    }
}

/// What `wx.onNetworkStatusChange` gives its listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkStatus {
    /// `isConnected`: any network but `none`.
    pub is_connected: bool,
    /// `networkType`.
    pub network_type: NetworkType,
}

/// The network the device is on now (`wx.getNetworkType`).
#[doc(alias = "getNetworkType")]
pub fn network_type() -> NetworkType {
    host::get_network_type()
}

/// The network now, as a listener of [`on_network_status_change`] gets it.
pub fn network_status() -> NetworkStatus {
    let network_type = network_type();
    NetworkStatus {
        is_connected: network_type != NetworkType::None,
        network_type,
    }
}

/// [`network_status`] to `success` (`wx.getNetworkType({success})`), after
/// the current handler. Add the callbacks, then
/// [`call`](crate::callbacks::Callbacks::call).
#[doc(alias = "getNetworkType")]
pub fn get_network_type() -> Callbacks<NetworkStatus> {
    Callbacks::later(|| Ok(network_status()))
}

/// A listener of [`on_network_status_change`], until [`NetworkListener::off`].
#[derive(Debug)]
pub struct NetworkListener(TaskId);

impl NetworkListener {
    /// Stop listening (`wx.offNetworkStatusChange`): `f` is not called again.
    #[doc(alias = "offNetworkStatusChange")]
    pub fn off(self) {
        task::abort(self.0);
    }
}

/// Call `f` with the network's status each time it changes
/// (`wx.onNetworkStatusChange`), until [`NetworkListener::off`] or the page
/// that started it leaves the stack. Changes while a call of `f` waits to
/// run make one call, with the status then. An error from `f` is reported
/// and listening goes on. Refused past the app's `pending_calls`.
#[doc(alias = "onNetworkStatusChange")]
pub fn on_network_status_change(
    mut f: impl FnMut(NetworkStatus) -> Result<()> + 'static,
) -> Result<NetworkListener> {
    let mut changes = task::completions(host::on_network_status_change_start()?);
    Ok(NetworkListener(task::spawn_task(async move {
        loop {
            match changes.next().await {
                Ok(()) => {
                    if let Err(e) = f(network_status()) {
                        task::report(e);
                    }
                }
                Err(Error::Cancelled(_)) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    })))
}

/// Vibrate for 15 ms (`wx.vibrateShort`).
#[doc(alias = "vibrateShort")]
pub fn vibrate_short(strength: VibrationStrength) -> Result<()> {
    Ok(host::vibrate_short(strength)?)
}

/// Vibrate for 400 ms (`wx.vibrateLong`).
#[doc(alias = "vibrateLong")]
pub fn vibrate_long() -> Result<()> {
    Ok(host::vibrate_long()?)
}

/// Keep the screen on while the app is shown, or not (`wx.setKeepScreenOn`).
#[doc(alias = "setKeepScreenOn")]
pub fn set_keep_screen_on(keep_screen_on: bool) -> Result<()> {
    Ok(host::set_keep_screen_on(keep_screen_on)?)
}

/// Set the screen's brightness, 0 to 1 (`wx.setScreenBrightness`).
#[doc(alias = "setScreenBrightness")]
pub fn set_screen_brightness(value: f64) -> Result<()> {
    Ok(host::set_screen_brightness(value)?)
}

/// The screen's brightness, 0 to 1 (`wx.getScreenBrightness`).
#[doc(alias = "getScreenBrightness")]
pub fn screen_brightness() -> Result<f64> {
    Ok(host::get_screen_brightness()?)
}

/// Where the host draws its menu button, the capsule, in the window
/// (`wx.getMenuButtonBoundingClientRect`), to lay a custom navigation bar
/// out around it.
#[doc(alias = "getMenuButtonBoundingClientRect")]
pub fn menu_button_bounding_client_rect() -> Rect {
    host::get_menu_button_bounding_client_rect()
}

/// Ask the user to call `phone_number` (`wx.makePhoneCall`), while
/// handling a tap: resolves when they called; [`Error::Failed`] with
/// `cancel` if they did not.
#[doc(alias = "makePhoneCall")]
pub async fn make_phone_call(phone_number: &str) -> Result<()> {
    task::completion(host::make_phone_call(phone_number)?).await
}

/// Show the app's settings page (`wx.openSetting`), while handling a tap:
/// the user may change the answers they gave; resolves with every scope
/// the app declared and its consent as the user left it (`authSetting`).
#[doc(alias = "openSetting")]
pub async fn open_setting() -> Result<Vec<(Scope, Consent)>> {
    let id = host::open_setting()?;
    task::completion(id).await?;
    Ok(host::take_setting(id)?)
}

/// Scan a code with the camera (`wx.scanCode`; `only_from_camera`: not
/// from an album picture): asks the user for the `camera` scope on first
/// use (the manifest declares it). Resolves with what was read;
/// [`Error::Failed`] with `cancel` if the user closed the scanner.
#[doc(alias = "scanCode")]
pub async fn scan_code(only_from_camera: bool) -> Result<ScanResult> {
    let id = host::scan_code(only_from_camera)?;
    task::completion(id).await?;
    Ok(host::take_scan_result(id)?)
}

/// Let the user pick a place on a map (`wx.chooseLocation`): needs the
/// `location` permission and the `user-location` scope. Resolves with the
/// place; [`Error::Failed`] with `cancel` if the user closed the map.
#[doc(alias = "chooseLocation")]
pub async fn choose_location() -> Result<Place> {
    let id = host::choose_location()?;
    task::completion(id).await?;
    Ok(host::take_place(id)?)
}

/// Show `place` on the host's map at zoom `scale`, 5 to 18
/// (`wx.openLocation`): needs the `location` permission and the
/// `user-location` scope.
#[doc(alias = "openLocation")]
pub fn open_location(place: &Place, scale: u32) -> Result<()> {
    Ok(host::open_location(place, scale)?)
}

/// Let the user pick one of their addresses (`wx.chooseAddress`), while
/// handling a tap: resolves with the address; [`Error::Failed`] with
/// `cancel` if the user closed the list.
#[doc(alias = "chooseAddress")]
pub async fn choose_address() -> Result<Address> {
    let id = host::choose_address()?;
    task::completion(id).await?;
    Ok(host::take_address(id)?)
}

/// Let the user pick 1 to 9 images (`count`) from `sources`
/// (`wx.chooseImage`; `wx.chooseMedia` for images), while handling a tap:
/// resolves with their temp files (`wxfile://tmp/...`, in the app's temp
/// area, gone when the instance ends); [`Error::Failed`] with `cancel` if
/// the user closed the picker.
#[doc(alias = "chooseImage")]
pub async fn choose_image(count: u32, sources: ImageSources) -> Result<Vec<ChosenFile>> {
    let id = host::choose_image(count, sources)?;
    task::completion(id).await?;
    Ok(host::take_chosen_images(id)?)
}

/// Let the user pick 1 to 9 files (`count`) of `media` (WeChat's
/// `mediaType`; both is `mix`) from `sources` (`sourceType`), a video at
/// most `max_duration` seconds, 3 to 60 (`maxDuration`)
/// (`wx.chooseMedia`), while handling a tap: resolves with their temp
/// files (`tempFiles`: path, size, `fileType`, a video's `duration`, and
/// `width` and `height` read from each file's header), in the app's temp
/// area, gone when the instance ends. The host gives the original files
/// (`sizeType: ['original']`) and no `thumbTempFilePath`.
/// [`Error::Failed`] with `cancel` if the user closed the picker, or
/// naming a file that is not an image or video of the kinds asked for, or
/// a longer video.
#[doc(alias = "chooseMedia")]
pub async fn choose_media(
    count: u32,
    media: MediaTypes,
    sources: ImageSources,
    max_duration: u32,
) -> Result<Vec<ChosenMedia>> {
    let id = host::choose_media(count, media, sources, max_duration)?;
    task::completion(id).await?;
    Ok(host::take_chosen_media(id)?)
}

/// Let the user pick one MP4 video from `sources`, at most `max_duration`
/// seconds, 3 to 60 (`wx.chooseVideo`), while handling a tap: resolves
/// with its temp file, size, `duration`, `width` and `height`, as
/// [`choose_media`] does; [`Error::Failed`] with `cancel` if the user
/// closed the picker or picked nothing.
#[doc(alias = "chooseVideo")]
pub async fn choose_video(sources: ImageSources, max_duration: u32) -> Result<ChosenMedia> {
    let files = choose_media(1, MediaTypes::VIDEO, sources, max_duration).await?;
    files
        .into_iter()
        .next()
        .ok_or_else(|| Error::Failed("cancel".into()))
}

/// The size and kind of `src`, a temp file of this instance
/// (`wx.getImageInfo`): PNG, JPEG and GIF images.
#[doc(alias = "getImageInfo")]
pub fn get_image_info(src: &str) -> Result<ImageInfo> {
    Ok(host::get_image_info(src)?)
}

/// Save `file_path`, a temp file of this instance, to the user's photo
/// album (`wx.saveImageToPhotosAlbum`): behind the `album` scope, asked on
/// first use.
#[doc(alias = "saveImageToPhotosAlbum")]
pub fn save_image_to_photos_album(file_path: &str) -> Result<()> {
    Ok(host::save_image_to_photos_album(file_path)?)
}

/// Show `urls` full screen, starting at `current`, one of them
/// (`wx.previewImage`): 1 to 100 `http`, `https` or `wxfile` URLs.
#[doc(alias = "previewImage")]
pub fn preview_image(urls: &[String], current: &str) -> Result<()> {
    Ok(host::preview_image(urls, current)?)
}
