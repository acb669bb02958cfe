//! Facts about the host, feature detection, and how the app was opened.

use std::cell::RefCell;

use crate::Launch;
use crate::bindings::miniapp::host::system as host;

// Which host app the mini-program runs in is the host API's own type (the
// WIT is its one definition; `lib.rs` adds its derives).
pub use host::HostInfo;

thread_local! {
    /// The options of this instance's `on-launch`.
    static LAUNCHED: RefCell<Option<Launch>> = const { RefCell::new(None) };
}

/// Keep `launch` for [`launch_options`] (the SDK's `on-launch`, before the
/// app's hook).
pub(crate) fn launched(launch: &Launch) {
    LAUNCHED.with(|l| *l.borrow_mut() = Some(launch.clone()));
}

/// How this instance was opened, as [`App::on_launch`](crate::App::on_launch)
/// was given it (`wx.getLaunchOptionsSync`); `None` before its launch.
/// Also WeChat's `wx.getEnterOptionsSync`: this host's `on-show` comes with
/// no options of its own, so the way in is the launch's.
#[doc(alias = "getLaunchOptionsSync", alias = "getEnterOptionsSync")]
pub fn launch_options() -> Option<Launch> {
    LAUNCHED.with(|l| l.borrow().clone())
}

/// Facts about the host.
pub fn host_info() -> HostInfo {
    host::get_host_info()
}

/// Whether this host offers an API, e.g. `storage`, `http.fetch.timeout-ms`,
/// `payment.request-payment`.
#[doc(alias = "canIUse")]
pub fn can_i_use(schema: &str) -> bool {
    host::can_i_use(schema)
}
