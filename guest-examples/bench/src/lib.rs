//! Bench: the smallest useful mini-program, for cold-start and host-call
//! benchmarks. `tap` sets page data (the first event of a launch); `noop`
//! does nothing; `log` and `get` make `n` host calls (detail `{"n": N}`) so a
//! benchmark can subtract `noop` and divide by `n`; `seed` stores the key
//! `get` reads; `work` loops `n` times on pure computation; `sort` sorts
//! `n` pseudo-random numbers. Between events: `tick` sets an interval of
//! `ms` milliseconds (detail `{"ms": MS}`, default 0) whose callback counts
//! its firings and changes no page data, so each firing is one completion
//! of an unchanged page; `fired` shows that count as `fired`; `timers` sets
//! `n` one-hour timeouts that stay pending (idle timers).

use miniapp_sdk::{App, Error, Event, Launch, Result, json, log, storage, timer, view, with_app};
use serde::Deserialize;

#[derive(Default)]
struct Bench {
    count: u32,
    /// Firings of the `tick` interval so far.
    fired: u64,
    /// The `tick` interval, if one is set.
    interval: Option<timer::TimerId>,
}

/// An idle timer's delay: one hour, longer than any benchmark.
const IDLE_TIMER_MS: u32 = 3_600_000;

#[derive(Deserialize)]
struct Tick {
    #[serde(default)]
    ms: u32,
}

#[derive(Deserialize)]
struct Calls {
    n: u32,
}

impl App for Bench {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "count": 0 }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "tap" => {
                self.count += 1;
                view::set("count", self.count)
            }
            "noop" => Ok(()),
            "log" => {
                let Calls { n } = event.detail_as()?;
                for _ in 0..n {
                    log::debug("x");
                }
                Ok(())
            }
            "seed" => storage::set_bytes("hot", b"value"),
            "work" => {
                // Pure guest computation: what fuel and epoch checks cost.
                let Calls { n } = event.detail_as()?;
                let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
                for i in 0..n {
                    x = std::hint::black_box(x.rotate_left(5) ^ u64::from(i)).wrapping_mul(31);
                }
                std::hint::black_box(x);
                Ok(())
            }
            "sort" => {
                // Branchy guest computation over memory (many small basic
                // blocks, loads and stores): where fuel checks cost most.
                let Calls { n } = event.detail_as()?;
                let mut seed: u32 = 0x2545_f491;
                let mut items: Vec<u32> = (0..n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        seed
                    })
                    .collect();
                items.sort_unstable();
                std::hint::black_box(items);
                Ok(())
            }
            "get" => {
                let Calls { n } = event.detail_as()?;
                for _ in 0..n {
                    std::hint::black_box(storage::get_bytes("hot")?);
                }
                Ok(())
            }
            "tick" => {
                let Tick { ms } = event.detail_as()?;
                if let Some(id) = self.interval.take() {
                    timer::clear_interval(id);
                }
                let id = timer::set_interval(ms, || with_app(|app: &mut Bench| app.fired += 1))?;
                self.interval = Some(id);
                Ok(())
            }
            "fired" => view::set("fired", self.fired),
            "timers" => {
                let Calls { n } = event.detail_as()?;
                for _ in 0..n {
                    timer::set_timeout(IDLE_TIMER_MS, || Ok(()))?;
                }
                Ok(())
            }
            other => Err(Error::app(format!("unknown handler {other}"))),
        }
    }
}

miniapp_sdk::export_app!(Bench);
