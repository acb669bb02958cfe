//! Hostile: burns host CPU with cheap guest calls.
//!
//! `index:prepare` makes host calls expensive: it fills the page's data
//! up to about the per-page limit (a list `blob` of string chunks, halving
//! the chunk on each `quota-exceeded` down to `min_chunk`) and stores up to
//! `keys` storage keys of `key_len` bytes (tiny values). Storing stops
//! early when the event's time runs low; dispatch `index:prepare` again
//! until page data says `prepared: true`.
//!
//! `index:attack` then loops on four calls, each tiny for the guest and
//! costly for the host, one phase after another:
//! - `tiny_patch`: `set-data {"tick": n}`, which makes today's host clone
//!   and re-serialize the whole (large) page,
//! - `get_data`: `get-data`, which serializes the page and copies it in,
//! - `storage_info`: `storage.info()`,
//! - `storage_keys`: `storage.keys()`, which scans every key.
//!
//! A phase ends at the first refusal, after `calls` calls, after
//! `phase_ms` milliseconds, or when less than `reserve_ms` of the event's
//! time or `reserve_fuel` of its fuel is left, or when it used a quarter
//! of the event's fuel (so the app can still report; receiving 1000 keys
//! costs the guest fuel too). Today's host spends
//! unbounded CPU inside host calls (the guest's fuel does not count it). A
//! correct host bounds host CPU spent in host calls per event: it refuses
//! further calls (an error value) or stops the event (a trap), well
//! before the event's wall-clock limit.
//!
//! Launch query (all optional): `chunk` (default 262144), `min_chunk`
//! (1024), `keys` (1000), `key_len` (200), `calls` (1000000), `phase_ms`
//! (1000), `reserve_ms` (300), `reserve_fuel` (20000000).
//!
//! The page filler and `get-data` use the raw `view` imports, so the guest
//! does not pay to serialize or parse megabytes of JSON.
//!
//! Page data after `index:prepare`: `prepared`, `page_bytes`,
//! `page_chunks`, `page_error_kind`, `page_error` (the refusal that ended
//! filling), `stored_keys`, `store_error_kind`, `store_error`. After
//! `index:attack` also: `outcome` (`"finished"`), `total_calls_ok`,
//! `phases` (an object keyed `tiny_patch`, `get_data`, `storage_info`,
//! `storage_keys`; each with `calls_ok`, `stopped` (`"refused"`,
//! `"calls"`, `"time"`, `"deadline"` or `"fuel"`), `error_kind`, `error`,
//! `elapsed_ms`, `fuel_used`, `bytes_returned` (bytes or keys the host
//! sent back, all calls together)), and `report_freed_chunks` (leading
//! `blob` chunks set to `null` to make room for the report).

use std::time::Instant;

use miniapp_sdk::bindings::miniapp::host::view as raw_view;
use miniapp_sdk::{App, Error, Event, Launch, Result, Value, json, quota, storage, view};
use serde::Serialize;
use serde_json::Map;

const ATTACK: &str = "host-cpu-burner";
/// Room kept free on the page for the reports.
const RESERVE_BYTES: usize = 16 * 1024;
/// Gives up on a page that never refuses.
const MAX_CHUNKS: usize = 4096;

#[derive(Default)]
struct Config {
    chunk: usize,
    min_chunk: usize,
    keys: usize,
    key_len: usize,
    calls: u64,
    phase_ms: u64,
    reserve_ms: u64,
    reserve_fuel: u64,
}

/// The outcome of one phase of the attack.
#[derive(Default, Serialize)]
struct Phase {
    calls_ok: u64,
    stopped: &'static str,
    error_kind: Option<&'static str>,
    error: Option<String>,
    elapsed_ms: u64,
    fuel_used: u64,
    bytes_returned: u64,
}

#[derive(Default)]
struct HostCpuBurner {
    config: Config,
    page_filled: bool,
    page_bytes: usize,
    page_chunks: usize,
    page_error: Option<Error>,
    stored_keys: usize,
    store_error: Option<Error>,
}

impl HostCpuBurner {
    fn prepared(&self) -> bool {
        self.page_filled && (self.stored_keys >= self.config.keys || self.store_error.is_some())
    }

    fn key(&self, i: usize) -> String {
        let mut key = format!("k{i:06}-");
        if key.len() < self.config.key_len {
            key.extend(std::iter::repeat_n('k', self.config.key_len - key.len()));
        }
        key
    }

    /// Fill `blob` on the page until the host refuses at `min_chunk`,
    /// keeping `reserve` set meanwhile so the reports fit later.
    fn fill_page(&mut self) -> Result<()> {
        view::set("reserve", "r".repeat(RESERVE_BYTES))?;
        let filler = "x".repeat(self.config.chunk);
        let mut size = self.config.chunk;
        while self.page_chunks < MAX_CHUNKS {
            let mut patch = String::with_capacity(size + 32);
            patch.push_str("{\"blob[");
            patch.push_str(&self.page_chunks.to_string());
            patch.push_str("]\":\"");
            patch.push_str(&filler[..size]);
            patch.push_str("\"}");
            match raw_view::set_data(&patch).map_err(Error::from) {
                Ok(()) => {
                    self.page_bytes += size;
                    self.page_chunks += 1;
                }
                Err(e) => {
                    let done =
                        !matches!(e, Error::QuotaExceeded(_)) || size <= self.config.min_chunk;
                    self.page_error = Some(e);
                    if done {
                        break;
                    }
                    size = (size / 2).max(self.config.min_chunk);
                }
            }
        }
        self.page_filled = true;
        Ok(())
    }

    fn store_keys(&mut self) {
        while self.stored_keys < self.config.keys && self.store_error.is_none() {
            if self.stored_keys.is_multiple_of(16)
                && quota::remaining().time_left_ms < self.config.reserve_ms
            {
                return;
            }
            match storage::set_bytes(&self.key(self.stored_keys), b"1") {
                Ok(()) => self.stored_keys += 1,
                Err(e) => self.store_error = Some(e),
            }
        }
    }

    fn prepare(&mut self) -> Result<()> {
        if !self.page_filled {
            self.fill_page()?;
        }
        self.store_keys();
        let mut report = self.prepare_report();
        report.insert("reserve".into(), Value::Null);
        write_report(report, self.page_chunks)
    }

    fn prepare_report(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("attack".into(), json!(ATTACK));
        map.insert("prepared".into(), json!(self.prepared()));
        map.insert("page_bytes".into(), json!(self.page_bytes));
        map.insert("page_chunks".into(), json!(self.page_chunks));
        map.insert(
            "page_error_kind".into(),
            json!(self.page_error.as_ref().map(Error::kind)),
        );
        map.insert(
            "page_error".into(),
            json!(self.page_error.as_ref().map(Error::to_string)),
        );
        map.insert("stored_keys".into(), json!(self.stored_keys));
        map.insert(
            "store_error_kind".into(),
            json!(self.store_error.as_ref().map(Error::kind)),
        );
        map.insert(
            "store_error".into(),
            json!(self.store_error.as_ref().map(Error::to_string)),
        );
        map
    }

    /// Call `call` in a loop until it fails or the phase's bounds are hit;
    /// `call` returns how many bytes (or keys) the host sent back.
    fn phase(&self, fuel_share: u64, mut call: impl FnMut(u64) -> Result<u64>) -> Phase {
        let start = Instant::now();
        let fuel_start = quota::remaining().fuel_left;
        let mut phase = Phase {
            stopped: "calls",
            ..Phase::default()
        };
        while phase.calls_ok < self.config.calls {
            if start.elapsed().as_millis() as u64 >= self.config.phase_ms {
                phase.stopped = "time";
                break;
            }
            if phase.calls_ok.is_multiple_of(16) {
                let budget = quota::remaining();
                if budget.time_left_ms < self.config.reserve_ms {
                    phase.stopped = "deadline";
                    break;
                }
                if budget.fuel_left < self.config.reserve_fuel
                    || fuel_start.saturating_sub(budget.fuel_left) >= fuel_share
                {
                    phase.stopped = "fuel";
                    break;
                }
            }
            match call(phase.calls_ok) {
                Ok(bytes) => {
                    phase.calls_ok += 1;
                    phase.bytes_returned += bytes;
                }
                Err(e) => {
                    phase.stopped = "refused";
                    phase.error_kind = Some(e.kind());
                    phase.error = Some(e.to_string());
                    break;
                }
            }
        }
        phase.elapsed_ms = start.elapsed().as_millis() as u64;
        phase.fuel_used = fuel_start.saturating_sub(quota::remaining().fuel_left);
        phase
    }

    fn attack(&mut self) -> Result<()> {
        // Each phase may use a quarter of the event's fuel (keeping a reserve).
        let share = quota::remaining()
            .fuel_left
            .saturating_sub(self.config.reserve_fuel)
            / 4;
        let tiny_patch = self.phase(share, |n| view::set("tick", n).map(|()| 0));
        let get_data = self.phase(share, |_| Ok(raw_view::get_data().len() as u64));
        let storage_info = self.phase(share, |_| storage::info().map(|_| 0));
        let storage_keys = self.phase(share, |_| storage::keys().map(|k| k.len() as u64));
        let total =
            tiny_patch.calls_ok + get_data.calls_ok + storage_keys.calls_ok + storage_info.calls_ok;
        let mut report = self.prepare_report();
        report.insert("reserve".into(), Value::Null);
        report.insert("outcome".into(), json!("finished"));
        report.insert("total_calls_ok".into(), json!(total));
        report.insert(
            "phases".into(),
            json!({
                "tiny_patch": tiny_patch,
                "get_data": get_data,
                "storage_keys": storage_keys,
                "storage_info": storage_info,
            }),
        );
        write_report(report, self.page_chunks)
    }
}

/// Set `report` on the page, nulling its first 0, 1, 2... `blob` chunks
/// until the host accepts it.
fn write_report(report: Map<String, Value>, chunks: usize) -> Result<()> {
    let mut last = None;
    for freed in 0..=chunks {
        let mut patch = report.clone();
        for j in 0..freed {
            patch.insert(format!("blob[{j}]"), Value::Null);
        }
        patch.insert("report_freed_chunks".into(), json!(freed));
        match view::set_data(Value::Object(patch)) {
            Ok(()) => return Ok(()),
            Err(e @ Error::QuotaExceeded(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::app("report refused")))
}

impl App for HostCpuBurner {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let number = |key, default: u64| {
            launch
                .query(key)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(default)
        };
        let chunk = number("chunk", 256 * 1024).max(1) as usize;
        self.config = Config {
            chunk,
            min_chunk: (number("min_chunk", 1024).max(1) as usize).min(chunk),
            keys: number("keys", 1000) as usize,
            key_len: number("key_len", 200) as usize,
            calls: number("calls", 1_000_000),
            phase_ms: number("phase_ms", 1000),
            reserve_ms: number("reserve_ms", 300),
            reserve_fuel: number("reserve_fuel", 20_000_000),
        };
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "prepare") => self.prepare(),
            ("index", "attack") => self.attack(),
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(HostCpuBurner);
