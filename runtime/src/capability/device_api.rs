//! `device-api`: the device's services beyond its facts, as WeChat's
//! `wx.getNetworkType`, `wx.onNetworkStatusChange`, `wx.vibrateShort`,
//! `wx.vibrateLong`, `wx.setKeepScreenOn`, `wx.setScreenBrightness`,
//! `wx.getScreenBrightness`, `wx.getMenuButtonBoundingClientRect`,
//! `wx.makePhoneCall` and `wx.openSetting`; the choosers that hand the app
//! a file are in [`super::device_files`] and [`super::device_media`]. Core
//! (no permission), as on WeChat; a phone call and the settings page need
//! the user's tap, as there.
//! Each goes through the host's device provider
//! ([`DeviceServices`](crate::providers::DeviceServices)); what needs a
//! screen or a user is refused with `unsupported` where the provider has
//! none. The network watch, a phone call and the settings page are pending
//! calls (`pending_calls`); a vibration and a screen change count in the
//! callback's `host_ui_per_event`, as a toast does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use super::device::DeviceCtx;
use super::pending::{Answer, StreamSender};
use super::permission::changed_in_settings;
use super::{CallCtx, CallError, CallResult, View};
use crate::bindings::{device_api, permission};
use crate::providers::{DeviceServices, NetworkType, Place, Vibration};
use miniapp_config::Scope;
use miniapp_view::quote;

/// WeChat's capsule: 87 by 32 CSS pixels, 7 from the window's right edge.
const CAPSULE: (u32, u32, u32) = (87, 32, 7);
/// The capsule's gap below the status bar: 4 on iOS, 8 on Android.
const CAPSULE_GAP: (u32, u32) = (4, 8);
/// Characters at most in a phone number.
const PHONE_CHARS: usize = 32;

/// The functions refused on a host with no screen (`can-i-use` says no).
const NEED_A_SCREEN: &[&str] = &[
    "device-api.set-screen-brightness",
    "device-api.get-screen-brightness",
    "device-api.make-phone-call",
    "device-api.open-setting",
    "device-api.scan-code",
    "device-api.choose-location",
    "device-api.open-location",
    "device-api.choose-address",
    "device-api.preview-image",
    "device-api.save-image-to-photos-album",
];

fn network_type(network: NetworkType) -> device_api::NetworkType {
    match network {
        NetworkType::Wifi => device_api::NetworkType::Wifi,
        NetworkType::Cell2g => device_api::NetworkType::Cell2g,
        NetworkType::Cell3g => device_api::NetworkType::Cell3g,
        NetworkType::Cell4g => device_api::NetworkType::Cell4g,
        NetworkType::Cell5g => device_api::NetworkType::Cell5g,
        NetworkType::Unknown => device_api::NetworkType::Unknown,
        NetworkType::None => device_api::NetworkType::None,
    }
}

/// Refuse a phone number that is empty, too long, or holds what a dialler
/// does not take.
fn checked_number(number: &str) -> CallResult<()> {
    let chars = number.chars().count();
    if !(1..=PHONE_CHARS).contains(&chars) {
        return Err(CallError::invalid(format!(
            "the phone number is {chars} characters; it takes 1 to {PHONE_CHARS}"
        )));
    }
    let dialled = |c: char| c.is_ascii_digit() || " +-()*#".contains(c);
    match number.chars().find(|c| !dialled(*c)) {
        Some(c) => Err(CallError::invalid(format!(
            "the phone number `{number}` holds {c:?}: it takes digits, spaces and +-()*#"
        ))),
        None => Ok(()),
    }
}

/// A network change waiting to be delivered. While one waits, further
/// changes make no more (the app reads the type now when it is delivered);
/// when it goes (delivered, or dropped with its call), the watch looks
/// again, so a change made meanwhile is told too.
struct NetworkChanged {
    waiting: Arc<AtomicBool>,
    gone: Arc<Notify>,
}

impl Drop for NetworkChanged {
    fn drop(&mut self) {
        self.waiting.store(false, Ordering::Release);
        self.gone.notify_one();
    }
}

/// Watch `network` for one app, sending a [`NetworkChanged`] through
/// `sender` after each change while none waits.
async fn watch_network(
    mut network: tokio::sync::watch::Receiver<NetworkType>,
    sender: StreamSender,
) {
    // `network` was subscribed when the app asked: a change since (before
    // this task first ran) is a change.
    let waiting = Arc::new(AtomicBool::new(false));
    let gone = Arc::new(Notify::new());
    loop {
        tokio::select! {
            changed = network.changed() => {
                if changed.is_err() {
                    // The provider dropped its network: nothing more comes.
                    return;
                }
            }
            () = gone.notified() => {
                if !network.has_changed().unwrap_or(false) {
                    continue;
                }
            }
        }
        if waiting.swap(true, Ordering::AcqRel) {
            continue;
        }
        network.borrow_and_update();
        let changed = NetworkChanged {
            waiting: waiting.clone(),
            gone: gone.clone(),
        };
        sender.send(Box::new(changed));
    }
}

/// Characters at most in a place's name or address.
const PLACE_CHARS: usize = 256;
/// The map's zoom levels, WeChat's `scale`.
const SCALES: std::ops::RangeInclusive<u32> = 5..=18;

/// Refuse a place (`whose`: the app's or the host's) with a name or an
/// address too long, or a position off the globe.
fn checked_place(whose: &str, place: &device_api::Place) -> Result<(), String> {
    for (what, text) in [("name", &place.name), ("address", &place.address)] {
        let chars = text.chars().count();
        if chars > PLACE_CHARS {
            return Err(format!(
                "{whose} place's {what} is {chars} characters, over the {PLACE_CHARS} allowed"
            ));
        }
    }
    let (lat, lon) = (place.latitude, place.longitude);
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        let [lat, lon] = [lat, lon].map(quote::number);
        return Err(format!(
            "{whose} place is at latitude {lat}, longitude {lon}: not on the globe"
        ));
    }
    Ok(())
}

/// Images at most in a preview, and characters at most in one's URL.
const PREVIEW: (usize, usize) = (100, 2048);

/// Refuse a preview of no image, too many, a URL too long or not
/// `http`, `https` or `wxfile`, or a `current` not among them.
fn checked_preview(urls: &[String], current: &str) -> CallResult<()> {
    let (most, chars) = PREVIEW;
    if !(1..=most).contains(&urls.len()) {
        return Err(CallError::invalid(format!(
            "a preview takes 1 to {most} images, not {}",
            urls.len()
        )));
    }
    for url in urls {
        let schemes = ["http://", "https://", "wxfile://"];
        if url.chars().count() > chars || !schemes.iter().any(|s| url.starts_with(s)) {
            return Err(CallError::invalid(format!(
                "the image URL `{}` is not an http, https or wxfile URL of at most {chars} characters",
                url.chars().take(64).collect::<String>()
            )));
        }
    }
    match urls.iter().any(|u| u == current) {
        true => Ok(()),
        false => Err(CallError::invalid(
            "the current image is not one of the URLs to preview",
        )),
    }
}

/// The address the user chose, typed apart from any other call's answer.
struct AddressChosen(device_api::Address);

/// What the scanner read, typed apart from any other call's answer.
struct Scanned(device_api::ScanResult);

/// The place the user chose, typed apart from any other call's answer.
struct Chosen(device_api::Place);

/// The settings page's answer: the user's changes are stored when it
/// comes; the app reads the settings now with `take-setting`.
struct SettingShown;

impl CallCtx {
    /// Whether `schema` (as `system.can-i-use` takes it) names a
    /// `device-api` function this host refuses: it has no screen.
    pub(super) fn device_lacks_screen(&self, schema: &str) -> bool {
        let needs =
            (NEED_A_SCREEN.iter()).any(|f| schema == *f || schema.starts_with(&format!("{f}.")));
        let device = &self.app.services.providers.device;
        let is = |f: &str| schema == f || schema.starts_with(&format!("{f}."));
        let picks_images = is("device-api.choose-image") && !device.can_pick_images();
        let picks_media = is("device-api.choose-media")
            && !(device.can_pick_images() || device.can_pick_videos());
        (needs && !device.has_screen()) || picks_images || picks_media
    }

    /// Have the device do what needs no answer (`act`, given the provider
    /// and the app's id), counted in the callback's `host_ui_per_event`
    /// beside the toasts: a loop of vibrations is bounded as one of toasts.
    fn device_does(&mut self, act: impl FnOnce(&dyn DeviceServices, &str)) -> CallResult<()> {
        self.count_drawn("toasts, bar changes, vibrations or screen changes")?;
        act(&*self.app.services.providers.device, &self.app.manifest.id);
        Ok(())
    }

    /// Go ahead only with `scope`'s consent, asking the user on first use
    /// (and only with its capability's grant, as `permission.authorize`).
    pub(super) async fn consented(&mut self, scope: Scope) -> CallResult<()> {
        if let Some(capability) = scope.capability() {
            super::grant(&self.app, capability).map_err(|denial| denial.refusal())?;
        }
        self.consent.require(&self.app, scope, &self.deadline).await
    }

    /// Refuse `what` when the device has no screen (nobody sees it).
    pub(super) fn needs_screen(&self, what: &str) -> CallResult<()> {
        match self.app.services.providers.device.has_screen() {
            true => Ok(()),
            false => Err(CallError::unsupported(format!(
                "this host has no screen for {what}"
            ))),
        }
    }
}

super::linked_by!(view of DeviceCtx, device_api);

#[miniapp_runtime_macros::recorded]
impl device_api::Host for View<'_, DeviceCtx> {
    fn get_network_type(&mut self) -> wasmtime::Result<device_api::NetworkType> {
        let network = self.call.app.services.providers.device.network();
        let now = *network.borrow();
        Ok(network_type(now))
    }

    fn on_network_status_change_start(&mut self) -> CallResult<u64> {
        let network = self.call.app.services.providers.device.network();
        (self.call.pending).start_stream(move |sender| watch_network(network, sender))
    }

    fn vibrate_short(&mut self, strength: device_api::VibrationStrength) -> CallResult<()> {
        let vibration = match strength {
            device_api::VibrationStrength::Heavy => Vibration::ShortHeavy,
            device_api::VibrationStrength::Medium => Vibration::ShortMedium,
            device_api::VibrationStrength::Light => Vibration::ShortLight,
        };
        self.call
            .device_does(|device, app| device.vibrate(app, vibration))
    }

    fn vibrate_long(&mut self) -> CallResult<()> {
        (self.call).device_does(|device, app| device.vibrate(app, Vibration::Long))
    }

    fn set_keep_screen_on(&mut self, on: bool) -> CallResult<()> {
        (self.call).device_does(|device, app| device.keep_screen_on(app, on))
    }

    fn set_screen_brightness(&mut self, value: f64) -> CallResult<()> {
        if !(0.0..=1.0).contains(&value) {
            return Err(CallError::invalid(format!(
                "the screen brightness {} is not between 0 and 1",
                quote::number(value)
            )));
        }
        self.call.needs_screen("its brightness")?;
        let mut set = Ok(());
        (self.call).device_does(|device, app| set = device.set_brightness(app, value))?;
        set.map_err(|e| CallError::failed(e.0))
    }

    fn get_screen_brightness(&mut self) -> CallResult<f64> {
        self.call.needs_screen("its brightness")?;
        let app = &self.call.app;
        let value = (app.services.providers.device)
            .brightness(&app.manifest.id)
            .map_err(|e| CallError::failed(e.0))?;
        match (0.0..=1.0).contains(&value) {
            true => Ok(value),
            false => Err(CallError::failed(format!(
                "the host answered a screen brightness of {}, not between 0 and 1",
                quote::number(value)
            ))),
        }
    }

    fn get_menu_button_bounding_client_rect(&mut self) -> wasmtime::Result<device_api::Rect> {
        let facts = &self.ctx.facts;
        let (width, height, margin) = CAPSULE;
        let gap = match facts.platform.as_str() {
            "android" => CAPSULE_GAP.1,
            _ => CAPSULE_GAP.0,
        };
        let right = facts.window_width.saturating_sub(margin);
        let top = facts.status_bar_height + gap;
        Ok(device_api::Rect {
            width,
            height,
            top,
            right,
            bottom: top + height,
            left: right.saturating_sub(width),
        })
    }

    fn make_phone_call(&mut self, phone_number: String) -> CallResult<u64> {
        checked_number(&phone_number)?;
        self.call.needs_screen("a phone call")?;
        self.call.pending.room_for(false)?;
        self.call.gesture.spend("make-phone-call")?;
        let app = &self.call.app;
        let asked = (app.services.providers.device).ask_phone_call(&app.manifest.id, phone_number);
        self.call.pending.start(async move {
            match asked.await.map_err(|e| CallError::failed(e.0))? {
                true => Ok(None),
                false => Err(CallError::failed("cancel")),
            }
        })
    }

    fn open_setting(&mut self) -> CallResult<u64> {
        self.call.needs_screen("the settings page")?;
        self.call.pending.room_for(false)?;
        self.call.gesture.spend("open-setting")?;
        let call = &mut *self.call;
        let shown = call.consent.answered(&call.app)?;
        let ns = call.consent.namespace().to_string();
        let app = call.app.clone();
        let asked = (app.services.providers.device).open_setting(&app.manifest.id, shown.clone());
        call.pending.start(async move {
            let left = asked.await.map_err(|e| CallError::failed(e.0))?;
            changed_in_settings(&app, &ns, &shown, &left)?;
            Ok(Some(Box::new(SettingShown) as Answer))
        })
    }

    async fn scan_code(&mut self, only_from_camera: bool) -> CallResult<u64> {
        self.call.needs_screen("the scanner")?;
        self.call.pending.room_for(false)?;
        self.call.consented(Scope::Camera).await?;
        let app = &self.call.app;
        let asked = (app.services.providers.device).scan_code(&app.manifest.id, only_from_camera);
        self.call.pending.start(async move {
            let read = asked.await.map_err(|e| CallError::failed(e.0))?;
            let read = read.ok_or_else(|| CallError::failed("cancel"))?;
            let read = device_api::ScanResult {
                result: read.result,
                scan_type: read.scan_type,
            };
            Ok(Some(Box::new(Scanned(read)) as Answer))
        })
    }

    fn take_scan_result(&mut self, id: u64) -> CallResult<device_api::ScanResult> {
        self.scanned(id)
    }

    async fn choose_location(&mut self) -> CallResult<u64> {
        self.call.needs_screen("the map")?;
        self.call.pending.room_for(false)?;
        super::location::declared(&self.call.app, "chooseLocation")?;
        self.call.consented(Scope::UserLocation).await?;
        let app = &self.call.app;
        let asked = (app.services.providers.device).choose_location(&app.manifest.id);
        self.call.pending.start(async move {
            let place = asked.await.map_err(|e| CallError::failed(e.0))?;
            let place = place.ok_or_else(|| CallError::failed("cancel"))?;
            let place = device_api::Place {
                name: place.name,
                address: place.address,
                latitude: place.latitude,
                longitude: place.longitude,
            };
            checked_place("the host's", &place).map_err(CallError::failed)?;
            Ok(Some(Box::new(Chosen(place)) as Answer))
        })
    }

    fn take_place(&mut self, id: u64) -> CallResult<device_api::Place> {
        self.chosen(id)
    }

    async fn open_location(&mut self, place: device_api::Place, scale: u32) -> CallResult<()> {
        checked_place("the", &place).map_err(CallError::invalid)?;
        if !SCALES.contains(&scale) {
            return Err(CallError::invalid(format!(
                "the map's scale {scale} is not between {} and {}",
                SCALES.start(),
                SCALES.end()
            )));
        }
        self.call.needs_screen("the map")?;
        self.call.consented(Scope::UserLocation).await?;
        let place = Place {
            name: place.name,
            address: place.address,
            latitude: place.latitude,
            longitude: place.longitude,
        };
        let mut shown = Ok(());
        (self.call).device_does(|device, app| shown = device.open_location(app, place, scale))?;
        shown.map_err(|e| CallError::failed(e.0))
    }

    fn choose_address(&mut self) -> CallResult<u64> {
        self.call.needs_screen("the address list")?;
        self.call.pending.room_for(false)?;
        super::location::declared(&self.call.app, "chooseAddress")?;
        self.call.gesture.spend("choose-address")?;
        let app = &self.call.app;
        let asked = (app.services.providers.device).choose_address(&app.manifest.id);
        self.call.pending.start(async move {
            let address = asked.await.map_err(|e| CallError::failed(e.0))?;
            let a = address.ok_or_else(|| CallError::failed("cancel"))?;
            let address = device_api::Address {
                user_name: a.user_name,
                postal_code: a.postal_code,
                province_name: a.province_name,
                city_name: a.city_name,
                county_name: a.county_name,
                detail_info: a.detail_info,
                tel_number: a.tel_number,
            };
            Ok(Some(Box::new(AddressChosen(address)) as Answer))
        })
    }

    fn take_address(&mut self, id: u64) -> CallResult<device_api::Address> {
        match self.call.pending.take_answer::<AddressChosen>(id) {
            Some(AddressChosen(address)) => Ok(address),
            None => Err(CallError::invalid(format!(
                "call {id} has no address to take: take it once, in the `on-complete` of a `choose-address` that succeeded"
            ))),
        }
    }

    fn preview_image(&mut self, urls: Vec<String>, current: String) -> CallResult<()> {
        checked_preview(&urls, &current)?;
        self.call.needs_screen("a preview")?;
        let mut shown = Ok(());
        (self.call).device_does(|device, app| shown = device.preview_image(app, urls, current))?;
        shown.map_err(|e| CallError::failed(e.0))
    }

    fn choose_image(&mut self, count: u32, sources: device_api::ImageSources) -> CallResult<u64> {
        self.start_choose_image(count, sources)
    }

    fn take_chosen_images(&mut self, id: u64) -> CallResult<Vec<device_api::ChosenFile>> {
        self.chosen_images(id)
    }

    async fn save_image_to_photos_album(&mut self, file_path: String) -> CallResult<()> {
        self.save_to_album(&file_path).await
    }

    fn choose_media(
        &mut self,
        count: u32,
        media: device_api::MediaTypes,
        sources: device_api::ImageSources,
        max_duration: u32,
    ) -> CallResult<u64> {
        self.start_choose_media(count, media, sources, max_duration)
    }

    fn take_chosen_media(&mut self, id: u64) -> CallResult<Vec<device_api::ChosenMedia>> {
        self.chosen_media(id)
    }

    async fn get_image_info(&mut self, src: String) -> CallResult<device_api::ImageInfo> {
        self.image_info_of(&src).await
    }

    fn take_setting(
        &mut self,
        id: u64,
    ) -> CallResult<Vec<(permission::Scope, permission::Consent)>> {
        if self.call.pending.take_answer::<SettingShown>(id).is_none() {
            return Err(CallError::invalid(format!(
                "call {id} has no settings to take: take them once, in the `on-complete` of an `open-setting` that succeeded"
            )));
        }
        <CallCtx as permission::Host>::get_setting(self.call).map_err(CallError::Trap)
    }
}

impl View<'_, DeviceCtx> {
    fn scanned(&mut self, id: u64) -> CallResult<device_api::ScanResult> {
        match self.call.pending.take_answer::<Scanned>(id) {
            Some(Scanned(read)) => Ok(read),
            None => Err(CallError::invalid(format!(
                "call {id} has no scan result to take: take it once, in the `on-complete` of a `scan-code` that succeeded"
            ))),
        }
    }

    fn chosen(&mut self, id: u64) -> CallResult<device_api::Place> {
        match self.call.pending.take_answer::<Chosen>(id) {
            Some(Chosen(place)) => Ok(place),
            None => Err(CallError::invalid(format!(
                "call {id} has no place to take: take it once, in the `on-complete` of a `choose-location` that succeeded"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_number_takes_what_a_dialler_takes() {
        checked_number("+86 (10) 1234-5678").unwrap();
        checked_number("*#06#").unwrap();
        assert!(checked_number("").is_err());
        assert!(checked_number(&"1".repeat(33)).is_err());
        let Err(CallError::Guest(crate::bindings::types::Error::InvalidArgument(m))) =
            checked_number("tel:123")
        else {
            panic!("refused as invalid")
        };
        assert_eq!(
            m,
            "the phone number `tel:123` holds 't': it takes digits, spaces and +-()*#"
        );
    }
}
