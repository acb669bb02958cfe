//! Device APIs: the device's services through the host. The network now
//! and a watch on its changes (one that the app stops, and one the detail
//! page's leaving ends), vibration, keeping the screen on, the brightness,
//! where the capsule is, a phone call the user confirms, the settings
//! page where the user changes the answer they gave, a code scanned (the
//! camera scope), a place chosen and shown (the user-location scope),
//! photos and videos picked (their sizes read from their headers) and a
//! photo saved to the album (the album scope); what a host without a
//! screen refuses lands in `refused`.
//!
//! Handlers take their arguments from the event's detail
//! (`--event 'index:call={"number":"10086"}'`) or, for a tap, from the
//! button's `data-*` attributes.

use miniapp_sdk::device_api::{self, NetworkListener, VibrationStrength};
use miniapp_sdk::permission::{self, Consent, Scope};
use miniapp_sdk::{App, Error, Event, Launch, PageLoad, Result, json, nav, system, task, view};

#[derive(Default)]
struct DeviceApis {
    /// The index page's network watch, while it runs.
    watch: Option<NetworkListener>,
    /// Changes the watches have seen.
    changes: u32,
}

/// What the host refused, by message, kept on the page.
fn refused(error: Error) -> Result<()> {
    view::set("refused", error.to_string())
}

/// A watch whose changes count in `changes` and show in `seen`.
fn watch_network() -> Result<NetworkListener> {
    device_api::on_network_status_change(|status| {
        let changes = miniapp_sdk::with_app(|app: &mut DeviceApis| {
            app.changes += 1;
            app.changes
        })?;
        view::set_data(json!({
            "changes": changes,
            "seen": status.network_type.as_str(),
            "connected": status.is_connected,
        }))
    })
}

fn show_network() -> Result<()> {
    let status = device_api::network_status();
    view::set_data(json!({
        "network": status.network_type.as_str(),
        "connected": status.is_connected,
    }))
}

/// `index:brightness`: set it to `value`, then read it back.
fn brightness(value: f64) -> Result<()> {
    let read =
        device_api::set_screen_brightness(value).and_then(|()| device_api::screen_brightness());
    match read {
        Ok(read) => view::set("brightness", read),
        Err(e) => refused(e),
    }
}

/// `index:buzz`: vibrate `times` times in one callback; how many the
/// host did, and why it refused the first it refused.
fn buzz(times: u32) -> Result<()> {
    let mut buzzed = 0;
    for _ in 0..times {
        match device_api::vibrate_short(VibrationStrength::Light) {
            Ok(()) => buzzed += 1,
            Err(e) => {
                view::set("refused", e.to_string())?;
                break;
            }
        }
    }
    view::set("buzzed", buzzed)
}

fn capsule() -> Result<()> {
    let rect = device_api::menu_button_bounding_client_rect();
    view::set(
        "capsule",
        json!({
            "width": rect.width,
            "height": rect.height,
            "top": rect.top,
            "right": rect.right,
            "bottom": rect.bottom,
            "left": rect.left,
        }),
    )
}

fn call(number: String) {
    task::spawn(async move {
        match device_api::make_phone_call(&number).await {
            Ok(()) => view::set("called", "called"),
            Err(e) => view::set("called", e.to_string()),
        }
    });
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::UserLocation => "user-location",
        Scope::UserInfo => "user-info",
        Scope::Album => "album",
        Scope::Camera => "camera",
        Scope::Record => "record",
    }
}

fn consent_name(consent: Consent) -> &'static str {
    match consent {
        Consent::NotAsked => "not-asked",
        Consent::Granted => "granted",
        Consent::Denied => "denied",
    }
}

fn settings() {
    task::spawn(async {
        match device_api::open_setting().await {
            Ok(settings) => {
                let shown: Vec<String> = (settings.into_iter())
                    .map(|(s, c)| format!("{}={}", scope_name(s), consent_name(c)))
                    .collect();
                view::set("settings", shown.join(","))
            }
            Err(e) => view::set("settings", e.to_string()),
        }
    });
}

/// The string `key` of `event`: from its detail, else from the element's
/// `data-` attribute.
fn text(event: &Event, key: &str) -> Result<String> {
    let found = match event.detail.get(key) {
        Some(value) => value.as_str().map(str::to_string),
        None => event.dataset.get(key).cloned(),
    };
    found.ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{}:{} needs `{key}` (detail {{\"{key}\": \"...\"}} or data-{key})",
            event.page, event.handler
        ))
    })
}

/// The whole number `key` of `event` (as [`text`] finds it).
fn number(event: &Event, key: &str) -> Result<u32> {
    let found = text(event, key)?;
    found
        .parse()
        .map_err(|_| Error::InvalidArgument(format!("data-{key} `{found}` is not a number")))
}

/// WeChat's `mediaType` named in `key` of `event`: `image`, `video` or
/// `mix` (both).
fn media_types(event: &Event, key: &str) -> Result<device_api::MediaTypes> {
    use device_api::MediaTypes;
    match text(event, key)?.as_str() {
        "image" => Ok(MediaTypes::IMAGE),
        "video" => Ok(MediaTypes::VIDEO),
        "mix" => Ok(MediaTypes::IMAGE | MediaTypes::VIDEO),
        other => Err(Error::InvalidArgument(format!(
            "data-{key} `{other}` is not image, video or mix"
        ))),
    }
}

/// Pick media and show them in `media` (each one's path, size, kind,
/// length and size in pixels) and the first one's path in `photo`.
fn choose_media(count: u32, media: device_api::MediaTypes, max_duration: u32) {
    let sources = device_api::ImageSources::ALBUM | device_api::ImageSources::CAMERA;
    task::spawn(async move {
        let files = match device_api::choose_media(count, media, sources, max_duration).await {
            Ok(files) => files,
            Err(e) => return view::set("media", e.to_string()),
        };
        if let Some(first) = files.first() {
            view::set("photo", &first.temp_path)?;
        }
        let shown = |f: &device_api::ChosenMedia| {
            json!({
                "path": f.temp_path,
                "size": f.size,
                "type": f.file_type.as_str(),
                "duration": f.duration,
                "width": f.width,
                "height": f.height,
            })
        };
        view::set("media", files.iter().map(shown).collect::<Vec<_>>())
    });
}

impl App for DeviceApis {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({
            "changes": 0,
            "seen": "",
            "called": "",
            "settings": "",
            "can_call": system::can_i_use("device-api.make-phone-call"),
            "can_dim": system::can_i_use("device-api.set-screen-brightness"),
            "can_pick_media": system::can_i_use("device-api.choose-media"),
            "can_save": system::can_i_use("device-api.save-image-to-photos-album"),
        }))?;
        show_network()
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        if page.route == "detail" {
            // The host ends this watch when the page leaves.
            watch_network()?;
        }
        Ok(())
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "network") => show_network(),
            ("index", "watch") => {
                if self.watch.is_none() {
                    self.watch = Some(watch_network()?);
                }
                Ok(())
            }
            ("index", "unwatch") => {
                if let Some(watch) = self.watch.take() {
                    watch.off();
                }
                Ok(())
            }
            ("index", "vibrate") => {
                device_api::vibrate_short(VibrationStrength::Heavy)?;
                device_api::vibrate_long()
            }
            ("index", "keep-on") => device_api::set_keep_screen_on(true),
            ("index", "buzz") => {
                let times = text(event, "times")?;
                let times = times.parse().map_err(|_| {
                    Error::InvalidArgument(format!("`{times}` is not a number of times"))
                })?;
                buzz(times)
            }
            ("index", "brightness") => {
                let value = text(event, "value")?;
                let value = value.parse().map_err(|_| {
                    Error::InvalidArgument(format!("`{value}` is not a brightness"))
                })?;
                brightness(value)
            }
            ("index", "capsule") => capsule(),
            ("index", "call") => {
                call(text(event, "number")?);
                Ok(())
            }
            ("index", "locate") => match permission::authorize(Scope::UserLocation) {
                Ok(()) => view::set("located", true),
                Err(e) => refused(e),
            },
            ("index", "scan") => {
                task::spawn(async {
                    match device_api::scan_code(true).await {
                        Ok(read) => {
                            view::set("scanned", format!("{} {}", read.scan_type, read.result))
                        }
                        Err(e) => view::set("scanned", e.to_string()),
                    }
                });
                Ok(())
            }
            ("index", "choose-place") => {
                task::spawn(async {
                    match device_api::choose_location().await {
                        Ok(place) => view::set(
                            "place",
                            json!({
                                "name": place.name,
                                "latitude": place.latitude,
                                "longitude": place.longitude,
                            }),
                        ),
                        Err(e) => view::set("place", e.to_string()),
                    }
                });
                Ok(())
            }
            ("index", "show-place") => {
                let place = device_api::Place {
                    name: text(event, "name")?,
                    address: String::new(),
                    latitude: 31.2304,
                    longitude: 121.4737,
                };
                match device_api::open_location(&place, 16) {
                    Ok(()) => view::set("shown", place.name),
                    Err(e) => refused(e),
                }
            }
            ("index", "address") => {
                task::spawn(async {
                    match device_api::choose_address().await {
                        Ok(a) => view::set(
                            "address",
                            format!("{} {}, {}", a.user_name, a.detail_info, a.city_name),
                        ),
                        Err(e) => view::set("address", e.to_string()),
                    }
                });
                Ok(())
            }
            ("index", "choose-image") => {
                let count = number(event, "count")?;
                let sources = device_api::ImageSources::ALBUM | device_api::ImageSources::CAMERA;
                task::spawn(async move {
                    let files = match device_api::choose_image(count, sources).await {
                        Ok(files) => files,
                        Err(e) => return view::set("images", e.to_string()),
                    };
                    if let Some(first) = files.first() {
                        view::set("photo", &first.temp_path)?;
                    }
                    let sizes: Vec<String> =
                        files.iter().map(|f| format!("{} bytes", f.size)).collect();
                    view::set("sizes", sizes.join(", "))?;
                    let shown =
                        |f: &device_api::ChosenFile| json!({ "path": f.temp_path, "size": f.size });
                    view::set("images", files.iter().map(shown).collect::<Vec<_>>())
                });
                Ok(())
            }
            ("index", "choose-media") => {
                let max = number(event, "max")?;
                choose_media(number(event, "count")?, media_types(event, "media")?, max);
                Ok(())
            }
            ("index", "choose-video") => {
                let sources = device_api::ImageSources::ALBUM | device_api::ImageSources::CAMERA;
                let max = number(event, "max")?;
                task::spawn(async move {
                    match device_api::choose_video(sources, max).await {
                        Ok(v) => view::set(
                            "video",
                            format!("{}x{} {}s {}", v.width, v.height, v.duration, v.temp_path),
                        ),
                        Err(e) => view::set("video", e.to_string()),
                    }
                });
                Ok(())
            }
            ("index", "image-info") => match device_api::get_image_info(&text(event, "src")?) {
                Ok(i) => view::set("info", format!("{}x{} {}", i.width, i.height, i.kind)),
                Err(e) => view::set("info", e.to_string()),
            },
            ("index", "save-image") => {
                match device_api::save_image_to_photos_album(&text(event, "src")?) {
                    Ok(()) => view::set("saved", true),
                    Err(e) => view::set("saved", e.to_string()),
                }
            }
            ("index", "save-images") => {
                // The same image saved `times` times in one callback: each
                // save counts in the host's draws per callback.
                let (src, times) = (text(event, "src")?, text(event, "times")?);
                let times: u32 = times.parse().map_err(|_| {
                    Error::InvalidArgument(format!("index:save-images: times `{times}`"))
                })?;
                let saved =
                    (0..times).try_for_each(|_| device_api::save_image_to_photos_album(&src));
                match saved {
                    Ok(()) => view::set("saved", true),
                    Err(e) => view::set("saved", e.to_string()),
                }
            }
            ("index", "preview") => {
                let urls =
                    ["https://example.com/a.png", "https://example.com/b.png"].map(String::from);
                match device_api::preview_image(&urls, &text(event, "current")?) {
                    Ok(()) => view::set("previewed", true),
                    Err(e) => refused(e),
                }
            }
            ("index", "settings") => {
                settings();
                Ok(())
            }
            ("index", "open-detail") => nav::navigate_to("detail"),
            ("detail", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(DeviceApis);
