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

use hostile_fixture::{
    Attack, Filler, add_errors, query_number, ready, unknown_handler, write_report,
};
use miniapp_sdk::bindings::miniapp::host::view as raw_view;
use miniapp_sdk::{Error, Event, Launch, Result, Value, json, quota, storage, view};
use serde::Serialize;

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
        let filler = Filler::new("blob", self.config.chunk, self.config.min_chunk, MAX_CHUNKS);
        let filled = filler.fill();
        self.page_bytes = filled.bytes;
        self.page_chunks = filled.chunks;
        self.page_error = filled.error;
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
        write_report(&self.prepare_report(), "blob", self.page_chunks)
    }

    /// The report after `index:prepare`, with `reserve` dropped to make
    /// room for it.
    fn prepare_report(&self) -> Value {
        let mut report = json!({
            "attack": Self::NAME,
            "prepared": self.prepared(),
            "page_bytes": self.page_bytes,
            "page_chunks": self.page_chunks,
            "stored_keys": self.stored_keys,
            "reserve": null,
        });
        add_errors(
            &mut report,
            [
                ("page", self.page_error.as_ref()),
                ("store", self.store_error.as_ref()),
            ],
        );
        report
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
}

impl Attack for HostCpuBurner {
    const NAME: &'static str = "host-cpu-burner";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        let number = |key, default: u64| query_number(launch, key).unwrap_or(default);
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
        ready(Self::NAME, json!({}))
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
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
        report["outcome"] = json!("finished");
        report["total_calls_ok"] = json!(total);
        report["phases"] = json!({
            "tiny_patch": tiny_patch,
            "get_data": get_data,
            "storage_keys": storage_keys,
            "storage_info": storage_info,
        });
        write_report(&report, "blob", self.page_chunks)
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "prepare" => self.prepare(),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(HostCpuBurner);
