//! Timers: code that runs between taps. An interval that counts and stops
//! itself, a timeout (and one cleared before it fires), a task that sleeps,
//! a next tick, a page whose sleep the host cancels when the page leaves, a
//! burst of timers against the quota, and the timer budget.
//!
//! Handlers take their numbers from the event's detail
//! (`--event 'index:start={"ms":100,"times":3}'`) or, for a tap, from the
//! button's `data-*` attributes.

use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, json, log, nav, quota, task, timer, view, with_app,
};

#[derive(Default)]
struct Timers {
    /// Firings of every interval started here, shown as `ticks`.
    ticks: u32,
    /// The running interval, if any.
    interval: Option<timer::TimerId>,
    /// The last timeout `index:once` set, for `index:clear-once`.
    timeout: Option<timer::TimerId>,
}

impl Timers {
    /// `index:start`: tick every `ms`, and stop after `times` firings (or at
    /// `index:stop` when `times` is absent). A running interval is replaced.
    fn start(&mut self, ms: u32, times: Option<u32>) -> Result<()> {
        self.stop();
        let mut fired = 0;
        let id = timer::set_interval(ms, move || {
            fired += 1;
            let ticks = with_app(|app: &mut Timers| {
                app.ticks += 1;
                app.ticks
            })?;
            view::set("ticks", ticks)?;
            if Some(fired) == times
                && let Some(id) = with_app(|app: &mut Timers| app.interval.take())?
            {
                timer::clear_interval(id);
            }
            Ok(())
        })?;
        self.interval = Some(id);
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(id) = self.interval.take() {
            timer::clear_interval(id);
        }
    }
}

/// `index:many`: `n` one-minute timeouts; how many the host set, and why it
/// refused the first it refused.
fn many(n: u32) -> Result<()> {
    let mut set = 0;
    let mut refused = String::new();
    for _ in 0..n {
        match timer::set_timeout(60_000, || Ok(())) {
            Ok(_) => set += 1,
            Err(e) if refused.is_empty() => refused = e.message().to_owned(),
            Err(_) => {}
        }
    }
    view::set_data(json!({ "set": set, "refused": refused }))
}

fn budget() -> Result<()> {
    let b = quota::remaining();
    view::set_data(json!({ "budget": {
        "timers": b.timers,
        "timers_limit": b.timers_limit,
        "pending_calls": b.pending_calls,
        "pending_calls_limit": b.pending_calls_limit,
    }}))
}

/// The number `key` of `event`: from its detail, else from the element's
/// `data-` attribute; `None` when neither has it.
fn number(event: &Event, key: &str) -> Result<Option<u32>> {
    let bad = |shown: &dyn std::fmt::Display| {
        Error::InvalidArgument(format!(
            "{}:{} `{key}` must be a whole number (32 bits), not {shown}",
            event.page, event.handler
        ))
    };
    match event.detail.get(key) {
        Some(value) => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(value)),
        None => event
            .dataset
            .get(key)
            .map(|text| text.parse().map_err(|_| bad(&format!("`{text}`"))))
            .transpose(),
    }
}

fn required(event: &Event, key: &str) -> Result<u32> {
    number(event, key)?.ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{}:{} needs `{key}` (detail {{\"{key}\": N}} or data-{key})",
            event.page, event.handler
        ))
    })
}

impl App for Timers {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "ticks": 0, "timeout": "", "slept": false, "ticked": false }))
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        if page.route == "detail" {
            // The host ends this sleep with `cancelled` when the page leaves.
            task::spawn(async {
                match timer::sleep(60_000).await {
                    Ok(()) => log::info("detail slept a minute"),
                    Err(e) => log::info(format!("detail sleep ended: {e}")),
                }
                Ok(())
            });
        }
        Ok(())
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "start") => {
                let ms = required(event, "ms")?;
                self.start(ms, number(event, "times")?)
            }
            ("index", "stop") => {
                self.stop();
                Ok(())
            }
            ("index", "once") => {
                let id =
                    timer::set_timeout(required(event, "ms")?, || view::set("timeout", "fired"))?;
                self.timeout = Some(id);
                Ok(())
            }
            ("index", "clear-once") => {
                if let Some(id) = self.timeout.take() {
                    timer::clear_timeout(id);
                }
                Ok(())
            }
            ("index", "sleep") => {
                let ms = required(event, "ms")?;
                task::spawn(async move {
                    timer::sleep(ms).await?;
                    view::set("slept", true)
                });
                Ok(())
            }
            ("index", "next-tick") => {
                view::set("ticked", false)?;
                task::next_tick(|| view::set("ticked", true));
                Ok(())
            }
            ("index", "many") => many(required(event, "n")?),
            ("index", "budget") => budget(),
            ("index", "open-detail") => nav::navigate_to("detail"),
            ("detail", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Timers);
