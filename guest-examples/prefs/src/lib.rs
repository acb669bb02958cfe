//! Prefs: a preferences page written with WeChat's two shapes of the same
//! APIs. On launch, the sync forms (`wx.getStorageSync`,
//! `wx.getSystemInfoSync`, `wx.getLaunchOptionsSync`) answer at once; on a
//! tap, the callback forms (`wx.setStorage`, `wx.getStorage`,
//! `wx.removeStorage`, `wx.getStorageInfo`, `wx.getSystemInfo`,
//! `wx.getNetworkType`) run after
//! the handler, with `success`, `fail` and `complete`. Every step is noted
//! in `steps`, so the order shows: the handler first, then the call's
//! callbacks.

use miniapp_sdk::{
    App, Error, Event, Launch, Result, Value, device, device_api, json, storage, system, view,
};

/// Where the theme is kept.
const THEME: &str = "theme";

#[derive(Default)]
struct Prefs;

/// Note `step` at the end of the page's `steps`.
fn step(step: impl Into<String>) -> Result<()> {
    let mut steps = view::data()["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    steps.push(Value::from(step.into()));
    view::set("steps", steps)
}

/// `index:dark`: store the theme (`wx.setStorage`).
fn dark() -> Result<()> {
    storage::set_storage(THEME, "dark")
        .success(|()| step("stored"))
        .complete(|| view::set("theme", storage::get::<String>(THEME)?))
        .call();
    step("handler")
}

/// `index:reload`: read it back (`wx.getStorage`); a theme never stored is
/// its `fail`.
fn reload() -> Result<()> {
    storage::get_storage::<String>(THEME)
        .success(|theme| {
            view::set("error", "")?;
            step(format!("read {theme}"))
        })
        .fail(|error| view::set("error", error.to_string()))
        .complete(|| step("complete"))
        .call();
    step("handler")
}

/// `index:forget`: remove it (`wx.removeStorage`).
fn forget() -> Result<()> {
    storage::remove_storage(THEME)
        .success(|()| view::set("theme", "light"))
        .call();
    step("handler")
}

/// `index:usage`: how much is stored (`wx.getStorageInfo`).
fn usage() -> Result<()> {
    storage::get_storage_info()
        .success(|info| step(format!("{} key(s)", info.keys)))
        .call();
    step("handler")
}

/// `index:system`: the device (`wx.getSystemInfo`).
fn system_info() -> Result<()> {
    device::get_system_info()
        .success(|info| step(format!("{} wide", info.window.window_width)))
        .call();
    step("handler")
}

/// `index:network`: the network (`wx.getNetworkType`).
fn network() -> Result<()> {
    device_api::get_network_type()
        .success(|status| step(format!("on {}", status.network_type.as_str())))
        .call();
    step("handler")
}

impl App for Prefs {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let theme = storage::get::<String>(THEME)?.unwrap_or_else(|| "light".into());
        let info = device::system_info();
        let launch =
            system::launch_options().ok_or_else(|| Error::app("the SDK kept no launch options"))?;
        view::set_data(json!({
            "theme": theme,
            "window": format!("{}x{}", info.window.window_width, info.window.window_height),
            "platform": info.device.platform,
            "launch": { "path": launch.path, "scene": launch.scene, "query": launch.query },
            "steps": [],
            "error": "",
        }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "dark") => dark(),
            ("index", "reload") => reload(),
            ("index", "forget") => forget(),
            ("index", "usage") => usage(),
            ("index", "system") => system_info(),
            ("index", "network") => network(),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Prefs);
