//! Media: a video from the package with a poster, a cover-view over it and
//! WeChat's player events; an audio (WeChat's legacy `<audio>`); a
//! `page-meta` whose `navigation-bar` title, colour and spinner follow the
//! player (the host sets its bar from the rendered tree); and a page with
//! `navigationStyle: custom` that draws its own bar, laid out around the
//! capsule the host keeps (`wx.getMenuButtonBoundingClientRect`). Its
//! Play, Pause and To 2 s buttons drive the video through the host
//! (`wx.createVideoContext`). Every
//! event detail arrives checked by the host (times finite, within the
//! duration).

use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, device, device_api, frame, json, nav, view,
};
use serde::Deserialize;

/// A `timeupdate` detail, as WeChat sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeUpdate {
    current_time: f64,
    duration: f64,
}

/// A video's `loadedmetadata` detail.
#[derive(Deserialize)]
struct Metadata {
    width: u32,
    height: u32,
    duration: f64,
}

/// An `error` detail.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Failed {
    err_msg: String,
}

#[derive(Default)]
struct Media {
    plays: u32,
    state: String,
    waiting: bool,
}

/// The bar's colour while the video plays, and otherwise.
const PLAYING: &str = "#07c160";
const STILL: &str = "#101828";

impl Media {
    /// Show the player's `state` (the cover-view, and the page-meta's bar:
    /// its title, its colour, its spinner while the video waits for data).
    fn player(&mut self, state: &str) -> Result<()> {
        self.state = state.to_string();
        let colour = if state == "playing" { PLAYING } else { STILL };
        view::set_data(json!({
            "state": state,
            "title": format!("{} · {} plays", capitalised(state), self.plays),
            "barColor": colour,
            "waiting": self.waiting,
            "plays": self.plays,
        }))
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl App for Media {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        Ok(())
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        match page.route.as_str() {
            "index" => {
                view::set_data(json!({
                    "time": "0.0", "duration": "?", "size": "", "tone": "not played",
                }))?;
                self.player("stopped")
            }
            "bar" => {
                // The page's own bar: under the status bar, as tall as the
                // capsule with its gap above and below, clear of the capsule.
                let capsule = device_api::menu_button_bounding_client_rect();
                let status_bar = device::window_info().status_bar_height;
                let gap = capsule.top.saturating_sub(status_bar);
                view::set_data(json!({
                    "top": capsule.top - gap,
                    "height": capsule.height + 2 * gap,
                    "gap": capsule.width + 16,
                    "capsule": format!("{}x{} at ({}, {})", capsule.width, capsule.height, capsule.left, capsule.top),
                }))
            }
            _ => Ok(()),
        }
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "played") => {
                self.plays += 1;
                self.player("playing")
            }
            ("index", "paused") => self.player("paused"),
            ("index", "ended") => {
                self.waiting = false;
                self.player("ended")
            }
            ("index", "waited") => {
                // Waiting for data: the bar's spinner until the time moves.
                self.waiting = true;
                let state = self.state.clone();
                self.player(&state)
            }
            ("index", "timed") => {
                let t = event.detail_as::<TimeUpdate>()?;
                view::set_data(json!({
                    "time": format!("{:.1}", t.current_time),
                    "duration": format!("{:.1}", t.duration),
                }))?;
                if std::mem::take(&mut self.waiting) {
                    let state = self.state.clone();
                    self.player(&state)?;
                }
                Ok(())
            }
            ("index", "loaded") => {
                let m = event.detail_as::<Metadata>()?;
                view::set_data(json!({
                    "size": format!("{}x{}", m.width, m.height),
                    "duration": format!("{:.1}", m.duration),
                }))
            }
            ("index", "failed") => {
                let failed = event.detail_as::<Failed>()?;
                self.player(&format!("error: {}", failed.err_msg))
            }
            // The page's own buttons drive the video (WeChat's VideoContext).
            ("index", "play") => frame::create_video_context("clip").play(),
            ("index", "pause") => frame::create_video_context("clip").pause(),
            ("index", "seek") => frame::create_video_context("clip").seek(2.0),
            ("index", "tonePlayed") => view::set("tone", "playing"),
            ("index", "toneEnded") => view::set("tone", "played"),
            ("bar", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Media);
