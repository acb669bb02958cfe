//! Animation: a box animated in steps with WeChat's `createAnimation`,
//! bound on the page as `animation="{{ani}}"`. `index:play` turns it 45
//! degrees and fades it to half (300 ms, ease-in), then doubles it, widens
//! it to 120 pixels and turns it red (200 ms); `index:back` brings it back
//! in one step (a new export plays from where the box is); `index:frame`
//! sets the box's own style (a border), which leaves where its animation
//! ended as it is.
//! `index:broken {"nan": true}` asks for a rotation by NaN, which the SDK
//! refuses (the error is shown as `status`); `index:broken` alone sets a
//! hand-written export the view refuses (the page shows the view's error).

use miniapp_sdk::animation::{Animation, AnimationOptions, StepOptions, TimingFunction};
use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

struct Boxed {
    /// The box's animation: its state carries over from one export to
    /// the next, as on WeChat.
    animation: Animation,
}

impl Default for Boxed {
    fn default() -> Self {
        Boxed {
            animation: Animation::new(AnimationOptions {
                duration: 300,
                timing_function: TimingFunction::EaseIn,
                ..AnimationOptions::default()
            }),
        }
    }
}

impl Boxed {
    fn play(&mut self) -> Result<()> {
        let a = &mut self.animation;
        a.rotate(45.0).opacity(0.5).step();
        a.scale(2.0, 2.0)
            .width(120)
            .background_color("#ff0000")
            .step_with(StepOptions {
                duration: Some(200),
                timing_function: Some(TimingFunction::Linear),
                ..StepOptions::default()
            });
        self.show("played")
    }

    fn back(&mut self) -> Result<()> {
        let a = &mut self.animation;
        a.rotate(0.0)
            .scale(1.0, 1.0)
            .opacity(1.0)
            .width(60)
            .background_color("#1aad19")
            .step();
        self.show("back")
    }

    /// Export what was stepped and bind it, or show why it could not be.
    fn show(&mut self, status: &str) -> Result<()> {
        match self.animation.export() {
            Ok(data) => view::set_data(json!({ "ani": data, "status": status })),
            Err(e) => view::set("status", e.to_string()),
        }
    }
}

impl App for Boxed {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "ani": {}, "status": "ready" }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "play") => self.play(),
            ("index", "back") => self.back(),
            ("index", "frame") => view::set("framed", true),
            ("index", "broken") if event.detail.get("nan").is_some() => {
                self.animation.rotate(f64::NAN).step();
                self.show("rotated")
            }
            ("index", "broken") => {
                let spin =
                    json!({ "actions": [{ "animates": [{ "type": "spin", "args": [1] }] }] });
                view::set("ani", spin)
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Boxed);
